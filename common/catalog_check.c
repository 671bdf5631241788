#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "mcp/buf.h"
#include "mcp/catalog_check.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

static bool has_table(sqlite3 *sql, const char *name, int *ret_rc)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	*ret_rc = sqlite3_prepare_v2(sql,
				     "SELECT 1 FROM sqlite_schema WHERE "
				     "type = 'table' AND name = ?1",
				     -1, &st, NULL);
	if (*ret_rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		*ret_rc = sqlite3_step(st);
		found = *ret_rc == SQLITE_ROW;
		if (*ret_rc == SQLITE_ROW || *ret_rc == SQLITE_DONE) {
			*ret_rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return found;
}

static int int_query(sqlite3 *sql, const char *q, int *ret)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(sql, q, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*ret = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int catalog_kind(sqlite3 *sql, enum catalog_kind *ret_kind)
{
	int objects = 0, version = 0, rc;
	bool identity, datasets, config;

	rc = int_query(sql, "SELECT count(*) FROM sqlite_schema", &objects);
	if (rc == SQLITE_OK) {
		rc = int_query(sql, "PRAGMA user_version", &version);
	}
	if (rc != SQLITE_OK) {
		return -EIO;
	}
	if (objects == 0 && version == 0) {
		*ret_kind = CATALOG_EMPTY;
		return 0;
	}
	identity = has_table(sql, "catalog_identity", &rc);
	datasets = rc == SQLITE_OK && has_table(sql, "datasets", &rc);
	config = rc == SQLITE_OK && has_table(sql, "system_config", &rc);
	if (rc != SQLITE_OK) {
		return -EIO;
	}
	/* before migration 3 a catalog had no marker but its own tables */
	if (identity || (version >= 1 && version <= 2 && datasets && config)) {
		*ret_kind = CATALOG_OURS;
	} else {
		*ret_kind = CATALOG_FOREIGN;
	}
	return 0;
}

char *catalog_foreign_message(const char *path)
{
	return xasprintf("'%s' is an SQLite database but not an mcpd catalog",
			 path);
}

int catalog_path_check(const char *path, char **ret_err)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*ret_err = xasprintf("'%s' is a directory; the catalog is a "
				     "file, such as '%s/catalog.db'",
				     path, path);
		return -EISDIR;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		return xstrdup(".");
	}
	if (slash == path) {
		return xstrdup("/");
	}
	return xstrndup(path, (size_t)(slash - path));
}

static bool side_exists(const char *path, const char *suffix)
{
	char *side = xasprintf("%s%s", path, suffix);
	bool found = access(side, F_OK) == 0;

	free(side);
	return found;
}

static bool side_writable(const char *path, const char *suffix)
{
	char *side = xasprintf("%s%s", path, suffix);
	bool ok = access(side, W_OK) == 0 || errno == ENOENT;

	free(side);
	return ok;
}

bool catalog_writable(const char *path)
{
	char *dir = dir_of(path);
	bool dir_ok = access(dir, W_OK) == 0;

	free(dir);
	if (access(path, W_OK) != 0) {
		return false;
	}
	/* the WAL side files are created and removed in the directory */
	if (!dir_ok && (!side_exists(path, "-wal") ||
			!side_exists(path, "-shm"))) {
		return false;
	}
	return side_writable(path, "-wal") && side_writable(path, "-shm");
}

/*
 * a -shm file a reader can map: a writer that ran out of space while
 * creating it may have left a few bytes only
 */
static bool shm_usable(const char *path)
{
	char *side = xasprintf("%s-shm", path);
	struct stat st;
	bool ok = stat(side, &st) == 0 && st.st_size >= 32768;

	free(side);
	return ok;
}

/* too full for the -shm file (32 KiB at first) */
static bool disk_full(const char *dir)
{
	struct statvfs vfs;

	return statvfs(dir, &vfs) == 0 &&
	       (uint64_t)vfs.f_bavail * vfs.f_frsize < 128 * 1024;
}

char *catalog_readonly_name(const char *path, bool *ret_immutable)
{
	char *dir = dir_of(path);
	bool dir_ok = access(dir, W_OK) == 0;
	struct buf uri;

	*ret_immutable = false;
	/*
	 * A read-only connection to a WAL database needs the -shm file, or
	 * a directory to create it in; SQLite otherwise reads the file only
	 * when told that nothing will change it (immutable).  A writer
	 * would have left the side files, so none means none writes now;
	 * on a full disk nobody can write either.
	 */
	if (shm_usable(path) || (dir_ok && !disk_full(dir))) {
		free(dir);
		return xstrdup(path);
	}
	free(dir);
	*ret_immutable = true;
	buf_init(&uri, 0);
	buf_addstr(&uri, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x20) {
			buf_addf(&uri, "%%%02X", *p);
		} else {
			buf_addch(&uri, (char)*p);
		}
	}
	buf_addstr(&uri, "?immutable=1");
	return buf_detach(&uri, NULL);
}
