/*
 * mcpctl dataset labels NAME --codebook FILE.csv | --export: a dataset's
 * labels as a codebook, the shape survey files bring them in
 * (dataset_columns.file_description and value_labels, schema.sql
 * migration 8).
 *
 * The shape is CSV with the header "column,value,label": a row with a
 * value is a value label, a row with an empty value the column's variable
 * label.  --codebook replaces all of a dataset's labels with the file's,
 * in one transaction; --export writes the same shape, so a round trip is
 * exact.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/csv.h"
#include "mcp/dataset.h"
#include "mcp/import.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"
#include "mcpctl.h"

enum { OPT_CODEBOOK = 0x400, OPT_EXPORT };

static void csv_cell(const char *s)
{
	bool quote = !*s ? false : strpbrk(s, ",\"\r\n") != NULL ||
		     s[0] == ' ' || s[strlen(s) - 1] == ' ';

	if (!quote) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"') {
			putchar('"');
		}
		putchar(*s);
	}
	putchar('"');
}

static int export_labels(struct db *db, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* per column in table order: its variable label, then its values */
	rc = sqlite3_prepare_v2(db->sql,
		"SELECT c.name, NULL, c.file_description, 0, c.position, 0 "
		"FROM dataset_columns c WHERE c.dataset_id = ?1 "
		"AND c.file_description IS NOT NULL "
		"UNION ALL SELECT v.column_name, v.value, v.label, 1, "
		"c.position, 0 FROM value_labels v JOIN dataset_columns c "
		"ON c.dataset_id = v.dataset_id AND c.name = v.column_name "
		"WHERE v.dataset_id = ?1 ORDER BY 5, 4, 2", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, id);
	puts("column,value,label");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		csv_cell((const char *)sqlite3_column_text(st, 0));
		putchar(',');
		if (sqlite3_column_type(st, 1) == SQLITE_FLOAT) {
			char num[40];
			double d = sqlite3_column_double(st, 1);

			for (int prec = 15; prec <= 17; prec++) {
				snprintf(num, sizeof(num), "%.*g", prec, d);
				if (strtod(num, NULL) == d) {
					break;
				}
			}
			fputs(num, stdout);
		} else if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			csv_cell((const char *)sqlite3_column_text(st, 1));
		}
		putchar(',');
		csv_cell((const char *)sqlite3_column_text(st, 2));
		putchar('\n');
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_errno(rc);
}

static int exec_id(struct db *db, const char *sql, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_errno(rc);
}

