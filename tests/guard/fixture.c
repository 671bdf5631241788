#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mcp/db.h"
#include "fixture.h"

/* text that must never appear in any answer */
static const char *const secrets[] = {
	"TOPSECRET", "PRIVATEDATA", "FP-SECRET", "META-SECRET", "LOG-SECRET",
	"CONFIG-SECRET",
};


uint64_t fixture_file_hash(const char *path)
{
	/* FNV-1a over the whole file */
	FILE *f = fopen(path, "rb");
	uint64_t h = 1469598103934665603ULL;
	int c;

	/* a missing file hashes as an empty one (a WAL comes and goes) */
	if (!f) {
		return h;
	}
	while ((c = getc(f)) != EOF) {
		h = (h ^ (uint64_t)c) * 1099511628211ULL;
	}
	fclose(f);
	return h;
}

static void must(int rc, sqlite3 *db, const char *what)
{
	if (rc != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", what, sqlite3_errmsg(db));
		exit(99);
	}
}

static void make_source(const char *source_path)
{
	sqlite3 *db = NULL;

	unlink(source_path);
	must(sqlite3_open(source_path, &db), db, "open source");
	must(sqlite3_exec(db,
			  "CREATE TABLE cities(name TEXT, pop INTEGER);"
			  "INSERT INTO cities VALUES ('Lyon', 500), "
			  "('Nice', 340), ('Albi', 50);"
			  "CREATE VIEW big_cities AS SELECT name, pop FROM "
			  "cities WHERE pop > 100;"
			  "CREATE TABLE system_config(k TEXT, v TEXT);"
			  "INSERT INTO system_config VALUES ('colour', 'blue');"
			  "CREATE TABLE private(x TEXT);"
			  "INSERT INTO private VALUES ('PRIVATEDATA');",
			  NULL, NULL, NULL),
	     db, "source tables");
	sqlite3_close(db);
}

static void make_catalog(const char *catalog_path,
			 const char *source_path)
{
	struct db *db = NULL;
	char *err = NULL;
	char *sql;

	if (db_open(catalog_path, DB_CREATE, &db, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err);
		exit(99);
	}
	must(sqlite3_exec(db->sql,
		"CREATE TABLE data_people(id INTEGER, name TEXT, age INTEGER, "
		"  city TEXT, w REAL);"
		"INSERT INTO data_people VALUES"
		" (1, 'Ann | Bob', 34, 'Lyon', 1.5),"
		" (2, 'line1' || char(10) || 'line2' || char(13) || char(10) "
		"     || 'line3', 41, 'Nice', 0.5),"
		" (3, '`code` <script>alert(1)</script> **bold** [x](y)', 29,"
		"     'Lyon', 2.0),"
		" (4, '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}' || char(10) "
		"     || '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"
		"cancelled\"}', 55, 'Albi', 1.0),"
		" (5, '| --- | --- |' || char(10) || '| a | b |', 62, NULL, 1.0),"
		" (6, CAST(x'ff41e280a8' AS TEXT) || '\\' || char(0) || 'z', 18,"
		"     'Nice', 3.0);"
		"CREATE TABLE data_big(n INTEGER, s TEXT);"
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
		"  WHERE x < 5000) INSERT INTO data_big SELECT x, "
		"  printf('row %d of the big table', x) FROM c;"
		"CREATE TABLE data_secret(x TEXT);"
		"INSERT INTO data_secret VALUES ('TOPSECRET');"
		"INSERT INTO api_keys (provider, ciphertext, nonce, fingerprint)"
		"  VALUES ('openai', x'00', x'00', 'FP-SECRET-0001');"
		"INSERT INTO query_logs (tool, status, sql_text) VALUES "
		"  ('query', 'ok', 'LOG-SECRET');"
		"INSERT INTO system_config (key, value) VALUES "
		"  ('x_secret', 'CONFIG-SECRET');",
		NULL, NULL, NULL),
	     db->sql, "data tables");
	sql = sqlite3_mprintf(
		"INSERT INTO datasets (name, title, source_kind, source_path,"
		"  source_table, data_table, enabled) VALUES"
		" ('people', 'People', 'csv', 'people.csv', NULL, "
		"  'data_people', 1),"
		" ('big', 'Big', 'csv', 'big.csv', NULL, 'data_big', 1),"
		" ('hidden', 'Hidden', 'csv', 'h.csv', NULL, 'data_secret', 0),"
		" ('cities', 'Cities', 'sqlite', %Q, 'cities', 'cities', 1),"
		" ('bigcities', 'Big cities', 'sqlite', %Q, 'big_cities', "
		"  'big_cities', 1),"
		" ('settings', 'Settings', 'sqlite', %Q, 'system_config', "
		"  'system_config', 1),"
		" ('big_cities', 'Big cities again', 'sqlite', %Q, "
		"  'big_cities', 'big_cities', 1),"
		" ('keys', 'A row pointing at the keys', 'csv', 'k.csv', NULL,"
		"  'api_keys', 1),"
		" ('keys2', 'The catalog registered as a file', 'sqlite', %Q,"
		"  'api_keys', 'api_keys', 1);"
		"INSERT INTO llm_metadata (dataset_id, version, provider, model,"
		"  summary) VALUES (1, 1, 'openai', 'm', 'META-SECRET');"
		"INSERT INTO dataset_search (rowid, name, title, description,"
		"  columns, metadata) SELECT id, name, title, 'rows of ' || "
		"  name, CASE name WHEN 'people' THEN 'id name age city w' "
		"  WHEN 'big' THEN 'n s' ELSE '' END, '' FROM datasets;",
		source_path, source_path, source_path, source_path,
		catalog_path);
	must(sqlite3_exec(db->sql, sql, NULL, NULL, NULL), db->sql,
	     "datasets");
	sqlite3_free(sql);
	db_close(db);
}


