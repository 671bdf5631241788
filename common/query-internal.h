/*
 * query-internal: a query connection, shared by the pool that opens and
 * keeps it in step with the catalog (qpool.c) and the code that runs
 * client SQL on it (query.c).  Not used outside those two files.
 */
#ifndef MCP_QUERY_INTERNAL_H
#define MCP_QUERY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "mcp/cancel.h"
#include "mcp/hidden.h"
#include "mcp/query.h"
#include "mcp/sqlhint.h"
#include "mcp/tempquota.h"

struct qconn {
	sqlite3 *db;
	struct guard *guard;
	sqlite3_stmt *gen_stmt;     /* prepared trusted, before the guard */
	sqlite3_stmt *label_stmt;   /* label(): likewise (qlabel.c) */
	int64_t generation;
	struct sql_hint hint;       /* datasets and their columns */
	struct name_set hidden;     /* tables client SQL may not see */
	int nattached;

	/* for the progress handler, while a statement runs */
	struct timespec deadline;
	bool has_deadline;
	const struct cancel *cancel;
	enum query_status stop;
	struct temp_quota temp;

	struct qconn *next_free;
};

/* label('dataset', 'column', value); before guard_install() */
int qlabel_register(struct qconn *c);

/* stop statements on `c` after `ms` milliseconds (0 or less: no limit) */
void qconn_set_deadline(struct qconn *c, int64_t ms);

#endif
