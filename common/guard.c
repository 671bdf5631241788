#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/banned.h"
#include "mcp/db.h"
#include "mcp/guard.h"
#include "mcp/utf8cut.h"
#include "mcp/xalloc.h"

struct allowed {
	char *schema;
	char *table;
	char *dataset;
};

/* printf() takes at most this many arguments (SQLITE_LIMIT_FUNCTION_ARG) */
#define GUARD_PRINTF_ARGS 100

struct trim_ctx {
	struct guard *g;
	int flags;      /* 1 leading, 2 trailing */
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
	/* the bounded functions (guard_register_functions) */
	int (*stop)(void *);
	void *stop_ctx;
	sqlite3 *helper;
	sqlite3_stmt *printf_st[GUARD_PRINTF_ARGS + 1];
	struct trim_ctx trims[3];
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
	/* value labels of survey files (qlabel.c) */
	"label",
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
	for (int i = 0; i <= GUARD_PRINTF_ARGS; i++) {
		sqlite3_finalize(g->printf_st[i]);
	}
	sqlite3_close(g->helper);
	free(g->items);
	free(g->read);
	free(g);
}

bool guard_name_allowed(const struct guard *g, const char *table)
{
	for (size_t i = 0; i < g->n; i++) {
		if (strcasecmp(g->items[i].table, table) == 0) {
			return true;
		}
	}
	return false;
}

void guard_allow(struct guard *g, const char *schema, const char *table,
		 const char *dataset)
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
		utf8_trim_partial(g->denial);
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
	/* eponymous tables live in main; a file's table of that name does not */
	if (table_function_allowed(table) &&
	    (!schema || strcasecmp(schema, "main") == 0)) {
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
		if (strcasecmp(a->table, table) == 0) {
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
		return deny(g, "writing to %s (datasets are read-only)",
			    S(a3));
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

/*
 * Bounded replacements for SQL functions.
 *
 * The progress handler stops a statement between VM steps, never inside
 * one function call.  SQLite's instr(), replace() and trim() compare
 * strings in time that grows with the product of their lengths (trim of
 * two 100 kB strings takes 20 s), and printf('%.*c', N, 'x') loops N
 * times even when the result is refused as too big.  The replacements
 * below give the same answers as the builtins they override, but run in
 * linear time (instr, replace) or ask the stop check while they work
 * (trim), and printf refuses widths and precisions past the length limit
 * before the builtin runs on a private connection.
 */

#define CHECK_EVERY 65536

static bool should_stop(struct guard *g, int64_t *work, int64_t done)
{
	*work += done;
	if (*work < CHECK_EVERY) {
		return false;
	}
	*work = 0;
	return g->stop && g->stop(g->stop_ctx) != 0;
}

void guard_set_stop_check(struct guard *g, int (*stop)(void *), void *ctx)
{
	g->stop = stop;
	g->stop_ctx = ctx;
}

static void instr_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int th = sqlite3_value_type(argv[0]);
	int tn = sqlite3_value_type(argv[1]);
	sqlite3_value *c1 = NULL, *c2 = NULL;
	const unsigned char *hay, *needle;
	int nh, nn;
	bool text;
	int64_t n = 1;

	(void)argc;
	if (th == SQLITE_NULL || tn == SQLITE_NULL) {
		return;
	}
	/* the same conversions as SQLite's instrFunc, in the same order */
	nh = sqlite3_value_bytes(argv[0]);
	nn = sqlite3_value_bytes(argv[1]);
	if (nn > 0) {
		const unsigned char *p;
		size_t start = 0;

		if (th == SQLITE_BLOB && tn == SQLITE_BLOB) {
			hay = sqlite3_value_blob(argv[0]);
			needle = sqlite3_value_blob(argv[1]);
			text = false;
		} else if (th != SQLITE_BLOB && tn != SQLITE_BLOB) {
			hay = sqlite3_value_text(argv[0]);
			needle = sqlite3_value_text(argv[1]);
			text = true;
		} else {
			c1 = sqlite3_value_dup(argv[0]);
			c2 = sqlite3_value_dup(argv[1]);
			hay = c1 ? sqlite3_value_text(c1) : NULL;
			needle = c2 ? sqlite3_value_text(c2) : NULL;
			if (!hay || !needle) {
				goto out;
			}
			nh = sqlite3_value_bytes(c1);
			nn = sqlite3_value_bytes(c2);
			text = true;
		}
		if (!needle || (nh && !hay)) {
			sqlite3_result_error_nomem(ctx);
			goto out;
		}
		/*
		 * SQLite tries position 0 and, in text, every later position
		 * that starts a character; the answer counts those positions.
		 */
		for (;;) {
			p = nn <= nh - (int)start
				    ? memmem(hay + start, (size_t)nh - start,
					     needle, (size_t)nn)
				    : NULL;
			if (!p) {
				n = 0;
				break;
			}
			if (!text || p == hay || (*p & 0xc0) != 0x80) {
				break;
			}
			start = (size_t)(p - hay) + 1;
		}
		if (n) {
			const unsigned char *end = p;

			n = 1;
			if (end > hay) {
				n++;
				for (const unsigned char *q = hay + 1; q < end;
				     q++) {
					if (!text || (*q & 0xc0) != 0x80) {
						n++;
					}
				}
			}
		}
	}
	sqlite3_result_int64(ctx, n);
out:
	sqlite3_value_free(c1);
	sqlite3_value_free(c2);
}

static void replace_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *str, *pat, *rep;
	int nstr, npat, nrep;
	int64_t limit;
	struct buf out = BUF_INIT;
	size_t i = 0;

	(void)argc;
	str = sqlite3_value_text(argv[0]);
	if (!str) {
		return;
	}
	nstr = sqlite3_value_bytes(argv[0]);
	pat = sqlite3_value_text(argv[1]);
	if (!pat) {
		return;
	}
	if (pat[0] == 0) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	npat = sqlite3_value_bytes(argv[1]);
	rep = sqlite3_value_text(argv[2]);
	if (!rep) {
		return;
	}
	nrep = sqlite3_value_bytes(argv[2]);
	limit = sqlite3_limit(sqlite3_context_db_handle(ctx),
			      SQLITE_LIMIT_LENGTH, -1);
	/* leftmost matches that do not overlap, as SQLite's loop finds them */
	while (i < (size_t)nstr) {
		const unsigned char *p =
			npat <= nstr - (int)i
				? memmem(str + i, (size_t)nstr - i, pat,
					 (size_t)npat)
				: NULL;
		size_t upto = p ? (size_t)(p - str) : (size_t)nstr;

		buf_add(&out, str + i, upto - i);
		if (p) {
			buf_add(&out, rep, (size_t)nrep);
			upto += (size_t)npat;
		}
		i = upto;
		if ((int64_t)out.len > limit) {
			buf_release(&out);
			sqlite3_result_error_toobig(ctx);
			return;
		}
	}
	sqlite3_result_text64(ctx, buf_detach(&out, NULL), out.len, free,
			      SQLITE_UTF8);
}

