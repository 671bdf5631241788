/*
 * doctor: the health checks of a catalog, as findings that `mcpctl
 * doctor` prints and `mcpctl report` shows.  Each finding names the check,
 * says ok, warn or fail, what was found, and the command that fixes it.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "doctor.h"
#include "mcp/dataset.h"
#include "mcp/paths.h"
#include "mcp/source_check.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/* a WAL bigger than this means checkpoints are not keeping up */
#define WAL_WARN_BYTES (64LL << 20)

static void finding(cJSON *arr, const char *check, const char *status,
		    const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void finding(cJSON *arr, const char *check, const char *status,
		    const char *fix, const char *fmt, ...)
{
	cJSON *o = cJSON_CreateObject();
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(o, "check", check);
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddStringToObject(o, "detail", detail);
	if (fix) {
		cJSON_AddStringToObject(o, "fix", fix);
	} else {
		cJSON_AddNullToObject(o, "fix");
	}
	cJSON_AddItemToArray(arr, o);
}

/* the first column of the first row, as a new string, or NULL */
static char *scalar(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

static void check_integrity(struct db *db, bool full, cJSON *arr)
{
	const char *check = full ? "integrity_check" : "quick_check";
	char *sql = xasprintf("PRAGMA %s", check);
	char *v = scalar(db, sql);

	if (v && strcmp(v, "ok") == 0) {
		finding(arr, "integrity", "ok", NULL, "%s: ok", check);
	} else {
		finding(arr, "integrity", "fail",
			"restore a backup (mcpctl backup makes one), or "
			"sqlite3 CATALOG .recover",
			"%s: %s", check, v ? v : sqlite3_errmsg(db->sql));
	}
	free(v);
	free(sql);
}

static void check_schema(struct db *db, cJSON *arr)
{
	char *v = scalar(db, "PRAGMA user_version");
	char *mode = scalar(db, "PRAGMA journal_mode");
	int have = v ? atoi(v) : -1;

	if (have == db_schema_version()) {
		finding(arr, "schema", "ok", NULL, "schema version %d", have);
	} else {
		finding(arr, "schema", "fail", "mcpctl init",
			"schema version %d, this build uses %d", have,
			db_schema_version());
	}
	if (mode && strcmp(mode, "wal") == 0) {
		finding(arr, "journal", "ok", NULL, "journal mode wal");
	} else {
		finding(arr, "journal", "warn", "mcpctl init",
			"journal mode %s: mcpd reads and mcpctl writes block "
			"each other outside WAL", mode ? mode : "?");
	}
	free(v);
	free(mode);
}

static void check_key_file(struct db *db, cJSON *arr)
{
	char *path = paths_key_file(NULL);
	char *n = scalar(db, "SELECT count(*) FROM api_keys");
	bool keys = n && atoi(n) > 0;
	struct stat st;

	if (!path) {
		goto out;
	}
	if (stat(path, &st) < 0) {
		if (keys) {
			finding(arr, "key file", "fail",
				"restore the key file, or set MCPD_KEY_FILE",
				"%s keys are stored but the key file '%s' is "
				"missing", n, path);
		}
		goto out;
	}
	if (st.st_mode & 077) {
		char *fix = xasprintf("chmod 600 '%s'", path);

		finding(arr, "key file", "fail", fix,
			"key file '%s' is open to others (mode %04o)", path,
			(unsigned)(st.st_mode & 07777));
		free(fix);
	} else {
		finding(arr, "key file", "ok", NULL,
			"key file '%s' is private (mode %04o)", path,
			(unsigned)(st.st_mode & 07777));
	}
out:
	free(n);
	free(path);
}

/* the file's mtime as the catalog writes times, for comparing */
static void iso_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* can the rows of this dataset be read, as mcpd would read them? */
static void check_readable(struct db *db, const struct dataset_info *d,
			   cJSON *arr)
{
	bool sqlite_src = strcmp(d->source_kind, "sqlite") == 0;
	char *err = NULL, *ref = NULL, *sql = NULL, *fix;
	sqlite3_stmt *st = NULL;
	int rc;

	/* what mcpd decides too: its own connection, limits and all */
	if (sqlite_src && !dataset_rows_in_catalog(d) &&
	    qpool_source_servable(db->path, d->source_path, d->source_table,
				  &err) < 0) {
		fix = xasprintf("restore the file, or mcpctl dataset disable "
				"%s", d->name);
		finding(arr, "dataset", "fail", fix,
			"dataset '%s' is unavailable: mcpd leaves it out of "
			"every list (%s)", d->name, err);
		free(fix);
		goto out;
	}
	if (sqlite_src && (!d->source_path ||
			   dataset_attach_source(db, d->source_path,
						 "doctor_src", &err) < 0)) {
		goto bad;
	}
	ref = dataset_rows_ref(d, "doctor_src");
	sql = xasprintf("SELECT * FROM %s LIMIT 1", ref);
	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		err = xstrdup(sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	st = NULL;
	/* a profile counts rows: a different count means it is stale */
	free(sql);
	sql = xasprintf("SELECT count(*) FROM %s", ref);
	if (!err && d->row_count >= 0 &&
	    sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 0) != d->row_count) {
		char *refresh = xasprintf("mcpctl dataset refresh %s",
					  d->name);

		finding(arr, "profile", "warn", refresh,
			"the profile of '%s' counts %lld rows, the table has "
			"%lld", d->name, (long long)d->row_count,
			(long long)sqlite3_column_int64(st, 0));
		free(refresh);
	}
	sqlite3_finalize(st);
	if (sqlite_src) {
		dataset_detach_source(db, "doctor_src");
	}
	if (!err) {
		goto out;
	}
bad:
	fix = xasprintf("mcpctl dataset refresh %s (or mcpctl dataset "
			"disable %s)", d->name, d->name);
	finding(arr, "dataset", "fail", fix,
		"dataset '%s' cannot be read: %s", d->name,
		err ? err : "no source file");
	free(fix);
out:
	free(err);
	free(ref);
	free(sql);
}

static void check_datasets(struct db *db, cJSON *arr)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0, bad = 0;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT " DATASET_COLUMNS " FROM datasets "
			       "ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		finding(arr, "datasets", "fail", NULL, "cannot list: %s",
			sqlite3_errmsg(db->sql));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct dataset_info d;
		size_t before = (size_t)cJSON_GetArraySize(arr);
		struct stat fs;

		dataset_info_read(st, &d);
		n++;
		if (d.source_path && strcmp(d.source_kind, "url") != 0 &&
		    strcmp(d.source_path, "-") != 0) {
			char *fix = xasprintf("mcpctl dataset refresh %s",
					      d.name);

			if (stat(d.source_path, &fs) < 0) {
				finding(arr, "source", strcmp(d.source_kind,
							      "sqlite") == 0
							? "fail"
							: "warn",
					strcmp(d.source_kind, "sqlite") == 0
						? "restore the file, or mcpctl "
						  "dataset rm NAME"
						: "restore the file to refresh "
						  "the dataset again",
					"source of '%s' is gone: '%s' (%s)",
					d.name, d.source_path,
					strerror(errno));
			} else if (d.updated_at) {
				char mtime[32];

				iso_time(fs.st_mtime, mtime, sizeof(mtime));
				if (strcmp(mtime, d.updated_at) > 0) {
					finding(arr, "source", "warn", fix,
						"source of '%s' changed since "
						"it was imported ('%s', "
						"modified %sZ)", d.name,
						d.source_path, mtime);
				}
			}
			free(fix);
		}
		if (d.enabled) {
			check_readable(db, &d, arr);
		}
		if ((size_t)cJSON_GetArraySize(arr) > before) {
			bad++;
		}
		dataset_info_finish(&d);
	}
	sqlite3_finalize(st);
	if (bad == 0) {
		finding(arr, "datasets", "ok", NULL,
			"%lld datasets: sources in place, enabled ones read",
			(long long)n);
	}
}

