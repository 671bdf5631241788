/*
 * mcpctl logs: read query_logs (the calls mcpd served), export them, and
 * prune old ones.  Reading never holds a lock that would stop mcpd from
 * writing: the catalog is in WAL mode, and each read is one statement.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logfilter.h"
#include "mcp/buf.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "term.h"
#include "mcp/banned.h"

static const char usage[] =
	"usage: mcpctl logs [--tail N] [--follow] [FILTERS] [--json|--jsonl]\n"
	"       mcpctl logs export --format csv|jsonl [--out FILE] [FILTERS]\n"
	"       mcpctl logs prune --older-than AGE\n"
	"\n"
	"filters: --since T, --until T (an age such as 30m, 1h, 2d, 3w, or a\n"
	"         UTC date such as 2026-11-01 or 2026-11-01T12:00),\n"
	"         --dataset D, --tool T, --client C, --session S (a prefix),\n"
	"         --status ok|error|timeout|denied|cancelled|lost\n"
	"\n"
	"logs prints one line per call, oldest first: time, client, tool,\n"
	"dataset, status, duration, rows and the SQL (cut to the terminal).\n"
	"  --tail N    the last N calls (default 50, or all with --since)\n"
	"  --follow    then print new calls as mcpd logs them, until ^C\n"
	"  --jsonl     one JSON object per line (--json: one array)\n"
	"export streams every matching row, in constant memory.\n"
	"prune deletes the rows older than AGE (e.g. 30d), in short batches.\n";

enum {
	OPT_TAIL = 0x300,
	OPT_FOLLOW,
	OPT_JSONL,
	OPT_FORMAT,
	OPT_OUT,
	OPT_OLDER,
};

/* the columns the text view shows, in this order */
static const char text_cols[] =
	"id, ts, client_name, tool, datasets, status, duration_us, "
	"rows_returned, sql_text, error_text";

/* every column, for JSON and export */
static const char all_cols[] =
	"id, ts, session_id, request_id, protocol, client_name, "
	"client_version, tool, datasets, status, rows_returned, "
	"bytes_returned, duration_us, cache_hit, sql_len, sql_hash, "
	"args_len, args_hash, lost_rows, lost_from, error_text, sql_text, "
	"arguments";

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

/* at most `width` characters (UTF-8) of `s` on one line */
static void put_cut(FILE *out, const char *s, int width)
{
	int n = 0;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c & 0xC0) != 0x80) {
			if (width > 0 && n == width - 1 && p[1]) {
				fputs("…", out);
				return;
			}
			n++;
		}
		/* one call, one line: newlines and tabs become spaces */
		fputc(c == '\n' || c == '\r' || c == '\t' ? ' ' : c, out);
	}
}

static void print_text_row(sqlite3_stmt *st, bool color, int width)
{
	const char *status = col_text(st, 5);
	const char *sql = col_text(st, 8);
	char ts[20], dur[24], rows[24];
	int used;

	/* "2026-11-27T03:29:14.123Z" -> "2026-11-27 03:29:14" */
	snprintf(ts, sizeof(ts), "%s", col_text(st, 1));
	if (strlen(ts) > 10) {
		ts[10] = ' ';
	}
	if (sqlite3_column_type(st, 6) == SQLITE_NULL) {
		snprintf(dur, sizeof(dur), "-");
	} else {
		term_duration(sqlite3_column_int64(st, 6), dur, sizeof(dur));
	}
	if (sqlite3_column_type(st, 7) == SQLITE_NULL) {
		snprintf(rows, sizeof(rows), "-");
	} else {
		snprintf(rows, sizeof(rows), "%lld",
			 (long long)sqlite3_column_int64(st, 7));
	}
	printf("%s%s%s  %-12.12s %-16.16s %-12.12s %s%-9s%s %8s %6s  ",
	       color ? TERM_DIM : "", ts, color ? TERM_RESET : "",
	       col_text(st, 2), col_text(st, 3),
	       col_text(st, 4)[0] ? col_text(st, 4) : "-",
	       color ? term_status_color(status) : "", status,
	       color ? TERM_RESET : "", dur, rows);
	used = 19 + 2 + 13 + 17 + 13 + 10 + 9 + 7 + 2;
	if (!sql[0]) {
		sql = col_text(st, 9);
	}
	put_cut(stdout, sql, width > 0 ? (width - used > 20 ? width - used
							   : 20)
				       : 0);
	fputc('\n', stdout);
}

static cJSON *row_json(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++) {
		cJSON_AddItemToObject(o, sqlite3_column_name(st, i),
				      render_value(st, i));
	}
	return o;
}

static void print_jsonl(sqlite3_stmt *st, FILE *out)
{
	cJSON *o = row_json(st);
	char *s = cJSON_PrintUnformatted(o);

	fputs(s, out);
	fputc('\n', out);
	free(s);
	cJSON_Delete(o);
}

static sqlite3_stmt *prepare(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		ctl_error("cannot read the query log: %s",
			  sqlite3_errmsg(db->sql));
		return NULL;
	}
	return st;
}

