/*
 * svyvar and kmap: the variance machinery on a few rows whose standard
 * errors R's survey package gave (values in the comments' calls), the
 * same answer whatever the order of the rows, Student's t against R's
 * qt(), and the hash maps it is built on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "mcp/kmap.h"
#include "mcp/svyvar.h"
#include "tap.h"

static bool near(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fabs(want);
}

static void test_qt(void)
{
	static const struct {
		double p, df, want;     /* R: qt(p, df) */
	} cases[] = {
		{ 0.975, 16, 2.11990529922125415 },
		{ 0.95, 1, 6.31375151467503759 },
		{ 0.975, 197, 1.97207903377850102 },
		{ 0.995, 3, 5.84090930973335443 },
		{ 0.975, 1e6, 1.95996635681410658 },
		{ 0.6, 5, 0.26718086570414518 },
		{ 0.025, 16, -2.11990529922125504 },
		{ 0.975, 2e5, 1.9599758459667678 },
		{ 0.95, 1e5 + 1, 1.6448688646325904 },
		{ 0.975, 99999, 1.9599877077718442 },
		{ 0.975, 1001, 1.9623367052808791 },
		{ 0.9995, 1500, 3.2970248490459833 },
		{ 0.975, 999, 1.9623414611334493 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		double t = svy_qt(cases[i].p, cases[i].df);

		ok(near(t, cases[i].want, 1e-12), "qt(%g, %g) = %.17g (R "
		   "%.17g)", cases[i].p, cases[i].df, t, cases[i].want);
	}
	ok(isnan(svy_qt(0.975, 0)), "no degrees of freedom: NaN");
}

static void test_maps(void)
{
	struct kmap k;
	struct imap m;
	bool fresh, all = true;
	char key[32];

	kmap_init(&k);
	imap_init(&m);
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "key %d", i);
		all = all && kmap_put(&k, key, strlen(key), &fresh) ==
			     (uint32_t)i && fresh;
		all = all && imap_put(&m, (uint64_t)i % 7, (uint64_t)i,
				      &fresh) == (uint32_t)i && fresh;
	}
	ok(all, "new keys get the indexes 0, 1, 2, ... in order");
	all = true;
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "key %d", i);
		all = all && kmap_get(&k, key, strlen(key)) == i &&
		      kmap_put(&k, key, strlen(key), &fresh) == (uint32_t)i &&
		      !fresh && imap_get(&m, (uint64_t)i % 7, (uint64_t)i) ==
		      i;
	}
	ok(all, "every key is found again, under its index");
	ok(kmap_get(&k, "key", 3) == -1 && imap_get(&m, 1, 0) == -1,
	   "a missing key is -1");
	kmap_finish(&k);
	imap_finish(&m);
}

/*
 * y 1 2 4 10 12, w 1 2 1 3 1, strata 1 1 1 2 2, PSUs 1 1 2 3 4:
 *   a <- svydesign(ids = ~1, strata = ~s, weights = ~w, data = d)
 *   b <- svydesign(ids = ~p, strata = ~s, weights = ~w, data = d)
 */
static const char rows_sql[] =
	"CREATE TABLE d (s, p, y, w);"
	"INSERT INTO d VALUES (1, 1, 1, 1), (1, 1, 2, 2), (1, 2, 4, 1),"
	"(2, 3, 10, 3), (2, 4, 12, 1);";

static bool run(sqlite3 *db, enum svy_stat stat, bool cluster,
		const char *order, const char *domain, double *ret_est,
		double *ret_se)
{
	struct svyvar_spec spec = {
		.strata = true, .cluster = cluster, .stat = stat,
		.level = 0.95,
	};
	char sql[256];
	sqlite3_stmt *st = NULL;
	struct svyvar *v = svyvar_create(&spec);
	char *err = NULL;
	bool good = false;

	snprintf(sql, sizeof(sql), "SELECT s, %s, NULL, NULL, NULL, w, %s, "
		 "y FROM d ORDER BY %s", cluster ? "p" : "NULL", domain,
		 order);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (svyvar_add(v, st, &err) < 0) {
			goto out;
		}
	}
	if (svyvar_finish(v, &err) < 0) {
		goto out;
	}
	for (size_t i = 0; i < svyvar_nresults(v); i++) {
		const struct svyres *r = svyvar_result(v, i);

		*ret_est = r->estimate;
		*ret_se = r->se;
	}
	good = svyvar_nresults(v) == 1;
out:
	if (err) {
		diag("%s", err);
	}
	free(err);
	sqlite3_finalize(st);
	svyvar_destroy(v);
	return good;
}

static void test_estimates(void)
{
	sqlite3 *db = NULL;
	double e = NAN, se = NAN, e2 = NAN, se2 = NAN;

	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, rows_sql, NULL, NULL, NULL);

	ok(run(db, SVY_MEAN, false, "rowid", "1", &e, &se) &&
		   near(e, 6.375, 1e-15) &&
		   near(se, 0.95261256716726139, 1e-12),
	   "stratified mean and se: svymean(~y, a)");
	ok(run(db, SVY_TOTAL, false, "rowid", "1", &e, &se) &&
		   near(e, 51, 1e-15) && near(se, 18.248287590894659, 1e-12),
	   "stratified total: svytotal(~y, a)");
	ok(run(db, SVY_MEAN, true, "rowid", "1", &e, &se) &&
		   near(se, 1.6086922095292191, 1e-12),
	   "stratified cluster mean: svymean(~y, b)");
	ok(run(db, SVY_TOTAL, true, "rowid", "1", &e, &se) &&
		   near(se, 18.02775637731995, 1e-12),
	   "stratified cluster total: svytotal(~y, b)");
	ok(run(db, SVY_MEAN, true, "rowid", "y > 3", &e, &se) &&
		   near(se, 1.0430723848324237, 1e-12),
	   "a domain keeps the design: svymean(~y, subset(b, y > 3))");
	ok(run(db, SVY_MEAN, true, "rowid", "1", &e, &se) &&
		   run(db, SVY_MEAN, true, "rowid DESC", "1", &e2, &se2) &&
		   e == e2 && near(se2, se, 1e-15),
	   "the order of the rows does not change the answer");
	sqlite3_close(db);
}

int main(void)
{
	test_qt();
	test_maps();
	test_estimates();
	return tap_done();
}
