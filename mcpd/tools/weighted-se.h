/*
 * weighted-se: the design-based half of weighted_stats, the estimates
 * with their standard errors and confidence intervals (common/svyvar.h).
 *
 * weighted_se_run() reads every row of the dataset once (twice for
 * quantiles) on a guarded query connection, under the call's timeout and
 * cancel flag, and renders the answer table.  Everything in struct
 * wse_req is borrowed; names are the catalog's spelling and the filter
 * has passed query_check_expr().
 */
#ifndef MCPD_WEIGHTED_SE_H
#define MCPD_WEIGHTED_SE_H

#include <stdbool.h>

#include "mcp/svydesign.h"
#include "mcp/svyvar.h"
#include "tool.h"

struct wse_req {
	const char *dataset;
	const char *measure;            /* NULL for count */
	const char *const *by;
	int nby;
	const char *where;              /* NULL: the whole table */
	const char *weight;             /* NULL: every row weighs 1 */
	const struct svydesign *design; /* NULL: weight only */
	enum svy_stat stat;
	bool percent;                   /* shares times 100 */
	const double *q;
	int nq;
	double level;
	bool logit;                     /* percent: the logit interval */
	const struct query_opts *opts;  /* how numbers are shown */
};

struct wse_answer {
	struct buf table;               /* the markdown table */
	cJSON *structured;              /* {columns, rows, row_count, ...} */
	int64_t df;
	int64_t strata;
	int64_t psus;
	int64_t rows;                   /* rows in the design */
	struct svycounts counts;
};

/* true with *ret filled; false after tool_error() on the call */
bool weighted_se_run(struct tool_call *call, struct qconn *conn,
		     const struct wse_req *r, struct wse_answer *ret);
void wse_answer_finish(struct wse_answer *a);

#endif
