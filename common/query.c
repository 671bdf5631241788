/*
 * query: running one client statement under the guard and the limits,
 * and the small query.h helpers (limits, formats, results).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/guard.h"
#include "mcp/ident.h"
#include "mcp/log.h"
#include "mcp/query.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "query-internal.h"
#include "mcp/banned.h"

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_MAX_ROWS 1000
#define DEFAULT_MAX_BYTES 65536
#define DEFAULT_MEMORY_MB 512
/* below this a worker cannot even open the catalog */
#define MIN_MEMORY_MB 64

/* after a cut, count the rows left for at most this long */
#define COUNT_MS 200
#define COUNT_ROWS 1000000
/* a column name (an expression's text by default) is cut past this */
#define NAME_MAX_BYTES 200

void query_library_init(void)
{
	/* fails with SQLITE_MISUSE once SQLite is initialized: then too late */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
		log_debug("sqlite memory statistics stay on (already "
			  "initialized)");
	}
}

void query_limits_load(struct db *catalog, struct query_limits *ret)
{
	ret->timeout_ms = db_config_get_int(catalog, "query_timeout_ms",
					    DEFAULT_TIMEOUT_MS);
	ret->max_rows = db_config_get_int(catalog, "max_rows",
					  DEFAULT_MAX_ROWS);
	ret->max_bytes = db_config_get_int(catalog, "max_response_bytes",
					   DEFAULT_MAX_BYTES);
	ret->memory_mb = db_config_get_int(catalog, "query_memory_mb",
					   DEFAULT_MEMORY_MB);
	if (ret->memory_mb < MIN_MEMORY_MB) {
		ret->memory_mb = MIN_MEMORY_MB;
	}
	if (ret->timeout_ms <= 0) {
		ret->timeout_ms = DEFAULT_TIMEOUT_MS;
	}
	if (ret->max_rows <= 0) {
		ret->max_rows = DEFAULT_MAX_ROWS;
	}
	if (ret->max_bytes <= 0) {
		ret->max_bytes = DEFAULT_MAX_BYTES;
	}
}

void query_opts_load(struct db *catalog, struct query_opts *ret)
{
	int64_t d = db_config_get_int(catalog, "display_digits",
				      QUERY_DEFAULT_DIGITS);

	*ret = (struct query_opts)QUERY_OPTS_INIT;
	/* below 1 nothing is readable; 17 is every digit a double has */
	ret->digits = d < 1 ? 1 : d > 17 ? 17 : (int)d;
}

int64_t query_page_rows(struct db *catalog)
{
	int64_t n = db_config_get_int(catalog, "page_rows",
				      QUERY_DEFAULT_PAGE_ROWS);

	return n > 0 ? n : QUERY_DEFAULT_PAGE_ROWS;
}

int query_format_parse(const char *s, enum query_format *ret)
{
	if (!s) {
		return -EINVAL;
	}
	if (strcmp(s, "markdown") == 0) {
		*ret = QUERY_FORMAT_MARKDOWN;
	} else if (strcmp(s, "csv") == 0) {
		*ret = QUERY_FORMAT_CSV;
	} else if (strcmp(s, "json") == 0) {
		*ret = QUERY_FORMAT_JSON;
	} else {
		return -EINVAL;
	}
	return 0;
}

const char *query_status_name(enum query_status s)
{
	switch (s) {
	case QUERY_OK:
		return "ok";
	case QUERY_ERROR:
		return "error";
	case QUERY_DENIED:
		return "denied";
	case QUERY_TIMEOUT:
		return "timeout";
	case QUERY_CANCELLED:
		return "cancelled";
	}
	return "error";
}

void query_result_init(struct query_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text, 0);
}

void query_result_finish(struct query_result *r)
{
	if (!r) {
		return;
	}
	buf_release(&r->text);
	cJSON_Delete(r->structured);
	r->structured = NULL;
	free(r->datasets);
	r->datasets = NULL;
}

/* ---- running client SQL ---- */

