/*
 * The adversarial suite of the query guard, driven through the real
 * library on a real catalog file: every case must be denied or bounded,
 * the connection must keep serving, nothing internal may leak into an
 * answer, and the catalog's bytes must not change.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mcp/db.h"
#include "mcp/guard.h"
#include "mcp/query.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "fixture.h"
#include "tap.h"

#define OK_ (1u << QUERY_OK)
#define ERR (1u << QUERY_ERROR)
#define DEN (1u << QUERY_DENIED)
#define TMO (1u << QUERY_TIMEOUT)
#define CAN (1u << QUERY_CANCELLED)
#define REFUSED (ERR | DEN)
/* extra: the result must be cut by a limit */
#define TRUNC (1u << 8)

static char dir[256];
static char catalog_path[300];
static char source_path[300];
static struct qpool *pool;
static int ncases;

static double now_s(void);

static const struct query_limits fast = { 300, 50, 8192, 512 };

static bool leaks(const struct query_result *r)
{
	char *js = r->structured ? cJSON_PrintUnformatted(r->structured)
				 : NULL;
	bool leak = false;

	leak = fixture_leaks(buf_str(&r->text)) || (js && fixture_leaks(js));
	free(js);
	return leak;
}

/* the connection still answers a plain query after whatever came before */
static bool still_serving(struct qconn *c)
{
	struct query_result r;
	bool ok;

	query_run(c, "SELECT count(*) AS n FROM people", &fast,
		  QUERY_FORMAT_MARKDOWN, NULL, &r);
	ok = r.status == QUERY_OK && strstr(buf_str(&r.text), "| 6 |");
	query_result_finish(&r);
	return ok;
}

static void run_case(const char *name, const char *sql, unsigned want,
		     const struct query_limits *lim)
{
	struct qconn *c = qpool_acquire(pool);
	struct query_result r;
	bool pass;

	ncases++;
	query_run(c, sql, lim ? lim : &fast, QUERY_FORMAT_MARKDOWN, NULL, &r);
	pass = (want & (1u << r.status)) != 0;
	if ((want & TRUNC) && !r.truncated) {
		pass = false;
	}
	if (r.status == QUERY_OK &&
	    r.text.len > (size_t)(lim ? lim : &fast)->max_bytes) {
		pass = false;
	}
	tap_ok(pass, __FILE__, __LINE__, "%s -> %s", name,
	       query_status_name(r.status));
	if (!pass) {
		printf("#   sql: %.200s\n#   text: %.300s\n", sql,
		       buf_str(&r.text));
	}
	if (r.status == QUERY_DENIED) {
		/* a hidden table is answered as one that does not exist */
		tap_ok(strncmp(buf_str(&r.text), "not allowed: ", 13) == 0 ||
			       strncmp(buf_str(&r.text),
				       "SQL error: no such table: ", 26) == 0,
		       __FILE__, __LINE__, "%s: says not allowed", name);
	}
	tap_ok(!leaks(&r), __FILE__, __LINE__, "%s: nothing internal leaks",
	       name);
	tap_ok(still_serving(c), __FILE__, __LINE__,
	       "%s: connection keeps serving", name);
	query_result_finish(&r);
	qpool_release(pool, c);
}

#define DENIED(n, s) run_case(n, s, DEN, NULL)
#define REFUSE(n, s) run_case(n, s, REFUSED, NULL)
#define ALLOW(n, s) run_case(n, s, OK_, NULL)
#define BOUNDED(n, s) run_case(n, s, REFUSED | TMO | OK_, NULL)

static void writes(void)
{
	DENIED("insert into view", "INSERT INTO people (id) VALUES (9)");
	DENIED("insert into data table",
	       "INSERT INTO data_people (id) VALUES (9)");
	DENIED("insert select", "INSERT INTO data_people SELECT * FROM "
	       "data_people");
	REFUSE("update view", "UPDATE people SET name = 'x'");
	DENIED("update data table", "UPDATE data_people SET name = 'x'");
	DENIED("update datasets", "UPDATE datasets SET enabled = 1");
	DENIED("delete data table", "DELETE FROM data_people");
	DENIED("delete api_keys", "DELETE FROM api_keys");
	DENIED("delete returning", "DELETE FROM data_people RETURNING *");
	DENIED("replace into config",
	       "REPLACE INTO system_config VALUES ('max_rows', '1', NULL)");
	DENIED("upsert config",
	       "INSERT INTO system_config (key, value) VALUES ('max_rows', "
	       "'1') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	DENIED("with ... delete",
	       "WITH x AS (SELECT 1) DELETE FROM data_people");
	DENIED("with ... insert",
	       "WITH x AS (SELECT 1) INSERT INTO query_logs (tool, status) "
	       "VALUES ('x', 'ok')");
	DENIED("with ... update",
	       "WITH x AS (SELECT 1) UPDATE datasets SET enabled = 1");
	DENIED("drop table", "DROP TABLE data_people");
	DENIED("drop view", "DROP VIEW people");
	DENIED("drop temp view", "DROP VIEW temp.people");
	DENIED("create table", "CREATE TABLE t (x)");
	DENIED("create temp table", "CREATE TEMP TABLE t (x)");
	DENIED("create table as", "CREATE TEMP TABLE t AS SELECT * FROM "
	       "people");
	DENIED("create temp view over api_keys",
	       "CREATE TEMP VIEW v AS SELECT * FROM api_keys");
	DENIED("create view shadowing a dataset",
	       "CREATE TEMP VIEW big AS SELECT * FROM api_keys");
	DENIED("create index", "CREATE INDEX i ON data_people (name)");
	DENIED("create trigger",
	       "CREATE TEMP TRIGGER t AFTER INSERT ON data_people BEGIN "
	       "SELECT 1; END");
	DENIED("create virtual table", "CREATE VIRTUAL TABLE temp.t USING "
	       "fts5(x)");
	DENIED("alter table", "ALTER TABLE data_people ADD COLUMN z");
	DENIED("alter rename", "ALTER TABLE data_people RENAME TO p");
	REFUSE("reindex", "REINDEX");
	REFUSE("analyze", "ANALYZE");
	REFUSE("vacuum", "VACUUM");
	DENIED("vacuum into", "VACUUM INTO '/tmp/mcpd-guard-stolen.db'");
	DENIED("vacuum schema into", "VACUUM main INTO "
	       "'/tmp/mcpd-guard-stolen.db'");
	DENIED("write into attached file",
	       "INSERT INTO src_0.cities VALUES ('x', 1)");
	DENIED("delete from attached file", "DELETE FROM src_0.private");
	DENIED("insert into temp view", "INSERT INTO temp.people (id) "
	       "VALUES (1)");
	DENIED("drop a registered file's table", "DROP TABLE src_0.cities");
	DENIED("insert through a cte-looking select",
	       "WITH x(a) AS (VALUES (1)) INSERT INTO data_big (n) SELECT a "
	       "FROM x");
}

