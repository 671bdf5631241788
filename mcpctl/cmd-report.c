/*
 * mcpctl report: usage at a glance, as one self-contained HTML file an
 * admin opens in a browser or mails around.  No scripts, no fonts, no
 * images from elsewhere: inline CSS and inline SVG drawn here, from the
 * same figures as `mcpctl stats` (logstats.c) and the findings of
 * `mcpctl doctor` (doctor.c).  Every string from the catalog is escaped:
 * the SQL in the log is whatever a model sent.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "doctor.h"
#include "html.h"
#include "logstats.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "term.h"
#include "mcp/banned.h"

static const char usage[] =
	"usage: mcpctl report --out FILE.html [--since T] [FILTERS]\n"
	"\n"
	"Write a self-contained HTML page (inline CSS and SVG, no scripts, no\n"
	"external requests) of the query log over the window (default: the\n"
	"last 30 days): calls per day by status, the latency histogram with\n"
	"p50/p95/p99, datasets, query shapes, clients, and what 'mcpctl\n"
	"doctor' finds.  --out - writes to stdout.  Filters as for 'mcpctl\n"
	"logs'.\n";

enum { OPT_OUT = 0x700 };

/* chart geometry, in SVG user units; the page scales it */
#define CW 640
#define CH 220
#define ML 44
#define MR 8
#define MT 10
#define MB 34

static const struct {
	const char *key;
	const char *color;
} statuses[] = {
	{ "ok", "#3a9a5b" },
	{ "error", "#d1453b" },
	{ "timeout", "#e09b2d" },
	{ "denied", "#8a5cc2" },
	{ "cancelled", "#8c8c8c" },
};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

static const char css[] =
	"*{box-sizing:border-box}"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"color:#1c1c1c;background:#fff;margin:0 auto;max-width:980px;"
	"padding:12px}"
	"h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 "
	".4em;border-bottom:2px solid #e4e4e4;padding-bottom:.2em}"
	".muted{color:#666;font-size:.9em}"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,"
	"minmax(130px,1fr));gap:8px}"
	".card{border:1px solid #ddd;border-radius:6px;padding:6px 10px}"
	".card b{display:block;font-size:1.35em}"
	"svg{width:100%;height:auto;display:block}"
	"svg text{font:11px system-ui,sans-serif;fill:#444}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;font-size:.92em}"
	"th,td{padding:4px 6px;border-bottom:1px solid #eee;text-align:left;"
	"vertical-align:top}td.n,th.n{text-align:right;white-space:nowrap}"
	"code{font:12.5px ui-monospace,monospace;white-space:pre-wrap;"
	"word-break:break-word}"
	".legend span{display:inline-block;margin-right:12px;font-size:.9em}"
	".legend i{display:inline-block;width:10px;height:10px;"
	"margin-right:4px;vertical-align:-1px}"
	".ok{color:#2d7a47}.warn{color:#a66b00}.fail{color:#c0362c}"
	"@media (max-width:480px){body{padding:8px;font-size:14px}"
	"td,th{padding:3px 4px}svg text{font-size:16px}}"
	"@media print{body{max-width:none;padding:0}section{break-inside:"
	"avoid}.scroll{overflow:visible}*{-webkit-print-color-adjust:exact;"
	"print-color-adjust:exact}}";

static void put_dur(FILE *out, const cJSON *o, const char *key)
{
	char buf[24];

	if (logstats_null(o, key)) {
		fputs("-", out);
		return;
	}
	term_duration((int64_t)logstats_num(o, key), buf, sizeof(buf));
	html_text(out, buf);
}

static void card(FILE *out, const char *label, const char *value)
{
	html_raw(out, "<div class=\"card\"><span class=\"muted\">");
	html_text(out, label);
	html_raw(out, "</span><b>");
	html_text(out, value);
	html_raw(out, "</b></div>");
}

