/*
 * weighted_stats: survey-weighted counts, percentages, means, totals and
 * quantiles by group.
 *
 * The tool turns its arguments into one SQL statement over the dataset's
 * view, built on the aggregates of common/wstats.c, and runs it through
 * query_run(), so the guard, the limits, the timeout and the rendering are
 * those of the `query` tool.  Before it, a short statement over the same
 * rows counts what will be left out (NULL measure or weight) and refuses
 * negative weights.  Every name in the SQL comes from the catalog's
 * column list and is quoted; the filter has passed query_check_expr().
 * docs/weighting.md describes the estimates.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/banned.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/suggest.h"
#include "mcp/svydesign.h"
#include "mcp/log.h"
#include "mcp/wkernel.h"
#include "mcp/xalloc.h"
#include "tool.h"
#include "weighted-se.h"
#include "weighted-labels.h"

#define MAX_BY 8
#define MAX_Q 20

enum stat {
	STAT_MEAN,
	STAT_TOTAL,
	STAT_COUNT,
	STAT_PERCENT,
	STAT_QUANTILE,
};

static const char *const stat_names[] = {
	[STAT_MEAN] = "mean",
	[STAT_TOTAL] = "total",
	[STAT_COUNT] = "count",
	[STAT_PERCENT] = "percent",
	[STAT_QUANTILE] = "quantile",
};

struct wreq {
	struct dataset_info *ds;
	char **columns;          /* the dataset's columns, catalog spelling */
	size_t ncolumns;
	enum stat stat;
	const char *measure;     /* catalog spelling, or NULL */
	const char *by[MAX_BY];
	size_t nby;
	const char *where;       /* checked, or NULL */
	const char *weight;      /* catalog spelling, or NULL: unweighted */
	bool unweighted;         /* asked for, or no weight column exists */
	bool no_weight_column;
	double q[MAX_Q];
	size_t nq;
	struct svydesign *design;   /* the dataset's, or NULL */
	bool se;                    /* design-based SEs and intervals */
	double level;
	bool logit;                 /* percent: ci "logit" */
};

static void wreq_finish(struct wreq *r)
{
	for (size_t i = 0; i < r->ncolumns; i++) {
		free(r->columns[i]);
	}
	free(r->columns);
	svydesign_destroy(r->design);
	dataset_info_destroy(r->ds);
}

static int load_columns(struct db *catalog, struct wreq *r)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc;

	rc = sqlite3_prepare_v2(catalog->sql,
				"SELECT name FROM dataset_columns "
				"WHERE dataset_id = ? ORDER BY position",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, r->ds->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (!name) {
			continue;
		}
		if (r->ncolumns == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			r->columns = xrealloc(r->columns,
					      alloc * sizeof(*r->columns));
		}
		r->columns[r->ncolumns++] = xstrdup(name);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_errno(rc);
}

/* the catalog's spelling of a column (SQL names ignore ASCII case) */
static const char *find_column(const struct wreq *r, const char *name)
{
	for (size_t i = 0; i < r->ncolumns; i++) {
		if (strcmp(r->columns[i], name) == 0) {
			return r->columns[i];
		}
	}
	for (size_t i = 0; i < r->ncolumns; i++) {
		if (strcasecmp(r->columns[i], name) == 0) {
			return r->columns[i];
		}
	}
	return NULL;
}

/* columns named after a slip, at most; describe_dataset has them all */
#define COLUMNS_NAMED 40

static void error_no_column(struct tool_call *call, const struct wreq *r,
			    const char *what, const char *name)
{
	const char *m = suggest_closest(name, (const char *const *)r->columns,
					r->ncolumns);

	tool_error(call, "%s '%s' is not a column of dataset '%s'", what,
		   name, r->ds->name);
	if (m) {
		buf_addf(&call->text, "; did you mean '%s'?", m);
	}
	buf_addstr(&call->text, m ? " Its columns are: "
				  : "; its columns are: ");
	for (size_t i = 0; i < r->ncolumns; i++) {
		if (i == COLUMNS_NAMED) {
			buf_addf(&call->text, ", ... and %zu more",
				 r->ncolumns - i);
			break;
		}
		buf_addf(&call->text, "%s%s", i ? ", " : "", r->columns[i]);
	}
	buf_addch(&call->text, '\n');
}

