/*
 * The SQL functions of wstats.h on a plain in-memory connection: values
 * worked out by hand from their definitions, NULLs, errors and the window
 * form.
 */
#include <math.h>
#include <sqlite3.h>

#include "mcp/wstats.h"
#include "tap.h"

static sqlite3 *db;

/* the single value of `sql`, or NAN for NULL; *ret_err gets the error */
static double one(const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	double v = NAN;
	int rc;

	err[0] = '\0';
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			v = sqlite3_column_double(st, 0);
		}
	} else {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return v;
}

static void is_num(const char *sql, double want)
{
	char err[256];
	double got = one(sql, err, sizeof(err));
	bool pass;

	if (isnan(want)) {
		pass = isnan(got) && !err[0];
	} else {
		pass = fabs(got - want) <= 1e-12 * fmax(1, fabs(want));
	}
	ok(pass, "%s = %.17g", sql, want);
	if (!pass) {
		diag("got %.17g %s", got, err);
	}
}

static void is_error(const char *sql, const char *want)
{
	char err[256];

	one(sql, err, sizeof(err));
	ok(strstr(err, want) != NULL, "%s fails with '%s'", sql, want);
	if (!strstr(err, want)) {
		diag("got error '%s'", err);
	}
}

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		diag("%s: %s", sql, err);
		sqlite3_free(err);
		exit(1);
	}
}

