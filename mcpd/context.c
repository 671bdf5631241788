#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/query.h"
#include "mcp/render.h"
#include "mcp/svydesign.h"
#include "mcp/xalloc.h"
#include "context.h"
#include "context_cache.h"
#include "servable.h"
#include "describe_budget.h"
#include "context-labels.h"
#include "mcp/banned.h"

/* a text column as a new string, or NULL when NULL or empty */
static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t && *t ? xstrdup((const char *)t) : NULL;
}

int context_list(struct db *db, struct dataset_info **ret_list, size_t *ret_n)
{
	sqlite3_stmt *st = NULL;
	struct dataset_info *list = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	rc = db_prepare_cached(db,
			       "SELECT " DATASET_COLUMNS " FROM datasets "
			       "WHERE " SERVED_DATASET " ORDER BY name", &st);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			list = xrealloc(list, alloc * sizeof(*list));
		}
		dataset_info_read(st, &list[n++]);
	}
	db_stmt_release(db, st);
	if (rc != SQLITE_DONE) {
		context_list_free(list, n);
		return db_errno(rc);
	}
	*ret_list = list;
	*ret_n = n;
	return 0;
}

void context_list_free(struct dataset_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dataset_info_finish(&list[i]);
	}
	free(list);
}

int context_find(struct db *db, const char *name, struct dataset_info *ret)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	rc = db_prepare_cached(db,
			       "SELECT " DATASET_COLUMNS " FROM datasets "
			       "WHERE " SERVED_DATASET " AND name = ?1", &st);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		dataset_info_read(st, ret);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : db_errno(rc);
	}
	db_stmt_release(db, st);
	return r;
}

char **context_columns(struct db *db, int64_t dataset_id, size_t *ret_n)
{
	sqlite3_stmt *st = NULL;
	char **cols = xcalloc(1, sizeof(*cols));
	size_t n = 0;

	if (db_prepare_cached(db,
			       "SELECT name FROM dataset_columns "
			       "WHERE dataset_id = ?1 ORDER BY position",
			       &st) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, dataset_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(st,
									  0);

			cols = xrealloc(cols, (n + 2) * sizeof(*cols));
			cols[n++] = xstrdup(c ? c : "");
			cols[n] = NULL;
		}
	}
	db_stmt_release(db, st);
	if (ret_n) {
		*ret_n = n;
	}
	return cols;
}

void context_columns_free(char **cols)
{
	if (!cols) {
		return;
	}
	for (char **p = cols; *p; p++) {
		free(*p);
	}
	free(cols);
}

/* a JSON text column parsed, or NULL when absent or not JSON */
static cJSON *json_col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? cJSON_Parse(t) : NULL;
}

static void add_opt_string(cJSON *o, const char *key, const char *v)
{
	if (v) {
		cJSON_AddStringToObject(o, key, v);
	} else {
		cJSON_AddNullToObject(o, key);
	}
}

/*
 * Which LLM metadata the model sees (system_config metadata_served):
 * "approved" (the default) the approved version, "latest" the newest one
 * not rejected, "none" nothing a model wrote.
 */
enum served { SERVE_APPROVED, SERVE_LATEST, SERVE_NONE };

static enum served metadata_served(struct db *db)
{
	char *v = db_config_get(db, "metadata_served");
	enum served s = SERVE_APPROVED;

	if (v && strcmp(v, "latest") == 0) {
		s = SERVE_LATEST;
	} else if (v && strcmp(v, "none") == 0) {
		s = SERVE_NONE;
	}
	free(v);
	return s;
}

