/*
 * dataset: catalog rows that describe datasets, shared by the importers,
 * the mcpctl commands and mcpd.
 *
 * A struct dataset_info is a snapshot of one `datasets` row.  Text fields
 * are NULL when the catalog has NULL or an empty string; row_count is -1
 * when unknown.  dataset_lookup() returns one on the heap, released with
 * dataset_info_destroy() (NULL is fine); an embedded one is filled by
 * dataset_info_read() and released with dataset_info_finish().
 */
#ifndef MCP_DATASET_H
#define MCP_DATASET_H

#include <stdbool.h>
#include <stdint.h>

#include "mcp/db.h"

struct dataset_info {
	int64_t id;
	char *name;
	char *title;
	char *description;
	char *source_kind;      /* "csv", "sqlite", "url" */
	char *source_path;
	char *source_table;
	char *data_table;
	char *weight_column;
	char *tags;
	char *import_options;   /* JSON */
	bool enabled;
	int64_t row_count;
	int64_t version;
	char *created_at;
	char *updated_at;
};

/* the select list dataset_info_read() expects, for "SELECT " DATASET_COLUMNS */
#define DATASET_COLUMNS \
	"id, name, title, description, source_kind, source_path, " \
	"source_table, data_table, weight_column, tags, import_options, " \
	"enabled, row_count, version, created_at, updated_at"

/* fill `d` from the current row of a statement selecting DATASET_COLUMNS */
void dataset_info_read(sqlite3_stmt *st, struct dataset_info *d);
void dataset_info_finish(struct dataset_info *d);

/* 0 and *ret set, -ENOENT when there is no such dataset, or an error */
int dataset_lookup(struct db *db, const char *name, struct dataset_info **ret);
void dataset_info_destroy(struct dataset_info *d);

/*
 * The SQL expression that names the dataset's rows from a catalog
 * connection: main."data_x", or "src"."T" for a registered file attached
 * as `schema_alias`.  Caller frees.
 */
char *dataset_rows_ref(const struct dataset_info *d, const char *schema_alias);
/*
 * Are the rows in a table of the catalog (a CSV import, or a view of a
 * SQLite file copied at registration), rather than in the source file?
 */
bool dataset_rows_in_catalog(const struct dataset_info *d);
/* the same test on the raw columns of a datasets row */
bool dataset_row_in_catalog(const char *kind, const char *source_table,
			    const char *data_table);

/* attach a registered SQLite file read-only under `alias` */
int dataset_attach_source(struct db *db, const char *path, const char *alias,
			  char **ret_err);
void dataset_detach_source(struct db *db, const char *alias);

/* rebuild the dataset's row in the dataset_search full-text index */
int dataset_search_reindex(struct db *db, int64_t id);

/* bump version/updated_at after any change to a dataset or its columns */
int dataset_touch(struct db *db, int64_t id);

#endif
