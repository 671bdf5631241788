/*
 * mcpctl vacuum: give the space of deleted rows (pruned logs, removed
 * datasets) back to the file system while mcpd runs.
 *
 * Incremental vacuum frees pages in short transactions, so mcpd's log
 * writer and mcpctl's other commands only ever wait a moment.  A catalog
 * made before auto_vacuum was set needs one full VACUUM first (--full),
 * which holds the write lock while it rewrites the file: mcpd keeps
 * serving from its snapshot, and counts the log rows it could not write
 * if that takes long.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "term.h"
#include "mcp/banned.h"

static const char usage[] =
	"usage: mcpctl vacuum [--full]\n"
	"\n"
	"Free the catalog's unused pages: incrementally, in short\n"
	"transactions, when the catalog uses auto_vacuum=incremental;\n"
	"--full rewrites it once with VACUUM (holding the write lock while it\n"
	"runs) and turns incremental vacuum on for later runs.  Prints the\n"
	"space freed.\n";

enum { OPT_FULL = 0x900 };

/* pages freed per transaction */
#define STEP_PAGES 256

static int64_t file_bytes(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat st;
	int64_t n = 0;

	if (stat(path, &st) == 0) {
		n += st.st_size;
	}
	if (stat(wal, &st) == 0) {
		n += st.st_size;
	}
	free(wal);
	return n;
}

static int64_t pragma_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

int cmd_vacuum(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "full", no_argument, NULL, OPT_FULL },
		{ NULL, 0, NULL, 0 },
	};
	bool full = false;
	struct db *db;
	int64_t before, after, free_pages;
	const char *how;
	char freed[32];
	int c, code = EXIT_FAIL;

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
		if (c == OPT_FULL) {
			full = true;
			continue;
		}
		return ctl_usage_error("vacuum ", "unknown option");
	}
	if (optind < argc + 1) {
		return ctl_usage_error("vacuum ", "unexpected argument '%s'",
				       argv[optind - 1]);
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	before = file_bytes(db->path);
	free_pages = pragma_int(db, "PRAGMA freelist_count");
	if (full) {
		how = "VACUUM";
		if (db_exec(db, "PRAGMA auto_vacuum = INCREMENTAL; VACUUM",
			    NULL) < 0) {
			ctl_error("cannot vacuum: %s", sqlite3_errmsg(db->sql));
			goto out;
		}
	} else if (pragma_int(db, "PRAGMA auto_vacuum") == 2) {
		how = "incremental vacuum";
		while (pragma_int(db, "PRAGMA freelist_count") > 0) {
			char *sql = xasprintf("PRAGMA incremental_vacuum(%d)",
					      STEP_PAGES);
			int r = db_begin(db);

			r = r < 0 ? r : db_exec(db, sql, NULL);
			free(sql);
			if (r < 0 || db_commit(db) < 0) {
				ctl_error("cannot vacuum: %s",
					  sqlite3_errmsg(db->sql));
				db_rollback(db);
				goto out;
			}
		}
	} else {
		ctl_error("catalog '%s' has %lld free pages but no "
			  "incremental vacuum; run 'mcpctl vacuum --full' "
			  "once", db->path, (long long)free_pages);
		goto out;
	}
	/* hand the pages back: fold the WAL into the file and cut it */
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
	after = file_bytes(db->path);
	term_bytes(before > after ? before - after : 0, freed, sizeof(freed));
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "method", how);
		cJSON_AddNumberToObject(o, "bytes_before", (double)before);
		cJSON_AddNumberToObject(o, "bytes_after", (double)after);
		cJSON_AddNumberToObject(o, "freed", (double)(before > after
								? before - after
								: 0));
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("%s freed %s (%lld free pages)\n", how, freed,
		       (long long)free_pages);
	}
	code = EXIT_OK;
out:
	db_close(db);
	return code;
}
