/*
 * hidden: the names of tables that client SQL may not see, and finding
 * them in SQL text.
 *
 * A disabled dataset, an internal table of the catalog and a table of a
 * registered file that is not itself registered all exist in the files a
 * query connection has open.  Were the guard to answer "not allowed" for
 * them and SQLite "no such table" for names that exist nowhere, a client
 * could list what is hidden by guessing.  So SQL that names a hidden table
 * anywhere (as a table, a column, an alias) gets exactly the answer of a
 * table that does not exist, before SQLite or the guard say anything else.
 */
#ifndef MCP_HIDDEN_H
#define MCP_HIDDEN_H

#include <stdbool.h>
#include <stddef.h>

#include "mcp/buf.h"

struct name_set {
	char **names;       /* sorted by strcasecmp */
	size_t n;
};

void name_set_add(struct name_set *s, const char *name);
/* sort once after the last add */
void name_set_seal(struct name_set *s);
int name_set_has(const struct name_set *s, const char *name);
void name_set_clear(struct name_set *s);

/*
 * The first identifier of `sql` (bare, "quoted", `quoted` or [quoted];
 * outside string literals and comments) that is in `hidden`, as a new
 * string; NULL when there is none.
 */
char *hidden_name_in_sql(const struct name_set *hidden, const char *sql);

/*
 * The identifiers of `sql` one by one, as hidden_name_in_sql() sees them:
 * the next one from *pos on goes into `id` (unquoted) and *pos moves past
 * it; false when there are no more.  Start with *pos = sql.
 */
bool sql_next_ident(const char *sql, const char **pos, struct buf *id);

#endif