/* the metadata mcpd serves, or NULL */
static cJSON *approved_metadata(struct db *db, int64_t id, enum served how)
{
	sqlite3_stmt *st = NULL;
	cJSON *m = NULL;

	if (how == SERVE_NONE ||
	    db_prepare_cached(db,
			       "SELECT version, provider, model, created_at, "
			       "summary, example_questions, caveats, "
			       "column_descriptions, columns FROM llm_metadata "
			       "WHERE dataset_id = ?1 AND (status = 'approved' "
			       "OR (?2 AND status = 'draft')) "
			       "ORDER BY version DESC LIMIT 1",
			       &st) != SQLITE_OK) {
		return NULL;
	}
	sqlite3_bind_int(st, 2, how == SERVE_LATEST);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *j;
		char *s;

		m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "version",
					(double)sqlite3_column_int64(st, 0));
		s = col_text(st, 1);
		add_opt_string(m, "provider", s);
		free(s);
		s = col_text(st, 2);
		add_opt_string(m, "model", s);
		free(s);
		s = col_text(st, 3);
		add_opt_string(m, "created_at", s);
		free(s);
		s = col_text(st, 4);
		add_opt_string(m, "summary", s);
		free(s);
		j = json_col(st, 5);
		cJSON_AddItemToObject(m, "example_questions",
				      cJSON_IsArray(j) ? j
						       : cJSON_CreateArray());
		if (!cJSON_IsArray(j)) {
			cJSON_Delete(j);
		}
		j = json_col(st, 6);
		cJSON_AddItemToObject(m, "caveats",
				      cJSON_IsArray(j) ? j
						       : cJSON_CreateArray());
		if (!cJSON_IsArray(j)) {
			cJSON_Delete(j);
		}
		j = json_col(st, 7);
		if (cJSON_IsObject(j)) {
			cJSON_AddItemToObject(m, "column_descriptions", j);
		} else {
			cJSON_Delete(j);
		}
		j = json_col(st, 8);
		if (cJSON_IsArray(j)) {
			cJSON_AddItemToObject(m, "columns", j);
		} else {
			cJSON_Delete(j);
		}
	}
	db_stmt_release(db, st);
	return m;
}

/* the unit and semantic type the served metadata gives column `name` */
static void add_llm_column(cJSON *c, const cJSON *mcols, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, mcols) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(it, "unit");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(
			it, "semantic_type");

		if (!cJSON_IsString(n) || !name ||
		    strcmp(n->valuestring, name) != 0) {
			continue;
		}
		if (cJSON_IsString(u)) {
			cJSON_AddStringToObject(c, "unit", u->valuestring);
		}
		if (cJSON_IsString(t)) {
			cJSON_AddStringToObject(c, "semantic_type",
						t->valuestring);
		}
		return;
	}
}

/* "sampling_design": the design in words; absent with weights only */
static void add_design(struct db *db, const struct dataset_info *d, cJSON *o)
{
	struct svydesign *des = NULL;
	struct buf b = BUF_INIT;

	if (svydesign_load(db, d->id, &des) < 0) {
		return;
	}
	svydesign_describe(des, d->weight_column, &b);
	cJSON_AddStringToObject(o, "sampling_design", buf_str(&b));
	buf_release(&b);
	svydesign_destroy(des);
}

/*
 * What CSV type inference noted about each column (migration 7), as an
 * "import" object on the columns that have anything: kind, format, unit,
 * warning.  A query of its own, so the column query stays as it is.
 */
static void add_import_typing(struct db *db, int64_t id, cJSON *cols)
{
	static const char *const keys[] = {
		"kind", "format", "unit", "warning",
	};
	sqlite3_stmt *st = NULL;

	if (db_prepare_cached(db,
			       "SELECT position, semantic_type, original_format, "
			       "unit, type_warning FROM dataset_columns "
			       "WHERE dataset_id = ?1 ORDER BY position",
			       &st) != SQLITE_OK) {
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	for (cJSON *c = cols ? cols->child : NULL;
	     c && sqlite3_step(st) == SQLITE_ROW; c = c->next) {
		cJSON *imp = NULL;

		for (int k = 0; k < 4; k++) {
			const char *v = (const char *)sqlite3_column_text(st,
									  k + 1);

			if (!v) {
				continue;
			}
			if (!imp) {
				imp = cJSON_AddObjectToObject(c, "import");
			}
			cJSON_AddStringToObject(imp, keys[k], v);
		}
	}
	db_stmt_release(db, st);
}

/* "indexes": [["a"], ["b", "c"]]: what mcpctl dataset index built */
static void add_indexes(struct db *db, const struct dataset_info *d,
			cJSON *o)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr = NULL;

	if (db_prepare_cached(db, "SELECT columns FROM dataset_indexes "
			      "WHERE dataset_id = ?1 ORDER BY name",
			      &st) != SQLITE_OK) {
		return;
	}
	sqlite3_bind_int64(st, 1, d->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *cols = cJSON_Parse((const char *)sqlite3_column_text(st,
									   0));

		if (!cJSON_IsArray(cols)) {
			cJSON_Delete(cols);
			continue;
		}
		if (!arr) {
			arr = cJSON_AddArrayToObject(o, "indexes");
		}
		cJSON_AddItemToArray(arr, cols);
	}
	db_stmt_release(db, st);
}

