/*
 * containment-bench: the attacks of the containment suite, timed against
 * one mcpd binary, with the peak memory of mcpd and its workers and the
 * bytes it answered; and the latency of a trivial call.  Run it against
 * two binaries (before and after a change) to compare.
 *
 *   MCPD=build/mcpd/mcpd build/tests/bench/containment-bench CATALOG [N]
 *
 * CATALOG must hold a dataset "survey" (scripts/quickstart.sh makes one).
 * N scales the attacks down for binaries that cannot bound them (1 = the
 * full size of the findings; 2 = a quarter of the prepare blow-up...).
 * BENCH_ONLY=prepare,patch,wide,cheap,batch,queue,trivial picks rows.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/buf.h"
#include "mcp/xalloc.h"
#include "../guard/mcpclient.h"

static const char *catalog;

static bool wanted(const char *row)
{
	const char *only = getenv("BENCH_ONLY");

	return !only || strstr(only, row) != NULL;
}

static cJSON *sql_args(const char *sql)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "sql", sql);
	return a;
}

static char *doubling_ctes(int n)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "WITH c0(x) AS (SELECT 1)");
	for (int i = 1; i <= n; i++) {
		buf_addf(&b, ", c%d(x) AS (SELECT x FROM c%d UNION ALL "
			 "SELECT x FROM c%d)", i, i - 1, i - 1);
	}
	buf_addf(&b, " SELECT count(*) FROM c%d", n);
	return buf_detach(&b, NULL);
}

static char *json_patch_sql(int keys)
{
	return xasprintf(
		"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
		"FROM r WHERE i < %d) SELECT length(json_patch("
		"(SELECT json_group_object('k' || i, i) FROM r), "
		"(SELECT json_group_object('k' || i, i + 1) FROM r)))", keys);
}

static char *wide_blobs(int cols)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "SELECT ");
	for (int i = 0; i < cols; i++) {
		buf_addf(&b, "%shex(randomblob(499999)) AS c%d", i ? ", " : "",
			 i);
	}
	return buf_detach(&b, NULL);
}

/* one attack in a fresh mcpd: seconds to the answer, peak MB, bytes */
static void one(const char *name, const char *sql, const char *const *extra)
{
	struct mcp m;
	struct rusage ru;
	double t0, dt;
	cJSON *r;
	size_t bytes;
	int id;

	mcp_start(&m, catalog, extra);
	mcp_initialize(&m, "2025-06-18");
	t0 = mcp_now();
	id = mcp_send_tool(&m, "query", sql_args(sql));
	r = mcp_wait(&m, id, 300);
	dt = mcp_now() - t0;
	bytes = r ? strlen(r ? mcp_text(r) : "") : 0;
	mcp_stop(&m, &ru);
	printf("| %s | %.2f s | %ld MB | %zu | %.60s |\n", name, dt,
	       ru.ru_maxrss / 1024, bytes, r ? mcp_text(r) : "(no answer)");
	cJSON_Delete(r);
}

/* ping latency while four json_patch calls run */
static void ping_under_load(const char *const *extra)
{
	struct mcp m;
	char *sql = json_patch_sql(40000);
	double worst = 0;

	mcp_start(&m, catalog, extra);
	mcp_initialize(&m, "2025-06-18");
	for (int i = 0; i < 4; i++) {
		mcp_send_tool(&m, "query", sql_args(sql));
	}
	usleep(200 * 1000);
	for (int i = 0; i < 20; i++) {
		double t0 = mcp_now();
		int id = mcp_send_tool(&m, "list_datasets", cJSON_CreateObject());
		cJSON *r = mcp_wait(&m, id, 120);
		double dt = mcp_now() - t0;

		worst = dt > worst ? dt : worst;
		cJSON_Delete(r);
	}
	mcp_stop(&m, NULL);
	printf("| list_datasets during 4 json_patch calls, worst of 20 | "
	       "%.1f ms | | | |\n", worst * 1000);
	free(sql);
}

/* a 2025-03-26 batch of n elements (the smallest: each one an invalid
 * request, answered with an error), then one ping: time to its answer */
