/*
 * The adversarial suite again, through the real mcpd over a pipe: bypass
 * attempts sent as tools/call must come back as tool errors, the server
 * must keep answering (ping included, also during a long query), a
 * notifications/cancelled must stop a query, nothing internal may leak,
 * and the catalog's content must not change (but for mcpd's own
 * query_logs).  Ends with query_many timed against one query alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/xalloc.h"
#include "fixture.h"
#include "mcpclient.h"
#include "tap.h"

static char catalog_path[300];
static char source_path[300];
static int ncases;

static cJSON *call_tool(struct mcp *s, const char *tool, cJSON *args,
			double timeout)
{
	return mcp_wait(s, mcp_send_tool(s, tool, args), timeout);
}

static cJSON *sql_args(const char *sql)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "sql", sql);
	return a;
}

static bool alive(struct mcp *s)
{
	cJSON *r = mcp_wait(s, mcp_send(s, "ping", NULL), 5);
	bool ok = r && cJSON_IsObject(cJSON_GetObjectItem(r, "result"));

	cJSON_Delete(r);
	return ok;
}

/* mcpd on the fixture; every line it writes is checked for leaks */
static void start(struct mcp *s, const char *const *extra)
{
	mcp_start(s, catalog_path, extra);
	s->line_check = fixture_leaks;
	mcp_initialize(s, "2025-06-18");
}

/* a tool error that says "not allowed" (denied) or any tool error */
static void expect_refused(struct mcp *s, const char *name, const char *sql,
			   bool denied)
{
	cJSON *r = call_tool(s, "query", sql_args(sql), 20);
	const char *t = r ? mcp_text(r) : "";
	bool pass = r && mcp_is_error(r) &&
		    (!denied || strncmp(t, "not allowed", 11) == 0 ||
		     strncmp(t, "SQL error: no such table: ", 26) == 0);

	ncases++;
	tap_ok(pass, __FILE__, __LINE__, "mcpd %s: %s", name,
	       denied ? "not allowed" : "refused");
	if (!pass) {
		printf("#   text: %.300s\n", t);
	}
	cJSON_Delete(r);
}

/* query_many reports each query on its own, the bad ones included */
static void many_mixed(struct mcp *s)
{
	static const char *const sqls[] = {
		"SELECT count(*) FROM people",
		"SELECT * FROM api_keys",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM "
		"c) SELECT count(*) FROM c",
		"SELECT 1; DROP TABLE data_people",
	};
	static const char *const want[] = { "ok", "denied", "timeout",
					    "denied" };
	cJSON *a = cJSON_CreateObject();
	cJSON *qs = cJSON_AddArrayToObject(a, "queries");
	cJSON *r, *res;
	bool pass;

	for (size_t i = 0; i < 4; i++) {
		cJSON_AddItemToArray(qs, sql_args(sqls[i]));
	}
	r = call_tool(s, "query_many", a, 30);
	res = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			r, "result"), "structuredContent"), "results");
	pass = r && !mcp_is_error(r) && cJSON_GetArraySize(res) == 4;
	for (int i = 0; pass && i < 4; i++) {
		const cJSON *st = cJSON_GetObjectItem(
			cJSON_GetArrayItem(res, i), "status");

		pass = cJSON_IsString(st) &&
		       strcmp(st->valuestring, want[i]) == 0;
	}
	ncases++;
	tap_ok(pass, __FILE__, __LINE__,
	       "query_many reports ok, denied, timeout and denied apart");
	cJSON_Delete(r);
}

static void bypasses(struct mcp *s)
{
	static const char *const denied[] = {
		"DELETE FROM data_people",
		"WITH x AS (SELECT 1) DELETE FROM data_people",
		"INSERT INTO system_config (key, value) VALUES ('max_rows', "
		"'1000000')",
		"UPDATE datasets SET enabled = 1",
		"DROP TABLE api_keys",
		"CREATE TEMP TABLE t AS SELECT * FROM people",
		"ATTACH '/tmp/mcpd-guard-x.db' AS x",
		"DETACH src_0",
		"VACUUM INTO '/tmp/mcpd-guard-stolen.db'",
		"PRAGMA table_info(api_keys)",
		"PRAGMA query_only = 0",
		"SELECT * FROM pragma_table_info('api_keys')",
		"SELECT count(*) FROM pragma_database_list",
		"SELECT 1; DELETE FROM data_people",
		"SELECT 1;/**/SELECT * FROM api_keys",
		"SELECT * FROM api_keys",
		"SELECT count(*) FROM api_keys",
		"SELECT (SELECT fingerprint FROM api_keys)",
		"WITH k AS (SELECT * FROM api_keys) SELECT * FROM k",
		"SELECT name FROM people UNION SELECT summary FROM "
		"llm_metadata",
		"SELECT * FROM query_logs",
		"SELECT * FROM sqlite_schema",
		"SELECT * FROM temp.sqlite_master",
		"SELECT * FROM data_secret",
		"SELECT * FROM src_0.private",
		"SELECT count(*) FROM private",
		"SELECT load_extension('/tmp/x.so')",
		"SELECT * FROM dbstat",
		"BEGIN",
		"SAVEPOINT s",
		"EXPLAIN SELECT 1",
	};
	static const char *const refused[] = {
		"SELECT randomblob(1000000000)",
		"SELECT zeroblob(2000000000)",
		"SELECT * FROM hidden",
		"SELECT readfile('/etc/passwd')",
		"",
		"SELEC 1",
	};

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		expect_refused(s, denied[i], denied[i], true);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		expect_refused(s, refused[i], refused[i], false);
	}
	many_mixed(s);
	tap_ok(alive(s), __FILE__, __LINE__, "mcpd answers ping after the "
	       "bypass attempts");
}