static const char *type_name(int t)
{
	switch (t) {
	case SQLITE_INTEGER:
		return "INTEGER";
	case SQLITE_FLOAT:
		return "REAL";
	case SQLITE_TEXT:
		return "TEXT";
	case SQLITE_BLOB:
		return "BLOB";
	default:
		return NULL;
	}
}

/* a column name for the header: valid UTF-8, at most NAME_MAX_BYTES */
static char *column_name(const char *n)
{
	size_t len = n ? strlen(n) : 0;
	char *clean, *cut;

	if (!n) {
		return xstrdup("?");
	}
	if (len <= NAME_MAX_BYTES) {
		return render_utf8_clean(n, len);
	}
	/* cut on a character boundary, then mark the cut */
	len = NAME_MAX_BYTES;
	while (len > 0 && ((unsigned char)n[len] & 0xc0) == 0x80) {
		len--;
	}
	clean = render_utf8_clean(n, len);
	cut = xasprintf("%s...", clean);
	free(clean);
	return cut;
}

static void fail_text(struct query_result *r, enum query_status s,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail_text(struct query_result *r, enum query_status s,
		      const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	buf_reset(&r->text);
	va_start(ap, fmt);
	buf_vaddf(&r->text, fmt, ap);
	va_end(ap);
}

/*
 * SQLite's message plus what helps the next statement (sqlhint.h):
 * `offset` is where SQLite points in `sql`, or -1.
 */
static void error_with_hint(struct qconn *c, struct query_result *r,
			    const char *msg, const char *sql, int offset)
{
	const char *dot;
	char *m;

	/*
	 * "no such table: main.x" says the same as "no such table: x", and
	 * hidden names are answered without the schema (hidden_answer)
	 */
	if (strncmp(msg, "no such table: ", 15) == 0 &&
	    (dot = strchr(msg + 15, '.'))) {
		m = xasprintf("no such table: %s", dot + 1);
	} else {
		m = xstrdup(msg);
	}
	fail_text(r, QUERY_ERROR, "SQL error: %s\n", m);
	sql_hint_explain(&c->hint, sql, m, offset, &r->text);
	free(m);
}

/*
 * A statement that writes is refused by its first word, before SQLite
 * can answer in its own terms ("cannot modify x because it is a view"),
 * and before a name in it is looked up.
 */
static const char *write_verb(const char *sql)
{
	static const char *const verbs[] = {
		"INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "CREATE",
		"DROP", "ALTER", "TRUNCATE", "MERGE",
	};
	const char *p = sql;

	/* blanks and comments first, as the guard skips them */
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		       *p == '(') {
			p++;
		}
		if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			p = end ? end + 2 : p + strlen(p);
		} else {
			break;
		}
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		size_t n = strlen(verbs[i]);

		if (strncasecmp(p, verbs[i], n) == 0 &&
		    !(isalnum((unsigned char)p[n]) || p[n] == '_')) {
			return verbs[i];
		}
	}
	return NULL;
}

#define READ_ONLY "(datasets are read-only)"

/*
 * SQL that names a table no dataset exposes gets the answer of a table
 * that does not exist (see hidden.h); true when it did.
 */
static bool hidden_answer(struct qconn *c, const char *sql,
			  struct query_result *r)
{
	char *name = hidden_name_in_sql(&c->hidden, sql);
	char *msg;

	if (!name) {
		return false;
	}
	msg = xasprintf("no such table: %s", name);
	error_with_hint(c, r, msg, sql, -1);
	/* the log still tells the admin what happened */
	r->status = QUERY_DENIED;
	free(msg);
	free(name);
	return true;
}

/* where SQLite points in the statement, when it can tell */
static int error_offset(sqlite3 *db)
{
#if SQLITE_VERSION_NUMBER >= 3038000
	return sqlite3_error_offset(db);
#else
	(void)db;
	return -1;
#endif
}

static void stopped(struct qconn *c, const struct query_limits *limits,
		    struct query_result *r)
{
	if (c->stop == QUERY_CANCELLED) {
		fail_text(r, QUERY_CANCELLED, "the query was cancelled\n");
	} else {
		fail_text(r, QUERY_TIMEOUT,
			  "stopped: the query passed the time limit of %lld "
			  "ms. Narrow it with WHERE, aggregate with GROUP BY, "
			  "or add a LIMIT.\n",
			  (long long)limits->timeout_ms);
	}
}

