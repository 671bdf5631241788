#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"
#include "mcp/colstats.h"
#include "mcp/ident.h"
#include "mcp/profile.h"
#include "mcp/quantile.h"
#include "mcp/xalloc.h"

/* columns per scan: 5 aggregates each stays far below SQLITE_MAX_COLUMN */
#define PROFILE_CHUNK 100

struct column {
	int position;
	char *name;
	bool numeric;
	int64_t non_null;
	int64_t distinct;
};

static int load_columns(struct db *db, int64_t id, struct column **ret,
			size_t *ret_n)
{
	sqlite3_stmt *st = NULL;
	struct column *cols = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT position, name, inferred_type FROM dataset_columns "
		"WHERE dataset_id = ? ORDER BY position", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 2);

		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			cols = xrealloc(cols, alloc * sizeof(*cols));
		}
		cols[n].position = sqlite3_column_int(st, 0);
		cols[n].name = xstrdup((const char *)sqlite3_column_text(st, 1));
		cols[n].numeric = type && (strcmp(type, "INTEGER") == 0 ||
					   strcmp(type, "REAL") == 0);
		cols[n].non_null = 0;
		cols[n].distinct = 0;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++) {
			free(cols[i].name);
		}
		free(cols);
		return db_errno(rc);
	}
	*ret = cols;
	*ret_n = n;
	return 0;
}

static int step_update(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * One scan of the rows computes the counts, distinct counts and numeric
 * ranges of up to PROFILE_CHUNK columns at once.
 */
static int profile_chunk(struct db *db, int64_t id, const char *rows_ref,
			 struct column *cols, size_t n, int64_t *ret_rows,
			 sqlite3_stmt *upd, char **ret_err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc;

	buf_addstr(&sql, "SELECT count(*)");
	for (size_t i = 0; i < n; i++) {
		char *q = ident_quoted(cols[i].name);

		buf_addf(&sql, ", count(%s), count(DISTINCT %s)", q, q);
		if (cols[i].numeric) {
			buf_addf(&sql, ", min(%s), max(%s), avg(%s)", q, q, q);
		} else {
			buf_addstr(&sql, ", NULL, NULL, NULL");
		}
		free(q);
	}
	buf_addf(&sql, " FROM %s", rows_ref);
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		*ret_err = xasprintf("cannot profile: %s",
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	*ret_rows = sqlite3_column_int64(st, 0);
	for (size_t i = 0; i < n; i++) {
		int base = 1 + (int)i * 5;

		cols[i].non_null = sqlite3_column_int64(st, base);
		cols[i].distinct = sqlite3_column_int64(st, base + 1);
		sqlite3_bind_int64(upd, 1, *ret_rows - cols[i].non_null);
		sqlite3_bind_int64(upd, 2, cols[i].distinct);
		sqlite3_bind_value(upd, 3, sqlite3_column_value(st, base + 2));
		sqlite3_bind_value(upd, 4, sqlite3_column_value(st, base + 3));
		sqlite3_bind_value(upd, 5, sqlite3_column_value(st, base + 4));
		sqlite3_bind_int64(upd, 6, id);
		sqlite3_bind_int(upd, 7, cols[i].position);
		rc = step_update(upd);
		if (rc != SQLITE_OK) {
			*ret_err = xasprintf("cannot store profile: %s",
					     sqlite3_errmsg(db->sql));
			goto out;
		}
	}
	rc = SQLITE_OK;
out:
	sqlite3_finalize(st);
	buf_release(&sql);
	return rc;
}

/* a JSON array computed by `select` (one row, one column) into a column */
static int store_json(struct db *db, int64_t id, int position,
		      const char *column, const char *select, char **ret_err)
{
	char *sql = xasprintf("UPDATE dataset_columns SET %s = (%s) "
			      "WHERE dataset_id = ?1 AND position = ?2",
			      column, select);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, position);
		rc = step_update(st);
	}
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot profile: %s",
				     sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	free(sql);
	return rc;
}

