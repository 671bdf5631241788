#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcp/banned.h"
#include "mcp/clock.h"
#include "mcp/ident.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "weighted-se.h"

/* how often the row loop looks at the clock and the cancel flag */
#define CHECK_EVERY 4096

static char *design_sql(const struct wse_req *r)
{
	struct buf sql = BUF_INIT;

	buf_addstr(&sql, "SELECT ");
	svydesign_add_columns(&sql, r->design, r->weight);
	if (r->where) {
		buf_addf(&sql, ", CASE WHEN (%s) THEN 1 ELSE 0 END, ",
			 r->where);
	} else {
		buf_addstr(&sql, ", 1, ");
	}
	if (r->measure) {
		ident_quote(&sql, r->measure);
	} else {
		buf_addstr(&sql, "1");
	}
	for (int i = 0; i < r->nby; i++) {
		buf_addstr(&sql, ", ");
		ident_quote(&sql, r->by[i]);
	}
	buf_addstr(&sql, " FROM ");
	ident_quote(&sql, r->dataset);
	return buf_detach(&sql, NULL);
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec &&
		now.tv_nsec >= deadline->tv_nsec);
}

/* one pass over the rows; false after tool_error */
static bool feed(struct tool_call *call, sqlite3 *db, sqlite3_stmt *st,
		 struct svyvar *v, const struct timespec *deadline)
{
	int64_t n = 0;
	char *err = NULL;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++n % CHECK_EVERY == 0) {
			if (cancel_raised(call->cancel)) {
				tool_error(call, "the query was cancelled");
				call->log_status = "cancelled";
				return false;
			}
			if (deadline && past(deadline)) {
				tool_error(call, "the estimates took longer "
					   "than the query timeout");
				call->log_status = "timeout";
				return false;
			}
		}
		if (svyvar_add(v, st, &err) < 0) {
			tool_error(call, "%s", err);
			free(err);
			return false;
		}
	}
	if (rc != SQLITE_DONE) {
		tool_error(call, "cannot read the rows: %s", sqlite3_errmsg(db));
		return false;
	}
	return true;
}

static void add_column(cJSON *columns, cJSON *names, const char *name,
		       const char *type)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddItemToArray(columns, c);
	cJSON_AddItemToArray(names, cJSON_CreateString(name));
}

static cJSON *num(double d, double scale)
{
	return render_double(d * scale);
}

static void build_table(const struct wse_req *r, const struct svyvar *v,
			int64_t max_rows, struct wse_answer *ret)
{
	cJSON *s = cJSON_CreateObject();
	cJSON *columns = cJSON_AddArrayToObject(s, "columns");
	cJSON *rows = cJSON_AddArrayToObject(s, "rows");
	cJSON *names = cJSON_CreateArray();
	double scale = r->percent ? 100 : 1;
	size_t total = svyvar_nresults(v), n = total;

	if (max_rows > 0 && (int64_t)n > max_rows) {
		n = (size_t)max_rows;
	}

	for (int i = 0; i < r->nby; i++) {
		add_column(columns, names, r->by[i], "");
	}
	if (r->stat == SVY_SHARE) {
		add_column(columns, names, r->measure, "");
	} else if (r->stat == SVY_QUANTILE) {
		add_column(columns, names, "q", "REAL");
	}
	add_column(columns, names, "estimate", "REAL");
	add_column(columns, names, "n", "INTEGER");
	add_column(columns, names, "weight_sum", "REAL");
	add_column(columns, names, "se", "REAL");
	add_column(columns, names, "ci_low", "REAL");
	add_column(columns, names, "ci_high", "REAL");
	add_column(columns, names, "deff", "REAL");
	render_header(&ret->table, QUERY_FORMAT_MARKDOWN, names);
	for (size_t i = 0; i < n; i++) {
		const struct svyres *x = svyvar_result(v, i);
		cJSON *row = cJSON_CreateArray();
		char nb[32];

		for (int j = 0; j < r->nby; j++) {
			cJSON_AddItemToArray(row, cJSON_Duplicate(
				svyvar_group_value(v, x->group, j), 1));
		}
		if (r->stat == SVY_SHARE) {
			cJSON_AddItemToArray(row,
					     cJSON_Duplicate(x->category, 1));
		} else if (r->stat == SVY_QUANTILE) {
			cJSON_AddItemToArray(row, num(x->q, 1));
		}
		cJSON_AddItemToArray(row, num(x->estimate, scale));
		snprintf(nb, sizeof(nb), "%lld", (long long)x->n);
		cJSON_AddItemToArray(row, cJSON_CreateRaw(nb));
		cJSON_AddItemToArray(row, num(x->weight_sum, 1));
		cJSON_AddItemToArray(row, num(x->se, scale));
		cJSON_AddItemToArray(row, num(x->ci_low, scale));
		cJSON_AddItemToArray(row, num(x->ci_high, scale));
		cJSON_AddItemToArray(row, num(x->deff, 1));
		render_row(&ret->table, QUERY_FORMAT_MARKDOWN, names, row,
			   (int64_t)i, r->opts);
		cJSON_AddItemToArray(rows, row);
	}
	render_footer(&ret->table, QUERY_FORMAT_MARKDOWN, (int64_t)n);
	if (n < total) {
		buf_addf(&ret->table, "\n(%zu of %zu rows shown: the row "
			 "limit. Narrow the groups with 'where' or use fewer "
			 "'by' columns.)\n", n, total);
	}
	cJSON_AddNumberToObject(s, "row_count", (double)n);
	cJSON_AddBoolToObject(s, "truncated", n < total);
	if (n < total) {
		cJSON_AddNumberToObject(s, "total_rows", (double)total);
	}
	cJSON_Delete(names);
	ret->structured = s;
}