/*
 * After a cut: how many rows the statement has in all, stepping (without
 * reading columns) for a short while.  Returns -1 if it could not finish.
 */
static int64_t count_rest(struct qconn *c, sqlite3_stmt *st, int64_t seen)
{
	struct timespec saved = c->deadline;
	bool saved_has = c->has_deadline;
	int64_t n = seen;
	int rc = SQLITE_ROW;

	qconn_set_deadline(c, COUNT_MS);
	if (saved_has && (saved.tv_sec < c->deadline.tv_sec ||
			  (saved.tv_sec == c->deadline.tv_sec &&
			   saved.tv_nsec < c->deadline.tv_nsec))) {
		c->deadline = saved;
	}
	while (n - seen < COUNT_ROWS && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
	}
	c->deadline = saved;
	c->has_deadline = saved_has;
	c->stop = QUERY_OK;
	return rc == SQLITE_DONE ? n : -1;
}

/* the bytes `item` takes when cJSON prints it unformatted */
static size_t json_len(const cJSON *item)
{
	size_t n = 0;

	if (cJSON_IsRaw(item)) {
		return strlen(item->valuestring);
	}
	if (cJSON_IsString(item)) {
		n = 2;
		for (const unsigned char *p =
			     (const unsigned char *)item->valuestring;
		     *p; p++) {
			n += *p == '"' || *p == '\\' || *p == '\n' ||
					     *p == '\r' || *p == '\t' ||
					     *p == '\b' || *p == '\f'
				     ? 2
			     : *p < 0x20 ? 6
					 : 1;
		}
		return n;
	}
	if (cJSON_IsArray(item) || cJSON_IsObject(item)) {
		n = 2;
		for (const cJSON *c = item->child; c; c = c->next) {
			n += json_len(c) + (c->next ? 1 : 0);
			if (c->string) {
				n += strlen(c->string) + 3;
			}
		}
		return n;
	}
	return 5;      /* null, true, false */
}

/* what a cell will take once rendered, before it is */
static size_t cell_estimate(const struct render_cell *c)
{
	return c->kind == RENDER_TEXT ? c->len + 4 : 24;
}

static void memory_stop(struct query_result *r,
			const struct query_limits *limits)
{
	fail_text(r, QUERY_ERROR,
		  "stopped: the query passed the memory limit of %lld MB. "
		  "Aggregate, select fewer or shorter values, or add a "
		  "LIMIT.\n", (long long)limits->memory_mb);
}

int query_run(struct qconn *conn, const char *sql,
	      const struct query_limits *limits, enum query_format format,
	      const struct cancel *cancel, struct query_result *ret)
{
	struct query_opts opts = QUERY_OPTS_INIT;

	opts.rows_tree = true;
	return query_run_opts(conn, sql, limits, format, &opts, cancel, ret);
}

/* the note under a cut answer: what was shown and how to get the rest */
static void cut_note(struct buf *b, const struct query_limits *limits,
		     const struct query_opts *opts, bool cut_rows,
		     int64_t nrows, int64_t total)
{
	buf_addf(b, "\nNote: only the first %lld rows are shown",
		 (long long)nrows);
	if (total >= 0) {
		buf_addf(b, " of %lld", (long long)total);
	} else {
		buf_addstr(b, "; the result has more");
	}
	if (cut_rows && opts->page_rows > 0) {
		buf_addf(b, " (a page is %lld rows; max_rows asks for up to "
			 "%lld). Page on with LIMIT %lld OFFSET %lld, or "
			 "aggregate with GROUP BY.\n",
			 (long long)opts->page_rows,
			 (long long)opts->row_cap,
			 (long long)nrows, (long long)nrows);
		return;
	}
	if (cut_rows) {
		buf_addf(b, " (the row limit is %lld)",
			 (long long)limits->max_rows);
	} else {
		buf_addf(b, " (the response limit is %lld bytes)",
			 (long long)limits->max_bytes);
	}
	buf_addf(b, ". Aggregate with GROUP BY, select fewer columns, or "
		 "page with LIMIT %lld OFFSET %lld.\n", (long long)nrows,
		 (long long)nrows);
}

