/*
 * sqlhint: what an SQL error adds so that the next statement works.
 *
 * Listing every dataset after every error cost hundreds of tokens and
 * rarely named what was wrong.  The hint now says only what the failing
 * statement touched: the columns of the datasets it names, spelt as SQL
 * must write them ("Airport Name"); a "did you mean" for an unknown table
 * or column; and for a syntax error the statement with a marker under
 * the place SQLite points at.  With no dataset named, it lists the
 * dataset names alone.
 *
 * The answer depends only on the statement, SQLite's message and the
 * datasets a client can see, so a hidden table gets the same words as a
 * table that does not exist (see hidden.h).  Catalog names are escaped
 * for markdown (render_md_cell).
 *
 * A struct sql_hint owns its strings; sql_hint_clear() frees them.
 */
#ifndef MCP_SQLHINT_H
#define MCP_SQLHINT_H

#include <stddef.h>

#include "mcp/buf.h"

struct sql_hint_ds {
	char *name;
	char **cols;
	size_t ncols;
};

struct sql_hint {
	struct sql_hint_ds *ds;     /* visible datasets, catalog order */
	size_t n;
};

/* a dataset, then its columns in order */
void sql_hint_add(struct sql_hint *h, const char *name);
void sql_hint_add_column(struct sql_hint *h, const char *col);
void sql_hint_clear(struct sql_hint *h);

/*
 * Append to `out` the hint for `msg` (SQLite's message, "SQL error: "
 * already written) about `sql`; `offset` is sqlite3_error_offset() or -1.
 */
void sql_hint_explain(const struct sql_hint *h, const char *sql,
		      const char *msg, int offset, struct buf *out);

#endif
