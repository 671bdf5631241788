/*
 * The SQL tools: query, sample_rows, search_datasets and query_many.
 * Client SQL only ever runs through query_run() on a guarded pool
 * connection; search_datasets reads the catalog's own full-text index
 * with SQL of ours.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcp/ident.h"
#include "mcp/render.h"
#include "mcp/utf8cut.h"
#include "mcp/xalloc.h"
#include "../servable.h"
#include "tool.h"
#include "weighted-labels.h"

#define SAMPLE_MAX 100
#define SAMPLE_DEFAULT 10
#define SEARCH_MAX 50
#define SEARCH_DEFAULT 10
#define SEARCH_TOKENS 16
#define MANY_MAX 8

/*
 * The format argument; without one *ret_default is set and run_sql()
 * uses the catalog's default_format.
 */
static bool arg_format(struct tool_call *call, enum query_format *ret,
		       bool *ret_default)
{
	const char *s = tool_arg_string(call, "format", false);

	if (call->is_error) {
		return false;
	}
	*ret = QUERY_FORMAT_MARKDOWN;
	*ret_default = s == NULL;
	if (s && query_format_parse(s, ret) < 0) {
		tool_error(call, "argument 'format' must be \"markdown\", "
			   "\"csv\" or \"json\"");
		return false;
	}
	return true;
}

/*
 * The catalog's default_format, else markdown.  Reading it is a statement
 * to prepare, a third of a trivial call's work, so it is read again only
 * when the catalog generation the connection synced to has moved (a
 * change of the setting moves it).
 */
static enum query_format default_format(struct tool_call *call,
					struct qconn *conn)
{
	static _Thread_local int64_t seen = -1;
	static _Thread_local enum query_format fmt = QUERY_FORMAT_MARKDOWN;
	int64_t g = qconn_generation(conn);

	if (g < 0 || g != seen) {
		char *def = call->catalog ? db_config_get(call->catalog,
							  "default_format")
					  : NULL;

		fmt = QUERY_FORMAT_MARKDOWN;
		if (def) {
			query_format_parse(def, &fmt);
			free(def);
		}
		seen = g;
	}
	return fmt;
}

static bool have_pool(struct tool_call *call)
{
	if (!call->pool) {
		tool_error(call, "queries are unavailable: the server could "
			   "not open its query connections (see its log)");
		return false;
	}
	return true;
}

/*
 * How the answer reads: display_digits from the catalog, or the call's
 * `digits` argument.  False after a tool error.
 */
bool tool_query_opts(struct tool_call *call, struct query_opts *ret)
{
	int64_t digits;

	*ret = (struct query_opts)QUERY_OPTS_INIT;
	if (call->catalog) {
		query_opts_load(call->catalog, ret);
	}
	digits = ret->digits;
	if (!tool_arg_int(call, "digits", 1, 17, &digits)) {
		return false;
	}
	ret->digits = (int)digits;
	return true;
}

/* run `sql` on a pool connection and put the answer into the call */
static void run_sql(struct tool_call *call, const char *sql,
		    const struct query_limits *lim, enum query_format fmt,
		    bool default_fmt, const struct query_opts *opts)
{
	struct query_result qr;
	struct qconn *conn;

	conn = qpool_acquire(call->pool);
	if (!conn) {
		tool_error(call, "cannot open a query connection to the "
			   "catalog");
		return;
	}
	if (default_fmt) {
		fmt = default_format(call, conn);
	}
	query_run_opts(conn, sql, lim, fmt, opts, call->cancel, &qr);
	qpool_release(call->pool, conn);
	tool_take_query_result(call, &qr);
	query_result_finish(&qr);
}

