#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/banned.h"
#include "mcp/guard.h"
#include "mcp/xalloc.h"

struct allowed {
	char *schema;
	char *table;
	char *dataset;
	bool inner_views;
};

struct guard {
	struct allowed *items;
	size_t n, alloc;
	bool trusted;
	/* the first denial since guard_begin(), for the message */
	char denial[256];
	bool denied;
	/* indexes into items of the datasets read since guard_begin() */
	bool *read;
	/* virtual table modules of the connection (eponymous tables) */
	char **modules;
	size_t nmodules;
	sqlite3 *db;
};

/*
 * Every function a query may call.  Anything else is denied, so a function
 * added to SQLite later stays out until somebody reads what it does:
 * load_extension, fts3_tokenizer, sqlite_compileoption_*, changes and
 * friends are left out on purpose.  randomblob, zeroblob, printf and
 * friends are bounded by SQLITE_LIMIT_LENGTH on the connection.
 */
static const char *const allowed_functions[] = {
	/* core scalar */
	"abs", "char", "coalesce", "concat", "concat_ws", "format", "glob",
	"hex", "ifnull", "iif", "instr", "length", "like", "likelihood",
	"likely", "lower", "ltrim", "max", "min", "nullif", "octet_length",
	"printf", "quote", "random", "randomblob", "replace", "round", "rtrim",
	"sign", "soundex", "sqlite_version", "substr", "substring", "trim",
	"typeof", "unhex", "unicode", "unlikely", "upper", "zeroblob",
	/* aggregate */
	"avg", "count", "group_concat", "string_agg", "sum", "total",
	/* window */
	"row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
	"ntile", "lag", "lead", "first_value", "last_value", "nth_value",
	/* date and time */
	"date", "time", "datetime", "julianday", "unixepoch", "strftime",
	"timediff",
	/* math */
	"acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil",
	"ceiling", "cos", "cosh", "degrees", "exp", "floor", "ln", "log",
	"log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh",
	"sqrt", "tan", "tanh", "trunc",
	/* JSON */
	"json", "jsonb", "json_array", "json_array_length", "json_extract",
	"json_insert", "json_object", "json_patch", "json_remove",
	"json_replace", "json_set", "json_type", "json_valid", "json_quote",
	"json_group_array", "json_group_object", "json_error_position",
	"->", "->>",
	/* weighted statistics (wstats.h) */
	"wsum", "wmean", "wquantile", "median", "stddev",
};

/* table-valued functions that only compute from their arguments */
static const char *const allowed_table_functions[] = {
	"json_each", "json_tree",
};

struct guard *guard_create(void)
{
	return xcalloc(1, sizeof(struct guard));
}

void guard_clear(struct guard *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->items[i].schema);
		free(g->items[i].table);
		free(g->items[i].dataset);
	}
	g->n = 0;
}

void guard_destroy(struct guard *g)
{
	if (!g) {
		return;
	}
	guard_clear(g);
	for (size_t i = 0; i < g->nmodules; i++) {
		free(g->modules[i]);
	}
	free(g->modules);
	free(g->items);
	free(g->read);
	free(g);
}

void guard_allow(struct guard *g, const char *schema, const char *table,
		 const char *dataset, bool inner_views)
{
	struct allowed *a;

	if (g->n == g->alloc) {
		g->alloc = g->alloc ? g->alloc * 2 : 16;
		g->items = xrealloc(g->items, g->alloc * sizeof(*g->items));
		g->read = xrealloc(g->read, g->alloc * sizeof(*g->read));
	}
	a = &g->items[g->n];
	a->schema = xstrdup(schema);
	a->table = xstrdup(table);
	a->dataset = xstrdup(dataset);
	a->inner_views = inner_views;
	g->read[g->n] = false;
	g->n++;
}

void guard_add_module(struct guard *g, const char *name)
{
	g->modules = xrealloc(g->modules,
			      (g->nmodules + 1) * sizeof(*g->modules));
	g->modules[g->nmodules++] = xstrdup(name);
}

static bool is_module(const struct guard *g, const char *name)
{
	for (size_t i = 0; i < g->nmodules; i++) {
		if (strcasecmp(g->modules[i], name) == 0) {
			return true;
		}
	}
	return false;
}

