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
 * Rows are cJSON arrays whose items are numbers, strings, null, or raw
 * numbers (cJSON_Raw, integers past 2^53 kept exact); render_value()
 * makes them from a statement column.
 */
#ifndef MCP_RENDER_H
#define MCP_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/query.h"

/* column `i` of the current row as a new cJSON item (caller owns it) */
/* a blob shows this many bytes in hex, then its length */
#define RENDER_BLOB_SHOWN 32

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

/* the header; `names` is a cJSON array of strings */
int render_header(struct buf *b, enum query_format f, const cJSON *names);
/*
 * One row; `index` is its 0-based position (JSON separates rows by it).
 * `opts` (NULL: QUERY_OPTS_INIT) sets the digits of reals and the cut of
 * long text in markdown and CSV; JSON shows every digit.
 */
int render_row(struct buf *b, enum query_format f, const cJSON *names,
	       const cJSON *row, int64_t index, const struct query_opts *opts);
/* what closes the table once `nrows` rows were rendered */
int render_footer(struct buf *b, enum query_format f, int64_t nrows);

#endif