static void run_query(struct tool_call *call)
{
	struct query_limits lim = *call->limits;
	struct query_opts opts;
	enum query_format fmt;
	bool default_fmt;
	const char *sql;
	const cJSON *mr = cJSON_GetObjectItemCaseSensitive(call->args,
							  "max_rows");
	int64_t rows = 0;

	sql = tool_arg_string(call, "sql", true);
	if (!sql) {
		return;
	}
	call->log_sql = xstrdup(sql);
	if (!tool_query_opts(call, &opts) ||
	    !arg_format(call, &fmt, &default_fmt) || !have_pool(call)) {
		return;
	}
	if (mr && !cJSON_IsNull(mr)) {
		if (!cJSON_IsNumber(mr) || mr->valuedouble < 1 ||
		    mr->valuedouble != floor(mr->valuedouble)) {
			tool_error(call, "argument 'max_rows' must be an "
				   "integer between 1 and %lld (the server's "
				   "row limit)",
				   (long long)call->limits->max_rows);
			return;
		}
		/* a client may ask for fewer rows than the limit, never
		 * more: past it the cut note names the limit */
		rows = mr->valuedouble < (double)lim.max_rows
			       ? (int64_t)mr->valuedouble
			       : lim.max_rows;
		lim.max_rows = rows;
	} else if (call->catalog) {
		/* unasked, one page: SELECT * should not cost 16,000 tokens */
		opts.page_rows = query_page_rows(call->catalog);
		opts.row_cap = lim.max_rows;
		if (opts.page_rows < lim.max_rows) {
			lim.max_rows = opts.page_rows;
		} else {
			opts.page_rows = 0;
		}
	}
	run_sql(call, sql, &lim, fmt, default_fmt, &opts);
}

