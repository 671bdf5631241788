/*
 * What a replaced dataset keeps (dataset add --replace, dataset refresh):
 * the columns' descriptions, its weight and its survey design, each as
 * long as its columns still exist; what is lost is said in the report's
 * warnings.  The old columns are copied to a temp table before the
 * importer clears them, and compared with the new ones after it stored
 * them, all inside the import's transaction, so that a refresh that must
 * not change the columns (opt->same_columns) rolls back with the catalog
 * as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/xalloc.h"
#include "import-internal.h"

int import_keep_snapshot(struct db *db, int64_t id, char **ret_err)
{
	char *sql = xasprintf(
		"DROP TABLE IF EXISTS temp.import_old_columns;"
		"CREATE TEMP TABLE import_old_columns AS "
		"SELECT name, description, llm_description "
		"FROM main.dataset_columns WHERE dataset_id = %lld",
		(long long)id);
	int r = db_exec(db, sql, ret_err);

	free(sql);
	return r;
}

/* the names `sql` (with ?1 the dataset id) gives, "'a', 'b'", or NULL */
static char *quoted_names(struct db *db, const char *sql, int64_t id)
{
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_addf(&b, "%s'%s'", b.len ? ", " : "",
			 (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return b.len ? buf_detach(&b, NULL) : NULL;
}

/* the names of one side that the other lacks, "'a', 'b'", or NULL */
static char *names_missing(struct db *db, int64_t id, bool added)
{
	static const char added_sql[] =
		"SELECT name FROM main.dataset_columns WHERE dataset_id = ?1 "
		"AND name NOT IN (SELECT name FROM temp.import_old_columns) "
		"ORDER BY position";
	static const char removed_sql[] =
		"SELECT name FROM temp.import_old_columns WHERE name NOT IN "
		"(SELECT name FROM main.dataset_columns WHERE dataset_id = ?1)";

	return quoted_names(db, added ? added_sql : removed_sql, id);
}

static bool have_snapshot(struct db *db)
{
	sqlite3_stmt *st = NULL;
	bool have = false;

	if (sqlite3_prepare_v2(db->sql, "SELECT 1 FROM temp.sqlite_master "
			       "WHERE name = 'import_old_columns'", -1, &st,
			       NULL) == SQLITE_OK) {
		have = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return have;
}

/* the design's columns that are gone, "'psu', 'strata'", or NULL */
static char *design_lost(struct db *db, int64_t id)
{
	static const char sql[] =
		"SELECT c FROM (SELECT strata AS c FROM dataset_designs "
		"WHERE dataset_id = ?1 UNION ALL SELECT cluster FROM "
		"dataset_designs WHERE dataset_id = ?1 UNION ALL SELECT "
		"cluster2 FROM dataset_designs WHERE dataset_id = ?1 UNION ALL "
		"SELECT fpc FROM dataset_designs WHERE dataset_id = ?1 UNION "
		"ALL SELECT fpc2 FROM dataset_designs WHERE dataset_id = ?1) "
		"WHERE c IS NOT NULL AND c NOT IN (SELECT name FROM "
		"main.dataset_columns WHERE dataset_id = ?1)";

	return quoted_names(db, sql, id);
}

int import_keep_restore(struct db *db, const struct import_options *opt,
			int64_t id, struct import_report *rep, char **ret_err)
{
	char *added = NULL, *removed = NULL, *lost = NULL, *sql = NULL;
	int r = 0;

	if (!have_snapshot(db)) {
		return 0;               /* a new dataset */
	}
	added = names_missing(db, id, true);
	removed = names_missing(db, id, false);
	if (opt->same_columns && (added || removed)) {
		*ret_err = xasprintf("the columns changed (%s%s%s%s%s); "
				     "--allow-schema-change accepts that",
				     added ? "added " : "", added ? added : "",
				     added && removed ? "; " : "",
				     removed ? "removed " : "",
				     removed ? removed : "");
		r = -EINVAL;
		goto out;
	}
	sql = xasprintf(
		"UPDATE main.dataset_columns SET "
		"description = o.description, "
		"llm_description = o.llm_description "
		"FROM temp.import_old_columns AS o "
		"WHERE dataset_columns.dataset_id = %lld "
		"AND dataset_columns.name = o.name", (long long)id);
	r = db_exec(db, sql, ret_err);
	if (r < 0) {
		goto out;
	}
	free(removed);
	removed = NULL;
	{
		sqlite3_stmt *st = NULL;

		/* descriptions whose column is gone */
		if (sqlite3_prepare_v2(db->sql,
			"SELECT name FROM temp.import_old_columns WHERE "
			"(description IS NOT NULL OR llm_description IS NOT "
			"NULL) AND name NOT IN (SELECT name FROM "
			"main.dataset_columns WHERE dataset_id = ?1)", -1, &st,
			NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, id);
			while (sqlite3_step(st) == SQLITE_ROW) {
				import_report_add(&rep->warnings,
					&rep->n_warnings, "column '%s' is "
					"gone, and its description with it",
					(const char *)sqlite3_column_text(st, 0));
			}
		}
		sqlite3_finalize(st);
	}
	lost = design_lost(db, id);
	if (lost) {
		free(sql);
		sql = xasprintf("DELETE FROM main.dataset_designs "
				"WHERE dataset_id = %lld", (long long)id);
		r = db_exec(db, sql, ret_err);
		if (r < 0) {
			goto out;
		}
		import_report_add(&rep->warnings, &rep->n_warnings,
				  "the survey design is removed: its column%s "
				  "%s %s gone (weights only now)",
				  strchr(lost, ',') ? "s" : "", lost,
				  strchr(lost, ',') ? "are" : "is");
	}
	r = db_exec(db, "DROP TABLE temp.import_old_columns", ret_err);
out:
	free(added);
	free(removed);
	free(lost);
	free(sql);
	return r;
}
