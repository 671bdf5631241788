#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logstats.h"
#include "mcp/buf.h"
#include "mcp/render.h"
#include "mcpctl.h"
#include "mcp/sqlshape.h"
#include "mcp/banned.h"

/* the datasets of a row, one per result row, as column `d` of j */
#define DATASETS_JOIN \
	" JOIN json_each('[\"' || replace(datasets, ',', '\",\"') || " \
	"'\"]') AS j"

/* latency histogram edges, in microseconds */
static const int64_t edges[] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000, 10000000,
};
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

double logstats_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	/* render_value gives integers as raw JSON text */
	if (cJSON_IsRaw(v) && v->valuestring) {
		return strtod(v->valuestring, NULL);
	}
	if (cJSON_IsNumber(v)) {
		return v->valuedouble;
	}
	return cJSON_IsTrue(v) ? 1 : 0;
}

const char *logstats_str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, key));

	return s ? s : "";
}

bool logstats_by_valid(const char *by)
{
	return strcmp(by, "tool") == 0 || strcmp(by, "dataset") == 0 ||
	       strcmp(by, "client") == 0 || strcmp(by, "day") == 0;
}

/*
 * Run head + the filter's conditions + tail; each result row becomes an
 * object keyed by column name.  :start and :bucket are bound when given.
 */
static cJSON *rows(struct db *db, const struct log_filter *f,
		   const char *head, const char *tail, const char *start,
		   int64_t bucket)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	cJSON *arr = NULL;
	int rc, i;

	buf_addstr(&sql, head);
	logfilter_where(f, &sql);
	buf_addstr(&sql, tail);
	if (sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL) !=
	    SQLITE_OK) {
		ctl_error("cannot read the query log: %s",
			  sqlite3_errmsg(db->sql));
		goto out;
	}
	logfilter_bind(f, st);
	i = sqlite3_bind_parameter_index(st, ":start");
	if (i > 0) {
		sqlite3_bind_text(st, i, start, -1, SQLITE_TRANSIENT);
	}
	i = sqlite3_bind_parameter_index(st, ":bucket");
	if (i > 0) {
		sqlite3_bind_int64(st, i, bucket);
	}
	arr = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();

		for (int c = 0; c < sqlite3_column_count(st); c++) {
			cJSON_AddItemToObject(o, sqlite3_column_name(st, c),
					      render_value(st, c));
		}
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		ctl_error("cannot read the query log: %s",
			  sqlite3_errmsg(db->sql));
		cJSON_Delete(arr);
		arr = NULL;
	}
out:
	sqlite3_finalize(st);
	buf_release(&sql);
	return arr;
}

/* key expression and join for --by */
static void by_sql(const char *by, const char **ret_key,
		   const char **ret_join)
{
	*ret_join = "";
	if (strcmp(by, "dataset") == 0) {
		*ret_key = "j.value";
		*ret_join = DATASETS_JOIN;
	} else if (strcmp(by, "client") == 0) {
		*ret_key = "coalesce(client_name, '-')";
	} else if (strcmp(by, "day") == 0) {
		*ret_key = "substr(ts, 1, 10)";
	} else {
		*ret_key = "tool";
	}
}

/*
 * Calls, statuses and exact percentiles per group: each row is numbered
 * within its group in duration order, and the nearest rank of P is row
 * ceil(P * n / 100).
 */
