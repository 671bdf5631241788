/*
 * sqlshape: a SQL statement reduced to its shape, so that `WHERE x = 5` and
 * `WHERE x = 7` count as one query.  Literals (numbers, strings, blobs)
 * become ?, lists of them one ?, comments go, whitespace is one space
 * and words outside quotes are lower case.  Quoted names stay as written.
 */
#ifndef MCP_SQLSHAPE_H
#define MCP_SQLSHAPE_H

#include <sqlite3.h>

/* a new string (caller frees) */
char *sql_shape(const char *sql);
/* sql_shape(TEXT) as an SQL function on this connection */
int sql_shape_register(sqlite3 *db);

#endif
