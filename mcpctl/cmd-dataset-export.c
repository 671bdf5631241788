/*
 * mcpctl dataset export NAME [--format csv|jsonl] [--out FILE]: every row
 * of a dataset, streamed one row at a time, so memory stays constant
 * whatever the size.  The SQL is ours (SELECT * of the dataset's table),
 * never a client's.
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
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"

#define SRC_ALIAS "export_src"

enum {
	OPT_FORMAT = 0x200,
	OPT_OUT,
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

static int stream(struct db *db, const struct dataset_info *d, bool csv,
		  FILE *out, long long *ret_rows)
{
	char *ref = dataset_rows_ref(d, SRC_ALIAS);
	char *sql = xasprintf("SELECT * FROM %s", ref);
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;
	long long rows = 0;
	int rc, n, code = EXIT_FAIL;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		ctl_error("cannot read dataset '%s': %s", d->name,
			  sqlite3_errmsg(db->sql));
		goto out;
	}
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
			  sqlite3_errmsg(db->sql));
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
	sqlite3_finalize(st);
	free(sql);
	free(ref);
	return code;
}

int ctl_dataset_export(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "out", required_argument, NULL, OPT_OUT },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "csv", *path = NULL, *name;
	struct dataset_info *d = NULL;
	struct db *db = NULL;
	bool attached = false;
	FILE *out = stdout;
	long long rows = 0;
	char *err = NULL;
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
	if (strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0) {
		return ctl_usage_error("dataset export ",
				       "--format is csv or jsonl, not '%s'",
				       format);
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
	if (path && strcmp(path, "-") != 0) {
		out = fopen(path, "w");
		if (!out) {
			ctl_error("cannot write '%s': %s", path,
				  strerror(errno));
			code = EXIT_FAIL;
			goto out;
		}
	}
	code = stream(db, d, strcmp(format, "csv") == 0, out, &rows);
	if (out != stdout && fclose(out) != 0 && code == EXIT_OK) {
		ctl_error("cannot write '%s': %s", path, strerror(errno));
		code = EXIT_FAIL;
	}
	if (code != EXIT_OK && out != stdout) {
		unlink(path);
	}
	if (code == EXIT_OK && out != stdout && !ctl->quiet) {
		/* stdout is the data; the summary goes to stderr */
		fprintf(stderr, "exported '%s': %lld row%s to %s\n", name,
			rows, rows == 1 ? "" : "s", path);
	}
out:
	if (attached) {
		dataset_detach_source(db, SRC_ALIAS);
	}
	free(err);
	dataset_info_destroy(d);
	db_close(db);
	return code;
}
