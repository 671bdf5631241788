#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/metadata.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/* bounds that keep one prompt to a few thousand tokens */
#define PROMPT_MAX (96 * 1024)
#define CELL_MAX 80
#define SAMPLE_ROWS 5
#define TOP_MAX 10
#define SAMPLES_MAX 5
#define LIST_MAX 20
#define TEXT_MAX 4000

static const char *const semantic_types[] = {
	"identifier", "category", "ordinal", "boolean", "count", "measure",
	"currency", "percentage", "date", "datetime", "year", "geography",
	"weight", "text", "other", NULL,
};

static cJSON *string_array(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; *v; v++) {
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	}
	return a;
}

static cJSON *typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	return o;
}

static cJSON *strict_object(const char *const *required)
{
	cJSON *o = typed("object");

	cJSON_AddItemToObject(o, "required", string_array(required));
	cJSON_AddFalseToObject(o, "additionalProperties");
	cJSON_AddObjectToObject(o, "properties");
	return o;
}

cJSON *metadata_schema(void)
{
	static const char *const top[] = {
		"summary", "columns", "example_questions", "caveats", NULL,
	};
	static const char *const col[] = {
		"name", "description", "unit", "semantic_type", NULL,
	};
	static const char *const unit_types[] = { "string", "null", NULL };
	cJSON *s = strict_object(top);
	cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	cJSON *c = strict_object(col);
	cJSON *cprops = cJSON_GetObjectItemCaseSensitive(c, "properties");
	cJSON *arr, *t;

	cJSON_AddItemToObject(props, "summary", typed("string"));
	arr = typed("array");
	cJSON_AddItemToObject(arr, "items", c);
	cJSON_AddItemToObject(props, "columns", arr);
	cJSON_AddItemToObject(cprops, "name", typed("string"));
	cJSON_AddItemToObject(cprops, "description", typed("string"));
	t = cJSON_CreateObject();
	cJSON_AddItemToObject(t, "type", string_array(unit_types));
	cJSON_AddItemToObject(cprops, "unit", t);
	t = typed("string");
	cJSON_AddItemToObject(t, "enum", string_array(semantic_types));
	cJSON_AddItemToObject(cprops, "semantic_type", t);
	arr = typed("array");
	cJSON_AddItemToObject(arr, "items", typed("string"));
	cJSON_AddItemToObject(props, "example_questions", arr);
	arr = typed("array");
	cJSON_AddItemToObject(arr, "items", typed("string"));
	cJSON_AddItemToObject(props, "caveats", arr);
	return s;
}

const char *metadata_system_prompt(void)
{
	return "You document datasets for analysts and for language models "
	       "that will query them with SQL.  From a dataset's profile and "
	       "a few of its rows, you write: a short summary of what the "
	       "data is and what one row is; for every column, a one-sentence "
	       "description, its unit (null when it has none) and its "
	       "semantic type; five to eight example questions the data can "
	       "answer; and caveats (missing values, codes, weights, ranges "
	       "that look odd).  Say only what the profile supports.  "
	       "Descriptions written by a human are right: build on them, "
	       "never contradict them.  Answer with the JSON document only.";
}

