/*
 * mcpctl backup FILE: a consistent copy of the catalog, taken with
 * SQLite's online backup API while mcpd keeps serving and logging, then
 * checked with integrity_check before it is given its name.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "term.h"
#include "mcp/banned.h"

static const char usage[] =
	"usage: mcpctl backup FILE [--force]\n"
	"\n"
	"Copy the catalog to FILE while mcpd runs (SQLite's online backup:\n"
	"one consistent snapshot; writers are not blocked), then check the\n"
	"copy with PRAGMA integrity_check.  FILE must not exist, unless\n"
	"--force.  Registered SQLite source files are not copied.\n";

enum { OPT_FORCE = 0x500 };

/* "ok", or the first problem integrity_check reports (caller frees) */
static char *check_copy(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *res = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
		    SQLITE_OK) {
		res = xstrdup(sqlite3_errmsg(db));
	} else if (sqlite3_step(st) == SQLITE_ROW) {
		res = xstrdup((const char *)sqlite3_column_text(st, 0));
	} else {
		res = xstrdup(sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return res;
}

int cmd_backup(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	struct db *db = NULL;
	sqlite3 *dst = NULL;
	sqlite3_backup *bk;
	char *tmp = NULL, *check = NULL;
	const char *file;
	struct stat st;
	char size[32];
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
		return ctl_usage_error("backup ", "unknown option");
	}
	if (argc + 1 - optind != 1) {
		return ctl_usage_error("backup ", "expected one FILE");
	}
	file = argv[optind - 1];
	if (!force && stat(file, &st) == 0) {
		ctl_error("'%s' exists already (use --force to replace it)",
			  file);
		return EXIT_EXISTS;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	/* a half-written copy must never carry the name */
	tmp = xasprintf("%s.tmp-%ld", file, (long)getpid());
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		ctl_error("cannot create '%s': %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	bk = sqlite3_backup_init(dst, "main", db->sql, "main");
	if (!bk) {
		ctl_error("cannot back up: %s", sqlite3_errmsg(dst));
		goto out;
	}
	/*
	 * All pages in one step: one read transaction, so the copy is one
	 * snapshot however busy mcpd is.  In WAL mode readers never block
	 * writers, so mcpd keeps logging meanwhile.  (Stepping in chunks
	 * would restart whenever another process writes.)
	 */
	do {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			sqlite3_sleep(20);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY ||
		 rc == SQLITE_LOCKED);
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		ctl_error("cannot back up: %s", sqlite3_errstr(rc));
		goto out;
	}
	/* the copy stands alone: no -wal beside it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
			 NULL) != SQLITE_OK) {
		ctl_error("cannot finish '%s': %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	sqlite3_close(dst);
	dst = NULL;
	check = check_copy(tmp);
	if (strcmp(check, "ok") != 0) {
		ctl_error("the copy fails integrity_check: %s", check);
		goto out;
	}
	if (rename(tmp, file) < 0) {
		ctl_error("cannot rename '%s' to '%s': %s", tmp, file,
			  strerror(errno));
		goto out;
	}
	stat(file, &st);
	term_bytes((int64_t)st.st_size, size, sizeof(size));
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "backup", file);
		cJSON_AddNumberToObject(o, "bytes", (double)st.st_size);
		cJSON_AddStringToObject(o, "integrity", "ok");
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("backed up '%s' to '%s' (%s, integrity ok)\n",
		       db->path, file, size);
	}
	code = EXIT_OK;
out:
	sqlite3_close(dst);
	if (code != EXIT_OK && tmp) {
		unlink(tmp);
	}
	free(check);
	free(tmp);
	db_close(db);
	return code;
}