static void sample_and_search(struct mcp *s)
{
	static const char *const wheres[] = {
		"1) UNION SELECT fingerprint, 1, 1, 1, 1 FROM api_keys --",
		"age > 1; DROP TABLE data_people",
		"(SELECT count(*) FROM api_keys) > 0",
		"1 = 1 -- the rest",
		"age >",
	};
	static const char *const searches[] = {
		"\"", "NEAR(a b", "name:secret", "^people", ") OR (",
		"* AND *", "people\" OR \"x", "'; DROP TABLE datasets; --",
	};
	cJSON *a, *r;

	for (size_t i = 0; i < sizeof(wheres) / sizeof(wheres[0]); i++) {
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "dataset", "people");
		cJSON_AddStringToObject(a, "where", wheres[i]);
		r = call_tool(s, "sample_rows", a, 10);
		ncases++;
		tap_ok(r && mcp_is_error(r), __FILE__, __LINE__,
		       "sample_rows where %s: refused", wheres[i]);
		cJSON_Delete(r);
	}
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "dataset", "people");
	cJSON_AddStringToObject(a, "where", "age > 40");
	cJSON_AddNumberToObject(a, "n", 100);
	r = call_tool(s, "sample_rows", a, 10);
	ncases++;
	tap_ok(r && !mcp_is_error(r) &&
		       cJSON_GetObjectItem(cJSON_GetObjectItem(
				   cJSON_GetObjectItem(r, "result"),
				   "structuredContent"), "row_count")
				       ->valueint == 3,
	       __FILE__, __LINE__, "sample_rows with a filter answers");
	cJSON_Delete(r);

	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "dataset", "api_keys");
	r = call_tool(s, "sample_rows", a, 10);
	ncases++;
	tap_ok(r && mcp_is_error(r), __FILE__, __LINE__,
	       "sample_rows of an internal table: refused");
	cJSON_Delete(r);

	for (size_t i = 0; i < sizeof(searches) / sizeof(searches[0]); i++) {
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "query", searches[i]);
		r = call_tool(s, "search_datasets", a, 10);
		ncases++;
		tap_ok(r && cJSON_GetObjectItem(r, "result") &&
			       !strstr(mcp_text(r), "syntax error") &&
			       !strstr(mcp_text(r), "hidden"),
		       __FILE__, __LINE__,
		       "search_datasets %s: answered, no FTS error, no "
		       "disabled dataset", searches[i]);
		cJSON_Delete(r);
	}
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "query", "age city");
	r = call_tool(s, "search_datasets", a, 10);
	ncases++;
	tap_ok(r && strstr(mcp_text(r), "- people: People"), __FILE__,
	       __LINE__, "search_datasets finds a dataset by its columns");
	cJSON_Delete(r);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "query", "Hidden");
	r = call_tool(s, "search_datasets", a, 10);
	ncases++;
	tap_ok(r && !strstr(mcp_text(r), "hidden") &&
		       strstr(mcp_text(r), "No dataset matches"),
	       __FILE__, __LINE__,
	       "search_datasets never shows a disabled dataset");
	cJSON_Delete(r);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "dataset", "big");
	cJSON_AddNumberToObject(a, "n", 5);
	cJSON_AddTrueToObject(a, "random");
	r = call_tool(s, "sample_rows", a, 10);
	ncases++;
	tap_ok(r && !mcp_is_error(r) &&
		       cJSON_GetObjectItem(cJSON_GetObjectItem(
				   cJSON_GetObjectItem(r, "result"),
				   "structuredContent"), "row_count")
				       ->valueint == 5,
	       __FILE__, __LINE__, "sample_rows picks 5 random rows");
	cJSON_Delete(r);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "dataset", "big");
	cJSON_AddNumberToObject(a, "n", 100000);
	r = call_tool(s, "sample_rows", a, 10);
	ncases++;
	tap_ok(r && mcp_is_error(r), __FILE__, __LINE__,
	       "sample_rows refuses n past its bound");
	cJSON_Delete(r);
	tap_ok(alive(s), __FILE__, __LINE__, "mcpd answers ping after the "
	       "tool-argument attacks");
}