static void summary(FILE *out, const cJSON *s)
{
	const cJSON *lat = cJSON_GetObjectItem(s, "latency_us");
	char v[64];

	html_raw(out, "<section><div class=\"cards\">");
	snprintf(v, sizeof(v), "%.0f", logstats_num(s, "calls"));
	card(out, "calls", v);
	snprintf(v, sizeof(v), "%.1f%%",
		 100.0 * logstats_num(s, "error_rate"));
	card(out, "not ok", v);
	snprintf(v, sizeof(v), "%.0f", logstats_num(s, "timeouts"));
	card(out, "timeouts", v);
	snprintf(v, sizeof(v), "-");
	if (!logstats_null(lat, "p50")) {
		term_duration((int64_t)logstats_num(lat, "p50"), v, sizeof(v));
	}
	card(out, "p50 latency", v);
	snprintf(v, sizeof(v), "-");
	if (!logstats_null(lat, "p95")) {
		term_duration((int64_t)logstats_num(lat, "p95"), v, sizeof(v));
	}
	card(out, "p95 latency", v);
	snprintf(v, sizeof(v), "-");
	if (!logstats_null(lat, "p99")) {
		term_duration((int64_t)logstats_num(lat, "p99"), v, sizeof(v));
	}
	card(out, "p99 latency", v);
	snprintf(v, sizeof(v), "%.0f", logstats_num(s, "rows_returned"));
	card(out, "rows returned", v);
	term_bytes((int64_t)logstats_num(s, "bytes_returned"), v, sizeof(v));
	card(out, "bytes returned", v);
	if (logstats_num(s, "lost_rows") > 0) {
		snprintf(v, sizeof(v), "%.0f", logstats_num(s, "lost_rows"));
		card(out, "calls not logged", v);
	}
	html_raw(out, "</div></section>\n");
}

static time_t day_time(const char *day)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!strptime(day, "%Y-%m-%d", &tm)) {
		return (time_t)-1;
	}
	return timegm(&tm);
}

/* a round number at or above v, for the axis */
static double nice_max(double v)
{
	double p = 1;

	if (v <= 0) {
		return 1;
	}
	while (p * 10 <= v) {
		p *= 10;
	}
	if (v <= p) {
		return p;
	}
	if (v <= 2 * p) {
		return 2 * p;
	}
	if (v <= 5 * p) {
		return 5 * p;
	}
	return 10 * p;
}

static void y_axis(FILE *out, double max, const char *unit)
{
	for (int i = 0; i <= 4; i++) {
		double y = MT + (CH - MT - MB) * (1 - i / 4.0);

		html_raw(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
			 "y2=\"%.1f\" stroke=\"#e6e6e6\"/>", ML, CW - MR, y, y);
		html_raw(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
			 "%.0f%s</text>", ML - 4, y + 4, max * i / 4, unit);
	}
}

/* calls per day, stacked by status, every day of the span shown */
static void daily_chart(FILE *out, const cJSON *s)
{
	const cJSON *daily = cJSON_GetObjectItem(s, "daily");
	int n = cJSON_GetArraySize(daily), ndays;
	time_t first, last;
	double max = 0, bw;

	html_raw(out, "<section><h2>Calls per day</h2>");
	if (n == 0) {
		html_raw(out, "<p class=\"muted\">No calls in this window."
			 "</p></section>\n");
		return;
	}
	first = day_time(logstats_str(cJSON_GetArrayItem(daily, 0), "day"));
	last = day_time(logstats_str(cJSON_GetArrayItem(daily, n - 1),
				     "day"));
	ndays = (int)((last - first) / 86400) + 1;
	if (ndays < 1 || ndays > 3660) {
		ndays = n;
	}
	for (int i = 0; i < n; i++) {
		const cJSON *d = cJSON_GetArrayItem(daily, i);
		double t = 0;

		for (size_t k = 0; k < NSTATUS; k++) {
			t += logstats_num(d, statuses[k].key);
		}
		max = t > max ? t : max;
	}
	max = nice_max(max);
	bw = (double)(CW - ML - MR) / ndays;
	html_raw(out, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
		 "aria-label=\"calls per day by status\">", CW, CH);
	y_axis(out, max, "");
	for (int i = 0; i < n; i++) {
		const cJSON *d = cJSON_GetArrayItem(daily, i);
		const char *day = logstats_str(d, "day");
		int idx = ndays == n ? i
				     : (int)((day_time(day) - first) / 86400);
		/* a few days get slim bars, centred, not slabs */
		double w = bw * 0.8 < 48 ? bw * 0.8 : 48;
		double x = ML + idx * bw + (bw - w) / 2, y = CH - MB;

		for (size_t k = 0; k < NSTATUS; k++) {
			double v = logstats_num(d, statuses[k].key);
			double h = (CH - MT - MB) * v / max;

			if (v <= 0) {
				continue;
			}
			y -= h;
			html_raw(out, "<rect x=\"%.2f\" y=\"%.2f\" "
				 "width=\"%.2f\" height=\"%.2f\" "
				 "fill=\"%s\"><title>", x, y,
				 w > 0.5 ? w : 0.5, h,
				 statuses[k].color);
			html_text(out, day);
			html_raw(out, ": %.0f %s</title></rect>", v,
				 statuses[k].key);
		}
	}
	/* the first, middle and last day under the axis */
	for (int j = 0; j < 3; j++) {
		int idx = j == 0 ? 0 : j == 1 ? ndays / 2 : ndays - 1;
		time_t t = first + (time_t)idx * 86400;
		struct tm tm;
		char label[16];

		if (j > 0 && idx == 0) {
			continue;
		}
		gmtime_r(&t, &tm);
		strftime(label, sizeof(label), "%Y-%m-%d", &tm);
		html_raw(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">"
			 "%s</text>", ML + (idx + 0.5) * bw, CH - MB + 16,
			 j == 0 ? "start" : j == 1 ? "middle" : "end", label);
	}
	html_raw(out, "</svg><p class=\"legend\">");
	for (size_t k = 0; k < NSTATUS; k++) {
		html_raw(out, "<span><i style=\"background:%s\"></i>%s</span>",
			 statuses[k].color, statuses[k].key);
	}
	html_raw(out, "</p></section>\n");
}

