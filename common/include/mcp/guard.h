/*
 * guard: what SQL from an MCP client may do on a query connection.
 *
 * A struct guard belongs to one connection (common/query.c owns both) and
 * holds the tables client SQL may read: the temp views named after enabled
 * datasets and the tables behind them.  guard_install() sets it as the
 * connection's sqlite3_set_authorizer() callback, which then allows only
 * SELECT, reading those tables, recursive CTEs and an allowlist of
 * functions, and denies everything else (PRAGMA in every form, ATTACH,
 * DETACH, writes, transactions, schema tables, internal catalog tables,
 * extension loading).
 *
 * While the guard is trusted (guard_set_trusted) every action is allowed:
 * the pool uses that for its own statements (views, ATTACH, the generation
 * read), never for client SQL.
 *
 * The guard is not thread-safe; neither is the connection it guards while
 * one thread holds it.
 */
#ifndef MCP_GUARD_H
#define MCP_GUARD_H

#include <stdbool.h>

#include <sqlite3.h>

#include "mcp/buf.h"

struct guard;

struct guard *guard_create(void);
void guard_destroy(struct guard *g);

/* forget every table allowed so far */
void guard_clear(struct guard *g);
/*
 * Let client SQL read `table` in schema `schema` ("main", "temp", an
 * attached alias) for the dataset `dataset`.
 */
void guard_allow(struct guard *g, const char *schema, const char *table,
		 const char *dataset);
/* is a table of this name (in any schema) allowed? */
bool guard_name_allowed(const struct guard *g, const char *table);

/*
 * A virtual table module of the connection: its eponymous table is denied
 * unless it is one of the few table-valued functions queries may use
 * (json_each, json_tree).
 */
void guard_add_module(struct guard *g, const char *name);

/*
 * Override instr(), replace(), trim(), ltrim(), rtrim(), printf() and
 * format() on `db` with versions whose time one call cannot stretch past
 * the stop check (see guard.c); same answers as SQLite's own.  The guard
 * must outlive the connection's use of them.
 */
int guard_register_functions(struct guard *g, sqlite3 *db);
/* what long work inside a function asks: nonzero means stop now */
void guard_set_stop_check(struct guard *g, int (*stop)(void *), void *ctx);

void guard_install(struct guard *g, sqlite3 *db);
void guard_set_trusted(struct guard *g, bool trusted);

/* before preparing client SQL: forget the last denial and datasets read */
void guard_begin(struct guard *g);
/* why the guard denied something since guard_begin(), or NULL */
const char *guard_denial(const struct guard *g);
/* the datasets read since guard_begin(), comma-separated; NULL if none
 * (caller frees) */
char *guard_datasets(const struct guard *g);

/* is `name` a function client SQL may call? */
bool guard_function_allowed(const char *name);

/* is `tail` (what follows a prepared statement) only blanks and comments? */
bool guard_tail_empty(const char *tail);

/*
 * Client SQL must be a query: SELECT, WITH or VALUES after any blanks and
 * comments.  The authorizer is the real guard; this also refuses statements
 * SQLite does not authorize at all, such as VACUUM INTO.  Returns 0 or
 * -EPERM with *ret_why set to a static reason.
 */
int guard_statement_check(const char *sql, const char **ret_why);

/*
 * A WHERE filter must be one expression: balanced parentheses, no ';'
 * and no comment outside string literals.  Returns 0 or -EINVAL with
 * *ret_why set to a static reason.
 */
int guard_expr_check(const char *expr, const char **ret_why);

#endif
