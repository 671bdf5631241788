/*
 * Order does not change the weighted sums: 10 million rows, made in
 * memory by a small virtual table, fed to wsum() and wmean() in two
 * different orders.
 *
 * The data are built to defeat plain summation: the two rows of a pair
 * carry +1e15 and -1e15 (plus a small part) with the same weight, so the
 * exact sum is small, while the signs follow a hash, so the running sum
 * of either order wanders far from it.  Both orders must agree to 1e-9
 * relative, and agree with a sum computed here in long double.  SQLite's
 * own sum() of the same products is shown for comparison only.
 */
#include <math.h>
#include <sqlite3.h>
#include <time.h>

#include "mcp/wstats.h"
#include "tap.h"

#define N 10000000LL
/* prime, so k -> (k * STEP) % N visits every row once (N = 2^7 5^7) */
#define STEP 7919LL

/* row i: its weight, shared by the two rows of pair i / 2 */
static double row_w(long long i)
{
	return 1 + (double)(((i / 2) * 40503) % 1000) / 7.0;
}

static double row_x(long long i)
{
	long long hp = ((i / 2) * 40503) % 1000;
	double small = (double)((i * 2654435761LL) % 4294967296LL) /
		       4294967296.0 * 1000;

	return ((i + hp) % 2 == 0 ? 1e15 : -1e15) + small;
}

/*
 * gen(shuffled): an eponymous virtual table with columns x and w, in row
 * order or shuffled.
 */
struct gen_cursor {
	sqlite3_vtab_cursor base;
	long long k;
	bool shuffled;
};

static int gen_connect(sqlite3 *db, void *aux, int argc,
		       const char *const *argv, sqlite3_vtab **ret,
		       char **err)
{
	sqlite3_vtab *v;
	int rc;

	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(x REAL, w REAL, "
				  "shuffled HIDDEN)");
	if (rc != SQLITE_OK) {
		return rc;
	}
	v = sqlite3_malloc(sizeof(*v));
	if (!v) {
		return SQLITE_NOMEM;
	}
	memset(v, 0, sizeof(*v));
	*ret = v;
	return SQLITE_OK;
}

static int gen_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int gen_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];

		if (c->iColumn == 2 && c->usable &&
		    c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
			info->aConstraintUsage[i].argvIndex = 1;
			info->aConstraintUsage[i].omit = 1;
			info->idxNum = 1;
		}
	}
	info->estimatedCost = (double)N;
	info->estimatedRows = N;
	return SQLITE_OK;
}

static int gen_open(sqlite3_vtab *v, sqlite3_vtab_cursor **ret)
{
	struct gen_cursor *c = sqlite3_malloc(sizeof(*c));

	if (!c) {
		return SQLITE_NOMEM;
	}
	memset(c, 0, sizeof(*c));
	*ret = &c->base;
	return SQLITE_OK;
}

static int gen_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int gen_filter(sqlite3_vtab_cursor *cur, int idx_num,
		      const char *idx_str, int argc, sqlite3_value **argv)
{
	struct gen_cursor *c = (struct gen_cursor *)cur;

	c->k = 0;
	c->shuffled = idx_num == 1 && argc == 1 &&
		      sqlite3_value_int(argv[0]) != 0;
	return SQLITE_OK;
}

static int gen_next(sqlite3_vtab_cursor *cur)
{
	((struct gen_cursor *)cur)->k++;
	return SQLITE_OK;
}

static int gen_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct gen_cursor *)cur)->k >= N;
}

static int gen_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
		      int col)
{
	struct gen_cursor *c = (struct gen_cursor *)cur;
	long long i = c->shuffled ? (c->k * STEP) % N : c->k;

	if (col == 0) {
		sqlite3_result_double(ctx, row_x(i));
	} else if (col == 1) {
		sqlite3_result_double(ctx, row_w(i));
	} else {
		sqlite3_result_int(ctx, c->shuffled);
	}
	return SQLITE_OK;
}

