/*
 * colstats: the profile of one column, gathered while a CSV file streams
 * past, so an import needs no extra scans of the stored table.
 *
 * Per column it keeps: null and value counts, integer and real ranges, a
 * compensated sum for the mean, a sample for quantiles (mcp/quantile.h),
 * the first few distinct values, and the
 * distinct values with their counts while there are at most
 * COLSTATS_EXACT_MAX of them (memory stays bounded).  Past that, or for a
 * value longer than COLSTATS_KEY_MAX bytes, the column switches to a
 * HyperLogLog sketch and its distinct count becomes an estimate (about
 * 1.6% standard error); colstats_distinct() says which.
 *
 * colstats_init() / colstats_finish() manage an embedded struct.
 */
#ifndef MCP_COLSTATS_H
#define MCP_COLSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp/quantile.h"

#define COLSTATS_EXACT_MAX 10000
#define COLSTATS_KEY_MAX 256
#define COLSTATS_SAMPLES 5
#define COLSTATS_HLL_BITS 12

struct colstats_entry {
	char *value;
	size_t len;
	int64_t count;
	uint64_t hash;
};

struct colstats {
	int64_t nulls;
	int64_t values;
	/* integers seen (values that parse as 64-bit integers) */
	int64_t n_int;
	int64_t int_min;
	int64_t int_max;
	/* every number seen, integers included */
	int64_t n_num;
	double num_min;
	double num_max;
	double sum;
	double sum_c;           /* Neumaier compensation */
	struct quantile_sketch quantiles;       /* of the numbers */
	/* exact distinct values (open addressing), NULL once sketched */
	struct colstats_entry *table;
	size_t table_size;
	size_t table_used;
	uint8_t *hll;           /* 2^COLSTATS_HLL_BITS registers, or NULL */
	char *samples[COLSTATS_SAMPLES];
	size_t n_samples;
};

void colstats_init(struct colstats *c);
void colstats_finish(struct colstats *c);

void colstats_add_null(struct colstats *c);
/* a non-null value as text: counted, and tracked for distinct values */
void colstats_add(struct colstats *c, const char *value, size_t len);
/* the same value `n` times */
void colstats_add_n(struct colstats *c, const char *value, size_t len,
		    int64_t n);
/* the same value as a number, when it is one: ranges and the mean */
void colstats_add_int(struct colstats *c, int64_t v);
void colstats_add_real(struct colstats *c, double v);
/* forget the ranges and the mean (a column re-read in another unit) */
void colstats_reset_numbers(struct colstats *c);

/* distinct non-null values; *ret_exact false when estimated */
int64_t colstats_distinct(const struct colstats *c, bool *ret_exact);
double colstats_mean(const struct colstats *c);

/*
 * The `k` most frequent values (count descending, then value), when the
 * distinct values are known exactly; returns how many were written.
 */
size_t colstats_top(const struct colstats *c, size_t k,
		    const struct colstats_entry **ret);

#endif
