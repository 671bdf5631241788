/*
 * logfilter: which query_logs rows a command reads.  Shared by logs,
 * stats and report, so --since means the same everywhere.
 *
 * A struct log_filter is filled from options (logfilter_option) and owns
 * its strings; logfilter_finish() releases them.  logfilter_where() adds
 * the matching SQL conditions and logfilter_bind() their values, by name,
 * to a statement that contains that SQL.
 */
#ifndef MCPCTL_LOGFILTER_H
#define MCPCTL_LOGFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "mcp/buf.h"

struct log_filter {
	char *since;            /* ts bounds, as stored: ISO 8601 UTC */
	char *until;
	char *dataset;
	char *tool;
	char *status;
	char *session;          /* a prefix of the session id */
	char *client;
};

/* getopt codes of the filter options, for a verb's longopts */
enum {
	OPT_SINCE = 0x200,
	OPT_UNTIL,
	OPT_DATASET,
	OPT_TOOL,
	OPT_STATUS,
	OPT_SESSION,
	OPT_CLIENT,
};

#define LOGFILTER_LONG_OPTIONS \
	{ "since", required_argument, NULL, OPT_SINCE }, \
	{ "until", required_argument, NULL, OPT_UNTIL }, \
	{ "dataset", required_argument, NULL, OPT_DATASET }, \
	{ "tool", required_argument, NULL, OPT_TOOL }, \
	{ "status", required_argument, NULL, OPT_STATUS }, \
	{ "session", required_argument, NULL, OPT_SESSION }, \
	{ "client", required_argument, NULL, OPT_CLIENT }

/*
 * Handle one filter option: 1 when `c` was one, 0 when not, or -1 (after
 * printing why) when its value is bad.
 */
int logfilter_option(struct log_filter *f, int c, const char *arg);
void logfilter_finish(struct log_filter *f);

/*
 * A time as stored in query_logs.ts: an age ("30s", "15m", "1h", "2d",
 * "3w": that long before now) or a UTC date or time ("2026-11-01",
 * "2026-11-01T12:00", "2026-11-01 12:00:00").  Returns a new string, or
 * NULL when `s` is neither.
 */
char *logfilter_time(const char *s);
/* the same, for ages only ("30d"): milliseconds, or -1 */
int64_t logfilter_age_ms(const char *s);

/* " AND cond" for each set field */
void logfilter_where(const struct log_filter *f, struct buf *sql);
void logfilter_bind(const struct log_filter *f, sqlite3_stmt *st);

/* "2026-11-27T03:29:14.123Z" for a wall-clock time in ms */
void logfilter_format_ts(int64_t ms, char *buf, size_t size);
int64_t logfilter_now_ms(void);

#endif