void fixture_make(const char *catalog_path, const char *source_path)
{
	make_source(source_path);
	make_catalog(catalog_path, source_path);
}

bool fixture_leaks(const char *text)
{
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (strstr(text, secrets[i])) {
			return true;
		}
	}
	return false;
}

static uint64_t hash_add(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ p[i]) * 1099511628211ULL;
	}
	return h;
}

uint64_t fixture_content_hash(const char *catalog_path, const char *skip)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *tables = NULL;
	uint64_t h = 1469598103934665603ULL;

	if (sqlite3_open_v2(catalog_path, &db, SQLITE_OPEN_READONLY,
			    NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return 0;
	}
	sqlite3_prepare_v2(db, "SELECT name, coalesce(sql, '') FROM "
			   "sqlite_schema ORDER BY name", -1, &tables, NULL);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		const char *sql = (const char *)sqlite3_column_text(tables, 1);
		sqlite3_stmt *rows = NULL;
		char *q;

		h = hash_add(h, name, strlen(name) + 1);
		h = hash_add(h, sql, strlen(sql) + 1);
		if (strcmp(name, skip) == 0 ||
		    strncmp(sql, "CREATE TABLE", 12) != 0) {
			continue;
		}
		q = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
		if (sqlite3_prepare_v2(db, q, -1, &rows, NULL) == SQLITE_OK) {
			while (sqlite3_step(rows) == SQLITE_ROW) {
				for (int i = 0; i < sqlite3_column_count(rows);
				     i++) {
					const void *v =
						sqlite3_column_blob(rows, i);
					int n = sqlite3_column_bytes(rows, i);

					h = hash_add(h, v ? v : "", (size_t)n);
					h = hash_add(h, "\x1f", 1);
				}
			}
		}
		sqlite3_finalize(rows);
		sqlite3_free(q);
	}
	sqlite3_finalize(tables);
	sqlite3_close(db);
	return h;
}
