/*
 * writer: who holds the catalog's write lock, as the writers recorded
 * themselves in catalog_writers (db_set_writer() in db.h).
 *
 * writer_describe() opens its own read-only connection, since it is
 * called from a busy handler, which must not use the connection that is
 * waiting.  Rows of processes that no longer run (a writer killed
 * mid-transaction) and of this process are left out.
 */
#ifndef MCP_WRITER_H
#define MCP_WRITER_H

/*
 * "pid 123 (mcpctl dataset add big --csv big.csv, since
 * 2026-01-02T03:04:05Z)", several joined with "; ", or NULL when no live
 * writer is recorded (the holder is not mcpctl: mcpd, sqlite3, ...).
 * Caller frees.
 */
char *writer_describe(const char *path);

#endif