bool weighted_se_run(struct tool_call *call, struct qconn *conn,
		     const struct wse_req *r, struct wse_answer *ret)
{
	const struct svydesign *d = r->design;
	struct svyvar_spec spec = {
		.strata = d && d->strata,
		.cluster = d && d->cluster,
		.cluster2 = d && d->cluster2,
		.fpc = d && d->fpc,
		.fpc2 = d && d->fpc2,
		.nest = d && d->nest,
		.lonely = d ? d->lonely : SVY_LONELY_FAIL,
		.stat = r->stat,
		.nby = r->nby,
		.q = r->q,
		.nq = r->nq,
		.level = r->level,
		.logit = r->logit,
	};
	sqlite3 *db = qconn_sqlite(conn);
	struct timespec deadline;
	struct svyvar *v = NULL;
	sqlite3_stmt *st = NULL;
	char *sql = design_sql(r);
	char *err = NULL;
	bool ok = false;
	int rc;

	memset(ret, 0, sizeof(*ret));
	buf_init(&ret->table, 0);
	if (call->limits->timeout_ms > 0) {
		clock_after_ms(CLOCK_MONOTONIC, call->limits->timeout_ms,
			       &deadline);
	}
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	free(call->log_sql);
	call->log_sql = sql;
	if (rc != SQLITE_OK) {
		tool_error(call, "cannot read dataset '%s': %s", r->dataset,
			   sqlite3_errmsg(db));
		goto out;
	}
	v = svyvar_create(&spec);
	for (;;) {
		if (!feed(call, db, st, v,
			  call->limits->timeout_ms > 0 ? &deadline : NULL)) {
			goto out;
		}
		rc = svyvar_finish(v, &err);
		if (rc < 0) {
			tool_error(call, "the sampling design of dataset '%s' "
				   "does not hold: %s", r->dataset, err);
			goto out;
		}
		if (rc == 0) {
			break;
		}
		/* quantiles: a second pass for the Woodruff interval */
		sqlite3_reset(st);
	}
	ret->df = svyvar_df(v);
	ret->strata = svyvar_strata(v);
	ret->psus = svyvar_psus(v);
	ret->rows = svyvar_rows(v);
	ret->counts = *svyvar_counts(v);
	build_table(r, v, call->limits->max_rows, ret);
	call->log_rows = (int64_t)svyvar_nresults(v);
	ok = true;
out:
	free(err);
	sqlite3_finalize(st);
	svyvar_destroy(v);
	return ok;
}

void wse_answer_finish(struct wse_answer *a)
{
	buf_release(&a->table);
	cJSON_Delete(a->structured);
	a->structured = NULL;
}
