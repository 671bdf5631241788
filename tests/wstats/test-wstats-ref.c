/*
 * The SQL functions against R's survey package: survey.csv is imported
 * into a fresh catalog the way mcpctl does it, each case of expected.csv
 * is written as plain SQL over the dataset's view (GROUP BY, a correlated
 * subquery for percentages, one SELECT per probability for quantiles) and
 * run through query_run(), behind the guard, like client SQL.
 *
 * This SQL is written independently of the weighted_stats tool's (which
 * test-weighted-tool checks through mcpd), so the two check each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/db.h"
#include "mcp/ident.h"
#include "mcp/import.h"
#include "mcp/query.h"
#include "mcp/xalloc.h"
#include "refcase.h"
#include "tap.h"

static void add_cond(struct buf *sql, const struct refcase *c,
		     const char *w)
{
	buf_addf(sql, " WHERE %s IS NOT NULL", w);
	if (c->measure[0]) {
		buf_addstr(sql, " AND ");
		ident_quote(sql, c->measure);
		buf_addstr(sql, " IS NOT NULL");
	}
	if (c->where[0]) {
		buf_addf(sql, " AND (%s)", c->where);
	}
}

static void add_by(struct buf *sql, const struct refcase *c,
		   const char *qualifier)
{
	for (size_t i = 0; i < c->nby; i++) {
		buf_addstr(sql, qualifier);
		ident_quote(sql, c->by[i]);
		buf_addstr(sql, ", ");
	}
}

static void add_group_by(struct buf *sql, const struct refcase *c,
			 bool with_measure)
{
	if (c->nby == 0 && !with_measure) {
		return;
	}
	buf_addstr(sql, " GROUP BY ");
	for (size_t i = 0; i < c->nby; i++) {
		ident_quote(sql, c->by[i]);
		buf_addstr(sql, i + 1 < c->nby || with_measure ? ", " : "");
	}
	if (with_measure) {
		ident_quote(sql, c->measure);
	}
}

static char *case_sql(const struct refcase *c)
{
	struct buf sql = BUF_INIT;
	const char *w = c->unweighted ? "1" : "\"wt\"";

	if (strcmp(c->stat, "quantile") == 0) {
		for (size_t k = 0; k < c->nq; k++) {
			if (k) {
				buf_addstr(&sql, " UNION ALL ");
			}
			buf_addstr(&sql, "SELECT ");
			add_by(&sql, c, "");
			buf_addf(&sql, "%.17g AS q, wquantile(", c->q[k]);
			ident_quote(&sql, c->measure);
			buf_addf(&sql, ", %s, %.17g), count(*), wsum(1, %s) "
				 "FROM survey", w, c->q[k], w);
			add_cond(&sql, c, w);
			add_group_by(&sql, c, false);
		}
	} else if (strcmp(c->stat, "percent") == 0) {
		buf_addstr(&sql, "SELECT ");
		add_by(&sql, c, "t.");
		ident_quote(&sql, c->measure);
		buf_addf(&sql, ", 100.0 * wsum(1, %s) / (SELECT wsum(1, %s) "
			 "FROM survey AS t2", w, w);
		add_cond(&sql, c, w);
		for (size_t i = 0; i < c->nby; i++) {
			buf_addstr(&sql, " AND t2.");
			ident_quote(&sql, c->by[i]);
			buf_addstr(&sql, " IS t.");
			ident_quote(&sql, c->by[i]);
		}
		buf_addf(&sql, "), count(*), wsum(1, %s) FROM survey AS t", w);
		add_cond(&sql, c, w);
		add_group_by(&sql, c, true);
	} else {
		buf_addstr(&sql, "SELECT ");
		add_by(&sql, c, "");
		if (strcmp(c->stat, "mean") == 0) {
			buf_addstr(&sql, "wmean(");
			ident_quote(&sql, c->measure);
			buf_addf(&sql, ", %s)", w);
		} else if (strcmp(c->stat, "total") == 0) {
			buf_addstr(&sql, "wsum(");
			ident_quote(&sql, c->measure);
			buf_addf(&sql, ", %s)", w);
		} else {
			buf_addf(&sql, "wsum(1, %s)", w);
		}
		buf_addf(&sql, ", count(*), wsum(1, %s) FROM survey", w);
		add_cond(&sql, c, w);
		add_group_by(&sql, c, false);
	}
	return buf_detach(&sql, NULL);
}

static int make_catalog(const char *dir, const char *csv, char **ret_path)
{
	struct import_options opt = {
		.name = "survey",
		.path = csv,
		.weight = "wt",
		.title = "survey fixture of the wstats tests",
	};
	struct import_report rep = { 0 };
	struct db *db = NULL;
	char *err = NULL;
	char *path = xasprintf("%s/catalog.db", dir);
	int r;

	r = db_open(path, DB_CREATE, &db, &err);
	if (r == 0) {
		r = import_csv(db, &opt, &rep, &err);
	}
	if (r < 0) {
		diag("cannot make the catalog: %s", err ? err : "?");
		free(err);
		free(path);
		db_close(db);
		return -1;
	}
	diag("imported %lld rows of %s", (long long)rep.rows, csv);
	import_report_finish(&rep);
	db_close(db);
	*ret_path = path;
	return 0;
}

int main(void)
{
	const char *src = getenv("MCPD_SOURCE_ROOT");
	char dir[] = "/tmp/wstats-ref-XXXXXX";
	char *csv = NULL, *expected = NULL, *catalog = NULL, *err = NULL;
	struct refcase *cases = NULL;
	struct qpool *pool = NULL;
	struct qconn *conn = NULL;
	struct query_limits limits = { 10000, 100000, 1 << 24, 512 };
	size_t ncases = 0;

	if (!src) {
		src = ".";
	}
	csv = xasprintf("%s/tests/wstats/survey.csv", src);
	expected = xasprintf("%s/tests/wstats/expected.csv", src);
	if (!mkdtemp(dir) || refcase_load(expected, &cases, &ncases) < 0 ||
	    make_catalog(dir, csv, &catalog) < 0 ||
	    qpool_create(catalog, 1, &pool, &err) < 0 ||
	    !(conn = qpool_acquire(pool))) {
		ok(0, "setup: %s", err ? err : "see above");
		goto out;
	}
	ok(ncases >= 20, "expected.csv holds %zu cases", ncases);
	for (size_t i = 0; i < ncases; i++) {
		const struct refcase *c = &cases[i];
		struct query_result qr;
		struct buf why = BUF_INIT;
		char *sql = case_sql(c);

		query_run(conn, sql, &limits, QUERY_FORMAT_JSON, NULL, &qr);
		if (qr.status != QUERY_OK) {
			ok(0, "%s %s: %s", c->id, c->stat, buf_str(&qr.text));
			diag("%s", sql);
		} else {
			bool pass = refcase_check(c, qr.structured, &why);

			ok(pass, "%s: %s %s%s%s matches R (%zu rows)", c->id,
			   c->stat, c->measure, c->nby ? " by " : "",
			   c->nby ? c->by[0] : "", c->nrows);
			if (!pass) {
				diag("%s", sql);
				printf("%s", buf_str(&why));
			}
		}
		buf_release(&why);
		query_result_finish(&qr);
		free(sql);
	}
out:
	if (conn) {
		qpool_release(pool, conn);
	}
	qpool_destroy(pool);
	refcase_free(cases, ncases);
	if (catalog) {
		char *wal = xasprintf("%s-wal", catalog);
		char *shm = xasprintf("%s-shm", catalog);

		unlink(wal);
		unlink(shm);
		unlink(catalog);
		free(wal);
		free(shm);
	}
	rmdir(dir);
	free(catalog);
	free(csv);
	free(expected);
	free(err);
	return tap_done();
}
