/*
 * Migration 5 (the complete query log) on a catalog that already has log
 * rows: they survive the table copy with their values, gain their lengths
 * and a weight, and the new status 'lost' and log_max_mb exist after it.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "mcp/db.h"
#include "tap.h"

static char *one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		v = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

static void check(sqlite3 *db, const char *sql, const char *want)
{
	char *got = one(db, sql);

	is_str(got, want, "%s", sql);
	free(got);
}

int main(void)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "open");
	ok(db_migrate(db, 4, &err) == 0, "migrate to 4: %s", err ? err : "");
	ok(sqlite3_exec(db,
			"INSERT INTO query_logs (ts, client_name, tool, "
			"datasets, sql_text, arguments, status, error_text, "
			"rows_returned, bytes_returned, duration_us) VALUES "
			"('2026-01-01T00:00:00.000Z', 'host', 'query', 'a,b', "
			"'SELECT é', '{\"sql\":\"SELECT é\"}', 'error', "
			"'boom', 3, 40, 1234), "
			"('2026-01-02T00:00:00.000Z', NULL, 'list_datasets', "
			"NULL, NULL, '{}', 'ok', NULL, 2, 10, 5)",
			NULL, NULL, NULL) == SQLITE_OK,
	   "rows in the old table");
	ok(db_migrate(db, 5, &err) == 0, "migrate to 5: %s", err ? err : "");
	check(db, "SELECT count(*) FROM query_logs", "2");
	check(db, "SELECT ts || '|' || client_name || '|' || tool || '|' || "
		  "datasets || '|' || sql_text || '|' || status || '|' || "
		  "error_text || '|' || rows_returned || '|' || bytes_returned "
		  "|| '|' || duration_us FROM query_logs WHERE id = 1",
	      "2026-01-01T00:00:00.000Z|host|query|a,b|SELECT é|error|boom|3|"
	      "40|1234");
	/* lengths in bytes: é is two */
	check(db, "SELECT sql_len || ',' || args_len || ',' || row_bytes "
		  "FROM query_logs WHERE id = 1", "9,19,232");
	check(db, "SELECT coalesce(sql_len, 'null') || ',' || args_len || ',' "
		  "|| cache_hit FROM query_logs WHERE id = 2", "null,2,0");
	ok(sqlite3_exec(db, "INSERT INTO query_logs (tool, status, lost_rows) "
			"VALUES ('mcpd', 'lost', 3)", NULL, NULL, NULL) ==
		   SQLITE_OK, "status 'lost' is allowed");
	ok(sqlite3_exec(db, "INSERT INTO query_logs (tool, status) VALUES "
			"('x', 'bogus')", NULL, NULL, NULL) != SQLITE_OK,
	   "other statuses are not");
	check(db, "SELECT value FROM system_config WHERE key = 'log_max_mb'",
	      "256");
	check(db, "SELECT count(*) FROM sqlite_schema WHERE name IN "
		  "('query_logs_ts', 'query_logs_v5')", "1");
	free(err);
	sqlite3_close(db);
	return tap_done();
}
