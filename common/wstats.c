#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "mcp/banned.h"
#include "mcp/wstats.h"

/*
 * Neumaier's compensated sum: the running error of each addition is kept
 * in `c`, so a sum over millions of rows does not depend on their order
 * beyond the last bits.  Plain Kahan loses the error when a term is larger
 * than the running sum, which survey weights (a few huge, many small) hit.
 */
struct ksum {
	double s;
	double c;
};

static void ksum_add(struct ksum *k, double x)
{
	double t = k->s + x;

	if (!isfinite(t)) {
		/* inf - inf would poison the compensation with NaN */
		k->s = t;
		return;
	}
	if (fabs(k->s) >= fabs(x)) {
		k->c += (k->s - t) + x;
	} else {
		k->c += (x - t) + k->s;
	}
	k->s = t;
}

static double ksum_value(const struct ksum *k)
{
	if (!isfinite(k->s)) {
		return k->s;
	}
	return k->s + k->c;
}

/*
 * A value as a number: 1 with *ret set, 0 for NULL, -1 for anything that
 * is not a number (text that does not look like one, blobs).  Silently
 * reading 'abc' as 0 would give a wrong estimate without a word.
 */
static int value_number(sqlite3_value *v, double *ret)
{
	switch (sqlite3_value_numeric_type(v)) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		*ret = sqlite3_value_double(v);
		return 1;
	case SQLITE_NULL:
		return 0;
	default:
		return -1;
	}
}

static void error_not_number(sqlite3_context *ctx, const char *fn,
			     const char *arg, sqlite3_value *v)
{
	char *msg;

	msg = sqlite3_mprintf("%s(): %s value '%.40s' is not a number", fn,
			      arg, (const char *)sqlite3_value_text(v));
	if (!msg) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_error(ctx, msg, -1);
	sqlite3_free(msg);
}

/*
 * Reads (x, w) for the weighted functions.  Returns 1 when the row counts,
 * 0 when it is left out (a NULL in either), -1 after setting an error.
 */
static int read_xw(sqlite3_context *ctx, const char *fn, sqlite3_value **argv,
		   double *ret_x, double *ret_w)
{
	int rx, rw;

	rx = value_number(argv[0], ret_x);
	rw = value_number(argv[1], ret_w);
	if (rx < 0) {
		error_not_number(ctx, fn, "x", argv[0]);
		return -1;
	}
	if (rw < 0) {
		error_not_number(ctx, fn, "weight", argv[1]);
		return -1;
	}
	if (rx == 0 || rw == 0) {
		return 0;
	}
	if (*ret_w < 0) {
		/* weights count people: a negative one is a data error */
		char *msg = sqlite3_mprintf("%s(): negative weight %g", fn,
					    *ret_w);
		if (!msg) {
			sqlite3_result_error_nomem(ctx);
			return -1;
		}
		sqlite3_result_error(ctx, msg, -1);
		sqlite3_free(msg);
		return -1;
	}
	return 1;
}

/* wsum(x, w) and wmean(x, w): aggregates and window functions */

struct wacc {
	struct ksum xw;
	struct ksum w;
	int64_t n;
};

static void wacc_step(sqlite3_context *ctx, const char *fn, int sign,
		      sqlite3_value **argv)
{
	struct wacc *a;
	double x, w;
	int r;

	r = read_xw(ctx, fn, argv, &x, &w);
	if (r <= 0) {
		return;
	}
	a = sqlite3_aggregate_context(ctx, sizeof(*a));
	if (!a) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	ksum_add(&a->xw, sign * x * w);
	ksum_add(&a->w, sign * w);
	a->n += sign;
}

static void wsum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	wacc_step(ctx, "wsum", 1, argv);
}

static void wsum_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	wacc_step(ctx, "wsum", -1, argv);
}

static void wsum_value(sqlite3_context *ctx)
{
	struct wacc *a = sqlite3_aggregate_context(ctx, 0);

	/* like SUM(): no rows, no answer */
	if (!a || a->n == 0) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_double(ctx, ksum_value(&a->xw));
}

static void wmean_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	wacc_step(ctx, "wmean", 1, argv);
}

