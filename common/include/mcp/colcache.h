/*
 * colcache: a dataset's columns as typed contiguous arrays, in a sidecar
 * file next to the catalog (CATALOG.cols/ID.mcol), so that weighted
 * statistics run as C loops instead of SQL per row (common/wkernel.c).
 *
 * mcpctl writes the file at import and refresh, from inside the import's
 * transaction (colcache_build); mcpd's query workers, which open the
 * catalog read-only, map the parts of it a call needs with mmap, read-only
 * (colcache_open and the accessors).  The file names the dataset's id,
 * version and data table: any change to the dataset bumps its version,
 * after which the file is ignored until the next import or refresh.
 * docs/column-cache.md describes the format and the reasons for it.
 */
#ifndef MCP_COLCACHE_H
#define MCP_COLCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp/db.h"

struct dataset_info;

enum colcache_kind {
	COLCACHE_NONE = 0,      /* not cached: mixed types, blobs, too many
				 * distinct strings; callers use SQL */
	COLCACHE_INT64 = 1,     /* int64_t per row */
	COLCACHE_DOUBLE = 2,    /* double per row */
	COLCACHE_TEXT = 3,      /* uint32_t code per row into a dictionary */
};

/* the column's declared type has TEXT affinity (compares as text) */
#define COLCACHE_TEXT_AFFINITY 1u
/* a DOUBLE column that also held integers (1 and 1.0 group together) */
#define COLCACHE_MIXED 2u

/*
 * Write the cache of dataset `id` from the catalog connection `db` (inside
 * the import's transaction is fine: it reads what the transaction wrote).
 * Datasets whose rows stay in a registered file get no cache (and lose an
 * old one).  0, or a negative errno with *ret_err set.
 */
int colcache_build(struct db *db, int64_t id, char **ret_err);

/*
 * The same file, written while an import inserts the rows instead of
 * read back from the table afterwards (import-csv.c).  The caller names
 * each column's declared type and the number of rows it will insert, then
 * hands over each value as it binds it, and colcache_stream_row() after
 * each row.  A value the table would not hold as given (text in a numeric
 * column, a real in an INTEGER one) or a row count other than declared
 * turns the stream off: colcache_stream_finish() then returns -EAGAIN,
 * writes nothing, and the caller uses colcache_build().  finish() and
 * destroy() free the stream; destroy() (NULL is fine) leaves no file.
 */
struct colcache_stream;

int colcache_stream_create(struct db *db, int64_t id, const char *table,
			   int64_t rows, size_t n, const char *const *names,
			   const char *const *decls,
			   struct colcache_stream **ret);
void colcache_stream_null(struct colcache_stream *s, size_t col);
void colcache_stream_int(struct colcache_stream *s, size_t col, int64_t v);
void colcache_stream_double(struct colcache_stream *s, size_t col, double v);
void colcache_stream_text(struct colcache_stream *s, size_t col,
			  const char *v, size_t len);
void colcache_stream_row(struct colcache_stream *s);
/* inside the import's transaction, after the last change to its row */
int colcache_stream_finish(struct db *db, struct colcache_stream *s,
			   char **ret_err);
void colcache_stream_destroy(struct colcache_stream *s);

/* the file's path for dataset `id` of the catalog at `catalog_path` */
char *colcache_path(const char *catalog_path, int64_t id);

struct colcache;

/*
 * Open the cache of `ds`: -ENOENT when there is none or it is stale (its
 * version, rows or table differ from `ds`), another negative errno when it
 * is damaged.  Nothing is mapped yet.
 */
int colcache_open(const char *catalog_path, const struct dataset_info *ds,
		  struct colcache **ret);
void colcache_close(struct colcache *c);

int64_t colcache_rows(const struct colcache *c);
/* the index of the column named `name` (ASCII case ignored), or -1 */
int colcache_find(const struct colcache *c, const char *name);
enum colcache_kind colcache_kind(const struct colcache *c, int col);
unsigned colcache_flags(const struct colcache *c, int col);
/* the declared type, as sqlite3_column_decltype() gives it ("" if none) */
const char *colcache_decltype(const struct colcache *c, int col);

/*
 * Map the column's values (int64_t, double or uint32_t codes by kind) and
 * its null bitmap (bit i of byte i / 8 set: row i is NULL; NULL when the
 * column has no NULL).  0 or a negative errno.
 */
int colcache_map(struct colcache *c, int col, const void **ret_values,
		 const uint8_t **ret_nulls);
/* unmap what colcache_map() mapped, before colcache_close() */
void colcache_unmap(struct colcache *c, int col);
/* unmap the values and nulls only: the dictionary stays readable */
void colcache_unmap_values(struct colcache *c, int col);
int colcache_ncols(const struct colcache *c);

/* a TEXT column's dictionary: number of strings, and string `code` */
uint32_t colcache_dict_count(struct colcache *c, int col);
const char *colcache_dict_str(struct colcache *c, int col, uint32_t code,
			      size_t *ret_len);

static inline bool colcache_is_null(const uint8_t *nulls, int64_t i)
{
	return nulls && (nulls[i >> 3] >> (i & 7)) & 1;
}

#endif