int query_run_opts(struct qconn *conn, const char *sql,
		   const struct query_limits *limits, enum query_format format,
		   const struct query_opts *opts, const struct cancel *cancel,
		   struct query_result *ret)
{
	static const struct query_opts default_opts = QUERY_OPTS_INIT;
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	const char *why = NULL, *verb;
	cJSON *names = NULL, *columns = NULL, *tree = NULL;
	const char **nm = NULL;
	char **types = NULL;
	struct render_cell *cells = NULL;
	struct buf rows = BUF_INIT;
	bool cut_rows = false, cut_bytes = false;
	int64_t nrows = 0, total = -1;
	size_t budget, struct_bytes, row_estimate;
	int rc, ncols = 0;

	if (!opts) {
		opts = &default_opts;
	}
	query_result_init(ret);
	conn->stop = QUERY_OK;
	conn->cancel = cancel;
	conn->has_deadline = false;
	guard_begin(conn->guard);
	if (!sql) {
		fail_text(ret, QUERY_ERROR, "no SQL given\n");
		goto out;
	}
	if ((verb = write_verb(sql))) {
		fail_text(ret, QUERY_DENIED, "not allowed: %s changes data "
			  READ_ONLY "; send one SELECT\n", verb);
		goto out;
	}
	if (hidden_answer(conn, sql, ret)) {
		goto out;
	}
	rc = sqlite3_prepare_v3(conn->db, sql, -1, 0, &st, &tail);
	if (guard_denial(conn->guard)) {
		fail_text(ret, QUERY_DENIED, "not allowed: %s\n",
			  guard_denial(conn->guard));
		goto out;
	}
	if ((rc & 0xff) == SQLITE_NOMEM) {
		memory_stop(ret, limits);
		goto out;
	}
	if ((rc & 0xff) == SQLITE_INTERRUPT) {
		stopped(conn, limits, ret);
		goto out;
	}
	if (rc != SQLITE_OK) {
		const char *msg = sqlite3_errmsg(conn->db);

		/* a write through a view (WITH ... DELETE) fails here */
		if (strncmp(msg, "cannot modify ", 14) == 0) {
			fail_text(ret, QUERY_DENIED, "not allowed: the "
				  "statement changes data " READ_ONLY
				  "; send one SELECT\n");
			goto out;
		}
		error_with_hint(conn, ret, msg, sql, error_offset(conn->db));
		goto out;
	}
	if (!st) {
		fail_text(ret, QUERY_ERROR, "the SQL is empty: send one SELECT "
			  "statement\n");
		goto out;
	}
	if (!guard_tail_empty(tail)) {
		fail_text(ret, QUERY_DENIED,
			  "not allowed: only one statement per call; send "
			  "the statements after the first ';' in separate "
			  "calls (or use query_many)\n");
		goto out;
	}
	if (guard_statement_check(sql, &why) < 0 ||
	    !sqlite3_stmt_readonly(st)) {
		fail_text(ret, QUERY_DENIED, "not allowed: %s\n",
			  why ? why : "the statement is not read-only");
		goto out;
	}
	ret->datasets = guard_datasets(conn->guard);