static int profile_values(struct db *db, int64_t id, const char *rows_ref,
			  const struct column *c, char **ret_err)
{
	char *q = ident_quoted(c->name);
	char *select;
	int rc;

	/* LIMIT stops the scan early: samples cost next to nothing */
	select = xasprintf("SELECT json_group_array(v) FROM (SELECT DISTINCT "
			   "%s AS v FROM %s WHERE %s IS NOT NULL LIMIT %d)",
			   q, rows_ref, q, PROFILE_SAMPLES);
	rc = store_json(db, id, c->position, "sample_values", select, ret_err);
	free(select);
	if (rc == SQLITE_OK && !c->numeric && c->distinct > 0 &&
	    c->distinct <= PROFILE_TOP_MAX_DISTINCT) {
		select = xasprintf(
			"SELECT json_group_array(json_array(v, n)) FROM "
			"(SELECT %s AS v, count(*) AS n FROM %s WHERE %s IS "
			"NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %d)",
			q, rows_ref, q, PROFILE_TOP_VALUES);
		rc = store_json(db, id, c->position, "top_values", select,
				ret_err);
		free(select);
	}
	free(q);
	return rc;
}

/*
 * One scan feeds the numbers of up to PROFILE_CHUNK numeric columns into
 * quantile sketches: a sort per column would cost far more on big tables.
 */
static int profile_quantiles(struct db *db, int64_t id, const char *rows_ref,
			     const struct column *cols, size_t n,
			     char **ret_err)
{
	struct quantile_sketch *sk = xcalloc(n, sizeof(*sk));
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL, *upd = NULL;
	size_t numeric = 0;
	int rc = SQLITE_OK;

	buf_addstr(&sql, "SELECT 0");
	for (size_t i = 0; i < n; i++) {
		quantile_init(&sk[i]);
		if (cols[i].numeric) {
			char *q = ident_quoted(cols[i].name);

			buf_addf(&sql, ", %s", q);
			free(q);
			numeric++;
		}
	}
	buf_addf(&sql, " FROM %s", rows_ref);
	if (numeric == 0) {
		goto out;
	}
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = 1;

		for (size_t i = 0; i < n; i++) {
			if (!cols[i].numeric) {
				continue;
			}
			switch (sqlite3_column_type(st, k)) {
			case SQLITE_INTEGER:
			case SQLITE_FLOAT:
				quantile_add(&sk[i],
					     sqlite3_column_double(st, k));
				break;
			default:
				break;
			}
			k++;
		}
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE) {
		rc = sqlite3_prepare_v2(db->sql,
			"UPDATE dataset_columns SET quantiles = ?1 "
			"WHERE dataset_id = ?2 AND position = ?3", -1, &upd,
			NULL);
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		if (!cols[i].numeric) {
			continue;
		}
		sqlite3_bind_text(upd, 1, quantile_json(&sk[i]), -1, free);
		sqlite3_bind_int64(upd, 2, id);
		sqlite3_bind_int(upd, 3, cols[i].position);
		rc = step_update(upd);
	}
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot profile: %s",
				     sqlite3_errmsg(db->sql));
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(upd);
	for (size_t i = 0; i < n; i++) {
		quantile_finish(&sk[i]);
	}
	free(sk);
	buf_release(&sql);
	return rc;
}

int profile_dataset(struct db *db, int64_t dataset_id, const char *rows_ref,
		    char **ret_err)
{
	struct column *cols = NULL;
	sqlite3_stmt *upd = NULL;
	size_t n = 0;
	int64_t rows = 0;
	int rc;
	int r;

	r = load_columns(db, dataset_id, &cols, &n);
	if (r < 0) {
		*ret_err = xasprintf("cannot read columns: %s",
				     sqlite3_errmsg(db->sql));
		return r;
	}
	rc = sqlite3_prepare_v2(db->sql,
		"UPDATE dataset_columns SET null_count = ?1, "
		"distinct_count = ?2, min_value = ?3, max_value = ?4, "
		"mean = ?5, top_values = NULL, sample_values = NULL, "
		"quantiles = NULL "
		"WHERE dataset_id = ?6 AND position = ?7", -1, &upd, NULL);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot profile: %s",
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	if (n == 0) {
		rc = profile_chunk(db, dataset_id, rows_ref, cols, 0, &rows,
				   upd, ret_err);
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK; i += PROFILE_CHUNK) {
		size_t m = n - i < PROFILE_CHUNK ? n - i : PROFILE_CHUNK;

		rc = profile_chunk(db, dataset_id, rows_ref, cols + i, m,
				   &rows, upd, ret_err);
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		rc = profile_values(db, dataset_id, rows_ref, &cols[i],
				    ret_err);
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK; i += PROFILE_CHUNK) {
		size_t m = n - i < PROFILE_CHUNK ? n - i : PROFILE_CHUNK;

		rc = profile_quantiles(db, dataset_id, rows_ref, cols + i, m,
				       ret_err);
	}
	if (rc == SQLITE_OK) {
		r = profile_store_row_count(db, dataset_id, rows, ret_err);
		rc = r < 0 ? SQLITE_ERROR : SQLITE_OK;
	}
out:
	sqlite3_finalize(upd);
	for (size_t i = 0; i < n; i++) {
		free(cols[i].name);
	}
	free(cols);
	return db_errno(rc);
}

