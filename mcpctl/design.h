/*
 * design: the sampling-design options of `mcpctl dataset add` and
 * `dataset set` (--strata, --cluster, --cluster2, --fpc, --fpc2, --nest,
 * --lonely-psu, --no-design), and the design part of `dataset show`.
 *
 * A struct design_args holds borrowed option values; an empty string
 * drops that part of the design.  design_apply() merges them into the
 * dataset's stored design, checks it against the rows (common/svydesign.h)
 * and stores it, all in one transaction; it prints its own errors and
 * returns an exit code.
 */
#ifndef MCPCTL_DESIGN_H
#define MCPCTL_DESIGN_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "mcp/dataset.h"
#include "mcpctl.h"

enum {
	OPT_STRATA = 0x300,
	OPT_CLUSTER,
	OPT_CLUSTER2,
	OPT_FPC,
	OPT_FPC2,
	OPT_NEST,
	OPT_NO_NEST,
	OPT_LONELY_PSU,
	OPT_NO_DESIGN,
};

#define DESIGN_LONG_OPTIONS \
	{ "strata", required_argument, NULL, OPT_STRATA }, \
	{ "cluster", required_argument, NULL, OPT_CLUSTER }, \
	{ "cluster2", required_argument, NULL, OPT_CLUSTER2 }, \
	{ "fpc", required_argument, NULL, OPT_FPC }, \
	{ "fpc2", required_argument, NULL, OPT_FPC2 }, \
	{ "nest", no_argument, NULL, OPT_NEST }, \
	{ "no-nest", no_argument, NULL, OPT_NO_NEST }, \
	{ "lonely-psu", required_argument, NULL, OPT_LONELY_PSU }, \
	{ "no-design", no_argument, NULL, OPT_NO_DESIGN }

/* for a verb's list of allowed options */
#define DESIGN_OPTS OPT_STRATA, OPT_CLUSTER, OPT_CLUSTER2, OPT_FPC, \
	OPT_FPC2, OPT_NEST, OPT_NO_NEST, OPT_LONELY_PSU, OPT_NO_DESIGN

struct design_args {
	const char *strata;
	const char *cluster;
	const char *cluster2;
	const char *fpc;
	const char *fpc2;
	const char *lonely;
	int nest;               /* 0: leave as is, 1: --nest, 2: --no-nest */
	bool none;              /* --no-design */
	bool any;               /* some design option was given */
};

/* true when `c` was a design option (stored in `a`) */
bool design_option(struct design_args *a, int c, const char *arg);

int design_apply(struct ctl *ctl, struct db *db, const char *name,
		 const struct design_args *a);

/* `dataset show`: one line of text, or a "design" member (null if none) */
void design_show_text(struct db *db, const struct dataset_info *d);
void design_show_json(struct db *db, const struct dataset_info *d,
		      cJSON *o);

#endif
