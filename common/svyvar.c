/*
 * The variance machinery behind svyvar.h.
 *
 * Every estimate is a total Y = sum of a (a = w*y) or a ratio Y / X
 * (X = sum of b, b = w) over the rows of a domain.  Its linearized
 * influence on a sampling unit u is z_u = A_u (totals) or
 * (A_u - R B_u) / X (ratios), where A_u and B_u are the unit's totals of
 * a and b, zero for units without rows in the domain.  survey's
 * svyrecvar() then sums over strata
 *
 *     (1 - f_h) n_h / (n_h - 1) * sum_i (z_hi - mean_h z)^2
 *
 * with n_h the PSUs the stratum has in the whole design.  We keep, per
 * (estimate, stratum), the sums of A, A^2 and A*B over the units with
 * rows, and per (group, stratum) a Welford mean and sum of squares of B;
 * the units without rows are zeros, added in closed form.  Means are
 * shifted by the group's first value before anything is summed, so that
 * A is small where y is close to its mean and the sums of squares cancel
 * little; sums are compensated (Neumaier) or long double.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/kmap.h"
#include "mcp/render.h"
#include "mcp/svyvar.h"
#include "mcp/xalloc.h"

#define COL_STRATUM 0
#define COL_PSU 1
#define COL_SSU 2
#define COL_FPC 3
#define COL_FPC2 4
#define COL_WEIGHT 5
#define COL_DOMAIN 6
#define COL_MEASURE 7
#define COL_BY 8

struct ksum {
	double s;
	double c;
};

static void ksum_add(struct ksum *k, double x)
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

static double ksum_value(const struct ksum *k)
{
	return isfinite(k->s) ? k->s + k->c : k->s;
}

/* a stratum at stage 1, or a PSU seen as the stratum of its SSUs */
struct vstratum {
	char *name;             /* for messages */
	int64_t units;          /* PSUs (or rows, or SSUs) in the design */
	int64_t units_nz;       /* of those, with a nonzero weight */
	double fpc;
	bool has_fpc;
	int stratum;            /* stage 2: the PSU's stratum */
};

/* per (estimate, stratum): the units with rows in the domain */
struct eacc {
	long double sa;
	long double saa;
	long double sab;
};

/* per (group, stratum): Welford over B of the units with rows */
struct bacc {
	int64_t k;
	long double mean;
	long double m2;
};

/* a unit's totals: of a, and (group cells) of b */
struct cell {
	struct ksum a;
	struct ksum b;
};

struct pair {
	double x;
	double w;
};

struct group {
	cJSON **values;         /* the by values, for the answer */
	sqlite3_value **keys;   /* the same, for sorting */
	double shift;
	bool has_shift;
	int est0;               /* + 1: the group's one estimate, when one */
	int64_t n;
	int64_t nobs;           /* rows with a nonzero weight */
	struct ksum x;
	/* estimates (categories) of this group, as estimate indexes */
	int *ests;
	int nests;
	/* quantiles: the group's values, and the estimates per q */
	struct pair *vals;
	size_t nvals;
	size_t avals;
	double *qhat;
};

struct est {
	int group;
	int cat;                /* category index (share), q index, or 0 */
	cJSON *category;        /* share: the value */
	sqlite3_value *catkey;
	int64_t n;
	struct ksum wsum;
	struct ksum y;          /* sum of a */
	long double q2;         /* sum of w * y'^2, for deff */
	double var;
	int nstrat;             /* "average": strata seen, and lonely ones */
	int nlonely;
};

struct svyvar {
	struct svyvar_spec spec;
	int pass;               /* quantiles: 1 collects, 2 the indicators */
	bool leaf_ssu;          /* units are SSUs (two-stage with an fpc) */
	int64_t rows;
	struct svycounts counts;
	/* the last row's stratum and PSU: rows often come in their order */
	struct imap_key last_skey;
	struct imap_key last_pkey;
	int last_s;             /* + 1, 0 when none */
	int last_p;

	struct kmap text_map;   /* text values and group keys, interned */
	struct imap strata_map;
	struct vstratum *strata;
	size_t nstrata;
	struct imap psu_map;
	struct vstratum *psus;
	size_t npsus;
	struct imap ssu_map;
	int *ssu_psu;
	size_t nssu;

	struct imap group_map;
	struct group *groups;
	size_t ngroups;
	struct imap est_map;
	struct est *ests;
	size_t nests;

	/* cluster designs: unit totals */
	struct imap cell_map;   /* (est, leaf) */
	struct cell *cells;
	struct imap bcell_map;  /* (group, leaf) */
	struct cell *bcells;

	struct imap eacc_map[2];   /* (est, stratum) per stage */
	struct eacc *eaccs[2];
	struct imap bacc_map[2];   /* (group, stratum) per stage */
	struct bacc *baccs[2];

	struct buf key;
	struct svyres *res;
	size_t nres;
	double df;
};

/* grow an array indexed like a kmap so index n fits (sizes 16, 32, ...) */
static void *fit(void *arr, size_t n, size_t size)
{
	if (n >= 16 && (n & (n - 1)) != 0) {
		return arr;
	}
	return xrealloc(arr, (n < 16 ? 16 : n * 2) * size);
}

struct svyvar *svyvar_create(const struct svyvar_spec *spec)
{
	struct svyvar *v = xcalloc(1, sizeof(*v));

	v->spec = *spec;
	v->pass = 1;
	v->leaf_ssu = spec->cluster2 && spec->fpc;
	kmap_init(&v->text_map);
	imap_init(&v->strata_map);
	imap_init(&v->psu_map);
	imap_init(&v->ssu_map);
	imap_init(&v->group_map);
	imap_init(&v->est_map);
	imap_init(&v->cell_map);
	imap_init(&v->bcell_map);
	for (int i = 0; i < 2; i++) {
		imap_init(&v->eacc_map[i]);
		imap_init(&v->bacc_map[i]);
	}
	buf_init(&v->key, 0);
	return v;
}