static void attach_and_transactions(void)
{
	DENIED("attach", "ATTACH '/tmp/mcpd-guard-x.db' AS x");
	DENIED("attach catalog read-write", "ATTACH 'file:catalog.db?mode=rw' "
	       "AS w");
	DENIED("attach memory", "ATTACH ':memory:' AS m");
	DENIED("detach", "DETACH src_0");
	DENIED("begin", "BEGIN");
	DENIED("begin immediate", "BEGIN IMMEDIATE");
	DENIED("commit", "COMMIT");
	DENIED("rollback", "ROLLBACK");
	DENIED("savepoint", "SAVEPOINT a");
	DENIED("release", "RELEASE a");
}

static void pragmas(void)
{
	DENIED("pragma writable_schema", "PRAGMA writable_schema = 1");
	DENIED("pragma table_info", "PRAGMA table_info(api_keys)");
	DENIED("pragma query_only", "PRAGMA query_only = 0");
	DENIED("pragma journal_mode", "PRAGMA journal_mode = DELETE");
	DENIED("pragma user_version", "PRAGMA user_version = 99");
	DENIED("pragma trusted_schema", "PRAGMA trusted_schema = 1");
	DENIED("pragma on attached", "PRAGMA src_0.table_info(private)");
	DENIED("pragma_table_info tvf",
	       "SELECT * FROM pragma_table_info('api_keys')");
	DENIED("pragma_table_info count",
	       "SELECT count(*) FROM pragma_table_info('api_keys')");
	DENIED("pragma_table_list tvf", "SELECT * FROM pragma_table_list");
	DENIED("pragma_database_list tvf",
	       "SELECT * FROM pragma_database_list");
	DENIED("schema-qualified pragma tvf",
	       "SELECT * FROM main.pragma_table_info('datasets')");
	DENIED("pragma_function_list",
	       "SELECT name FROM pragma_function_list");
	DENIED("pragma_compile_options",
	       "SELECT * FROM pragma_compile_options");
	DENIED("pragma tvf in subquery",
	       "SELECT (SELECT count(*) FROM pragma_index_list('api_keys'))");
	DENIED("pragma tvf in a join",
	       "SELECT p.name FROM people, pragma_table_info('datasets') p");
}

static void second_statements(void)
{
	DENIED("select then delete", "SELECT 1; DELETE FROM data_people");
	DENIED("two selects", "SELECT 1; SELECT 2");
	DENIED("comment then drop", "SELECT 1;/* c */ DROP TABLE x");
	DENIED("line comment then pragma", "SELECT 1 -- c\n; PRAGMA x");
	DENIED("select then attach", "SELECT 1;ATTACH 'x' AS y");
	DENIED("newline separated", "SELECT 1\n;\nSELECT * FROM api_keys");
	DENIED("unterminated second", "SELECT 1; SELECT");
	DENIED("leading delete hidden by comment",
	       "/* SELECT */ DELETE FROM data_people");
	DENIED("explain", "EXPLAIN SELECT 1");
	ALLOW("trailing semicolons", "SELECT 1;;");
	ALLOW("semicolon in a comment", "SELECT 1 /* ; DELETE FROM x */");
	ALLOW("semicolon in a string", "SELECT ';DELETE FROM data_people'");
	ALLOW("trailing comment", "SELECT 1\n;\n-- trailing comment");
	ALLOW("leading comment", "/* hello */ -- x\n SELECT 1");
	ALLOW("mixed case", "sElEcT 1");
	ALLOW("unterminated trailing comment", "SELECT 1 /* open");
	ALLOW("comment holding a second statement",
	      "SELECT 1 -- ; DROP TABLE data_people");
	DENIED("statement after a comment line",
	       "SELECT 1 -- c\nUNION ALL SELECT fingerprint FROM api_keys");
	REFUSE("empty", "");
	REFUSE("only a comment", "-- nothing");
	REFUSE("only a semicolon", ";");
}

static void internal_tables(void)
{
	static const char *const tables[] = {
		"api_keys", "datasets", "dataset_columns", "llm_metadata",
		"query_logs", "context_cache", "system_config",
		"catalog_state", "dataset_search", "dataset_search_data",
		"dataset_search_idx", "dataset_search_content",
		"dataset_search_docsize", "dataset_search_config",
		"data_secret", "sqlite_schema", "sqlite_master",
		"sqlite_temp_master", "sqlite_temp_schema",
		"main.sqlite_master", "temp.sqlite_schema",
		"src_0.sqlite_master", "src_0.private", "main.api_keys",
		"\"api_keys\"", "[api_keys]", "`api_keys`", "API_KEYS",
		"main.\"API_KEYS\"",
	};

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char *sql = xasprintf("SELECT * FROM %s", tables[i]);
		char *name = xasprintf("read %s", tables[i]);

		DENIED(name, sql);
		free(sql);
		free(name);
	}
	DENIED("count api_keys", "SELECT count(*) FROM api_keys");
	DENIED("count a disabled dataset's table",
	       "SELECT count(*) FROM data_secret");
	DENIED("count a table of a registered file",
	       "SELECT count(*) FROM private");
	DENIED("count the catalog's table named like a registered one",
	       "SELECT count(*) FROM system_config");
	DENIED("count through a join", "SELECT count(*) FROM people, "
	       "query_logs");
	DENIED("count in a cte", "WITH c AS (SELECT 1 FROM api_keys) "
	       "SELECT count(*) FROM c");
	DENIED("select 1 from api_keys", "SELECT 1 FROM api_keys");
	DENIED("scalar subquery", "SELECT (SELECT fingerprint FROM api_keys)");
	DENIED("exists subquery",
	       "SELECT * FROM people WHERE EXISTS (SELECT 1 FROM api_keys)");
	DENIED("in subquery",
	       "SELECT * FROM people WHERE name IN (SELECT sql_text FROM "
	       "query_logs)");
	DENIED("cte", "WITH k AS (SELECT * FROM api_keys) SELECT * FROM k");
	DENIED("recursive cte over internals",
	       "WITH RECURSIVE k(x) AS (SELECT fingerprint FROM api_keys "
	       "UNION SELECT x FROM k) SELECT * FROM k");
	DENIED("union", "SELECT name FROM people UNION ALL SELECT "
	       "fingerprint FROM api_keys");
	DENIED("join", "SELECT * FROM people JOIN system_config ON 1");
	DENIED("json_each over internals",
	       "SELECT * FROM json_each((SELECT json_group_array(fingerprint)"
	       " FROM api_keys))");
	DENIED("fts match", "SELECT * FROM dataset_search WHERE "
	       "dataset_search MATCH 'x'");
	DENIED("disabled dataset table", "SELECT x FROM main.data_secret");
	DENIED("other table of a registered file",
	       "SELECT * FROM src_0.private");
	DENIED("other table of a registered file through a cte",
	       "WITH x AS (SELECT * FROM src_0.private) SELECT * FROM x");
	DENIED("unqualified table of a registered file through a cte",
	       "WITH x AS (SELECT x FROM private) SELECT * FROM x");
	DENIED("cte named like the registered view",
	       "WITH big_cities AS (SELECT * FROM src_0.private) SELECT * "
	       "FROM big_cities");
	DENIED("cte named like the registered view, counted",
	       "WITH big_cities AS (SELECT * FROM private) SELECT count(*) "
	       "FROM big_cities");
	DENIED("cte named like the registered view, in a subquery",
	       "SELECT (WITH big_cities AS (SELECT x FROM private) SELECT x "
	       "FROM big_cities)");
	DENIED("schema through a window",
	       "SELECT name, row_number() OVER () FROM sqlite_schema");
	DENIED("order by subquery",
	       "SELECT 1 ORDER BY (SELECT fingerprint FROM api_keys)");
	DENIED("internal table in a values row",
	       "VALUES ((SELECT value FROM system_config LIMIT 1))");
	REFUSE("disabled dataset by name", "SELECT * FROM hidden");
	REFUSE("dataset row pointing at an internal table",
	       "SELECT * FROM keys");
	REFUSE("the catalog registered as a SQLite file",
	       "SELECT * FROM keys2");
	REFUSE("catalog view not there", "SELECT * FROM main.people");
	REFUSE("unicode look-alike", "SELECT * FROM \xef\xbd\x81pi_keys");
	DENIED("dbstat", "SELECT * FROM dbstat");
	DENIED("dbstat of the catalog", "SELECT name FROM dbstat('main')");
	DENIED("cte named like a dataset hides internals",
	       "WITH people AS (SELECT * FROM api_keys) SELECT * FROM people");
	DENIED("subquery aliased as a dataset",
	       "SELECT * FROM (SELECT * FROM api_keys) AS people");
	DENIED("nested cte", "WITH a AS (SELECT * FROM llm_metadata), b AS "
	       "(SELECT * FROM a) SELECT summary FROM b");
	REFUSE("sqlite_sequence", "SELECT * FROM sqlite_sequence");
	REFUSE("sqlite_dbpage", "SELECT * FROM sqlite_dbpage");
	REFUSE("generate_series", "SELECT * FROM generate_series(1, 10)");
	REFUSE("indexed by", "SELECT * FROM people INDEXED BY foo");
}