/* one codebook row; *ret_err says what is wrong with it */
static int import_row(struct db *db, int64_t id, const struct csv_record *rec,
		      sqlite3_stmt *var, sqlite3_stmt *val, char **ret_err)
{
	const struct csv_field *f = rec->fields;
	sqlite3_stmt *st;
	int rc;

	if (rec->nfields != 3) {
		*ret_err = xasprintf("expected 3 fields (column,value,label), "
				     "found %zu", rec->nfields);
		return -EINVAL;
	}
	if (f[1].len == 0) {
		st = var;
		sqlite3_bind_text(st, 2, f[0].data, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, f[2].data, -1, SQLITE_STATIC);
	} else {
		st = val;
		sqlite3_bind_text(st, 2, f[0].data, -1, SQLITE_STATIC);
		switch (import_classify(f[1].data, f[1].len)) {
		case IMPORT_INTEGER:
			sqlite3_bind_int64(st, 3, strtoll(f[1].data, NULL, 10));
			break;
		case IMPORT_REAL:
			sqlite3_bind_double(st, 3, strtod(f[1].data, NULL));
			break;
		default:
			sqlite3_bind_text(st, 3, f[1].data, -1, SQLITE_STATIC);
		}
		sqlite3_bind_text(st, 4, f[2].data, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*ret_err = xstrdup(sqlite3_errmsg(db->sql));
		return db_errno(rc);
	}
	if (sqlite3_changes(db->sql) == 0) {
		*ret_err = xasprintf("the dataset has no column '%s'",
				     f[0].data);
		return -ENOENT;
	}
	return 0;
}

static int import_codebook(struct db *db, int64_t id, const char *path,
			   char **ret_err)
{
	struct csv_options copt = { .delimiter = ',' };
	struct csv_reader *rd = NULL;
	sqlite3_stmt *var = NULL, *val = NULL;
	struct csv_record rec;
	char *why = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*ret_err = xasprintf("cannot open '%s': %s", path,
				     strerror(errno));
		return -errno;
	}
	r = csv_reader_create(fd, path, &copt, &rd);
	if (r < 0) {
		*ret_err = xasprintf("cannot read '%s': %s", path, strerror(-r));
		goto out;
	}
	r = csv_read(rd, &rec);
	if (r <= 0 || rec.nfields != 3 || strcmp(rec.fields[0].data, "column") ||
	    strcmp(rec.fields[1].data, "value") ||
	    strcmp(rec.fields[2].data, "label")) {
		*ret_err = r < 0 ? xstrdup(csv_reader_error(rd))
			: xasprintf("%s:1: the header must be "
				    "column,value,label", path);
		r = r < 0 ? r : -EINVAL;
		goto out;
	}
	if (sqlite3_prepare_v2(db->sql,
			"UPDATE dataset_columns SET file_description = ?3 "
			"WHERE dataset_id = ?1 AND name = ?2", -1, &var,
			NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->sql,
			"INSERT OR REPLACE INTO value_labels (dataset_id, "
			"column_name, value, label) SELECT ?1, ?2, ?3, ?4 "
			"WHERE EXISTS (SELECT 1 FROM dataset_columns WHERE "
			"dataset_id = ?1 AND name = ?2)", -1, &val,
			NULL) != SQLITE_OK) {
		*ret_err = xasprintf("cannot write labels: %s",
				     sqlite3_errmsg(db->sql));
		r = -EIO;
		goto out;
	}
	/* the codebook replaces every label the dataset had */
	r = exec_id(db, "UPDATE dataset_columns SET file_description = NULL "
		    "WHERE dataset_id = ?1", id);
	if (r == 0) {
		r = exec_id(db, "DELETE FROM value_labels WHERE dataset_id = ?1",
			    id);
	}
	if (r < 0) {
		*ret_err = xasprintf("cannot write labels: %s",
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	while ((r = csv_read(rd, &rec)) > 0) {
		r = import_row(db, id, &rec, var, val, &why);
		if (r < 0) {
			*ret_err = xasprintf("%s:%llu: %s", path,
					     (unsigned long long)rec.line, why);
			free(why);
			goto out;
		}
	}
	if (r < 0) {
		*ret_err = xstrdup(csv_reader_error(rd));
	}
out:
	sqlite3_finalize(var);
	sqlite3_finalize(val);
	csv_reader_destroy(rd);
	close(fd);
	return r;
}

int ctl_dataset_labels(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "codebook", required_argument, NULL, OPT_CODEBOOK },
		{ "export", no_argument, NULL, OPT_EXPORT },
		{ NULL, 0, NULL, 0 },
	};
	const char *codebook = NULL;
	bool export = false;
	struct dataset_info *d = NULL;
	struct db *db = NULL;
	char *err = NULL;
	int c, r, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == OPT_CODEBOOK) {
			codebook = optarg;
		} else if (c == OPT_EXPORT) {
			export = true;
		} else {
			return ctl_usage_error("dataset labels ", "expected "
					       "NAME --codebook FILE.csv or "
					       "NAME --export");
		}
	}
	if (argc - optind != 1 || !!codebook == export) {
		return ctl_usage_error("dataset labels ", "expected NAME "
				       "--codebook FILE.csv or NAME --export");
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = EXIT_FAIL;
	r = dataset_lookup(db, argv[optind], &d);
	if (r < 0) {
		ctl_error(r == -ENOENT ? "no dataset '%s'"
				       : "cannot read dataset '%s'",
			  argv[optind]);
		code = r == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAIL;
		goto out;
	}
	if (export) {
		r = export_labels(db, d->id);
		if (r < 0) {
			ctl_error("cannot read labels of '%s': %s", d->name,
				  sqlite3_errmsg(db->sql));
			goto out;
		}
		code = EXIT_OK;
		goto out;
	}
	r = db_begin(db);
	if (r == 0) {
		r = import_codebook(db, d->id, codebook, &err);
	}
	/* labels are searchable and part of the served context */
	if (r == 0) {
		r = dataset_search_reindex(db, d->id);
	}
	if (r == 0) {
		r = dataset_touch(db, d->id);
	}
	if (r == 0) {
		r = db_commit(db);
	}
	if (r < 0) {
		db_rollback(db);
		ctl_error("%s", err ? err : sqlite3_errmsg(db->sql));
		goto out;
	}
	if (!ctl->quiet) {
		printf("%s: labels read from '%s'\n", d->name, codebook);
	}
	code = EXIT_OK;
out:
	free(err);
	dataset_info_destroy(d);
	db_close(db);
	return code;
}
