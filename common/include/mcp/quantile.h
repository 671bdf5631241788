/*
 * quantile: the quantiles of a numeric column, from one pass over values
 * that stream past (a CSV import, a scan of a stored table).
 *
 * The first QUANTILE_KEEP values are all kept, so for columns of up to that
 * many numbers the quantiles are exact (R's default, type 7).  Past that
 * the store is a uniform random sample of the column (reservoir sampling,
 * Vitter's algorithm R) and the quantiles are estimates: with 10,000 kept
 * the rank of an estimated quartile is off by about 0.4% of the column.
 * The random numbers come from a fixed seed, so the same file always gives
 * the same profile.
 */
#ifndef MCP_QUANTILE_H
#define MCP_QUANTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUANTILE_KEEP 10000
/* all the sketches of one import together keep at most this much */
#define QUANTILE_MEMORY (64u << 20)

/* the probabilities a profile stores, and their names in JSON */
#define QUANTILE_N 5
extern const double quantile_probs[QUANTILE_N];
extern const char *const quantile_names[QUANTILE_N];

struct quantile_sketch {
	double *kept;
	size_t keep;            /* QUANTILE_KEEP, or fewer (wide files) */
	size_t n_kept;
	size_t alloc;
	int64_t seen;
	uint64_t rng;
};

void quantile_init(struct quantile_sketch *q);
/*
 * Keeps fewer values, so `columns` sketches stay within QUANTILE_MEMORY
 * (a 2,000-column file would otherwise hold 160 MB): call it before the
 * first value.
 */
void quantile_limit(struct quantile_sketch *q, size_t columns);
void quantile_finish(struct quantile_sketch *q);
void quantile_add(struct quantile_sketch *q, double v);

/* true when every value seen is kept, so the quantiles are exact */
bool quantile_exact(const struct quantile_sketch *q);

/*
 * The quantiles at quantile_probs into out[QUANTILE_N]; false when no
 * value was seen.  Sorts the kept values in place (adding more after
 * this is still correct).
 */
bool quantile_compute(struct quantile_sketch *q, double out[QUANTILE_N]);

/*
 * The JSON a profile stores: {"p5":..,"p25":..,"p50":..,"p75":..,"p95":..}
 * with "estimated":true when sampled; NULL when no value was seen.
 * Allocated; free() it.
 */
char *quantile_json(struct quantile_sketch *q);

#endif