static void functions(void)
{
	DENIED("load_extension", "SELECT load_extension('/tmp/x.so')");
	DENIED("load_extension upper case", "SELECT LOAD_EXTENSION('x')");
	DENIED("load_extension quoted", "SELECT \"load_extension\"('x')");
	DENIED("load_extension bracketed", "SELECT [load_extension]('x')");
	DENIED("load_extension mixed case", "SELECT lOaD_eXtEnSiOn('x')");
	DENIED("load_extension in a filter",
	       "SELECT * FROM people WHERE load_extension('x') IS NULL");
	DENIED("load_extension in a cte",
	       "WITH a AS (SELECT load_extension('x')) SELECT * FROM a");
	DENIED("load_extension entry point",
	       "SELECT load_extension('libc.so.6', 'system')");
	DENIED("fts3_tokenizer", "SELECT fts3_tokenizer('simple')");
	DENIED("compileoption_get", "SELECT sqlite_compileoption_get(0)");
	DENIED("compileoption_used",
	       "SELECT sqlite_compileoption_used('ENABLE_FTS5')");
	DENIED("changes", "SELECT changes()");
	DENIED("total_changes", "SELECT total_changes()");
	DENIED("last_insert_rowid", "SELECT last_insert_rowid()");
	REFUSE("sqlite_offset", "SELECT sqlite_offset(id) FROM people");
	REFUSE("readfile", "SELECT readfile('/etc/passwd')");
	REFUSE("writefile", "SELECT writefile('/tmp/x', 'y')");
	REFUSE("edit", "SELECT edit('x', 'vi')");
	REFUSE("unknown function", "SELECT no_such_function(1)");
	REFUSE("huge randomblob", "SELECT randomblob(1000000000)");
	REFUSE("huge zeroblob", "SELECT zeroblob(2000000000)");
	BOUNDED("huge printf width",
		"SELECT printf('%.*c', 1000000000, 'x')");
	BOUNDED("huge printf padding",
		"SELECT length(printf('%2000000000d', 1))");
	REFUSE("huge replace", "SELECT replace(hex(zeroblob(3000000)), '0', "
	       "'00')");
	REFUSE("huge concatenation",
	       "SELECT hex(zeroblob(1500000)) || hex(zeroblob(1500000))");
	REFUSE("huge like pattern",
	       "SELECT 'a' LIKE replace(hex(zeroblob(2000)), '0', '%')");
	REFUSE("too many variables", "SELECT ?99999");
	BOUNDED("group_concat growth",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM "
		"c) SELECT length(group_concat(hex(randomblob(1000)))) FROM c");
	BOUNDED("big blobs per row",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM "
		"c WHERE x < 100000) SELECT randomblob(3000000) FROM c");
	ALLOW("variable is null", "SELECT ?1 IS NULL");
	ALLOW("sqlite_version", "SELECT sqlite_version()");
}

static char *repeat(const char *head, const char *unit, int n,
		    const char *foot)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, head);
	for (int i = 0; i < n; i++) {
		buf_addstr(&b, unit);
	}
	buf_addstr(&b, foot);
	return buf_detach(&b, NULL);
}

static void nesting(void)
{
	struct buf b = BUF_INIT;
	char *sql;

	sql = repeat("SELECT ", "(", 5000, "1");
	buf_addstr(&b, sql);
	for (int i = 0; i < 5000; i++) {
		buf_addch(&b, ')');
	}
	REFUSE("5000 nested parentheses", buf_str(&b));
	free(sql);
	buf_release(&b);

	sql = repeat("SELECT 1", " + 1", 5000, "");
	REFUSE("5000 chained additions", sql);
	free(sql);

	sql = repeat("SELECT ", "(SELECT ", 300, "1");
	buf_addstr(&b, sql);
	for (int i = 0; i < 300; i++) {
		buf_addch(&b, ')');
	}
	REFUSE("300 nested subqueries", buf_str(&b));
	free(sql);
	buf_release(&b);

	sql = repeat("SELECT 1", " UNION ALL SELECT 1", 200, "");
	REFUSE("200-way compound select", sql);
	free(sql);

	sql = repeat("SELECT CASE id", " WHEN 1 THEN 'a'", 20000, " END FROM "
		     "people");
	REFUSE("sql longer than the limit", sql);
	free(sql);

	sql = repeat("SELECT CASE id", " WHEN 1 THEN 'a'", 5000, " END FROM "
		     "people");
	BOUNDED("5000-branch case", sql);
	free(sql);

	sql = repeat("SELECT coalesce(1", ", 1", 500, ")");
	REFUSE("500 function arguments", sql);
	free(sql);

	sql = repeat("SELECT 'a' ", "|| 'a' ", 3000, "");
	REFUSE("3000 concatenations", sql);
	free(sql);
}