void guard_set_trusted(struct guard *g, bool trusted)
{
	g->trusted = trusted;
}

void guard_begin(struct guard *g)
{
	g->denied = false;
	g->denial[0] = '\0';
	for (size_t i = 0; i < g->n; i++) {
		g->read[i] = false;
	}
}

const char *guard_denial(const struct guard *g)
{
	return g->denied ? g->denial : NULL;
}

char *guard_datasets(const struct guard *g)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < g->n; i++) {
		bool seen = false;

		if (!g->read[i]) {
			continue;
		}
		/* a dataset has a view and a table: name it once */
		for (size_t j = 0; j < i; j++) {
			if (g->read[j] &&
			    strcmp(g->items[j].dataset, g->items[i].dataset) ==
				    0) {
				seen = true;
				break;
			}
		}
		if (seen) {
			continue;
		}
		if (b.len) {
			buf_addch(&b, ',');
		}
		buf_addstr(&b, g->items[i].dataset);
	}
	if (!b.len) {
		return NULL;
	}
	return buf_detach(&b, NULL);
}

bool guard_function_allowed(const char *name)
{
	if (!name) {
		return false;
	}
	for (size_t i = 0;
	     i < sizeof(allowed_functions) / sizeof(allowed_functions[0]);
	     i++) {
		if (strcasecmp(name, allowed_functions[i]) == 0) {
			return true;
		}
	}
	return false;
}