/* is `name` an enabled dataset?  (read through the trusted catalog) */
static int dataset_enabled(struct db *catalog, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(catalog->sql,
				"SELECT 1 FROM datasets WHERE name = ?1 AND "
				"enabled = 1", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : db_errno(rc);
	sqlite3_finalize(st);
	return r;
}

/*
 * sample_rows with labels: true.  One statement gives the codes and their
 * labels (weighted-labels.c), so random rows and their labels agree; the
 * label columns are then folded into the codes' cells for the text and
 * into a "labels" map beside the codes in structuredContent.
 */
static void run_labelled(struct tool_call *call, const char *dataset,
			 const char *sql, const struct query_limits *lim,
			 enum query_format fmt, bool default_fmt,
			 const struct query_opts *opts)
{
	struct query_result qr;
	struct query_opts tree_opts;
	struct qconn *conn;
	char **cols = NULL;
	char *run = NULL;
	size_t ncols = 0;
	int64_t id;
	int r;

	r = weighted_labels_columns(call->catalog, dataset, &id, &cols,
				    &ncols);
	if (r < 0) {
		tool_error(call, "cannot read the catalog: %s", strerror(-r));
		return;
	}
	run = weighted_labels_wrap(call->catalog, id, dataset,
				   (const char *const *)cols, ncols, 0,
				   xstrdup(sql));
	conn = qpool_acquire(call->pool);
	if (!conn) {
		tool_error(call, "cannot open a query connection to the "
			   "catalog");
		goto out;
	}
	if (default_fmt) {
		fmt = default_format(call, conn);
	}
	/* the fold reads the rows' cells */
	tree_opts = *opts;
	tree_opts.rows_tree = true;
	query_run_opts(conn, run, lim, fmt, &tree_opts, call->cancel, &qr);
	qpool_release(call->pool, conn);
	weighted_labels_fold(&qr, (const char *const *)cols, ncols, fmt,
			     opts);
	tool_take_query_result(call, &qr);
	query_result_finish(&qr);
out:
	free(run);
	weighted_labels_free(cols);
}

static void run_sample_rows(struct tool_call *call)
{
	struct query_limits lim = *call->limits;
	struct query_opts opts = QUERY_OPTS_INIT;
	const char *dataset, *where, *why = NULL;
	const cJSON *random;
	int64_t n = SAMPLE_DEFAULT;
	enum query_format fmt;
	bool default_fmt, labels;
	struct buf sql = BUF_INIT;
	struct qconn *conn = NULL;
	char *err = NULL;
	int r;

	dataset = tool_arg_string(call, "dataset", true);
	if (!dataset) {
		return;
	}
	where = tool_arg_string(call, "where", false);
	random = cJSON_GetObjectItemCaseSensitive(call->args, "random");
	if (call->catalog) {
		query_opts_load(call->catalog, &opts);
	}
	if (call->is_error ||
	    !tool_arg_int(call, "n", 1, SAMPLE_MAX, &n) ||
	    !arg_format(call, &fmt, &default_fmt) || !have_pool(call)) {
		return;
	}
	if (random && !cJSON_IsBool(random)) {
		tool_error(call, "argument 'random' must be true or false");
		return;
	}
	if (weighted_labels_arg(call->args, false, &labels) < 0) {
		tool_error(call, "argument 'labels' must be true or false");
		return;
	}
	if (ident_dataset_name_check(dataset, &why) < 0 ||
	    (r = dataset_enabled(call->catalog, dataset)) == -ENOENT) {
		tool_error(call, "no dataset is named '%s'; list_datasets "
			   "shows the names", dataset);
		tool_suggest_dataset(call, dataset);
		return;
	}
	if (r < 0) {
		tool_error(call, "cannot read the catalog: %s", strerror(-r));
		return;
	}
	buf_addstr(&sql, "SELECT * FROM ");
	ident_quote(&sql, dataset);
	if (where && *where) {
		conn = qpool_acquire(call->pool);
		if (!conn) {
			tool_error(call, "cannot open a query connection to "
				   "the catalog");
			goto out;
		}
		r = query_check_expr(conn, dataset, where, &err);
		qpool_release(call->pool, conn);
		if (r < 0) {
			call->log_sql = xasprintf("%s WHERE (%s)",
						  buf_str(&sql), where);
			tool_error(call, "%s", err);
			if (strncmp(err, "not allowed", 11) == 0) {
				call->log_status = "denied";
			}
			goto out;
		}
		buf_addf(&sql, " WHERE (%s)", where);
	}
	/* random order reads the whole dataset; the first rows do not */
	if (cJSON_IsTrue(random)) {
		buf_addstr(&sql, " ORDER BY random()");
	}
	buf_addf(&sql, " LIMIT %lld", (long long)n);
	call->log_sql = xstrdup(buf_str(&sql));
	lim.max_rows = n;
	if (labels) {
		run_labelled(call, dataset, buf_str(&sql), &lim, fmt,
			     default_fmt, &opts);
	} else {
		run_sql(call, buf_str(&sql), &lim, fmt, default_fmt, &opts);
	}
out:
	free(err);
	buf_release(&sql);
}

/*
 * A plain query as FTS5 syntax: each word becomes a quoted prefix term,
 * OR-ed, so operators, quotes and column filters typed by a model are
 * searched for as words instead of being parsed.
 */
static char *fts_query(const char *q, int *ret_ntokens)
{
	struct buf b = BUF_INIT;
	int n = 0;

	for (const unsigned char *p = (const unsigned char *)q;
	     *p && n < SEARCH_TOKENS;) {
		const unsigned char *start;

		while (*p && !(isalnum(*p) || *p >= 0x80 || *p == '_')) {
			p++;
		}
		start = p;
		while (*p && (isalnum(*p) || *p >= 0x80 || *p == '_')) {
			p++;
		}
		if (p == start) {
			break;
		}
		if (n++) {
			buf_addstr(&b, " OR ");
		}
		buf_addch(&b, '"');
		buf_add(&b, start, (size_t)(p - start));
		buf_addstr(&b, "\"*");
	}
	*ret_ntokens = n;
	return buf_detach(&b, NULL);
}

static void add_hit(struct tool_call *call, cJSON *arr, sqlite3_stmt *st,
		    bool has_score)
{
	const char *name = (const char *)sqlite3_column_text(st, 0);
	const char *title = (const char *)sqlite3_column_text(st, 1);
	const char *desc = (const char *)sqlite3_column_text(st, 2);
	const char *snip = has_score
				   ? (const char *)sqlite3_column_text(st, 5)
				   : NULL;
	cJSON *o = cJSON_CreateObject();

	buf_addstr(&call->text, "- ");
	render_md_cell(&call->text, name ? name : "?");
	if (title && *title) {
		buf_addstr(&call->text, ": ");
		render_md_cell(&call->text, title);
	}
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		buf_addf(&call->text, " (%lld rows)",
			 (long long)sqlite3_column_int64(st, 3));
	}
	if (snip && *snip) {
		buf_addstr(&call->text, " — ");
		render_md_cell(&call->text, snip);
	} else if (desc && *desc) {
		char *d = xstrndup(desc, utf8_cut_len(desc, 200));

		buf_addstr(&call->text, " — ");
		render_md_cell(&call->text, d);
		free(d);
	}
	buf_addch(&call->text, '\n');
	cJSON_AddStringToObject(o, "name", name ? name : "");
	if (title) {
		cJSON_AddStringToObject(o, "title", title);
	} else {
		cJSON_AddNullToObject(o, "title");
	}
	if (desc) {
		cJSON_AddStringToObject(o, "description", desc);
	} else {
		cJSON_AddNullToObject(o, "description");
	}
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		cJSON_AddNumberToObject(o, "rows",
					(double)sqlite3_column_int64(st, 3));
	} else {
		cJSON_AddNullToObject(o, "rows");
	}
	if (has_score) {
		/* bm25 is lower for better matches; show higher as better */
		cJSON_AddNumberToObject(o, "score",
					-sqlite3_column_double(st, 4));
		cJSON_AddStringToObject(o, "snippet", snip ? snip : "");
	}
	cJSON_AddItemToArray(arr, o);
}