static void runaway(void)
{
	struct query_limits small = { 300, 50, 8192, 512 };

	run_case("endless recursive cte counted",
		 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
		 "FROM c) SELECT count(*) FROM c",
		 TMO, &small);
	run_case("endless recursive cte listed",
		 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
		 "FROM c) SELECT x FROM c",
		 OK_ | TRUNC, &small);
	run_case("cartesian join counted",
		 "SELECT count(*) FROM big a, big b, big c", TMO, &small);
	run_case("cartesian join sorted",
		 "SELECT a.n FROM big a, big b ORDER BY random()", TMO,
		 &small);
	run_case("cartesian join listed", "SELECT * FROM big a, big b",
		 OK_ | TRUNC, &small);
	run_case("all rows of big", "SELECT * FROM big", OK_ | TRUNC,
		 &small);
	run_case("wide rows cut by bytes",
		 "SELECT n, printf('%.500c', 'x') FROM big LIMIT 40",
		 OK_ | TRUNC, &small);
	run_case("deep recursion of a string",
		 "WITH RECURSIVE c(s) AS (SELECT 'x' UNION ALL SELECT s || s "
		 "FROM c) SELECT length(s) FROM c",
		 REFUSED | TMO | OK_, &small);
	run_case("recursive join of two datasets",
		 "WITH RECURSIVE c(x) AS (SELECT n FROM big UNION ALL SELECT "
		 "x FROM c, people) SELECT count(*) FROM c",
		 TMO, &small);
}

static void legitimate(void)
{
	ALLOW("view", "SELECT * FROM people");
	ALLOW("temp-qualified view", "SELECT * FROM temp.people");
	ALLOW("backing table", "SELECT * FROM data_people");
	ALLOW("group by", "SELECT city, count(*), avg(age) FROM people GROUP "
	      "BY 1 ORDER BY 2 DESC");
	ALLOW("cte", "WITH a AS (SELECT * FROM people WHERE age > 30) "
	      "SELECT count(*) FROM a");
	ALLOW("window", "SELECT name, rank() OVER (PARTITION BY city ORDER "
	      "BY age) FROM people");
	ALLOW("recursive cte within limits",
	      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
	      "WHERE x < 1000) SELECT sum(x) FROM c");
	ALLOW("json functions",
	      "SELECT json_object('n', name), json_extract('{\"a\":1}', '$.a'),"
	      " '{\"b\":2}' ->> '$.b' FROM people");
	ALLOW("json_each", "SELECT value FROM json_each('[1,2,3]')");
	ALLOW("json_tree", "SELECT key FROM json_tree('{\"a\":[1]}')");
	ALLOW("like and glob", "SELECT * FROM people WHERE name LIKE '%a%' "
	      "OR city GLOB 'L*'");
	ALLOW("dates", "SELECT date('now'), strftime('%Y', '2024-05-01'), "
	      "julianday('2024-01-01') - julianday('2023-01-01')");
	ALLOW("math", "SELECT sqrt(2), ln(10), pow(2, 10), round(pi(), 3)");
	ALLOW("subquery", "SELECT * FROM people WHERE age > (SELECT avg(age) "
	      "FROM people)");
	ALLOW("join across datasets",
	      "SELECT p.name, c.pop FROM people p JOIN cities c ON "
	      "c.name = p.city");
	ALLOW("registered file", "SELECT * FROM cities ORDER BY pop");
	/*
	 * A view of a registered file is never served in place: it reads
	 * tables the dataset does not expose.  mcpctl copies its rows into
	 * the catalog instead; a catalog row pointing at the view in place
	 * (as here) is skipped, and the view's name is as unknown as any.
	 */
	REFUSE("view inside a registered file", "SELECT * FROM bigcities");
	REFUSE("view inside a registered file, counted",
	       "SELECT count(*) FROM bigcities");
	REFUSE("dataset named like its source view",
	       "SELECT * FROM big_cities");
	REFUSE("dataset named like its source view, counted",
	       "SELECT count(*) FROM big_cities");
	REFUSE("source view through its file name",
	       "SELECT * FROM src_0.big_cities");
	ALLOW("values", "VALUES (1, 'a'), (2, 'b')");
	ALLOW("registered table named like an internal one",
	      "SELECT * FROM settings");
	ALLOW("count a registered table by its file name",
	      "SELECT count(*) FROM src_0.system_config");
	ALLOW("count a dataset", "SELECT count(*) FROM big");
	ALLOW("count a cte", "WITH c AS (SELECT 1) SELECT count(*) FROM c");
	ALLOW("weighted mean", "SELECT wmean(age, w), wsum(age, w) FROM "
	      "people");
	ALLOW("median", "SELECT median(age) FROM people");
	ALLOW("case and cast", "SELECT CASE WHEN age > 40 THEN 'old' ELSE "
	      "'young' END, CAST(age AS TEXT) FROM people");
	ALLOW("string functions", "SELECT upper(city), substr(city, 1, 2), "
	      "instr(city, 'y'), printf('%05d', id), hex(id) FROM people");
	ALLOW("small blobs", "SELECT randomblob(8), zeroblob(100)");
	ALLOW("limit offset", "SELECT * FROM big LIMIT 10 OFFSET 100");
}

/* markdown rows: one line each, exactly ncols + 1 unescaped pipes */
static bool md_shape(const char *text, int ncols, int nrows)
{
	int lines = 0;
	const char *p = text;

	while (*p && *p == '|') {
		int pipes = 0;

		for (; *p && *p != '\n'; p++) {
			if (*p == '\\' && p[1]) {
				p++;
			} else if (*p == '|') {
				pipes++;
			}
		}
		if (pipes != ncols + 1) {
			return false;
		}
		lines++;
		if (*p) {
			p++;
		}
	}
	return lines == nrows + 2;
}

static void cell_text(void)
{
	struct qconn *c = qpool_acquire(pool);
	struct query_result r;
	cJSON *parsed;
	char *printed;
	const char *t;

	query_run(c, "SELECT id, name, city FROM people ORDER BY id", &fast,
		  QUERY_FORMAT_MARKDOWN, NULL, &r);
	t = buf_str(&r.text);
	ncases++;
	tap_ok(r.status == QUERY_OK && md_shape(t, 3, 6), __FILE__, __LINE__,
	       "hostile cells keep the markdown table in shape");
	tap_ok(!strstr(t, "<script>") && !strstr(t, "`code`") &&
		       !strstr(t, "\r") && !strstr(t, "[x](y)"),
	       __FILE__, __LINE__, "markup in cells is escaped");
	tap_ok(strstr(t, "\\{") == NULL && strstr(t, "{\"jsonrpc\"") &&
		       !strstr(t, "}\n{"),
	       __FILE__, __LINE__,
	       "text imitating JSON-RPC stays inside its cell");
	tap_ok(strstr(t, "\xe2\x80\xa8") == NULL &&
		       strstr(t, "\xef\xbf\xbd") != NULL,
	       __FILE__, __LINE__,
	       "line separators escaped, invalid UTF-8 replaced");
	printed = cJSON_PrintUnformatted(r.structured);
	parsed = cJSON_Parse(printed);
	free(printed);
	tap_ok(parsed && cJSON_GetArraySize(cJSON_GetObjectItem(
				 r.structured, "rows")) == 6,
	       __FILE__, __LINE__, "structured rows survive a JSON round trip");
	cJSON_Delete(parsed);
	query_result_finish(&r);

	query_run(c, "SELECT id, name FROM people ORDER BY id", &fast,
		  QUERY_FORMAT_JSON, NULL, &r);
	parsed = cJSON_Parse(buf_str(&r.text));
	ncases++;
	tap_ok(cJSON_IsArray(parsed) && cJSON_GetArraySize(parsed) == 6,
	       __FILE__, __LINE__, "json format parses back to 6 rows");
	tap_ok(parsed && strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(
				       parsed, 3), "name")->valuestring,
			       "notifications/cancelled") != NULL,
	       __FILE__, __LINE__, "json format keeps the cell text exact");
	cJSON_Delete(parsed);
	query_result_finish(&r);

	query_run(c, "SELECT id, name FROM people ORDER BY id", &fast,
		  QUERY_FORMAT_CSV, NULL, &r);
	ncases++;
	tap_ok(r.status == QUERY_OK &&
		       strstr(buf_str(&r.text), "\"Ann | Bob\"") == NULL &&
		       strstr(buf_str(&r.text), "1,Ann | Bob\n") != NULL &&
		       strstr(buf_str(&r.text), "\"line1\nline2") != NULL,
	       __FILE__, __LINE__, "csv quotes fields that need it");
	query_result_finish(&r);
	qpool_release(pool, c);
}