static void wmean_inverse(sqlite3_context *ctx, int argc,
			  sqlite3_value **argv)
{
	wacc_step(ctx, "wmean", -1, argv);
}

static void wmean_value(sqlite3_context *ctx)
{
	struct wacc *a = sqlite3_aggregate_context(ctx, 0);
	double w;

	if (!a || a->n == 0) {
		sqlite3_result_null(ctx);
		return;
	}
	w = ksum_value(&a->w);
	if (w == 0) {
		/* all weights zero: the mean is undefined, not 0 */
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_double(ctx, ksum_value(&a->xw) / w);
}

/* stddev(x): sample standard deviation (n - 1), as R's sd() */

struct welford {
	int64_t n;
	double mean;
	double m2;
};

static void stddev_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct welford *a;
	double x, d;
	int r;

	r = value_number(argv[0], &x);
	if (r < 0) {
		error_not_number(ctx, "stddev", "x", argv[0]);
		return;
	}
	if (r == 0) {
		return;
	}
	a = sqlite3_aggregate_context(ctx, sizeof(*a));
	if (!a) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	/* Welford: no catastrophic cancellation of sum(x^2) - n*mean^2 */
	a->n++;
	d = x - a->mean;
	a->mean += d / (double)a->n;
	a->m2 += d * (x - a->mean);
}

static void stddev_final(sqlite3_context *ctx)
{
	struct welford *a = sqlite3_aggregate_context(ctx, 0);

	if (!a || a->n < 2) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_double(ctx, sqrt(a->m2 / (double)(a->n - 1)));
}

/*
 * wquantile(x, w, q) and median(x): they keep every value until the end,
 * then sort.  The sort runs in the final step, out of reach of the query
 * timeout, so the number of values one group may hold is capped: 2^24
 * values are 256 MB and sort in a few seconds.
 */
#define PAIRS_MAX ((int64_t)1 << 24)

struct pair {
	double x;
	double w;
};

struct pairs {
	struct pair *v;
	int64_t n;
	int64_t alloc;
	double q;
	bool have_q;
	bool failed;
};

static int pairs_push(struct pairs *p, double x, double w)
{
	if (p->n == PAIRS_MAX) {
		return -E2BIG;
	}
	if (p->n == p->alloc) {
		int64_t alloc = p->alloc ? p->alloc * 2 : 64;
		struct pair *v;

		/* through SQLite's allocator, so its heap limits apply */
		v = sqlite3_realloc64(p->v, (sqlite3_uint64)alloc * sizeof(*v));
		if (!v) {
			return -ENOMEM;
		}
		p->v = v;
		p->alloc = alloc;
	}
	p->v[p->n].x = x;
	p->v[p->n].w = w;
	p->n++;
	return 0;
}

static int pair_cmp(const void *a, const void *b)
{
	double x = ((const struct pair *)a)->x;
	double y = ((const struct pair *)b)->x;

	return (x > y) - (x < y);
}

static void pairs_add(sqlite3_context *ctx, struct pairs *p, double x,
		      double w)
{
	int r = pairs_push(p, x, w);

	if (r == -E2BIG) {
		p->failed = true;
		sqlite3_result_error(ctx, "wquantile and median hold at most "
				     "16777216 values per group; filter the rows "
				     "or group them", -1);
	} else if (r < 0) {
		p->failed = true;
		sqlite3_result_error_nomem(ctx);
	}
}

static void wquantile_step(sqlite3_context *ctx, int argc,
			   sqlite3_value **argv)
{
	struct pairs *p;
	double x, w, q;
	int r;

	r = value_number(argv[2], &q);
	if (r <= 0 || q < 0 || q > 1) {
		sqlite3_result_error(ctx, "wquantile(): q must be a number "
				     "from 0 to 1", -1);
		return;
	}
	r = read_xw(ctx, "wquantile", argv, &x, &w);
	if (r <= 0) {
		return;
	}
	p = sqlite3_aggregate_context(ctx, sizeof(*p));
	if (!p) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (p->have_q && p->q != q) {
		sqlite3_result_error(ctx, "wquantile(): q must be the same "
				     "for every row of a group", -1);
		return;
	}
	p->q = q;
	p->have_q = true;
	pairs_add(ctx, p, x, w);
}