static void trim_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct trim_ctx *t = sqlite3_user_data(ctx);
	const unsigned char *in, *set = NULL;
	const unsigned char **chars = NULL;
	int *lens = NULL;
	int nin, nchars = 0;
	int64_t work = 0;
	static const unsigned char space[] = " ";

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		return;
	}
	in = sqlite3_value_text(argv[0]);
	if (!in) {
		return;
	}
	nin = sqlite3_value_bytes(argv[0]);
	if (argc == 1) {
		chars = xmalloc(sizeof(*chars));
		lens = xmalloc(sizeof(*lens));
		chars[0] = space;
		lens[0] = 1;
		nchars = 1;
	} else {
		const unsigned char *z;

		set = sqlite3_value_text(argv[1]);
		if (!set) {
			return;
		}
		/* the characters of the set, split as SQLITE_SKIP_UTF8 does */
		for (z = set; *z; nchars++) {
			if (*z++ >= 0xc0) {
				while ((*z & 0xc0) == 0x80) {
					z++;
				}
			}
		}
		chars = xcalloc((size_t)nchars + 1, sizeof(*chars));
		lens = xcalloc((size_t)nchars + 1, sizeof(*lens));
		nchars = 0;
		for (z = set; *z; nchars++) {
			chars[nchars] = z;
			if (*z++ >= 0xc0) {
				while ((*z & 0xc0) == 0x80) {
					z++;
				}
			}
			lens[nchars] = (int)(z - chars[nchars]);
		}
	}
	if (t->flags & 1) {
		while (nin > 0) {
			int i, len = 0;

			for (i = 0; i < nchars; i++) {
				len = lens[i];
				if (len <= nin &&
				    memcmp(in, chars[i], (size_t)len) == 0) {
					break;
				}
			}
			if (i >= nchars) {
				break;
			}
			in += len;
			nin -= len;
			if (should_stop(t->g, &work, i + 1)) {
				goto stopped;
			}
		}
	}
	if (t->flags & 2) {
		while (nin > 0) {
			int i, len = 0;

			for (i = 0; i < nchars; i++) {
				len = lens[i];
				if (len <= nin &&
				    memcmp(in + nin - len, chars[i],
					   (size_t)len) == 0) {
					break;
				}
			}
			if (i >= nchars) {
				break;
			}
			nin -= len;
			if (should_stop(t->g, &work, i + 1)) {
				goto stopped;
			}
		}
	}
	sqlite3_result_text(ctx, (const char *)in, nin, SQLITE_TRANSIENT);
	goto out;
stopped:
	sqlite3_result_error(ctx, "interrupted", -1);