static cJSON *groups(struct db *db, const struct log_filter *f,
		     const char *key, const char *join, const char *order)
{
	struct buf head = BUF_INIT, tail = BUF_INIT;
	cJSON *arr;

	buf_addf(&head,
		 "WITH r AS (SELECT %s AS k, status, ts, rows_returned, "
		 "bytes_returned, coalesce(duration_us, 0) AS d, "
		 "row_number() OVER (PARTITION BY %s ORDER BY "
		 "coalesce(duration_us, 0)) AS rn, count(*) OVER "
		 "(PARTITION BY %s) AS n FROM query_logs%s "
		 "WHERE status != 'lost'", key, key, key, join);
	buf_addstr(&tail,
		   ") SELECT k AS name, count(*) AS calls, "
		   "sum(status = 'ok') AS ok, "
		   "sum(status = 'error') AS errors, "
		   "sum(status = 'timeout') AS timeouts, "
		   "sum(status = 'denied') AS denied, "
		   "sum(status = 'cancelled') AS cancelled, "
		   "round(1.0 * sum(status != 'ok') / count(*), 4) "
		   "AS error_rate, "
		   "max(CASE WHEN rn = max(1, (50 * n + 99) / 100) THEN d END) "
		   "AS p50_us, "
		   "max(CASE WHEN rn = max(1, (95 * n + 99) / 100) THEN d END) "
		   "AS p95_us, "
		   "max(CASE WHEN rn = max(1, (99 * n + 99) / 100) THEN d END) "
		   "AS p99_us, max(d) AS max_us, "
		   "coalesce(sum(rows_returned), 0) AS rows, "
		   "coalesce(sum(bytes_returned), 0) AS bytes, "
		   "max(ts) AS last FROM r GROUP BY k ");
	buf_addstr(&tail, order);
	arr = rows(db, f, buf_str(&head), buf_str(&tail), NULL, 0);
	buf_release(&head);
	buf_release(&tail);
	return arr;
}

static cJSON *take_first(cJSON *arr)
{
	cJSON *first;

	if (!arr) {
		return NULL;
	}
	first = cJSON_DetachItemFromArray(arr, 0);
	cJSON_Delete(arr);
	return first ? first : cJSON_CreateObject();
}

static void move_item(cJSON *to, const char *to_name, cJSON *from,
		      const char *from_name)
{
	cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(from, from_name);

	cJSON_AddItemToObject(to, to_name, v ? v : cJSON_CreateNull());
}

/* calls, statuses and latency of the whole window, into `o` */
static int totals(struct db *db, const struct log_filter *f, cJSON *o)
{
	cJSON *all = take_first(groups(db, f, "'all'", "", ""));
	cJSON *lost, *lat;

	if (!all) {
		return -1;
	}
	if (!cJSON_GetObjectItem(all, "calls")) {
		/* no calls at all: zeros, and no latency */
		cJSON_AddNumberToObject(all, "calls", 0);
		cJSON_AddNumberToObject(all, "ok", 0);
		cJSON_AddNumberToObject(all, "errors", 0);
		cJSON_AddNumberToObject(all, "timeouts", 0);
		cJSON_AddNumberToObject(all, "denied", 0);
		cJSON_AddNumberToObject(all, "cancelled", 0);
		cJSON_AddNumberToObject(all, "error_rate", 0);
		cJSON_AddNumberToObject(all, "rows", 0);
		cJSON_AddNumberToObject(all, "bytes", 0);
	}
	move_item(o, "calls", all, "calls");
	move_item(o, "ok", all, "ok");
	move_item(o, "errors", all, "errors");
	move_item(o, "timeouts", all, "timeouts");
	move_item(o, "denied", all, "denied");
	move_item(o, "cancelled", all, "cancelled");
	move_item(o, "error_rate", all, "error_rate");
	lat = cJSON_AddObjectToObject(o, "latency_us");
	move_item(lat, "p50", all, "p50_us");
	move_item(lat, "p95", all, "p95_us");
	move_item(lat, "p99", all, "p99_us");
	move_item(lat, "max", all, "max_us");
	move_item(o, "rows_returned", all, "rows");
	move_item(o, "bytes_returned", all, "bytes");
	cJSON_Delete(all);
	lost = take_first(rows(db, f,
			       "SELECT coalesce(sum(lost_rows), 0) AS n, "
			       "min(ts) AS first, max(ts) AS last FROM "
			       "query_logs WHERE 1", "", NULL, 0));
	if (!lost) {
		return -1;
	}
	move_item(o, "lost_rows", lost, "n");
	cJSON_Delete(lost);
	return 0;
}