int profile_store_row_count(struct db *db, int64_t dataset_id, int64_t rows,
			    char **ret_err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"UPDATE datasets SET row_count = ? WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, rows);
		sqlite3_bind_int64(st, 2, dataset_id);
		rc = step_update(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot store row count: %s",
				     sqlite3_errmsg(db->sql));
	}
	return db_errno(rc);
}

/* a stored value as JSON in the column's type */
static cJSON *typed_json(const char *type, const char *value)
{
	if (strcmp(type, "INTEGER") == 0 || strcmp(type, "REAL") == 0) {
		return cJSON_CreateNumber(strtod(value, NULL));
	}
	return cJSON_CreateString(value);
}

static void bind_json(sqlite3_stmt *st, int idx, cJSON *v)
{
	char *s = v ? cJSON_PrintUnformatted(v) : NULL;

	if (s) {
		sqlite3_bind_text(st, idx, s, -1, free);
	} else {
		sqlite3_bind_null(st, idx);
	}
	cJSON_Delete(v);
}

int profile_store_colstats(struct db *db, int64_t dataset_id, int position,
			   const char *type, const struct colstats *c,
			   char **ret_err)
{
	const struct colstats_entry *top[PROFILE_TOP_VALUES];
	sqlite3_stmt *st = NULL;
	cJSON *samples = cJSON_CreateArray(), *tops = NULL;
	int64_t distinct = colstats_distinct(c, NULL);
	bool is_int = strcmp(type, "INTEGER") == 0;
	bool is_num = is_int || strcmp(type, "REAL") == 0;
	int rc;

	for (size_t i = 0; i < c->n_samples; i++) {
		cJSON_AddItemToArray(samples, typed_json(type, c->samples[i]));
	}
	if (!is_num && distinct > 0 && distinct <= PROFILE_TOP_MAX_DISTINCT) {
		size_t n = colstats_top(c, PROFILE_TOP_VALUES, top);

		tops = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			cJSON *pair = cJSON_CreateArray();

			cJSON_AddItemToArray(pair,
				cJSON_CreateString(top[i]->value));
			cJSON_AddItemToArray(pair,
				cJSON_CreateNumber((double)top[i]->count));
			cJSON_AddItemToArray(tops, pair);
		}
	}
	rc = sqlite3_prepare_v2(db->sql,
		"UPDATE dataset_columns SET null_count = ?1, "
		"distinct_count = ?2, min_value = ?3, max_value = ?4, "
		"mean = ?5, top_values = ?6, sample_values = ?7, "
		"quantiles = ?10 "
		"WHERE dataset_id = ?8 AND position = ?9", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		cJSON_Delete(samples);
		cJSON_Delete(tops);
		goto out;
	}
	sqlite3_bind_int64(st, 1, c->nulls);
	sqlite3_bind_int64(st, 2, distinct);
	if (is_int && c->n_int) {
		sqlite3_bind_int64(st, 3, c->int_min);
		sqlite3_bind_int64(st, 4, c->int_max);
	} else if (is_num && c->n_num) {
		sqlite3_bind_double(st, 3, c->num_min);
		sqlite3_bind_double(st, 4, c->num_max);
	}
	if (is_num && c->n_num) {
		sqlite3_bind_double(st, 5, colstats_mean(c));
	}
	bind_json(st, 6, tops);
	bind_json(st, 7, samples);
	sqlite3_bind_int64(st, 8, dataset_id);
	sqlite3_bind_int(st, 9, position);
	if (is_num) {
		/* computing sorts the kept sample: hence the cast */
		sqlite3_bind_text(st, 10, quantile_json(
			(struct quantile_sketch *)&c->quantiles), -1, free);
	}
	rc = step_update(st);
out:
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot store profile: %s",
				     sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	return db_errno(rc);
}