/* when the index has nothing (or is empty), a plain LIKE over the catalog */
static int search_like(struct tool_call *call, cJSON *arr, const char *q,
		       int64_t limit)
{
	sqlite3_stmt *st = NULL;
	struct buf pat = BUF_INIT;
	int n = 0, rc;

	buf_addch(&pat, '%');
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\') {
			buf_addch(&pat, '\\');
		}
		buf_addch(&pat, *p);
	}
	buf_addch(&pat, '%');
	rc = sqlite3_prepare_v2(
		call->catalog->sql,
		"SELECT d.name, d.title, d.description, d.row_count FROM "
		"datasets d WHERE " SERVED_DATASET_D " AND (d.name LIKE ?1 ESCAPE "
		"'\\' OR d.title LIKE ?1 ESCAPE '\\' OR d.description LIKE ?1 "
		"ESCAPE '\\' OR d.tags LIKE ?1 ESCAPE '\\' OR EXISTS (SELECT "
		"1 FROM dataset_columns c WHERE c.dataset_id = d.id AND "
		"(c.name LIKE ?1 ESCAPE '\\' OR c.description LIKE ?1 ESCAPE "
		"'\\'))) ORDER BY d.name LIMIT ?2",
		-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, buf_str(&pat), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, limit);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			add_hit(call, arr, st, false);
			n++;
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	buf_release(&pat);
	return rc == SQLITE_OK ? n : db_errno(rc);
}