static void check_profiles(struct db *db, cJSON *arr)
{
	sqlite3_stmt *st = NULL;
	bool any = false;

	/* a cached context older than its dataset is served stale */
	if (sqlite3_prepare_v2(db->sql,
			       "SELECT d.name FROM context_cache c JOIN "
			       "datasets d ON d.id = c.dataset_id WHERE "
			       "c.version < d.version ORDER BY d.name", -1,
			       &st, NULL) != SQLITE_OK) {
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		char *fix = xasprintf("mcpctl dataset refresh %s", name);

		finding(arr, "profile", "warn", fix,
			"the cached context of '%s' is older than the dataset",
			name);
		free(fix);
		any = true;
	}
	sqlite3_finalize(st);
	if (!any) {
		finding(arr, "profile", "ok", NULL, "no stale profiles");
	}
}

static void check_wal(struct db *db, cJSON *arr)
{
	char *wal = xasprintf("%s-wal", db->path);
	struct stat st;

	if (stat(wal, &st) == 0 && st.st_size > WAL_WARN_BYTES) {
		char *fix = xasprintf("sqlite3 '%s' 'PRAGMA "
				      "wal_checkpoint(TRUNCATE)'", db->path);

		finding(arr, "wal", "warn", fix,
			"the WAL file is %lld MB: a long reader keeps "
			"checkpoints from finishing",
			(long long)(st.st_size >> 20));
		free(fix);
	} else {
		finding(arr, "wal", "ok", NULL, "WAL file %lld KB",
			stat(wal, &st) == 0 ? (long long)(st.st_size >> 10)
					    : 0LL);
	}
	free(wal);
}