/* "- Indexed (fast filters): `a`; `b`, `c`" */
static void render_indexes(struct buf *b, const cJSON *indexes)
{
	const cJSON *ix, *c;
	int n = 0;

	cJSON_ArrayForEach(ix, indexes) {
		int k = 0;

		buf_addstr(b, n++ ? "; " : "- Indexed (fast filters): ");
		cJSON_ArrayForEach(c, ix) {
			buf_addstr(b, k++ ? ", " : "");
			render_md_code(b, cJSON_IsString(c) ? c->valuestring
							    : "");
		}
	}
	if (n) {
		buf_addch(b, '\n');
	}
}

cJSON *context_schema(struct db *db, const struct dataset_info *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *cols, *tags, *meta, *coldesc, *mcols;
	sqlite3_stmt *st = NULL;
	enum served how;

	cJSON_AddStringToObject(o, "name", d->name);
	add_opt_string(o, "title", d->title);
	add_opt_string(o, "description", d->description);
	if (d->row_count >= 0) {
		cJSON_AddNumberToObject(o, "row_count", (double)d->row_count);
	} else {
		cJSON_AddNullToObject(o, "row_count");
	}
	add_opt_string(o, "weight_column", d->weight_column);
	add_design(db, d, o);
	add_indexes(db, d, o);
	tags = cJSON_AddArrayToObject(o, "tags");
	if (d->tags) {
		char *copy = xstrdup(d->tags);
		char *save = NULL;

		for (char *t = strtok_r(copy, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ') {
				t++;
			}
			if (*t) {
				cJSON_AddItemToArray(tags,
						     cJSON_CreateString(t));
			}
		}
		free(copy);
	}
	add_opt_string(o, "source_kind", d->source_kind);
	cJSON_AddNumberToObject(o, "version", (double)d->version);
	add_opt_string(o, "updated_at", d->updated_at);

	how = metadata_served(db);
	meta = approved_metadata(db, d->id, how);
	coldesc = cJSON_GetObjectItemCaseSensitive(meta,
						   "column_descriptions");
	mcols = cJSON_GetObjectItemCaseSensitive(meta, "columns");
	cols = cJSON_AddArrayToObject(o, "columns");
	if (db_prepare_cached(db,
			       "SELECT position, name, declared_type, "
			       "inferred_type, null_count, distinct_count, "
			       "min_value, max_value, mean, top_values, "
			       "sample_values, is_weight, description, "
			       "llm_description, quantiles FROM dataset_columns "
			       "WHERE dataset_id = ?1 ORDER BY position",
			       &st) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, d->id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *c = cJSON_CreateObject();
			char *name = col_text(st, 1);
			char *decl = col_text(st, 2);
			char *inf = col_text(st, 3);
			char *desc = col_text(st, 12);
			char *ldesc = col_text(st, 13);
			const cJSON *md = cJSON_GetObjectItemCaseSensitive(
				coldesc, name ? name : "");
			cJSON *j;

			cJSON_AddStringToObject(c, "name", name ? name : "");
			add_opt_string(c, "type", inf ? inf : decl);
			add_opt_string(c, "declared_type", decl);
			cJSON_AddItemToObject(c, "null_count",
					      render_value(st, 4));
			cJSON_AddItemToObject(c, "distinct_count",
					      render_value(st, 5));
			cJSON_AddItemToObject(c, "min", render_value(st, 6));
			cJSON_AddItemToObject(c, "max", render_value(st, 7));
			cJSON_AddItemToObject(c, "mean", render_value(st, 8));
			j = json_col(st, 9);
			if (cJSON_IsArray(j)) {
				cJSON_AddItemToObject(c, "top_values", j);
			} else {
				cJSON_Delete(j);
			}
			j = json_col(st, 10);
			if (cJSON_IsArray(j)) {
				cJSON_AddItemToObject(c, "sample_values", j);
			} else {
				cJSON_Delete(j);
			}
			j = json_col(st, 14);
			if (cJSON_IsObject(j)) {
				cJSON_AddItemToObject(c, "quantiles", j);
			} else {
				cJSON_Delete(j);
			}
			cJSON_AddBoolToObject(c, "is_weight",
					      sqlite3_column_int(st, 11) != 0);
			/*
			 * A human's words win over a model's (mcpd-catalog(5)).
			 * llm_description is the approved version's, which
			 * "latest" and "none" do not serve.
			 */
			if (desc) {
				cJSON_AddStringToObject(c, "description", desc);
			} else if (ldesc && how == SERVE_APPROVED) {
				cJSON_AddStringToObject(c, "description",
							ldesc);
			} else if (cJSON_IsString(md)) {
				cJSON_AddStringToObject(c, "description",
							md->valuestring);
			} else {
				cJSON_AddNullToObject(c, "description");
			}
			cJSON_AddStringToObject(c, "description_source",
				desc ? "human"
				: cJSON_IsString(cJSON_GetObjectItem(
					  c, "description")) ? "llm"
							     : "none");
			add_llm_column(c, mcols, name);
			cJSON_AddItemToArray(cols, c);
			free(name);
			free(decl);
			free(inf);
			free(desc);
			free(ldesc);
		}
	}
	db_stmt_release(db, st);
	add_import_typing(db, d->id, cols);
	context_labels_add(db, d->id, cols);    /* survey files' labels */
	if (meta) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta,
							"column_descriptions");
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "columns");
		cJSON_AddItemToObject(o, "metadata", meta);
	} else {
		cJSON_AddNullToObject(o, "metadata");
	}
	return o;
}