static void run_search_datasets(struct tool_call *call)
{
	const char *q;
	int64_t limit = SEARCH_DEFAULT;
	sqlite3_stmt *st = NULL;
	char *fts = NULL;
	cJSON *arr;
	int ntok = 0, n = 0, rc;
	size_t head;

	q = tool_arg_string(call, "query", true);
	if (!q || !tool_arg_int(call, "limit", 1, SEARCH_MAX, &limit)) {
		return;
	}
	fts = fts_query(q, &ntok);
	if (ntok == 0) {
		tool_error(call, "the search has no words to look for; try a "
			   "topic, a column name or a title word");
		goto out;
	}
	call->structured = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(call->structured, "results");
	buf_addstr(&call->text, "Datasets matching \"");
	render_md_cell(&call->text, q);
	buf_addstr(&call->text, "\":\n");
	head = call->text.len;
	/* name and title weigh most, then description, columns, metadata */
	rc = sqlite3_prepare_v2(
		call->catalog->sql,
		"SELECT d.name, d.title, d.description, d.row_count, "
		"bm25(dataset_search, 10.0, 6.0, 3.0, 2.0, 1.0) AS score, "
		"snippet(dataset_search, -1, '«', '»', '...', 12) "
		"FROM dataset_search JOIN datasets d ON d.id = "
		"dataset_search.rowid WHERE dataset_search MATCH ?1 AND "
		SERVED_DATASET_D " ORDER BY score LIMIT ?2",
		-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, limit);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			add_hit(call, arr, st, true);
			n++;
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc != SQLITE_OK) {
		tool_error(call, "cannot search the catalog: %s",
			   sqlite3_errmsg(call->catalog->sql));
		goto out;
	}
	if (n == 0) {
		n = search_like(call, arr, q, limit);
		if (n < 0) {
			tool_error(call, "cannot search the catalog: %s",
				   strerror(-n));
			goto out;
		}
	}
	if (n == 0) {
		call->text.len = head;
		call->text.data[head] = '\0';
		buf_addstr(&call->text, "No dataset matches. list_datasets "
					"shows every dataset.\n");
	}
	cJSON_AddNumberToObject(call->structured, "count", n);
	call->log_rows = n;
out:
	sqlite3_finalize(st);
	free(fts);
}

struct many_item {
	const char *sql;
	struct query_limits lim;
	struct query_opts opts;
	enum query_format fmt;
	struct tool_call *call;
	struct query_result qr;
};

static void *many_run(void *p)
{
	struct many_item *m = p;
	struct qconn *conn = qpool_acquire(m->call->pool);

	if (!conn) {
		query_result_init(&m->qr);
		m->qr.status = QUERY_ERROR;
		buf_addstr(&m->qr.text, "cannot open a query connection to "
					"the catalog\n");
		return NULL;
	}
	query_run_opts(conn, m->sql, &m->lim, m->fmt, &m->opts,
		       m->call->cancel, &m->qr);
	qpool_release(m->call->pool, conn);
	return NULL;
}

/* read one entry of `queries`; false (with a tool error) when malformed */
static bool many_item_parse(struct tool_call *call, const cJSON *q, int i,
			    int n, struct many_item *m)
{
	const cJSON *sql = cJSON_GetObjectItemCaseSensitive(q, "sql");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(q, "max_rows");
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(q, "format");

	if (!cJSON_IsObject(q) || !cJSON_IsString(sql)) {
		tool_error(call, "queries[%d] must be an object with 'sql' "
			   "(a string)", i);
		return false;
	}
	m->sql = sql->valuestring;
	m->call = call;
	m->lim = *call->limits;
	/* together they stay within one response */
	m->lim.max_bytes = call->limits->max_bytes / n;
	m->fmt = QUERY_FORMAT_MARKDOWN;
	m->opts = (struct query_opts)QUERY_OPTS_INIT;
	if (call->catalog) {
		query_opts_load(call->catalog, &m->opts);
	}
	if (rows && !cJSON_IsNull(rows)) {
		if (!cJSON_IsNumber(rows) || rows->valuedouble < 1) {
			tool_error(call, "queries[%d].max_rows must be "
				   "between 1 and %lld (the server's row "
				   "limit)", i,
				   (long long)call->limits->max_rows);
			return false;
		}
		if (rows->valuedouble < (double)m->lim.max_rows) {
			m->lim.max_rows = (int64_t)rows->valuedouble;
		}
	} else if (call->catalog) {
		m->opts.page_rows = query_page_rows(call->catalog);
		m->opts.row_cap = m->lim.max_rows;
		if (m->opts.page_rows < m->lim.max_rows) {
			m->lim.max_rows = m->opts.page_rows;
		} else {
			m->opts.page_rows = 0;
		}
	}
	if (fmt && !cJSON_IsNull(fmt) &&
	    (!cJSON_IsString(fmt) ||
	     query_format_parse(fmt->valuestring, &m->fmt) < 0)) {
		tool_error(call, "queries[%d].format must be \"markdown\", "
			   "\"csv\" or \"json\"", i);
		return false;
	}
	return true;
}