static bool arg_column(struct tool_call *call, struct wreq *r,
		       const char *key, const char *what, const char **ret)
{
	const char *s = tool_arg_string(call, key, false);

	if (call->is_error) {
		return false;
	}
	if (!s) {
		*ret = NULL;
		return true;
	}
	*ret = find_column(r, s);
	if (!*ret) {
		error_no_column(call, r, what, s);
		return false;
	}
	return true;
}

static bool parse_stat(struct tool_call *call, struct wreq *r)
{
	const char *s = tool_arg_string(call, "stat", false);

	if (call->is_error) {
		return false;
	}
	if (!s) {
		/* the common questions: "how many" and "on average" */
		r->stat = r->measure ? STAT_MEAN : STAT_COUNT;
		return true;
	}
	for (size_t i = 0; i < sizeof(stat_names) / sizeof(*stat_names);
	     i++) {
		if (strcmp(s, stat_names[i]) == 0) {
			r->stat = (enum stat)i;
			return true;
		}
	}
	tool_error(call, "argument 'stat' must be one of mean, total, count, "
		   "percent, quantile (got '%s')", s);
	return false;
}

static bool parse_by(struct tool_call *call, struct wreq *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(call->args, "by");
	const cJSON *item;

	if (!v || cJSON_IsNull(v)) {
		return true;
	}
	if (cJSON_IsString(v)) {
		/* one column given as a plain string: accept it */
		const char *c = find_column(r, v->valuestring);

		if (!c) {
			error_no_column(call, r, "by column", v->valuestring);
			return false;
		}
		r->by[r->nby++] = c;
		return true;
	}
	if (!cJSON_IsArray(v)) {
		tool_error(call, "argument 'by' must be a list of column "
			   "names");
		return false;
	}
	cJSON_ArrayForEach(item, v) {
		const char *c;

		if (!cJSON_IsString(item)) {
			tool_error(call, "argument 'by' must be a list of "
				   "column names");
			return false;
		}
		if (r->nby == MAX_BY) {
			tool_error(call, "argument 'by' takes at most %d "
				   "columns", MAX_BY);
			return false;
		}
		c = find_column(r, item->valuestring);
		if (!c) {
			error_no_column(call, r, "by column",
					item->valuestring);
			return false;
		}
		for (size_t i = 0; i < r->nby; i++) {
			if (r->by[i] == c) {
				tool_error(call, "by column '%s' is given "
					   "twice", c);
				return false;
			}
		}
		r->by[r->nby++] = c;
	}
	return true;
}

static bool parse_q(struct tool_call *call, struct wreq *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(call->args, "q");
	const cJSON *item;

	if (!v || cJSON_IsNull(v)) {
		r->q[0] = 0.5;
		r->nq = 1;
		return true;
	}
	if (r->stat != STAT_QUANTILE) {
		tool_error(call, "argument 'q' is for stat \"quantile\" only");
		return false;
	}
	if (cJSON_IsNumber(v)) {
		r->q[0] = v->valuedouble;
		r->nq = 1;
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(item, v) {
			if (!cJSON_IsNumber(item)) {
				goto bad;
			}
			if (r->nq == MAX_Q) {
				tool_error(call, "argument 'q' takes at most "
					   "%d probabilities", MAX_Q);
				return false;
			}
			r->q[r->nq++] = item->valuedouble;
		}
	} else {
		goto bad;
	}
	if (r->nq == 0) {
		goto bad;
	}
	for (size_t i = 0; i < r->nq; i++) {
		if (!(r->q[i] >= 0 && r->q[i] <= 1)) {
			goto bad;
		}
		for (size_t j = 0; j < i; j++) {
			if (r->q[j] == r->q[i]) {
				tool_error(call, "argument 'q' lists %g "
					   "twice", r->q[i]);
				return false;
			}
		}
	}
	return true;
bad:
	tool_error(call, "argument 'q' must be a probability from 0 to 1, or "
		   "a list of them (for example [0.25, 0.5, 0.75])");
	return false;
}

static bool parse_unweighted(struct tool_call *call, struct wreq *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(call->args,
							  "unweighted");

	if (!v || cJSON_IsNull(v)) {
		return true;
	}
	if (!cJSON_IsBool(v)) {
		tool_error(call, "argument 'unweighted' must be true or false");
		return false;
	}
	r->unweighted = cJSON_IsTrue(v);
	return true;
}