static void clear_estimates(struct svyvar *v, bool all)
{
	imap_finish(&v->cell_map);
	imap_finish(&v->bcell_map);
	free(v->cells);
	free(v->bcells);
	v->cells = v->bcells = NULL;
	for (int i = 0; i < 2; i++) {
		imap_finish(&v->eacc_map[i]);
		imap_finish(&v->bacc_map[i]);
		free(v->eaccs[i]);
		free(v->baccs[i]);
		v->eaccs[i] = NULL;
		v->baccs[i] = NULL;
	}
	for (size_t i = 0; i < v->nests; i++) {
		if (all) {
			cJSON_Delete(v->ests[i].category);
			sqlite3_value_free(v->ests[i].catkey);
		}
	}
	if (all) {
		imap_finish(&v->est_map);
		free(v->ests);
		v->ests = NULL;
		v->nests = 0;
	}
}

void svyvar_destroy(struct svyvar *v)
{
	if (!v) {
		return;
	}
	clear_estimates(v, true);
	for (size_t i = 0; i < v->strata_map.n; i++) {
		free(v->strata[i].name);
	}
	for (size_t i = 0; i < v->npsus; i++) {
		free(v->psus[i].name);
	}
	for (size_t i = 0; i < v->ngroups; i++) {
		struct group *g = &v->groups[i];

		for (int j = 0; j < v->spec.nby; j++) {
			cJSON_Delete(g->values[j]);
			sqlite3_value_free(g->keys[j]);
		}
		free(g->values);
		free(g->keys);
		free(g->ests);
		free(g->vals);
		free(g->qhat);
	}
	free(v->groups);
	free(v->strata);
	free(v->psus);
	free(v->ssu_psu);
	kmap_finish(&v->text_map);
	imap_finish(&v->strata_map);
	imap_finish(&v->psu_map);
	imap_finish(&v->ssu_map);
	imap_finish(&v->group_map);
	buf_release(&v->key);
	free(v->res);
	free(v);
}

/* ---- reading a row ---- */

/* a column's value as key bytes: its type, then its bytes */
static void key_value(struct buf *k, sqlite3_stmt *st, int col)
{
	int t = sqlite3_column_type(st, col);

	buf_addch(k, (char)('0' + t));
	if (t == SQLITE_INTEGER) {
		sqlite3_int64 i = sqlite3_column_int64(st, col);

		buf_add(k, &i, sizeof(i));
	} else if (t == SQLITE_FLOAT) {
		double d = sqlite3_column_double(st, col);

		/* 1.0 and 1 are one group in SQL, and so here */
		if (d == floor(d) && fabs(d) < 9e15) {
			sqlite3_int64 i = (sqlite3_int64)d;

			k->data[k->len - 1] = (char)('0' + SQLITE_INTEGER);
			buf_add(k, &i, sizeof(i));
		} else {
			buf_add(k, &d, sizeof(d));
		}
	} else if (t != SQLITE_NULL) {
		const void *p = sqlite3_column_blob(st, col);
		int n = sqlite3_column_bytes(st, col);

		buf_add(k, p, (size_t)n);
	}
	buf_addch(k, '\0');
}

/*
 * A column's value as an imap key: (type tag, value) for numbers, (tag,
 * interned id) for text and blobs.  1.0 and 1 are one key, as one group
 * in SQL.  Tags stay below 16, so callers may shift an index above them.
 */
static void value_id(struct svyvar *v, sqlite3_stmt *st, int col,
		     uint64_t *ret_a, uint64_t *ret_b)
{
	/*
	 * One sqlite3_column_value() and then the sqlite3_value_*()
	 * readers: each sqlite3_column_*() call takes the connection's
	 * mutex, and this runs for every row.  The connection is ours
	 * alone for the call, so the unprotected value is safe to read.
	 */
	sqlite3_value *x = sqlite3_column_value(st, col);
	int t = sqlite3_value_type(x);

	switch (t) {
	case SQLITE_INTEGER:
		*ret_a = 1;
		*ret_b = (uint64_t)sqlite3_value_int64(x);
		return;
	case SQLITE_FLOAT: {
		double d = sqlite3_value_double(x);

		if (d == floor(d) && fabs(d) < 9e15) {
			*ret_a = 1;
			*ret_b = (uint64_t)(int64_t)d;
		} else {
			*ret_a = 3;
			memcpy(ret_b, &d, sizeof(d));
		}
		return;
	}
	case SQLITE_NULL:
		*ret_a = 0;
		*ret_b = 0;
		return;
	default: {
		const void *p = sqlite3_value_blob(x);
		int n = sqlite3_value_bytes(x);

		*ret_a = t == SQLITE_TEXT ? 2 : 4;
		*ret_b = kmap_put(&v->text_map, p ? p : "", (size_t)n, NULL);
		return;
	}
	}
}

/* the column as text for messages; caller frees */
static char *value_name(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return render_utf8_clean(s ? (const char *)s : "NULL",
				 s ? (size_t)sqlite3_column_bytes(st, col) : 4);
}

/* 1 with *ret, 0 for NULL, -1 when not a number (see value_id) */
static int number(sqlite3_stmt *st, int col, double *ret)
{
	sqlite3_value *x = sqlite3_column_value(st, col);
	int t = sqlite3_value_type(x);

	if (t == SQLITE_NULL) {
		return 0;
	}
	if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
		t = sqlite3_value_numeric_type(x);
		if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
			return -1;
		}
	}
	*ret = sqlite3_value_double(x);
	return 1;
}

