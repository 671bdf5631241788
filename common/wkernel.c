/*
 * wkernel: weighted_stats over cached columns (wkernel.h).
 *
 * One pass over the rows: the filter decides a chunk of rows at a time
 * (wfilter.c), each row's groups become one array index (text by their
 * dictionary code, integers by their offset from the column's minimum,
 * NULL by one more), and per index the kernel keeps n and compensated sums
 * of x*w and w, the same Neumaier sums as common/wstats.c.  Quantiles
 * gather (x, w) per group in a second pass and sort each group once for
 * every probability.  The answer goes back as literal rows, so query_run()
 * names, orders and renders it exactly as it does the SQL path's answer.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/colcache.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/wkernel.h"
#include "mcp/xalloc.h"
#include "wfilter.h"
#include "mcp/banned.h"

/* group cells (product of the by columns' codes) the kernel keeps */
#define CELLS_MAX ((uint64_t)1 << 20)
/* an integer by column spans at most this many values */
#define RANGE_MAX ((int64_t)1 << 20)
/* answers longer than this are left to SQL */
#define ANSWER_ROWS_MAX 100000
#define MAX_BY 8

struct ksum {
	double s;
	double c;
};

/* Neumaier's compensated sum, as in common/wstats.c */
static inline void ksum_add(struct ksum *k, double x)
{
	double t = k->s + x;

	if (!isfinite(t)) {
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

static inline double ksum_value(const struct ksum *k)
{
	return isfinite(k->s) ? k->s + k->c : k->s;
}

struct acc {
	struct ksum xw;
	struct ksum w;
	int64_t n;
};

/* a column the kernel reads: values, nulls and how to code it */
struct kcol {
	int col;
	enum colcache_kind kind;
	const void *values;
	const uint8_t *nulls;
	int64_t min;            /* integers: code = value - min */
	uint64_t card;          /* codes, the last one for NULL */
};

struct kernel {
	const struct wk_request *r;
	struct colcache *c;
	struct wfilter *filter;
	struct kcol by[MAX_BY + 1];     /* + the percent measure */
	size_t ngroup;                  /* by columns coded, incl. measure */
	struct kcol m, w;
	bool has_m, has_w;
	uint64_t cells;
	struct acc *acc;
	uint32_t *keys;                 /* quantiles: cell per row */
	const char *why;
};

static int fallback(struct kernel *k, const char *why)
{
	if (!k->why) {
		k->why = why;
	}
	return -1;
}

static int use_column(struct kernel *k, const char *name, struct kcol *kc)
{
	int col = colcache_find(k->c, name);

	if (col < 0) {
		return fallback(k, "a column is not in the cache");
	}
	kc->col = col;
	kc->kind = colcache_kind(k->c, col);
	if (kc->kind == COLCACHE_NONE) {
		return fallback(k, "a column is not cached (mixed types)");
	}
	if (colcache_map(k->c, col, &kc->values, &kc->nulls) < 0) {
		return fallback(k, "cannot map the column cache");
	}
	return 0;
}

/* a grouping column: text by code, integers by offset; reals refused */
static int group_column(struct kernel *k, const char *name, struct kcol *kc)
{
	int64_t rows = colcache_rows(k->c);

	if (use_column(k, name, kc) < 0) {
		return -1;
	}
	if (kc->kind == COLCACHE_TEXT) {
		kc->card = (uint64_t)colcache_dict_count(k->c, kc->col) + 1;
		return 0;
	}
	if (kc->kind != COLCACHE_INT64) {
		return fallback(k, "grouping by a real-valued column");
	}
	{
		const int64_t *v = kc->values;
		int64_t lo = INT64_MAX, hi = INT64_MIN;

		for (int64_t i = 0; i < rows; i++) {
			if (!colcache_is_null(kc->nulls, i)) {
				lo = v[i] < lo ? v[i] : lo;
				hi = v[i] > hi ? v[i] : hi;
			}
		}
		if (lo > hi) {
			lo = hi = 0;
		}
		if (hi - lo >= RANGE_MAX || hi - lo < 0) {
			return fallback(k, "grouping by an integer column "
					"of a wide range");
		}
		kc->min = lo;
		kc->card = (uint64_t)(hi - lo) + 2;
	}
	return 0;
}

static inline uint64_t group_code(const struct kcol *kc, int64_t i)
{
	if (colcache_is_null(kc->nulls, i)) {
		return kc->card - 1;
	}
	if (kc->kind == COLCACHE_TEXT) {
		uint32_t code = ((const uint32_t *)kc->values)[i];

		/* a damaged file must not index out of bounds */
		return code < kc->card - 1 ? code : kc->card - 1;
	}
	return (uint64_t)(((const int64_t *)kc->values)[i] - kc->min);
}

static inline double num(const struct kcol *kc, int64_t i)
{
	return kc->kind == COLCACHE_INT64
		? (double)((const int64_t *)kc->values)[i]
		: ((const double *)kc->values)[i];
}

static int prepare(struct kernel *k)
{
	const struct wk_request *r = k->r;

	if (r->nby > MAX_BY) {
		return fallback(k, "too many by columns");
	}
	for (size_t i = 0; i < r->nby; i++) {
		if (group_column(k, r->by[i], &k->by[k->ngroup++]) < 0) {
			return -1;
		}
	}
	if (r->measure) {
		k->has_m = true;
		if (r->stat == WK_PERCENT) {
			if (group_column(k, r->measure, &k->by[k->ngroup++])
			    < 0) {
				return -1;
			}
			k->m = k->by[k->ngroup - 1];
		} else if (use_column(k, r->measure, &k->m) < 0) {
			return -1;
		} else if (r->stat != WK_COUNT &&
			   k->m.kind == COLCACHE_TEXT) {
			return fallback(k, "a text measure");
		}
	}
	if (r->weight) {
		k->has_w = true;
		if (use_column(k, r->weight, &k->w) < 0) {
			return -1;
		}
		if (k->w.kind == COLCACHE_TEXT) {
			return fallback(k, "a text weight");
		}
	}
	k->cells = 1;
	for (size_t i = 0; i < k->ngroup; i++) {
		k->cells *= k->by[i].card;
		if (k->cells > CELLS_MAX) {
			return fallback(k, "too many groups");
		}
	}
	if (r->where) {
		k->filter = wfilter_compile(k->c, r->where, &k->why);
		if (!k->filter) {
			return -1;
		}
	}
	k->acc = calloc((size_t)k->cells, sizeof(*k->acc));
	if (!k->acc) {
		return fallback(k, "out of memory");
	}
	return 0;
}

/* the pass over every row: counts, and sums per cell */
static int scan(struct kernel *k, struct wk_answer *a)
{
	int64_t rows = colcache_rows(k->c);
	uint8_t mask[WFILTER_CHUNK];
	int64_t negative = 0;
	bool quantile = k->r->stat == WK_QUANTILE;

	if (quantile) {
		k->keys = malloc((size_t)(rows ? rows : 1) * sizeof(*k->keys));
		if (!k->keys) {
			return fallback(k, "out of memory");
		}
	}
	for (int64_t first = 0; first < rows; first += WFILTER_CHUNK) {
		size_t len = (size_t)(rows - first < WFILTER_CHUNK
				      ? rows - first : WFILTER_CHUNK);

		if (k->filter) {
			wfilter_eval(k->filter, first, len, mask);
		}
		for (size_t j = 0; j < len; j++) {
			int64_t i = first + (int64_t)j;
			bool mnull, wnull;
			double x = 1, w = 1;
			uint64_t cell = 0;
			struct acc *ac;

			if (quantile) {
				k->keys[i] = UINT32_MAX;
			}
			if (k->filter && mask[j] != 1) {
				continue;
			}
			a->rows_in++;
			mnull = k->has_m && colcache_is_null(k->m.nulls, i);
			wnull = k->has_w && colcache_is_null(k->w.nulls, i);
			if (k->has_w && !wnull) {
				w = num(&k->w, i);
				negative += w < 0;
			}
			if (mnull || wnull) {
				a->left_out++;
				a->null_measure += mnull;
				a->null_weight += !mnull;
				continue;
			}
			for (size_t g = 0; g < k->ngroup; g++) {
				cell = cell * k->by[g].card +
				       group_code(&k->by[g], i);
			}
			ac = &k->acc[cell];
			ac->n++;
			ksum_add(&ac->w, w);
			if (quantile) {
				k->keys[i] = (uint32_t)cell;
			} else if (k->r->stat == WK_MEAN ||
				   k->r->stat == WK_TOTAL) {
				x = num(&k->m, i);
				ksum_add(&ac->xw, x * w);
			}
		}
	}
	if (negative > 0) {
		/* the SQL path words the error */
		return fallback(k, "a negative weight");
	}
	return 0;
}

/* ---- the answer as SQL -------------------------------------------------- */

static int add_double(struct buf *b, double v)
{
	char num[40];

	if (!isfinite(v)) {
		return -1;
	}
	snprintf(num, sizeof(num), "%.17g", v);
	buf_addstr(b, num);
	if (!strpbrk(num, ".eE")) {
		buf_addstr(b, ".0");
	}
	return 0;
}

static void add_int(struct buf *b, int64_t v)
{
	if (v == INT64_MIN) {
		buf_addstr(b, "(-9223372036854775807 - 1)");
	} else {
		buf_addf(b, "%lld", (long long)v);
	}
}

/* the value behind code `code` of a grouping column */
static int add_group_value(struct kernel *k, struct buf *b,
			   const struct kcol *kc, uint64_t code)
{
	if (code == kc->card - 1) {
		buf_addstr(b, "NULL");
		return 0;
	}
	if (kc->kind == COLCACHE_INT64) {
		add_int(b, kc->min + (int64_t)code);
		return 0;
	}
	{
		size_t len;
		const char *s = colcache_dict_str(k->c, kc->col,
						  (uint32_t)code, &len);

		if (memchr(s, '\0', len)) {
			return -1;      /* no SQL literal holds a NUL */
		}
		buf_addch(b, '\'');
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\'') {
				buf_addch(b, '\'');
			}
			buf_addch(b, s[i]);
		}
		buf_addch(b, '\'');
	}
	return 0;
}

