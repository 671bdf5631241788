/*
 * logstats: usage figures from query_logs, as one cJSON object that
 * `mcpctl stats` prints (text or JSON) and `mcpctl report` draws.
 *
 * Every figure comes from the rows themselves: percentiles are exact
 * (nearest rank over the sorted durations), never averaged.  Rows with
 * status 'lost' are summaries, not calls: they only count in lost_rows.
 *
 * The object (caller owns it):
 *   window: {since, until, first, last}        ISO times or null
 *   calls, ok, errors, timeouts, denied, cancelled, error_rate, lost_rows
 *   latency_us: {p50, p95, p99, max}
 *   rows_returned, bytes_returned
 *   by: {key, groups: [{name, calls, errors, timeouts, error_rate, p50_us,
 *        p95_us, p99_us, max_us, rows, bytes, last}]}
 *   slowest, frequent: [{shape, calls, errors, max_us, p50_us}]
 *   unused_datasets: [name]
 *   datasets: [{name, enabled, calls, errors, last}]
 *   clients: [{name, version, calls, sessions, last}]
 *   daily: [{day, ok, error, timeout, denied, cancelled}]
 *   histogram: [{upto_us, count}] (the last has upto_us null)
 *   timeline: {start, bucket_ms, counts: [n]}
 */
#ifndef MCPCTL_LOGSTATS_H
#define MCPCTL_LOGSTATS_H

#include <cjson/cJSON.h>

#include "logfilter.h"
#include "mcp/db.h"

/* a number member (also raw JSON text, or null: 0) */
double logstats_num(const cJSON *o, const char *key);
/* a string member, or "" */
const char *logstats_str(const cJSON *o, const char *key);
/* true when the member is absent or null */
static inline bool logstats_null(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return !v || cJSON_IsNull(v);
}

/* what --by accepts */
#define LOGSTATS_BY "tool, dataset, client or day"
bool logstats_by_valid(const char *by);

/*
 * `by` is tool, dataset, client or day (tool when NULL); `buckets` is
 * the number of timeline buckets.  NULL on failure, with the message
 * printed.
 */
cJSON *logstats_collect(struct db *db, const struct log_filter *f,
			const char *by, int buckets);

#endif
