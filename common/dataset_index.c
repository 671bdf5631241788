#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"
#include "mcp/dataset_index.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/* "idx_<table>__a__b": one name per column list, so asking twice is a no-op */
static char *index_name(const char *table, char *const *cols, size_t n)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "idx_%s", table);
	for (size_t i = 0; i < n; i++) {
		buf_addf(&b, "__%s", cols[i]);
	}
	return buf_detach(&b, NULL);
}

static int column_exists(struct db *db, int64_t id, const char *col)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql, "SELECT 1 FROM dataset_columns "
				"WHERE dataset_id = ?1 AND name = ?2", -1,
				&st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

static int create_index(struct db *db, const char *name, const char *table,
			char *const *cols, size_t n, char **ret_err)
{
	struct buf sql = BUF_INIT;
	int r;

	buf_addstr(&sql, "CREATE INDEX IF NOT EXISTS main.");
	ident_quote(&sql, name);
	buf_addstr(&sql, " ON ");
	ident_quote(&sql, table);
	buf_addch(&sql, '(');
	for (size_t i = 0; i < n; i++) {
		buf_addstr(&sql, i ? ", " : "");
		ident_quote(&sql, cols[i]);
	}
	buf_addch(&sql, ')');
	r = db_exec(db, buf_str(&sql), ret_err);
	buf_release(&sql);
	return r;
}

static int record(struct db *db, int64_t id, const char *name,
		  char *const *cols, size_t n, bool drop)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr = cJSON_CreateArray();
	char *json;
	int rc;

	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, cJSON_CreateString(cols[i]));
	}
	json = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	rc = sqlite3_prepare_v2(db->sql, drop
		? "DELETE FROM dataset_indexes WHERE dataset_id = ?1 AND "
		  "name = ?2"
		: "INSERT OR REPLACE INTO dataset_indexes (dataset_id, name, "
		  "columns) VALUES (?1, ?2, ?3)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (!drop) {
			sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
		}
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	free(json);
	return rc == SQLITE_DONE ? 0 : db_errno(rc);
}

/* the recorded index on exactly `cols`, or NULL */
static char *recorded_name(struct db *db, int64_t id, char *const *cols,
			   size_t n)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr = cJSON_CreateArray();
	char *json, *name = NULL;

	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, cJSON_CreateString(cols[i]));
	}
	json = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (sqlite3_prepare_v2(db->sql, "SELECT name FROM dataset_indexes "
			       "WHERE dataset_id = ?1 AND columns = ?2", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			name = xstrdup((const char *)sqlite3_column_text(st,
									 0));
		}
	}
	sqlite3_finalize(st);
	free(json);
	return name;
}

int dataset_index_set(struct db *db, const struct dataset_info *d,
		      char *const *cols, size_t n, bool drop, char **ret_err)
{
	char *name;
	int r;

	if (!dataset_rows_in_catalog(d)) {
		*ret_err = xasprintf("dataset '%s' is served from its own file "
				     "'%s', which mcpd opens read-only: index "
				     "the table there", d->name,
				     d->source_path ? d->source_path : "?");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		r = column_exists(db, d->id, cols[i]);
		if (r < 0) {
			*ret_err = r == -ENOENT
				? xasprintf("dataset '%s' has no column '%s'",
					    d->name, cols[i])
				: xasprintf("cannot read catalog: %s",
					    sqlite3_errmsg(db->sql));
			return r;
		}
	}
	/* a rename keeps the index under its first name: look it up */
	name = recorded_name(db, d->id, cols, n);
	if (drop && !name) {
		*ret_err = xasprintf("dataset '%s' has no index on those "
				     "columns", d->name);
		return -ENOENT;
	}
	if (drop) {
		struct buf sql = BUF_INIT;

		buf_addstr(&sql, "DROP INDEX IF EXISTS main.");
		ident_quote(&sql, name);
		r = db_exec(db, buf_str(&sql), ret_err);
		buf_release(&sql);
	} else {
		if (!name) {
			name = index_name(d->data_table, cols, n);
		}
		r = create_index(db, name, d->data_table, cols, n, ret_err);
	}
	if (r == 0) {
		r = record(db, d->id, name, cols, n, drop);
		if (r < 0) {
			*ret_err = xasprintf("cannot record the index: %s",
					     sqlite3_errmsg(db->sql));
		}
	}
	free(name);
	return r;
}

/* one recorded index: its name and columns */
struct recorded {
	char *name;
	cJSON *cols;
};

int dataset_index_restore(struct db *db, int64_t id, const char *data_table,
			  char **ret_dropped, char **ret_err)
{
	sqlite3_stmt *st = NULL;
	struct buf gone = BUF_INIT;
	struct recorded *list = NULL;
	size_t nlist = 0;
	int r = 0, rc;

	*ret_dropped = NULL;
	/* read them all first: the loop below rewrites the table */
	rc = sqlite3_prepare_v2(db->sql, "SELECT name, columns FROM "
				"dataset_indexes WHERE dataset_id = ?1 "
				"ORDER BY name", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot read indexes: %s",
				     sqlite3_errmsg(db->sql));
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		list = xrealloc(list, (nlist + 1) * sizeof(*list));
		list[nlist].name = xstrdup(
			(const char *)sqlite3_column_text(st, 0));
		list[nlist].cols = cJSON_Parse(
			(const char *)sqlite3_column_text(st, 1));
		nlist++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < nlist; i++) {
		size_t n = (size_t)cJSON_GetArraySize(list[i].cols), k = 0;
		char **cols = xcalloc(n + 1, sizeof(*cols));
		bool all = n > 0;
		const cJSON *c;

		cJSON_ArrayForEach(c, list[i].cols) {
			cols[k++] = cJSON_IsString(c) ? c->valuestring : "";
			all = all && column_exists(db, id, cols[k - 1]) == 0;
		}
		if (r == 0 && all) {
			/* the data table may have a new name: name it anew */
			char *fresh = index_name(data_table, cols, n);

			r = create_index(db, fresh, data_table, cols, n,
					 ret_err);
			if (r == 0 && strcmp(fresh, list[i].name) != 0) {
				r = record(db, id, list[i].name, cols, n, true);
				r = r ? r : record(db, id, fresh, cols, n,
						   false);
			}
			free(fresh);
		} else if (r == 0) {
			buf_addf(&gone, "%s%s", gone.len ? ", " : "",
				 list[i].name);
			r = record(db, id, list[i].name, cols, n, true);
		}
		free(cols);
		free(list[i].name);
		cJSON_Delete(list[i].cols);
	}
	free(list);
	if (r < 0 && !*ret_err) {
		*ret_err = xasprintf("cannot restore indexes: %s",
				     sqlite3_errmsg(db->sql));
	}
	if (gone.len) {
		*ret_dropped = xasprintf("indexes left out, their columns are "
					 "gone: %s", buf_str(&gone));
	}
	buf_release(&gone);
	return r;
}
