#include <math.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "mcp/quantile.h"
#include "mcp/xalloc.h"

const double quantile_probs[QUANTILE_N] = { 0.05, 0.25, 0.5, 0.75, 0.95 };
const char *const quantile_names[QUANTILE_N] = { "p5", "p25", "p50", "p75",
						 "p95" };

/* any fixed odd constant: the seed only has to be the same every run */
#define QUANTILE_SEED 0x9e3779b97f4a7c15ULL

void quantile_init(struct quantile_sketch *q)
{
	q->kept = NULL;
	q->keep = QUANTILE_KEEP;
	q->n_kept = 0;
	q->alloc = 0;
	q->seen = 0;
	q->rng = QUANTILE_SEED;
}

void quantile_finish(struct quantile_sketch *q)
{
	size_t keep = q->keep;

	free(q->kept);
	quantile_init(q);
	q->keep = keep;
}

void quantile_limit(struct quantile_sketch *q, size_t columns)
{
	size_t keep = columns ? QUANTILE_MEMORY / sizeof(double) / columns
			      : QUANTILE_KEEP;

	q->keep = keep < QUANTILE_KEEP ? keep : QUANTILE_KEEP;
}

/* splitmix64: small, fast and good enough to pick sample slots */
static uint64_t next_random(struct quantile_sketch *q)
{
	uint64_t z = (q->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void quantile_add(struct quantile_sketch *q, double v)
{
	uint64_t slot;

	if (isnan(v)) {
		return;
	}
	q->seen++;
	if (q->n_kept < q->keep) {
		if (q->n_kept == q->alloc) {
			q->alloc = q->alloc ? q->alloc * 2 : 64;
			if (q->alloc > q->keep) {
				q->alloc = q->keep;
			}
			q->kept = xrealloc(q->kept,
					   q->alloc * sizeof(*q->kept));
		}
		q->kept[q->n_kept++] = v;
		return;
	}
	/* the seen-th value replaces a kept one with probability keep/seen */
	slot = next_random(q) % (uint64_t)q->seen;
	if (slot < q->keep) {
		q->kept[slot] = v;
	}
}

bool quantile_exact(const struct quantile_sketch *q)
{
	return q->seen == (int64_t)q->n_kept;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

bool quantile_compute(struct quantile_sketch *q, double out[QUANTILE_N])
{
	size_t n = q->n_kept;

	if (n == 0) {
		return false;
	}
	qsort(q->kept, n, sizeof(*q->kept), cmp_double);
	for (int i = 0; i < QUANTILE_N; i++) {
		/* type 7: h = (n - 1) p, between the floor(h) and next value */
		double h = (double)(n - 1) * quantile_probs[i];
		size_t lo = (size_t)floor(h);
		size_t hi = lo + 1 < n ? lo + 1 : lo;
		double frac = h - (double)lo;

		double a = q->kept[lo], b = q->kept[hi];

		/* R's form of the interpolation, so the last bits agree too */
		out[i] = frac > 0 && a != b ? (1 - frac) * a + frac * b : a;
	}
	return true;
}

char *quantile_json(struct quantile_sketch *q)
{
	double v[QUANTILE_N];
	cJSON *o;
	char *s;

	if (!quantile_compute(q, v)) {
		return NULL;
	}
	o = cJSON_CreateObject();
	for (int i = 0; i < QUANTILE_N; i++) {
		cJSON_AddNumberToObject(o, quantile_names[i], v[i]);
	}
	if (!quantile_exact(q)) {
		cJSON_AddTrueToObject(o, "estimated");
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
