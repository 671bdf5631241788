/*
 * weighted-labels: survey labels beside the codes, for weighted_stats
 * (labels: true, the default) and sample_rows (labels: true, asked for).
 * The tool's SQL is wrapped so that every column with value labels gets a
 * "COLUMN label" column, added after the others so the columns weighted.c
 * reads by position stay where they are.  sample_rows then folds those
 * columns back into the codes' cells (weighted_labels_fold).
 */
#ifndef MCPD_WEIGHTED_LABELS_H
#define MCPD_WEIGHTED_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/db.h"
#include "mcp/query.h"

/*
 * the "labels" argument (`def` when absent): 0, or -EINVAL when it is
 * not a boolean
 */
int weighted_labels_arg(const cJSON *args, bool def, bool *ret_labels);

/*
 * `sql` (taken) with label columns for those of `cols` that have value
 * labels in the catalog, ordered again by its first `nsort` columns.
 */
char *weighted_labels_wrap(struct db *catalog, int64_t dataset_id,
			   const char *dataset, const char *const *cols,
			   size_t ncols, size_t nsort, char *sql);

/*
 * The columns of the enabled dataset `dataset` that have value labels, in
 * table order, as a NULL-terminated array (caller frees with
 * weighted_labels_free); *ret_n is their count.  -ENOENT when no enabled
 * dataset has that name.
 */
int weighted_labels_columns(struct db *catalog, const char *dataset,
			    int64_t *ret_id, char ***ret_cols, size_t *ret_n);
void weighted_labels_free(char **cols);

/*
 * A result of weighted_labels_wrap(..., cols, ncols, 0, ...) with the
 * label columns folded away: the text shows "CODE (LABEL)" in each
 * labelled cell, while structuredContent keeps the codes as they were
 * and gains "labels": {COLUMN: {CODE: LABEL}} for the codes shown.  A
 * result not shaped as expected is left as it is.
 */
void weighted_labels_fold(struct query_result *qr, const char *const *cols,
			  size_t ncols, enum query_format fmt,
			  const struct query_opts *opts);

#endif