/* catalog text in one markdown line, cut to a readable length */
static void add_cell(struct buf *b, const char *s)
{
	size_t n = 0;

	for (const char *p = s; *p; p++, n++) {
		if (n >= 120) {
			/* cut on a character boundary */
			while ((*p & 0xc0) == 0x80) {
				buf_addch(b, *p++);
			}
			buf_addstr(b, "…");
			return;
		}
		if (*p == '|') {
			buf_addstr(b, "\\|");
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			buf_addch(b, ' ');
		} else {
			buf_addch(b, *p);
		}
	}
}

static const char *str_or(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static void add_list(struct buf *b, const char *heading, const cJSON *arr)
{
	const cJSON *it;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
		return;
	}
	buf_addf(b, "\n## %s\n\n", heading);
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsString(it)) {
			buf_addf(b, "- %s\n", it->valuestring);
		}
	}
}

char *context_markdown_schema(struct db *db, const struct dataset_info *d,
			      cJSON **ret_schema)
{
	cJSON *s = context_schema(db, d);
	struct describe_opts o;

	/* resources and prompts read the same budget as the tool */
	describe_opts_load(db, &o);
	*ret_schema = s;
	return context_render_opts(d, s, &o);
}

char *context_markdown(struct db *db, const struct dataset_info *d)
{
	char *key = context_cache_key(db, d);
	cJSON *s = NULL;
	char *md = NULL;

	/* the tool's calls fill the cache; resources only read it */
	if (!key || !context_cache_get(db, d, key, &md, NULL)) {
		md = context_markdown_schema(db, d, &s);
	}
	cJSON_Delete(s);
	free(key);
	return md;
}

/* one line per column whose import noted a kind, a unit or a warning */
static void render_import_notes(struct buf *b, const cJSON *cols)
{
	const cJSON *c;
	bool any = false;

	cJSON_ArrayForEach(c, cols) {
		const cJSON *imp = cJSON_GetObjectItemCaseSensitive(c, "import");
		const char *kind = str_or(imp, "kind", NULL);
		const char *unit = str_or(imp, "unit", NULL);
		const char *warn = str_or(imp, "warning", NULL);

		if (!imp) {
			continue;
		}
		if (!any) {
			buf_addstr(b, "\n## Import notes\n\n");
			any = true;
		}
		/* names and formats come from the file: escaped */
		buf_addstr(b, "- ");
		render_md_code(b, str_or(c, "name", ""));
		buf_addstr(b, ": ");
		if (kind) {
			buf_addf(b, "%s, written ", kind);
			render_md_cell(b, str_or(imp, "format", "?"));
		}
		if (unit) {
			buf_addstr(b, kind ? "; " : "");
			render_md_cell(b, unit);
		}
		if (warn) {
			buf_addstr(b, kind || unit ? "; " : "");
			render_md_cell(b, warn);
		}
		buf_addch(b, '\n');
	}
}

char *context_render(const struct dataset_info *d, const cJSON *s)
{
	struct describe_opts o = {
		.budget_tokens = DESCRIBE_DEFAULT_BUDGET,
		.digits = QUERY_DEFAULT_DIGITS,
	};

	return context_render_opts(d, s, &o);
}