/* does the catalog's profile say the measure holds text? */
static bool measure_is_text(struct db *catalog, const struct wreq *r)
{
	sqlite3_stmt *st = NULL;
	bool text = false;

	if (sqlite3_prepare_v2(catalog->sql,
			       "SELECT coalesce(inferred_type, declared_type) "
			       "FROM dataset_columns WHERE dataset_id = ?1 "
			       "AND name = ?2", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, r->ds->id);
		sqlite3_bind_text(st, 2, r->measure, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st,
									  0);

			text = t && strcasecmp(t, "TEXT") == 0;
		}
	}
	sqlite3_finalize(st);
	return text;
}

/* se (default: when the dataset has a design) and level */
static bool parse_se(struct tool_call *call, struct wreq *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(call->args, "se");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(call->args,
							  "level");
	const char *ci;
	int e = svydesign_load(call->catalog, r->ds->id, &r->design);

	if (e < 0 && e != -ENOENT) {
		tool_error(call, "cannot read the catalog: %s", strerror(-e));
		return false;
	}
	r->se = svydesign_is_set(r->design);
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsBool(v)) {
			tool_error(call, "argument 'se' must be true or false");
			return false;
		}
		r->se = cJSON_IsTrue(v);
	}
	ci = tool_arg_string(call, "ci", false);
	if (call->is_error) {
		return false;
	}
	if (ci && strcmp(ci, "logit") != 0 && strcmp(ci, "mean") != 0) {
		tool_error(call, "argument 'ci' must be \"mean\" or "
			   "\"logit\" (got '%s')", ci);
		return false;
	}
	r->logit = ci && strcmp(ci, "logit") == 0;
	if (r->logit && r->stat != STAT_PERCENT) {
		tool_error(call, "argument 'ci': \"logit\" is for stat "
			   "\"percent\" only");
		return false;
	}
	r->level = 0.95;
	if (l && !cJSON_IsNull(l)) {
		if (!cJSON_IsNumber(l) || !(l->valuedouble > 0 &&
					    l->valuedouble < 1)) {
			tool_error(call, "argument 'level' must be a "
				   "confidence level between 0 and 1, for "
				   "example 0.95");
			return false;
		}
		r->level = l->valuedouble;
	}
	return true;
}

static bool parse_args(struct tool_call *call, struct wreq *r)
{
	const char *name;
	int e;

	name = tool_arg_string(call, "dataset", true);
	if (!name) {
		return false;
	}
	e = dataset_lookup(call->catalog, name, &r->ds);
	if (e == -ENOENT || (e == 0 && !r->ds->enabled)) {
		tool_error(call, "no dataset named '%s'; list_datasets shows "
			   "the datasets there are", name);
		tool_suggest_dataset(call, name);
		return false;
	}
	if (e < 0 || (e = load_columns(call->catalog, r)) < 0) {
		tool_error(call, "cannot read the catalog: %s", strerror(-e));
		return false;
	}
	if (!arg_column(call, r, "measure", "measure", &r->measure) ||
	    !parse_stat(call, r) || !parse_by(call, r) ||
	    !parse_unweighted(call, r) || !parse_q(call, r) ||
	    !arg_column(call, r, "weight", "weight", &r->weight)) {
		return false;
	}
	r->where = tool_arg_string(call, "where", false);
	if (call->is_error) {
		return false;
	}
	if (r->where && r->where[strspn(r->where, " \t\r\n")] == '\0') {
		r->where = NULL;
	}
	if (r->stat != STAT_COUNT && !r->measure) {
		tool_error(call, "stat \"%s\" needs a 'measure' column",
			   stat_names[r->stat]);
		return false;
	}
	if ((r->stat == STAT_MEAN || r->stat == STAT_TOTAL ||
	     r->stat == STAT_QUANTILE) &&
	    measure_is_text(call->catalog, r)) {
		tool_error(call, "%s is TEXT; use stat: percent for the share "
			   "of each value", r->measure);
		return false;
	}
	if (r->stat == STAT_PERCENT) {
		for (size_t i = 0; i < r->nby; i++) {
			if (r->by[i] == r->measure) {
				tool_error(call, "the measure '%s' cannot "
					   "also be a by column", r->measure);
				return false;
			}
		}
	}
	if (!r->weight && !r->unweighted) {
		if (r->ds->weight_column) {
			r->weight = find_column(r, r->ds->weight_column);
		}
		if (!r->weight) {
			r->unweighted = true;
			r->no_weight_column = true;
		}
	}
	if (r->unweighted) {
		r->weight = NULL;
	}
	return parse_se(call, r);
}