enum view { VIEW_TEXT, VIEW_JSON, VIEW_JSONL };

/*
 * Print the rows after id `after` (oldest first): the last `tail` of them,
 * none when tail is 0 (but return the newest id), all when it is negative.
 * Returns the last id seen (or `after`), -1 on error.
 */
static int64_t show_rows(struct db *db, const struct log_filter *f,
			 enum view view, int64_t after, int64_t tail,
			 cJSON *array)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	bool color = view == VIEW_TEXT && term_color();
	int width = term_width();
	int64_t last = after;
	int rc;

	buf_addf(&sql, "SELECT %s FROM query_logs WHERE id > :after",
		 view == VIEW_TEXT ? text_cols : all_cols);
	logfilter_where(f, &sql);
	if (tail == 0) {
		/* nothing old: only where to start following from */
		buf_reset(&sql);
		buf_addstr(&sql, "SELECT coalesce(max(id), :after) "
				 "FROM query_logs");
	} else if (tail > 0) {
		char *inner = buf_detach(&sql, NULL);

		buf_addf(&sql, "SELECT * FROM (%s ORDER BY id DESC LIMIT %lld) "
			 "ORDER BY id", inner, (long long)tail);
		free(inner);
	} else {
		buf_addstr(&sql, " ORDER BY id");
	}
	st = prepare(db, buf_str(&sql));
	buf_release(&sql);
	if (!st) {
		return -1;
	}
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":after"),
			   after);
	logfilter_bind(f, st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		if (tail == 0) {
			continue;
		}
		switch (view) {
		case VIEW_TEXT:
			print_text_row(st, color, width);
			break;
		case VIEW_JSONL:
			print_jsonl(st, stdout);
			break;
		case VIEW_JSON:
			cJSON_AddItemToArray(array, row_json(st));
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		ctl_error("cannot read the query log: %s",
			  sqlite3_errmsg(db->sql));
		last = -1;
	}
	sqlite3_finalize(st);
	return last;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int logs_show(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		LOGFILTER_LONG_OPTIONS,
		{ "tail", required_argument, NULL, OPT_TAIL },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "jsonl", no_argument, NULL, OPT_JSONL },
		{ NULL, 0, NULL, 0 },
	};
	struct log_filter f = { 0 };
	enum view view = VIEW_TEXT;
	bool follow = false, jsonl = false, tail_given = false;
	long long tail = 50;
	struct db *db = NULL;
	cJSON *array = NULL;
	int64_t last;
	int c, r, code = EXIT_FAIL;
	char *end;

	optind = 0;
	while ((c = getopt_long(argc + 1, argv - 1, "hqf", longopts,
				NULL)) != -1) {
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
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			code = EXIT_OK;
			goto out;
		case OPT_TAIL:
			tail = strtoll(optarg, &end, 10);
			if (*end || end == optarg || tail < 0) {
				code = ctl_usage_error("logs ", "bad --tail "
						       "'%s'", optarg);
				goto out;
			}
			tail_given = true;
			break;
		case 'f':
		case OPT_FOLLOW:
			follow = true;
			break;
		case OPT_JSONL:
			jsonl = true;
			break;
		default:
			code = ctl_usage_error("logs ", "unknown option");
			goto out;
		}
	}
	if (optind < argc + 1) {
		code = ctl_usage_error("logs ", "'%s' is not a logs command",
				       argv[optind - 1]);
		goto out;
	}
	if (ctl->json && follow && !jsonl) {
		code = ctl_usage_error("logs ", "--follow needs --jsonl, not "
				       "--json");
		goto out;
	}
	view = jsonl ? VIEW_JSONL : ctl->json ? VIEW_JSON : VIEW_TEXT;
	/* --since alone means everything since then */
	if (f.since && !tail_given) {
		tail = -1;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		goto out;
	}
	if (view == VIEW_JSON) {
		array = cJSON_CreateArray();
	}
	last = show_rows(db, &f, view, 0, tail, array);
	if (last < 0) {
		goto out;
	}
	if (array) {
		ctl_print_json(array);
		array = NULL;
	}
	if (follow) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		while (!interrupted) {
			if (fflush(stdout) != 0 || ferror(stdout)) {
				break;
			}
			usleep(250000);
			last = show_rows(db, &f, view, last, -1, NULL);
			if (last < 0) {
				goto out;
			}
		}
	}
	code = EXIT_OK;
out:
	cJSON_Delete(array);
	db_close(db);
	logfilter_finish(&f);
	return code;
}