/* where duration v falls on the histogram's x axis, in buckets */
static double bucket_pos(const cJSON *hist, double v)
{
	int n = cJSON_GetArraySize(hist);
	double lo = 1;

	for (int i = 0; i < n; i++) {
		const cJSON *b = cJSON_GetArrayItem(hist, i);
		double hi = logstats_null(b, "upto_us")
				    ? lo * 4
				    : logstats_num(b, "upto_us");

		if (v <= hi || i == n - 1) {
			double f = v <= lo ? 0 : log(v / lo) / log(hi / lo);

			return i + (f > 1 ? 1 : f);
		}
		lo = hi;
	}
	return n;
}

static void latency_chart(FILE *out, const cJSON *s)
{
	const cJSON *hist = cJSON_GetObjectItem(s, "histogram");
	const cJSON *lat = cJSON_GetObjectItem(s, "latency_us");
	static const char *const marks[] = { "p50", "p95", "p99" };
	int n = cJSON_GetArraySize(hist);
	double max = 0, bw = (double)(CW - ML - MR) / (n > 0 ? n : 1);
	char label[24];

	html_raw(out, "<section><h2>Latency</h2>");
	if (logstats_num(s, "calls") == 0) {
		html_raw(out, "<p class=\"muted\">No calls in this window."
			 "</p></section>\n");
		return;
	}
	for (int i = 0; i < n; i++) {
		double c = logstats_num(cJSON_GetArrayItem(hist, i), "count");

		max = c > max ? c : max;
	}
	max = nice_max(max);
	html_raw(out, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
		 "aria-label=\"latency histogram\">", CW, CH);
	y_axis(out, max, "");
	for (int i = 0; i < n; i++) {
		const cJSON *b = cJSON_GetArrayItem(hist, i);
		double c = logstats_num(b, "count");
		double h = (CH - MT - MB) * c / max;

		if (logstats_null(b, "upto_us")) {
			snprintf(label, sizeof(label), "more");
		} else {
			term_duration((int64_t)logstats_num(b, "upto_us"),
				      label, sizeof(label));
		}
		if (c > 0) {
			html_raw(out, "<rect x=\"%.2f\" y=\"%.2f\" "
				 "width=\"%.2f\" height=\"%.2f\" "
				 "fill=\"#4a78b5\"><title>up to %s: %.0f calls"
				 "</title></rect>", ML + i * bw + 1,
				 CH - MB - h, bw - 2, h, label, c);
		}
		if (i % 2 == 0 || i == n - 1) {
			html_raw(out, "<text x=\"%.1f\" y=\"%d\" "
				 "text-anchor=\"middle\">%s%s</text>",
				 ML + (i + 1) * bw, CH - MB + 14,
				 i == n - 1 ? "" : "≤", i == n - 1 ? "" : label);
		}
	}
	for (size_t m = 0; m < 3; m++) {
		double x;

		if (logstats_null(lat, marks[m])) {
			continue;
		}
		x = ML + bucket_pos(hist, logstats_num(lat, marks[m])) * bw;
		term_duration((int64_t)logstats_num(lat, marks[m]), label,
			      sizeof(label));
		html_raw(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
			 "y2=\"%d\" stroke=\"#c0362c\" stroke-width=\"1.5\" "
			 "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" "
			 "y=\"%d\" fill=\"#c0362c\" text-anchor=\"middle\">"
			 "%s %s</text>", x, x, MT + 12 * (int)m + 4, CH - MB,
			 x, MT + 12 * (int)m + 2, marks[m], label);
	}
	html_raw(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
		 "duration (log scale)</text></svg></section>\n",
		 ML + (CW - ML - MR) / 2, CH - 4);
}

