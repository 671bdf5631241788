/*
 * catalog_check: is a file an mcpd catalog, and how may it be opened.
 *
 * Only 'mcpctl init' creates or upgrades a catalog.  Every other opener
 * must leave a file that is not a catalog exactly as it found it: no WAL
 * switch, no tables.  A catalog is known by its marker, the table
 * catalog_identity (migration 3), or for catalogs made before it by the
 * tables of migration 1 at user_version 1 or 2.
 *
 * A catalog this user cannot write is still served and read: opened
 * read-only, and when its directory is not writable either and the WAL
 * side files are missing, as immutable (SQLite's documented option for a
 * WAL database on read-only media).
 *
 * Strings returned are the caller's to free.
 */
#ifndef MCP_CATALOG_CHECK_H
#define MCP_CATALOG_CHECK_H

#include <stdbool.h>
#include <sqlite3.h>

enum catalog_kind {
	CATALOG_EMPTY,          /* no schema at all: a new file */
	CATALOG_OURS,
	CATALOG_FOREIGN,        /* someone else's database */
};

/* what the open database `sql` holds; negative errno when unreadable */
int catalog_kind(sqlite3 *sql, enum catalog_kind *ret_kind);

/* the message for a foreign file, quoting `path` */
char *catalog_foreign_message(const char *path);

/* -EISDIR (with a message) when `path` is a directory; else 0 */
int catalog_path_check(const char *path, char **ret_err);

/* false when this process may not write the file or its WAL side files */
bool catalog_writable(const char *path);

/*
 * The name to open read-only: `path` itself, or a file: URI with
 * immutable=1 when no connection could create the WAL side files
 * (a read-only directory, or a full disk).  Sets
 * *ret_immutable accordingly.
 */
char *catalog_readonly_name(const char *path, bool *ret_immutable);

#endif
