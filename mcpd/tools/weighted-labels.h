/*
 * weighted-labels: weighted_stats with survey labels (labels: true, the
 * default).  The estimate's SQL is wrapped so that every group column
 * with value labels gets a "COLUMN label" column, added after the others
 * so the columns weighted.c reads by position stay where they are.
 */
#ifndef MCPD_WEIGHTED_LABELS_H
#define MCPD_WEIGHTED_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/db.h"

/* the "labels" argument: 0, or -EINVAL when it is not a boolean */
int weighted_labels_arg(const cJSON *args, bool *ret_labels);

/*
 * `sql` (taken) with label columns for those of `cols` that have value
 * labels in the catalog, ordered again by its first `nsort` columns.
 */
char *weighted_labels_wrap(struct db *catalog, int64_t dataset_id,
			   const char *dataset, const char *const *cols,
			   size_t ncols, size_t nsort, char *sql);

#endif