/*
 * base: the dataset's rows after the filter, with the by columns as b0..,
 * the measure as m and the weight as w.  Unweighted means a weight of 1
 * for every row; count without a measure counts every row.
 */
static void add_base(struct buf *sql, const struct wreq *r)
{
	buf_addstr(sql, "WITH base AS (SELECT ");
	for (size_t i = 0; i < r->nby; i++) {
		ident_quote(sql, r->by[i]);
		buf_addf(sql, " AS b%zu, ", i);
	}
	if (r->measure) {
		ident_quote(sql, r->measure);
	} else {
		buf_addstr(sql, "1");
	}
	buf_addstr(sql, " AS m, ");
	if (r->weight) {
		ident_quote(sql, r->weight);
	} else {
		buf_addstr(sql, "1");
	}
	buf_addstr(sql, " AS w FROM ");
	ident_quote(sql, r->ds->name);
	if (r->where) {
		buf_addf(sql, " WHERE (%s)", r->where);
	}
	buf_addstr(sql, ")");
}

static char *check_sql(const struct wreq *r)
{
	struct buf sql = BUF_INIT;

	add_base(&sql, r);
	buf_addstr(&sql, " SELECT count(*) AS rows_in, "
		   "count(*) FILTER (WHERE m IS NULL OR w IS NULL) AS "
		   "left_out, count(*) FILTER (WHERE m IS NULL) AS "
		   "null_measure, count(*) FILTER (WHERE m IS NOT NULL AND "
		   "w IS NULL) AS null_weight, "
		   "count(*) FILTER (WHERE w < 0) AS negative_weight "
		   "FROM base");
	return buf_detach(&sql, NULL);
}

static void add_groups(struct buf *sql, const struct wreq *r, bool first)
{
	for (size_t i = 0; i < r->nby; i++) {
		buf_addf(sql, "%sb%zu", first && i == 0 ? "" : ", ", i);
	}
}

/* a probability as an SQL REAL literal (so q = 1 is 1.0, not 1) */
static void add_real(struct buf *sql, double v)
{
	char num[40];

	snprintf(num, sizeof(num), "%.17g", v);
	buf_addstr(sql, num);
	if (!strpbrk(num, ".eE")) {
		buf_addstr(sql, ".0");
	}
}

/*
 * Quantiles: one grouping pass computes every probability as its own
 * column (g, materialized), then one SELECT per probability turns them
 * into rows.  Grouping once instead of joining the rows with the list of
 * probabilities keeps the sort of a big dataset to one.
 */
static char *quantile_sql(const struct wreq *r)
{
	struct buf sql = BUF_INIT;

	add_base(&sql, r);
	buf_addstr(&sql, ", g AS MATERIALIZED (SELECT ");
	add_groups(&sql, r, true);
	for (size_t k = 0; k < r->nq; k++) {
		buf_addf(&sql, "%swquantile(m, w, ", k || r->nby ? ", " : "");
		add_real(&sql, r->q[k]);
		buf_addf(&sql, ") AS e%zu", k);
	}
	buf_addstr(&sql, ", count(*) AS n, coalesce(wsum(1, w), 0) AS ws "
		   "FROM base WHERE m IS NOT NULL AND w IS NOT NULL");
	if (r->nby) {
		buf_addstr(&sql, " GROUP BY ");
		add_groups(&sql, r, true);
	}
	buf_addstr(&sql, ")");
	for (size_t k = 0; k < r->nq; k++) {
		buf_addstr(&sql, k ? " UNION ALL SELECT " : " SELECT ");
		for (size_t i = 0; i < r->nby; i++) {
			buf_addf(&sql, "b%zu", i);
			if (k == 0) {
				buf_addstr(&sql, " AS ");
				ident_quote(&sql, r->by[i]);
			}
			buf_addstr(&sql, ", ");
		}
		add_real(&sql, r->q[k]);
		buf_addf(&sql, "%s, e%zu%s, n%s, ws%s FROM g",
			 k ? "" : " AS q", k, k ? "" : " AS estimate",
			 k ? "" : " AS n", k ? "" : " AS weight_sum");
	}
	buf_addstr(&sql, " ORDER BY ");
	for (size_t i = 0; i <= r->nby; i++) {
		buf_addf(&sql, "%s%zu", i ? ", " : "", i + 1);
	}
	return buf_detach(&sql, NULL);
}