static void many_report(struct tool_call *call, struct many_item *items,
			int n)
{
	cJSON *arr;
	struct buf sqls = BUF_INIT, sets = BUF_INIT;
	int failed = 0;
	const char *first_bad = NULL;

	call->structured = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(call->structured, "results");
	for (int i = 0; i < n; i++) {
		struct query_result *qr = &items[i].qr;
		cJSON *o;

		buf_addf(&call->text, "%s## Query %d: %s", i ? "\n" : "",
			 i + 1, query_status_name(qr->status));
		if (qr->status == QUERY_OK) {
			buf_addf(&call->text, ", %lld row%s%s\n",
				 (long long)qr->row_count,
				 qr->row_count == 1 ? "" : "s",
				 qr->truncated ? " (cut)" : "");
			o = qr->structured;
			qr->structured = NULL;
		} else {
			buf_addch(&call->text, '\n');
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "error",
						buf_str(&qr->text));
			failed++;
			if (!first_bad) {
				first_bad = query_status_name(qr->status);
			}
		}
		cJSON_AddStringToObject(o, "status",
					query_status_name(qr->status));
		cJSON_AddItemToArray(arr, o);
		buf_add(&call->text, buf_str(&qr->text), qr->text.len);
		call->log_rows += qr->row_count;
		buf_addf(&sqls, "%s%s", i ? ";\n" : "", items[i].sql);
		if (qr->datasets) {
			buf_addf(&sets, "%s%s", sets.len ? "," : "",
				 qr->datasets);
		}
	}
	call->log_sql = buf_detach(&sqls, NULL);
	call->log_datasets = sets.len ? buf_detach(&sets, NULL) : NULL;
	buf_release(&sets);
	/* each query is reported on its own; only all failing is an error */
	if (failed == n) {
		call->is_error = true;
		call->log_status = first_bad;
	}
}

static void run_query_many(struct tool_call *call)
{
	const cJSON *qs = cJSON_GetObjectItemCaseSensitive(call->args,
							  "queries");
	struct many_item *items = NULL;
	pthread_t *threads = NULL;
	bool *started = NULL;
	int n;

	if (!cJSON_IsArray(qs) || (n = cJSON_GetArraySize(qs)) < 1 ||
	    n > MANY_MAX) {
		tool_error(call, "argument 'queries' must be an array of 1 to "
			   "%d objects {sql, max_rows?, format?}", MANY_MAX);
		return;
	}
	if (!have_pool(call)) {
		return;
	}
	items = xcalloc((size_t)n, sizeof(*items));
	threads = xcalloc((size_t)n, sizeof(*threads));
	started = xcalloc((size_t)n, sizeof(*started));
	for (int i = 0; i < n; i++) {
		query_result_init(&items[i].qr);
		if (!many_item_parse(call, cJSON_GetArrayItem(qs, i), i, n,
				     &items[i])) {
			goto out;
		}
	}
	/* each on its own thread and connection: the total is the slowest */
	for (int i = 0; i < n; i++) {
		started[i] = pthread_create(&threads[i], NULL, many_run,
					    &items[i]) == 0;
		if (!started[i]) {
			many_run(&items[i]);
		}
	}
	for (int i = 0; i < n; i++) {
		if (started[i]) {
			pthread_join(threads[i], NULL);
		}
	}
	many_report(call, items, n);
out:
	for (int i = 0; i < n; i++) {
		query_result_finish(&items[i].qr);
	}
	free(started);
	free(threads);
	free(items);
}

