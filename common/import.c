/*
 * What both importers share: the catalog rows of a dataset, its weight,
 * the finishing steps inside the import's transaction, and refresh.
 * The CSV importer is import-csv.c, the SQLite one import-sqlite.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "mcp/colcache.h"
#include "mcp/dataset.h"
#include "mcp/dataset_index.h"
#include "mcp/log.h"
#include "mcp/profile.h"
#include "mcp/typeinfer.h"
#include "mcp/xalloc.h"
#include "import-internal.h"

const char *const import_type_names[] = {
	[IMPORT_NULL] = "TEXT",         /* a column with no values at all */
	[IMPORT_INTEGER] = "INTEGER",
	[IMPORT_REAL] = "REAL",
	[IMPORT_TEXT] = "TEXT",
};

double import_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- progress on a terminal ---------------------------------------- */

void import_progress_start(struct import_progress *p, bool on,
			   const char *phase, uint64_t total)
{
	p->on = on;
	p->phase = phase;
	p->start = import_now();
	p->last = 0;
	p->total = total;
}

/*
 * At most five lines a second; the last one (done) is drawn, then cleared
 * with an erase-line: what stays on the terminal is the command's summary.
 */
#define PROGRESS_CLEAR "\r\033[K"
static bool progress_due(struct import_progress *p, bool done)
{
	double t = import_now();

	if (!p->on || (!done && t - p->last < 0.2)) {
		return false;
	}
	p->last = t;
	return true;
}

void import_progress_bytes(struct import_progress *p, int64_t rows,
			   uint64_t bytes, bool done)
{
	double secs;
	char pct[16] = "";

	if (!progress_due(p, done)) {
		return;
	}
	secs = p->last - p->start > 1e-6 ? p->last - p->start : 1e-6;
	if (p->total) {
		snprintf(pct, sizeof(pct), " %3.0f%%",
			 100.0 * (double)bytes / (double)p->total);
	}
	fprintf(stderr, "\r%s:%s %lld rows, %.1f MB, %.1f MB/s%s", p->phase,
		pct, (long long)rows, (double)bytes / 1e6,
		(double)bytes / 1e6 / secs, done ? PROGRESS_CLEAR : "");
	fflush(stderr);
}

void import_progress_rows(struct import_progress *p, int64_t rows, bool done)
{
	double secs;

	if (!progress_due(p, done)) {
		return;
	}
	secs = p->last - p->start > 1e-6 ? p->last - p->start : 1e-6;
	fprintf(stderr, "\r%s: %3.0f%% %lld of %llu rows, %.0f rows/s%s",
		p->phase, p->total ? 100.0 * (double)rows / (double)p->total
				   : 100.0,
		(long long)rows, (unsigned long long)p->total,
		(double)rows / secs, done ? PROGRESS_CLEAR : "");
	fflush(stderr);
}

char *import_null_tokens_json(const struct ti_column *t)
{
	cJSON *na = NULL;
	char *s;

	if (t->kind == TI_TEXT) {
		return NULL;
	}
	for (int k = 0; k < TI_NA_TOKENS; k++) {
		if (!t->na[k]) {
			continue;
		}
		if (!na) {
			na = cJSON_CreateObject();
		}
		cJSON_AddNumberToObject(na, ti_na_tokens[k], (double)t->na[k]);
	}
	if (t->blank) {
		if (!na) {
			na = cJSON_CreateObject();
		}
		cJSON_AddNumberToObject(na, " ", (double)t->blank);
	}
	s = na ? cJSON_PrintUnformatted(na) : NULL;
	cJSON_Delete(na);
	return s;
}

void import_report_add(char ***list, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		abort();
	}
	va_end(ap);
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = s;
}

void import_report_finish(struct import_report *r)
{
	for (size_t i = 0; i < r->n_notes; i++) {
		free(r->notes[i]);
	}
	free(r->notes);
	for (size_t i = 0; i < r->n_warnings; i++) {
		free(r->warnings[i]);
	}
	free(r->warnings);
	r->notes = r->warnings = NULL;
	r->n_notes = r->n_warnings = 0;
	for (size_t i = 0; i < r->n_renames; i++) {
		free(r->renames[i].from);
		free(r->renames[i].to);
	}
	free(r->renames);
	r->renames = NULL;
	r->n_renames = 0;
}