static int fail(char **ret_err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(char **ret_err, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	*ret_err = buf_detach(&b, NULL);
	return -EINVAL;
}

static int check_fpc(struct vstratum *s, sqlite3_stmt *st, int col,
		     const char *what, const char *psu_name, char **ret_err)
{
	double f;
	int r = number(st, col, &f);

	if (r <= 0) {
		return fail(ret_err, "the fpc of %s '%s' is %s", what,
			    psu_name, r == 0 ? "empty" : "not a number");
	}
	if (!s->has_fpc) {
		s->fpc = f;
		s->has_fpc = true;
	} else if (s->fpc != f) {
		return fail(ret_err, "the fpc varies within %s '%s' (%.17g "
			    "and %.17g); it must be one value per %s", what,
			    psu_name, s->fpc, f, what);
	}
	return 0;
}

/* the design part of a row: stratum, PSU, SSU; sets the leaf unit */
static int add_design(struct svyvar *v, sqlite3_stmt *st, double w,
		      int *ret_stratum, int *ret_leaf, char **ret_err)
{
	uint64_t ka, kb;
	bool fresh;
	uint32_t s = 0, p;
	int r;

	if (v->spec.strata) {
		if (sqlite3_column_type(st, COL_STRATUM) == SQLITE_NULL) {
			return fail(ret_err, "the stratum is empty in a row "
				    "(row %lld with a weight)",
				    (long long)v->rows);
		}
		value_id(v, st, COL_STRATUM, &ka, &kb);
		if (v->last_s && ka == v->last_skey.a &&
		    kb == v->last_skey.b) {
			s = (uint32_t)v->last_s - 1;
			fresh = false;
		} else {
			s = imap_put(&v->strata_map, ka, kb, &fresh);
			v->last_skey.a = ka;
			v->last_skey.b = kb;
			v->last_s = (int)s + 1;
		}
	} else if (v->last_s) {
		s = (uint32_t)v->last_s - 1;
		fresh = false;
	} else {
		s = imap_put(&v->strata_map, 0, 0, &fresh);
		v->last_s = (int)s + 1;
	}
	if (fresh) {
		v->strata = fit(v->strata, s, sizeof(*v->strata));
		memset(&v->strata[s], 0, sizeof(v->strata[s]));
		v->strata[s].name = v->spec.strata
			? value_name(st, COL_STRATUM) : xstrdup("(all)");
	}
	if (v->spec.fpc) {
		r = check_fpc(&v->strata[s], st, COL_FPC, "stratum",
			      v->strata[s].name, ret_err);
		if (r < 0) {
			return r;
		}
	}
	*ret_stratum = (int)s;
	if (!v->spec.cluster) {
		v->strata[s].units++;
		v->strata[s].units_nz += w != 0;
		*ret_leaf = -1;
		return 0;
	}
	if (sqlite3_column_type(st, COL_PSU) == SQLITE_NULL) {
		return fail(ret_err, "the PSU is empty in a row of stratum '%s'",
			    v->strata[s].name);
	}
	value_id(v, st, COL_PSU, &ka, &kb);
	if (v->spec.nest) {
		ka |= (uint64_t)s << 8;
	}
	if (v->last_p && ka == v->last_pkey.a && kb == v->last_pkey.b) {
		p = (uint32_t)v->last_p - 1;
		fresh = false;
	} else {
		p = imap_put(&v->psu_map, ka, kb, &fresh);
		v->last_pkey.a = ka;
		v->last_pkey.b = kb;
		v->last_p = (int)p + 1;
	}
	if (fresh) {
		v->psus = fit(v->psus, p, sizeof(*v->psus));
		memset(&v->psus[p], 0, sizeof(v->psus[p]));
		v->psus[p].name = value_name(st, COL_PSU);
		v->psus[p].stratum = (int)s;
		v->strata[s].units++;
		v->npsus = p + 1;
	} else if (v->psus[p].stratum != (int)s) {
		return fail(ret_err, "PSU '%s' is in stratum '%s' and in "
			    "stratum '%s'; if PSU ids are only unique within "
			    "their stratum, pass --nest",
			    v->psus[p].name,
			    v->strata[v->psus[p].stratum].name,
			    v->strata[s].name);
	}
	if (w != 0 && v->psus[p].units_nz == 0) {
		/* units_nz of a PSU: whether it has a nonzero weight */
		v->psus[p].units_nz = 1;
		v->strata[s].units_nz++;
	}
	*ret_leaf = (int)p;
	if (!v->spec.cluster2) {
		return 0;
	}
	if (sqlite3_column_type(st, COL_SSU) == SQLITE_NULL) {
		return fail(ret_err, "the second-stage unit is empty in a row "
			    "of PSU '%s'", v->psus[p].name);
	}
	value_id(v, st, COL_SSU, &ka, &kb);
	{
		uint32_t u = imap_put(&v->ssu_map, ka | (uint64_t)p << 8, kb,
				      &fresh);

		if (fresh) {
			v->ssu_psu = fit(v->ssu_psu, u, sizeof(*v->ssu_psu));
			v->ssu_psu[u] = (int)p;
			v->psus[p].units++;
			v->nssu = u + 1;
		}
		if (v->spec.fpc2) {
			r = check_fpc(&v->psus[p], st, COL_FPC2, "PSU",
				      v->psus[p].name, ret_err);
			if (r < 0) {
				return r;
			}
		}
		if (v->leaf_ssu) {
			*ret_leaf = (int)u;
		}
	}
	return 0;
}

static int find_group(struct svyvar *v, sqlite3_stmt *st)
{
	struct buf *k = &v->key;
	uint64_t ka = 0, kb = 0;
	bool fresh;
	uint32_t g;

	if (v->spec.nby == 0 && v->ngroups) {
		return 0;
	}
	if (v->spec.nby == 1) {
		value_id(v, st, COL_BY, &ka, &kb);
	} else if (v->spec.nby > 1) {
		buf_reset(k);
		for (int i = 0; i < v->spec.nby; i++) {
			key_value(k, st, COL_BY + i);
		}
		ka = 9;
		kb = kmap_put(&v->text_map, k->data, k->len, NULL);
	}
	g = imap_put(&v->group_map, ka, kb, &fresh);
	if (fresh && (int)g >= SVY_MAX_ESTIMATES /
		     (v->spec.stat == SVY_QUANTILE ? v->spec.nq : 1)) {
		return -1;
	}
	if (fresh) {
		struct group *gr;

		v->groups = fit(v->groups, g, sizeof(*v->groups));
		gr = &v->groups[g];
		memset(gr, 0, sizeof(*gr));
		gr->values = xcalloc((size_t)v->spec.nby + 1,
				     sizeof(*gr->values));
		gr->keys = xcalloc((size_t)v->spec.nby + 1,
				   sizeof(*gr->keys));
		for (int i = 0; i < v->spec.nby; i++) {
			gr->values[i] = render_value(st, COL_BY + i);
			gr->keys[i] = sqlite3_value_dup(
				sqlite3_column_value(st, COL_BY + i));
		}
		v->ngroups = g + 1;
	}
	return (int)g;
}

static int find_est(struct svyvar *v, int g, int cat, sqlite3_stmt *st)
{
	uint64_t ka = 15, kb = (uint64_t)cat;
	bool fresh;
	uint32_t e;

	if (v->spec.stat == SVY_SHARE && st) {
		value_id(v, st, COL_MEASURE, &ka, &kb);
	}
	e = imap_put(&v->est_map, ka | (uint64_t)g << 8, kb, &fresh);
	if (fresh && (int)e >= SVY_MAX_ESTIMATES) {
		return -1;
	}
	if (fresh) {
		struct est *es;
		struct group *gr = &v->groups[g];

		v->ests = fit(v->ests, e, sizeof(*v->ests));
		es = &v->ests[e];
		memset(es, 0, sizeof(*es));
		es->group = g;
		es->cat = cat;
		if (v->spec.stat == SVY_SHARE && st) {
			es->category = render_value(st, COL_MEASURE);
			es->catkey = sqlite3_value_dup(
				sqlite3_column_value(st, COL_MEASURE));
		}
		gr->ests = fit(gr->ests, (size_t)gr->nests,
			       sizeof(*gr->ests));
		gr->ests[gr->nests++] = (int)e;
		v->nests = e + 1;
	}
	return (int)e;
}

static uint32_t put_cell(struct svyvar *v, struct imap *m, struct cell **arr,
			 int64_t a, int64_t b)
{
	bool fresh;
	uint32_t i = imap_put(m, (uint64_t)a, (uint64_t)b, &fresh);

	if (fresh) {
		*arr = fit(*arr, i, sizeof(**arr));
		memset(&(*arr)[i], 0, sizeof((*arr)[i]));
	}
	return i;
}

static void acc_e(struct svyvar *v, int stage, int e, int s, double a,
		  double b)
{
	bool fresh;
	uint32_t i;
	struct eacc *x;

	i = imap_put(&v->eacc_map[stage], (uint64_t)e, (uint64_t)s, &fresh);
	if (fresh) {
		v->eaccs[stage] = fit(v->eaccs[stage], i,
				      sizeof(*v->eaccs[stage]));
		memset(&v->eaccs[stage][i], 0, sizeof(struct eacc));
	}
	x = &v->eaccs[stage][i];
	x->sa += a;
	x->saa += (long double)a * a;
	x->sab += (long double)a * b;
}

static void acc_b(struct svyvar *v, int stage, int g, int s, double b)
{
	bool fresh;
	uint32_t i;
	struct bacc *x;
	long double d;

	i = imap_put(&v->bacc_map[stage], (uint64_t)g, (uint64_t)s, &fresh);
	if (fresh) {
		v->baccs[stage] = fit(v->baccs[stage], i,
				      sizeof(*v->baccs[stage]));
		memset(&v->baccs[stage][i], 0, sizeof(struct bacc));
	}
	x = &v->baccs[stage][i];
	x->k++;
	d = b - x->mean;
	x->mean += d / x->k;
	x->m2 += d * (b - x->mean);
}

/* one (estimate, a) contribution of a row in the domain */
static void contribute(struct svyvar *v, int e, int s, int leaf, double a,
		       double b)
{
	if (a == 0) {
		return;
	}
	if (leaf < 0) {
		acc_e(v, 0, e, s, a, b);
	} else {
		uint32_t c = put_cell(v, &v->cell_map, &v->cells, e, leaf);

		ksum_add(&v->cells[c].a, a);
	}
}

static void push_value(struct group *g, double x, double w)
{
	if (g->nvals == g->avals) {
		g->avals = g->avals ? g->avals * 2 : 64;
		g->vals = xrealloc(g->vals, g->avals * sizeof(*g->vals));
	}
	g->vals[g->nvals].x = x;
	g->vals[g->nvals].w = w;
	g->nvals++;
}

int svyvar_add(struct svyvar *v, sqlite3_stmt *st, char **ret_err)
{
	const struct svyvar_spec *sp = &v->spec;
	double w, y = 1;
	int s = 0, leaf = -1, g, r, tm, dom;
	uint32_t bcell = 0;
	struct group *gr;

	/* the domain first: rows outside it only carry the design */
	dom = sqlite3_column_int(st, COL_DOMAIN);
	tm = dom ? sqlite3_column_type(st, COL_MEASURE) : SQLITE_NULL;
	r = number(st, COL_WEIGHT, &w);
	if (v->pass == 1 && dom != 0) {
		/* what the answer says was left out, and why */
		bool no_measure = tm == SQLITE_NULL;

		v->counts.rows_in++;
		v->counts.null_measure += no_measure;
		v->counts.null_weight += !no_measure && r == 0;
	}
	if (r == 0) {
		return 0;
	}
	if (r < 0 || w < 0 || isnan(w) ||
	    (sp->check_only && w == 0)) {
		char *sn = sp->strata ? value_name(st, COL_STRATUM) : NULL;
		char *pn = sp->cluster ? value_name(st, COL_PSU) : NULL;

		r = fail(ret_err, "a weight is %s%s%s%s%s%s; survey weights "
			 "must be %s", r < 0 ? "not a number" : w == 0 ?
			 "zero" : "negative", sn ? " in stratum '" : "",
			 sn ? sn : "", sn ? "'" : "", pn ? ", PSU " : "",
			 pn ? pn : "", sp->check_only ? "positive"
			 : "zero or more");
		free(sn);
		free(pn);
		return r;
	}
	if (v->pass == 1) {
		v->rows++;
	}
	if (v->pass == 1) {
		r = add_design(v, st, w, &s, &leaf, ret_err);
		if (r < 0) {
			return r;
		}
	} else {
		/* the design is known; look the units up again */
		uint64_t ka = 0, kb = 0;

		if (sp->strata) {
			value_id(v, st, COL_STRATUM, &ka, &kb);
		}
		s = (int)imap_get(&v->strata_map, ka, kb);
		leaf = -1;
		if (sp->cluster) {
			value_id(v, st, COL_PSU, &ka, &kb);
			if (sp->nest) {
				ka |= (uint64_t)s << 8;
			}
			leaf = (int)imap_get(&v->psu_map, ka, kb);
			if (v->leaf_ssu) {
				value_id(v, st, COL_SSU, &ka, &kb);
				leaf = (int)imap_get(&v->ssu_map,
						     ka | (uint64_t)leaf << 8,
						     kb);
			}
		}
	}
	if (sp->check_only || dom == 0 || tm == SQLITE_NULL) {
		return 0;
	}
	if (sp->stat != SVY_SHARE && sp->stat != SVY_COUNT) {
		r = number(st, COL_MEASURE, &y);
		if (r < 0) {
			char *t = value_name(st, COL_MEASURE);

			r = fail(ret_err, "the measure has a value that is not "
				 "a number: '%s'", t);
			free(t);
			return r;
		}
	}
	g = find_group(v, st);
	if (g < 0) {
		goto too_many;
	}
	gr = &v->groups[g];
	if (v->pass == 1) {
		gr->n++;
		gr->nobs += w != 0;
		ksum_add(&gr->x, w);
	}
	if (sp->stat == SVY_QUANTILE && v->pass == 1) {
		push_value(gr, y, w);
		return 0;
	}
	if (leaf < 0) {
		acc_b(v, 0, g, s, w);
	} else {
		bcell = put_cell(v, &v->bcell_map, &v->bcells, g, leaf);
		ksum_add(&v->bcells[bcell].b, w);
	}
	if (sp->stat == SVY_QUANTILE) {
		for (int k = 0; k < sp->nq; k++) {
			int e = find_est(v, g, k, NULL);

			if (y <= gr->qhat[k]) {
				ksum_add(&v->ests[e].y, w);
				contribute(v, e, s, leaf, w, w);
			}
		}
		return 0;
	}
	{
		int cat = 0, e;
		double a;

		if (gr->est0) {
			e = gr->est0 - 1;
		} else {
			e = find_est(v, g, cat, st);
			if (e < 0) {
				goto too_many;
			}
			gr = &v->groups[g];
			if (sp->stat != SVY_SHARE) {
				gr->est0 = e + 1;
			}
		}
		if (sp->stat == SVY_MEAN) {
			if (!gr->has_shift) {
				gr->shift = y;
				gr->has_shift = true;
			}
			y -= gr->shift;
		}
		a = sp->stat == SVY_COUNT || sp->stat == SVY_SHARE ? w : w * y;
		v->ests[e].n++;
		ksum_add(&v->ests[e].wsum, w);
		ksum_add(&v->ests[e].y, a);
		v->ests[e].q2 += (long double)a * y;
		if (leaf >= 0 && sp->stat != SVY_SHARE) {
			/* one estimate per group: its cell is the group's */
			ksum_add(&v->bcells[bcell].a, a);
		} else {
			contribute(v, e, s, leaf, a, w);
		}
	}
	return 0;
too_many:
	return fail(ret_err, "more than %d estimates (groups times "
		    "categories or quantiles); narrow the domain with "
		    "'where' or use fewer 'by' columns", SVY_MAX_ESTIMATES);
}

/* ---- after the pass ---- */

static void decode2(const struct imap *m, uint32_t i, int64_t *a, int64_t *b)
{
	*a = (int64_t)m->keys[i].a;
	*b = (int64_t)m->keys[i].b;
}

static double cell_get(const struct imap *m, const struct cell *arr,
		       int64_t a, int64_t b)
{
	int64_t i = imap_get(m, (uint64_t)a, (uint64_t)b);

	return i < 0 ? 0 : ksum_value(&arr[i].b);
}

/* unit totals of a cluster design into the stratum accumulators */
static void fold_cells(struct svyvar *v)
{
	if (v->spec.stat != SVY_SHARE && v->spec.stat != SVY_QUANTILE) {
		/* the group cells carry their one estimate's totals */
		for (uint32_t i = 0; i < v->bcell_map.n; i++) {
			int64_t g, u;
			double a = ksum_value(&v->bcells[i].a);
			uint32_t c;

			decode2(&v->bcell_map, i, &g, &u);
			if (a == 0 || !v->groups[g].est0) {
				continue;
			}
			c = put_cell(v, &v->cell_map, &v->cells,
				     v->groups[g].est0 - 1, u);
			ksum_add(&v->cells[c].a, a);
		}
	}

	struct imap pcell_map, pbcell_map;
	struct cell *pcells = NULL, *pbcells = NULL;
	const struct imap *cm = &v->cell_map, *bm = &v->bcell_map;
	const struct cell *cells = v->cells, *bcells = v->bcells;

	imap_init(&pcell_map);
	imap_init(&pbcell_map);
	if (v->leaf_ssu) {
		/* stage 2 within each PSU, and the PSU totals for stage 1 */
		for (uint32_t i = 0; i < v->cell_map.n; i++) {
			int64_t e, u;
			double a = ksum_value(&v->cells[i].a);
			int p, g;
			uint32_t c;

			decode2(&v->cell_map, i, &e, &u);
			p = v->ssu_psu[u];
			g = v->ests[e].group;
			acc_e(v, 1, (int)e, p, a, cell_get(&v->bcell_map,
							   v->bcells, g, u));
			c = put_cell(v, &pcell_map, &pcells, e, p);
			ksum_add(&pcells[c].a, a);
		}
		for (uint32_t i = 0; i < v->bcell_map.n; i++) {
			int64_t g, u;
			double b = ksum_value(&v->bcells[i].b);
			int p;
			uint32_t c;

			decode2(&v->bcell_map, i, &g, &u);
			p = v->ssu_psu[u];
			acc_b(v, 1, (int)g, p, b);
			c = put_cell(v, &pbcell_map, &pbcells, g, p);
			ksum_add(&pbcells[c].b, b);
		}
		cm = &pcell_map;
		bm = &pbcell_map;
		cells = pcells;
		bcells = pbcells;
	}
	for (uint32_t i = 0; i < cm->n; i++) {
		int64_t e, p;
		int g;

		decode2(cm, i, &e, &p);
		g = v->ests[e].group;
		acc_e(v, 0, (int)e, v->psus[p].stratum,
		      ksum_value(&cells[i].a), cell_get(bm, bcells, g, p));
	}
	for (uint32_t i = 0; i < bm->n; i++) {
		int64_t g, p;

		decode2(bm, i, &g, &p);
		acc_b(v, 0, (int)g, v->psus[p].stratum,
		      ksum_value(&bcells[i].b));
	}
	imap_finish(&pcell_map);
	imap_finish(&pbcell_map);
	free(pcells);
	free(pbcells);
}

/* 1 - n/N for a stratum, from its fpc (a population or a fraction) */
static double fpc_factor(const struct vstratum *s, bool popsize)
{
	double N;

	if (!s->has_fpc) {
		return 1;
	}
	N = popsize ? s->fpc : (double)s->units / s->fpc;
	return (N - (double)s->units) / N;
}

static double popsize_of(const struct vstratum *s, bool popsize)
{
	return popsize ? s->fpc : (double)s->units / s->fpc;
}

static int check_fpcs(struct vstratum *arr, size_t n, const char *what,
		      bool *ret_popsize, char **ret_err)
{
	bool popsize = false;

	for (size_t i = 0; i < n; i++) {
		popsize = popsize || (arr[i].has_fpc && arr[i].fpc > 1);
	}
	for (size_t i = 0; i < n; i++) {
		const struct vstratum *s = &arr[i];

		if (!s->has_fpc) {
			continue;
		}
		if (!(s->fpc > 0) || (popsize && s->fpc < 1)) {
			return fail(ret_err, "the fpc of %s '%s' is %.17g; it "
				    "must be a population size (at least the "
				    "sample) or a sampling fraction in "
				    "(0, 1], and the same kind throughout",
				    what, s->name, s->fpc);
		}
		if (popsize && s->fpc < (double)s->units) {
			return fail(ret_err, "the fpc of %s '%s' is %.17g, "
				    "smaller than its sample of %lld units",
				    what, s->name, s->fpc,
				    (long long)s->units);
		}
	}
	*ret_popsize = popsize;
	return 0;
}

static int check_lonely(const struct svyvar *v, struct vstratum *arr,
			size_t n, bool popsize, int stage, char **ret_err)
{
	if (v->spec.lonely != SVY_LONELY_FAIL) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (arr[i].units == 1 && fpc_factor(&arr[i], popsize) >= 1e-7) {
			if (stage == 1) {
				return fail(ret_err, "stratum '%s' has only one "
					    "PSU; choose a lonely-PSU rule "
					    "(remove, certainty, adjust or "
					    "average) or merge strata",
					    arr[i].name);
			}
			return fail(ret_err, "PSU '%s' has only one "
				    "second-stage unit; choose a lonely-PSU "
				    "rule (remove, certainty, adjust or "
				    "average)", arr[i].name);
		}
	}
	return 0;
}