/* kept short: tools/list is read on every session (docs/tokens.md) */
#define RESULT_SCHEMA                                                         \
	"{\"type\":\"object\",\"properties\":{"                              \
	"\"columns\":{\"type\":\"array\"},\"rows\":{\"type\":\"array\"}},"   \
	"\"required\":[\"columns\",\"rows\",\"row_count\",\"truncated\"]}"

#define FORMAT_SCHEMA                                                         \
	"\"format\":{\"enum\":[\"markdown\",\"csv\",\"json\"]}"

const struct tool_def tool_query = {
	.name = "query",
	.title = "Run SQL",
	.description =
		"One read-only SQLite SELECT; each dataset is a table named "
		"after it. Joins, CTEs, window functions and wmean(x, w), "
		"wsum(x, w), wquantile(x, w, q), median(x), stddev(x) work. "
		"Answers are paged and cut at limits, and say so: aggregate "
		"rather than list rows.",
	.input_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"sql\":{\"type\":\"string\"},"
		"\"max_rows\":{\"type\":\"integer\",\"description\":"
		"\"default: one page\"}," FORMAT_SCHEMA ","
		DIGITS_SCHEMA "},"
		"\"required\":[\"sql\"],\"additionalProperties\":false}",
	.output_schema = RESULT_SCHEMA,
	.run = run_query,
	.where = TOOL_IN_WORKER,
};

const struct tool_def tool_sample_rows = {
	.name = "sample_rows",
	.title = "Sample rows",
	.description =
		"Up to 100 rows of a dataset, filtered by 'where' or at "
		"random; labels: true adds value labels.",
	.input_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"dataset\":{\"type\":\"string\"},"
		"\"n\":{\"type\":\"integer\",\"maximum\":100},"
		"\"where\":{\"type\":\"string\"},"
		"\"random\":{\"type\":\"boolean\"},"
		"\"labels\":{\"type\":\"boolean\"}," FORMAT_SCHEMA "},"
		"\"required\":[\"dataset\"],\"additionalProperties\":false}",
	.output_schema = RESULT_SCHEMA,
	.run = run_sample_rows,
	.where = TOOL_IN_WORKER,
};

const struct tool_def tool_search_datasets = {
	.name = "search_datasets",
	.title = "Search datasets",
	.description =
		"Full-text search of dataset names, descriptions, columns "
		"and metadata.",
	.input_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"query\":{\"type\":\"string\"},"
		"\"limit\":{\"type\":\"integer\",\"maximum\":50}},"
		"\"required\":[\"query\"],\"additionalProperties\":false}",
	.output_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"results\":{\"type\":\"array\"},"
		"\"count\":{\"type\":\"integer\"}},"
		"\"required\":[\"results\",\"count\"]}",
	.run = run_search_datasets,
};

const struct tool_def tool_query_many = {
	.name = "query_many",
	.title = "Run queries in parallel",
	.description =
		"Up to 8 SELECTs in parallel, each answered on its own "
		"within a share of the size limit.",
	.input_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"queries\":{\"type\":\"array\",\"maxItems\":8,"
		"\"items\":{\"type\":\"object\",\"properties\":{"
		"\"sql\":{\"type\":\"string\"},"
		"\"max_rows\":{\"type\":\"integer\"},"
		FORMAT_SCHEMA "},\"required\":[\"sql\"],"
		"\"additionalProperties\":false}}},"
		"\"required\":[\"queries\"],\"additionalProperties\":false}",
	.output_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"results\":{\"type\":\"array\"}},\"required\":[\"results\"]}",
	.run = run_query_many,
	.where = TOOL_IN_WORKER,
};