static void limits_and_notes(void)
{
	struct qconn *c = qpool_acquire(pool);
	struct query_limits lim = { 5000, 10, 65536, 512 };
	struct query_result r;

	query_run(c, "SELECT * FROM big", &lim, QUERY_FORMAT_MARKDOWN, NULL,
		  &r);
	ncases++;
	tap_ok(r.status == QUERY_OK && r.row_count == 10 && r.truncated &&
		       strstr(buf_str(&r.text), "first 10 rows are shown "
				       "of 5000") &&
		       strstr(buf_str(&r.text), "LIMIT"),
	       __FILE__, __LINE__, "row cut says so, with the total");
	tap_ok(cJSON_IsTrue(cJSON_GetObjectItem(r.structured, "truncated")),
	       __FILE__, __LINE__, "structured says truncated");
	tap_ok(r.datasets && strcmp(r.datasets, "big") == 0, __FILE__,
	       __LINE__, "datasets read: %s", r.datasets ? r.datasets : "");
	query_result_finish(&r);

	lim.max_rows = 1000;
	lim.max_bytes = 2000;
	query_run(c, "SELECT * FROM big", &lim, QUERY_FORMAT_CSV, NULL, &r);
	ncases++;
	tap_ok(r.status == QUERY_OK && r.truncated && r.text.len <= 2000 &&
		       strstr(buf_str(&r.text), "response limit"),
	       __FILE__, __LINE__, "byte cut stays under max_bytes (%zu)",
	       r.text.len);
	query_result_finish(&r);

	query_run(c, "SELECT p.name, c.pop FROM people p JOIN cities c ON "
		  "c.name = p.city", &lim, QUERY_FORMAT_MARKDOWN, NULL, &r);
	tap_ok(r.datasets && strstr(r.datasets, "people") &&
		       strstr(r.datasets, "cities"),
	       __FILE__, __LINE__, "datasets of a join: %s",
	       r.datasets ? r.datasets : "");
	query_result_finish(&r);

	query_run(c, "SELECT nope FROM people", &lim, QUERY_FORMAT_MARKDOWN,
		  NULL, &r);
	ncases++;
	tap_ok(r.status == QUERY_ERROR &&
		       strstr(buf_str(&r.text), "no such column: nope") &&
		       strstr(buf_str(&r.text), "Columns of people: id, name, "
			      "age") &&
		       !strstr(buf_str(&r.text), "Columns of big"),
	       __FILE__, __LINE__, "SQL error carries the message and a hint "
	       "about the datasets it names only");
	query_result_finish(&r);

	lim.timeout_ms = 200;
	query_run(c, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		  " FROM c) SELECT count(*) FROM c", &lim,
		  QUERY_FORMAT_MARKDOWN, NULL, &r);
	tap_ok(r.status == QUERY_TIMEOUT &&
		       strstr(buf_str(&r.text), "time limit of 200 ms"),
	       __FILE__, __LINE__, "timeout names the limit");
	query_result_finish(&r);
	qpool_release(pool, c);
}

/* the bounded instr, replace, trim and printf answer as SQLite's own */
static void same_answers(void)
{
	static const char *const exprs[] = {
		"instr('hello', 'l')", "instr('héllo wörld', 'ö')",
		"instr('héllo', '')", "instr('', '')", "instr('', 'a')",
		"instr(NULL, 'a')", "instr('a', NULL)", "instr(12345, 34)",
		"instr(x'00010203', x'0203')", "instr(x'00010203', x'04')",
		"instr('abc', x'62')", "instr(x'616263', 'c')",
		"instr('aaa', 'aa')", "instr('ééé', 'é')",
		"instr(CAST(x'a9c3a9' AS TEXT), CAST(x'a9' AS TEXT))",
		"instr(CAST(x'c3a9a9' AS TEXT), CAST(x'a9' AS TEXT))",
		"instr(3.5, '.')", "instr('x' || char(0) || 'y', 'y')",
		"replace('hello', 'l', 'L')", "replace('aaaa', 'aa', 'b')",
		"replace('aaa', 'aa', 'aaaa')", "replace('abc', '', 'x')",
		"replace(5, '', 'x')", "replace(x'41', '', 'x')",
		"replace(12345, 3, 'x')", "replace('abc', 'abcd', 'x')",
		"replace(NULL, 'a', 'b')", "replace('a', NULL, 'b')",
		"replace('a', 'a', NULL)", "replace('héllo', 'é', 'e')",
		"replace('abc', 'c', '')", "replace(x'616263', x'62', x'7a')",
		"replace('abab', 'ab', 'ab')", "replace(1.5, '.', ',')",
		"trim('  x  ')", "ltrim('  x  ')", "rtrim('  x  ')",
		"trim('xxaxx', 'x')", "ltrim('éé a', 'é')",
		"rtrim('abcba', 'ab')", "trim(5)", "trim(NULL)",
		"trim('abc', NULL)", "trim('', 'a')", "trim('aaa', 'a')",
		"trim('abc', '')", "trim(x'202020', ' ')",
		"trim(12321, 1)", "trim('ééaéé', 'é')",
		"trim(CAST(x'c3a9a9' AS TEXT), CAST(x'c3a9' AS TEXT))",
		"trim(CAST(x'a9a9' AS TEXT), CAST(x'a9' AS TEXT))",
		"printf('%5.2f|%-4d|%,d|%!.3g|%q', 3.14159, 7, 1234567, 0.1, "
		"'it''s')",
		"printf('%*d|%-*d|%.*s', 5, 42, 4, 7, 2, 'abcdef')",
		"printf('%%|%d%%|%s', 5, 'x')", "printf('%lld', 9007199254740993)",
		"printf('%c%c', 'abc', 'def')", "printf('%.3c', 'x')",
		"printf(NULL)", "printf('%s')", "printf('%d %d', 1)",
		"printf('%w|%Q', 'a\"b', NULL)", "format('%05.1f', 2.25)",
		"printf('%x %X %o', 255, 255, 8)", "printf('%z', 'x')",
		"printf('%10s|', 'é')", "printf('%e', 12345.678)",
		"printf('%n%d', 3)", "printf()",
	};
	sqlite3 *plain = NULL;
	struct qconn *c = qpool_acquire(pool);
	int same = 0;

	sqlite3_open(":memory:", &plain);
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		char *sql = xasprintf("SELECT typeof(%s) || ':' || hex(%s)",
				      exprs[i], exprs[i]);
		struct query_result r;
		sqlite3_stmt *st = NULL;
		char *want = NULL;
		char *got = NULL;

		if (sqlite3_prepare_v2(plain, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW) {
			want = xstrdup((const char *)sqlite3_column_text(st, 0));
		} else {
			want = xasprintf("error: %s", sqlite3_errmsg(plain));
		}
		sqlite3_finalize(st);
		query_run(c, sql, &fast, QUERY_FORMAT_CSV, NULL, &r);
		if (r.status == QUERY_OK) {
			cJSON *v = cJSON_GetArrayItem(cJSON_GetArrayItem(
				cJSON_GetObjectItem(r.structured, "rows"), 0), 0);

			got = xstrdup(cJSON_IsString(v) ? v->valuestring : "?");
		} else {
			got = xstrdup("error");
		}
		if (strncmp(want, "error", 5) == 0 &&
		    strcmp(got, "error") == 0) {
			same++;
		} else if (strcmp(want, got) == 0) {
			same++;
		} else {
			printf("# %s: sqlite says %s, the guard %s\n", exprs[i],
			       want, got);
		}
		query_result_finish(&r);
		free(sql);
		free(want);
		free(got);
	}
	ncases++;
	tap_is_int(same, (int)(sizeof(exprs) / sizeof(exprs[0])), __FILE__,
		   __LINE__, "same", "bounded functions answer as SQLite's own");
	sqlite3_close(plain);
	qpool_release(pool, c);
}