static char *stats_sql(const struct wreq *r)
{
	struct buf sql = BUF_INIT;
	bool grouped = r->nby > 0 || r->stat == STAT_PERCENT;

	if (r->stat == STAT_QUANTILE) {
		return quantile_sql(r);
	}
	add_base(&sql, r);
	buf_addstr(&sql, " SELECT ");
	for (size_t i = 0; i < r->nby; i++) {
		buf_addf(&sql, "b%zu AS ", i);
		ident_quote(&sql, r->by[i]);
		buf_addstr(&sql, ", ");
	}
	switch (r->stat) {
	case STAT_MEAN:
		buf_addstr(&sql, "wmean(m, w)");
		break;
	case STAT_TOTAL:
		buf_addstr(&sql, "wsum(m, w)");
		break;
	case STAT_COUNT:
		buf_addstr(&sql, "coalesce(wsum(1, w), 0)");
		break;
	case STAT_PERCENT:
		buf_addstr(&sql, "m AS ");
		ident_quote(&sql, r->measure);
		buf_addstr(&sql, ", 100.0 * wsum(1, w) / "
			   "wsum(wsum(1, w), 1) OVER (");
		if (r->nby) {
			buf_addstr(&sql, "PARTITION BY ");
			add_groups(&sql, r, true);
		}
		buf_addstr(&sql, ")");
		break;
	case STAT_QUANTILE:
		break;
	}
	buf_addstr(&sql, " AS estimate, count(*) AS n, "
		   "coalesce(wsum(1, w), 0) AS weight_sum FROM base "
		   "WHERE m IS NOT NULL AND w IS NOT NULL");
	if (grouped) {
		buf_addstr(&sql, " GROUP BY ");
		add_groups(&sql, r, true);
		if (r->stat == STAT_PERCENT) {
			buf_addstr(&sql, r->nby ? ", m" : "m");
		}
		buf_addstr(&sql, " ORDER BY ");
		add_groups(&sql, r, true);
		if (r->stat == STAT_PERCENT) {
			buf_addstr(&sql, r->nby ? ", m" : "m");
		}
	}
	return buf_detach(&sql, NULL);
}

static int64_t cell_int(const cJSON *structured, int col)
{
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(structured,
							     "rows");
	const cJSON *cell = cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0),
					       col);

	/* query results carry numbers as raw JSON text (render_value) */
	if (cJSON_IsRaw(cell)) {
		return strtoll(cell->valuestring, NULL, 10);
	}
	return cJSON_IsNumber(cell) ? (int64_t)cell->valuedouble : 0;
}

struct counts {
	int64_t rows_in;
	int64_t left_out;
	int64_t null_measure;
	int64_t null_weight;
	int64_t negative;
};

/* run the check statement; false after tool_error or a failed query */
static bool run_check(struct tool_call *call, struct qconn *conn,
		      const struct wreq *r, struct counts *ret)
{
	struct query_result qr;
	char *sql = check_sql(r);
	bool ok = false;

	query_run(conn, sql, call->limits, QUERY_FORMAT_JSON, call->cancel,
		  &qr);
	if (qr.status != QUERY_OK) {
		free(call->log_sql);
		call->log_sql = sql;
		sql = NULL;
		tool_take_query_result(call, &qr);
		goto out;
	}
	ret->rows_in = cell_int(qr.structured, 0);
	ret->left_out = cell_int(qr.structured, 1);
	ret->null_measure = cell_int(qr.structured, 2);
	ret->null_weight = cell_int(qr.structured, 3);
	ret->negative = cell_int(qr.structured, 4);
	if (ret->negative > 0) {
		tool_error(call, "the weight column '%s' has a negative value "
			   "in %lld row%s%s; survey weights must be zero or "
			   "more. Fix the data, leave those rows out with "
			   "'where' (for example \"%s >= 0\"), or ask for "
			   "unweighted: true.", r->weight,
			   (long long)ret->negative,
			   ret->negative == 1 ? "" : "s",
			   r->where ? " that pass the filter" : "",
			   r->weight);
		goto out;
	}
	ok = true;
out:
	query_result_finish(&qr);
	free(sql);
	return ok;
}