static int value_cmp(sqlite3_value *a, sqlite3_value *b)
{
	int ta = a ? sqlite3_value_type(a) : SQLITE_NULL;
	int tb = b ? sqlite3_value_type(b) : SQLITE_NULL;
	int ra, rb;

	/* SQLite's order: NULL, numbers, text, blobs */
	ra = ta == SQLITE_NULL ? 0 : ta == SQLITE_TEXT ? 2 :
	     ta == SQLITE_BLOB ? 3 : 1;
	rb = tb == SQLITE_NULL ? 0 : tb == SQLITE_TEXT ? 2 :
	     tb == SQLITE_BLOB ? 3 : 1;
	if (ra != rb) {
		return ra < rb ? -1 : 1;
	}
	if (ra == 0) {
		return 0;
	}
	if (ra == 1) {
		if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
			sqlite3_int64 x = sqlite3_value_int64(a);
			sqlite3_int64 y = sqlite3_value_int64(b);

			return x < y ? -1 : x > y;
		} else {
			double x = sqlite3_value_double(a);
			double y = sqlite3_value_double(b);

			return x < y ? -1 : x > y;
		}
	}
	{
		int na = sqlite3_value_bytes(a), nb = sqlite3_value_bytes(b);
		const void *pa = ra == 2 ? (const void *)sqlite3_value_text(a)
					 : sqlite3_value_blob(a);
		const void *pb = rb == 2 ? (const void *)sqlite3_value_text(b)
					 : sqlite3_value_blob(b);
		int c = memcmp(pa, pb, (size_t)(na < nb ? na : nb));

		return c ? c : na < nb ? -1 : na > nb;
	}
}