/* one call of these used to run for minutes past any timeout */
static void slow_calls(void)
{
	static const struct {
		const char *name;
		const char *sql;
		unsigned want;
	} cases[] = {
		{ "trim of two 100 kB strings",
		  "SELECT length(trim(replace(hex(zeroblob(50000)), '0', 'a'), "
		  "replace(hex(zeroblob(50000)), '0', 'b') || 'a'))", TMO },
		{ "ltrim with a 200 kB set",
		  "SELECT length(ltrim(replace(hex(zeroblob(250000)), '0', "
		  "'a'), replace(hex(zeroblob(100000)), '0', 'b') || 'a'))",
		  TMO },
		{ "rtrim with a 200 kB set",
		  "SELECT length(rtrim(replace(hex(zeroblob(250000)), '0', "
		  "'a'), replace(hex(zeroblob(100000)), '0', 'b') || 'a'))",
		  TMO },
		{ "instr of 1 MB by 0.5 MB",
		  "SELECT instr(replace(hex(zeroblob(249999)), '0', 'a'), "
		  "replace(hex(zeroblob(125000)), '0', 'a') || 'b')", OK_ },
		{ "replace of 1 MB by 0.5 MB",
		  "SELECT length(replace(replace(hex(zeroblob(249999)), '0', "
		  "'a'), replace(hex(zeroblob(125000)), '0', 'a') || 'b', "
		  "'x'))", OK_ },
		{ "printf %c with a huge precision",
		  "SELECT length(printf('%.*c', 1000000000, 'x'))", ERR },
		{ "format %c with a huge written precision",
		  "SELECT length(format('%.999999999c', 'x'))", ERR },
		{ "printf with a huge width",
		  "SELECT length(printf('%*d', 2000000000, 1))", ERR },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qconn *c = qpool_acquire(pool);
		struct query_result r;
		double t0 = now_s(), t;

		query_run(c, cases[i].sql, &fast, QUERY_FORMAT_MARKDOWN, NULL,
			  &r);
		t = now_s() - t0;
		ncases++;
		/* unbounded runs take tens of seconds; a shared, sanitized
		 * machine can make a bounded one take a few */
		tap_ok((cases[i].want & (1u << r.status)) && t < 5.0, __FILE__,
		       __LINE__, "%s -> %s in %.3f s", cases[i].name,
		       query_status_name(r.status), t);
		query_result_finish(&r);
		qpool_release(pool, c);
	}
}

/* a query that spills into temporary files stops at a ceiling */
static void temp_ceiling(void)
{
	struct query_limits lim = { 60000, 10, 65536, 512 };
	struct qconn *c = qpool_acquire(pool);
	struct query_result r;
	double t0 = now_s(), t;

	query_run(c, "WITH RECURSIVE c(x) AS (SELECT randomblob(900000) "
		  "UNION SELECT randomblob(900000) FROM c) SELECT count(*) "
		  "FROM c", &lim, QUERY_FORMAT_MARKDOWN, NULL, &r);
	t = now_s() - t0;
	ncases++;
	tap_ok(r.status == QUERY_ERROR &&
		       strstr(buf_str(&r.text), "temporary storage"),
	       __FILE__, __LINE__,
	       "a recursive UNION of big blobs stops at the temporary file "
	       "ceiling (%.2f s): %.60s", t, buf_str(&r.text));
	query_result_finish(&r);
	tap_ok(still_serving(c), __FILE__, __LINE__,
	       "connection serves after the temporary file ceiling");
	query_run(c, "SELECT n FROM big ORDER BY s DESC, random() LIMIT 3",
		  &lim, QUERY_FORMAT_MARKDOWN, NULL, &r);
	tap_ok(r.status == QUERY_OK && r.row_count == 3, __FILE__, __LINE__,
	       "sorting still works after the ceiling was hit");
	query_result_finish(&r);
	qpool_release(pool, c);
}

struct cancel_arg {
	struct cancel *flag;
	int ms;
};

