/*
 * Survey labels beside the codes in weighted_stats (weighted-labels.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/ident.h"
#include "weighted-labels.h"
#include "mcp/banned.h"

int weighted_labels_arg(const cJSON *args, bool *ret_labels)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, "labels");

	if (!v || cJSON_IsNull(v)) {
		*ret_labels = true;
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