void import_columns_free(struct import_column *cols, size_t n)
{
	for (size_t i = 0; cols && i < n; i++) {
		free(cols[i].name);
		free(cols[i].source_name);
		colstats_finish(&cols[i].stats);
	}
	free(cols);
}

/* run one statement with parameters: "i" int64, "s" text (NULL ok) */
static int exec_bound(struct db *db, const char *sql, char **ret_err,
		      const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		goto out;
	}
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else {
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *),
					  -1, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
out:
	if (rc != SQLITE_OK && ret_err) {
		*ret_err = xasprintf("catalog write failed: %s",
				     sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	return db_errno(rc);
}

/*
 * The existing row is reused when replacing, so that its id (and the LLM
 * metadata hanging off it) survive a replace.
 */
int import_dataset_row(struct db *db, const struct import_options *opt,
		       const char *kind, const char *path, const char *table,
		       const char *data_table, const char *import_json,
		       int64_t *ret_id, bool *ret_replaced, char **ret_err)
{
	struct dataset_info *old = NULL;
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = dataset_lookup(db, opt->name, &old);
	if (r == 0 && !opt->replace) {
		*ret_err = xasprintf("dataset '%s' already exists (use "
				     "--replace to replace it)", opt->name);
		dataset_info_destroy(old);
		return -EEXIST;
	}
	if (r < 0 && r != -ENOENT) {
		*ret_err = xasprintf("cannot read catalog: %s",
				     sqlite3_errmsg(db->sql));
		return r;
	}
	/* what the replaced dataset keeps is compared later (import-keep.c) */
	r = old ? import_keep_snapshot(db, old->id, ret_err)
		: db_exec(db, "DROP TABLE IF EXISTS temp.import_old_columns",
			  ret_err);
	if (r < 0) {
		goto out;
	}
	if (old) {
		if (dataset_rows_in_catalog(old)) {
			char *drop = xasprintf("DROP TABLE IF EXISTS main.\"%s\"",
					       old->data_table);

			r = db_exec(db, drop, ret_err);
			free(drop);
			if (r < 0) {
				goto out;
			}
		}
		rc = sqlite3_prepare_v2(db->sql,
			"UPDATE datasets SET title = coalesce(?2, title), "
			"description = coalesce(?3, description), "
			"source_kind = ?4, source_path = ?5, source_table = ?6, "
			"data_table = ?7, tags = coalesce(?8, tags), "
			"import_options = ?9, "
			"version = version + 1, "
			"updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
			"WHERE id = ?1", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, old->id);
		}
	} else {
		rc = sqlite3_prepare_v2(db->sql,
			"INSERT INTO datasets (title, description, source_kind, "
			"source_path, source_table, data_table, tags, "
			"import_options, name) "
			"VALUES (?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, ''), ?9, "
			"?10)", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 10, opt->name, -1, SQLITE_STATIC);
		}
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 2, opt->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, opt->description, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, data_table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, opt->tags, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, import_json, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE) {
		*ret_err = xasprintf("cannot write dataset '%s': %s", opt->name,
				     sqlite3_errmsg(db->sql));
		r = db_errno(rc);
		goto out;
	}
	*ret_id = old ? old->id : sqlite3_last_insert_rowid(db->sql);
	*ret_replaced = old != NULL;
	r = exec_bound(db, "DELETE FROM dataset_columns WHERE dataset_id = ?",
		       ret_err, "i", *ret_id);
	if (r == 0) {
		r = exec_bound(db, "DELETE FROM value_labels "
			       "WHERE dataset_id = ?", ret_err, "i", *ret_id);
	}
out:
	sqlite3_finalize(st);
	dataset_info_destroy(old);
	return r;
}

