/*
 * mcpctl dataset index NAME COL... [--drop]: an index on a dataset's
 * columns, so that the filters a model writes on them are fast.  The
 * index is recorded in the catalog (common/dataset_index.c): a refresh
 * builds it again, and describe_dataset names it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/dataset.h"
#include "mcp/dataset_index.h"
#include "mcp/banned.h"
#include "mcpctl.h"

enum { OPT_DROP = 0x400 };

struct index_change {
	char *const *cols;
	size_t n;
	bool drop;
};

static int change_index(struct db *db, const struct dataset_info *d,
			void *arg, char **ret_err)
{
	const struct index_change *c = arg;

	return dataset_index_set(db, d, c->cols, c->n, c->drop, ret_err);
}

int ctl_dataset_index(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "drop", no_argument, NULL, OPT_DROP },
		{ NULL, 0, NULL, 0 },
	};
	struct dataset_info *d = NULL;
	struct index_change change = { 0 };
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == OPT_DROP) {
			change.drop = true;
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
	change.cols = argv + optind + 1;
	change.n = (size_t)(argc - optind - 1);
	code = ctl_edit_dataset(ctl, argv[optind], change_index, &change, &d);
	if (code == EXIT_OK && !ctl->quiet) {
		printf("%s: %s on", d->name,
		       change.drop ? "index dropped" : "indexed");
		for (size_t i = 0; i < change.n; i++) {
			printf("%s %s", i ? "," : "", change.cols[i]);
		}
		putchar('\n');
	}
	dataset_info_destroy(d);
	return code;
}