/* one pass over the durations, constant memory */
static cJSON *histogram(struct db *db, const struct log_filter *f)
{
	int64_t counts[NEDGES + 1] = { 0 };
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	cJSON *arr = NULL;

	buf_addstr(&sql, "SELECT duration_us FROM query_logs WHERE status "
			 "!= 'lost' AND duration_us IS NOT NULL");
	logfilter_where(f, &sql);
	if (sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL) !=
	    SQLITE_OK) {
		ctl_error("cannot read the query log: %s",
			  sqlite3_errmsg(db->sql));
		goto out;
	}
	logfilter_bind(f, st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t d = sqlite3_column_int64(st, 0);
		size_t i = 0;

		while (i < NEDGES && d > edges[i]) {
			i++;
		}
		counts[i]++;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; i <= NEDGES; i++) {
		cJSON *o = cJSON_CreateObject();

		if (i < NEDGES) {
			cJSON_AddNumberToObject(o, "upto_us", (double)edges[i]);
		} else {
			cJSON_AddNullToObject(o, "upto_us");
		}
		cJSON_AddNumberToObject(o, "count", (double)counts[i]);
		cJSON_AddItemToArray(arr, o);
	}
out:
	sqlite3_finalize(st);
	buf_release(&sql);
	return arr;
}