int import_store_columns(struct db *db, int64_t id,
			 const struct import_column *cols, size_t n,
			 char **ret_err)
{
	for (size_t i = 0; i < n; i++) {
		int r = exec_bound(db,
			"INSERT INTO dataset_columns (dataset_id, position, "
			"name, source_name, declared_type, inferred_type) "
			"VALUES (?, ?, ?, ?, ?, ?)", ret_err, "iissss", id,
			(int64_t)i, cols[i].name, cols[i].source_name,
			import_type_names[cols[i].type], import_type_names[cols[i].type]);

		if (r < 0) {
			return r;
		}
	}
	return 0;
}

/* the weight must be a numeric column of the dataset */
static int set_weight(struct db *db, int64_t id, const char *weight,
		      char **ret_err)
{
	sqlite3_stmt *st = NULL;
	const char *type = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT inferred_type FROM dataset_columns "
		"WHERE dataset_id = ? AND name = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, weight, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 0);
	}
	if (!type) {
		*ret_err = xasprintf("weight column '%s' is not a column of "
				     "the dataset", weight);
		r = -ENOENT;
		goto out;
	}
	if (strcmp(type, "INTEGER") != 0 && strcmp(type, "REAL") != 0) {
		*ret_err = xasprintf("weight column '%s' is not numeric (its "
				     "values are %s)", weight, type);
		r = -EINVAL;
		goto out;
	}
	r = exec_bound(db,
		"UPDATE dataset_columns SET is_weight = (name = ?2) "
		"WHERE dataset_id = ?1", ret_err, "is", id, weight);
	if (r == 0) {
		r = exec_bound(db,
			"UPDATE datasets SET weight_column = ?2 WHERE id = ?1",
			ret_err, "is", id, weight);
	}
out:
	sqlite3_finalize(st);
	return r;
}

int import_set_weight(struct db *db, int64_t id, const char *weight,
		      char **ret_err)
{
	return set_weight(db, id, weight, ret_err);
}

static char *current_weight(struct db *db, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char *w = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT weight_column FROM datasets WHERE id = ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0)) {
			w = xstrdup((const char *)sqlite3_column_text(st, 0));
		}
	}
	sqlite3_finalize(st);
	return w;
}

/* the indexes an admin asked for, on the data table made anew */
static int restore_indexes(struct db *db, int64_t id, char **ret_err)
{
	struct dataset_info *d = NULL;
	char *dropped = NULL, *name = NULL;
	sqlite3_stmt *st = NULL;
	int r = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT name FROM datasets WHERE "
			       "id = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			name = xstrdup((const char *)sqlite3_column_text(st,
									 0));
		}
	}
	sqlite3_finalize(st);
	if (name && dataset_lookup(db, name, &d) == 0 &&
	    dataset_rows_in_catalog(d)) {
		r = dataset_index_restore(db, id, d->data_table, &dropped,
					  ret_err);
		if (dropped) {
			log_warn("dataset '%s': %s", d->name, dropped);
		}
	}
	free(dropped);
	free(name);
	dataset_info_destroy(d);
	return r;
}

/*
 * The column cache (colcache.h), written last, after every change to the
 * dataset's row.  It only makes weighted_stats faster: failing to write
 * it costs speed, not the import.
 */
static void write_colcache(struct db *db, int64_t id,
			   struct colcache_stream *cache)
{
	char *err = NULL;

	if (cache && colcache_stream_finish(db, cache, &err) == 0) {
		return;
	}
	/* not streamed, or the stream gave up: read the table back */
	free(err);
	err = NULL;
	if (colcache_build(db, id, &err) < 0) {
		fprintf(stderr, "warning: no column cache for dataset %lld "
			"(weighted_stats will use SQL): %s\n", (long long)id,
			err ? err : "unknown error");
	}
	free(err);
}

static int finish_dataset(struct db *db, const struct import_options *opt,
			  int64_t id, const char *rows_ref,
			  const struct import_column *cols, size_t n, int64_t rows,
			  struct import_report *rep, char **ret_err)
{
	char *old_weight = NULL;
	int r;

