/*
 * mcpctl dataset rename OLD NEW: the catalog keys everything but the name
 * by the dataset's id (columns, LLM metadata, design, labels), so those
 * stay; the rows' table follows the new name, so that a later --replace
 * or refresh finds it, and the query log's history follows too, so that
 * 'logs --dataset NEW' and 'stats' see the calls made under OLD.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"

static int step(struct db *db, const char *sql, int64_t id, const char *a,
		const char *b)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return rc;
}

static int rename_in(struct db *db, const struct dataset_info *d,
		     const char *to)
{
	char *table = NULL;
	int rc;

	rc = step(db, "UPDATE datasets SET name = ?3 WHERE id = ?1", d->id,
		  d->name, to);
	if (rc == SQLITE_OK && dataset_rows_in_catalog(d)) {
		struct buf b = BUF_INIT;

		table = ident_data_table(to);
		buf_addstr(&b, "ALTER TABLE main.");
		ident_quote(&b, d->data_table);
		buf_addstr(&b, " RENAME TO ");
		ident_quote(&b, table);
		rc = db_exec(db, buf_str(&b), NULL) == 0 ? SQLITE_OK
							  : SQLITE_ERROR;
		buf_release(&b);
		if (rc == SQLITE_OK) {
			rc = step(db, "UPDATE datasets SET data_table = ?3 "
				  "WHERE id = ?1", d->id, NULL, table);
		}
	}
	/* the log names datasets in a comma-separated list */
	if (rc == SQLITE_OK) {
		rc = step(db, "UPDATE query_logs SET datasets = trim(replace("
			  "',' || datasets || ',', ',' || ?2 || ',', "
			  "',' || ?3 || ','), ',') "
			  "WHERE ',' || datasets || ',' LIKE "
			  "'%,' || ?2 || ',%'", d->id, d->name, to);
	}
	/* the cached describe text says the old name */
	if (rc == SQLITE_OK) {
		rc = step(db, "DELETE FROM context_cache WHERE dataset_id = ?1",
			  d->id, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = dataset_touch(db, d->id) == 0 &&
		     dataset_search_reindex(db, d->id) == 0 ? SQLITE_OK
							    : SQLITE_ERROR;
	}
	free(table);
	return rc;
}

int ctl_dataset_rename(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct dataset_info *d = NULL, *other = NULL;
	const char *from, *to, *why = NULL;
	struct db *db = NULL;
	int c, r, code = EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (!ctl_common_option(ctl, c, optarg)) {
			return ctl_usage_error("dataset rename ",
					       "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 2) {
		return ctl_usage_error("dataset rename ",
				       "give the OLD and the NEW name");
	}
	from = argv[optind];
	to = argv[optind + 1];
	if (ident_dataset_name_check(to, &why) != 0) {
		return ctl_usage_error("dataset rename ",
				       "invalid dataset name '%s': %s", to, why);
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	r = dataset_lookup(db, from, &d);
	if (r == -ENOENT) {
		ctl_error("no dataset '%s'", from);
		code = EXIT_NOT_FOUND;
		goto out;
	}
	if (r < 0) {
		ctl_error("cannot read catalog: %s", strerror(-r));
		goto out;
	}
	if (strcmp(from, to) != 0 && dataset_lookup(db, to, &other) == 0) {
		ctl_error("a dataset '%s' exists already", to);
		code = EXIT_EXISTS;
		goto out;
	}
	if (strcmp(from, to) == 0) {
		code = EXIT_OK;
	} else if (db_begin(db) < 0) {
		ctl_error("cannot write catalog '%s': %s", db->path,
			  sqlite3_errmsg(db->sql));
	} else if (rename_in(db, d, to) != SQLITE_OK) {
		ctl_error("cannot rename dataset '%s': %s", from,
			  sqlite3_errmsg(db->sql));
		db_rollback(db);
	} else if (db_commit(db) < 0) {
		ctl_error("cannot commit: %s", sqlite3_errmsg(db->sql));
		db_rollback(db);
	} else {
		code = EXIT_OK;
	}
	if (code == EXIT_OK && ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", to);
		cJSON_AddStringToObject(o, "renamed_from", from);
		cJSON_AddBoolToObject(o, "changed", strcmp(from, to) != 0);
		ctl_print_json(o);
	} else if (code == EXIT_OK && !ctl->quiet) {
		printf("renamed '%s' to '%s'\n", from, to);
	}
out:
	dataset_info_destroy(other);
	dataset_info_destroy(d);
	db_close(db);
	return code;
}
