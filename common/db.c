#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/catalog_check.h"
#include "mcp/db.h"
#include "mcp/paths.h"
#include "mcp/xalloc.h"

/*
 * The connection whose catalog_writers row is written and not cleared
 * yet.  A run that ends without its commit or rollback (out of memory
 * past xalloc, an exit from deep inside) rolls back at exit, so that it
 * leaves the catalog as it was, row included.
 */
static struct db *writer_pending;

/* generated from schema.sql by common/meson.build */
extern const char schema_sql[];

#define MIGRATION_MARK "-- migration "

const char *db_schema_text(void)
{
	return schema_sql;
}

/* start of migration `n` in the schema text, or NULL */
static const char *migration_start(int n)
{
	const char *p = schema_sql;
	size_t marklen = strlen(MIGRATION_MARK);

	while ((p = strstr(p, MIGRATION_MARK))) {
		if ((p == schema_sql || p[-1] == '\n') &&
		    atoi(p + marklen) == n) {
			return p;
		}
		p += marklen;
	}
	return NULL;
}

int db_schema_version(void)
{
	/* counted once: every db_open asks, and the count scans the text */
	static int known;
	int n = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (n) {
		return n;
	}
	while (migration_start(n + 1)) {
		n++;
	}
	__atomic_store_n(&known, n, __ATOMIC_RELAXED);
	return n;
}

int db_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_INTERRUPT:
		return -EINTR;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		return -EIO;
	}
}

