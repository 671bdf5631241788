/*
 * query: running untrusted SQL over datasets, behind the guard.
 *
 * A struct qpool owns a bounded set of read-only connections to one
 * catalog.  Every connection is opened SQLITE_OPEN_READONLY, in defensive
 * mode, with extension loading off, tight sqlite3_limit()s, the weighting
 * functions of wstats.h registered, one TEMP VIEW per enabled dataset named
 * after the dataset (so client SQL says "FROM survey"), and an authorizer
 * that lets it read exactly those datasets and nothing else (see guard.h).
 *
 * qpool_acquire() hands out a connection that is in step with the catalog:
 * when the catalog generation moved since the connection last looked, its
 * views are rebuilt first.  Connections go back with qpool_release().
 * All qpool functions are thread-safe.
 *
 * query_run() prepares exactly one statement (trailing statements are
 * refused), steps it under the limits and the cancel flag, and fills a
 * struct query_result.  Rows past max_rows are never materialized: the
 * statement is stepped once more only to learn that there is more.
 */
#ifndef MCP_QUERY_H
#define MCP_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/cancel.h"
#include "mcp/db.h"

/*
 * Call once at program start, before anything opens an SQLite database:
 * turns off SQLite's global memory statistics, whose mutex otherwise
 * serializes queries running in parallel.  Harmless when called late.
 */
void query_library_init(void);

struct query_limits {
	int64_t timeout_ms;     /* wall clock for one statement */
	int64_t max_rows;       /* rows returned at most */
	int64_t max_bytes;      /* bytes of rendered output at most */
	int64_t memory_mb;      /* memory of one query worker at most */
};

/* defaults from system_config (built-in defaults when a key is missing) */
void query_limits_load(struct db *catalog, struct query_limits *ret);

/*
 * How a result reads.  The text a model reads (markdown, CSV) shows reals
 * at `digits` significant digits and cuts long text cells; the JSON
 * format and structuredContent always keep every digit and character.
 */
struct query_opts {
	int digits;             /* 0 or >= 17: exact (see numfmt.h) */
	int cell_chars;         /* markdown text cells cut past it; 0: never */
	bool se_pairs;          /* estimate, se, ci_* at the SE's precision */
	int64_t page_rows;      /* > 0: max_rows is this default page */
	int64_t row_cap;        /* with page_rows: the server's row limit */
	/*
	 * structuredContent's "rows" as a cJSON tree of cells (render.h),
	 * for callers that read them; otherwise they are one raw JSON text,
	 * written as the rows were read, which is all a client needs.
	 */
	bool rows_tree;
};
#define QUERY_DEFAULT_DIGITS 7
#define QUERY_DEFAULT_CELL_CHARS 200
#define QUERY_DEFAULT_PAGE_ROWS 100
#define QUERY_OPTS_INIT { QUERY_DEFAULT_DIGITS, QUERY_DEFAULT_CELL_CHARS, \
			  false, 0, 0, false }
/* display_digits from system_config, on top of QUERY_OPTS_INIT */
void query_opts_load(struct db *catalog, struct query_opts *ret);
/* page_rows from system_config: the rows a query shows unless asked */
int64_t query_page_rows(struct db *catalog);

enum query_format {
	QUERY_FORMAT_MARKDOWN,
	QUERY_FORMAT_CSV,
	QUERY_FORMAT_JSON,
};
/* "markdown", "csv", "json"; -EINVAL otherwise */
int query_format_parse(const char *s, enum query_format *ret);

enum query_status {
	QUERY_OK,
	QUERY_ERROR,            /* SQL error: text has SQLite's message + hint */
	QUERY_DENIED,           /* the guard refused: text says what and why */
	QUERY_TIMEOUT,          /* timeout_ms reached */
	QUERY_CANCELLED,        /* the cancel flag was raised */
};
/* "ok", "error", "denied", "timeout", "cancelled" (query_logs.status) */
const char *query_status_name(enum query_status s);

struct query_result {
	enum query_status status;
	/*
	 * The answer for the model: a table in the requested format, then a
	 * plain note when a limit cut it; or, unless QUERY_OK, the message.
	 */
	struct buf text;
	/* {columns:[{name,type}], rows:[[...]], row_count, truncated}; NULL
	 * unless QUERY_OK.  Owned by the result. */
	cJSON *structured;
	int64_t row_count;      /* rows returned */
	bool truncated;         /* max_rows or max_bytes cut the answer */
	char *datasets;         /* comma-separated datasets the SQL read */
};

void query_result_init(struct query_result *r);
void query_result_finish(struct query_result *r);

struct qpool;
struct qconn;

int qpool_create(const char *catalog_path, int size, struct qpool **ret_pool,
		 char **ret_err);
void qpool_destroy(struct qpool *pool);
/* blocks until a connection is free; NULL only if the catalog is gone */
struct qconn *qpool_acquire(struct qpool *pool);
/* the catalog generation the connection's views were last synced to */
int64_t qconn_generation(const struct qconn *conn);
void qpool_release(struct qpool *pool, struct qconn *conn);
/* sqlite3_interrupt() every open connection (from any thread) */
void qpool_interrupt_all(struct qpool *pool);
/*
 * The raw handle.  Statements prepared on it pass the guard like client
 * SQL (they may read datasets only); the catalog's own tables are read
 * through struct db instead.
 */
sqlite3 *qconn_sqlite(struct qconn *conn);

/* rows in structuredContent as a tree (rows_tree), other opts default */
int query_run(struct qconn *conn, const char *sql,
	      const struct query_limits *limits, enum query_format format,
	      const struct cancel *cancel, struct query_result *ret);
/* query_run() read as `opts` says (NULL: QUERY_OPTS_INIT) */
int query_run_opts(struct qconn *conn, const char *sql,
		   const struct query_limits *limits, enum query_format format,
		   const struct query_opts *opts, const struct cancel *cancel,
		   struct query_result *ret);

/*
 * Check that `expr` is one SQL expression the guard allows over `dataset`
 * (a WHERE filter from a client).  Returns 0, or -EINVAL with *ret_err
 * (caller frees) saying why.
 */
int query_check_expr(struct qconn *conn, const char *dataset,
		     const char *expr, char **ret_err);

#endif