static void check_log(struct db *db, cJSON *arr)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT count(*), coalesce(sum(lost_rows), 0), "
			       "min(lost_from), max(ts) FROM query_logs "
			       "WHERE status = 'lost'", -1, &st,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		finding(arr, "log", "fail", NULL, "cannot read the log: %s",
			sqlite3_errmsg(db->sql));
	} else if (sqlite3_column_int64(st, 0) == 0) {
		finding(arr, "log", "ok", NULL, "no gaps in the query log");
	} else {
		finding(arr, "log", "warn",
			"mcpctl logs --status lost (then free disk space or "
			"shorten long write locks)",
			"%lld calls were not logged, between %s and %s",
			(long long)sqlite3_column_int64(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			(const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		return xstrdup(".");
	}
	return slash == path ? xstrdup("/") : xstrndup(path, slash - path);
}

/*
 * A catalog shared through a group (mcpd-catalog(5), SHARING): the
 * directory setgid with the catalog's group, so the WAL side files that
 * SQLite creates get that group too, and side files the group can read.
 * A private catalog (not group-readable) needs none of it.
 */
static void check_sharing(struct db *db, cJSON *arr)
{
	char *dir = dir_of(db->path), *fix = NULL;
	struct passwd *owner;
	struct stat f, d;
	bool bad = false;

	if (stat(db->path, &f) < 0 || stat(dir, &d) < 0) {
		finding(arr, "sharing", "warn", NULL, "cannot stat '%s': %s",
			db->path, strerror(errno));
		goto out;
	}
	if ((f.st_mode & S_IWOTH) || ((d.st_mode & S_IWOTH) &&
				       !(d.st_mode & S_ISVTX))) {
		fix = xasprintf("chmod o-w '%s' '%s'", db->path, dir);
		finding(arr, "sharing", "warn", fix, "anyone can change or "
			"replace the catalog ('%s' mode %04o, directory %04o)",
			db->path, (unsigned)(f.st_mode & 07777),
			(unsigned)(d.st_mode & 07777));
		goto out;
	}
	/*
	 * Shared means a group other than the owner's own, or a group that
	 * may write: a 0644 file of the owner's group is the usual private
	 * catalog, whatever its mode says.
	 */
	owner = getpwuid(f.st_uid);
	if (!(f.st_mode & S_IRGRP) ||
	    (!(f.st_mode & S_IWGRP) && owner && owner->pw_gid == f.st_gid)) {
		finding(arr, "sharing", "ok", NULL, "a private catalog (mode "
			"%04o, the owner's group): no group setup needed",
			(unsigned)(f.st_mode & 07777));
		goto out;
	}
	if (!(d.st_mode & S_ISGID) || d.st_gid != f.st_gid) {
		fix = xasprintf("chgrp %u '%s' && chmod g+s '%s'",
				(unsigned)f.st_gid, dir, dir);
		finding(arr, "sharing", "warn", fix, "the catalog is shared "
			"with group %u, but its directory is not setgid with "
			"that group: the WAL side files get the group of "
			"whoever creates them", (unsigned)f.st_gid);
		goto out;
	}
	for (int i = 0; i < 2 && !bad; i++) {
		char *side = xasprintf("%s-%s", db->path, i ? "shm" : "wal");
		struct stat s;

		if (stat(side, &s) == 0 &&
		    (s.st_gid != f.st_gid || !(s.st_mode & S_IRGRP))) {
			fix = xasprintf("chgrp %u '%s' && chmod g+r '%s' "
					"(and umask 002 or 022 for whoever "
					"writes)", (unsigned)f.st_gid, side,
					side);
			finding(arr, "sharing", "warn", fix, "'%s' (group %u, "
				"mode %04o) is not readable by the catalog's "
				"group %u", side, (unsigned)s.st_gid,
				(unsigned)(s.st_mode & 07777),
				(unsigned)f.st_gid);
			bad = true;
		}
		free(side);
	}
	if (!bad) {
		finding(arr, "sharing", "ok", NULL, "shared with group %u: "
			"setgid directory, side files readable by the group",
			(unsigned)f.st_gid);
	}
out:
	free(fix);
	free(dir);
}

cJSON *doctor_run(struct db *db, bool full)
{
	cJSON *arr = cJSON_CreateArray();

	check_integrity(db, full, arr);
	check_schema(db, arr);
	check_key_file(db, arr);
	check_datasets(db, arr);
	check_profiles(db, arr);
	check_wal(db, arr);
	check_sharing(db, arr);
	check_log(db, arr);
	return arr;
}

bool doctor_healthy(const cJSON *findings)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, findings) {
		const char *s = cJSON_GetStringValue(
			cJSON_GetObjectItem(f, "status"));

		if (!s || strcmp(s, "ok") != 0) {
			return false;
		}
	}
	return true;
}