/* a value for the prompt: short, one line */
static void add_short(struct buf *b, const char *s)
{
	size_t n = 0;

	for (; *s && n < CELL_MAX; s++, n++) {
		buf_addch(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
	/* finish a UTF-8 sequence cut in the middle */
	while (*s && ((unsigned char)*s & 0xc0) == 0x80) {
		buf_addch(b, *s++);
	}
	if (*s) {
		buf_addstr(b, "...");
	}
}

static void add_json_values(struct buf *b, const char *json, int max)
{
	cJSON *a = json ? cJSON_Parse(json) : NULL;
	const cJSON *it;
	int k = 0;

	cJSON_ArrayForEach(it, a) {
		const cJSON *v = cJSON_IsArray(it) ? cJSON_GetArrayItem(it, 0)
						   : it;
		char *t;

		if (k++ == max) {
			buf_addstr(b, ", ...");
			break;
		}
		if (k > 1) {
			buf_addstr(b, ", ");
		}
		if (cJSON_IsString(v)) {
			buf_addch(b, '"');
			add_short(b, v->valuestring);
			buf_addch(b, '"');
		} else {
			t = cJSON_PrintUnformatted(v);
			add_short(b, t ? t : "?");
			free(t);
		}
		if (cJSON_IsArray(it) &&
		    cJSON_IsNumber(cJSON_GetArrayItem(it, 1))) {
			buf_addf(b, " (%.0f)",
				 cJSON_GetArrayItem(it, 1)->valuedouble);
		}
	}
	cJSON_Delete(a);
}

static const char *text_at(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t && *t ? t : NULL;
}

static void add_columns(struct buf *b, struct db *db, int64_t id)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT name, coalesce(inferred_type, "
			       "declared_type), null_count, distinct_count, "
			       "min_value, max_value, mean, top_values, "
			       "sample_values, is_weight, description "
			       "FROM dataset_columns WHERE dataset_id = ?1 "
			       "ORDER BY position", -1, &st, NULL) !=
	    SQLITE_OK) {
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	buf_addstr(b, "\nColumns:\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s;

		buf_addstr(b, "- \"");
		add_short(b, text_at(st, 0) ? text_at(st, 0) : "");
		buf_addf(b, "\" %s", text_at(st, 1) ? text_at(st, 1) : "");
		if (sqlite3_column_int(st, 9)) {
			buf_addstr(b, ", the survey weight");
		}
		buf_addf(b, "; nulls %lld, distinct %lld",
			 (long long)sqlite3_column_int64(st, 2),
			 (long long)sqlite3_column_int64(st, 3));
		if ((s = text_at(st, 4))) {
			buf_addstr(b, "; min ");
			add_short(b, s);
		}
		if ((s = text_at(st, 5))) {
			buf_addstr(b, "; max ");
			add_short(b, s);
		}
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			buf_addf(b, "; mean %.6g", sqlite3_column_double(st, 6));
		}
		if ((s = text_at(st, 7))) {
			buf_addstr(b, "; frequent values: ");
			add_json_values(b, s, TOP_MAX);
		} else if ((s = text_at(st, 8))) {
			buf_addstr(b, "; sample values: ");
			add_json_values(b, s, SAMPLES_MAX);
		}
		if ((s = text_at(st, 10))) {
			buf_addstr(b, "; described by a human as: \"");
			add_short(b, s);
			buf_addch(b, '"');
		}
		buf_addch(b, '\n');
	}
	sqlite3_finalize(st);
}

/* the first rows, one JSON array each; quietly none when unreadable */
static void add_rows(struct buf *b, struct db *db,
		     const struct dataset_info *d)
{
	bool attached = false;
	sqlite3_stmt *st = NULL;
	char *ref, *sql, *err = NULL;
	int k = 0;

	if (strcmp(d->source_kind, "sqlite") == 0) {
		if (!d->source_path ||
		    dataset_attach_source(db, d->source_path, "mdsrc",
					  &err) < 0) {
			free(err);
			return;
		}
		attached = true;
	}
	ref = dataset_rows_ref(d, "mdsrc");
	sql = xasprintf("SELECT * FROM %s LIMIT %d", ref, SAMPLE_ROWS);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK) {
		int n = sqlite3_column_count(st);

		while (sqlite3_step(st) == SQLITE_ROW) {
			if (k++ == 0) {
				buf_addf(b, "\nThe first %d rows, values in "
					 "column order:\n", SAMPLE_ROWS);
			}
			buf_addch(b, '[');
			for (int i = 0; i < n; i++) {
				cJSON *v = render_value(st, i);

				if (i) {
					buf_addstr(b, ", ");
				}
				if (cJSON_IsString(v)) {
					buf_addch(b, '"');
					add_short(b, v->valuestring);
					buf_addch(b, '"');
				} else if (cJSON_IsRaw(v)) {
					buf_addstr(b, v->valuestring);
				} else {
					char *t = cJSON_PrintUnformatted(v);

					buf_addstr(b, t ? t : "null");
					free(t);
				}
				cJSON_Delete(v);
			}
			buf_addstr(b, "]\n");
		}
	}
	sqlite3_finalize(st);
	free(sql);
	free(ref);
	if (attached) {
		dataset_detach_source(db, "mdsrc");
	}
}

