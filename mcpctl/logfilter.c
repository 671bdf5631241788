#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logfilter.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "mcp/banned.h"

int64_t logfilter_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void logfilter_format_ts(int64_t ms, char *buf, size_t size)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char day[24];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", day, (int)(ms % 1000));
}

int64_t logfilter_age_ms(const char *s)
{
	char *end;
	long long n;
	int64_t unit;

	if (!isdigit((unsigned char)s[0])) {
		return -1;
	}
	n = strtoll(s, &end, 10);
	if (n < 0 || n > 100000 || end[0] == '\0' || end[1] != '\0') {
		return -1;
	}
	switch (end[0]) {
	case 's':
		unit = 1000;
		break;
	case 'm':
		unit = 60 * 1000;
		break;
	case 'h':
		unit = 3600 * 1000;
		break;
	case 'd':
		unit = 86400 * 1000;
		break;
	case 'w':
		unit = 7 * 86400 * 1000LL;
		break;
	default:
		return -1;
	}
	return (int64_t)n * unit;
}

char *logfilter_time(const char *s)
{
	int64_t age = logfilter_age_ms(s);
	struct tm tm;
	const char *end;
	char out[32];
	time_t t;

	if (age >= 0) {
		logfilter_format_ts(logfilter_now_ms() - age, out,
				    sizeof(out));
		return xstrdup(out);
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end) {
		return NULL;
	}
	if (*end == 'T' || *end == ' ') {
		const char *e2 = strptime(end + 1, "%H:%M:%S", &tm);

		if (!e2) {
			e2 = strptime(end + 1, "%H:%M", &tm);
		}
		if (!e2) {
			return NULL;
		}
		end = e2;
	}
	if (*end == 'Z') {
		end++;
	}
	if (*end != '\0') {
		return NULL;
	}
	/* dates are UTC, as the log stores them; timegm checks the range */
	t = timegm(&tm);
	if (t == (time_t)-1) {
		return NULL;
	}
	logfilter_format_ts((int64_t)t * 1000, out, sizeof(out));
	return xstrdup(out);
}

static const char *const statuses[] = {
	"ok", "error", "timeout", "denied", "cancelled", "lost", NULL,
};

int logfilter_option(struct log_filter *f, int c, const char *arg)
{
	char **slot;

	switch (c) {
	case OPT_SINCE:
	case OPT_UNTIL:
		slot = c == OPT_SINCE ? &f->since : &f->until;
		free(*slot);
		*slot = logfilter_time(arg);
		if (!*slot) {
			ctl_error("bad time '%s': use an age (30m, 1h, 2d, "
				  "3w) or a UTC date (2026-11-01, "
				  "2026-11-01T12:00)", arg);
			return -1;
		}
		return 1;
	case OPT_STATUS:
		for (size_t i = 0; statuses[i]; i++) {
			if (strcmp(arg, statuses[i]) == 0) {
				free(f->status);
				f->status = xstrdup(arg);
				return 1;
			}
		}
		ctl_error("bad status '%s': use ok, error, timeout, denied, "
			  "cancelled or lost", arg);
		return -1;
	case OPT_DATASET:
		slot = &f->dataset;
		break;
	case OPT_TOOL:
		slot = &f->tool;
		break;
	case OPT_SESSION:
		slot = &f->session;
		break;
	case OPT_CLIENT:
		slot = &f->client;
		break;
	default:
		return 0;
	}
	free(*slot);
	*slot = xstrdup(arg);
	return 1;
}

void logfilter_finish(struct log_filter *f)
{
	free(f->since);
	free(f->until);
	free(f->dataset);
	free(f->tool);
	free(f->status);
	free(f->session);
	free(f->client);
	memset(f, 0, sizeof(*f));
}

void logfilter_where(const struct log_filter *f, struct buf *sql)
{
	if (f->since) {
		buf_addstr(sql, " AND ts >= :since");
	}
	if (f->until) {
		buf_addstr(sql, " AND ts < :until");
	}
	if (f->dataset) {
		/* datasets is comma-separated: match whole names */
		buf_addstr(sql, " AND ',' || datasets || ',' LIKE "
				"'%,' || :dataset || ',%' ESCAPE '\\'");
	}
	if (f->tool) {
		buf_addstr(sql, " AND tool = :tool");
	}
	if (f->status) {
		buf_addstr(sql, " AND status = :status");
	}
	if (f->session) {
		buf_addstr(sql, " AND substr(session_id, 1, "
				"length(:session)) = :session");
	}
	if (f->client) {
		buf_addstr(sql, " AND client_name = :client");
	}
}

static void bind_named(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0 && v) {
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	}
}

void logfilter_bind(const struct log_filter *f, sqlite3_stmt *st)
{
	bind_named(st, ":since", f->since);
	bind_named(st, ":until", f->until);
	if (f->dataset) {
		/* LIKE wildcards in a name are literal */
		struct buf b = BUF_INIT;

		for (const char *p = f->dataset; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\') {
				buf_addch(&b, '\\');
			}
			buf_addch(&b, *p);
		}
		bind_named(st, ":dataset", buf_str(&b));
		buf_release(&b);
	}
	bind_named(st, ":tool", f->tool);
	bind_named(st, ":status", f->status);
	bind_named(st, ":session", f->session);
	bind_named(st, ":client", f->client);
}