static int logs_export(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		LOGFILTER_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "out", required_argument, NULL, OPT_OUT },
		{ NULL, 0, NULL, 0 },
	};
	struct log_filter f = { 0 };
	const char *format = NULL, *out_path = NULL;
	struct buf sql = BUF_INIT, line = BUF_INIT;
	sqlite3_stmt *st = NULL;
	struct db *db = NULL;
	FILE *out = stdout;
	bool csv;
	int c, r, rc, code = EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
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
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			code = EXIT_OK;
			goto out;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_OUT:
			out_path = optarg;
			break;
		default:
			code = ctl_usage_error("logs ", "unknown option");
			goto out;
		}
	}
	if (optind < argc) {
		code = ctl_usage_error("logs ", "unexpected argument '%s'",
				       argv[optind]);
		goto out;
	}
	if (!format || (strcmp(format, "csv") != 0 &&
			strcmp(format, "jsonl") != 0)) {
		code = ctl_usage_error("logs ", "export needs --format csv or "
				       "--format jsonl");
		goto out;
	}
	csv = strcmp(format, "csv") == 0;
	db = ctl_open(ctl, false);
	if (!db) {
		goto out;
	}
	buf_addf(&sql, "SELECT %s FROM query_logs WHERE 1", all_cols);
	logfilter_where(&f, &sql);
	buf_addstr(&sql, " ORDER BY id");
	st = prepare(db, buf_str(&sql));
	if (!st) {
		goto out;
	}
	logfilter_bind(&f, st);
	if (out_path) {
		out = fopen(out_path, "w");
		if (!out) {
			ctl_error("cannot write '%s': %s", out_path,
				  strerror(errno));
			out = stdout;
			goto out;
		}
	}
	if (csv) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			buf_addstr(&line, i ? "," : "");
			render_csv_field(&line, sqlite3_column_name(st, i));
		}
		fprintf(out, "%s\r\n", buf_str(&line));
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!csv) {
			print_jsonl(st, out);
			continue;
		}
		buf_reset(&line);
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			buf_addstr(&line, i ? "," : "");
			if (sqlite3_column_type(st, i) != SQLITE_NULL) {
				render_csv_field(&line, col_text(st, i));
			}
		}
		fprintf(out, "%s\r\n", buf_str(&line));
	}
	if (rc != SQLITE_DONE) {
		ctl_error("cannot read the query log: %s",
			  sqlite3_errmsg(db->sql));
		goto out;
	}
	code = EXIT_OK;
out:
	if (out != stdout && fclose(out) != 0 && code == EXIT_OK) {
		ctl_error("cannot write '%s': %s", out_path, strerror(errno));
		code = EXIT_FAIL;
	}
	sqlite3_finalize(st);
	buf_release(&sql);
	buf_release(&line);
	db_close(db);
	logfilter_finish(&f);
	return code;
}

/*
 * Delete in short transactions, so that a running mcpd, which writes its
 * rows between them, never waits long for the lock.
 */
static int logs_prune(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "older-than", required_argument, NULL, OPT_OLDER },
		{ NULL, 0, NULL, 0 },
	};
	const char *older = NULL;
	sqlite3_stmt *st = NULL;
	struct db *db = NULL;
	int64_t age, total = 0;
	char cutoff[32];
	int c, code = EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (c == OPT_OLDER) {
			older = optarg;
			continue;
		}
		return ctl_usage_error("logs ", "unknown option");
	}
	if (optind < argc) {
		return ctl_usage_error("logs ", "unexpected argument '%s'",
				       argv[optind]);
	}
	if (!older) {
		return ctl_usage_error("logs ", "prune needs --older-than AGE");
	}
	age = logfilter_age_ms(older);
	if (age < 0) {
		return ctl_usage_error("logs ", "bad age '%s': use e.g. 12h, "
				       "30d or 8w", older);
	}
	logfilter_format_ts(logfilter_now_ms() - age, cutoff, sizeof(cutoff));
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	st = prepare(db, "DELETE FROM query_logs WHERE id IN (SELECT id FROM "
			 "query_logs WHERE ts < ?1 ORDER BY ts LIMIT 1000)");
	if (!st) {
		goto out;
	}
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_STATIC);
	for (;;) {
		int changed;

		if (db_begin(db) < 0) {
			ctl_error("cannot lock the catalog: %s",
				  sqlite3_errmsg(db->sql));
			goto out;
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			ctl_error("cannot prune the query log: %s",
				  sqlite3_errmsg(db->sql));
			db_rollback(db);
			goto out;
		}
		changed = sqlite3_changes(db->sql);
		sqlite3_reset(st);
		if (db_commit(db) < 0) {
			ctl_error("cannot prune the query log: %s",
				  sqlite3_errmsg(db->sql));
			goto out;
		}
		total += changed;
		if (changed == 0) {
			break;
		}
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "deleted", (double)total);
		cJSON_AddStringToObject(o, "older_than", cutoff);
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("deleted %lld log rows older than %s\n",
		       (long long)total, cutoff);
	}
	code = EXIT_OK;
out:
	sqlite3_finalize(st);
	db_close(db);
	return code;
}

int cmd_logs(struct ctl *ctl, int argc, char **argv)
{
	static const struct verb verbs[] = {
		{ "export", logs_export },
		{ "prune", logs_prune },
		{ NULL, NULL },
	};

	/* no verb (or an option first): show the log */
	if (argc >= 1 && (strcmp(argv[0], "export") == 0 ||
			  strcmp(argv[0], "prune") == 0)) {
		return ctl_dispatch(ctl, "logs", verbs, usage, argc, argv);
	}
	return logs_show(ctl, argc, argv);
}
