/*
 * wkernel: weighted_stats as C loops over a dataset's column cache
 * (colcache.h) instead of SQL per row.
 *
 * wkernel_run() computes what mcpd/tools/weighted.c's check statement and
 * estimate statement would, in one pass over the columns the call names,
 * and hands the answer back as one small SELECT over literal rows, named
 * and ordered as the SQL path's answer, for query_run() to render as
 * usual.  It reads only the cache of the dataset it is given.  When it
 * cannot answer exactly as SQL would (no fresh cache, a column that is not
 * cached, a filter it does not know, a negative weight, too many groups)
 * it returns NULL with the reason, and the caller runs the SQL.
 */
#ifndef MCP_WKERNEL_H
#define MCP_WKERNEL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct dataset_info;

enum wk_stat {
	WK_MEAN,
	WK_TOTAL,
	WK_COUNT,
	WK_PERCENT,
	WK_QUANTILE,
};

struct wk_request {
	const char *catalog_path;
	const struct dataset_info *ds;
	enum wk_stat stat;
	const char *measure;            /* NULL: count of rows */
	const char *const *by;
	size_t nby;
	const char *weight;             /* NULL: unweighted */
	const char *where;              /* NULL: every row */
	const double *q;
	size_t nq;
};

struct wk_answer {
	char *sql;                      /* the answer as a SELECT */
	int64_t rows_in;                /* rows that pass the filter */
	int64_t left_out;               /* of them, NULL measure or weight */
	int64_t null_measure;
	int64_t null_weight;            /* measure present, weight NULL */
	/* declared types of the by columns (and the percent measure) */
	char *types[9];
	size_t ntypes;
};

/* 0 with *ret filled, or -1 with *ret_why (static text) */
int wkernel_run(const struct wk_request *r, struct wk_answer *ret,
		const char **ret_why);
void wkernel_answer_finish(struct wk_answer *a);

/*
 * Give the answer's structuredContent the column types the SQL path's
 * answer has (literal rows have none).
 */
void wkernel_fix_types(const struct wk_answer *a, cJSON *structured);

#endif
