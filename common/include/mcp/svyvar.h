/*
 * svyvar: design-based estimates and their Taylor-linearization standard
 * errors, as R's survey package computes them (svymean, svytotal, svyby,
 * svyquantile's Woodruff interval), in one pass over the rows.
 *
 * The caller prepares a statement whose columns are, in this order:
 *   0 stratum, 1 PSU, 2 second-stage unit, 3 fpc, 4 second-stage fpc
 *     (NULL constants for the parts the design does not have),
 *   5 weight, 6 domain (1 when the row is in the domain, e.g. passes the
 *     `where` filter; 0 or NULL otherwise), 7 measure,
 *   8... the by columns,
 * over every row of the dataset: rows outside the domain still carry the
 * design (how many PSUs each stratum has), and contribute zeros to the
 * estimates, which is how survey computes domain estimates.  Rows with a
 * NULL weight are not part of the design at all; rows with a NULL measure
 * are outside every domain.
 *
 * svyvar_add() takes the current row of the statement; svyvar_finish()
 * computes every estimate.  Memory is that of the PSU totals: one cell per
 * (group, category, sampling unit) that has rows, where the sampling unit
 * is the PSU (the second-stage unit with --cluster2 and an fpc), plus one
 * accumulator per (group, category, stratum); never the rows themselves.
 * A design without clusters treats each row as its PSU and adds it to the
 * stratum accumulators directly, so it needs no cells at all.  Quantiles
 * are the exception: they keep each group's values.
 *
 * Errors return a negative errno with *ret_err (caller frees) naming the
 * first stratum, PSU or row at fault.
 */
#ifndef MCP_SVYVAR_H
#define MCP_SVYVAR_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mcp/svydesign.h"

enum svy_stat {
	SVY_TOTAL,              /* total of the measure */
	SVY_COUNT,              /* total of 1 (the measure is ignored) */
	SVY_MEAN,               /* ratio of totals: measure / 1 */
	SVY_SHARE,              /* each value of the measure: mean of its
				 * indicator */
	SVY_QUANTILE,           /* qrule "math" and Woodruff's interval */
};

/* what the statement's design columns are: which are real columns */
struct svyvar_spec {
	bool strata;
	bool cluster;
	bool cluster2;
	bool fpc;
	bool fpc2;
	bool nest;
	enum svy_lonely lonely;
	enum svy_stat stat;
	int nby;
	const double *q;        /* SVY_QUANTILE: probabilities */
	int nq;
	double level;           /* confidence level, e.g. 0.95 */
	bool logit;             /* SVY_SHARE: svyciprop's "logit" interval */
	bool check_only;        /* design check: no estimates */
};

struct svyres {
	int group;              /* index for svyvar_group_value() */
	const cJSON *category;  /* SVY_SHARE: the value; else NULL */
	double q;               /* SVY_QUANTILE: the probability */
	double estimate;        /* NAN when undefined */
	double se;
	double ci_low;
	double ci_high;
	double deff;            /* NAN when undefined */
	int64_t n;              /* rows behind the estimate */
	double weight_sum;
};

struct svyvar;

/*
 * Estimates (groups times categories) one call may have: each costs a
 * cell per PSU, so this bounds memory by it times the PSUs.
 */
#define SVY_MAX_ESTIMATES 20000

struct svyvar *svyvar_create(const struct svyvar_spec *spec);
void svyvar_destroy(struct svyvar *v);

int svyvar_add(struct svyvar *v, sqlite3_stmt *st, char **ret_err);
int svyvar_finish(struct svyvar *v, char **ret_err);

/* the design as seen in the rows: strata, PSUs, degrees of freedom */
int64_t svyvar_strata(const struct svyvar *v);
int64_t svyvar_psus(const struct svyvar *v);
int64_t svyvar_df(const struct svyvar *v);
/* rows with a weight: the design's rows */
int64_t svyvar_rows(const struct svyvar *v);

/* the rows of the domain, and those left out for a NULL measure or weight */
struct svycounts {
	int64_t rows_in;
	int64_t null_measure;
	int64_t null_weight;        /* with a measure but no weight */
};
const struct svycounts *svyvar_counts(const struct svyvar *v);

/* results in the order of the groups, then category or q */
size_t svyvar_nresults(const struct svyvar *v);
const struct svyres *svyvar_result(const struct svyvar *v, size_t i);
/* by column `i` of group `g`, as a cJSON item owned by the svyvar */
const cJSON *svyvar_group_value(const struct svyvar *v, int g, int i);

/* the p quantile of Student's t with `df` degrees of freedom */
double svy_qt(double p, double df);

#endif
