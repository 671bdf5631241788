/*
 * mcpctl dataset index NAME COL... [--drop]: an index on a dataset's
 * columns, so that the filters a model writes on them are fast.  The
 * index is recorded in the catalog (common/dataset_index.c): a refresh
 * builds it again, and describe_dataset names it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/dataset.h"
#include "mcp/dataset_index.h"
#include "mcp/banned.h"
#include "mcpctl.h"

enum { OPT_DROP = 0x400 };

int ctl_dataset_index(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "drop", no_argument, NULL, OPT_DROP },
		{ NULL, 0, NULL, 0 },
	};
	struct dataset_info *d = NULL;
	struct db *db = NULL;
	char *err = NULL;
	bool drop = false;
	int c, r, code = EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == OPT_DROP) {
			drop = true;
			continue;
		}
		return ctl_usage_error("dataset index ", "unknown option '%s'",
				       argv[optind - 1]);
	}
	if (argc - optind < 2) {
		return ctl_usage_error("dataset index ",
				       "give the dataset and its columns: "
				       "NAME COL [COL...]");
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	r = dataset_lookup(db, argv[optind], &d);
	if (r < 0) {
		ctl_error(r == -ENOENT ? "no dataset '%s'"
				       : "cannot read dataset '%s'",
			  argv[optind]);
		code = r == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAIL;
		goto out;
	}
	r = db_begin(db);
	if (r == 0) {
		r = dataset_index_set(db, d, argv + optind + 1,
				      (size_t)(argc - optind - 1), drop, &err);
	}
	/* the served context names the indexes */
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
	if (!ctl->quiet) {
		printf("%s: %s on", d->name, drop ? "index dropped" : "indexed");
		for (int i = optind + 1; i < argc; i++) {
			printf("%s %s", i > optind + 1 ? "," : "", argv[i]);
		}
		putchar('\n');
	}
	code = EXIT_OK;
out:
	free(err);
	dataset_info_destroy(d);
	db_close(db);
	return code;
}
