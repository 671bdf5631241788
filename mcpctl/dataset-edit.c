/*
 * dataset-edit: the frame of a command that changes one dataset's
 * context (a column's text, an index): open the catalog, find the
 * dataset, run the change in one write transaction with the search index
 * and the dataset's version brought up to date (a running mcpd serves the
 * new context), and say what went wrong in words.
 */
#include <errno.h>
#include <stdlib.h>

#include "mcp/dataset.h"
#include "mcp/banned.h"
#include "mcpctl.h"

int ctl_edit_dataset(struct ctl *ctl, const char *name,
		     int (*change)(struct db *db,
				   const struct dataset_info *d, void *arg,
				   char **ret_err),
		     void *arg, struct dataset_info **ret_d)
{
	struct dataset_info *d = NULL;
	struct db *db;
	char *err = NULL;
	int r, code = EXIT_FAIL;

	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	r = dataset_lookup(db, name, &d);
	if (r < 0) {
		ctl_error(r == -ENOENT ? "no dataset '%s'"
				       : "cannot read dataset '%s'", name);
		code = r == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAIL;
		goto out;
	}
	r = db_begin(db);
	if (r == 0) {
		r = change(db, d, arg, &err);
	}
	/* column texts are searchable; the served context names the change */
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
		code = r == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAIL;
		goto out;
	}
	code = EXIT_OK;
	*ret_d = d;
	d = NULL;
out:
	free(err);
	dataset_info_destroy(d);
	db_close(db);
	return code;
}