static void th(FILE *out, const char *const *cols)
{
	html_raw(out, "<div class=\"scroll\"><table><thead><tr>");
	for (size_t i = 0; cols[i]; i++) {
		/* a leading '#' marks a numeric column */
		html_raw(out, "<th%s>", cols[i][0] == '#' ? " class=\"n\"" : "");
		html_text(out, cols[i] + (cols[i][0] == '#'));
		html_raw(out, "</th>");
	}
	html_raw(out, "</tr></thead><tbody>");
}

static void td_text(FILE *out, const char *s, bool code)
{
	html_raw(out, code ? "<td><code>" : "<td>");
	html_text(out, s && *s ? s : "-");
	html_raw(out, code ? "</code></td>" : "</td>");
}

static void td_num(FILE *out, double v)
{
	html_raw(out, "<td class=\"n\">%.0f</td>", v);
}

static void datasets_table(FILE *out, const cJSON *s)
{
	static const char *const cols[] = {
		"dataset", "#calls", "#errors", "last used", NULL,
	};
	const cJSON *d;

	html_raw(out, "<section><h2>Datasets</h2>");
	th(out, cols);
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(s, "datasets")) {
		html_raw(out, "<tr>");
		td_text(out, logstats_str(d, "name"), false);
		td_num(out, logstats_num(d, "calls"));
		td_num(out, logstats_num(d, "errors"));
		td_text(out, logstats_null(d, "last") ? "never"
						     : logstats_str(d, "last"),
			false);
		html_raw(out, "</tr>");
	}
	html_raw(out, "</tbody></table></div></section>\n");
}

static void shapes_table(FILE *out, const cJSON *s, const char *key,
			 const char *title)
{
	static const char *const cols[] = {
		"#calls", "#not ok", "#slowest", "query shape", NULL,
	};
	const cJSON *q;

	html_raw(out, "<section><h2>");
	html_text(out, title);
	html_raw(out, "</h2>");
	th(out, cols);
	cJSON_ArrayForEach(q, cJSON_GetObjectItem(s, key)) {
		html_raw(out, "<tr>");
		td_num(out, logstats_num(q, "calls"));
		td_num(out, logstats_num(q, "errors"));
		html_raw(out, "<td class=\"n\">");
		put_dur(out, q, "max_us");
		html_raw(out, "</td>");
		td_text(out, logstats_str(q, "shape"), true);
		html_raw(out, "</tr>");
	}
	html_raw(out, "</tbody></table></div></section>\n");
}

static void clients_table(FILE *out, const cJSON *s)
{
	static const char *const cols[] = {
		"client", "version", "#calls", "#sessions", "last seen", NULL,
	};
	const cJSON *c;

	html_raw(out, "<section><h2>Clients</h2>");
	th(out, cols);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(s, "clients")) {
		html_raw(out, "<tr>");
		td_text(out, logstats_str(c, "name"), false);
		td_text(out, logstats_str(c, "version"), false);
		td_num(out, logstats_num(c, "calls"));
		td_num(out, logstats_num(c, "sessions"));
		td_text(out, logstats_str(c, "last"), false);
		html_raw(out, "</tr>");
	}
	html_raw(out, "</tbody></table></div></section>\n");
}

static void doctor_table(FILE *out, const cJSON *findings)
{
	static const char *const cols[] = {
		"", "check", "finding", "fix", NULL,
	};
	const cJSON *f;

	html_raw(out, "<section><h2>Catalog health (mcpctl doctor)</h2>");
	th(out, cols);
	cJSON_ArrayForEach(f, findings) {
		const char *st = logstats_str(f, "status");

		html_raw(out, "<tr><td class=\"%s\">",
			 strcmp(st, "ok") == 0     ? "ok"
			 : strcmp(st, "warn") == 0 ? "warn"
						   : "fail");
		html_text(out, st);
		html_raw(out, "</td>");
		td_text(out, logstats_str(f, "check"), false);
		td_text(out, logstats_str(f, "detail"), false);
		td_text(out, logstats_str(f, "fix"), true);
		html_raw(out, "</tr>");
	}
	html_raw(out, "</tbody></table></div></section>\n");
}

