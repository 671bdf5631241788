/*
 * fuzz-guard: a libFuzzer target for the SQL guard, also linked into
 * fuzz-replay for the normal test suite.
 *
 * The input bytes are choices in a small SQL grammar (SELECT lists, FROM
 * sources that include the catalog's own tables, the unregistered table
 * of a source file, sqlite_schema and other schemas, subqueries, CTEs,
 * compound selects, functions that read files or the catalog, PRAGMA,
 * ATTACH and writes), so every run is SQL a client could send, not bytes
 * the parser throws away.  Each statement runs through query_run() on the
 * guarded pool over the guard suite's fixture catalog, whose internal rows
 * hold marker strings: no answer, error text included, may contain one,
 * and the catalog must be byte for byte unchanged at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../guard/fixture.h"
#include "mcp/buf.h"
#include "mcp/log.h"
#include "mcp/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz-guard: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond); \
			abort(); \
		} \
	} while (0)

struct gen {
	const uint8_t *p;
	size_t n, i;
	struct buf sql;
	int depth;
};

static unsigned pick(struct gen *g, unsigned n)
{
	unsigned v = g->i < g->n ? g->p[g->i] : 0;

	g->i++;
	return v % n;
}

static void word(struct gen *g, const char *const *words, size_t n)
{
	buf_addstr(&g->sql, words[pick(g, (unsigned)n)]);
}

#define WORD(g, arr) word(g, arr, sizeof(arr) / sizeof(arr[0]))

static const char *const tables[] = {
	"people", "big", "cities", "bigcities", "settings", "big_cities",
	"hidden", "keys", "keys2", "data_secret", "data_people", "api_keys",
	"query_logs", "system_config", "llm_metadata", "datasets",
	"sqlite_schema", "sqlite_temp_master", "main.api_keys",
	"temp.people", "src_0.private", "src_0.cities", "private",
	"dataset_search", "pragma_table_info('api_keys')",
	"json_each('[1,2]')", "generate_series(1,3)", "dbstat",
	"sqlite_dbpage", "catalog_identity",
};

static const char *const columns[] = {
	"*", "1", "name", "id", "age", "x", "w", "n", "s", "pop", "rowid",
	"fingerprint", "sql", "value", "key", "NULL", "'lit'", "x'00'",
	"-9223372036854775808", "1e308", "tbl_name",
};

static const char *const functions[] = {
	"count", "sum", "avg", "min", "max", "group_concat", "length",
	"upper", "hex", "quote", "typeof", "printf", "json_group_array",
	"json_object", "readfile", "writefile", "load_extension",
	"sqlite_version", "randomblob", "zeroblob", "char", "unicode",
	"substr", "replace", "fts3_tokenizer", "sqlite_compileoption_get",
	"wmean", "edit", "unlikely", "coalesce",
};

static const char *const binops[] = {
	" = ", " <> ", " < ", " || ", " + ", " * ", " / ", " AND ", " OR ",
	" LIKE ", " GLOB ", " IS ", " IN ",
};

static const char *const statements[] = {
	"PRAGMA table_info(api_keys)", "PRAGMA writable_schema = 1",
	"ATTACH 'x.db' AS x", "DETACH src_0", "DELETE FROM people",
	"INSERT INTO people VALUES (1)", "CREATE TABLE t(x)",
	"DROP VIEW people", "VACUUM", "ANALYZE", "BEGIN",
	"UPDATE datasets SET enabled = 1", "REINDEX", "SAVEPOINT a",
	"CREATE TEMP VIEW v AS SELECT * FROM api_keys",
	"SELECT * FROM people; SELECT * FROM api_keys",
};

static void select_stmt(struct gen *g);

static void expr(struct gen *g)
{
	g->depth++;
	switch (g->depth > 6 ? 0 : pick(g, 6)) {
	case 0:
		WORD(g, columns);
		break;
	case 1:
		WORD(g, functions);
		buf_addch(&g->sql, '(');
		expr(g);
		if (pick(g, 2)) {
			buf_addstr(&g->sql, ", ");
			expr(g);
		}
		buf_addch(&g->sql, ')');
		break;
	case 2:
		expr(g);
		WORD(g, binops);
		expr(g);
		break;
	case 3:
		buf_addch(&g->sql, '(');
		select_stmt(g);
		buf_addch(&g->sql, ')');
		break;
	case 4:
		buf_addstr(&g->sql, "CASE WHEN ");
		expr(g);
		buf_addstr(&g->sql, " THEN ");
		expr(g);
		buf_addstr(&g->sql, " END");
		break;
	default:
		buf_addstr(&g->sql, "CAST(");
		expr(g);
		buf_addstr(&g->sql, " AS TEXT)");
		break;
	}
	g->depth--;
}

static void source(struct gen *g)
{
	g->depth++;
	switch (g->depth > 6 ? 0 : pick(g, 4)) {
	case 0:
	case 1:
		WORD(g, tables);
		break;
	case 2:
		buf_addch(&g->sql, '(');
		select_stmt(g);
		buf_addstr(&g->sql, ") AS sub");
		break;
	default:
		WORD(g, tables);
		buf_addstr(&g->sql, pick(g, 2) ? " JOIN " : ", ");
		WORD(g, tables);
		break;
	}
	g->depth--;
}

static void select_stmt(struct gen *g)
{
	g->depth++;
	if (g->depth < 4 && pick(g, 5) == 0) {
		buf_addstr(&g->sql, "WITH ");
		WORD(g, tables);
		buf_addstr(&g->sql, " AS (");
		select_stmt(g);
		buf_addstr(&g->sql, ") ");
	}
	buf_addstr(&g->sql, "SELECT ");
	expr(g);
	if (pick(g, 2)) {
		buf_addstr(&g->sql, ", ");
		expr(g);
	}
	if (pick(g, 5)) {
		buf_addstr(&g->sql, " FROM ");
		source(g);
	}
	if (pick(g, 3) == 0) {
		buf_addstr(&g->sql, " WHERE ");
		expr(g);
	}
	if (g->depth < 4 && pick(g, 6) == 0) {
		buf_addstr(&g->sql, pick(g, 2) ? " UNION ALL " : " UNION ");
		select_stmt(g);
	}
	g->depth--;
}

static char dir[] = "/tmp/fuzz-guard-XXXXXX";
static char catalog_path[64], source_path[64];
static struct qpool *pool;
static uint64_t catalog_hash;

static void at_exit(void)
{
	/* nothing the fuzzer sent may have changed the catalog */
	check(fixture_file_hash(catalog_path) == catalog_hash);
	qpool_destroy(pool);
	remove(catalog_path);
	remove(source_path);
	remove(dir);
}