static int add_groups(struct kernel *k, struct buf *b, uint64_t cell)
{
	uint64_t codes[MAX_BY + 1];

	for (size_t g = k->ngroup; g-- > 0;) {
		codes[g] = cell % k->by[g].card;
		cell /= k->by[g].card;
	}
	for (size_t g = 0; g < k->ngroup; g++) {
		if (add_group_value(k, b, &k->by[g], codes[g]) < 0) {
			return -1;
		}
		buf_addstr(b, ", ");
	}
	return 0;
}

/* estimate, n, weight_sum of one cell (SQL's types: REAL or NULL, INT) */
static int add_estimate(struct kernel *k, struct buf *b,
			const struct acc *ac, double partition)
{
	double w = ksum_value(&ac->w);
	int r = 0;

	switch (k->r->stat) {
	case WK_MEAN:
		if (ac->n == 0 || w == 0) {
			buf_addstr(b, "NULL");
		} else {
			r = add_double(b, ksum_value(&ac->xw) / w);
		}
		break;
	case WK_TOTAL:
		if (ac->n == 0) {
			buf_addstr(b, "NULL");
		} else {
			r = add_double(b, ksum_value(&ac->xw));
		}
		break;
	case WK_COUNT:
		if (ac->n == 0) {
			buf_addstr(b, "0");     /* coalesce(wsum(1, w), 0) */
		} else {
			r = add_double(b, w);
		}
		break;
	case WK_PERCENT:
		if (partition == 0) {
			buf_addstr(b, "NULL");  /* SQL: x / 0 is NULL */
		} else {
			r = add_double(b, 100.0 * w / partition);
		}
		break;
	case WK_QUANTILE:
		break;
	}
	buf_addf(b, ", %lld, ", (long long)ac->n);
	if (ac->n == 0) {
		buf_addstr(b, "0");
	} else if (add_double(b, w) < 0) {
		r = -1;
	}
	return r;
}

