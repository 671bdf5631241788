/*
 * label('dataset', 'column', value) on query connections: the value label
 * a survey file gave `value` (value_labels, schema.sql migration 8), or
 * the value itself when it has none.
 *
 * Client SQL cannot read value_labels: the guard hides every catalog
 * table.  The lookup is a statement prepared before the guard is
 * installed (like the generation read in qpool.c), so the guard never
 * judges it, and it reads only enabled datasets' labels, so a disabled
 * dataset stays invisible through label() too.
 */
#include <errno.h>

#include <sqlite3.h>

#include "mcp/guard.h"
#include "mcp/log.h"
#include "query-internal.h"
#include "mcp/banned.h"

static void label_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct qconn *c = sqlite3_user_data(ctx);
	sqlite3_stmt *st = c->label_stmt;
	int rc;

	(void)argc;
	if (sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_bind_value(st, 1, argv[0]);
	sqlite3_bind_value(st, 2, argv[1]);
	sqlite3_bind_value(st, 3, argv[2]);
	/* a re-prepare after a schema change must not meet the guard */
	guard_set_trusted(c->guard, true);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
	} else if (rc == SQLITE_DONE) {
		sqlite3_result_value(ctx, argv[2]);
	} else {
		sqlite3_result_error(ctx, "label(): cannot read labels", -1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	guard_set_trusted(c->guard, false);
}

int qlabel_register(struct qconn *c)
{
	int rc;

	rc = sqlite3_prepare_v3(c->db,
		"SELECT v.label FROM main.value_labels AS v "
		"JOIN main.datasets AS d ON d.id = v.dataset_id "
		"WHERE d.name = ?1 AND d.enabled = 1 "
		"AND v.column_name = ?2 AND v.value = ?3",
		-1, SQLITE_PREPARE_PERSISTENT, &c->label_stmt, NULL);
	if (rc != SQLITE_OK) {
		/* a catalog from before migration 8: no labels to read */
		log_warn("label() is not available: %s", sqlite3_errmsg(c->db));
		return 0;
	}
	rc = sqlite3_create_function_v2(c->db, "label", 3,
					SQLITE_UTF8 | SQLITE_DIRECTONLY, c,
					label_fn, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : -EIO;
}
