/*
 * source_check: could mcpd serve this SQLite source?
 *
 * mcpd reads a registered SQLite table through its own guarded connection,
 * with length, column and depth limits that plain sqlite3 does not have:
 * a file whose schema is past them (Debian's proj.db has a 120 KB trigger)
 * attaches in mcpctl and fails in every query.  qpool_source_check() opens
 * that very connection (common/qpool.c) on `catalog_path`, attaches `path`
 * as a query worker would and reads `table` through a view.  Only a table
 * is checked: mcpctl copies a view's rows into the catalog, and a missing
 * table or a file that is no database is left to the import to report.
 *
 * Returns 0, or a negative errno with *ret_err set (caller frees).
 */
#ifndef MCP_SOURCE_CHECK_H
#define MCP_SOURCE_CHECK_H

int qpool_source_check(const char *catalog_path, const char *path,
		       const char *table, char **ret_err);
/*
 * The same for a registered dataset served from its file, with nothing
 * left to the import: a file moved, changed or corrupt fails too.
 */
int qpool_source_servable(const char *catalog_path, const char *path,
			  const char *table, char **ret_err);

#endif