static void add_names(struct kernel *k, struct buf *b, bool values)
{
	const struct wk_request *r = k->r;
	size_t c = 1;

	for (size_t i = 0; i < r->nby; i++) {
		buf_addf(b, values ? "column%zu AS " : "NULL AS ", c++);
		ident_quote(b, r->by[i]);
		buf_addstr(b, ", ");
	}
	if (r->stat == WK_PERCENT) {
		buf_addf(b, values ? "column%zu AS " : "NULL AS ", c++);
		ident_quote(b, r->measure);
		buf_addstr(b, ", ");
	} else if (r->stat == WK_QUANTILE) {
		buf_addf(b, values ? "column%zu AS q, " : "NULL AS q, ", c++);
	}
	if (values) {
		buf_addf(b, "column%zu AS estimate, column%zu AS n, "
			 "column%zu AS weight_sum", c, c + 1, c + 2);
	} else {
		buf_addstr(b, "NULL AS estimate, NULL AS n, NULL AS "
			   "weight_sum");
	}
}

/* SELECT names FROM (VALUES ...) ORDER BY, from the rows in `values` */
static char *wrap(struct kernel *k, const struct buf *values, size_t nrows)
{
	const struct wk_request *r = k->r;
	struct buf sql = BUF_INIT;
	size_t order = r->nby + (r->stat == WK_PERCENT ||
				 r->stat == WK_QUANTILE);

	buf_addstr(&sql, "SELECT ");
	if (nrows == 0) {
		add_names(k, &sql, false);
		buf_addstr(&sql, " WHERE 0");
		return buf_detach(&sql, NULL);
	}
	add_names(k, &sql, true);
	buf_addstr(&sql, " FROM (VALUES ");
	buf_add(&sql, values->data, values->len);
	buf_addstr(&sql, ")");
	if (order) {
		buf_addstr(&sql, " ORDER BY ");
		for (size_t i = 0; i < order; i++) {
			buf_addf(&sql, "%s%zu", i ? ", " : "", i + 1);
		}
	}
	return buf_detach(&sql, NULL);
}

