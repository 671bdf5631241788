/*
 * Reading catalog_writers (migration 10) for the message of a writer
 * that waited too long.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/writer.h"

/* a process we cannot signal still runs (EPERM: another user's) */
static bool alive(sqlite3_int64 pid)
{
	if (pid <= 0 || pid == (sqlite3_int64)getpid()) {
		return false;
	}
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

char *writer_describe(const char *path)
{
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;
	sqlite3 *sql = NULL;

	if (sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		goto out;
	}
	/* WAL: a reader never waits for the writer; only a brief recovery */
	sqlite3_busy_timeout(sql, 200);
	if (sqlite3_prepare_v2(sql, "SELECT pid, command, started_at FROM "
			       "catalog_writers ORDER BY started_at", -1, &st,
			       NULL) != SQLITE_OK) {
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_int64 pid = sqlite3_column_int64(st, 0);

		if (!alive(pid)) {
			continue;
		}
		buf_addf(&b, "%spid %lld (%s, since %s)", b.len ? "; " : "",
			 (long long)pid,
			 (const char *)sqlite3_column_text(st, 1),
			 (const char *)sqlite3_column_text(st, 2));
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return b.len ? buf_detach(&b, NULL) : NULL;
}