static void hostile_cells(struct mcp *s)
{
	cJSON *a = sql_args("SELECT id, name, city FROM people ORDER BY id");
	int id = mcp_send_tool(s, "query", a);
	char *line = NULL;
	cJSON *m = NULL;
	const char *t;
	int rows = 0;

	/* read the raw line: one message is exactly one line of JSON */
	for (int i = 0; i < 10 && !m; i++) {
		free(line);
		line = mcp_read_line(s, 10);
		m = line ? cJSON_Parse(line) : NULL;
		if (m && cJSON_GetObjectItem(m, "id") &&
		    cJSON_GetObjectItem(m, "id")->valueint != id) {
			cJSON_Delete(m);
			m = NULL;
		}
	}
	ncases++;
	tap_ok(m != NULL, __FILE__, __LINE__,
	       "hostile cells arrive as one well-formed JSON line");
	t = m ? mcp_text(m) : "";
	for (const char *p = t; (p = strchr(p, '\n')); p++) {
		rows++;
	}
	tap_ok(rows == 8 && strncmp(t, "| id | name | city |", 20) == 0,
	       __FILE__, __LINE__,
	       "the markdown table keeps header + rule + 6 rows (%d lines)",
	       rows);
	free(line);
	cJSON_Delete(m);
}

static void ping_and_cancel(struct mcp *s)
{
	const char *endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
			      "SELECT x + 1 FROM c) SELECT count(*) FROM c";
	int qid, pid;
	double t0, tping, tq;
	cJSON *r;
	char note[200];

	qid = mcp_send_tool(s, "query", sql_args(endless));
	usleep(200000);
	t0 = mcp_now();
	pid = mcp_send(s, "ping", NULL);
	r = mcp_wait(s, pid, 5);
	tping = mcp_now() - t0;
	ncases++;
	tap_ok(r && tping < 0.5, __FILE__, __LINE__,
	       "ping during a long query answers at once (%.3f s)", tping);
	cJSON_Delete(r);
	r = mcp_wait(s, qid, 20);
	tq = mcp_now() - t0;
	tap_ok(r && mcp_is_error(r) &&
		       strstr(mcp_text(r), "time limit of 2000 ms"),
	       __FILE__, __LINE__,
	       "the endless query stops at the timeout (%.2f s): %.60s", tq,
	       r ? mcp_text(r) : "");
	cJSON_Delete(r);

	qid = mcp_send_tool(s, "query", sql_args(endless));
	usleep(300000);
	snprintf(note, sizeof(note),
		 "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"
		 "cancelled\",\"params\":{\"requestId\":%d,\"reason\":"
		 "\"test\"}}", qid);
	t0 = mcp_now();
	mcp_send_line(s, note);
	r = mcp_wait(s, qid, 1.2);
	ncases++;
	tap_ok(r == NULL, __FILE__, __LINE__,
	       "a cancelled request gets no reply");
	cJSON_Delete(r);
	tap_ok(alive(s), __FILE__, __LINE__, "mcpd serves after a cancel");
}