static char *answer_sums(struct kernel *k)
{
	const struct wk_request *r = k->r;
	struct buf v = BUF_INIT;
	double *part = NULL;
	uint64_t mcard = r->stat == WK_PERCENT ? k->by[k->ngroup - 1].card
		: 1;
	size_t nrows = 0;
	char *sql = NULL;

	if (r->stat == WK_PERCENT) {
		/* each group's total: the sum of its cells' weight sums */
		uint64_t ngroups = k->cells / mcard;

		part = calloc((size_t)ngroups, sizeof(*part));
		if (!part) {
			return NULL;
		}
		for (uint64_t g = 0; g < ngroups; g++) {
			struct ksum s = { 0, 0 };

			for (uint64_t m = 0; m < mcard; m++) {
				const struct acc *ac = &k->acc[g * mcard + m];

				if (ac->n) {
					ksum_add(&s, ksum_value(&ac->w));
				}
			}
			part[g] = ksum_value(&s);
		}
	}
	for (uint64_t cell = 0; cell < k->cells; cell++) {
		const struct acc *ac = &k->acc[cell];

		/* no GROUP BY: one row even over no rows */
		if (ac->n == 0 && (k->ngroup > 0 || r->stat == WK_PERCENT)) {
			continue;
		}
		if (++nrows > ANSWER_ROWS_MAX) {
			goto out;
		}
		buf_addstr(&v, nrows > 1 ? ", (" : "(");
		if (add_groups(k, &v, cell) < 0 ||
		    add_estimate(k, &v, ac, part ? part[cell / mcard] : 0)
		    < 0) {
			goto out;
		}
		buf_addch(&v, ')');
	}
	sql = wrap(k, &v, nrows);
out:
	free(part);
	buf_release(&v);
	return sql;
}

/* ---- quantiles -------------------------------------------------------- */

struct pair {
	double x;
	double w;
};

/* doubles as unsigned keys in the same order (no NaN in SQLite) */
static inline uint64_t sort_key(double x)
{
	uint64_t u;

	memcpy(&u, &x, 8);
	return u & ((uint64_t)1 << 63) ? ~u : u | ((uint64_t)1 << 63);
}

static int pair_cmp(const void *a, const void *b)
{
	double x = ((const struct pair *)a)->x;
	double y = ((const struct pair *)b)->x;

	return (x > y) - (x < y);
}