static int user_version(sqlite3 *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(sql, "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

int db_migrate(sqlite3 *sql, int target, char **ret_err)
{
	int newest = db_schema_version();
	int have = user_version(sql);

	if (target <= 0 || target > newest) {
		target = newest;
	}
	if (have < 0) {
		if (ret_err) {
			*ret_err = xasprintf("cannot read schema version: %s",
					     sqlite3_errmsg(sql));
		}
		return -EIO;
	}
	if (have > newest) {
		if (ret_err) {
			*ret_err = xasprintf(
				"catalog schema version %d is newer than this "
				"build understands (%d); upgrade mcpd",
				have, newest);
		}
		return -EPROTO;
	}
	for (int v = have + 1; v <= target; v++) {
		const char *start = migration_start(v);
		const char *end = migration_start(v + 1);
		char *body = end ? xstrndup(start, (size_t)(end - start))
				 : xstrdup(start);
		char *script = xasprintf(
			"BEGIN IMMEDIATE;\n%s\n;PRAGMA user_version = %d;\n"
			"COMMIT;", body, v);
		char *err = NULL;
		int rc = sqlite3_exec(sql, script, NULL, NULL, &err);

		free(body);
		free(script);
		if (rc != SQLITE_OK) {
			if (ret_err) {
				*ret_err = xasprintf("migration %d failed: %s",
						     v, err ? err : "?");
			}
			sqlite3_free(err);
			sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
			return db_errno(rc);
		}
	}
	return 0;
}

int db_open(const char *path, int flags, struct db **ret_db, char **ret_err)
{
	struct db *db = NULL;
	sqlite3 *sql = NULL;
	enum catalog_kind kind;
	char *name = NULL;
	bool immutable = false;
	int oflags;
	int rc, r;

	/* catalog_check.h: which files may be opened, and how */
	r = catalog_path_check(path, ret_err);
	if (r < 0) {
		return r;
	}
	if (!(flags & DB_READONLY) && access(path, F_OK) == 0 &&
	    !catalog_writable(path)) {
		*ret_err = xasprintf("catalog '%s' is read-only for this user",
				     path);
		return -EROFS;
	}
	if (flags & DB_READONLY) {
		oflags = SQLITE_OPEN_READONLY;
		name = catalog_readonly_name(path, &immutable);
	} else {
		oflags = SQLITE_OPEN_READWRITE;
		if (flags & DB_CREATE) {
			oflags |= SQLITE_OPEN_CREATE;
			r = paths_make_parent(path);
			if (r < 0) {
				*ret_err = xasprintf(
					"cannot create directory for '%s': %s",
					path, strerror(-r));
				return r;
			}
		}
	}
	oflags |= SQLITE_OPEN_URI | ((flags & DB_ONE_THREAD)
				     ? SQLITE_OPEN_NOMUTEX
				     : SQLITE_OPEN_FULLMUTEX);
	rc = sqlite3_open_v2(name ? name : path, &sql, oflags, NULL);
	if (rc != SQLITE_OK) {
		if (rc == SQLITE_CANTOPEN && !(flags & DB_CREATE)) {
			*ret_err = xasprintf(
				"cannot open catalog '%s': no such file "
				"(run 'mcpctl init' first)", path);
		} else {
			*ret_err = xasprintf("cannot open catalog '%s': %s",
					     path, sql ? sqlite3_errmsg(sql)
						       : sqlite3_errstr(rc));
		}
		r = db_errno(rc);
		goto fail;
	}
	sqlite3_extended_result_codes(sql, 1);
	sqlite3_busy_timeout(sql, 5000);
	/*
	 * The first real read tells a non-database file apart, and a file
	 * that is not a catalog is left exactly as it is.  WAL lets mcpd
	 * read while mcpctl writes.  A read-only opener cannot switch modes,
	 * which is fine: the writer already did.
	 */
	rc = sqlite3_exec(sql, "PRAGMA foreign_keys = ON;"
			  "SELECT count(*) FROM sqlite_schema;",
			  NULL, NULL, NULL);
	if (rc == SQLITE_OK && catalog_kind(sql, &kind) < 0) {
		rc = sqlite3_errcode(sql);
	}
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot open catalog '%s': %s", path,
				     sqlite3_errmsg(sql));
		r = db_errno(rc);
		goto fail;
	}
	if (kind == CATALOG_FOREIGN) {
		*ret_err = catalog_foreign_message(path);
		r = -EMEDIUMTYPE;
		goto fail;
	}
	if (kind == CATALOG_EMPTY && !(flags & DB_CREATE)) {
		*ret_err = xasprintf("'%s' is not an mcpd catalog yet; create "
				     "it with 'mcpctl init'", path);
		r = -ENOENT;
		goto fail;
	}
	if (!(flags & DB_READONLY)) {
		rc = sqlite3_exec(sql, "PRAGMA journal_mode = WAL;"
				  "PRAGMA synchronous = NORMAL;",
				  NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			*ret_err = xasprintf("cannot open catalog '%s': %s",
					     path, sqlite3_errmsg(sql));
			r = db_errno(rc);
			goto fail;
		}
	}
	/* only 'mcpctl init' (DB_CREATE) creates or upgrades a catalog */
	if (!(flags & DB_CREATE)) {
		int have = user_version(sql);

		if (have > db_schema_version()) {
			*ret_err = xasprintf(
				"catalog '%s' has schema version %d, newer than "
				"this build understands (%d); upgrade mcpd",
				path, have, db_schema_version());
			r = -EPROTO;
			goto fail;
		}
		if (have < db_schema_version()) {
			*ret_err = xasprintf(
				"catalog '%s' has schema version %d; run "
				"'mcpctl init' to upgrade it to %d",
				path, have, db_schema_version());
			r = -EPROTO;
			goto fail;
		}
	} else {
		char *err = NULL;

		r = db_migrate(sql, 0, &err);
		if (r < 0) {
			*ret_err = xasprintf("catalog '%s': %s", path, err);
			free(err);
			goto fail;
		}
	}
	db = xcalloc(1, sizeof(*db));
	db->sql = sql;
	db->path = xstrdup(path);
	db->immutable = immutable;
	*ret_db = db;
	free(name);
	return 0;
fail:
	sqlite3_close_v2(sql);
	free(name);
	return r;
}

void db_close(struct db *db)
{
	if (!db) {
		return;
	}
	if (writer_pending == db) {
		db_rollback(db);
	}
	sqlite3_finalize(db->config_get);
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		sqlite3_finalize(db->cache[i].st);
	}
	sqlite3_close_v2(db->sql);
	free(db->path);
	free(db->writer);
	free(db);
}

int db_exec(struct db *db, const char *sql, char **ret_err)
{
	char *err = NULL;
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK) {
		if (ret_err) {
			*ret_err = xstrdup(err ? err : sqlite3_errstr(rc));
		}
		sqlite3_free(err);
		return db_errno(rc);
	}
	return 0;
}

void db_set_writer(struct db *db, const char *command)
{
	free(db->writer);
	db->writer = command ? xstrdup(command) : NULL;
}

/* this process's row of catalog_writers: written, or deleted */
static int writer_row(struct db *db, bool add)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql, add
		? "INSERT OR REPLACE INTO catalog_writers (pid, command, "
		  "started_at) VALUES (?1, ?2, "
		  "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
		: "DELETE FROM catalog_writers WHERE pid = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)getpid());
		if (add) {
			sqlite3_bind_text(st, 2, db->writer, -1, SQLITE_STATIC);
		}
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return db_errno(rc);
}


void db_writer_abandon(void)
{
	if (writer_pending) {
		db_rollback(writer_pending);
	}
}

