/*
 * Registering a table of an existing SQLite file, read in place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "import-internal.h"

/* "it has: a, b, c" (or "it has no tables"): what to pass to --table */
static char *source_tables(struct db *db)
{
	sqlite3_stmt *st = NULL;
	struct buf b = BUF_INIT;
	int n = 0;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT name FROM " IMPORT_SOURCE_ALIAS
			       ".sqlite_schema WHERE type IN ('table', 'view') "
			       "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
			       "ORDER BY name", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n++ == 20) {
				buf_addstr(&b, ", ...");
				break;
			}
			buf_addstr(&b, n > 1 ? ", " : "it has: ");
			buf_addstr(&b, (const char *)sqlite3_column_text(st, 0));
		}
	}
	sqlite3_finalize(st);
	if (n == 0) {
		buf_addstr(&b, "it has no tables");
	}
	return buf_detach(&b, NULL);
}

/*
 * Infer each column's type from its values, one scan for all columns:
 * any text or blob makes it TEXT, else any real makes it REAL, else any
 * integer makes it INTEGER.
 */
static int sqlite_columns(struct db *db, const char *table,
			  struct import_column **ret_cols, size_t *ret_n,
			  char **ret_err)
{
	sqlite3_stmt *st = NULL;
	struct import_column *cols = NULL;
	struct buf sql = BUF_INIT;
	char *ref = NULL;
	size_t n = 0;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT name FROM pragma_table_info(?1, '" IMPORT_SOURCE_ALIAS "') "
		"ORDER BY cid", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		goto fail;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cols = xrealloc(cols, (n + 1) * sizeof(*cols));
		cols[n].name = xstrdup((const char *)sqlite3_column_text(st, 0));
		cols[n].source_name = xstrdup(cols[n].name);
		cols[n].type = IMPORT_NULL;
		colstats_init(&cols[n].stats);
		n++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		goto fail;
	}
	if (n == 0) {
		char *have = source_tables(db);

		*ret_err = xasprintf("no table or view '%s' in the file; %s",
				     table, have);
		free(have);
		r = -ENOENT;
		goto out;
	}
	ref = xasprintf("%s.", IMPORT_SOURCE_ALIAS);
	buf_addstr(&sql, "SELECT 0");
	for (size_t i = 0; i < n; i++) {
		char *q = ident_quoted(cols[i].name);

		buf_addf(&sql, ", max(typeof(%s) IN ('text', 'blob')), "
			 "max(typeof(%s) = 'real'), max(typeof(%s) = "
			 "'integer')", q, q, q);
		free(q);
	}
	buf_addf(&sql, " FROM %s", ref);
	ident_quote(&sql, table);
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		int base = 1 + (int)i * 3;

		if (sqlite3_column_int(st, base)) {
			cols[i].type = IMPORT_TEXT;
		} else if (sqlite3_column_int(st, base + 1)) {
			cols[i].type = IMPORT_REAL;
		} else if (sqlite3_column_int(st, base + 2)) {
			cols[i].type = IMPORT_INTEGER;
		}
	}
	*ret_cols = cols;
	*ret_n = n;
	cols = NULL;
	goto out;
fail:
	*ret_err = xasprintf("cannot read table '%s': %s", table,
			     sqlite3_errmsg(db->sql));
	r = db_errno(rc);
out:
	sqlite3_finalize(st);
	import_columns_free(cols, n);
	buf_release(&sql);
	free(ref);
	return r;
}

/* "table", "view", or NULL when the file has no such name */
static char *source_type(struct db *db, const char *table)
{
	sqlite3_stmt *st = NULL;
	char *type = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT type FROM " IMPORT_SOURCE_ALIAS
			       ".sqlite_schema WHERE name = ?1 "
			       "COLLATE NOCASE", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			type = xstrdup((const char *)sqlite3_column_text(st,
									 0));
		}
	}
	sqlite3_finalize(st);
	return type;
}

/*
 * A view is copied into the catalog: its rows and columns, and nothing of
 * the tables beneath it, which client SQL could otherwise reach through
 * the view's name.  `refresh` copies it again.
 */