/* LSD radix sort on the value, 11 bits a pass; tmp holds n pairs */
static void sort_pairs(struct pair *p, struct pair *tmp, size_t n)
{
	struct pair *src = p, *dst = tmp;

	if (n < 2048) {
		qsort(p, n, sizeof(*p), pair_cmp);
		return;
	}
	for (int shift = 0; shift < 64; shift += 11) {
		size_t count[2048] = { 0 };
		size_t sum = 0;
		bool one = false;

		for (size_t i = 0; i < n; i++) {
			count[(sort_key(src[i].x) >> shift) & 2047]++;
		}
		for (size_t d = 0; d < 2048; d++) {
			size_t c = count[d];

			one = one || c == n;
			count[d] = sum;
			sum += c;
		}
		if (one) {
			continue;       /* every value has this digit */
		}
		for (size_t i = 0; i < n; i++) {
			dst[count[(sort_key(src[i].x) >> shift) & 2047]++] =
				src[i];
		}
		{
			struct pair *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != p) {
		memcpy(p, src, n * sizeof(*p));
	}
}

/* wquantile_final() of common/wstats.c on sorted pairs of positive w */
static bool quantile_of(const struct pair *v, int64_t n, double q,
			double *ret)
{
	struct ksum total = { 0, 0 }, cum = { 0, 0 };
	double w, c = 0;
	int64_t pos = -1;

	if (n == 0) {
		return false;
	}
	for (int64_t i = 0; i < n; i++) {
		ksum_add(&total, v[i].w);
	}
	w = ksum_value(&total);
	for (int64_t i = 0; i < n; i++) {
		ksum_add(&cum, v[i].w);
		if (ksum_value(&cum) > q * w) {
			break;
		}
		pos = i;
		c = ksum_value(&cum);
	}
	if (pos < 0) {
		*ret = v[0].x;
	} else if (q - c / w == 0 || pos == n - 1) {
		*ret = v[pos].x;
	} else {
		*ret = v[pos + 1].x;
	}
	return true;
}

static char *answer_quantiles(struct kernel *k)
{
	const struct wk_request *r = k->r;
	int64_t rows = colcache_rows(k->c);
	uint64_t *start = calloc((size_t)k->cells + 1, sizeof(*start));
	uint64_t *fill = NULL;
	struct pair *pairs = NULL, *tmp = NULL;
	double *est = NULL;
	bool *have = NULL;
	struct buf v = BUF_INIT;
	uint64_t largest = 0;
	size_t nrows = 0;
	char *sql = NULL;

	if (!start) {
		return NULL;
	}
	/* rows of zero weight take no part in a quantile */
	for (int64_t i = 0; i < rows; i++) {
		if (k->keys[i] != UINT32_MAX &&
		    (!k->has_w || num(&k->w, i) > 0)) {
			start[k->keys[i] + 1]++;
		}
	}
	for (uint64_t c = 0; c < k->cells; c++) {
		largest = start[c + 1] > largest ? start[c + 1] : largest;
		start[c + 1] += start[c];
	}
	fill = malloc(((size_t)k->cells + 1) * sizeof(*fill));
	pairs = malloc((size_t)(start[k->cells] ? start[k->cells] : 1) *
		       sizeof(*pairs));
	tmp = malloc((size_t)(largest ? largest : 1) * sizeof(*tmp));
	est = malloc(r->nq * sizeof(*est));
	have = malloc(r->nq * sizeof(*have));
	if (!fill || !pairs || !tmp || !est || !have) {
		goto out;
	}
	memcpy(fill, start, ((size_t)k->cells + 1) * sizeof(*fill));
	for (int64_t i = 0; i < rows; i++) {
		double w = k->has_w ? 0 : 1;

		if (k->keys[i] == UINT32_MAX) {
			continue;
		}
		if (k->has_w && !((w = num(&k->w, i)) > 0)) {
			continue;
		}
		pairs[fill[k->keys[i]]++] = (struct pair){ num(&k->m, i), w };
	}
	free(k->keys);
	k->keys = NULL;
	for (uint64_t cell = 0; cell < k->cells; cell++) {
		const struct acc *ac = &k->acc[cell];
		struct pair *p = pairs + start[cell];
		int64_t n = (int64_t)(start[cell + 1] - start[cell]);

		if (ac->n == 0 && k->ngroup > 0) {
			continue;
		}
		sort_pairs(p, tmp, (size_t)n);
		for (size_t j = 0; j < r->nq; j++) {
			have[j] = quantile_of(p, n, r->q[j], &est[j]);
		}
		for (size_t j = 0; j < r->nq; j++) {
			if (++nrows > ANSWER_ROWS_MAX) {
				goto out;
			}
			buf_addstr(&v, nrows > 1 ? ", (" : "(");
			if (add_groups(k, &v, cell) < 0 ||
			    add_double(&v, r->q[j]) < 0) {
				goto out;
			}
			buf_addstr(&v, ", ");
			if (!have[j]) {
				buf_addstr(&v, "NULL");
			} else if (add_double(&v, est[j]) < 0) {
				goto out;
			}
			buf_addf(&v, ", %lld, ", (long long)ac->n);
			if (ac->n == 0) {
				buf_addstr(&v, "0");
			} else if (add_double(&v, ksum_value(&ac->w)) < 0) {
				goto out;
			}
			buf_addch(&v, ')');
		}
	}
	sql = wrap(k, &v, nrows);
out:
	free(start);
	free(fill);
	free(pairs);
	free(tmp);
	free(est);
	free(have);
	buf_release(&v);
	return sql;
}

/* ---- entry ------------------------------------------------------------ */

int wkernel_run(const struct wk_request *r, struct wk_answer *ret,
		const char **ret_why)
{
	struct kernel k = { .r = r };
	int e;

	memset(ret, 0, sizeof(*ret));
	*ret_why = NULL;
	if (!r->catalog_path || !r->ds || !dataset_rows_in_catalog(r->ds)) {
		*ret_why = "the rows are not in the catalog";
		return -1;
	}
	/* only this dataset's cache: the file named by its id */
	e = colcache_open(r->catalog_path, r->ds, &k.c);
	if (e < 0) {
		*ret_why = e == -ENOENT ? "no column cache of this version"
			: "the column cache cannot be read";
		return -1;
	}
	if (prepare(&k) == 0 && scan(&k, ret) == 0) {
		if (r->stat == WK_QUANTILE) {
			/* room for the pairs: only x and w are read again */
			for (int i = 0; i < colcache_ncols(k.c); i++) {
				if (i != k.m.col && (!k.has_w || i != k.w.col)) {
					colcache_unmap_values(k.c, i);
				}
			}
		}
		ret->sql = r->stat == WK_QUANTILE ? answer_quantiles(&k)
			: answer_sums(&k);
		if (!ret->sql) {
			fallback(&k, "the answer is too large or not "
				 "representable");
		}
	}
	if (ret->sql) {
		for (size_t i = 0; i < r->nby; i++) {
			ret->types[ret->ntypes++] = xstrdup(
				colcache_decltype(k.c, k.by[i].col));
		}
		if (r->stat == WK_PERCENT) {
			ret->types[ret->ntypes++] = xstrdup(
				colcache_decltype(k.c, k.m.col));
		}
	}
	wfilter_free(k.filter);
	free(k.acc);
	free(k.keys);
	colcache_close(k.c);
	if (!ret->sql) {
		*ret_why = k.why ? k.why : "not supported";
		wkernel_answer_finish(ret);
		return -1;
	}
	return 0;
}

void wkernel_answer_finish(struct wk_answer *a)
{
	free(a->sql);
	for (size_t i = 0; i < a->ntypes; i++) {
		free(a->types[i]);
	}
	memset(a, 0, sizeof(*a));
}

void wkernel_fix_types(const struct wk_answer *a, cJSON *structured)
{
	cJSON *cols = cJSON_GetObjectItemCaseSensitive(structured, "columns");

	for (size_t i = 0; i < a->ntypes; i++) {
		cJSON *col = cJSON_GetArrayItem(cols, (int)i);

		/* the SQL path reports "NULL" for a column of no type */
		if (col) {
			cJSON_ReplaceItemInObjectCaseSensitive(col, "type",
				cJSON_CreateString(a->types[i][0]
						   ? a->types[i] : "NULL"));
		}
	}
}