static void batch(int n, const char *const *extra)
{
	struct mcp m;
	struct buf b = BUF_INIT;
	double t0;
	int id;
	cJSON *r;

	mcp_start(&m, catalog, extra);
	mcp_initialize(&m, "2025-03-26");
	buf_addch(&b, '[');
	for (int i = 0; i < n; i++) {
		buf_addstr(&b, i ? ",1" : "1");
	}
	buf_addch(&b, ']');
	t0 = mcp_now();
	mcp_send_line(&m, buf_str(&b));
	id = mcp_send(&m, "ping", NULL);
	r = mcp_wait(&m, id, 300);
	printf("| batch of %d, then ping | %.2f s | | | |\n", n,
	       mcp_now() - t0);
	cJSON_Delete(r);
	buf_release(&b);
	mcp_stop(&m, NULL);
}

/* n requests of 4 MB queued behind a long query */
static void queued_megabytes(int n, const char *const *extra)
{
	struct mcp m;
	struct rusage ru;
	struct buf big = BUF_INIT;
	long peak;

	mcp_start(&m, catalog, extra);
	mcp_initialize(&m, "2025-06-18");
	/* a message just under the 4 MiB line limit (its SQL is refused at
	 * once, once it runs) */
	buf_addstr(&big, "SELECT length('");
	for (int k = 0; k < 4 * 1024 * 1024 - 256; k++) {
		buf_addch(&big, 'a');
	}
	buf_addstr(&big, "')");
	mcp_send_tool(&m, "query", sql_args(
		"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
		"r WHERE i < 100000000) SELECT count(*) FROM r"));
	for (int i = 0; i < n; i++) {
		mcp_send_tool(&m, "query", sql_args(buf_str(&big)));
	}
	usleep(500 * 1000);
	peak = mcp_peak_kb(m.pid);
	kill(m.pid, 15);
	mcp_stop(&m, &ru);
	printf("| %d queued requests of 4 MB | | %ld MB | | |\n", n,
	       peak / 1024);
	buf_release(&big);
}

static void trivial_latency(const char *const *extra)
{
	struct mcp m;
	double lat[500];
	int n = 500;

	mcp_start(&m, catalog, extra);
	mcp_initialize(&m, "2025-06-18");
	for (int i = 0; i < n; i++) {
		double t0 = mcp_now();
		int id = mcp_send_tool(&m, "query", sql_args("SELECT 1"));
		cJSON *r = mcp_wait(&m, id, 30);

		lat[i] = mcp_now() - t0;
		cJSON_Delete(r);
	}
	mcp_stop(&m, NULL);
	for (int i = 1; i < n; i++) {
		for (int j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
			double t = lat[j];

			lat[j] = lat[j - 1];
			lat[j - 1] = t;
		}
	}
	printf("| trivial query (SELECT 1), p50 / p99 of 500 | %.0f / %.0f "
	       "µs | | | |\n", lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6);
}

int main(int argc, char **argv)
{
	static const char *const extra[] = { "--timeout-ms", "10000", NULL };
	static const char *const one_worker[] = { "--timeout-ms", "10000",
						  "--workers", "1", NULL };
	int scale = argc > 2 ? atoi(argv[2]) : 1;
	char *sql;

	if (argc < 2 || !getenv("MCPD")) {
		fprintf(stderr, "usage: MCPD=... containment-bench CATALOG "
				"[SCALE]\n");
		return 2;
	}
	catalog = argv[1];
	scale = scale < 1 ? 1 : scale;
	printf("| finding | answered in | peak RSS | bytes | answer |\n"
	       "|---|---|---|---|---|\n");
	if (wanted("prepare")) {
		sql = doubling_ctes(22 - (scale - 1) * 2);
		one(scale > 1 ? "prepare blow-up (CTE doubling, scaled down)"
			      : "prepare blow-up (CTE doubling, c22)", sql,
		    extra);
		free(sql);
	}
	if (wanted("patch")) {
		sql = json_patch_sql(40000);
		one("json_patch of two 40,000-key objects", sql, extra);
		free(sql);
	}
	if (wanted("wide")) {
		sql = wide_blobs(scale > 1 ? 2000 / (scale * 2) : 2000);
		one(scale > 1 ? "wide 1 MB strings (scaled down)"
			      : "2000 columns of 1 MB strings", sql, extra);
		free(sql);
	}
	if (wanted("cheap")) {
		ping_under_load(extra);
	}
	if (wanted("batch")) {
		batch(200000 / scale, extra);
	}
	if (wanted("queue")) {
		/* one worker, busy with a long query: the requests wait */
		queued_megabytes(300 / scale, one_worker);
	}
	if (wanted("trivial")) {
		trivial_latency(extra);
	}
	return 0;
}