	ncols = sqlite3_column_count(st);
	names = cJSON_CreateArray();
	nm = xcalloc(ncols > 0 ? (size_t)ncols : 1, sizeof(*nm));
	types = xcalloc(ncols > 0 ? (size_t)ncols : 1, sizeof(*types));
	cells = xcalloc(ncols > 0 ? (size_t)ncols : 1, sizeof(*cells));
	for (int i = 0; i < ncols; i++) {
		char *clean = column_name(sqlite3_column_name(st, i));
		const char *t = sqlite3_column_decltype(st, i);

		cJSON_AddItemToArray(names, cJSON_CreateString(clean));
		free(clean);
		nm[i] = cJSON_GetArrayItem(names, i)->valuestring;
		types[i] = t ? xstrdup(t) : NULL;
	}
	render_header(&ret->text, format, names);
	/*
	 * One budget for the whole answer: the text and structuredContent
	 * together, less room for the footer and the note about a cut.
	 */
	budget = limits->max_bytes > 512 ? (size_t)limits->max_bytes - 512
					 : 0;
	/* the columns' names and (declared or not) types */
	struct_bytes = json_len(names) + 64;
	for (int i = 0; i < ncols; i++) {
		struct_bytes += (types[i] ? strlen(types[i]) + 2 : 5) + 1;
	}
	if (ret->text.len + struct_bytes > budget) {
		fail_text(ret, QUERY_ERROR,
			  "the column names alone pass the response limit of "
			  "%lld bytes; select fewer columns or give them "
			  "shorter names\n", (long long)limits->max_bytes);
		goto out;
	}
	buf_addch(&rows, '[');
	if (opts->rows_tree) {
		tree = cJSON_CreateArray();
	}

	qconn_set_deadline(conn, limits->timeout_ms);
	temp_quota_enter(&conn->temp);
	for (;;) {
		size_t text_mark, rows_mark;

		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			break;
		}
		if (rc != SQLITE_ROW) {
			if (conn->stop != QUERY_OK) {
				stopped(conn, limits, ret);
			} else if ((rc & 0xff) == SQLITE_NOMEM) {
				memory_stop(ret, limits);
			} else if ((rc & 0xff) == SQLITE_INTERRUPT) {
				conn->stop = QUERY_TIMEOUT;
				stopped(conn, limits, ret);
			} else if ((rc & 0xff) == SQLITE_FULL) {
				fail_text(ret, QUERY_ERROR,
					  "the query needed more than %lld MB "
					  "of temporary storage (for sorting, "
					  "DISTINCT, UNION or a recursive CTE) "
					  "and was stopped; narrow it with "
					  "WHERE, aggregate, or add a LIMIT "
					  "(an admin can raise the cap: "
					  "query_temp_mb)\n",
					  (long long)(conn->temp.limit >> 20));
			} else {
				error_with_hint(conn, ret,
						sqlite3_errmsg(conn->db), sql,
						-1);
			}
			goto out;
		}
		if (nrows >= limits->max_rows) {
			cut_rows = true;
			break;
		}
		/*
		 * Both copies of the row must fit: checked before rendering.
		 * Reading a cell copies nothing but text that had to be made
		 * valid UTF-8 (SQLite's length limit bounds it).
		 */
		row_estimate = 0;
		for (int i = 0; i < ncols; i++) {
			render_cell_read(&cells[i], st, i);
			row_estimate += cell_estimate(&cells[i]);
		}
		if (ret->text.len + rows.len + struct_bytes +
			    2 * row_estimate > budget) {
			for (int i = 0; i < ncols; i++) {
				render_cell_clear(&cells[i]);
			}
			cut_bytes = true;
			break;
		}
		for (int i = 0; i < ncols; i++) {
			const char *tn;

			if (!types[i] &&
			    (tn = type_name(sqlite3_column_type(st, i)))) {
				/* no declared type: the first value's */
				types[i] = xstrdup(tn);
			}
		}
		/*
		 * Rendered in place, once as text and once as JSON, and taken
		 * back when the two no longer fit in the budget.
		 */
		text_mark = ret->text.len;
		rows_mark = rows.len;
		render_cells(&ret->text, format, nm, cells, ncols, nrows,
			     opts);
		if (nrows) {
			buf_addch(&rows, ',');
		}
		render_cells_json(&rows, cells, ncols);
		if (tree) {
			cJSON *row = cJSON_CreateArray();

			for (int i = 0; i < ncols; i++) {
				cJSON_AddItemToArray(row, render_cell_json(
								  &cells[i]));
			}
			cJSON_AddItemToArray(tree, row);
		}
		for (int i = 0; i < ncols; i++) {
			render_cell_clear(&cells[i]);
		}
		if (ret->text.len + rows.len + struct_bytes > budget) {
			ret->text.len = text_mark;
			ret->text.data[text_mark] = '\0';
			rows.len = rows_mark;
			rows.data[rows_mark] = '\0';
			if (tree) {
				cJSON_DeleteItemFromArray(tree, (int)nrows);
			}
			cut_bytes = true;
			break;
		}
		nrows++;
	}
	if (cut_rows || cut_bytes) {
		total = count_rest(conn, st, nrows + 1);
	}
	render_footer(&ret->text, format, nrows);
	if (cut_rows || cut_bytes) {
		cut_note(&ret->text, limits, opts, cut_rows, nrows, total);
	}
	buf_addch(&rows, ']');
	ret->status = QUERY_OK;
	ret->row_count = nrows;
	ret->truncated = cut_rows || cut_bytes;
	ret->structured = cJSON_CreateObject();
	columns = cJSON_AddArrayToObject(ret->structured, "columns");
	for (int i = 0; i < ncols; i++) {
		cJSON *col = cJSON_CreateObject();

		cJSON_AddStringToObject(col, "name", nm[i]);
		cJSON_AddStringToObject(col, "type",
					types[i] ? types[i] : "NULL");
		cJSON_AddItemToArray(columns, col);
	}
	/* the rows as the JSON text they already are, or as cells */
	if (tree) {
		cJSON_AddItemToObject(ret->structured, "rows", tree);
		tree = NULL;
	} else {
		cJSON_AddItemToObject(ret->structured, "rows",
				      render_raw_take(buf_detach(&rows,
								 NULL)));
	}
	cJSON_AddNumberToObject(ret->structured, "row_count", (double)nrows);
	cJSON_AddBoolToObject(ret->structured, "truncated", ret->truncated);
	if (total >= 0 && ret->truncated) {
		cJSON_AddNumberToObject(ret->structured, "total_rows",
					(double)total);
	}
