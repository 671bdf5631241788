/*
 * import-internal: what the CSV and SQLite importers share (import.c):
 * the column being imported, the catalog rows written for a dataset, and
 * the finishing steps inside the import's transaction.  Not installed,
 * not used outside common/import*.c.
 */
#ifndef MCP_IMPORT_INTERNAL_H
#define MCP_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp/colstats.h"
#include "mcp/db.h"
#include "mcp/import.h"

/* registered SQLite files are attached under this name while read */
#define IMPORT_SOURCE_ALIAS "mcpd_source"

/* declared column type of each enum import_type */
extern const char *const import_type_names[];

struct import_column {
	char *name;
	char *source_name;
	enum import_type type;
	struct colstats stats;  /* CSV only: the profile, gathered in pass 1 */
};

void import_columns_free(struct import_column *cols, size_t n);

/* a note or warning for the report, printf-style */
void import_report_add(char ***list, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

double import_now(void);

/*
 * Progress on stderr, for a person at a terminal (opt->progress): a line
 * rewritten at most five times a second, ended when done.  The CSV
 * importer counts bytes of a file of `total` bytes; the SQLite one rows
 * of `total` rows.
 */
struct import_progress {
	bool on;
	const char *phase;
	double start;
	double last;
	uint64_t total;         /* 0 when unknown */
};

void import_progress_start(struct import_progress *p, bool on,
			   const char *phase, uint64_t total);
void import_progress_bytes(struct import_progress *p, int64_t rows,
			   uint64_t bytes, bool done);
void import_progress_rows(struct import_progress *p, int64_t rows, bool done);

/* the NA markers and blanks a typed column stored as NULL, as JSON
 * {"NA": 12, " ": 3}, or NULL when none; free() it */
struct ti_column;
char *import_null_tokens_json(const struct ti_column *t);

/*
 * Create the datasets row, or reuse the existing one when replacing (only
 * with opt->replace; else -EEXIST), and clear its dataset_columns.
 */
int import_dataset_row(struct db *db, const struct import_options *opt,
		       const char *kind, const char *path, const char *table,
		       const char *data_table, const char *import_json,
		       int64_t *ret_id, bool *ret_replaced, char **ret_err);
int import_store_columns(struct db *db, int64_t id,
			 const struct import_column *cols, size_t n,
			 char **ret_err);
/*
 * Weight, profile, search index and column cache, inside the transaction.
 * A CSV import brings its profile in cols, and its column cache written
 * while it inserted (`cache`, taken over; NULL: read the table back);
 * otherwise the rows are read through rows_ref.
 */
struct colcache_stream;
int import_finish_dataset(struct db *db, const struct import_options *opt,
			  int64_t id, const char *rows_ref,
			  const struct import_column *cols, size_t n,
			  int64_t rows, struct import_report *rep,
			  struct colcache_stream *cache, char **ret_err);

/*
 * A replaced dataset's column texts, weight and design (import-keep.c):
 * _snapshot copies its columns before they are cleared; _restore, after
 * the new ones are stored, puts back the descriptions of columns that
 * remain, removes a design whose columns are gone, warns in `rep` of
 * what is lost, and fails with -EINVAL when opt->same_columns and the
 * columns changed.  Nothing to do for a new dataset.
 */
int import_keep_snapshot(struct db *db, int64_t id, char **ret_err);
int import_keep_restore(struct db *db, const struct import_options *opt,
			int64_t id, struct import_report *rep, char **ret_err);

/* the column cache, rebuilt after a change of rows; a failure warns */
void import_colcache(struct db *db, int64_t id);

/*
 * dataset add --append (import-append.c): the file's columns must be the
 * dataset's, in order, with types that fit (else -EINVAL naming each
 * difference); the dataset's id and its rows' table (caller frees) are
 * returned.  _finish re-profiles the dataset after the rows went in and
 * records the appended file, inside the caller's transaction.
 */
int import_append_check(struct db *db, const struct import_options *opt,
			const struct import_column *cols, size_t n,
			int64_t *ret_id, char **ret_table, char **ret_err);
int import_append_finish(struct db *db, int64_t id, const char *table,
			 const char *path, int64_t rows, char **ret_err);

#endif
