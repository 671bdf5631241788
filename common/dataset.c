#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"

static char *col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s && *s ? xstrdup((const char *)s) : NULL;
}

void dataset_info_read(sqlite3_stmt *st, struct dataset_info *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->name = col_strdup(st, 1);
	d->title = col_strdup(st, 2);
	d->description = col_strdup(st, 3);
	d->source_kind = col_strdup(st, 4);
	d->source_path = col_strdup(st, 5);
	d->source_table = col_strdup(st, 6);
	d->data_table = col_strdup(st, 7);
	d->weight_column = col_strdup(st, 8);
	d->tags = col_strdup(st, 9);
	d->import_options = col_strdup(st, 10);
	d->enabled = sqlite3_column_int(st, 11) != 0;
	d->row_count = sqlite3_column_type(st, 12) == SQLITE_NULL
			       ? -1
			       : sqlite3_column_int64(st, 12);
	d->version = sqlite3_column_int64(st, 13);
	d->created_at = col_strdup(st, 14);
	d->updated_at = col_strdup(st, 15);
}

int dataset_lookup(struct db *db, const char *name, struct dataset_info **ret)
{
	sqlite3_stmt *st = NULL;
	struct dataset_info *d;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT " DATASET_COLUMNS " FROM datasets WHERE name = ?",
		-1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? -ENOENT : db_errno(rc);
	}
	d = xmalloc(sizeof(*d));
	dataset_info_read(st, d);
	sqlite3_finalize(st);
	*ret = d;
	return 0;
}

void dataset_info_finish(struct dataset_info *d)
{
	if (!d) {
		return;
	}
	free(d->name);
	free(d->title);
	free(d->description);
	free(d->source_kind);
	free(d->source_path);
	free(d->source_table);
	free(d->data_table);
	free(d->weight_column);
	free(d->tags);
	free(d->import_options);
	free(d->created_at);
	free(d->updated_at);
	memset(d, 0, sizeof(*d));
}

void dataset_info_destroy(struct dataset_info *d)
{
	dataset_info_finish(d);
	free(d);
}

bool dataset_row_in_catalog(const char *kind, const char *source_table,
			    const char *data_table)
{
	/* a registered view is copied to a data table of its own name */
	return !kind || strcmp(kind, "sqlite") != 0 ||
	       (data_table && source_table &&
		strcmp(data_table, source_table) != 0);
}

bool dataset_rows_in_catalog(const struct dataset_info *d)
{
	return dataset_row_in_catalog(d->source_kind, d->source_table,
				      d->data_table);
}

char *dataset_rows_ref(const struct dataset_info *d, const char *schema_alias)
{
	struct buf b = BUF_INIT;

	if (!dataset_rows_in_catalog(d)) {
		ident_quote(&b, schema_alias);
		buf_addch(&b, '.');
		ident_quote(&b, d->source_table);
	} else {
		buf_addstr(&b, "main.");
		ident_quote(&b, d->data_table);
	}
	return buf_detach(&b, NULL);
}

/* file: URI for a path, with the characters URIs treat specially escaped */
static char *file_uri_ro(const char *path)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#') {
			buf_addf(&b, "%%%02X", (unsigned char)*p);
		} else {
			buf_addch(&b, *p);
		}
	}
	buf_addstr(&b, "?mode=ro");
	return buf_detach(&b, NULL);
}

/* does the file attached as `alias` hold an mcpd catalog? */
static bool source_is_catalog(struct db *db, const char *alias)
{
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("SELECT count(*) FROM %s.sqlite_schema WHERE "
			      "name = 'catalog_identity'", alias);
	/* an unreadable file fails on its first read, with SQLite's reason */
	bool yes = false;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		yes = sqlite3_column_int(st, 0) > 0;
	}
	sqlite3_finalize(st);
	free(sql);
	return yes;
}

int dataset_attach_source(struct db *db, const char *path, const char *alias,
			  char **ret_err)
{
	sqlite3_stmt *st = NULL;
	char *uri = file_uri_ro(path);
	char *sql = xasprintf("ATTACH ?1 AS %s", alias);
	int rc;

	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc != SQLITE_OK && ret_err) {
		*ret_err = xasprintf("cannot open SQLite file '%s': %s", path,
				     sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	free(sql);
	free(uri);
	if (rc == SQLITE_OK && source_is_catalog(db, alias)) {
		/*
		 * By content, not by path: a hard link, a bind mount or a
		 * symlink swapped after any path check still holds a catalog.
		 */
		dataset_detach_source(db, alias);
		if (ret_err) {
			*ret_err = xasprintf("'%s' is an mcpd catalog; a "
					     "catalog cannot be a dataset "
					     "source", path);
		}
		return -EINVAL;
	}
	return db_errno(rc);
}

void dataset_detach_source(struct db *db, const char *alias)
{
	char *sql = xasprintf("DETACH %s", alias);

	sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	free(sql);
}

int dataset_search_reindex(struct db *db, int64_t id)
{
	static const char *const sql =
		"DELETE FROM dataset_search WHERE rowid = ?1;"
		"INSERT INTO dataset_search "
		"(rowid, name, title, description, columns, metadata) "
		"SELECT d.id, d.name, d.title, "
		"  ifnull(d.description, '') || ' ' || replace(d.tags, ',', ' '), "
		"  (SELECT group_concat(c.name || ' ' || ifnull(c.description, "
		"     '') || ' ' || ifnull(c.llm_description, '') || ' ' || "
		/* survey files: variable and value labels are searchable */
		"     ifnull(c.file_description, '') || ' ' || ifnull((SELECT "
		"     group_concat(v.label, ' ') FROM value_labels v WHERE "
		"     v.dataset_id = c.dataset_id AND v.column_name = c.name), "
		"     ''), ' ') "
		"   FROM dataset_columns c WHERE c.dataset_id = d.id), "
		"  (SELECT group_concat(ifnull(m.summary, '') || ' ' || "
		"     ifnull(m.example_questions, '') || ' ' || "
		"     ifnull(m.caveats, ''), ' ') FROM llm_metadata m "
		"   WHERE m.dataset_id = d.id AND m.status = 'approved') "
		"FROM datasets d WHERE d.id = ?1";
	const char *tail = sql;
	int rc = SQLITE_OK;

	while (rc == SQLITE_OK && *tail) {
		sqlite3_stmt *st = NULL;

		rc = sqlite3_prepare_v2(db->sql, tail, -1, &st, &tail);
		if (rc != SQLITE_OK || !st) {
			break;
		}
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_finalize(st);
	}
	return db_errno(rc);
}

int dataset_touch(struct db *db, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"UPDATE datasets SET version = version + 1, "
		"updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
		"WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return db_errno(rc);
}
