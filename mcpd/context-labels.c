/*
 * Survey-file labels in a dataset's context (see context-labels.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mcp/xalloc.h"

#include "mcp/render.h"
#include "context.h"
#include "context-labels.h"
#include "mcp/banned.h"

static cJSON *value_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		return cJSON_CreateNumber(sqlite3_column_double(st, i));
	default:
		return cJSON_CreateString(
			(const char *)sqlite3_column_text(st, i));
	}
}

static cJSON *find_column(cJSON *cols, const char *name)
{
	cJSON *c;

	cJSON_ArrayForEach(c, cols) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
			return c;
		}
	}
	return NULL;
}

static void set_string(cJSON *o, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, value);
}

static void add_descriptions(struct db *db, int64_t id, cJSON *cols)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql,
			"SELECT name, file_description, missing_codes "
			"FROM dataset_columns WHERE dataset_id = ?1 AND "
			"(file_description IS NOT NULL OR "
			"missing_codes IS NOT NULL)", -1, &st,
			NULL) != SQLITE_OK) {
		return;         /* a catalog from before migration 8 */
	}
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *c = find_column(cols,
				       (const char *)sqlite3_column_text(st, 0));
		const char *fd = (const char *)sqlite3_column_text(st, 1);
		const char *mc = (const char *)sqlite3_column_text(st, 2);
		const cJSON *src;

		if (!c) {
			continue;
		}
		if (fd && *fd) {
			/* a human's words win, then the file's, then a model's */
			src = cJSON_GetObjectItemCaseSensitive(
				c, "description_source");
			if (!cJSON_IsString(src) ||
			    strcmp(src->valuestring, "human") != 0) {
				set_string(c, "description", fd);
				set_string(c, "description_source", "file");
			}
			cJSON_AddStringToObject(c, "file_label", fd);
		}
		if (mc && *mc) {
			cJSON_AddStringToObject(c, "missing_codes", mc);
		}
	}
	sqlite3_finalize(st);
}

void context_labels_add(struct db *db, int64_t id, cJSON *cols)
{
	sqlite3_stmt *st = NULL;
	cJSON *c = NULL, *arr = NULL;
	char *cur = NULL;
	int total = 0;

	add_descriptions(db, id, cols);
	if (sqlite3_prepare_v2(db->sql,
			"SELECT column_name, value, label, is_missing "
			"FROM value_labels WHERE dataset_id = ?1 "
			"ORDER BY column_name, value", -1, &st,
			NULL) != SQLITE_OK) {
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	for (;;) {
		int rc = sqlite3_step(st);
		const char *col = rc == SQLITE_ROW
			? (const char *)sqlite3_column_text(st, 0) : NULL;
		cJSON *pair;

		if (!col || !cur || strcmp(col, cur) != 0) {
			if (c && arr) {
				cJSON_AddNumberToObject(c, "value_labels_total",
							total);
			}
			free(cur);
			cur = col ? xstrdup(col) : NULL;
			c = col ? find_column(cols, col) : NULL;
			arr = c ? cJSON_AddArrayToObject(c, "value_labels")
				: NULL;
			total = 0;
		}
		if (!col) {
			break;
		}
		if (!arr || total++ >= CONTEXT_LABELS_JSON) {
			continue;
		}
		pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair, value_json(st, 1));
		cJSON_AddItemToArray(pair, cJSON_CreateString(
			(const char *)sqlite3_column_text(st, 2)));
		if (sqlite3_column_int(st, 3)) {
			cJSON_AddItemToArray(pair, cJSON_CreateString(
						     "stored as NULL"));
		}
		cJSON_AddItemToArray(arr, pair);
	}
	free(cur);
	sqlite3_finalize(st);
}

static void add_value(struct buf *b, const cJSON *v)
{
	if (cJSON_IsNumber(v)) {
		buf_addf(b, "%.15g", v->valuedouble);
	} else if (cJSON_IsString(v)) {
		render_md_cell(b, v->valuestring);
	}
}