int main(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		return 1;
	}
	ok(wstats_register(db) == 0, "wstats_register");
	exec("CREATE TABLE t (i INTEGER, x, w, g TEXT);"
	     "INSERT INTO t VALUES (1, 1, 1, 'a'), (2, 2, 1, 'a'),"
	     " (3, 3, 2, 'a'), (4, NULL, 5, 'a'), (5, 10, NULL, 'a'),"
	     " (6, 4, 0, 'b'), (7, 5, 3, 'b'), (8, '6.5', 1, 'b');"
	     "CREATE TABLE e (x, w);"
	     "CREATE TABLE q (x, w);"
	     "INSERT INTO q VALUES (1, 1), (2, 1), (3, 1), (4, 1);");

	/* rows with a NULL in x or w are left out */
	is_num("SELECT wsum(x, w) FROM t WHERE g = 'a'", 1 + 2 + 6);
	is_num("SELECT wmean(x, w) FROM t WHERE g = 'a'", 9.0 / 4);
	is_num("SELECT wsum(1, w) FROM t WHERE g = 'a'", 1 + 1 + 2 + 5);
	/* numeric text counts as a number; zero weight counts for nothing */
	is_num("SELECT wsum(x, w) FROM t WHERE g = 'b'", 0 + 15 + 6.5);
	is_num("SELECT wmean(x, w) FROM t WHERE g = 'b'", 21.5 / 4);
	/* no rows: NULL, like SUM() and AVG() */
	is_num("SELECT wsum(x, w) FROM e", NAN);
	is_num("SELECT wmean(x, w) FROM e", NAN);
	is_num("SELECT wmean(x, 0) FROM q", NAN);
	is_error("SELECT wsum(x, -1) FROM q", "negative weight");
	is_error("SELECT wmean(x, w) FROM (SELECT 1 AS x, -0.5 AS w)",
		 "negative weight");
	is_error("SELECT wmean('abc', 1)", "is not a number");
	is_error("SELECT wsum(1, 'heavy')", "is not a number");
	is_error("SELECT wsum(x'00', 1)", "is not a number");

	/* the window form, with frames that slide (xInverse) */
	is_num("SELECT sum(s) FROM (SELECT wsum(x, w) OVER (ORDER BY i ROWS "
	       "BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t "
	       "WHERE g = 'a')",
	       /* frames: {1}, {1,2}, {2,6}, {6,-}, {-,-} */
	       1 + 3 + 8 + 6);
	is_num("SELECT s FROM (SELECT i, wmean(x, w) OVER (ORDER BY i ROWS "
	       "BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t) "
	       "WHERE i = 3", 8.0 / 3);
	is_num("SELECT s FROM (SELECT i, wmean(x, w) OVER (ORDER BY i ROWS "
	       "BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t) "
	       "WHERE i = 5", NAN);
	/* a window over the groups' sums: the percent of weighted_stats */
	is_num("SELECT p FROM (SELECT g, 100.0 * wsum(1, w) / "
	       "wsum(wsum(1, w), 1) OVER () AS p FROM t "
	       "WHERE x IS NOT NULL GROUP BY g) WHERE g = 'a'",
	       100.0 * 4 / 8);

	/* quantiles: the smallest x whose weighted share reaches q */
	is_num("SELECT wquantile(x, w, 0.5) FROM q", 2);
	is_num("SELECT wquantile(x, w, 0.25) FROM q", 1);
	is_num("SELECT wquantile(x, w, 0.26) FROM q", 2);
	is_num("SELECT wquantile(x, w, 0.75) FROM q", 3);
	is_num("SELECT wquantile(x, w, 0.76) FROM q", 4);
	is_num("SELECT wquantile(x, w, 0) FROM q", 1);
	is_num("SELECT wquantile(x, w, 1) FROM q", 4);
	/* weights 1, 1, 2 (and NULLs left out): 3 holds half the weight */
	is_num("SELECT wquantile(x, w, 0.5) FROM t WHERE g = 'a'", 2);
	is_num("SELECT wquantile(x, w, 0.51) FROM t WHERE g = 'a'", 3);
	/* a zero weight is no observation at all */
	is_num("SELECT wquantile(x, w, 0) FROM t WHERE g = 'b'", 5);
	/* ties: one value however its rows fall */
	is_num("SELECT wquantile(x, 1, 0.5) FROM (SELECT 7 AS x UNION ALL "
	       "SELECT 7 UNION ALL SELECT 7 UNION ALL SELECT 9)", 7);
	is_num("SELECT wquantile(x, w, 0.5) FROM e", NAN);
	is_num("SELECT wquantile(x, 0, 0.5) FROM q", NAN);
	is_error("SELECT wquantile(x, w, 1.5) FROM q", "from 0 to 1");
	is_error("SELECT wquantile(x, w, NULL) FROM q", "from 0 to 1");
	is_error("SELECT wquantile(x, w, x / 10.0) FROM q", "the same");
	is_num("SELECT sum(v) FROM (SELECT g, wquantile(x, w, 0.5) AS v "
	       "FROM t GROUP BY g)", 2 + 5);

	/* median and stddev: the usual unweighted ones */
	is_num("SELECT median(x) FROM q", 2.5);
	is_num("SELECT median(x) FROM t WHERE g = 'a'", 2.5);
	is_num("SELECT median(x) FROM t", 4);
	is_num("SELECT median(x) FROM (SELECT 3 AS x UNION ALL SELECT 1 "
	       "UNION ALL SELECT 2)", 2);
	is_num("SELECT median(x) FROM e", NAN);
	is_error("SELECT median('x')", "is not a number");
	is_num("SELECT stddev(x) FROM (SELECT 2 AS x UNION ALL SELECT 4 "
	       "UNION ALL SELECT 4 UNION ALL SELECT 4 UNION ALL SELECT 5 "
	       "UNION ALL SELECT 5 UNION ALL SELECT 7 UNION ALL SELECT 9)",
	       sqrt(32.0 / 7));
	/* far from zero, where sum(x^2) - n mean^2 would cancel badly */
	is_num("SELECT stddev(x) FROM (SELECT 1e9 + 4 AS x UNION ALL "
	       "SELECT 1e9 + 7 UNION ALL SELECT 1e9 + 13 UNION ALL "
	       "SELECT 1e9 + 16)", sqrt(30.0));
	is_num("SELECT stddev(x) FROM q WHERE x = 1", NAN);

	sqlite3_close(db);
	return tap_done();
}
