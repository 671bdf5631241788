/*
 * db: the catalog, one SQLite file shared by mcpd and mcpctl.
 *
 * db_open() returns a struct db the caller owns and releases with
 * db_close() (which accepts NULL).  The connection runs in WAL mode with a
 * busy timeout, so mcpd keeps reading while mcpctl writes, and with foreign
 * keys on.  Only DB_CREATE ('mcpctl init') creates a catalog or applies the
 * forward migrations of schema.sql; other openers refuse an old catalog, one
 * written by a newer version, and any file that is not a catalog
 * (catalog_check.h).  Without DB_READONLY, a catalog this user cannot write
 * is refused with -EROFS, so that the caller can open it read-only.
 *
 * Functions that can fail return 0 or a negative errno; those that take
 * `char **ret_err` also set it to a message for the user (caller frees) on
 * failure.  `db->sql` is there for callers that need the raw handle.
 */
#ifndef MCP_DB_H
#define MCP_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

enum db_flags {
	DB_CREATE = 1 << 0,     /* create the file (and its directory), or
				 * upgrade it: 'mcpctl init' only */
	DB_READONLY = 1 << 1,   /* open read-only, never migrate */
	DB_ONE_THREAD = 1 << 2, /* the caller never shares the handle: no
				 * mutex on every call (mcpctl's imports) */
};

/* statements a connection keeps prepared (db_prepare_cached) */
#define DB_STMT_CACHE 24

struct db {
	sqlite3 *sql;
	char *path;
	bool immutable;         /* read as unchanging (catalog_check.h) */
	sqlite3_stmt *config_get;       /* db_config_get's, prepared once */
	char *writer;           /* recorded in catalog_writers by db_begin */
	struct {
		const char *sql;        /* the constant it was prepared from */
		sqlite3_stmt *st;
		bool busy;              /* handed out, not yet released */
	} cache[DB_STMT_CACHE];
};

/* the newest schema version this build knows */
int db_schema_version(void);
/* the embedded schema text (schema.sql) */
const char *db_schema_text(void);

int db_open(const char *path, int flags, struct db **ret_db, char **ret_err);
void db_close(struct db *db);

/*
 * `sql` prepared once per connection and handed out again, reset, for
 * the catalog queries that run on every call (parsing one cost more than
 * running it).  `sql` must be a string constant: the cache knows it by its
 * address.  A statement in use (a nested or concurrent caller) is
 * prepared afresh instead.  Returns an SQLite result code, like
 * sqlite3_prepare_v2(); give the statement back with db_stmt_release().
 */
int db_prepare_cached(struct db *db, const char *sql, sqlite3_stmt **ret);
/* reset and unbind a statement of db_prepare_cached(), or finalize one
 * it prepared afresh; NULL is ignored */
void db_stmt_release(struct db *db, sqlite3_stmt *st);

/*
 * Apply the migrations of schema.sql above the file's user_version, up to
 * `target` (0 means the newest).  Exposed for tests of the migrations.
 */
int db_migrate(sqlite3 *sql, int target, char **ret_err);

/* exec one or more statements; on failure sets *ret_err (may be NULL) */
int db_exec(struct db *db, const char *sql, char **ret_err);
/*
 * BEGIN IMMEDIATE.  After db_set_writer(), db_begin() first records this
 * process and `command` in catalog_writers (see writer.h), and
 * db_commit() and db_rollback() clear the row.
 */
int db_begin(struct db *db);
void db_set_writer(struct db *db, const char *command);
/*
 * Roll back the transaction whose catalog_writers row is written, if
 * any: at exit, and from mcpctl's out-of-memory exit, which skips atexit
 */
void db_writer_abandon(void);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* system_config: get returns a new string or NULL when the key is unknown */
char *db_config_get(struct db *db, const char *key);
int64_t db_config_get_int(struct db *db, const char *key, int64_t fallback);
int db_config_set(struct db *db, const char *key, const char *value);

/* the catalog_state generation: changes whenever client-visible state does */
int64_t db_generation(struct db *db);

/* sqlite result code -> negative errno-ish value for common/ returns */
int db_errno(int sqlite_rc);

#endif