static void add_heading(struct buf *b, const struct wreq *r)
{
	static const char *const what[] = {
		[STAT_MEAN] = "mean of",
		[STAT_TOTAL] = "total of",
		[STAT_COUNT] = "count of rows",
		[STAT_PERCENT] = "percentages of",
		[STAT_QUANTILE] = "quantiles of",
	};

	buf_addf(b, "%s %s", r->weight ? "Weighted" : "Unweighted",
		 what[r->stat]);
	if (r->stat != STAT_COUNT) {
		buf_addf(b, " %s", r->measure);
	} else if (r->measure) {
		buf_addf(b, " with %s", r->measure);
	}
	if (r->stat == STAT_PERCENT) {
		buf_addstr(b, " (each group adds up to 100)");
	}
	if (r->nby) {
		buf_addstr(b, " by ");
		for (size_t i = 0; i < r->nby; i++) {
			buf_addf(b, "%s%s", i ? ", " : "", r->by[i]);
		}
	}
	buf_addf(b, " in %s", r->ds->name);
	if (r->where) {
		buf_addf(b, " where %s", r->where);
	}
	if (r->weight) {
		buf_addf(b, " (weight: %s)", r->weight);
	}
	buf_addstr(b, "\n\n");
}

static void add_notes(struct buf *b, const struct wreq *r,
		      const struct counts *c)
{
	buf_addstr(b, "\n");
	if (r->no_weight_column) {
		buf_addf(b, "Note: dataset '%s' has no weight column, so "
			 "these estimates are unweighted; name one with "
			 "'weight' to weight them.\n", r->ds->name);
	}
	buf_addf(b, "Rows used: %lld of %lld", (long long)(c->rows_in -
							    c->left_out),
		 (long long)c->rows_in);
	if (r->where) {
		buf_addstr(b, " that pass the filter");
	}
	if (c->left_out > 0) {
		buf_addf(b, "; %lld left out (", (long long)c->left_out);
		if (c->null_measure) {
			buf_addf(b, "%lld with no %s",
				 (long long)c->null_measure, r->measure);
		}
		if (c->null_weight) {
			buf_addf(b, "%s%lld with no weight",
				 c->null_measure ? ", " : "",
				 (long long)c->null_weight);
		}
		buf_addstr(b, ")");
	}
	buf_addstr(b, ". n is the unweighted number of rows behind each "
		   "estimate; weight_sum is the sum of their weights.");
	if (r->nby) {
		buf_addstr(b, " A group shown as null is the rows where that "
			   "column is empty.");
	}
	if (r->stat == STAT_QUANTILE) {
		buf_addstr(b, " Quantile: the smallest value whose weighted "
			   "cumulative share reaches q (R survey "
			   "svyquantile, qrule=\"math\").");
	}
	buf_addstr(b, "\n");
}

static void add_structured_extras(cJSON *s, const struct wreq *r,
				  const struct counts *c)
{
	cJSON_AddStringToObject(s, "stat", stat_names[r->stat]);
	if (r->weight) {
		cJSON_AddStringToObject(s, "weight", r->weight);
	} else {
		cJSON_AddNullToObject(s, "weight");
	}
	cJSON_AddNumberToObject(s, "rows_in", (double)c->rows_in);
	cJSON_AddNumberToObject(s, "rows_left_out", (double)c->left_out);
	cJSON_AddNumberToObject(s, "rows_null_measure",
				(double)c->null_measure);
	cJSON_AddNumberToObject(s, "rows_null_weight",
				(double)c->null_weight);
}

static void add_design_notes(struct buf *b, const struct wreq *r,
			     const struct wse_answer *a)
{
	buf_addf(b, "Standard errors: Taylor linearization, as R's survey "
		 "package; confidence intervals at %g%% with the t "
		 "distribution on %lld degrees of freedom (PSUs minus "
		 "strata); deff against simple random sampling. ",
		 r->level * 100, (long long)a->df);
	if (svydesign_is_set(r->design)) {
		buf_addstr(b, "Design: ");
		svydesign_describe(r->design, r->weight, b);
		buf_addstr(b, ".");
	} else {
		buf_addf(b, "Note: dataset '%s' declares no sampling design "
			 "(strata, clusters, fpc), so the standard errors "
			 "treat the rows as drawn independently with "
			 "replacement with these weights (R: svydesign(ids = "
			 "~1, weights = ~%s)); with clusters or strata they "
			 "would differ.", r->ds->name,
			 r->weight ? r->weight : "1");
	}
	if (r->where || r->nby) {
		buf_addstr(b, " Groups and filters are domains: their "
			   "standard errors keep the whole design.");
	}
	if (r->stat == STAT_QUANTILE) {
		buf_addstr(b, " Quantile intervals: Woodruff's method (R "
			   "svyquantile, interval.type = \"mean\"); se is "
			   "the interval's width over twice the t value.");
	}
	buf_addstr(b, "\n");
}

