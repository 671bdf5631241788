/*
 * svydesign: the sampling design of a dataset, as the catalog keeps it
 * (table dataset_designs).
 *
 * A design names columns of the dataset: strata, first-stage clusters
 * (PSUs), optional second-stage clusters, and finite population
 * corrections for each stage; `nest` says PSU ids are only unique within
 * their stratum; `lonely` is what a stratum with a single PSU does, as R's
 * options(survey.lonely.psu = ...).  A NULL column name means that part
 * of the design is not used.  The weight stays the dataset's
 * weight_column.
 *
 * svydesign_load() returns a design on the heap (caller releases it with
 * svydesign_destroy(), which accepts NULL), or -ENOENT when the dataset
 * has none.  svydesign_check() reads every row once to check the design
 * and count its strata and PSUs; on failure *ret_err (caller frees) names
 * the first stratum or PSU at fault.
 */
#ifndef MCP_SVYDESIGN_H
#define MCP_SVYDESIGN_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/db.h"

enum svy_lonely {
	SVY_LONELY_FAIL,
	SVY_LONELY_REMOVE,
	SVY_LONELY_CERTAINTY,
	SVY_LONELY_ADJUST,
	SVY_LONELY_AVERAGE,
};

struct svydesign {
	char *strata;
	char *cluster;
	char *cluster2;
	char *fpc;
	char *fpc2;
	bool nest;
	enum svy_lonely lonely;
	int64_t n_strata;       /* as last checked; -1 when unknown */
	int64_t n_psu;
};

/* "fail", "remove", ...; -EINVAL otherwise */
int svy_lonely_parse(const char *s, enum svy_lonely *ret);
const char *svy_lonely_name(enum svy_lonely l);

int svydesign_load(struct db *db, int64_t dataset_id,
		   struct svydesign **ret);
/* insert or replace the dataset's design row */
int svydesign_store(struct db *db, int64_t dataset_id,
		    const struct svydesign *d);
int svydesign_remove(struct db *db, int64_t dataset_id);
void svydesign_destroy(struct svydesign *d);

/* true when the design has anything beyond a weight */
bool svydesign_is_set(const struct svydesign *d);

/*
 * One line in words, e.g. "stratified cluster sample: 15 strata, 31 PSUs,
 * weights WTMEC2YR", then the columns and the lonely-PSU rule.
 * `weight` may be NULL.
 */
void svydesign_describe(const struct svydesign *d, const char *weight,
			struct buf *out);

/*
 * The design part of the select list svyvar.h expects: stratum, PSU,
 * second-stage unit, fpc, second-stage fpc, weight, each a quoted column
 * or NULL.  `d` may be NULL (weight only); `weight` NULL means 1.
 */
void svydesign_add_columns(struct buf *sql, const struct svydesign *d,
			   const char *weight);

/*
 * Check the design over the rows of `rows_ref` (an SQL table expression
 * on `sql`) with weight column `weight` (NULL: every row weighs 1): the
 * weights are positive, each fpc is constant within its stratum (or, at
 * the second stage, its PSU) and is a population size no smaller than
 * the sample or a fraction in (0, 1], PSU ids do not repeat across strata
 * unless nested, and no stratum has a lonely PSU under the "fail" rule.
 * Sets d->n_strata and d->n_psu.  The column names must exist (the caller
 * checks them against the catalog).
 */
int svydesign_check(sqlite3 *sql, const char *rows_ref, const char *weight,
		    struct svydesign *d, char **ret_err);

#endif