static int materialize_view(struct db *db, const char *view,
			    const char *table,
			    const struct import_column *cols, size_t n,
			    char **ret_err)
{
	struct buf sql = BUF_INIT;
	int r;

	buf_addstr(&sql, "DROP TABLE IF EXISTS main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, "; CREATE TABLE main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, " (");
	for (size_t i = 0; i < n; i++) {
		buf_addstr(&sql, i ? ", " : "");
		ident_quote(&sql, cols[i].name);
		buf_addf(&sql, " %s", import_type_names[cols[i].type]);
	}
	buf_addstr(&sql, "); INSERT INTO main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, " SELECT * FROM " IMPORT_SOURCE_ALIAS ".");
	ident_quote(&sql, view);
	r = db_exec(db, buf_str(&sql), NULL);
	if (r < 0) {
		*ret_err = xasprintf("cannot copy the rows of view '%s': %s",
				     view, sqlite3_errmsg(db->sql));
	}
	buf_release(&sql);
	return r;
}

int import_sqlite(struct db *db, const struct import_options *opt,
		  struct import_report *ret, char **ret_err)
{
	char *type = NULL;
	char *data_table = NULL;
	struct import_column *cols = NULL;
	char *abs_path = realpath(opt->path, NULL);
	char *rows_ref = NULL;
	double start = import_now();
	bool attached = false, replaced = false;
	int64_t id = 0;
	size_t n = 0;
	int r;

	*ret_err = NULL;
	if (!abs_path) {
		*ret_err = xasprintf("cannot open SQLite file '%s': %s",
				     opt->path, strerror(errno));
		return -errno;
	}
	{
		char *catalog = realpath(db->path, NULL);
		bool same = catalog && strcmp(abs_path, catalog) == 0;

		free(catalog);
		if (same) {
			*ret_err = xstrdup("the catalog itself cannot be "
					   "registered as a dataset");
			r = -EINVAL;
			goto out;
		}
	}
	r = dataset_attach_source(db, abs_path, IMPORT_SOURCE_ALIAS, ret_err);
	if (r < 0) {
		goto out;
	}
	attached = true;
	type = source_type(db, opt->table);
	if (type && strcmp(type, "table") != 0 && strcmp(type, "view") != 0) {
		*ret_err = xasprintf("'%s': '%s' is a%s %s, not a table or "
				     "view", opt->path, opt->table,
				     type[0] == 'i' ? "n" : "", type);
		r = -EINVAL;
		goto out;
	}
	r = sqlite_columns(db, opt->table, &cols, &n, ret_err);
	if (r < 0) {
		char *e = xasprintf("'%s': %s", opt->path, *ret_err);

		free(*ret_err);
		*ret_err = e;
		goto out;
	}
	r = db_begin(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot write catalog '%s': %s", db->path,
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	if (type && strcmp(type, "view") == 0) {
		data_table = ident_data_table(opt->name);
		r = import_dataset_row(db, opt, "sqlite", abs_path,
				       opt->table, data_table, NULL, &id,
				       &replaced, ret_err);
		if (r == 0) {
			r = materialize_view(db, opt->table, data_table, cols,
					     n, ret_err);
		}
	} else {
		r = import_dataset_row(db, opt, "sqlite", abs_path,
				       opt->table, opt->table, NULL, &id,
				       &replaced, ret_err);
	}
	if (r < 0) {
		goto rollback;
	}
	r = import_store_columns(db, id, cols, n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	{
		struct buf b = BUF_INIT;

		if (data_table) {
			buf_addstr(&b, "main.");
			ident_quote(&b, data_table);
		} else {
			buf_addstr(&b, IMPORT_SOURCE_ALIAS ".");
			ident_quote(&b, opt->table);
		}
		rows_ref = buf_detach(&b, NULL);
	}
	r = import_finish_dataset(db, opt, id, rows_ref, NULL, 0, 0, ret,
				  ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = db_commit(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot commit: %s",
				     sqlite3_errmsg(db->sql));
		goto rollback;
	}
	ret->dataset_id = id;
	ret->columns = (int)n;
	ret->replaced = replaced;
	ret->seconds = import_now() - start;
	{
		struct dataset_info *d = NULL;

		if (dataset_lookup(db, opt->name, &d) == 0) {
			ret->rows = d->row_count;
		}
		dataset_info_destroy(d);
	}
	goto out;
rollback:
	db_rollback(db);
out:
	if (attached) {
		dataset_detach_source(db, IMPORT_SOURCE_ALIAS);
	}
	import_columns_free(cols, n);
	free(rows_ref);
	free(abs_path);
	free(type);
	free(data_table);
	return r;
}