/*
 * The weighted quantile of R's survey package, svyquantile(qrule =
 * "math"): the smallest x whose weighted share of the total, counting
 * every row with a value up to and including x, is at least q.  With equal
 * weights that is the inverse of the empirical distribution function
 * (quantile(type = 1)).
 *
 * The steps follow survey's qs() and qrule_math() so that the two agree
 * even where a share equals q exactly: rows of zero weight are dropped,
 * pos is the last sorted row whose cumulative weight is <= q * total, and
 * the answer is x[pos] when its share is exactly q, else x[pos + 1].  One
 * departure: when even the first row's share exceeds q, survey 4.1 answers
 * x[2]; the definition (and this code) answers x[1].
 */
static void wquantile_final(sqlite3_context *ctx)
{
	struct pairs *p = sqlite3_aggregate_context(ctx, 0);
	struct ksum total = { 0, 0 };
	struct ksum cum = { 0, 0 };
	double w, c, result;
	int64_t i, n, pos;

	if (!p || p->failed || p->n == 0) {
		goto out_null;
	}
	n = 0;
	for (i = 0; i < p->n; i++) {
		if (p->v[i].w > 0) {
			p->v[n++] = p->v[i];
		}
	}
	if (n == 0) {
		goto out_null;
	}
	qsort(p->v, (size_t)n, sizeof(*p->v), pair_cmp);
	for (i = 0; i < n; i++) {
		ksum_add(&total, p->v[i].w);
	}
	w = ksum_value(&total);
	pos = -1;
	c = 0;
	for (i = 0; i < n; i++) {
		ksum_add(&cum, p->v[i].w);
		if (ksum_value(&cum) > p->q * w) {
			break;
		}
		pos = i;
		c = ksum_value(&cum);
	}
	if (pos < 0) {
		result = p->v[0].x;
	} else if (p->q - c / w == 0 || pos == n - 1) {
		result = p->v[pos].x;
	} else {
		result = p->v[pos + 1].x;
	}
	sqlite3_free(p->v);
	p->v = NULL;
	sqlite3_result_double(ctx, result);
	return;

out_null:
	if (p) {
		sqlite3_free(p->v);
		p->v = NULL;
	}
	sqlite3_result_null(ctx);
}

static void median_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct pairs *p;
	double x;
	int r;

	r = value_number(argv[0], &x);
	if (r < 0) {
		error_not_number(ctx, "median", "x", argv[0]);
		return;
	}
	if (r == 0) {
		return;
	}
	p = sqlite3_aggregate_context(ctx, sizeof(*p));
	if (!p) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	pairs_add(ctx, p, x, 1);
}

/* the usual median: the middle value, or the mean of the two middle ones */
static void median_final(sqlite3_context *ctx)
{
	struct pairs *p = sqlite3_aggregate_context(ctx, 0);
	double m;

	if (!p || p->failed || p->n == 0) {
		if (p) {
			sqlite3_free(p->v);
			p->v = NULL;
		}
		sqlite3_result_null(ctx);
		return;
	}
	qsort(p->v, (size_t)p->n, sizeof(*p->v), pair_cmp);
	if (p->n % 2) {
		m = p->v[p->n / 2].x;
	} else {
		m = p->v[p->n / 2 - 1].x / 2 + p->v[p->n / 2].x / 2;
	}
	sqlite3_free(p->v);
	p->v = NULL;
	sqlite3_result_double(ctx, m);
}

int wstats_register(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC |
			  SQLITE_INNOCUOUS;
	int rc;

	rc = sqlite3_create_window_function(db, "wsum", 2, flags, NULL,
					    wsum_step, wsum_value, wsum_value,
					    wsum_inverse, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_window_function(db, "wmean", 2, flags,
						    NULL, wmean_step,
						    wmean_value, wmean_value,
						    wmean_inverse, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "wquantile", 3, flags, NULL,
					     NULL, wquantile_step,
					     wquantile_final);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "median", 1, flags, NULL,
					     NULL, median_step, median_final);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "stddev", 1, flags, NULL,
					     NULL, stddev_step, stddev_final);
	}
	if (rc != SQLITE_OK) {
		return rc == SQLITE_NOMEM ? -ENOMEM : -EINVAL;
	}
	return 0;
}
