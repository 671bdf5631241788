/*
 * mcpctl dataset export NAME [--format csv|jsonl|sqlite] [--out FILE]
 * [--where EXPR]: the rows of a dataset, streamed one row at a time, so
 * memory stays constant whatever the size.  The SQL is ours (SELECT * of
 * the dataset's table); a --where filter is the admin's text, so it is
 * checked as mcpd checks a model's filter (one expression, guard.h) and
 * the statement is prepared under the guard, allowed to read this
 * dataset's table only: a filter cannot reach keys, logs or another
 * dataset.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/dataset.h"
#include "mcp/guard.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"

#define SRC_ALIAS "export_src"

enum {
	OPT_FORMAT = 0x200,
	OPT_OUT,
	OPT_WHERE,
};

/* one row as a CSV line */
static void csv_row(struct buf *b, sqlite3_stmt *st, int n)
{
	for (int i = 0; i < n; i++) {
		const char *s = (const char *)sqlite3_column_text(st, i);

		if (i) {
			buf_addch(b, ',');
		}
		render_csv_field(b, s ? s : "");
	}
	buf_addch(b, '\n');
}

/* one row as a JSON object on one line; numbers stay numbers */
static void jsonl_row(struct buf *b, sqlite3_stmt *st, int n)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	for (int i = 0; i < n; i++) {
		cJSON_AddItemToObject(o, sqlite3_column_name(st, i),
				      render_value(st, i));
	}
	s = cJSON_PrintUnformatted(o);
	buf_addstr(b, s);
	buf_addch(b, '\n');
	free(s);
	cJSON_Delete(o);
}

/*
 * SELECT * of the dataset, filtered by `where` (or NULL); with a filter,
 * prepared under a guard that lets it read the dataset's table alone.
 * Prints the error.
 */
static int prepare_rows(struct db *db, const struct dataset_info *d,
			const char *where, sqlite3_stmt **ret_st)
{
	char *ref = dataset_rows_ref(d, SRC_ALIAS);
	struct buf sql = BUF_INIT;
	struct guard *g = NULL;
	const char *why = NULL, *tail = NULL;
	int rc, code = EXIT_FAIL;

	buf_addf(&sql, "SELECT * FROM %s", ref);
	if (where) {
		if (guard_expr_check(where, &why) < 0) {
			ctl_error("--where is not one SQL expression: %s", why);
			goto out;
		}
		buf_addf(&sql, " WHERE (%s)", where);
		g = guard_create();
		if (dataset_rows_in_catalog(d)) {
			guard_allow(g, "main", d->data_table, d->name);
		} else {
			guard_allow(g, SRC_ALIAS, d->source_table, d->name);
		}
		guard_install(g, db->sql);
		guard_begin(g);
	}
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, ret_st, &tail);
	if (g && guard_denial(g)) {
		ctl_error("--where: not allowed: %s", guard_denial(g));
	} else if (rc != SQLITE_OK) {
		ctl_error(where ? "--where is not valid SQL: %s"
			  : "cannot read dataset: %s", sqlite3_errmsg(db->sql));
	} else if (!guard_tail_empty(tail)) {
		ctl_error("--where is not one SQL expression");
	} else {
		code = EXIT_OK;
	}
	if (code != EXIT_OK) {
		sqlite3_finalize(*ret_st);
		*ret_st = NULL;
	}
out:
	if (g) {
		/* the guard judged preparing; stepping needs no authorizer */
		sqlite3_set_authorizer(db->sql, NULL, NULL);
		guard_destroy(g);
	}
	buf_release(&sql);
	free(ref);
	return code;
}

