/*
 * dataset add --append: a CSV file's rows added to an existing dataset.
 * The file is checked and typed by the CSV importer's first pass as for a
 * new dataset; here its columns are compared with the dataset's (names
 * in order, and types), and after the rows are in, the dataset is
 * profiled again from its table, all inside the import's transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/profile.h"
#include "mcp/xalloc.h"
#include "import-internal.h"

/*
 * A column of the file fits a column of the dataset when its type is the
 * same, when it holds no values at all, or when whole numbers go into a
 * REAL column (SQLite stores them as REAL there, losing nothing).
 */
static bool type_fits(const char *have, enum import_type got)
{
	return got == IMPORT_NULL || strcmp(have, import_type_names[got]) == 0 ||
	       (got == IMPORT_INTEGER && strcmp(have, "REAL") == 0);
}

int import_append_check(struct db *db, const struct import_options *opt,
			const struct import_column *cols, size_t n,
			int64_t *ret_id, char **ret_table, char **ret_err)
{
	struct dataset_info *d = NULL;
	struct buf diff = BUF_INIT;
	sqlite3_stmt *st = NULL;
	bool *seen = xcalloc(n ? n : 1, sizeof(*seen));
	int r, rc;

	r = dataset_lookup(db, opt->name, &d);
	if (r < 0) {
		*ret_err = r == -ENOENT
			? xasprintf("no dataset '%s' to append to", opt->name)
			: xasprintf("cannot read catalog: %s",
				    sqlite3_errmsg(db->sql));
		goto out;
	}
	if (strcmp(d->source_kind, "csv") != 0 &&
	    strcmp(d->source_kind, "url") != 0) {
		*ret_err = xasprintf("dataset '%s' was not imported from a CSV "
				     "file (its source is %s); --append adds "
				     "to CSV imports only", opt->name,
				     d->source_kind);
		r = -EINVAL;
		goto out;
	}
	rc = sqlite3_prepare_v2(db->sql,
		"SELECT name, declared_type FROM dataset_columns "
		"WHERE dataset_id = ? ORDER BY position", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot read catalog: %s",
				     sqlite3_errmsg(db->sql));
		r = db_errno(rc);
		goto out;
	}
	sqlite3_bind_int64(st, 1, d->id);
	for (size_t i = 0; (rc = sqlite3_step(st)) == SQLITE_ROW; i++) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		size_t k = 0;

		while (k < n && strcmp(cols[k].name, name) != 0) {
			k++;
		}
		if (k == n) {
			buf_addf(&diff, "%s'%s' is missing from the file",
				 diff.len ? "; " : "", name);
			continue;
		}
		seen[k] = true;
		if (!type_fits(type, cols[k].type)) {
			buf_addf(&diff, "%s'%s' is %s in the dataset, %s in the "
				 "file", diff.len ? "; " : "", name, type,
				 import_type_names[cols[k].type]);
		} else if (k != i) {
			buf_addf(&diff, "%s'%s' is column %zu in the dataset, "
				 "%zu in the file", diff.len ? "; " : "", name,
				 i + 1, k + 1);
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (!seen[k]) {
			buf_addf(&diff, "%s'%s' is not in the dataset",
				 diff.len ? "; " : "", cols[k].name);
		}
	}
	if (diff.len) {
		*ret_err = xasprintf("the columns do not match dataset '%s': %s",
				     opt->name, buf_str(&diff));
		r = -EINVAL;
		goto out;
	}
	*ret_id = d->id;
	*ret_table = xstrdup(d->data_table);
	r = 0;
out:
	sqlite3_finalize(st);
	buf_release(&diff);
	free(seen);
	dataset_info_destroy(d);
	return r;
}

int import_append_finish(struct db *db, int64_t id, const char *table,
			 const char *path, int64_t rows, char **ret_err)
{
	struct buf ref = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int r, rc;

	/*
	 * Remembered, so that a refresh (which reads the first file again)
	 * can refuse to drop these rows
	 */
	rc = sqlite3_prepare_v2(db->sql,
		"UPDATE datasets SET import_options = json_set("
		"coalesce(import_options, '{}'), '$.appended', json_insert("
		"coalesce(json_extract(import_options, '$.appended'), '[]'), "
		"'$[#]', json_object('path', ?2, 'rows', ?3))) WHERE id = ?1",
		-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, rows);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*ret_err = xasprintf("cannot write catalog: %s",
				     sqlite3_errmsg(db->sql));
		return db_errno(rc);
	}
	buf_addstr(&ref, "main.");
	ident_quote(&ref, table);
	r = profile_dataset(db, id, buf_str(&ref), ret_err);
	buf_release(&ref);
	if (r == 0 && (dataset_touch(db, id) < 0 ||
		       dataset_search_reindex(db, id) < 0)) {
		*ret_err = xasprintf("cannot write catalog: %s",
				     sqlite3_errmsg(db->sql));
		r = -EIO;
	}
	if (r == 0) {
		import_colcache(db, id);
	}
	return r;
}
