/*
 * dataset_index: indexes on a dataset's rows, asked for by an admin
 * (mcpctl dataset index) so that the model's usual filters are fast.
 *
 * Only rows held in the catalog can be indexed: a table served in place
 * from its own SQLite file is opened read-only.  Each index is recorded in
 * dataset_indexes; import_restore_indexes() builds them again after a
 * refresh or --replace made the data table anew, leaving out those whose
 * columns are gone.  Every function runs inside the caller's transaction.
 */
#ifndef MCP_DATASET_INDEX_H
#define MCP_DATASET_INDEX_H

#include <stddef.h>

#include "mcp/dataset.h"
#include "mcp/db.h"

/* create (or, with `drop`, drop) the index on `cols` of dataset `d` */
int dataset_index_set(struct db *db, const struct dataset_info *d,
		      char *const *cols, size_t n, bool drop, char **ret_err);

/*
 * After the data table of dataset `id` was made anew: build its recorded
 * indexes again.  *ret_dropped gets a note naming those left out (their
 * columns are gone), or NULL.  Caller frees.
 */
int dataset_index_restore(struct db *db, int64_t id, const char *data_table,
			  char **ret_dropped, char **ret_err);

#endif
