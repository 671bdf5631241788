/*
 * mcpctl restore FILE: put a backup back as the catalog.  A running mcpd
 * would find its catalog changed under it, so restore refuses while any
 * process has the catalog open, unless --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/paths.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "mcp/banned.h"

static const char usage[] =
	"usage: mcpctl restore FILE [--force]\n"
	"\n"
	"Replace the catalog's content with FILE (a copy made by 'mcpctl\n"
	"backup'), after checking that FILE is an intact mcpd catalog.\n"
	"Refuses while a process (mcpd, mcpctl) has the catalog open, unless\n"
	"--force.  The restored catalog is then upgraded to this version's\n"
	"schema.\n";

enum { OPT_FORCE = 0x800 };

/*
 * Every SQLite connection to a WAL database holds a read lock on one byte
 * of the -shm file (the "DMS" byte at offset 128 in SQLite's unix VFS)
 * for as long as it is open.  A write lock test on it finds the holder.
 * Returns the pid of a process using the catalog, or 0.
 */
static pid_t catalog_user(const char *path)
{
	char *shm = xasprintf("%s-shm", path);
	struct flock fl;
	pid_t pid = 0;
	int fd = open(shm, O_RDWR | O_CLOEXEC);

	free(shm);
	if (fd < 0) {
		return 0;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 128;
	fl.l_len = 1;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
		pid = fl.l_pid > 0 ? fl.l_pid : 1;
	}
	close(fd);
	return pid;
}

/* NULL when `path` is an intact catalog, else why not (caller frees) */
static char *check_source(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *why = NULL;

	if (access(path, R_OK) < 0) {
		return xasprintf("cannot read '%s': %s", path,
				 strerror(errno));
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		why = xasprintf("'%s' is not a readable SQLite file: %s",
				path, sqlite3_errmsg(db));
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		why = xasprintf("'%s' fails integrity_check: %s", path,
				sqlite3_column_text(st, 0));
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT token FROM catalog_identity", -1,
			       &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		why = xasprintf("'%s' is not an mcpd catalog", path);
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return why;
}

int cmd_restore(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	char *path = NULL, *why = NULL, *err = NULL;
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *bk;
	struct db *db = NULL;
	const char *file;
	pid_t user;
	int c, rc, code = EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc + 1, argv - 1, "hq", longopts, NULL)) !=
	       -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (c == OPT_FORCE) {
			force = true;
			continue;
		}
		return ctl_usage_error("restore ", "unknown option");
	}
	if (argc + 1 - optind != 1) {
		return ctl_usage_error("restore ", "expected one FILE");
	}
	file = argv[optind - 1];
	path = paths_catalog(ctl->db_path);
	if (!path) {
		ctl_error("cannot find a home directory for the catalog; "
			  "use --db PATH or set MCPD_DB");
		goto out;
	}
	why = check_source(file);
	if (why) {
		ctl_error("%s", why);
		goto out;
	}
	user = catalog_user(path);
	if (user && !force) {
		ctl_error("catalog '%s' is in use (process %ld); stop mcpd "
			  "first, or use --force", path, (long)user);
		goto out;
	}
	if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) !=
		    SQLITE_OK ||
	    sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		ctl_error("cannot open: %s", sqlite3_errmsg(src ? dst : src));
		goto out;
	}
	sqlite3_busy_timeout(dst, 5000);
	/* the backup API writes the pages through SQLite: safe with WAL */
	bk = sqlite3_backup_init(dst, "main", src, "main");
	if (!bk) {
		ctl_error("cannot restore: %s", sqlite3_errmsg(dst));
		goto out;
	}
	do {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			sqlite3_sleep(20);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY ||
		 rc == SQLITE_LOCKED);
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		ctl_error("cannot restore: %s", sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_close(dst);
	dst = NULL;
	/* an older backup meets this version's schema */
	if (db_open(path, 0, &db, &err) < 0) {
		ctl_error("%s", err);
		goto out;
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "restored", path);
		cJSON_AddStringToObject(o, "from", file);
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("restored '%s' from '%s'\n", path, file);
	}
	code = EXIT_OK;
out:
	db_close(db);
	sqlite3_close(src);
	sqlite3_close(dst);
	free(err);
	free(why);
	free(path);
	return code;
}