char *metadata_prompt(struct db *db, const struct dataset_info *d)
{
	struct buf b;
	char *schema = NULL;
	cJSON *s;

	buf_init(&b, PROMPT_MAX);
	buf_addf(&b, "Dataset: \"%s\" (the SQL table of the same name)\n",
		 d->name);
	if (d->title) {
		buf_addstr(&b, "Title: ");
		add_short(&b, d->title);
		buf_addch(&b, '\n');
	}
	if (d->description) {
		buf_addstr(&b, "Description, written by a human: ");
		add_short(&b, d->description);
		buf_addch(&b, '\n');
	}
	if (d->row_count >= 0) {
		buf_addf(&b, "Rows: %lld\n", (long long)d->row_count);
	}
	if (d->weight_column) {
		buf_addf(&b, "Weight column: \"%s\"\n", d->weight_column);
	}
	add_columns(&b, db, d->id);
	add_rows(&b, db, d);
	s = metadata_schema();
	schema = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	/* the ceiling may have cut the profile: the task must survive it */
	b.max = 0;
	buf_addf(&b, "\nAnswer with one JSON document that follows this JSON "
		 "schema, describing every column above with its exact "
		 "name:\n%s\n", schema);
	free(schema);
	return buf_detach(&b, NULL);
}

/* the first JSON object in `text`, skipping a ``` fence or chatter */
static cJSON *parse_answer(const char *text)
{
	const char *start = strchr(text, '{');
	const char *end = strrchr(text, '}');
	cJSON *doc;

	doc = cJSON_Parse(text);
	if (doc || !start || !end || end < start) {
		return doc;
	}
	return cJSON_ParseWithLength(start, (size_t)(end - start + 1));
}

static int string_list(const cJSON *doc, const char *key, int min,
		       cJSON *out, char **ret_err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, key);
	const cJSON *it;
	int n = 0;

	if (!cJSON_IsArray(a)) {
		*ret_err = xasprintf("\"%s\" must be an array of strings", key);
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it) || !*it->valuestring ||
		    strlen(it->valuestring) > TEXT_MAX) {
			*ret_err = xasprintf("\"%s\" must hold non-empty "
					     "strings", key);
			return -EINVAL;
		}
		if (++n > LIST_MAX) {
			*ret_err = xasprintf("\"%s\" has more than %d items",
					     key, LIST_MAX);
			return -EINVAL;
		}
	}
	if (n < min) {
		*ret_err = xasprintf("\"%s\" needs at least %d item%s", key,
				     min, min == 1 ? "" : "s");
		return -EINVAL;
	}
	cJSON_AddItemToObject(out, key, cJSON_Duplicate(a, 1));
	return 0;
}

