/*
 * Unit tests of common/quantile.c: exact quantiles while every value is
 * kept, sampled ones past QUANTILE_KEEP, and a sample that stays uniform
 * whatever order the values come in.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/quantile.h"
#include "tap.h"

#define BIG 200000

/* the k-th of 1..n in a fixed shuffled order (7919 is prime to n) */
static double shuffled(int64_t k, int64_t n)
{
	return (double)((k * 7919 + 13) % n) + 1;
}

/*
 * An estimated quantile of 1..n is good when its rank is within 1.5% of
 * the column of the true one: about four standard errors of a sample of
 * QUANTILE_KEEP.
 */
static bool rank_close(double got, double p, int64_t n)
{
	double want = 1 + (double)(n - 1) * p;

	return fabs(got - want) <= 0.015 * (double)n;
}

#define is_double(got, want, tol, ...) \
	ok(fabs((got) - (want)) <= (tol), __VA_ARGS__)

int main(void)
{
	struct quantile_sketch q;
	double v[QUANTILE_N];
	char *json;

	quantile_init(&q);
	ok(!quantile_compute(&q, v), "no values, no quantiles");
	ok(quantile_json(&q) == NULL, "and no JSON");

	/* 10, 20, ..., 100 backwards: type 7 interpolates between ranks */
	for (int i = 10; i >= 1; i--) {
		quantile_add(&q, i * 10.0);
	}
	quantile_add(&q, NAN);
	ok(quantile_compute(&q, v), "ten values");
	is_double(v[0], 14.5, 1e-12, "p5 = 10 + 0.45 * 10");
	is_double(v[1], 32.5, 1e-12, "p25");
	is_double(v[2], 55.0, 1e-12, "median of an even count");
	is_double(v[3], 77.5, 1e-12, "p75");
	is_double(v[4], 95.5, 1e-12, "p95");
	ok(quantile_exact(&q), "ten kept of ten: exact (NaN is not a value)");
	json = quantile_json(&q);
	is_str(json, "{\"p5\":14.5,\"p25\":32.5,\"p50\":55,\"p75\":77.5,"
		     "\"p95\":95.5}", "JSON without \"estimated\"");
	free(json);
	quantile_finish(&q);

	quantile_init(&q);
	quantile_add(&q, 7);
	ok(quantile_compute(&q, v) && v[0] == 7 && v[4] == 7,
	   "one value is every quantile");
	quantile_finish(&q);

	/* exactly QUANTILE_KEEP values: still exact */
	quantile_init(&q);
	for (int64_t k = 0; k < QUANTILE_KEEP; k++) {
		quantile_add(&q, shuffled(k, QUANTILE_KEEP));
	}
	ok(quantile_exact(&q), "%d values kept: exact", QUANTILE_KEEP);
	quantile_compute(&q, v);
	is_double(v[2], (QUANTILE_KEEP + 1) / 2.0, 1e-9, "exact median");
	quantile_finish(&q);

	/* past it, in shuffled order, ascending and descending */
	for (int order = 0; order < 3; order++) {
		static const char *const names[] = { "shuffled", "ascending",
						     "descending" };

		quantile_init(&q);
		for (int64_t k = 0; k < BIG; k++) {
			double x = order == 0 ? shuffled(k, BIG)
				 : order == 1 ? (double)(k + 1)
					      : (double)(BIG - k);

			quantile_add(&q, x);
		}
		ok(!quantile_exact(&q), "%s %d values: estimated", names[order],
		   BIG);
		ok(q.n_kept == QUANTILE_KEEP, "%s: memory stays at %d values",
		   names[order], QUANTILE_KEEP);
		quantile_compute(&q, v);
		for (int i = 0; i < QUANTILE_N; i++) {
			ok(rank_close(v[i], quantile_probs[i], BIG),
			   "%s: %s %.0f within 1.5%% of %.0f", names[order],
			   quantile_names[i], v[i],
			   1 + (BIG - 1) * quantile_probs[i]);
		}
		json = quantile_json(&q);
		ok(json && strstr(json, "\"estimated\":true"),
		   "%s: JSON says estimated", names[order]);
		free(json);
		quantile_finish(&q);
	}

	/* a 2,000-column file: every sketch keeps less, all within budget */
	quantile_init(&q);
	quantile_limit(&q, 2000);
	for (int64_t k = 0; k < BIG; k++) {
		quantile_add(&q, shuffled(k, BIG));
	}
	ok(q.n_kept * sizeof(double) * 2000 <= QUANTILE_MEMORY,
	   "2000 columns keep %zu values each, within %u bytes", q.n_kept,
	   QUANTILE_MEMORY);
	quantile_compute(&q, v);
	ok(fabs(v[2] - BIG / 2.0) <= 0.03 * BIG, "and the median is still close");
	quantile_finish(&q);
	quantile_init(&q);
	quantile_limit(&q, 3);
	ok(q.keep == QUANTILE_KEEP, "a narrow file keeps %d", QUANTILE_KEEP);
	quantile_finish(&q);

	/* the same values give the same sample: profiles are repeatable */
	{
		double a[QUANTILE_N], b[QUANTILE_N];

		for (int run = 0; run < 2; run++) {
			quantile_init(&q);
			for (int64_t k = 0; k < BIG; k++) {
				quantile_add(&q, shuffled(k, BIG));
			}
			quantile_compute(&q, run ? b : a);
			quantile_finish(&q);
		}
		ok(memcmp(a, b, sizeof(a)) == 0, "two runs, the same estimate");
	}
	return tap_done();
}