/* "1 Mexican American · 2 Non-Hispanic White" for codes of one kind */
static int add_pairs(struct buf *b, const cJSON *arr, bool missing)
{
	const cJSON *pair;
	int shown = 0;

	cJSON_ArrayForEach(pair, arr) {
		bool is_missing = cJSON_GetArraySize(pair) > 2;

		if (is_missing != missing) {
			continue;
		}
		if (shown == CONTEXT_LABELS_SHOWN) {
			break;
		}
		buf_addstr(b, shown++ ? " · " : "");
		add_value(b, cJSON_GetArrayItem(pair, 0));
		buf_addch(b, ' ');
		add_value(b, cJSON_GetArrayItem(pair, 1));
	}
	return shown;
}

void context_labels_render(struct buf *b, const char *dataset,
			   const cJSON *cols)
{
	const cJSON *c;
	bool any = false;

	cJSON_ArrayForEach(c, cols) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
			c, "value_labels");
		const cJSON *tot = cJSON_GetObjectItemCaseSensitive(
			c, "value_labels_total");
		const cJSON *lab = cJSON_GetObjectItemCaseSensitive(
			c, "file_label");
		const cJSON *mc = cJSON_GetObjectItemCaseSensitive(
			c, "missing_codes");
		int n_missing = 0, shown, total;
		const cJSON *pair;

		if (cJSON_GetArraySize(arr) == 0 && !cJSON_IsString(mc)) {
			continue;
		}
		if (!any) {
			buf_addstr(b, "\n## Value labels\n\n");
			any = true;
		}
		cJSON_ArrayForEach(pair, arr) {
			n_missing += cJSON_GetArraySize(pair) > 2;
		}
		total = cJSON_IsNumber(tot) ? (int)tot->valuedouble
					    : cJSON_GetArraySize(arr);
		buf_addstr(b, "- ");
		render_md_code(b, cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(c, "name")));
		if (cJSON_IsString(lab)) {
			buf_addstr(b, " (");
			render_md_cell(b, lab->valuestring);
			buf_addch(b, ')');
		}
		buf_addstr(b, ": ");
		shown = add_pairs(b, arr, false);
		if (total - n_missing > shown) {
			buf_addf(b, " … (%d labels in all: resource "
				 "mcpd://datasets/%s/labels/%s)",
				 total - n_missing, dataset,
				 cJSON_GetStringValue(
					 cJSON_GetObjectItemCaseSensitive(
						 c, "name")));
		}
		if (n_missing || cJSON_IsString(mc)) {
			buf_addstr(b, shown ? "; " : "");
			if (add_pairs(b, arr, true) == 0) {
				render_md_cell(b, mc->valuestring);
			}
			buf_addstr(b, ": stored as NULL");
		}
		buf_addch(b, '\n');
	}
}

#define LABELS_PREFIX "mcpd://datasets/"

char *context_labels_resource(struct db *db, const char *uri)
{
	const char *name, *mid, *column;
	struct dataset_info d;
	sqlite3_stmt *st = NULL;
	struct buf b = BUF_INIT;
	char *n;
	int count = 0;

	if (strncmp(uri, LABELS_PREFIX, strlen(LABELS_PREFIX)) != 0) {
		return NULL;
	}
	name = uri + strlen(LABELS_PREFIX);
	mid = strstr(name, "/labels/");
	if (!mid || !mid[8]) {
		return NULL;
	}
	column = mid + 8;
	n = xstrndup(name, (size_t)(mid - name));
	/* only enabled datasets are found, as everywhere */
	if (context_find(db, n, &d) < 0) {
		free(n);
		return NULL;
	}
	free(n);
	if (sqlite3_prepare_v2(db->sql,
			"SELECT value, label, is_missing FROM value_labels "
			"WHERE dataset_id = ?1 AND column_name = ?2 "
			"ORDER BY value", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, d.id);
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (count++ == 0) {
				buf_addstr(&b, "# Value labels of ");
				render_md_code(&b, d.name);
				buf_addstr(&b, ".");
				render_md_code(&b, column);
				buf_addstr(&b, "\n\n| value | label | stored as "
					   "NULL |\n|---|---|---|\n");
			}
			buf_addstr(&b, "| ");
			render_md_cell(&b, (const char *)
				       sqlite3_column_text(st, 0));
			buf_addstr(&b, " | ");
			render_md_cell(&b, (const char *)
				       sqlite3_column_text(st, 1));
			buf_addstr(&b, sqlite3_column_int(st, 2) ? " | yes |\n"
								 : " | no |\n");
		}
	}
	sqlite3_finalize(st);
	dataset_info_finish(&d);
	if (count == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}