out:
	conn->has_deadline = false;
	conn->cancel = NULL;
	sqlite3_finalize(st);
	temp_quota_leave();
	cJSON_Delete(names);
	cJSON_Delete(tree);
	for (int i = 0; i < ncols; i++) {
		free(types[i]);
	}
	free(types);
	free(nm);
	free(cells);
	buf_release(&rows);
	return ret->status == QUERY_OK ? 0 : -EINVAL;
}

int query_check_expr(struct qconn *conn, const char *dataset,
		     const char *expr, char **ret_err)
{
	const char *why = NULL;
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	struct buf sql = BUF_INIT;
	int rc, r = 0;

	if (ident_dataset_name_check(dataset, &why) < 0) {
		*ret_err = xasprintf("'%s' is not a dataset name: %s", dataset,
				     why);
		return -EINVAL;
	}
	if (guard_expr_check(expr, &why) < 0) {
		*ret_err = xasprintf("the filter is not one SQL expression: "
				     "%s", why);
		return -EINVAL;
	}
	buf_addstr(&sql, "SELECT 1 FROM ");
	ident_quote(&sql, dataset);
	buf_addf(&sql, " WHERE (%s)", expr);
	{
		char *hidden = hidden_name_in_sql(&conn->hidden, expr);

		if (hidden) {
			*ret_err = xasprintf("the filter is not valid SQL: no "
					     "such table: %s", hidden);
			free(hidden);
			buf_release(&sql);
			return -EINVAL;
		}
	}
	guard_begin(conn->guard);
	rc = sqlite3_prepare_v3(conn->db, buf_str(&sql), -1, 0, &st, &tail);
	if (guard_denial(conn->guard)) {
		*ret_err = xasprintf("not allowed: %s",
				     guard_denial(conn->guard));
		r = -EINVAL;
	} else if (rc != SQLITE_OK) {
		*ret_err = xasprintf("the filter is not valid SQL: %s",
				     sqlite3_errmsg(conn->db));
		r = -EINVAL;
	} else if (!st || !guard_tail_empty(tail)) {
		*ret_err = xstrdup("the filter is not one SQL expression");
		r = -EINVAL;
	}
	sqlite3_finalize(st);
	buf_release(&sql);
	return r;
}
