/*
 * render: query results as text for a model (markdown, CSV or JSON).
 *
 * Cell text comes from datasets and is untrusted: whatever it contains
 * (pipes, newlines, backticks, HTML-ish tags, invalid UTF-8, text that
 * imitates a JSON-RPC message), the rendered table keeps its shape and the
 * message stays well-formed.  Every function appends to a caller-owned
 * struct buf and returns 0 or -E2BIG when the buffer's ceiling is hit (the
 * buffer is then left with a partial append; render into a scratch buffer
 * first when that matters).
 *
 * A row is an array of struct render_cell, read once per cell from a
 * statement (render_cell_read) and rendered twice: as the text a model
 * reads (render_cells) and as a JSON array for structuredContent
 * (render_cells_json), with no tree in between.  Rows kept as cJSON arrays
 * (numbers, strings, null, or raw numbers: cJSON_Raw text as
 * render_value() makes it, integers past 2^53 kept exact) go through
 * render_row(), which reads them into cells.
 */
#ifndef MCP_RENDER_H
#define MCP_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/query.h"

/* a blob shows this many bytes in hex, then its length */
#define RENDER_BLOB_SHOWN 32

enum render_kind {
	RENDER_NULL,
	RENDER_INT,     /* an integer, or a real that is a whole number */
	RENDER_REAL,
	RENDER_TEXT,    /* text, or a blob shown as x'...' */
};

/* one cell of a row */
struct render_cell {
	enum render_kind kind;
	double real;            /* INT and REAL: the value */
	const char *text;       /* INT: its digits; TEXT: valid UTF-8, no NUL;
				 * REAL: its exact JSON text, or NULL */
	size_t len;             /* bytes of text */
	char *owned;            /* what text points to, when it was made */
	char digits[24];
};

/*
 * Column `i` of the statement's current row.  A TEXT cell points into
 * SQLite's copy (valid until the next step) unless it had to be made valid
 * UTF-8; render_cell_clear() frees what was made.
 */
void render_cell_read(struct render_cell *c, sqlite3_stmt *st, int i);
/* `item` of a cJSON row (see above); points into it */
void render_cell_of_json(struct render_cell *c, const cJSON *item);
void render_cell_clear(struct render_cell *c);
/* a cell as a new cJSON item: numbers as raw text (caller owns it) */
cJSON *render_cell_json(const struct render_cell *c);

/* column `i` of the current row as a new cJSON item (caller owns it) */
cJSON *render_value(sqlite3_stmt *st, int i);

/* a number as render_value() gives a REAL column: null unless finite */
cJSON *render_double(double d);

/* `len` bytes as valid UTF-8 (bad bytes become U+FFFD); caller frees */
char *render_utf8_clean(const char *s, size_t len);

/* one markdown table cell: no '|', newline or markup survives unescaped */
int render_md_cell(struct buf *b, const char *s);
/* `s` as an inline code span: catalog names (column headers come from
 * files) can never end the span or the line and inject text */
int render_md_code(struct buf *b, const char *s);
/* one RFC 4180 field, quoted when needed */
int render_csv_field(struct buf *b, const char *s);
/* one JSON string literal with quotes; U+2028 and U+2029 escaped */
int render_json_string(struct buf *b, const char *s);
/* the same for `len` bytes of valid UTF-8 */
int render_json_string_n(struct buf *b, const char *s, size_t len);

/* the header; `names` is a cJSON array of strings */
int render_header(struct buf *b, enum query_format f, const cJSON *names);
/*
 * One row; `index` is its 0-based position (JSON separates rows by it).
 * `opts` (NULL: QUERY_OPTS_INIT) sets the digits of reals and the cut of
 * long text in markdown and CSV; JSON shows every digit.
 */
int render_row(struct buf *b, enum query_format f, const cJSON *names,
	       const cJSON *row, int64_t index, const struct query_opts *opts);
/*
 * The same from cells, with `names` the column names (for JSON).  It may
 * leave part of the row in `b` when the ceiling is hit (-E2BIG).
 */
int render_cells(struct buf *b, enum query_format f,
		 const char *const *names, const struct render_cell *cells,
		 int n, int64_t index, const struct query_opts *opts);
/* one row as a JSON array: every digit and character, as JSON */
int render_cells_json(struct buf *b, const struct render_cell *cells,
		      int n);
/* what closes the table once `nrows` rows were rendered */
int render_footer(struct buf *b, enum query_format f, int64_t nrows);

/* a raw JSON item that takes `json` (malloc'd, valid JSON) as it is */
cJSON *render_raw_take(char *json);

#endif
