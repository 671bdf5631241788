#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/colstats.h"
#include "mcp/xalloc.h"

#define HLL_M (1u << COLSTATS_HLL_BITS)

void colstats_init(struct colstats *c)
{
	memset(c, 0, sizeof(*c));
	quantile_init(&c->quantiles);
}

void colstats_finish(struct colstats *c)
{
	for (size_t i = 0; i < c->table_size; i++) {
		free(c->table[i].value);
	}
	free(c->table);
	free(c->hll);
	for (size_t i = 0; i < c->n_samples; i++) {
		free(c->samples[i]);
	}
	quantile_finish(&c->quantiles);
	colstats_init(c);
}

/* FNV-1a, then a murmur finaliser so the low and high bits both mix */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static void hll_add(uint8_t *hll, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - COLSTATS_HLL_BITS));
	uint64_t rest = h << COLSTATS_HLL_BITS;
	uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1)
			    : (uint8_t)(64 - COLSTATS_HLL_BITS + 1);

	if (rank > hll[idx]) {
		hll[idx] = rank;
	}
}

static double hll_estimate(const uint8_t *hll)
{
	double m = HLL_M, sum = 0, alpha = 0.7213 / (1 + 1.079 / m), e;
	unsigned zeros = 0;

	for (unsigned i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -hll[i]);
		zeros += hll[i] == 0;
	}
	e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros) {
		e = m * log(m / zeros);         /* linear counting */
	}
	return e;
}

/* leave exact counting: every known value goes into the sketch */
static void switch_to_sketch(struct colstats *c)
{
	c->hll = xcalloc(HLL_M, 1);
	for (size_t i = 0; i < c->table_size; i++) {
		if (c->table[i].value) {
			hll_add(c->hll, c->table[i].hash);
			free(c->table[i].value);
		}
	}
	free(c->table);
	c->table = NULL;
	c->table_size = 0;
}

static void table_grow(struct colstats *c)
{
	size_t size = c->table_size ? c->table_size * 2 : 64;
	struct colstats_entry *t = xcalloc(size, sizeof(*t));

	for (size_t i = 0; i < c->table_size; i++) {
		struct colstats_entry *e = &c->table[i];
		size_t j;

		if (!e->value) {
			continue;
		}
		for (j = e->hash & (size - 1); t[j].value; j = (j + 1) & (size - 1)) {
		}
		t[j] = *e;
	}
	free(c->table);
	c->table = t;
	c->table_size = size;
}

void colstats_add_null(struct colstats *c)
{
	c->nulls++;
}

void colstats_add(struct colstats *c, const char *value, size_t len)
{
	colstats_add_n(c, value, len, 1);
}

void colstats_add_n(struct colstats *c, const char *value, size_t len,
		    int64_t n)
{
	uint64_t h = hash_bytes(value, len);
	size_t j;

	c->values += n;
	if (c->hll) {
		hll_add(c->hll, h);
		return;
	}
	if (len > COLSTATS_KEY_MAX) {
		switch_to_sketch(c);
		hll_add(c->hll, h);
		return;
	}
	if ((c->table_used + 1) * 4 > c->table_size * 3) {
		table_grow(c);
	}
	for (j = h & (c->table_size - 1); c->table[j].value;
	     j = (j + 1) & (c->table_size - 1)) {
		struct colstats_entry *e = &c->table[j];

		if (e->hash == h && e->len == len &&
		    memcmp(e->value, value, len) == 0) {
			e->count += n;
			return;
		}
	}
	if (c->table_used == COLSTATS_EXACT_MAX) {
		switch_to_sketch(c);
		hll_add(c->hll, h);
		return;
	}
	c->table[j].value = xstrndup(value, len);
	c->table[j].len = len;
	c->table[j].count = n;
	c->table[j].hash = h;
	c->table_used++;
	if (c->n_samples < COLSTATS_SAMPLES) {
		c->samples[c->n_samples++] = xstrndup(value, len);
	}
}

static void add_number(struct colstats *c, double v)
{
	double t = c->sum + v;

	/* Neumaier: keep the low-order bits a plain sum would drop */
	if (fabs(c->sum) >= fabs(v)) {
		c->sum_c += (c->sum - t) + v;
	} else {
		c->sum_c += (v - t) + c->sum;
	}
	c->sum = t;
	quantile_add(&c->quantiles, v);
	if (c->n_num == 0 || v < c->num_min) {
		c->num_min = v;
	}
	if (c->n_num == 0 || v > c->num_max) {
		c->num_max = v;
	}
	c->n_num++;
}

void colstats_add_int(struct colstats *c, int64_t v)
{
	if (c->n_int == 0 || v < c->int_min) {
		c->int_min = v;
	}
	if (c->n_int == 0 || v > c->int_max) {
		c->int_max = v;
	}
	c->n_int++;
	add_number(c, (double)v);
}

void colstats_add_real(struct colstats *c, double v)
{
	add_number(c, v);
}

void colstats_reset_numbers(struct colstats *c)
{
	c->n_int = 0;
	c->int_min = c->int_max = 0;
	c->n_num = 0;
	c->num_min = c->num_max = 0;
	c->sum = c->sum_c = 0;
	quantile_finish(&c->quantiles);
}

int64_t colstats_distinct(const struct colstats *c, bool *ret_exact)
{
	if (ret_exact) {
		*ret_exact = c->hll == NULL;
	}
	if (c->hll) {
		return (int64_t)llround(hll_estimate(c->hll));
	}
	return (int64_t)c->table_used;
}

double colstats_mean(const struct colstats *c)
{
	return c->n_num ? (c->sum + c->sum_c) / (double)c->n_num : NAN;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct colstats_entry *x = *(const struct colstats_entry *const *)a;
	const struct colstats_entry *y = *(const struct colstats_entry *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r;

	if (x->count != y->count) {
		return x->count > y->count ? -1 : 1;
	}
	r = memcmp(x->value, y->value, n);
	return r ? r : (x->len > y->len) - (x->len < y->len);
}

size_t colstats_top(const struct colstats *c, size_t k,
		    const struct colstats_entry **ret)
{
	const struct colstats_entry **all;
	size_t n = 0;

	if (c->hll || c->table_used == 0) {
		return 0;
	}
	all = xmalloc(c->table_used * sizeof(*all));
	for (size_t i = 0; i < c->table_size; i++) {
		if (c->table[i].value) {
			all[n++] = &c->table[i];
		}
	}
	qsort(all, n, sizeof(*all), entry_cmp);
	if (k > n) {
		k = n;
	}
	memcpy(ret, all, k * sizeof(*all));
	free(all);
	return k;
}