static bool table_function_allowed(const char *name)
{
	for (size_t i = 0; i < sizeof(allowed_table_functions) /
				       sizeof(allowed_table_functions[0]);
	     i++) {
		if (strcasecmp(name, allowed_table_functions[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int deny(struct guard *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int deny(struct guard *g, const char *fmt, ...)
{
	va_list ap;

	if (!g->denied) {
		/* the reason quotes a name from the SQL: keep it short */
		va_start(ap, fmt);
		vsnprintf(g->denial, sizeof(g->denial), fmt, ap);
		va_end(ap);
		g->denied = true;
	}
	return SQLITE_DENY;
}

#define S(x) ((x) ? (x) : "?")

static bool table_exists(sqlite3 *db, const char *schema, const char *table)
{
	return sqlite3_table_column_metadata(db, schema, table, NULL, NULL,
					     NULL, NULL, NULL,
					     NULL) == SQLITE_OK;
}

/*
 * SQLite names no schema when a statement reads no column of an
 * unqualified table (SELECT count(*) FROM t), and for CTEs.  Find the
 * table the way SQLite resolves the name: temp, main, then the attached
 * files; NULL when no schema has it.
 */
static const char *resolve_schema(struct guard *g, const char *table)
{
	if (!g->db) {
		return "main";
	}
	if (table_exists(g->db, "temp", table)) {
		return "temp";
	}
	if (table_exists(g->db, "main", table)) {
		return "main";
	}
#if SQLITE_VERSION_NUMBER >= 3039000
	for (int i = 2;; i++) {
		const char *name = sqlite3_db_name(g->db, i);

		if (!name) {
			break;
		}
		if (table_exists(g->db, name, table)) {
			return name;
		}
	}
	return NULL;
#else
	/* without sqlite3_db_name, an unknown name is read as denied */
	return "main";
#endif
}

static int authorize_read(struct guard *g, const char *table,
			  const char *schema, const char *view)
{
	if (!table) {
		return deny(g, "reading an unnamed table");
	}
	if (strncasecmp(table, "sqlite_", 7) == 0) {
		return deny(g, "reading %s: the schema tables are internal",
			    table);
	}
	if (strncasecmp(table, "pragma_", 7) == 0) {
		return deny(g, "%s: PRAGMA is not available to queries",
			    table);
	}
	if (table_function_allowed(table)) {
		return SQLITE_OK;
	}
	if (is_module(g, table)) {
		return deny(g, "%s: this table-valued function is not "
			       "available to queries", table);
	}
	if (!schema) {
		schema = resolve_schema(g, table);
		if (!schema) {
			/*
			 * No table of that name in any schema: a CTE or a
			 * subquery of the statement itself, whose sources
			 * are authorized one by one.
			 */
			return SQLITE_OK;
		}
	}
	for (size_t i = 0; i < g->n; i++) {
		struct allowed *a = &g->items[i];

		if (strcasecmp(a->schema, schema) != 0) {
			continue;
		}
		if (strcasecmp(a->table, table) == 0 ||
		    (a->inner_views && view && strcasecmp(view, a->dataset))) {
			g->read[i] = true;
			return SQLITE_OK;
		}
	}
	return deny(g, "reading table %s: only the datasets can be queried "
		       "(see list_datasets)", table);
}

static int authorize(void *ctx, int action, const char *a3, const char *a4,
		     const char *schema, const char *view)
{
	struct guard *g = ctx;

	if (g->trusted) {
		return SQLITE_OK;
	}
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_READ:
		return authorize_read(g, a3, schema, view);
	case SQLITE_FUNCTION:
		if (guard_function_allowed(a4)) {
			return SQLITE_OK;
		}
		return deny(g, "function %s() is not available to queries",
			    S(a4));
	case SQLITE_PRAGMA:
		return deny(g, "PRAGMA %s: queries cannot use PRAGMA", S(a3));
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return deny(g, "queries cannot attach or detach databases");
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		return deny(g, "writing to %s: queries are read-only", S(a3));
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		return deny(g, "transaction control: each query runs on its "
			       "own");
	default:
		return deny(g, "only SELECT statements over the datasets "
			       "are allowed");
	}
}

void guard_install(struct guard *g, sqlite3 *db)
{
	g->db = db;
	sqlite3_set_authorizer(db, authorize, g);
}

/* skip one comment at p, or return p */
static const char *skip_comment(const char *p)
{
	if (p[0] == '-' && p[1] == '-') {
		p += 2;
		while (*p && *p != '\n') {
			p++;
		}
		return p;
	}
	if (p[0] == '/' && p[1] == '*') {
		const char *end = strstr(p + 2, "*/");

		/* an unterminated comment runs to the end, as in SQLite */
		return end ? end + 2 : p + strlen(p);
	}
	return p;
}

static const char *skip_blanks(const char *p)
{
	for (;;) {
		const char *q;

		while (*p && isspace((unsigned char)*p)) {
			p++;
		}
		q = skip_comment(p);
		if (q == p) {
			return p;
		}
		p = q;
	}
}

bool guard_tail_empty(const char *tail)
{
	const char *p;

	if (!tail) {
		return true;
	}
	/* SQLite leaves a trailing ';' in the tail; it ends, not adds */
	p = skip_blanks(tail);
	while (*p == ';') {
		p = skip_blanks(p + 1);
	}
	return *p == '\0';
}

static bool keyword_at(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	return strncasecmp(p, kw, n) == 0 &&
	       !(isalnum((unsigned char)p[n]) || p[n] == '_');
}

int guard_statement_check(const char *sql, const char **ret_why)
{
	const char *p = skip_blanks(sql);

	if (keyword_at(p, "SELECT") || keyword_at(p, "WITH") ||
	    keyword_at(p, "VALUES")) {
		return 0;
	}
	*ret_why = "only SELECT statements (with WITH or VALUES) are allowed";
	return -EPERM;
}

int guard_expr_check(const char *expr, const char **ret_why)
{
	int depth = 0;

	for (const char *p = expr; *p; p++) {
		char close;

		switch (*p) {
		case '\'':
		case '"':
		case '`':
		case '[':
			close = *p == '[' ? ']' : *p;
			p++;
			while (*p && *p != close) {
				p++;
			}
			if (!*p) {
				*ret_why = "a quoted string or name is not "
					   "closed";
				return -EINVAL;
			}
			break;
		case '(':
			depth++;
			break;
		case ')':
			if (--depth < 0) {
				*ret_why = "a ')' has no matching '('";
				return -EINVAL;
			}
			break;
		case ';':
			*ret_why = "a filter is one expression, without ';'";
			return -EINVAL;
		case '-':
		case '/':
			if (skip_comment(p) != p) {
				*ret_why = "comments are not allowed in a "
					   "filter";
				return -EINVAL;
			}
			break;
		default:
			break;
		}
	}
	if (depth) {
		*ret_why = "a '(' is not closed";
		return -EINVAL;
	}
	return 0;
}
