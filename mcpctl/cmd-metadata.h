/*
 * mcpctl metadata: what the verbs share.  cmd-metadata.c parses the
 * options into `mopt`; metadata-generate.c and metadata-review.c run the
 * verbs.
 */
#ifndef MCPCTL_CMD_METADATA_H
#define MCPCTL_CMD_METADATA_H

#include <stdbool.h>
#include <stdint.h>

#include "mcp/dataset.h"
#include "mcpctl.h"

struct metadata_opt {
	bool all, dry_run;
	const char *provider, *model, *base_url, *key_label, *file;
	long jobs, retries;
	double timeout;
	int64_t version;
};
extern struct metadata_opt mopt;

/*
 * Parse the options `allowed` (one letter each, in enum order: 'a' --all,
 * 'b' --provider ... 'k' --file) and one NAME, none with --all.  0, -1
 * after --help, or the exit code of a usage error.
 */
int metadata_args(struct ctl *ctl, int argc, char **argv,
		  const char *allowed);
/* a dataset by name, printing the error; the exit code on failure */
int metadata_find(struct db *db, const char *name,
		  struct dataset_info **ret);

int metadata_generate(struct ctl *ctl, int argc, char **argv);
int metadata_show(struct ctl *ctl, int argc, char **argv);
int metadata_edit(struct ctl *ctl, int argc, char **argv);
int metadata_approve_cmd(struct ctl *ctl, int argc, char **argv);

#endif
