/*
 * Unit tests of common/db.c and common/paths.c: migrations, version
 * refusal, WAL, settings, the generation counter, catalog paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/db.h"
#include "mcp/paths.h"
#include "mcp/xalloc.h"
#include "tap.h"

static char *tmpdir;

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static int64_t query_int(sqlite3 *sql, const char *q)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

static void test_fresh(void)
{
	char *path = tmp_path("fresh/dir/catalog.db");
	struct db *db = NULL;
	char *err = NULL;

	is_int(db_open(path, DB_CREATE, &db, &err), 0, "create a catalog");
	ok(db != NULL, "got a handle");
	if (!db) {
		diag("%s", err);
		free(err);
		free(path);
		return;
	}
	is_int(query_int(db->sql, "PRAGMA user_version"), db_schema_version(),
	       "fresh catalog is at the newest version");
	ok(db_schema_version() >= 2, "schema.sql has its migrations");
	is_int(query_int(db->sql, "SELECT count(*) FROM sqlite_schema WHERE "
			 "name IN ('datasets', 'dataset_columns', "
			 "'llm_metadata', 'api_keys', 'query_logs', "
			 "'context_cache', 'system_config', 'dataset_search')"),
	       8, "every table exists");
	{
		sqlite3_stmt *st = NULL;

		sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &st,
				   NULL);
		sqlite3_step(st);
		is_str((const char *)sqlite3_column_text(st, 0), "wal",
		       "WAL mode");
		sqlite3_finalize(st);
	}
	is_int(db_config_get_int(db, "max_rows", -1), 1000,
	       "max_rows default");
	{
		int64_t g = db_generation(db);

		is_int(db_config_set(db, "max_rows", "7"), 0, "set max_rows");
		is_int(db_config_get_int(db, "max_rows", -1), 7, "read back");
		ok(db_generation(db) > g, "a setting change moves the generation");
		g = db_generation(db);
		db_exec(db, "INSERT INTO datasets (name, source_kind, "
			"data_table) VALUES ('x', 'csv', 'data_x')", NULL);
		ok(db_generation(db) > g, "a new dataset moves the generation");
		g = db_generation(db);
		db_exec(db, "INSERT INTO query_logs (tool, status) VALUES "
			"('query', 'ok')", NULL);
		is_int(db_generation(db), g, "a query log does not");
	}
	ok(db_config_get(db, "no_such_key") == NULL, "unknown key is NULL");
	db_close(db);
	db = NULL;
	is_int(db_open(path, 0, &db, &err), 0, "reopen");
	db_close(db);
	db_close(NULL);
	free(path);
}

static void test_migrate_from_1(void)
{
	char *path = tmp_path("v1.db");
	struct db *db = NULL;
	sqlite3 *raw = NULL;
	char *err = NULL;

	sqlite3_open(path, &raw);
	is_int(db_migrate(raw, 1, &err), 0, "build a version 1 catalog");
	is_int(query_int(raw, "PRAGMA user_version"), 1, "it says 1");
	is_int(query_int(raw, "SELECT count(*) FROM sqlite_schema WHERE "
			 "name = 'dataset_search'"), 0,
	       "version 1 has no search index");
	sqlite3_exec(raw, "INSERT INTO datasets (name, source_kind, "
		     "data_table) VALUES ('old', 'csv', 'data_old')", NULL,
		     NULL, NULL);
	sqlite3_close(raw);

	is_int(db_open(path, DB_READONLY, &db, &err), -EPROTO,
	       "read-only open of an old catalog is refused");
	ok(err && strstr(err, "mcpctl init"), "and says to run mcpctl init");
	free(err);
	err = NULL;

	is_int(db_open(path, 0, &db, &err), -EPROTO,
	       "only mcpctl init upgrades: a plain open refuses");
	ok(err && strstr(err, "mcpctl init"), "and says to run mcpctl init");
	free(err);
	err = NULL;

	is_int(db_open(path, DB_CREATE, &db, &err), 0, "init migrates");
	if (db) {
		is_int(query_int(db->sql, "PRAGMA user_version"),
		       db_schema_version(), "now at the newest version");
		is_int(query_int(db->sql, "SELECT count(*) FROM datasets "
				 "WHERE name = 'old'"), 1, "data kept");
		is_int(query_int(db->sql, "SELECT count(*) FROM "
				 "dataset_search"), 0, "search index exists");
	}
	db_close(db);
	free(path);
}

static void test_newer_refused(void)
{
	char *path = tmp_path("newer.db");
	struct db *db = NULL;
	sqlite3 *raw = NULL;
	char *err = NULL;

	sqlite3_open(path, &raw);
	/* a newer catalog still carries the marker of migration 3 */
	sqlite3_exec(raw, "CREATE TABLE catalog_identity (id, token);"
		     "CREATE TABLE keep (x); INSERT INTO keep VALUES (1);"
		     "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(raw);
	is_int(db_open(path, 0, &db, &err), -EPROTO, "a newer catalog fails");
	ok(db == NULL, "no handle");
	ok(err && strstr(err, "newer"), "the message says newer: %s",
	   err ? err : "(none)");
	free(err);
	err = NULL;
	is_int(db_open(path, DB_READONLY, &db, &err), -EPROTO,
	       "read-only too");
	free(err);
	sqlite3_open(path, &raw);
	is_int(query_int(raw, "PRAGMA user_version"), 99, "version untouched");
	is_int(query_int(raw, "SELECT count(*) FROM sqlite_schema"), 2,
	       "nothing added");
	sqlite3_close(raw);
	free(path);
}

static void test_missing(void)
{
	char *path = tmp_path("missing.db");
	struct db *db = NULL;
	char *err = NULL;

	ok(db_open(path, 0, &db, &err) < 0, "a missing catalog is an error");
	ok(err && strstr(err, "mcpctl init"), "that says to run mcpctl init");
	ok(access(path, F_OK) != 0, "and creates nothing");
	free(err);
	free(path);
}

static void test_paths(void)
{
	char *p;

	setenv("MCPD_DB", "/env/db", 1);
	p = paths_catalog("/flag/db");
	is_str(p, "/flag/db", "the flag wins");
	free(p);
	p = paths_catalog(NULL);
	is_str(p, "/env/db", "then MCPD_DB");
	free(p);
	unsetenv("MCPD_DB");
	setenv("XDG_DATA_HOME", "/xdg", 1);
	p = paths_catalog(NULL);
	is_str(p, "/xdg/mcpd/catalog.db", "then XDG_DATA_HOME");
	free(p);
	setenv("XDG_DATA_HOME", "", 1);
	setenv("HOME", "/home/u", 1);
	p = paths_catalog(NULL);
	is_str(p, "/home/u/.local/share/mcpd/catalog.db",
	       "empty XDG_DATA_HOME counts as unset");
	free(p);
}

int main(void)
{
	char tmpl[] = "/tmp/test-db.XXXXXX";
	char *cmd;

	tmpdir = mkdtemp(tmpl);
	test_fresh();
	test_migrate_from_1();
	test_newer_refused();
	test_missing();
	test_paths();
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0) {
		diag("cannot remove %s", tmpdir);
	}
	free(cmd);
	return tap_done();
}
