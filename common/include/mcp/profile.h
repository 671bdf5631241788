/*
 * profile: per-column statistics of a dataset, stored in dataset_columns.
 *
 * profile_dataset() reads the dataset's rows through `rows_ref` (a quoted
 * table reference valid on db's connection), fills null_count,
 * distinct_count, min/max/mean (numbers), top_values (low-cardinality
 * columns), sample_values, and updates datasets.row_count.  The
 * dataset_columns rows (position, name, types) must already exist.  Runs
 * inside the caller's transaction, if any.
 */
#ifndef MCP_PROFILE_H
#define MCP_PROFILE_H

#include <stdint.h>

#include "mcp/db.h"

/* columns with at most this many distinct values get top_values */
#define PROFILE_TOP_MAX_DISTINCT 50
#define PROFILE_TOP_VALUES 10
#define PROFILE_SAMPLES 5

int profile_dataset(struct db *db, int64_t dataset_id, const char *rows_ref,
		    char **ret_err);

/*
 * Store a profile gathered while streaming (colstats.h) for one column of
 * type `type` ("INTEGER", "REAL", "TEXT"), and the dataset's row count.
 * Same columns and rules as profile_dataset().
 */
struct colstats;
int profile_store_colstats(struct db *db, int64_t dataset_id, int position,
			   const char *type, const struct colstats *c,
			   char **ret_err);
int profile_store_row_count(struct db *db, int64_t dataset_id, int64_t rows,
			    char **ret_err);

#endif