static int res_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct svyres *a = pa, *b = pb;
	const struct svyvar *v = ctx;

	if (a->group != b->group) {
		const struct group *ga = &v->groups[a->group];
		const struct group *gb = &v->groups[b->group];

		for (int i = 0; i < v->spec.nby; i++) {
			int c = value_cmp(ga->keys[i], gb->keys[i]);

			if (c) {
				return c;
			}
		}
		return a->group < b->group ? -1 : 1;
	}
	if (v->spec.stat == SVY_SHARE) {
		const struct est *ea = (const struct est *)a->category;
		const struct est *eb = (const struct est *)b->category;

		return value_cmp(ea->catkey, eb->catkey);
	}
	return a->q < b->q ? -1 : a->q > b->q;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return x->x < y->x ? -1 : x->x > y->x;
}

/*
 * survey's qrule_math over sorted pairs of positive weight: pos is the
 * last row whose cumulative weight is <= p * total; the answer is x[pos]
 * when its share is exactly p, else x[pos + 1] (see wstats.c).
 */
static double qrule_math(const struct group *g, double p)
{
	struct ksum total = { 0, 0 }, cum = { 0, 0 };
	double w, c = 0;
	int64_t pos = -1, n = (int64_t)g->nvals;

	if (n == 0 || isnan(p)) {
		return NAN;
	}
	for (int64_t i = 0; i < n; i++) {
		ksum_add(&total, g->vals[i].w);
	}
	w = ksum_value(&total);
	for (int64_t i = 0; i < n; i++) {
		ksum_add(&cum, g->vals[i].w);
		if (ksum_value(&cum) > p * w) {
			break;
		}
		pos = i;
		c = ksum_value(&cum);
	}
	if (pos < 0) {
		return g->vals[0].x;
	}
	if (p - c / w == 0 || pos == n - 1) {
		return g->vals[pos].x;
	}
	return g->vals[pos + 1].x;
}