static int stream(sqlite3_stmt *st, const struct dataset_info *d, bool csv,
		  FILE *out, long long *ret_rows)
{
	struct buf b = BUF_INIT;
	long long rows = 0;
	int rc, n, code = EXIT_FAIL;

	n = sqlite3_column_count(st);
	if (csv) {
		for (int i = 0; i < n; i++) {
			if (i) {
				buf_addch(&b, ',');
			}
			render_csv_field(&b, sqlite3_column_name(st, i));
		}
		buf_addch(&b, '\n');
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(csv ? csv_row : jsonl_row)(&b, st, n);
		rows++;
		/* written as we go: the buffer holds about one row */
		if (b.len >= 65536 && fwrite(buf_str(&b), 1, b.len, out) !=
		    b.len) {
			goto write_error;
		}
		if (b.len >= 65536) {
			buf_reset(&b);
		}
	}
	if (rc != SQLITE_DONE) {
		ctl_error("cannot read dataset '%s': %s", d->name,
			  sqlite3_errmsg(sqlite3_db_handle(st)));
		goto out;
	}
	if (b.len && fwrite(buf_str(&b), 1, b.len, out) != b.len) {
		goto write_error;
	}
	if (fflush(out) != 0) {
		goto write_error;
	}
	*ret_rows = rows;
	code = EXIT_OK;
	goto out;
write_error:
	ctl_error("cannot write the export: %s", strerror(errno));
out:
	buf_release(&b);
	return code;
}

int ctl_dataset_export(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "where", required_argument, NULL, OPT_WHERE },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "csv", *path = NULL, *name, *where = NULL;
	sqlite3_stmt *st = NULL;
	struct dataset_info *d = NULL;
	struct db *db = NULL;
	bool attached = false;
	FILE *out = stdout;
	long long rows = 0;
	char *err = NULL;
	bool sqlite;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == OPT_FORMAT) {
			format = optarg;
		} else if (c == OPT_OUT) {
			path = optarg;
		} else if (c == OPT_WHERE) {
			where = optarg;
		} else {
			return ctl_usage_error("dataset export ",
					       "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 1) {
		return ctl_usage_error("dataset export ", argc - optind < 1
				       ? "missing dataset NAME"
				       : "one dataset NAME only");
	}
	name = argv[optind];
	if (strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0 &&
	    strcmp(format, "sqlite") != 0) {
		return ctl_usage_error("dataset export ",
				       "--format is csv, jsonl or sqlite, not "
				       "'%s'", format);
	}
	sqlite = strcmp(format, "sqlite") == 0;
	if (sqlite && (!path || strcmp(path, "-") == 0)) {
		return ctl_usage_error("dataset export ",
				       "--format sqlite needs --out FILE");
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = dataset_lookup(db, name, &d);
	if (code == -ENOENT) {
		ctl_error("no dataset '%s'", name);
		code = EXIT_NOT_FOUND;
		goto out;
	} else if (code < 0) {
		ctl_error("cannot read catalog: %s", strerror(-code));
		code = EXIT_FAIL;
		goto out;
	}
	if (!dataset_rows_in_catalog(d)) {
		if (dataset_attach_source(db, d->source_path, SRC_ALIAS,
					  &err) < 0) {
			ctl_error("%s", err ? err : "cannot open the source");
			code = EXIT_FAIL;
			goto out;
		}
		attached = true;
	}
	code = prepare_rows(db, d, where, &st);
	if (code != EXIT_OK) {
		goto out;
	}
	if (sqlite) {
		code = ctl_export_sqlite(st, d->name, path, &rows);
		goto done;
	}
	if (path && strcmp(path, "-") != 0) {
		out = fopen(path, "w");
		if (!out) {
			ctl_error("cannot write '%s': %s", path,
				  strerror(errno));
			code = EXIT_FAIL;
			goto out;
		}
	}
	code = stream(st, d, strcmp(format, "csv") == 0, out, &rows);
	if (out != stdout && fclose(out) != 0 && code == EXIT_OK) {
		ctl_error("cannot write '%s': %s", path, strerror(errno));
		code = EXIT_FAIL;
	}
	if (code != EXIT_OK && out != stdout) {
		unlink(path);
	}
	out = stdout;
done:
	if (code == EXIT_OK && path && strcmp(path, "-") != 0 &&
	    !ctl->quiet) {
		/* stdout is the data; the summary goes to stderr */
		fprintf(stderr, "exported '%s': %lld row%s to %s\n", name,
			rows, rows == 1 ? "" : "s", path);
	}
out:
	sqlite3_finalize(st);
	if (attached) {
		dataset_detach_source(db, SRC_ALIAS);
	}
	free(err);
	dataset_info_destroy(d);
	db_close(db);
	return code;
}