	r = import_keep_restore(db, opt, id, rep, ret_err);
	if (r < 0) {
		return r;
	}
	if (opt->weight) {
		r = set_weight(db, id, opt->weight, ret_err);
		if (r < 0) {
			return r;
		}
	} else if ((old_weight = current_weight(db, id))) {
		char *err = NULL;

		/* a replaced dataset keeps its weight while the column lives */
		if (set_weight(db, id, old_weight, &err) < 0) {
			import_report_add(&rep->warnings, &rep->n_warnings,
					  "the weight is removed: %s", err);
			free(err);
			exec_bound(db, "UPDATE datasets SET weight_column = NULL "
				   "WHERE id = ?", NULL, "i", id);
		}
		free(old_weight);
	}
	if (cols) {
		for (size_t i = 0; i < n; i++) {
			r = profile_store_colstats(db, id, (int)i,
						   import_type_names[cols[i].type],
						   &cols[i].stats, ret_err);
			if (r < 0) {
				return r;
			}
		}
		r = profile_store_row_count(db, id, rows, ret_err);
	} else {
		r = profile_dataset(db, id, rows_ref, ret_err);
	}
	if (r < 0) {
		return r;
	}
	r = dataset_search_reindex(db, id);
	if (r < 0) {
		*ret_err = xasprintf("cannot index dataset for search: %s",
				     sqlite3_errmsg(db->sql));
		return r;
	}
	return restore_indexes(db, id, ret_err);
}

void import_colcache(struct db *db, int64_t id)
{
	write_colcache(db, id, NULL);
}

int import_finish_dataset(struct db *db, const struct import_options *opt,
			  int64_t id, const char *rows_ref,
			  const struct import_column *cols, size_t n, int64_t rows,
			  struct import_report *rep,
			  struct colcache_stream *cache, char **ret_err)
{
	int r = finish_dataset(db, opt, id, rows_ref, cols, n, rows, rep,
			       ret_err);

	if (r < 0) {
		colcache_stream_destroy(cache);
		return r;
	}
	write_colcache(db, id, cache);
	return 0;
}

/* ---- refresh -------------------------------------------------------- */

/* what refresh owns of the options it read back */
struct saved_options {
	char **nulls;
	size_t n_nulls;
	char **types;
	size_t n_types;
	char *encoding;
	char *catalog_file;
};

static char **string_list(const cJSON *arr, size_t *ret_n)
{
	const cJSON *it;
	char **list = NULL;
	size_t n = 0;

	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsString(it)) {
			list = xrealloc(list, (n + 1) * sizeof(*list));
			list[n++] = xstrdup(it->valuestring);
		}
	}
	*ret_n = n;
	return list;
}

static void saved_options_finish(struct saved_options *s)
{
	for (size_t i = 0; i < s->n_nulls; i++) {
		free(s->nulls[i]);
	}
	for (size_t i = 0; i < s->n_types; i++) {
		free(s->types[i]);
	}
	free(s->nulls);
	free(s->types);
	free(s->encoding);
	free(s->catalog_file);
}

/* a survey file's options (format catalog, codes kept) from import_options */
static void parse_survey_options(const char *json, struct import_options *opt,
				 struct saved_options *saved)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "catalog_file");

	if (cJSON_IsString(v)) {
		saved->catalog_file = xstrdup(v->valuestring);
		opt->catalog_file = saved->catalog_file;
	}
	opt->keep_user_missing = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(o, "keep_user_missing"));
	cJSON_Delete(o);
}