/* did mcpd log the cancelled query as cancelled (well before timeout)? */
static bool logged_cancel(void)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_open_v2(catalog_path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT duration_us FROM query_logs WHERE "
			       "status = 'cancelled'", -1, &st,
			       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			printf("# cancelled query ran %.3f s\n",
			       sqlite3_column_double(st, 0) / 1e6);
			if (sqlite3_column_int64(st, 0) < 1500000) {
				found = true;
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

static void oversized(struct mcp *s)
{
	struct buf big = BUF_INIT;
	cJSON *r;

	buf_addstr(&big, "SELECT '");
	for (int i = 0; i < 200000; i++) {
		buf_addstr(&big, "xxxxx");
	}
	buf_addstr(&big, "'");
	r = call_tool(s, "query", sql_args(buf_str(&big)), 20);
	ncases++;
	tap_ok(!r || mcp_is_error(r) || cJSON_GetObjectItem(r, "error"),
	       __FILE__, __LINE__, "a 1 MB statement is refused");
	cJSON_Delete(r);
	buf_release(&big);
	mcp_send_line(s, "{\"jsonrpc\":\"2.0\",\"id\":9999,\"method\":\"tools/"
		     "call\",\"params\":{\"name\":\"query\",\"arguments\":"
		     "{\"sql\":\"SELECT 1\"");
	mcp_send_line(s, "not json at all");
	ncases++;
	tap_ok(alive(s), __FILE__, __LINE__,
	       "mcpd serves after oversized and malformed input");
}

static double timed_call(struct mcp *s, const char *tool, cJSON *args,
			 bool *ok)
{
	double t0 = mcp_now();
	cJSON *r = call_tool(s, tool, args, 120);

	*ok = r && !mcp_is_error(r);
	if (r && strcmp(tool, "query_many") == 0) {
		const cJSON *res = cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"),
					    "structuredContent"),
			"results");
		const cJSON *it;

		cJSON_ArrayForEach(it, res) {
			if (strcmp(cJSON_GetObjectItem(it, "status")
					   ->valuestring, "ok") != 0) {
				*ok = false;
			}
		}
	}
	cJSON_Delete(r);
	return mcp_now() - t0;
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

static char *counting_sql(long bound)
{
	return xasprintf("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT "
			 "x + 1 FROM c WHERE x < %ld) SELECT count(*) FROM c",
			 bound);
}

static void query_many_timing(void)
{
	const char *const extra[] = { "--timeout-ms", "60000", "--workers",
				      "4", NULL };
	struct mcp s;
	long bound = 1000000;
	double one = 0, four, two;
	char *sql = NULL;
	bool ok1 = false, ok4 = false, ok2 = false;
	cJSON *a, *qs;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	start(&s, extra);
		for (int i = 0; i < 5; i++) {
		free(sql);
		sql = counting_sql(bound);
		one = timed_call(&s, "query", sql_args(sql), &ok1);
		if (one > 0.9 && one < 1.15) {
			break;
		}
		bound = (long)((double)bound / (one > 0.01 ? one : 0.01));
	}
	a = cJSON_CreateObject();
	qs = cJSON_AddArrayToObject(a, "queries");
	for (int i = 0; i < 4; i++) {
		cJSON_AddItemToArray(qs, sql_args(sql));
	}
	four = timed_call(&s, "query_many", a, &ok4);
	a = cJSON_CreateObject();
	qs = cJSON_AddArrayToObject(a, "queries");
	for (int i = 0; i < 2; i++) {
		cJSON_AddItemToArray(qs, sql_args(sql));
	}
	two = timed_call(&s, "query_many", a, &ok2);
	printf("# query alone: %.3f s; query_many with four of it: %.3f s, "
	       "with two: %.3f s (%ld CPUs)\n", one, four, two, ncpu);
	ncases++;
	tap_ok(ok1 && ok4 && ok2, __FILE__, __LINE__,
	       "query and query_many answer");
	ncpu = ncpu < 1 ? 1 : ncpu > 4 ? 4 : ncpu;
	if (machine_busy()) {
		tap_ok(true, __FILE__, __LINE__, "# SKIP the machine is busy; "
		       "timing not judged");
	} else {
		tap_ok(ncpu == 1 ||
			       four < one * (4.0 / (double)ncpu) * 1.5 + 0.5,
		       __FILE__, __LINE__,
		       "query_many of four runs them side by side (%.2f s vs "
		       "%.2f s)", four, one);
	}
	mcp_stop(&s, NULL);
	free(sql);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *const extra[] = { "--timeout-ms", "2000", "--max-rows",
				      "100", "--workers", "4", NULL };
	char dir[256];
	uint64_t h_content, h_src;
	struct mcp s;

	snprintf(dir, sizeof(dir), "%s/mcpd-guard-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(catalog_path, sizeof(catalog_path), "%s/catalog.db", dir);
	snprintf(source_path, sizeof(source_path), "%s/source.db", dir);
	fixture_make(catalog_path, source_path);
	h_content = fixture_content_hash(catalog_path, "query_logs");
	h_src = fixture_file_hash(source_path);
	signal(SIGPIPE, SIG_IGN);

	start(&s, extra);
		bypasses(&s);
	sample_and_search(&s);
	hostile_cells(&s);
	ping_and_cancel(&s);
	oversized(&s);
	tap_ok(s.flagged == 0, __FILE__, __LINE__,
	       "no reply carried anything internal");
	mcp_stop(&s, NULL);
	tap_ok(logged_cancel(), __FILE__, __LINE__,
	       "query_logs shows the query stopped as cancelled");

	tap_ok(fixture_content_hash(catalog_path, "query_logs") == h_content,
	       __FILE__, __LINE__,
	       "the catalog's content is unchanged (query_logs aside)");
	tap_ok(fixture_file_hash(source_path) == h_src, __FILE__, __LINE__,
	       "the registered SQLite file's bytes are unchanged");
	tap_ok(access("/tmp/mcpd-guard-stolen.db", F_OK) != 0, __FILE__,
	       __LINE__, "VACUUM INTO wrote no file");

	query_many_timing();
	printf("# %d cases through mcpd\n", ncases);
	if (tap_state.failed == 0) {
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0) {
			fprintf(stderr, "cannot remove %s\n", dir);
		}
		free(cmd);
	}
	return tap_done();
}
