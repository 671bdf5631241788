/*
 * Survey labels beside the codes in weighted_stats and sample_rows
 * (weighted-labels.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/ident.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "weighted-labels.h"
#include "mcp/banned.h"

int weighted_labels_arg(const cJSON *args, bool def, bool *ret_labels)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, "labels");

	if (!v || cJSON_IsNull(v)) {
		*ret_labels = def;
		return 0;
	}
	if (!cJSON_IsBool(v)) {
		return -EINVAL;
	}
	*ret_labels = cJSON_IsTrue(v);
	return 0;
}

static bool has_labels(struct db *catalog, int64_t id, const char *column)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(catalog->sql,
			       "SELECT 1 FROM value_labels WHERE dataset_id = ?1 "
			       "AND column_name = ?2 LIMIT 1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return yes;
}

static void add_literal(struct buf *b, const char *s)
{
	char *q = sqlite3_mprintf("%Q", s);

	buf_addstr(b, q);
	sqlite3_free(q);
}

char *weighted_labels_wrap(struct db *catalog, int64_t dataset_id,
			   const char *dataset, const char *const *cols,
			   size_t ncols, size_t nsort, char *sql)
{
	struct buf b = BUF_INIT;
	size_t added = 0;

	buf_addstr(&b, "SELECT *");
	for (size_t i = 0; i < ncols; i++) {
		char *alias;

		if (!cols[i] || !has_labels(catalog, dataset_id, cols[i])) {
			continue;
		}
		buf_addstr(&b, ", label(");
		add_literal(&b, dataset);
		buf_addstr(&b, ", ");
		add_literal(&b, cols[i]);
		buf_addstr(&b, ", ");
		ident_quote(&b, cols[i]);
		buf_addstr(&b, ") AS ");
		alias = sqlite3_mprintf("%s label", cols[i]);
		ident_quote(&b, alias);
		sqlite3_free(alias);
		added++;
	}
	if (!added) {
		buf_release(&b);
		return sql;
	}
	buf_addf(&b, " FROM (%s)", sql);
	for (size_t i = 0; i < nsort; i++) {
		buf_addf(&b, "%s%zu", i ? ", " : " ORDER BY ", i + 1);
	}
	free(sql);
	return buf_detach(&b, NULL);
}

int weighted_labels_columns(struct db *catalog, const char *dataset,
			    int64_t *ret_id, char ***ret_cols, size_t *ret_n)
{
	sqlite3_stmt *st = NULL;
	char **cols = NULL;
	size_t n = 0;
	int64_t id = -1;
	int rc;

	rc = sqlite3_prepare_v2(catalog->sql,
		"SELECT d.id, c.name FROM datasets AS d "
		"LEFT JOIN dataset_columns AS c ON c.dataset_id = d.id "
		"AND EXISTS (SELECT 1 FROM value_labels AS v "
		"WHERE v.dataset_id = d.id AND v.column_name = c.name) "
		"WHERE d.name = ?1 AND d.enabled = 1 ORDER BY c.position",
		-1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
	cols = xcalloc(1, sizeof(*cols));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 1);

		id = sqlite3_column_int64(st, 0);
		if (!c) {
			continue;
		}
		cols = xrealloc(cols, (n + 2) * sizeof(*cols));
		cols[n++] = xstrdup(c);
		cols[n] = NULL;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || id < 0) {
		weighted_labels_free(cols);
		return rc != SQLITE_DONE ? db_errno(rc) : -ENOENT;
	}
	*ret_id = id;
	*ret_cols = cols;
	*ret_n = n;
	return 0;
}

void weighted_labels_free(char **cols)
{
	if (!cols) {
		return;
	}
	for (char **c = cols; *c; c++) {
		free(*c);
	}
	free(cols);
}

/* a code as text: what a key of "labels" and the shown cell say */
static char *code_text(const cJSON *v)
{
	if (cJSON_IsString(v)) {
		return xstrdup(v->valuestring);
	}
	if (cJSON_IsRaw(v)) {
		return xstrdup(v->valuestring);
	}
	return cJSON_PrintUnformatted(v);
}

/* label() gives the value back when it has no label */
static bool is_label(const cJSON *code, const cJSON *label)
{
	if (!cJSON_IsString(label) || cJSON_IsNull(code)) {
		return false;
	}
	return !cJSON_IsString(code) ||
	       strcmp(code->valuestring, label->valuestring) != 0;
}

static int column_index(const cJSON *columns, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		const cJSON *c = cJSON_GetArrayItem(columns, i);
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");

		if (cJSON_IsString(nm) && strcmp(nm->valuestring, name) == 0) {
			return i;
		}
	}
	return -1;
}

