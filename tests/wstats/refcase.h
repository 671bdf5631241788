/*
 * refcase: the cases and values recorded from R in expected.csv, and the
 * comparison of a result table against them.
 *
 * refcase_load() reads the file into an array of cases the caller frees
 * with refcase_free().  A result table is the structured form both
 * query_run() and weighted_stats give: {columns: [{name}], rows: [[...]]},
 * laid out as the by columns, then the category (percent) or q (quantile)
 * when there is one, then estimate, n and weight_sum.
 */
#ifndef WSTATS_REFCASE_H
#define WSTATS_REFCASE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"

struct refrow {
	char *group;            /* by values joined with '|', "NA" for NULL */
	char *category;         /* percent: the measure's value, else "" */
	double q;               /* quantile: the probability, else -1 */
	double estimate;
	long long n;
	double weight_sum;
};

struct refcase {
	char *id;
	char *stat;
	char *measure;          /* "" when none */
	char *by[4];
	size_t nby;
	char *where;            /* "" when none */
	bool unweighted;
	double q[8];            /* distinct probabilities, in file order */
	size_t nq;
	struct refrow *rows;
	size_t nrows;
};

/* 0, or -1 after printing why */
int refcase_load(const char *path, struct refcase **ret, size_t *ret_n);
void refcase_free(struct refcase *cases, size_t n);

/*
 * Compare a result table against the case: every expected row is there
 * with its estimate and weight_sum within 1e-12 relative (1e-12 absolute
 * near zero) and the same n, and nothing else is.  Returns true when all
 * match; otherwise `why` gets one line per difference.
 */
bool refcase_check(const struct refcase *c, const cJSON *table,
		   struct buf *why);

#endif