int db_begin(struct db *db)
{
	/*
	 * Committed on its own, just before the lock is taken, so that a
	 * writer kept waiting can read who holds it
	 */
	static bool registered;

	if (db->writer) {
		if (writer_row(db, true) < 0) {
			return -EIO;
		}
		if (!registered) {
			atexit(db_writer_abandon);
			registered = true;
		}
		writer_pending = db;
	}
	return db_exec(db, "BEGIN IMMEDIATE", NULL);
}

int db_commit(struct db *db)
{
	/* cleared in the same transaction: no window with a stale row */
	int r;

	if (db->writer && !sqlite3_get_autocommit(db->sql) &&
	    writer_row(db, false) < 0) {
		return -EIO;
	}
	r = db_exec(db, "COMMIT", NULL);
	if (r == 0 && writer_pending == db) {
		writer_pending = NULL;
	}
	return r;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->sql)) {
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	}
	if (db->writer) {
		writer_row(db, false);
	}
	if (writer_pending == db) {
		writer_pending = NULL;
	}
}

/*
 * Settings are read on every call (a running mcpd follows config set), so
 * the statement is prepared once per connection: parsing it was two
 * fifths of a trivial query's work.  The connection's own mutex keeps two
 * threads sharing a connection off the one statement.
 */
char *db_config_get(struct db *db, const char *key)
{
	sqlite3_mutex *m = sqlite3_db_mutex(db->sql);
	char *v = NULL;

	sqlite3_mutex_enter(m);
	if (!db->config_get &&
	    sqlite3_prepare_v3(db->sql,
			       "SELECT value FROM system_config WHERE key = ?",
			       -1, SQLITE_PREPARE_PERSISTENT, &db->config_get,
			       NULL) != SQLITE_OK) {
		db->config_get = NULL;
		sqlite3_mutex_leave(m);
		return NULL;
	}
	sqlite3_bind_text(db->config_get, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(db->config_get) == SQLITE_ROW &&
	    sqlite3_column_text(db->config_get, 0)) {
		v = xstrdup((const char *)sqlite3_column_text(db->config_get,
							      0));
	}
	sqlite3_reset(db->config_get);
	sqlite3_clear_bindings(db->config_get);
	sqlite3_mutex_leave(m);
	return v;
}

int db_prepare_cached(struct db *db, const char *sql, sqlite3_stmt **ret)
{
	sqlite3_mutex *m = sqlite3_db_mutex(db->sql);
	int free_slot = -1, rc;

	*ret = NULL;
	sqlite3_mutex_enter(m);
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		if (db->cache[i].sql == sql && !db->cache[i].busy) {
			db->cache[i].busy = true;
			*ret = db->cache[i].st;
			sqlite3_mutex_leave(m);
			return SQLITE_OK;
		}
		if (!db->cache[i].sql && free_slot < 0) {
			free_slot = i;
		}
	}
	if (free_slot < 0) {
		/* a full cache, or this one in use: a statement of its own */
		sqlite3_mutex_leave(m);
		return sqlite3_prepare_v2(db->sql, sql, -1, ret, NULL);
	}
	rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT,
				ret, NULL);
	if (rc == SQLITE_OK && *ret) {
		db->cache[free_slot].sql = sql;
		db->cache[free_slot].st = *ret;
		db->cache[free_slot].busy = true;
	}
	sqlite3_mutex_leave(m);
	return rc;
}

void db_stmt_release(struct db *db, sqlite3_stmt *st)
{
	sqlite3_mutex *m;

	if (!st) {
		return;
	}
	m = sqlite3_db_mutex(db->sql);
	sqlite3_mutex_enter(m);
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		if (db->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			db->cache[i].busy = false;
			sqlite3_mutex_leave(m);
			return;
		}
	}
	sqlite3_mutex_leave(m);
	sqlite3_finalize(st);
}

int64_t db_config_get_int(struct db *db, const char *key, int64_t fallback)
{
	char *v = db_config_get(db, key);
	char *end;
	long long n;

	if (!v) {
		return fallback;
	}
	n = strtoll(v, &end, 10);
	if (end == v || *end) {
		n = fallback;
	}
	free(v);
	return n;
}

int db_config_set(struct db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
				"INSERT INTO system_config (key, value) "
				"VALUES (?1, ?2) ON CONFLICT (key) "
				"DO UPDATE SET value = excluded.value",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return db_errno(rc);
}

int64_t db_generation(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int64_t g = -1;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT generation FROM catalog_state", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		g = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return g;
}