/* the trailing "COLUMN label" columns line up with `cols`: their indexes */
static bool fold_plan(const cJSON *columns, const char *const *cols,
		      size_t ncols, int *ret_base, int *at)
{
	int total = cJSON_GetArraySize(columns);
	int base = total - (int)ncols;

	if (base < 1) {
		return false;
	}
	for (size_t i = 0; i < ncols; i++) {
		const cJSON *c = cJSON_GetArrayItem(columns, base + (int)i);
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		char *want = xasprintf("%s label", cols[i]);
		bool ok = cJSON_IsString(nm) &&
			  strcmp(nm->valuestring, want) == 0;

		free(want);
		at[i] = ok ? column_index(columns, base, cols[i]) : -1;
		if (at[i] < 0) {
			return false;
		}
	}
	*ret_base = base;
	return true;
}

/* the note query.c puts under a cut table, kept as it was */
static const char *cut_note(const struct query_result *qr)
{
	const char *note = NULL, *p = qr->text.data;

	if (!qr->truncated || !p) {
		return NULL;
	}
	while ((p = strstr(p, "\nNote: only the first "))) {
		note = p++;
	}
	return note;
}

/* one row as the text shows it: each labelled code as "CODE (LABEL)" */
static cJSON *shown_row(const cJSON *row, int base, const int *at,
			size_t ncols)
{
	cJSON *shown = cJSON_CreateArray();

	for (int c = 0; c < base; c++) {
		cJSON_AddItemToArray(shown, cJSON_Duplicate(
			cJSON_GetArrayItem(row, c), true));
	}
	for (size_t k = 0; k < ncols; k++) {
		const cJSON *code = cJSON_GetArrayItem(row, at[k]);
		const cJSON *label = cJSON_GetArrayItem(row, base + (int)k);
		char *t, *cell;

		if (!is_label(code, label)) {
			continue;
		}
		t = code_text(code);
		cell = xasprintf("%s (%s)", t, label->valuestring);
		cJSON_ReplaceItemInArray(shown, at[k],
					 cJSON_CreateString(cell));
		free(cell);
		free(t);
	}
	return shown;
}

/* the labels of `row`'s codes into `labels` ({COLUMN: {CODE: LABEL}}) */
static void collect(cJSON *labels, const cJSON *row, int base, const int *at,
		    const char *const *cols, size_t ncols)
{
	for (size_t k = 0; k < ncols; k++) {
		const cJSON *code = cJSON_GetArrayItem(row, at[k]);
		const cJSON *label = cJSON_GetArrayItem(row, base + (int)k);
		cJSON *map;
		char *key;

		if (!is_label(code, label)) {
			continue;
		}
		map = cJSON_GetObjectItemCaseSensitive(labels, cols[k]);
		if (!map) {
			map = cJSON_AddObjectToObject(labels, cols[k]);
		}
		key = code_text(code);
		if (!cJSON_GetObjectItemCaseSensitive(map, key)) {
			cJSON_AddStringToObject(map, key, label->valuestring);
		}
		free(key);
	}
}

void weighted_labels_fold(struct query_result *qr, const char *const *cols,
			  size_t ncols, enum query_format fmt,
			  const struct query_opts *opts)
{
	cJSON *columns, *rows, *row, *labels, *names;
	struct buf text = BUF_INIT;
	const char *note;
	int64_t i = 0;
	int *at, base;

	if (qr->status != QUERY_OK || !qr->structured || !ncols) {
		return;
	}
	columns = cJSON_GetObjectItemCaseSensitive(qr->structured, "columns");
	rows = cJSON_GetObjectItemCaseSensitive(qr->structured, "rows");
	at = xcalloc(ncols, sizeof(*at));
	if (!cJSON_IsArray(rows) || !cJSON_IsArray(columns) ||
	    !fold_plan(columns, cols, ncols, &base, at)) {
		free(at);
		return;
	}
	labels = cJSON_CreateObject();
	names = cJSON_CreateArray();
	for (int c = 0; c < base; c++) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(columns, c), "name");

		cJSON_AddItemToArray(names, cJSON_CreateString(nm->valuestring));
	}
	/* the text again, from the same rows, with the same renderer */
	render_header(&text, fmt, names);
	cJSON_ArrayForEach(row, rows) {
		cJSON *shown = shown_row(row, base, at, ncols);

		render_row(&text, fmt, names, shown, i++, opts);
		cJSON_Delete(shown);
		collect(labels, row, base, at, cols, ncols);
		while (cJSON_GetArraySize(row) > base) {
			cJSON_DeleteItemFromArray(row,
						  cJSON_GetArraySize(row) - 1);
		}
	}
	render_footer(&text, fmt, i);
	note = cut_note(qr);
	if (note) {
		buf_addstr(&text, note);
	}
	while (cJSON_GetArraySize(columns) > base) {
		cJSON_DeleteItemFromArray(columns,
					  cJSON_GetArraySize(columns) - 1);
	}
	cJSON_AddItemToObject(qr->structured, "labels", labels);
	buf_release(&qr->text);
	qr->text = text;
	free(at);
	cJSON_Delete(names);
}