static void setup(void)
{
	char *err = NULL;

	log_init("fuzz-guard", LOG_QUIET);
	query_library_init();
	check(mkdtemp(dir));
	snprintf(catalog_path, sizeof(catalog_path), "%s/catalog.db", dir);
	snprintf(source_path, sizeof(source_path), "%s/source.db", dir);
	fixture_make(catalog_path, source_path);
	catalog_hash = fixture_file_hash(catalog_path);
	if (qpool_create(catalog_path, 1, &pool, &err) < 0) {
		fprintf(stderr, "fuzz-guard: %s\n", err);
		abort();
	}
	atexit(at_exit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct gen g = { .p = data, .n = size };
	struct query_limits limits = {
		.timeout_ms = 500, .max_rows = 20, .max_bytes = 1 << 16,
	};
	struct query_result res;
	struct qconn *c;
	char *structured;

	if (!ready) {
		setup();
		ready = true;
	}
	buf_init(&g.sql, 1 << 16);
	if (size > 0 && data[0] % 8 == 7) {
		g.i = 1;
		WORD(&g, statements);
	} else {
		select_stmt(&g);
	}
	query_result_init(&res);
	c = qpool_acquire(pool);
	check(c);
	query_run(c, buf_str(&g.sql), &limits,
		  (enum query_format)(size > 1 ? data[1] % 3 : 0), NULL, &res);
	qpool_release(pool, c);
	if (fixture_leaks(buf_str(&res.text))) {
		fprintf(stderr, "fuzz-guard: leaked by: %s\n%s\n",
			buf_str(&g.sql), buf_str(&res.text));
		abort();
	}
	structured = res.structured ? cJSON_PrintUnformatted(res.structured)
				    : NULL;
	check(!structured || !fixture_leaks(structured));
	free(structured);
	query_result_finish(&res);
	buf_release(&g.sql);
	return 0;
}