static cJSON *timeline(struct db *db, const struct log_filter *f,
		       const cJSON *window, int buckets)
{
	const char *first = cJSON_GetStringValue(cJSON_GetObjectItem(window,
								     "first"));
	const char *last = cJSON_GetStringValue(cJSON_GetObjectItem(window,
								    "last"));
	const char *since = f->since ? f->since : first;
	sqlite3_stmt *st = NULL;
	int64_t span = 0, bucket;
	cJSON *o, *counts, *got;
	int64_t *n;

	o = cJSON_CreateObject();
	counts = cJSON_AddArrayToObject(o, "counts");
	if (!since || !last) {
		cJSON_AddNullToObject(o, "start");
		cJSON_AddNumberToObject(o, "bucket_ms", 0);
		return o;
	}
	if (sqlite3_prepare_v2(db->sql, "SELECT CAST((julianday(?2) - "
			       "julianday(?1)) * 86400000 AS INTEGER)", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, f->until ? f->until : last, -1,
				  SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			span = sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
	bucket = span / buckets + 1;
	cJSON_AddStringToObject(o, "start", since);
	cJSON_AddNumberToObject(o, "bucket_ms", (double)bucket);
	got = rows(db, f,
		   "SELECT CAST((julianday(ts) - julianday(:start)) * "
		   "86400000 / :bucket AS INTEGER) AS b, count(*) AS n FROM "
		   "query_logs WHERE status != 'lost'",
		   " GROUP BY b", since, bucket);
	n = calloc((size_t)buckets, sizeof(*n));
	if (got && n) {
		const cJSON *r;

		cJSON_ArrayForEach(r, got) {
			double b = logstats_num(r, "b");

			if (b >= 0 && b < buckets) {
				n[(int)b] += (int64_t)logstats_num(r, "n");
			}
		}
	}
	for (int i = 0; i < buckets; i++) {
		cJSON_AddItemToArray(counts,
				     cJSON_CreateNumber(n ? (double)n[i] : 0));
	}
	free(n);
	cJSON_Delete(got);
	return o;
}

static bool add(cJSON *o, const char *name, cJSON *v)
{
	if (!v) {
		return false;
	}
	cJSON_AddItemToObject(o, name, v);
	return true;
}

static cJSON *window(struct db *db, const struct log_filter *f)
{
	cJSON *w = take_first(rows(db, f,
				   "SELECT min(ts) AS first, max(ts) AS last "
				   "FROM query_logs WHERE status != 'lost'",
				   "", NULL, 0));

	if (!w) {
		return NULL;
	}
	if (f->since) {
		cJSON_AddStringToObject(w, "since", f->since);
	} else {
		cJSON_AddNullToObject(w, "since");
	}
	if (f->until) {
		cJSON_AddStringToObject(w, "until", f->until);
	} else {
		cJSON_AddNullToObject(w, "until");
	}
	return w;
}

cJSON *logstats_collect(struct db *db, const struct log_filter *f,
			const char *by, int buckets)
{
	const char *key, *join;
	cJSON *o = cJSON_CreateObject(), *w, *b;
	bool ok;

	if (sql_shape_register(db->sql) != SQLITE_OK) {
		ctl_error("cannot register sql_shape: %s",
			  sqlite3_errmsg(db->sql));
		goto fail;
	}
	if (!by) {
		by = "tool";
	}
	w = window(db, f);
	if (!add(o, "window", w) || totals(db, f, o) < 0) {
		goto fail;
	}
	b = cJSON_AddObjectToObject(o, "by");
	cJSON_AddStringToObject(b, "key", by);
	by_sql(by, &key, &join);
	ok = add(b, "groups", groups(db, f, key, join,
				     strcmp(by, "day") == 0
					     ? "ORDER BY name"
					     : "ORDER BY calls DESC, name"));
	ok = ok && add(o, "slowest", rows(db, f,
		"SELECT sql_shape(sql_text) AS shape, count(*) AS calls, "
		"sum(status != 'ok') AS errors, max(duration_us) AS max_us "
		"FROM query_logs WHERE status != 'lost' AND sql_text IS NOT "
		"NULL", " GROUP BY shape ORDER BY max_us DESC, shape LIMIT 10",
		NULL, 0));
	ok = ok && add(o, "frequent", rows(db, f,
		"SELECT sql_shape(sql_text) AS shape, count(*) AS calls, "
		"sum(status != 'ok') AS errors, max(duration_us) AS max_us "
		"FROM query_logs WHERE status != 'lost' AND sql_text IS NOT "
		"NULL", " GROUP BY shape ORDER BY calls DESC, shape LIMIT 10",
		NULL, 0));
	/* per dataset, those never queried included */
	ok = ok && add(o, "datasets", rows(db, f,
		"WITH u AS (SELECT j.value AS name, count(*) AS calls, "
		"sum(status != 'ok') AS errors, max(ts) AS last FROM "
		"query_logs" DATASETS_JOIN " WHERE status != 'lost'",
		" GROUP BY j.value) SELECT d.name AS name, d.enabled AS "
		"enabled, coalesce(u.calls, 0) AS calls, coalesce(u.errors, "
		"0) AS errors, u.last AS last FROM datasets d LEFT JOIN u "
		"USING (name) UNION ALL SELECT u.name, NULL, u.calls, "
		"u.errors, u.last FROM u WHERE u.name NOT IN (SELECT name "
		"FROM datasets) ORDER BY calls DESC, name", NULL, 0));
	ok = ok && add(o, "clients", rows(db, f,
		"SELECT coalesce(client_name, '-') AS name, "
		"coalesce(client_version, '') AS version, count(*) AS calls, "
		"count(DISTINCT session_id) AS sessions, max(ts) AS last "
		"FROM query_logs WHERE status != 'lost'",
		" GROUP BY 1, 2 ORDER BY calls DESC, name", NULL, 0));
	ok = ok && add(o, "daily", rows(db, f,
		"SELECT substr(ts, 1, 10) AS day, sum(status = 'ok') AS ok, "
		"sum(status = 'error') AS error, sum(status = 'timeout') AS "
		"timeout, sum(status = 'denied') AS denied, "
		"sum(status = 'cancelled') AS cancelled FROM query_logs "
		"WHERE status != 'lost'", " GROUP BY day ORDER BY day",
		NULL, 0));
	ok = ok && add(o, "histogram", histogram(db, f));
	ok = ok && add(o, "timeline", timeline(db, f, w, buckets));
	if (!ok) {
		goto fail;
	}
	{
		cJSON *unused = cJSON_AddArrayToObject(o, "unused_datasets");
		const cJSON *d;

		cJSON_ArrayForEach(d, cJSON_GetObjectItem(o, "datasets")) {
			if (logstats_num(d, "enabled") == 1 &&
			    logstats_num(d, "calls") == 0) {
				cJSON_AddItemToArray(unused, cJSON_Duplicate(
					cJSON_GetObjectItem(d, "name"), 1));
			}
		}
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}
