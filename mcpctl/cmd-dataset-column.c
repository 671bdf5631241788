/*
 * mcpctl dataset set NAME --column COL [--description TEXT] [--unit U]: a
 * human's description and unit of one column.  The description wins over
 * every other source of column text (mcpd-catalog(5)), and the LLM prompt
 * builds on it; the unit replaces what import inferred ("currency USD").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/dataset.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"
#include "mcpctl.h"

enum { OPT_COLUMN = 0x300, OPT_DESCRIPTION, OPT_UNIT };

/* `field` is description or unit: a column of dataset_columns */
static int set_text(struct db *db, int64_t id, const char *column,
		    const char *field, const char *text)
{
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("UPDATE dataset_columns SET %s = ?1 WHERE "
			      "dataset_id = ?2 AND name = ?3", field);
	int rc;

	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	free(sql);
	if (rc == SQLITE_OK) {
		/* an empty text clears it */
		if (*text) {
			sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		}
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_text(st, 3, column, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		return db_errno(rc);
	}
	return sqlite3_changes(db->sql) ? 0 : -ENOENT;
}

struct column_change {
	const char *column, *text, *unit;
};

static int change_column(struct db *db, const struct dataset_info *d,
			 void *arg, char **ret_err)
{
	const struct column_change *c = arg;
	int r = 0;

	if (c->text) {
		r = set_text(db, d->id, c->column, "description", c->text);
	}
	if (r == 0 && c->unit) {
		r = set_text(db, d->id, c->column, "unit", c->unit);
	}
	if (r == -ENOENT) {
		*ret_err = xasprintf("dataset '%s' has no column '%s'",
				     d->name, c->column);
	} else if (r < 0) {
		*ret_err = xasprintf("cannot update dataset '%s': %s",
				     d->name, sqlite3_errmsg(db->sql));
	}
	return r;
}

int ctl_dataset_set_column(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "column", required_argument, NULL, OPT_COLUMN },
		{ "description", required_argument, NULL, OPT_DESCRIPTION },
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ NULL, 0, NULL, 0 },
	};
	const char *column = NULL, *text = NULL, *unit = NULL;
	struct column_change change;
	struct dataset_info *d = NULL;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == OPT_COLUMN) {
			column = optarg;
		} else if (c == OPT_DESCRIPTION) {
			text = optarg;
		} else if (c == OPT_UNIT) {
			unit = optarg;
		} else {
			return ctl_usage_error("dataset set ", "with --column, "
					       "only --description and --unit "
					       "are allowed");
		}
	}
	if (argc - optind != 1 || !column || (!text && !unit)) {
		return ctl_usage_error("dataset set ", "expected NAME --column "
				       "COL --description TEXT and/or --unit U");
	}
	change.column = column;
	change.text = text;
	change.unit = unit;
	code = ctl_edit_dataset(ctl, argv[optind], change_column, &change, &d);
	if (code != EXIT_OK) {
		return code;
	}
	if (!ctl->quiet && text) {
		printf("%s: column '%s' %s\n", d->name, column,
		       *text ? "described" : "description cleared");
	}
	if (!ctl->quiet && unit) {
		printf("%s: column '%s' %s%s\n", d->name, column,
		       *unit ? "unit " : "unit cleared", unit);
	}
	dataset_info_destroy(d);
	return EXIT_OK;
}