static void start_pass2(struct svyvar *v)
{
	for (size_t i = 0; i < v->ngroups; i++) {
		struct group *g = &v->groups[i];
		size_t n = 0;

		for (size_t j = 0; j < g->nvals; j++) {
			if (g->vals[j].w > 0) {
				g->vals[n++] = g->vals[j];
			}
		}
		g->nvals = n;
		qsort(g->vals, n, sizeof(*g->vals), pair_cmp);
		g->qhat = xcalloc((size_t)v->spec.nq, sizeof(*g->qhat));
		for (int k = 0; k < v->spec.nq; k++) {
			g->qhat[k] = qrule_math(g, v->spec.q[k]);
			find_est(v, (int)i, k, NULL);
		}
	}
	v->pass = 2;
}

/* the variance of every estimate from the stratum accumulators */
static void add_variance(struct svyvar *v, int stage, bool popsize1,
			 bool popsize2)
{
	bool ratio = v->spec.stat != SVY_TOTAL && v->spec.stat != SVY_COUNT;
	struct imap *bm = &v->bacc_map[stage];

	for (uint32_t i = 0; i < bm->n; i++) {
		const struct bacc *b = &v->baccs[stage][i];
		int64_t g64, s64;
		const struct group *g;
		const struct vstratum *st;
		double f, mult = 1;
		long double n, mb, sb, sbb;

		decode2(bm, i, &g64, &s64);
		g = &v->groups[g64];
		if (stage == 0) {
			st = &v->strata[s64];
			f = fpc_factor(st, popsize1);
		} else {
			const struct vstratum *up;

			st = &v->psus[s64];
			f = fpc_factor(st, popsize2);
			up = &v->strata[st->stratum];
			/* later stages weigh by the first stage's n/N */
			mult = (double)up->units / popsize_of(up, popsize1);
		}
		n = (long double)st->units;
		mb = b->mean;
		sb = b->k * mb;
		sbb = b->m2 + (long double)b->k * (n - b->k) / n * mb * mb;
		for (int j = 0; j < g->nests; j++) {
			struct est *e = &v->ests[g->ests[j]];
			struct eacc zero = { 0, 0, 0 };
			const struct eacc *a = &zero;
			long double saa, sab, ss, r = 0;
			int64_t ai;

			ai = imap_get(&v->eacc_map[stage],
				      (uint64_t)g->ests[j], (uint64_t)s64);
			if (ai >= 0) {
				a = &v->eaccs[stage][ai];
			}
			if (ratio) {
				r = (long double)ksum_value(&e->y) /
				    ksum_value(&g->x);
			}
			if (stage == 0) {
				e->nstrat++;
			}
			if (st->units == 1) {
				if (f < 1e-7) {
					continue;
				}
				if (v->spec.lonely == SVY_LONELY_AVERAGE) {
					e->nlonely += stage == 0;
					continue;
				}
				if (v->spec.lonely != SVY_LONELY_ADJUST) {
					continue;
				}
				/* adjust: about zero, not the stratum mean */
				ss = a->saa;
				if (ratio) {
					ss += -2 * r * a->sab +
					      r * r * (b->m2 + b->k * mb * mb);
				}
				e->var += (double)(mult * f * ss);
				continue;
			}
			if (f < 1e-7) {
				continue;
			}
			saa = a->saa - a->sa * a->sa / n;
			sab = a->sab - a->sa * sb / n;
			ss = saa;
			if (ratio) {
				ss += -2 * r * sab + r * r * sbb;
			}
			e->var += (double)(mult * f * n / (n - 1) * ss);
		}
	}
}