char *context_render_opts(const struct dataset_info *d, const cJSON *s,
			  const struct describe_opts *opts)
{
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(s, "columns");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(s, "metadata");
	const cJSON *design;
	struct describe_opts o = *opts;
	struct buf b = BUF_INIT, tail = BUF_INIT;

	if (d->title) {
		buf_addstr(&b, "# ");
		render_md_cell(&b, d->title);
		buf_addf(&b, " (`%s`)\n\n", d->name);
	} else {
		buf_addf(&b, "# `%s`\n\n", d->name);
	}
	if (d->description) {
		buf_addf(&b, "%s\n\n", d->description);
	}
	if (d->row_count >= 0) {
		buf_addf(&b, "- Rows: %lld\n", (long long)d->row_count);
	}
	buf_addf(&b, "- Columns: %d\n", cJSON_GetArraySize(cols));
	if (d->weight_column) {
		buf_addstr(&b, "- Weight column: ");
		render_md_code(&b, d->weight_column);
		buf_addstr(&b, " (population estimates need "
			 "it: the weighted_stats tool, or wmean(x, w), "
			 "wsum(x, w) and wquantile(x, w, q) in SQL; report "
			 "the unweighted n too)\n");
	} else {
		buf_addstr(&b, "- Weight column: none (unweighted data)\n");
	}
	design = cJSON_GetObjectItemCaseSensitive(s, "sampling_design");
	if (cJSON_IsString(design)) {
		/* it names columns, which come from files: escaped */
		buf_addstr(&b, "- Sampling design: ");
		render_md_cell(&b, design->valuestring);
		buf_addstr(&b, "; weighted_stats gives design-based standard "
			       "errors and confidence intervals\n");
	}
	if (d->tags && *d->tags) {
		buf_addf(&b, "- Tags: %s\n", d->tags);
	}
	buf_addf(&b, "- Query as: `SELECT ... FROM %s`\n", d->name);
	render_indexes(&b, cJSON_GetObjectItemCaseSensitive(s, "indexes"));
	if (cJSON_IsObject(meta)) {
		const char *summary = str_or(meta, "summary", NULL);

		if (summary) {
			buf_addf(&b, "\n## Summary\n\n%s\n", summary);
		}
	}
	/* what follows the columns counts against the budget too */
	render_import_notes(&tail, cols);
	context_labels_render(&tail, d->name, cols);
	if (cJSON_IsObject(meta)) {
		add_list(&tail, "Example questions",
			 cJSON_GetObjectItemCaseSensitive(meta,
							  "example_questions"));
		add_list(&tail, "Caveats",
			 cJSON_GetObjectItemCaseSensitive(meta, "caveats"));
	}
	o.dataset = d->name;
	o.rows = d->row_count;
	describe_columns(&b, cols, &o, tail.len);
	buf_add(&b, tail.data, tail.len);
	buf_release(&tail);
	return buf_detach(&b, NULL);
}

char *context_instructions(struct db *db, const char *base)
{
	enum served how = db ? metadata_served(db) : SERVE_NONE;
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int n = 0;

	buf_addstr(&b, base);
	if (how == SERVE_NONE ||
	    db_prepare_cached(db,
			       "SELECT d.name, (SELECT m.summary FROM "
			       "llm_metadata m WHERE m.dataset_id = d.id AND "
			       "(m.status = 'approved' OR (?1 AND m.status = "
			       "'draft')) ORDER BY m.version DESC LIMIT 1) "
			       "AS s FROM datasets d WHERE " SERVED_DATASET_D " "
			       "AND s IS NOT NULL AND s <> '' ORDER BY d.name "
			       "LIMIT 50", &st) != SQLITE_OK) {
		return buf_detach(&b, NULL);
	}
	sqlite3_bind_int(st, 1, how == SERVE_LATEST);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0) {
			buf_addstr(&b, "\n\nDatasets:\n");
		}
		buf_addstr(&b, "- ");
		add_cell(&b, (const char *)sqlite3_column_text(st, 0));
		buf_addstr(&b, ": ");
		add_cell(&b, (const char *)sqlite3_column_text(st, 1));
		buf_addch(&b, '\n');
	}
	db_stmt_release(db, st);
	return buf_detach(&b, NULL);
}