static const enum svy_stat svy_stats[] = {
	[STAT_MEAN] = SVY_MEAN,
	[STAT_TOTAL] = SVY_TOTAL,
	[STAT_COUNT] = SVY_COUNT,
	[STAT_PERCENT] = SVY_SHARE,
	[STAT_QUANTILE] = SVY_QUANTILE,
};

/* the estimates with standard errors; the answer or a tool error */
static void run_design(struct tool_call *call, struct qconn *conn,
		       const struct wreq *r, const struct query_opts *opts)
{
	struct wse_req q = {
		.dataset = r->ds->name,
		.measure = r->measure,
		.by = r->by,
		.nby = (int)r->nby,
		.where = r->where,
		.weight = r->weight,
		.design = r->design,
		.stat = svy_stats[r->stat],
		.percent = r->stat == STAT_PERCENT,
		.q = r->q,
		.nq = (int)r->nq,
		.level = r->level,
		.logit = r->logit,
		.opts = opts,
	};
	struct wse_answer a;
	struct buf text = BUF_INIT;
	struct counts c = { 0 };

	if (!weighted_se_run(call, conn, &q, &a)) {
		return;
	}
	c.rows_in = a.counts.rows_in;
	c.null_measure = a.counts.null_measure;
	c.null_weight = a.counts.null_weight;
	c.left_out = c.null_measure + c.null_weight;
	add_heading(&text, r);
	buf_add(&text, a.table.data, a.table.len);
	add_notes(&text, r, &c);
	add_design_notes(&text, r, &a);
	add_structured_extras(a.structured, r, &c);
	cJSON_AddNumberToObject(a.structured, "df", (double)a.df);
	cJSON_AddNumberToObject(a.structured, "level", r->level);
	cJSON_AddBoolToObject(a.structured, "design",
			      svydesign_is_set(r->design));
	buf_release(&call->text);
	call->text = text;
	cJSON_Delete(call->structured);
	call->structured = a.structured;
	a.structured = NULL;
	wse_answer_finish(&a);
}

/* ---- column cache (common/wkernel.c): the same answer, no SQL per row */

_Static_assert((int)STAT_QUANTILE == (int)WK_QUANTILE &&
	       (int)STAT_PERCENT == (int)WK_PERCENT, "stat enums differ");

/* the answer's SQL from the kernel, or NULL: run the SQL path */
static char *try_kernel(struct tool_call *call, const struct wreq *r,
			struct counts *c, struct wk_answer *a)
{
	struct wk_request k = {
		.catalog_path = call->catalog->path, .ds = r->ds,
		.stat = (enum wk_stat)r->stat, .measure = r->measure,
		.by = r->by, .nby = r->nby, .weight = r->weight,
		.where = r->where, .q = r->q, .nq = r->nq,
	};
	const char *why;

	if (wkernel_run(&k, a, &why) < 0) {
		log_debug("weighted_stats on '%s' runs in SQL: %s",
			  r->ds->name, why);
		return NULL;
	}
	c->rows_in = a->rows_in;
	c->left_out = a->left_out;
	c->null_measure = a->null_measure;
	c->null_weight = a->null_weight;
	return a->sql;
}

