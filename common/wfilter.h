/*
 * wfilter: the simple `where` filters of weighted_stats, evaluated over
 * cached columns (wkernel.c).
 *
 * Understood: comparisons (= == != <> < <= > >=) of a column with a
 * constant, [NOT] IN (constants), [NOT] BETWEEN constants, IS [NOT] NULL,
 * ISNULL, NOTNULL, NOT, AND, OR and parentheses, with SQL's three-valued
 * logic.  A text column compares with text constants (BINARY collation), a
 * numeric column with numeric constants.  Anything else (functions, LIKE,
 * column against column, a number against text, whose answer depends on
 * SQLite's affinity rules) is refused, and the caller runs SQL instead.
 */
#ifndef MCP_WFILTER_H
#define MCP_WFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "mcp/colcache.h"

/* rows evaluated per wfilter_eval() call at most */
#define WFILTER_CHUNK 4096

struct wfilter;

/* NULL with *ret_why when the filter is not one of the simple kind */
struct wfilter *wfilter_compile(struct colcache *c, const char *where,
				const char **ret_why);
/* out[j] for row first + j: 1 true, 0 false, 2 NULL; n <= WFILTER_CHUNK */
void wfilter_eval(struct wfilter *f, int64_t first, size_t n, uint8_t *out);
void wfilter_free(struct wfilter *f);

#endif