static void page(FILE *out, struct db *db, const cJSON *s,
		 const cJSON *findings)
{
	const cJSON *w = cJSON_GetObjectItem(s, "window");
	char now[32];

	logfilter_format_ts(logfilter_now_ms(), now, sizeof(now));
	html_raw(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		 "<meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width,"
		 "initial-scale=1\">"
		 "<title>mcpd usage report</title><style>%s</style></head>"
		 "<body>\n", css);
	html_raw(out, "<header><h1>mcpd usage</h1><p class=\"muted\">"
		 "Catalog <code>");
	html_text(out, db->path);
	html_raw(out, "</code>, calls from ");
	html_text(out, logstats_null(w, "since") ? logstats_str(w, "first")
						  : logstats_str(w, "since"));
	html_raw(out, " to ");
	html_text(out, logstats_null(w, "until") ? logstats_str(w, "last")
						  : logstats_str(w, "until"));
	html_raw(out, " (UTC). Written %s by mcpctl %s.</p></header>\n", now,
		 MCPD_VERSION);
	summary(out, s);
	daily_chart(out, s);
	latency_chart(out, s);
	datasets_table(out, s);
	shapes_table(out, s, "frequent", "Most frequent query shapes");
	shapes_table(out, s, "slowest", "Slowest query shapes");
	clients_table(out, s);
	doctor_table(out, findings);
	html_raw(out, "</body></html>\n");
}

int cmd_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		LOGFILTER_LONG_OPTIONS,
		{ "out", required_argument, NULL, OPT_OUT },
		{ NULL, 0, NULL, 0 },
	};
	struct log_filter f = { 0 };
	const char *path = NULL;
	char *tmp = NULL;
	struct db *db = NULL;
	cJSON *s = NULL, *findings = NULL;
	FILE *out = NULL;
	int c, r, code = EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc + 1, argv - 1, "hq", longopts, NULL)) !=
	       -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		r = logfilter_option(&f, c, optarg);
		if (r != 0) {
			if (r < 0) {
				code = EXIT_USAGE;
				goto out;
			}
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			code = EXIT_OK;
			goto out;
		}
		if (c == OPT_OUT) {
			path = optarg;
			continue;
		}
		code = ctl_usage_error("report ", "unknown option");
		goto out;
	}
	if (optind < argc + 1) {
		code = ctl_usage_error("report ", "unexpected argument '%s'",
				       argv[optind - 1]);
		goto out;
	}
	if (!path) {
		code = ctl_usage_error("report ", "report needs --out FILE");
		goto out;
	}
	if (!f.since) {
		f.since = logfilter_time("30d");
	}
	db = ctl_open(ctl, false);
	if (!db) {
		goto out;
	}
	s = logstats_collect(db, &f, "dataset", 60);
	if (!s) {
		goto out;
	}
	findings = doctor_run(db, false);
	if (strcmp(path, "-") == 0) {
		out = stdout;
	} else {
		tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
		out = fopen(tmp, "w");
		if (!out) {
			ctl_error("cannot write '%s': %s", tmp,
				  strerror(errno));
			goto out;
		}
	}
	page(out, db, s, findings);
	if (out != stdout) {
		r = ferror(out);
		if (fclose(out) != 0 || r) {
			out = NULL;
			ctl_error("cannot write '%s': %s", tmp,
				  strerror(errno));
			goto out;
		}
		out = NULL;
		if (rename(tmp, path) < 0) {
			ctl_error("cannot rename '%s' to '%s': %s", tmp, path,
				  strerror(errno));
			goto out;
		}
		if (!ctl->quiet) {
			printf("wrote '%s' (%.0f calls)\n", path,
			       logstats_num(s, "calls"));
		}
	}
	code = EXIT_OK;
out:
	if (out && out != stdout) {
		fclose(out);
	}
	if (tmp && code != EXIT_OK) {
		unlink(tmp);
	}
	free(tmp);
	cJSON_Delete(findings);
	cJSON_Delete(s);
	db_close(db);
	logfilter_finish(&f);
	return code;
}