/* the options a CSV was imported with, from datasets.import_options */
static void parse_import_options(const char *json, struct import_options *opt,
				 struct saved_options *saved)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	const cJSON *v;

	v = cJSON_GetObjectItemCaseSensitive(o, "delimiter");
	if (cJSON_IsString(v) && v->valuestring[0]) {
		opt->delimiter = v->valuestring[0];
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "quoting");
	if (cJSON_IsNumber(v)) {
		opt->quoting = 1 + v->valueint;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "encoding");
	if (cJSON_IsString(v)) {
		saved->encoding = xstrdup(v->valuestring);
		opt->encoding = saved->encoding;
	}
	opt->convert = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(o, "convert"));
	opt->no_header = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(o, "no_header"));
	opt->no_default_nulls = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(o, "no_default_nulls"));
	v = cJSON_GetObjectItemCaseSensitive(o, "skip");
	if (cJSON_IsNumber(v)) {
		opt->skip = (uint64_t)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "max_errors");
	if (cJSON_IsNumber(v)) {
		opt->max_errors = (int64_t)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "decimal");
	if (cJSON_IsString(v)) {
		opt->decimal = v->valuestring[0];
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "date_order");
	if (cJSON_IsNumber(v)) {
		opt->date_order = v->valueint;
	}
	saved->nulls = string_list(cJSON_GetObjectItemCaseSensitive(o,
				   "null_values"), &saved->n_nulls);
	opt->null_values = (const char *const *)saved->nulls;
	opt->n_null_values = saved->n_nulls;
	saved->types = string_list(cJSON_GetObjectItemCaseSensitive(o,
				   "types"), &saved->n_types);
	opt->types = (const char *const *)saved->types;
	opt->n_types = saved->n_types;
	cJSON_Delete(o);
}

static bool has_appended(const char *json)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	bool has = cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(o, "appended")) > 0;

	cJSON_Delete(o);
	return has;
}

int import_refresh(struct db *db, const char *name, bool progress,
		   bool same_columns, struct import_report *ret,
		   char **ret_err)
{
	struct import_options opt = { 0 };
	struct dataset_info *d = NULL;
	struct saved_options saved = { 0 };
	int r;

	*ret_err = NULL;
	r = dataset_lookup(db, name, &d);
	if (r < 0) {
		*ret_err = r == -ENOENT ? xasprintf("no dataset '%s'", name)
			: xasprintf("cannot read catalog: %s",
				    sqlite3_errmsg(db->sql));
		return r;
	}
	opt.name = d->name;
	opt.replace = true;
	opt.same_columns = same_columns;
	opt.progress = progress;
	opt.path = d->source_path;
	if (strcmp(d->source_kind, "sqlite") == 0) {
		opt.table = d->source_table;
		parse_import_options(d->import_options, &opt, &saved);
		r = import_sqlite(db, &opt, ret, ret_err);
	} else if (import_readstat_describe(d->source_kind)) {
		parse_survey_options(d->import_options, &opt, &saved);
		r = import_readstat(db, &opt, d->source_kind, ret, ret_err);
	} else if (strcmp(d->source_kind, "csv") == 0 &&
		   has_appended(d->import_options)) {
		/* the source holds only the first file's rows */
		*ret_err = xasprintf("dataset '%s' has rows appended from "
				     "other files (dataset add --append); a "
				     "refresh would read '%s' alone and drop "
				     "them", name, d->source_path);
		r = -EINVAL;
	} else if (strcmp(d->source_kind, "csv") == 0 &&
		   strcmp(d->source_path, "-") != 0) {
		parse_import_options(d->import_options, &opt, &saved);
		r = import_csv(db, &opt, ret, ret_err);
	} else {
		/* read from standard input once: only the profile can be redone */
		char *ref = dataset_rows_ref(d, IMPORT_SOURCE_ALIAS);

		r = db_begin(db);
		if (r == 0) {
			r = profile_dataset(db, d->id, ref, ret_err);
		}
		if (r == 0) {
			r = dataset_touch(db, d->id);
		}
		if (r == 0) {
			r = db_commit(db);
		}
		if (r < 0) {
			db_rollback(db);
			if (!*ret_err) {
				*ret_err = xasprintf("cannot refresh: %s",
						     sqlite3_errmsg(db->sql));
			}
		}
		ret->dataset_id = d->id;
		free(ref);
		if (r == 0) {
			struct dataset_info *now = NULL;

			if (dataset_lookup(db, name, &now) == 0) {
				ret->rows = now->row_count;
			}
			dataset_info_destroy(now);
		}
	}
	saved_options_finish(&saved);
	dataset_info_destroy(d);
	return r;
}