static void run_weighted_stats(struct tool_call *call)
{
	struct wk_answer kernel = { 0 };
	const char *kernel_sql = NULL;
	char *run = NULL;
	struct wreq r = { 0 };
	struct qconn *conn = NULL;
	struct query_result qr;
	struct query_opts opts;
	struct counts counts = { 0 };
	struct buf text = BUF_INIT;
	char *err = NULL;
	char *sql = NULL;
	bool labels;

	query_result_init(&qr);
	if (weighted_labels_arg(call->args, true, &labels) < 0) {
		tool_error(call, "argument 'labels' must be true or false");
		goto out;
	}
	if (!parse_args(call, &r) || !tool_query_opts(call, &opts)) {
		goto out;
	}
	/* an estimate and its SE read at one precision */
	opts.se_pairs = true;
	conn = qpool_acquire(call->pool);
	if (!conn) {
		tool_error(call, "cannot open the catalog for queries");
		goto out;
	}
	if (r.where && query_check_expr(conn, r.ds->name, r.where,
					&err) < 0) {
		tool_error(call, "argument 'where': %s", err);
		call->log_status = "denied";
		goto out;
	}
	if (r.se) {
		/* one pass: the design pass counts what is left out too */
		run_design(call, conn, &r, &opts);
		goto out;
	}
	/* the column cache answers point estimates without SQL per row */
	kernel_sql = try_kernel(call, &r, &counts, &kernel);
	if (!kernel_sql && !run_check(call, conn, &r, &counts)) {
		goto out;
	}
	sql = stats_sql(&r);
	/* survey labels beside the codes (weighted-labels.c), on the
	 * kernel's answer as on SQL's */
	run = xstrdup(kernel_sql ? kernel_sql : sql);
	if (labels) {
		const char *cols[MAX_BY + 1];

		memcpy(cols, r.by, r.nby * sizeof(*cols));
		cols[r.nby] = r.stat == STAT_PERCENT ? r.measure : NULL;
		run = weighted_labels_wrap(call->catalog, r.ds->id, r.ds->name,
			cols, r.nby + 1, r.nby + (r.stat == STAT_PERCENT ||
						  r.stat == STAT_QUANTILE), run);
	}
	query_run_opts(conn, run, call->limits, QUERY_FORMAT_MARKDOWN, &opts,
		       call->cancel, &qr);
	free(run);
	free(call->log_sql);
	call->log_sql = sql;
	sql = NULL;
	if (qr.status != QUERY_OK) {
		tool_take_query_result(call, &qr);
		goto out;
	}
	add_heading(&text, &r);
	buf_add(&text, qr.text.data, qr.text.len);
	add_notes(&text, &r, &counts);
	add_structured_extras(qr.structured, &r, &counts);
	if (kernel_sql) {
		wkernel_fix_types(&kernel, qr.structured);
	}
	tool_take_query_result(call, &qr);
	buf_release(&call->text);
	call->text = text;
	buf_init(&text, 0);
out:
	if (!call->log_datasets && r.ds) {
		call->log_datasets = xstrdup(r.ds->name);
	}
	if (conn) {
		qpool_release(call->pool, conn);
	}
	query_result_finish(&qr);
	buf_release(&text);
	free(err);
	free(sql);
	wkernel_answer_finish(&kernel);
	wreq_finish(&r);
}

const struct tool_def tool_weighted_stats = {
	.name = "weighted_stats",
	.title = "Weighted survey statistics",
	.description =
		"Survey-weighted count, percent, mean, total or quantile by "
		"groups; every row has the unweighted n. Weighted by the "
		"dataset's weight unless 'weight' or 'unweighted' says "
		"otherwise; 'where' filters. With se (default with a "
		"design): se, ci_low, ci_high, deff, as R's survey package.",
	.input_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"dataset\":{\"type\":\"string\"},"
		"\"stat\":{\"enum\":[\"mean\",\"total\",\"count\",\"percent\","
		"\"quantile\"]},"
		"\"measure\":{\"type\":\"string\",\"description\":\"a column; "
		"categorical for percent\"},"
		"\"by\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
		"\"maxItems\":8},"
		"\"where\":{\"type\":\"string\"},"
		"\"weight\":{\"type\":\"string\"},"
		"\"q\":{\"type\":[\"number\",\"array\"],\"description\":"
		"\"default 0.5\"},"
		"\"unweighted\":{\"type\":\"boolean\"},"
		"\"se\":{\"type\":\"boolean\"},"
		"\"level\":{\"type\":\"number\"},"
		"\"ci\":{\"enum\":[\"mean\",\"logit\"]},"
		"\"labels\":{\"type\":\"boolean\"},"
		DIGITS_SCHEMA
		"},\"required\":[\"dataset\"],\"additionalProperties\":false}",
	.output_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"columns\":{\"type\":\"array\"},"
		"\"rows\":{\"type\":\"array\"},"
		"\"stat\":{\"type\":\"string\"}},"
		"\"required\":[\"columns\",\"rows\"]}",
	.run = run_weighted_stats,
	.where = TOOL_IN_WORKER,
};