static int gen_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *ret)
{
	*ret = ((struct gen_cursor *)cur)->k;
	return SQLITE_OK;
}

static const sqlite3_module gen_module = {
	.xConnect = gen_connect,
	.xBestIndex = gen_best_index,
	.xDisconnect = gen_disconnect,
	.xOpen = gen_open,
	.xClose = gen_close,
	.xFilter = gen_filter,
	.xNext = gen_next,
	.xEof = gen_eof,
	.xColumn = gen_column,
	.xRowid = gen_rowid,
};

struct result {
	double wsum;
	double wmean;
	double naive;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(sqlite3 *db, int shuffled, struct result *ret)
{
	sqlite3_stmt *st = NULL;
	double t0 = now();
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT wsum(x, w), wmean(x, w), "
				"sum(x * w) FROM gen(?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, shuffled);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		diag("%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	ret->wsum = sqlite3_column_double(st, 0);
	ret->wmean = sqlite3_column_double(st, 1);
	ret->naive = sqlite3_column_double(st, 2);
	sqlite3_finalize(st);
	diag("%s order: wsum %.17g, wmean %.17g, plain sum %.17g (%.2f s)",
	     shuffled ? "shuffled" : "row", ret->wsum, ret->wmean, ret->naive,
	     now() - t0);
	return 0;
}

static void neumaier_l(long double *s, long double *c, long double x)
{
	long double t = *s + x;

	if (fabsl(*s) >= fabsl(x)) {
		*c += (*s - t) + x;
	} else {
		*c += (x - t) + *s;
	}
	*s = t;
}

/* the same products, summed in long double with compensation */
static void reference(long double *ret_sum, long double *ret_w)
{
	long double s = 0, c = 0, ws = 0, wc = 0;

	for (long long i = 0; i < N; i++) {
		double w = row_w(i);

		neumaier_l(&s, &c, (long double)(row_x(i) * w));
		neumaier_l(&ws, &wc, (long double)w);
	}
	*ret_sum = s + c;
	*ret_w = ws + wc;
}

static double rel(double a, double b)
{
	return fabs(a - b) / fmax(fabs(a), fabs(b));
}

int main(void)
{
	struct result a, b;
	long double ref_sum, ref_w;
	double ref_mean;
	sqlite3 *db;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    wstats_register(db) != 0 ||
	    sqlite3_create_module(db, "gen", &gen_module, NULL) !=
		    SQLITE_OK) {
		return 1;
	}
	if (run(db, 0, &a) < 0 || run(db, 1, &b) < 0) {
		ok(0, "the statements ran");
		return tap_done();
	}
	reference(&ref_sum, &ref_w);
	ref_mean = (double)(ref_sum / ref_w);
	diag("long double reference: wsum %.17g, wmean %.17g",
	     (double)ref_sum, ref_mean);

	ok(rel(a.wsum, b.wsum) <= 1e-9, "wsum: both orders agree to 1e-9 "
	   "(relative difference %.3g)", rel(a.wsum, b.wsum));
	ok(rel(a.wmean, b.wmean) <= 1e-9, "wmean: both orders agree to 1e-9 "
	   "(relative difference %.3g)", rel(a.wmean, b.wmean));
	ok(rel(a.wsum, (double)ref_sum) <= 1e-9,
	   "wsum matches the long double sum (relative difference %.3g)",
	   rel(a.wsum, (double)ref_sum));
	ok(rel(b.wmean, ref_mean) <= 1e-9,
	   "wmean matches the long double mean (relative difference %.3g)",
	   rel(b.wmean, ref_mean));
	diag("plain sum(): orders differ by %.3g relative, %.3g from the "
	     "reference", rel(a.naive, b.naive),
	     rel(b.naive, (double)ref_sum));
	sqlite3_close(db);
	return tap_done();
}