static bool known_type(const char *t)
{
	for (int i = 0; semantic_types[i]; i++) {
		if (strcmp(t, semantic_types[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int check_column(const cJSON *c, char **names, size_t n, bool *seen,
			cJSON *out, char **ret_err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(c, "description");
	const cJSON *unit = cJSON_GetObjectItemCaseSensitive(c, "unit");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(c,
							     "semantic_type");
	cJSON *o;
	size_t i;

	if (!cJSON_IsString(name)) {
		*ret_err = xstrdup("every item of \"columns\" needs a "
				   "\"name\" string");
		return -EINVAL;
	}
	for (i = 0; i < n && strcmp(names[i], name->valuestring) != 0; i++) {
	}
	if (i == n) {
		*ret_err = xasprintf("\"columns\" names \"%.100s\", which the "
				     "dataset does not have",
				     name->valuestring);
		return -EINVAL;
	}
	if (seen[i]) {
		*ret_err = xasprintf("column \"%s\" is described twice",
				     names[i]);
		return -EINVAL;
	}
	seen[i] = true;
	if (!cJSON_IsString(desc) || !*desc->valuestring ||
	    strlen(desc->valuestring) > TEXT_MAX) {
		*ret_err = xasprintf("column \"%s\" needs a non-empty "
				     "\"description\"", names[i]);
		return -EINVAL;
	}
	if (unit && !cJSON_IsNull(unit) && !cJSON_IsString(unit)) {
		*ret_err = xasprintf("the \"unit\" of column \"%s\" must be a "
				     "string or null", names[i]);
		return -EINVAL;
	}
	if (!cJSON_IsString(type) || !known_type(type->valuestring)) {
		*ret_err = xasprintf("the \"semantic_type\" of column \"%s\" "
				     "must be one of the schema's enum",
				     names[i]);
		return -EINVAL;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", names[i]);
	cJSON_AddStringToObject(o, "description", desc->valuestring);
	if (cJSON_IsString(unit) && *unit->valuestring) {
		cJSON_AddStringToObject(o, "unit", unit->valuestring);
	} else {
		cJSON_AddNullToObject(o, "unit");
	}
	cJSON_AddStringToObject(o, "semantic_type", type->valuestring);
	cJSON_AddItemToArray(out, o);
	return 0;
}

/* the dataset's column names, in order; NULL-terminated */
static char **column_names(struct db *db, int64_t id, size_t *ret_n)
{
	sqlite3_stmt *st = NULL;
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT name FROM dataset_columns WHERE "
			       "dataset_id = ?1 ORDER BY position", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			v = xrealloc(v, (n + 2) * sizeof(*v));
			v[n++] = xstrdup((const char *)sqlite3_column_text(st,
									   0));
			v[n] = NULL;
		}
	}
	sqlite3_finalize(st);
	*ret_n = n;
	return v;
}

static void names_free(char **v)
{
	for (char **p = v; *p; p++) {
		free(*p);
	}
	free(v);
}

int metadata_validate(struct db *db, int64_t dataset_id, const char *text,
		      cJSON **ret_doc, char **ret_err)
{
	cJSON *doc = parse_answer(text);
	cJSON *out = NULL, *cols;
	const cJSON *summary, *c;
	char **names = NULL;
	bool *seen = NULL;
	size_t n = 0;
	int r = -EINVAL;

	if (!cJSON_IsObject(doc)) {
		*ret_err = xstrdup("the answer is not a JSON object");
		goto out;
	}
	summary = cJSON_GetObjectItemCaseSensitive(doc, "summary");
	if (!cJSON_IsString(summary) || !*summary->valuestring ||
	    strlen(summary->valuestring) > TEXT_MAX) {
		*ret_err = xstrdup("\"summary\" must be a non-empty string");
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "summary", summary->valuestring);
	c = cJSON_GetObjectItemCaseSensitive(doc, "columns");
	if (!cJSON_IsArray(c)) {
		*ret_err = xstrdup("\"columns\" must be an array");
		goto out;
	}
	names = column_names(db, dataset_id, &n);
	seen = xcalloc(n + 1, sizeof(*seen));
	cols = cJSON_AddArrayToObject(out, "columns");
	for (const cJSON *it = c->child; it; it = it->next) {
		if (check_column(it, names, n, seen, cols, ret_err) < 0) {
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!seen[i]) {
			*ret_err = xasprintf("column \"%s\" is not described "
					     "(every column must be)",
					     names[i]);
			goto out;
		}
	}
	if (string_list(doc, "example_questions", 1, out, ret_err) < 0 ||
	    string_list(doc, "caveats", 0, out, ret_err) < 0) {
		goto out;
	}
	*ret_doc = out;
	out = NULL;
	r = 0;
out:
	cJSON_Delete(out);
	cJSON_Delete(doc);
	if (names) {
		names_free(names);
	}
	free(seen);
	return r;
}

static void bind_json(sqlite3_stmt *st, int i, const cJSON *v)
{
	char *t = cJSON_PrintUnformatted(v);

	sqlite3_bind_text(st, i, t, -1, free);
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
	if (v >= 0) {
		sqlite3_bind_int64(st, i, v);
	}
}

int metadata_store(struct db *db, int64_t dataset_id, const cJSON *doc,
		   const struct metadata_origin *o, int64_t *ret_version,
		   char **ret_err)
{
	sqlite3_stmt *st = NULL;
	cJSON *descs = cJSON_CreateObject();
	const cJSON *c;
	int rc;

	/* column -> text too, the form mcpd's context has always read */
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc,
							       "columns")) {
		cJSON_AddStringToObject(descs,
			cJSON_GetObjectItemCaseSensitive(c, "name")
				->valuestring,
			cJSON_GetObjectItemCaseSensitive(c, "description")
				->valuestring);
	}
	rc = sqlite3_prepare_v2(db->sql,
		"INSERT INTO llm_metadata (dataset_id, version, provider, "
		"model, summary, column_descriptions, example_questions, "
		"caveats, prompt_tokens, completion_tokens, raw_response, "
		"columns, cost_usd, author) VALUES (?1, (SELECT "
		"ifnull(max(version), 0) + 1 FROM llm_metadata WHERE "
		"dataset_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		"?12, ?13) RETURNING version", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, dataset_id);
		sqlite3_bind_text(st, 2, o->provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, o->model, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4,
			cJSON_GetObjectItemCaseSensitive(doc, "summary")
				->valuestring, -1, SQLITE_STATIC);
		bind_json(st, 5, descs);
		bind_json(st, 6, cJSON_GetObjectItemCaseSensitive(
					 doc, "example_questions"));
		bind_json(st, 7, cJSON_GetObjectItemCaseSensitive(doc,
								  "caveats"));
		bind_opt_int(st, 8, o->prompt_tokens);
		bind_opt_int(st, 9, o->completion_tokens);
		if (o->raw) {
			sqlite3_bind_text(st, 10, o->raw, -1, SQLITE_STATIC);
		}
		bind_json(st, 11, cJSON_GetObjectItemCaseSensitive(doc,
								   "columns"));
		if (o->cost_usd >= 0) {
			sqlite3_bind_double(st, 12, o->cost_usd);
		}
		sqlite3_bind_text(st, 13, o->author, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	cJSON_Delete(descs);
	if (rc != SQLITE_ROW) {
		*ret_err = xasprintf("cannot store the metadata: %s",
				     sqlite3_errmsg(db->sql));
		sqlite3_finalize(st);
		return db_errno(rc);
	}
	*ret_version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int64_t metadata_latest(struct db *db, int64_t dataset_id)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT ifnull(max(version), 0) FROM "
			       "llm_metadata WHERE dataset_id = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, dataset_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			v = sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
	return v;
}

/* run `sql` with ?1 = dataset, ?2 = version; false on failure */
static bool exec2(struct db *db, const char *sql, int64_t id, int64_t v)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, v);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

int metadata_approve(struct db *db, int64_t dataset_id, int64_t version,
		     char **ret_err)
{
	int r;

	r = db_begin(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot write the catalog: %s",
				     sqlite3_errmsg(db->sql));
		return r;
	}
	if (!exec2(db, "UPDATE llm_metadata SET status = 'approved' WHERE "
		   "dataset_id = ?1 AND version = ?2", dataset_id, version)) {
		goto fail;
	}
	if (sqlite3_changes(db->sql) == 0) {
		db_rollback(db);
		*ret_err = xasprintf("no metadata version %lld",
				     (long long)version);
		return -ENOENT;
	}
	/* one approved version at a time; the others go back to drafts */
	if (!exec2(db, "UPDATE llm_metadata SET status = 'draft' WHERE "
		   "dataset_id = ?1 AND version <> ?2 AND status = "
		   "'approved'", dataset_id, version) ||
	    !exec2(db, "UPDATE dataset_columns SET llm_description = ("
		   "SELECT j.value FROM llm_metadata m, "
		   "json_each(m.column_descriptions) j WHERE m.dataset_id = "
		   "?1 AND m.version = ?2 AND j.key = dataset_columns.name) "
		   "WHERE dataset_id = ?1",
		   dataset_id, version)) {
		goto fail;
	}
	if (dataset_search_reindex(db, dataset_id) < 0 ||
	    dataset_touch(db, dataset_id) < 0 || db_commit(db) < 0) {
		goto fail;
	}
	return 0;
fail:
	*ret_err = xasprintf("cannot approve the metadata: %s",
			     sqlite3_errmsg(db->sql));
	db_rollback(db);
	return -EIO;
}