static void *raise_later(void *p)
{
	struct cancel_arg *a = p;
	struct timespec ts = { a->ms / 1000, (a->ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	cancel_raise(a->flag);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cancellation(void)
{
	struct qconn *c = qpool_acquire(pool);
	struct query_limits lim = { 10000, 10, 65536, 512 };
	struct cancel flag = CANCEL_INIT;
	struct cancel_arg a = { &flag, 100 };
	struct query_result r;
	pthread_t t;
	double t0;

	pthread_create(&t, NULL, raise_later, &a);
	t0 = now_s();
	query_run(c, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		  " FROM c) SELECT count(*) FROM c", &lim,
		  QUERY_FORMAT_MARKDOWN, &flag, &r);
	pthread_join(t, NULL);
	ncases++;
	tap_ok(r.status == QUERY_CANCELLED && now_s() - t0 < 1.0, __FILE__,
	       __LINE__, "cancel stops a running query (%.3f s)",
	       now_s() - t0);
	query_result_finish(&r);
	tap_ok(still_serving(c), __FILE__, __LINE__,
	       "connection serves after a cancel");
	qpool_release(pool, c);
}

static void filters(void)
{
	static const struct {
		const char *expr;
		bool ok;
	} cases[] = {
		{ "age > 30", true },
		{ "city IN ('Lyon', 'Nice') AND name LIKE '%a%'", true },
		{ "(age > 30) OR (w < 1)", true },
		{ "name = 'it''s ; -- fine'", true },
		{ "1) UNION SELECT fingerprint FROM api_keys --", false },
		{ "1) OR (1", false },
		{ "age > 1; DROP TABLE data_people", false },
		{ "(SELECT count(*) FROM api_keys) > 0", false },
		{ "EXISTS (SELECT 1 FROM sqlite_schema)", false },
		{ "1 = 1 -- the rest", false },
		{ "1 = 1 /* c */", false },
		{ "load_extension('x') IS NULL", false },
		{ "age >", false },
		{ "age > 1)", false },
		{ "(age > 1", false },
		{ "'unterminated", false },
		{ "name = \"api_keys\"", false },
	};
	struct qconn *c = qpool_acquire(pool);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		int r = query_check_expr(c, "people", cases[i].expr, &err);

		ncases++;
		tap_ok((r == 0) == cases[i].ok, __FILE__, __LINE__,
		       "filter %s: %s", cases[i].expr,
		       r == 0 ? "accepted" : err);
		free(err);
	}
	qpool_release(pool, c);
}

/* more runnable work than CPUs: a timing would measure the others */
static bool machine_busy(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double load = 0;

	if (!f) {
		return false;
	}
	if (fscanf(f, "%lf", &load) != 1) {
		load = 0;
	}
	fclose(f);
	return load > (double)sysconf(_SC_NPROCESSORS_ONLN);
}

struct timed {
	const char *sql;
	double seconds;
	enum query_status status;
};

static void *timed_run(void *p)
{
	struct timed *t = p;
	struct query_limits lim = { 30000, 10, 65536, 512 };
	struct qconn *c = qpool_acquire(pool);
	struct query_result r;
	double t0 = now_s();

	query_run(c, t->sql, &lim, QUERY_FORMAT_MARKDOWN, NULL, &r);
	t->seconds = now_s() - t0;
	t->status = r.status;
	query_result_finish(&r);
	qpool_release(pool, c);
	return NULL;
}

/* four one-second queries on four connections against one alone */
static void parallel(void)
{
	struct timed one = { NULL, 0, QUERY_OK };
	struct timed four[4];
	pthread_t th[4];
	long bound = 1000000;
	char *sql = NULL;
	double t0, all, cpu;
	struct rusage ru0, ru1;
	long ncpu;

	for (int i = 0; i < 4; i++) {
		sql = xasprintf("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
				"SELECT x + 1 FROM c WHERE x < %ld) SELECT "
				"count(*) FROM c", bound);
		one.sql = sql;
		timed_run(&one);
		if (one.seconds > 0.8 && one.seconds < 1.25) {
			break;
		}
		bound = (long)((double)bound / (one.seconds > 0.01
							? one.seconds
							: 0.01));
		free(sql);
		sql = NULL;
	}
	if (!sql) {
		sql = xasprintf("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
				"SELECT x + 1 FROM c WHERE x < %ld) SELECT "
				"count(*) FROM c", bound);
		one.sql = sql;
		timed_run(&one);
	}
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_s();
	for (int i = 0; i < 4; i++) {
		four[i].sql = sql;
		pthread_create(&th[i], NULL, timed_run, &four[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
	}
	all = now_s() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	      (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
	/* CPU time over wall time: how many ran at once, whatever the load */
	printf("# one query alone: %.3f s; four in parallel: %.3f s, using "
	       "%.2f s of CPU (%.1f at once; bound %ld, %ld online CPUs)\n",
	       one.seconds, all, cpu, cpu / all, bound,
	       sysconf(_SC_NPROCESSORS_ONLN));
	ncases++;
	tap_ok(one.status == QUERY_OK && four[0].status == QUERY_OK &&
		       four[3].status == QUERY_OK,
	       __FILE__, __LINE__, "parallel queries all answer");
	/*
	 * Four queries on n CPUs cannot beat 4/n times one; leave room for a
	 * loaded machine, but catch a pool that runs them one by one.
	 */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ncpu = ncpu < 1 ? 1 : ncpu > 4 ? 4 : ncpu;
	if (machine_busy()) {
		tap_ok(true, __FILE__, __LINE__, "# SKIP the machine is busy; "
		       "timing not judged");
	} else {
		tap_ok(ncpu == 1 || all < one.seconds * (4.0 / (double)ncpu) *
						       1.5 + 0.5,
		       __FILE__, __LINE__,
		       "four in parallel take close to the slowest (%.2f s vs "
		       "%.2f s alone, %ld CPUs)", all, one.seconds, ncpu);
	}
	free(sql);
}

/* `text` with every `from` replaced by `to` (caller frees) */
static char *replace_all(const char *text, const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(from);

	for (const char *p = text; *p;) {
		if (strncmp(p, from, n) == 0) {
			buf_addstr(&b, to);
			p += n;
		} else {
			buf_addch(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

/*
 * An SQL error names only what the statement touched, says what was
 * meant, and reads the same for a hidden table as for a missing one.
 */
static void error_hints(void)
{
	static const char *const hidden[] = { "data_secret", "api_keys",
					      "query_logs", "llm_metadata" };
	static const char *const shapes[] = {
		"SELECT * FROM %s",
		"SELECT p.name FROM people p JOIN %s x ON 1",
		"SELECT (SELECT count(*) FROM %s), nme FROM people",
	};
	static const struct {
		const char *sql, *want, *name;
	} cases[] = {
		{ "SELECT nmae FROM people", "Did you mean name?\n",
		  "a misspelt column" },
		{ "SELECT AGE2 FROM people", "Did you mean age?\n",
		  "a column in another case, one slip away" },
		{ "SELECT * FROM peple JOIN people", "Did you mean people?\n",
		  "a misspelt dataset" },
		{ "SELECT * FROM people WHERE", "  SELECT * FROM people WHERE"
		  "\n                            ^\n",
		  "an incomplete statement is marked at its end" },
		{ "SELECT * FORM people", "  SELECT * FORM people\n"
		  "           ^\n", "the marker is under the error" },
	};
	struct qconn *c = qpool_acquire(pool);
	struct query_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		query_run(c, cases[i].sql, &fast, QUERY_FORMAT_MARKDOWN, NULL,
			  &r);
		ncases++;
		tap_ok(r.status == QUERY_ERROR &&
			       strstr(buf_str(&r.text), cases[i].want) &&
			       strstr(buf_str(&r.text), "Columns of people: "
					      "id, name, age, city, w\n") &&
			       !strstr(buf_str(&r.text), "cities"),
		       __FILE__, __LINE__, "%s: says what was meant and "
		       "lists only people's columns", cases[i].name);
		if (!strstr(buf_str(&r.text), cases[i].want)) {
			printf("#   text: %s\n", buf_str(&r.text));
		}
		query_result_finish(&r);
	}
	query_run(c, "SELECT * FROM nosuch", &fast, QUERY_FORMAT_MARKDOWN,
		  NULL, &r);
	ncases++;
	/* the datasets that exist for a client: the catalog's own tables
	 * behind keys, keys2 and the refused views are skipped */
	tap_ok(strstr(buf_str(&r.text), "Datasets: big, cities, people, "
		      "settings (list_datasets describes them)\n") &&
		       !strstr(buf_str(&r.text), "Columns of") &&
		       r.text.len < 400,
	       __FILE__, __LINE__, "naming no dataset: the names alone, "
	       "%zu bytes", r.text.len);
	query_result_finish(&r);

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		char *miss = replace_all(shapes[s], "%s", "nosuch_tab");
		struct query_result m;

		query_run(c, miss, &fast, QUERY_FORMAT_MARKDOWN, NULL, &m);
		for (size_t h = 0; h < sizeof(hidden) / sizeof(hidden[0]);
		     h++) {
			char *sql = replace_all(shapes[s], "%s", hidden[h]);
			char *same;

			query_run(c, sql, &fast, QUERY_FORMAT_MARKDOWN, NULL,
				  &r);
			same = replace_all(buf_str(&r.text), hidden[h],
					   "nosuch_tab");
			ncases++;
			tap_ok(strcmp(same, buf_str(&m.text)) == 0, __FILE__,
			       __LINE__, "%s: the answer of a missing table, "
			       "byte for byte", sql);
			if (strcmp(same, buf_str(&m.text)) != 0) {
				printf("#   hidden:  %s\n#   missing: %s\n",
				       same, buf_str(&m.text));
			}
			free(same);
			free(sql);
			query_result_finish(&r);
		}
		free(miss);
		query_result_finish(&m);
	}
	qpool_release(pool, c);
}

/* writes are refused in the same words, through a view or not */
static void write_words(void)
{
	static const char *const sqls[] = {
		"DELETE FROM people", "delete from stocks",
		"UPDATE people SET age = 1", "INSERT INTO people DEFAULT VALUES",
		"/* x */ DROP TABLE people", "REPLACE INTO big VALUES (1, 'a')",
		"WITH x AS (SELECT 1) DELETE FROM people",
		"WITH x AS (SELECT 1) UPDATE data_people SET age = 1",
	};
	struct qconn *c = qpool_acquire(pool);
	struct query_result r;

	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		query_run(c, sqls[i], &fast, QUERY_FORMAT_MARKDOWN, NULL, &r);
		ncases++;
		tap_ok(r.status == QUERY_DENIED &&
			       strncmp(buf_str(&r.text), "not allowed: ",
				       13) == 0 &&
			       strstr(buf_str(&r.text),
				      "(datasets are read-only)") &&
			       !strstr(buf_str(&r.text), "view"),
		       __FILE__, __LINE__, "%s: not allowed, read-only",
		       sqls[i]);
		if (!strstr(buf_str(&r.text), "(datasets are read-only)")) {
			printf("#   text: %s\n", buf_str(&r.text));
		}
		query_result_finish(&r);
	}
	qpool_release(pool, c);
}

/* mcpctl's edits show up on the next acquire */
static void hot_reload(void)
{
	struct db *rw = NULL;
	char *err = NULL;
	struct qconn *c;
	struct query_result r;

	if (db_open(catalog_path, 0, &rw, &err) < 0) {
		tap_ok(false, __FILE__, __LINE__, "reopen: %s", err);
		free(err);
		return;
	}
	db_exec(rw, "UPDATE datasets SET enabled = 0 WHERE name = 'people';"
		"CREATE TABLE data_fresh(v INTEGER); INSERT INTO data_fresh "
		"VALUES (42);"
		"INSERT INTO datasets (name, source_kind, data_table) VALUES "
		"('fresh', 'csv', 'data_fresh');", NULL);
	c = qpool_acquire(pool);
	query_run(c, "SELECT v FROM fresh", &fast, QUERY_FORMAT_MARKDOWN,
		  NULL, &r);
	ncases++;
	tap_ok(r.status == QUERY_OK && strstr(buf_str(&r.text), "| 42 |"),
	       __FILE__, __LINE__, "a new dataset is queryable at once");
	query_result_finish(&r);
	query_run(c, "SELECT * FROM data_people", &fast,
		  QUERY_FORMAT_MARKDOWN, NULL, &r);
	ncases++;
	tap_ok(r.status == QUERY_DENIED, __FILE__, __LINE__,
	       "a disabled dataset's table is no longer readable");
	query_result_finish(&r);
	query_run(c, "SELECT * FROM people", &fast, QUERY_FORMAT_MARKDOWN,
		  NULL, &r);
	tap_ok(r.status == QUERY_ERROR, __FILE__, __LINE__,
	       "a disabled dataset's name is gone");
	query_result_finish(&r);
	qpool_release(pool, c);
	db_close(rw);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char *err = NULL;
	uint64_t h_cat, h_src, h_wal;
	char wal[320];

	query_library_init();
	snprintf(dir, sizeof(dir), "%s/mcpd-guard-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(catalog_path, sizeof(catalog_path), "%s/catalog.db", dir);
	snprintf(source_path, sizeof(source_path), "%s/source.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", catalog_path);
	fixture_make(catalog_path, source_path);
	h_cat = fixture_file_hash(catalog_path);
	h_src = fixture_file_hash(source_path);
	h_wal = fixture_file_hash(wal);

	if (qpool_create(catalog_path, 4, &pool, &err) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	writes();
	write_words();
	error_hints();
	attach_and_transactions();
	pragmas();
	second_statements();
	internal_tables();
	functions();
	nesting();
	runaway();
	legitimate();
	cell_text();
	limits_and_notes();
	cancellation();
	same_answers();
	slow_calls();
	temp_ceiling();
	filters();
	parallel();

	tap_ok(fixture_file_hash(catalog_path) == h_cat, __FILE__,
	       __LINE__, "the catalog's bytes are unchanged");
	tap_ok(fixture_file_hash(wal) == h_wal, __FILE__, __LINE__,
	       "the catalog's WAL is unchanged");
	tap_ok(fixture_file_hash(source_path) == h_src, __FILE__,
	       __LINE__, "the registered SQLite file's bytes are unchanged");
	tap_ok(access("/tmp/mcpd-guard-stolen.db", F_OK) != 0, __FILE__,
	       __LINE__, "VACUUM INTO wrote no file");

	hot_reload();
	qpool_destroy(pool);
	printf("# %d cases\n", ncases);
	if (tap_state.failed == 0) {
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0) {
			fprintf(stderr, "cannot remove %s\n", dir);
		}
		free(cmd);
	}
	return tap_done();
}