out:
	free(chars);
	free(lens);
}

/* a width or precision written in a format: digits or '*' */
static bool printf_number(const unsigned char **f, int argc,
			  sqlite3_value **argv, int *arg, int64_t max)
{
	int64_t v = 0;

	if (**f == '*') {
		(*f)++;
		if (*arg < argc) {
			v = sqlite3_value_int64(argv[(*arg)++]);
		}
		return v <= max && v >= -max;
	}
	while (**f >= '0' && **f <= '9') {
		if (v <= max) {
			v = v * 10 + (**f - '0');
		}
		(*f)++;
	}
	return v <= max;
}

/* do the widths and precisions of a printf format stay below `max`? */
static bool printf_bounded(int argc, sqlite3_value **argv, int64_t max)
{
	const unsigned char *f = sqlite3_value_text(argv[0]);
	int arg = 1;

	if (!f) {
		return true;
	}
	while (*f) {
		if (*f++ != '%') {
			continue;
		}
		while (*f && strchr("-+ #!0,", *f)) {
			f++;
		}
		if (!printf_number(&f, argc, argv, &arg, max)) {
			return false;
		}
		if (*f == '.') {
			f++;
			if (!printf_number(&f, argc, argv, &arg, max)) {
				return false;
			}
		}
		while (*f == 'l') {
			f++;
		}
		if (!*f) {
			break;
		}
		/* %% and %n take no argument */
		if (*f != '%' && *f != 'n') {
			arg++;
		}
		f++;
	}
	return true;
}

static void printf_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct guard *g = sqlite3_user_data(ctx);
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	int64_t max = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
	sqlite3_stmt *st;
	int rc;

	if (argc < 1) {
		return;         /* printf() is NULL, as in SQLite */
	}
	if (argc > GUARD_PRINTF_ARGS) {
		sqlite3_result_error(ctx, "wrong number of arguments to "
				     "printf()", -1);
		return;
	}
	if (!printf_bounded(argc, argv, max)) {
		sqlite3_result_error_toobig(ctx);
		return;
	}
	if (!g->helper) {
		if (sqlite3_open_v2(":memory:", &g->helper,
				    SQLITE_OPEN_READWRITE |
					    SQLITE_OPEN_NOMUTEX,
				    NULL) != SQLITE_OK) {
			sqlite3_close(g->helper);
			g->helper = NULL;
			sqlite3_result_error_nomem(ctx);
			return;
		}
		sqlite3_limit(g->helper, SQLITE_LIMIT_LENGTH, (int)max);
	}
	st = g->printf_st[argc];
	if (!st) {
		struct buf sql = BUF_INIT;

		buf_addstr(&sql, "SELECT printf(?1");
		for (int i = 2; i <= argc; i++) {
			buf_addf(&sql, ", ?%d", i);
		}
		buf_addch(&sql, ')');
		rc = sqlite3_prepare_v3(g->helper, buf_str(&sql), -1,
					SQLITE_PREPARE_PERSISTENT, &st, NULL);
		buf_release(&sql);
		if (rc != SQLITE_OK) {
			sqlite3_result_error(ctx, sqlite3_errmsg(g->helper),
					     -1);
			return;
		}
		g->printf_st[argc] = st;
	}
	for (int i = 0; i < argc; i++) {
		sqlite3_bind_value(st, i + 1, argv[i]);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
	} else if (rc == SQLITE_TOOBIG) {
		sqlite3_result_error_toobig(ctx);
	} else {
		sqlite3_result_error(ctx, sqlite3_errmsg(g->helper), -1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int guard_register_functions(struct guard *g, sqlite3 *db)
{
	static const struct {
		const char *name;
		int nargs;
		int flags;
	} trims[] = {
		{ "trim", 1, 3 }, { "trim", 2, 3 }, { "ltrim", 1, 1 },
		{ "ltrim", 2, 1 }, { "rtrim", 1, 2 }, { "rtrim", 2, 2 },
	};
	const int fl = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc;

	rc = sqlite3_create_function(db, "instr", 2, fl, g, instr_fn, NULL,
				     NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "replace", 3, fl, g,
					     replace_fn, NULL, NULL);
	}
	for (int i = 0; i < 3; i++) {
		g->trims[i].g = g;
		g->trims[i].flags = i + 1;
	}
	for (size_t i = 0; rc == SQLITE_OK && i < sizeof(trims) /
						       sizeof(trims[0]);
	     i++) {
		rc = sqlite3_create_function(db, trims[i].name,
					     trims[i].nargs, fl,
					     &g->trims[trims[i].flags - 1],
					     trim_fn, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "printf", -1, fl, g,
					     printf_fn, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_create_function(db, "format", -1, fl, g,
					     printf_fn, NULL, NULL);
	}
	return rc == SQLITE_OK ? 0 : db_errno(rc);
}