int svyvar_finish(struct svyvar *v, char **ret_err)
{
	const struct svyvar_spec *sp = &v->spec;
	bool popsize1 = false, popsize2 = false;
	int64_t psu_nz = 0, strata_nz = 0;
	double t;
	int r;

	if (v->pass == 1) {
		v->nstrata = v->strata_map.n;
		r = check_fpcs(v->strata, v->nstrata, "stratum", &popsize1,
			       ret_err);
		if (r == 0 && v->leaf_ssu) {
			r = check_fpcs(v->psus, v->npsus, "PSU", &popsize2,
				       ret_err);
		}
		if (r == 0) {
			r = check_lonely(v, v->strata, v->nstrata, popsize1,
					 1, ret_err);
		}
		if (r == 0 && v->leaf_ssu) {
			r = check_lonely(v, v->psus, v->npsus, popsize2, 2,
					 ret_err);
		}
		if (r < 0) {
			return r;
		}
		if (sp->stat == SVY_QUANTILE && !sp->check_only) {
			start_pass2(v);
			return 1;
		}
	} else {
		check_fpcs(v->strata, v->nstrata, "stratum", &popsize1,
			   ret_err);
		if (v->leaf_ssu) {
			check_fpcs(v->psus, v->npsus, "PSU", &popsize2,
				   ret_err);
		}
	}
	for (size_t i = 0; i < v->nstrata; i++) {
		strata_nz += v->strata[i].units_nz > 0;
		if (!sp->cluster) {
			psu_nz += v->strata[i].units_nz;
		}
	}
	for (size_t i = 0; i < v->npsus; i++) {
		psu_nz += v->psus[i].units_nz;
	}
	v->df = (double)(psu_nz - strata_nz);
	if (sp->check_only) {
		return 0;
	}
	if (sp->cluster) {
		fold_cells(v);
	}
	add_variance(v, 0, popsize1, popsize2);
	if (v->leaf_ssu) {
		add_variance(v, 1, popsize1, popsize2);
	}
	t = svy_qt(0.5 + sp->level / 2, v->df);
	v->res = xcalloc(v->nests ? v->nests : 1, sizeof(*v->res));
	v->nres = v->nests;
	for (size_t i = 0; i < v->nests; i++) {
		struct est *e = &v->ests[i];
		const struct group *g = &v->groups[e->group];
		struct svyres *o = &v->res[i];
		double x = ksum_value(&g->x), y = ksum_value(&e->y);
		double var = e->var, nobs = (double)g->nobs;

		if (sp->lonely == SVY_LONELY_AVERAGE && e->nlonely) {
			var = e->nstrat > e->nlonely
				? var * e->nstrat / (e->nstrat - e->nlonely)
				: NAN;
		}
		o->group = e->group;
		/* sorting needs the estimate; the answer the value */
		o->category = (const cJSON *)e;
		o->n = e->n;
		o->weight_sum = ksum_value(&e->wsum);
		o->deff = NAN;
		switch (sp->stat) {
		case SVY_TOTAL:
		case SVY_COUNT:
			o->estimate = y;
			o->se = sqrt(var);
			if (sp->stat == SVY_TOTAL && nobs > 1) {
				double sv = (double)(e->q2 - (long double)y *
						     y / x) / x * nobs /
					    (nobs - 1);

				o->deff = var / (sv * x * x * (x - nobs) /
						 (x * nobs));
			}
			break;
		case SVY_MEAN:
		case SVY_SHARE: {
			double rr = y / x;

			var /= x * x;
			o->estimate = rr + (sp->stat == SVY_MEAN ? g->shift : 0);
			o->se = sqrt(var);
			if (nobs > 1) {
				double sv = (double)(e->q2 - (long double)rr *
						     rr * x) / x * nobs /
					    (nobs - 1);

				o->deff = var / (sv * (x - nobs) / (x * nobs));
			}
			if (x == 0) {
				o->estimate = o->se = NAN;
			}
			break;
		}
		case SVY_QUANTILE: {
			double m = y / x, sm, lo, hi;

			var /= x * x;
			sm = sqrt(var);
			o->q = sp->q[e->cat];
			o->estimate = g->qhat[e->cat];
			o->n = g->n;
			o->weight_sum = x;
			lo = m - t * sm;
			hi = m + t * sm;
			o->ci_low = lo < 0 || isnan(lo) ? NAN : qrule_math(g, lo);
			o->ci_high = hi > 1 || isnan(hi) ? NAN
							 : qrule_math(g, hi);
			o->se = (o->ci_high - o->ci_low) / (2 * t);
			continue;
		}
		}
		if (sp->stat == SVY_SHARE && sp->logit) {
			/*
			 * svyciprop(method = "logit"): the interval of
			 * logit(p), whose se is se(p) / (p (1 - p)), mapped
			 * back; it stays inside (0, 1)
			 */
			double p = o->estimate, h;

			if (p > 0 && p < 1) {
				h = t * o->se / (p * (1 - p));
				o->ci_low = 1 / (1 + exp(-(log(p / (1 - p)) - h)));
				o->ci_high = 1 / (1 + exp(-(log(p / (1 - p)) + h)));
			} else {
				o->ci_low = o->ci_high = p;
			}
			continue;
		}
		o->ci_low = o->estimate - t * o->se;
		o->ci_high = o->estimate + t * o->se;
	}
	/* qsort_r: tools run on several threads at once */
	qsort_r(v->res, v->nres, sizeof(*v->res), res_cmp, v);
	for (size_t i = 0; i < v->nres; i++) {
		const struct est *e = (const struct est *)v->res[i].category;

		v->res[i].category = e->category;
	}
	clear_estimates(v, false);
	return 0;
}

int64_t svyvar_strata(const struct svyvar *v)
{
	return (int64_t)v->strata_map.n;
}

int64_t svyvar_psus(const struct svyvar *v)
{
	if (v->spec.cluster) {
		return (int64_t)v->npsus;
	}
	return v->rows;
}

int64_t svyvar_df(const struct svyvar *v)
{
	return (int64_t)v->df;
}

int64_t svyvar_rows(const struct svyvar *v)
{
	return v->rows;
}

const struct svycounts *svyvar_counts(const struct svyvar *v)
{
	return &v->counts;
}

size_t svyvar_nresults(const struct svyvar *v)
{
	return v->nres;
}

const struct svyres *svyvar_result(const struct svyvar *v, size_t i)
{
	return &v->res[i];
}

const cJSON *svyvar_group_value(const struct svyvar *v, int g, int i)
{
	return v->groups[g].values[i];
}

/* ---- Student's t ---- */

/* the continued fraction of the incomplete beta (Lentz) */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab * x / qap, h;

	if (fabs(d) < tiny) {
		d = tiny;
	}
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 10000; m++) {
		int m2 = 2 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2)), del;

		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16) {
			break;
		}
	}
	return h;
}

/* the regularized incomplete beta I_x(a, b) */
static double ibeta(double a, double b, double x)
{
	double lbt;

	if (x <= 0) {
		return 0;
	}
	if (x >= 1) {
		return 1;
	}
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	      b * log1p(-x);
	if (x < (a + 1) / (a + b + 2)) {
		return exp(lbt) * betacf(a, b, x) / a;
	}
	return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

/* P(T > t) for t >= 0 */
static double t_upper(double t, double df)
{
	return 0.5 * ibeta(df / 2, 0.5, df / (df + t * t));
}

/* the p quantile of the standard normal, p > 0.5, by bisection on erfc */
static double qnorm_upper(double p)
{
	double lo = 0, hi = 40, target = 1 - p;

	for (int i = 0; i < 200; i++) {
		double mid = lo + (hi - lo) / 2;

		if (mid <= lo || mid >= hi) {
			break;
		}
		if (0.5 * erfc(mid / sqrt(2)) > target) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return lo + (hi - lo) / 2;
}

double svy_qt(double p, double df)
{
	double lo = 0, hi = 1, target;

	if (!(df > 0) || !(p > 0 && p < 1)) {
		return NAN;
	}
	if (p == 0.5) {
		return 0;
	}
	if (p < 0.5) {
		return -svy_qt(1 - p, df);
	}
	if (df > 1000) {
		/*
		 * The incomplete beta's continued fraction loses digits
		 * for huge df (a weight-only design of millions of rows);
		 * the Cornish-Fisher expansion about the normal quantile is
		 * exact there to O(df^-5).
		 */
		double z = qnorm_upper(p), z2 = z * z;

		double z4 = z2 * z2, z6 = z4 * z2, z8 = z4 * z4;

		return z + z * (z2 + 1) / (4 * df) +
		       z * (5 * z4 + 16 * z2 + 3) / (96 * df * df) +
		       z * (3 * z6 + 19 * z4 + 17 * z2 - 15) /
		       (384 * df * df * df) +
		       z * (79 * z8 + 776 * z6 + 1482 * z4 - 1920 * z2 -
			    945) / (92160 * df * df * df * df);
	}
	target = 1 - p;
	while (t_upper(hi, df) > target) {
		lo = hi;
		hi *= 2;
		if (hi > 1e300) {
			return INFINITY;
		}
	}
	/* bisection to the last bit: the tail is monotone in t */
	for (int i = 0; i < 200; i++) {
		double mid = lo + (hi - lo) / 2;

		if (mid <= lo || mid >= hi) {
			break;
		}
		if (t_upper(mid, df) > target) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return lo + (hi - lo) / 2;
}
