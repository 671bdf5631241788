/*
 * wfilter: parsing and evaluating simple filters (wfilter.h).
 *
 * The parser follows SQLite's grammar for the subset it accepts:
 * OR binds loosest, then AND, then NOT, then the predicates.  Each node
 * evaluates a chunk of rows at a time into a byte per row, so the inner
 * loops are short and branch little.  Text predicates are decided once per
 * dictionary string, then looked up by code.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/buf.h"
#include "mcp/xalloc.h"
#include "wfilter.h"
#include "mcp/banned.h"

enum tok {
	T_END,
	T_NAME,         /* bare word: keyword or column */
	T_QNAME,        /* quoted identifier */
	T_STRING,
	T_NUMBER,
	T_OP,           /* comparison operator */
	T_LP,
	T_RP,
	T_COMMA,
	T_MINUS,
	T_PLUS,
	T_BAD,
};

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct lit {
	enum { L_INT, L_REAL, L_TEXT } t;
	int64_t i;
	double d;
	char *s;
	size_t len;
};

enum nkind { N_AND, N_OR, N_NOT, N_CMP, N_IN, N_ISNULL };

struct node {
	enum nkind k;
	struct node *a, *b;
	int col;
	enum colcache_kind ck;
	const void *values;
	const uint8_t *nulls;
	enum op op;
	struct lit v;           /* N_CMP */
	struct lit *list;       /* N_IN */
	size_t nlist;
	uint8_t *table;         /* text: 0/1 per dictionary code */
	uint32_t ncodes;
	uint8_t out[WFILTER_CHUNK];
};

struct wfilter {
	struct node *root;
};

struct parser {
	struct colcache *c;
	const char *p;
	enum tok t;
	const char *ts;         /* token text */
	size_t tl;
	const char *why;
	int depth;
};

/* ---- tokens ----------------------------------------------------------- */

static bool name_char(unsigned char ch)
{
	return isalnum(ch) || ch == '_' || ch == '$' || ch >= 0x80;
}

static void next(struct parser *ps)
{
	const char *p = ps->p;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
		p++;
	}
	ps->ts = p;
	if (!*p) {
		ps->t = T_END;
	} else if (isalpha((unsigned char)*p) || *p == '_' ||
		   (unsigned char)*p >= 0x80) {
		while (name_char((unsigned char)*p)) {
			p++;
		}
		ps->t = T_NAME;
	} else if (*p == '"' || *p == '`' || *p == '[') {
		char close = *p == '[' ? ']' : *p;

		for (p++; *p; p++) {
			if (*p == close) {
				if (close != ']' && p[1] == close) {
					p++;
					continue;
				}
				break;
			}
		}
		ps->t = *p ? T_QNAME : T_BAD;
		p += *p ? 1 : 0;
	} else if (*p == '\'') {
		for (p++; *p; p++) {
			if (*p == '\'') {
				if (p[1] == '\'') {
					p++;
					continue;
				}
				break;
			}
		}
		ps->t = *p ? T_STRING : T_BAD;
		p += *p ? 1 : 0;
	} else if (isdigit((unsigned char)*p) ||
		   (*p == '.' && isdigit((unsigned char)p[1]))) {
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			ps->t = T_BAD;  /* hex: left to SQLite */
			p += 2;
		} else {
			while (isdigit((unsigned char)*p)) {
				p++;
			}
			if (*p == '.') {
				p++;
				while (isdigit((unsigned char)*p)) {
					p++;
				}
			}
			if ((*p == 'e' || *p == 'E') &&
			    (isdigit((unsigned char)p[1]) ||
			     ((p[1] == '+' || p[1] == '-') &&
			      isdigit((unsigned char)p[2])))) {
				p += 2;
				while (isdigit((unsigned char)*p)) {
					p++;
				}
			}
			ps->t = name_char((unsigned char)*p) ? T_BAD : T_NUMBER;
		}
	} else if (*p == '(' || *p == ')' || *p == ',' || *p == '-' ||
		   *p == '+') {
		ps->t = *p == '(' ? T_LP : *p == ')' ? T_RP : *p == ','
			? T_COMMA : *p == '-' ? T_MINUS : T_PLUS;
		p++;
		/* "--" starts a comment: not ours */
		if (ps->t == T_MINUS && *p == '-') {
			ps->t = T_BAD;
		}
	} else if (*p == '=' || *p == '<' || *p == '>' || *p == '!') {
		if ((p[0] == '=' && p[1] == '=') || (p[0] == '!' && p[1] ==
		    '=') || (p[0] == '<' && (p[1] == '=' || p[1] == '>')) ||
		    (p[0] == '>' && p[1] == '=')) {
			p += 2;
			ps->t = T_OP;
		} else if (*p == '!' || (p[0] == '<' && p[1] == '<') ||
			   (p[0] == '>' && p[1] == '>')) {
			ps->t = T_BAD;
			p++;
		} else {
			p++;
			ps->t = T_OP;
		}
	} else {
		ps->t = T_BAD;
		p++;
	}
	ps->tl = (size_t)(p - ps->ts);
	ps->p = p;
}

static bool is_kw(const struct parser *ps, const char *kw)
{
	return ps->t == T_NAME && strlen(kw) == ps->tl &&
	       strncasecmp(ps->ts, kw, ps->tl) == 0;
}

static bool keyword(const struct parser *ps)
{
	static const char *const kws[] = { "AND", "OR", "NOT", "IN", "IS",
		"NULL", "BETWEEN", "ISNULL", "NOTNULL", "LIKE", "GLOB",
		"REGEXP", "MATCH", "ESCAPE", "COLLATE", "CASE", "CAST",
		"EXISTS", "SELECT", "TRUE", "FALSE", NULL };

	for (size_t i = 0; kws[i]; i++) {
		if (is_kw(ps, kws[i])) {
			return true;
		}
	}
	return false;
}

static enum op token_op(const struct parser *ps)
{
	const char *s = ps->ts;

	if (s[0] == '=') {
		return OP_EQ;
	}
	if (s[0] == '!' || (s[0] == '<' && s[1] == '>')) {
		return OP_NE;
	}
	if (s[0] == '<') {
		return ps->tl == 2 ? OP_LE : OP_LT;
	}
	return ps->tl == 2 ? OP_GE : OP_GT;
}

/* ---- nodes ------------------------------------------------------------ */

static void node_free(struct node *n)
{
	if (!n) {
		return;
	}
	node_free(n->a);
	node_free(n->b);
	free(n->v.s);
	for (size_t i = 0; i < n->nlist; i++) {
		free(n->list[i].s);
	}
	free(n->list);
	free(n->table);
	free(n);
}

static struct node *node_new(enum nkind k, struct node *a, struct node *b)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->k = k;
	n->a = a;
	n->b = b;
	return n;
}

static struct node *fail(struct parser *ps, const char *why)
{
	if (!ps->why) {
		ps->why = why;
	}
	return NULL;
}

/* a column operand: its index, or -1 (not a column token) */
static int column_of(struct parser *ps)
{
	char *name;
	int col;

	if (ps->t == T_NAME && !keyword(ps)) {
		name = xstrndup(ps->ts, ps->tl);
	} else if (ps->t == T_QNAME) {
		struct buf b = BUF_INIT;
		char close = ps->ts[0] == '[' ? ']' : ps->ts[0];

		for (size_t i = 1; i + 1 < ps->tl; i++) {
			buf_addch(&b, ps->ts[i]);
			if (ps->ts[i] == close && close != ']') {
				i++;
			}
		}
		name = buf_detach(&b, NULL);
		if (!name) {
			name = xstrdup("");
		}
	} else {
		return -1;
	}
	col = colcache_find(ps->c, name);
	free(name);
	return col;
}

/* a constant: true with *ret set and the token consumed */
static bool literal(struct parser *ps, struct lit *ret)
{
	bool neg = false;

	memset(ret, 0, sizeof(*ret));
	while (ps->t == T_MINUS || ps->t == T_PLUS) {
		neg ^= ps->t == T_MINUS;
		next(ps);
	}
	if (ps->t == T_NUMBER) {
		char *s = xstrndup(ps->ts, ps->tl);
		char *end;

		errno = 0;
		if (!strpbrk(s, ".eE")) {
			long long v = strtoll(s, &end, 10);

			if (errno == 0 && *end == '\0') {
				ret->t = L_INT;
				ret->i = neg ? -(int64_t)v : (int64_t)v;
				ret->d = (double)ret->i;
				free(s);
				next(ps);
				return true;
			}
			errno = 0;
		}
		ret->t = L_REAL;
		ret->d = strtod(s, &end);
		if (neg) {
			ret->d = -ret->d;
		}
		if (*end != '\0' || !isfinite(ret->d)) {
			free(s);
			return false;
		}
		free(s);
		next(ps);
		return true;
	}
	if (ps->t == T_STRING && !neg) {
		struct buf b = BUF_INIT;

		for (size_t i = 1; i + 1 < ps->tl; i++) {
			buf_addch(&b, ps->ts[i]);
			if (ps->ts[i] == '\'') {
				i++;
			}
		}
		ret->t = L_TEXT;
		ret->len = b.len;
		ret->s = buf_detach(&b, NULL);
		if (!ret->s) {
			ret->s = xstrdup("");
		}
		next(ps);
		return true;
	}
	return false;
}

static int cmp_text(const char *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	return r ? r : (al > bl) - (al < bl);
}

static bool op_holds(enum op op, int cmp)
{
	switch (op) {
	case OP_EQ: return cmp == 0;
	case OP_NE: return cmp != 0;
	case OP_LT: return cmp < 0;
	case OP_LE: return cmp <= 0;
	case OP_GT: return cmp > 0;
	case OP_GE: return cmp >= 0;
	}
	return false;
}

/* attach column `col` to a leaf; false when its type does not fit */
static bool leaf_column(struct parser *ps, struct node *n, int col)
{
	enum colcache_kind k = colcache_kind(ps->c, col);

	if (k == COLCACHE_NONE) {
		return false;
	}
	if (k == COLCACHE_TEXT &&
	    !(colcache_flags(ps->c, col) & COLCACHE_TEXT_AFFINITY)) {
		return false;
	}
	if (colcache_map(ps->c, col, &n->values, &n->nulls) < 0) {
		return false;
	}
	n->col = col;
	n->ck = k;
	return true;
}

/* do the constants suit the column (no affinity conversions needed)? */
static bool lit_fits(const struct node *n, const struct lit *v)
{
	return n->ck == COLCACHE_TEXT ? v->t == L_TEXT : v->t != L_TEXT;
}

/* decide a text predicate once per dictionary string */
static void text_table(struct parser *ps, struct node *n)
{
	n->ncodes = colcache_dict_count(ps->c, n->col);
	n->table = xcalloc(n->ncodes ? n->ncodes : 1, 1);
	for (uint32_t code = 0; code < n->ncodes; code++) {
		size_t len;
		const char *s = colcache_dict_str(ps->c, n->col, code, &len);
		bool hit = false;

		if (n->k == N_CMP) {
			hit = op_holds(n->op, cmp_text(s, len, n->v.s,
						       n->v.len));
		} else {
			for (size_t i = 0; i < n->nlist && !hit; i++) {
				hit = cmp_text(s, len, n->list[i].s,
					       n->list[i].len) == 0;
			}
		}
		n->table[code] = hit;
	}
}

static enum op mirror(enum op op)
{
	switch (op) {
	case OP_LT: return OP_GT;
	case OP_LE: return OP_GE;
	case OP_GT: return OP_LT;
	case OP_GE: return OP_LE;
	default: return op;
	}
}

static struct node *cmp_node(struct parser *ps, int col, enum op op,
			     struct lit *v)
{
	struct node *n = node_new(N_CMP, NULL, NULL);

	n->op = op;
	n->v = *v;
	memset(v, 0, sizeof(*v));
	if (!leaf_column(ps, n, col) || !lit_fits(n, &n->v)) {
		node_free(n);
		return fail(ps, "a comparison of a column and a constant of "
			    "different types, or a column that is not "
			    "cached");
	}
	if (n->ck == COLCACHE_TEXT) {
		text_table(ps, n);
	}
	return n;
}

static struct node *expr(struct parser *ps);

/* what follows a column: a comparison, IN, BETWEEN or a NULL test */
static struct node *predicate_rest(struct parser *ps, int col)
{
	bool negate = false;
	struct node *n;

	if (ps->t == T_OP) {
		enum op op = token_op(ps);
		struct lit v;

		next(ps);
		if (!literal(ps, &v)) {
			free(v.s);
			return fail(ps, "a comparison with something other "
				    "than a constant");
		}
		return cmp_node(ps, col, op, &v);
	}
	if (is_kw(ps, "ISNULL") || is_kw(ps, "NOTNULL")) {
		negate = is_kw(ps, "NOTNULL");
		next(ps);
		goto isnull;
	}
	if (is_kw(ps, "IS")) {
		next(ps);
		if (is_kw(ps, "NOT")) {
			negate = true;
			next(ps);
		}
		if (!is_kw(ps, "NULL")) {
			return fail(ps, "IS with something other than NULL");
		}
		next(ps);
		goto isnull;
	}
	if (is_kw(ps, "NOT")) {
		negate = true;
		next(ps);
		if (is_kw(ps, "NULL")) {
			next(ps);
			goto isnull;
		}
	}
	if (is_kw(ps, "BETWEEN")) {
		struct lit lo, hi;
		struct node *a, *b;

		next(ps);
		if (!literal(ps, &lo)) {
			free(lo.s);
			return fail(ps, "BETWEEN something other than "
				    "constants");
		}
		if (!is_kw(ps, "AND")) {
			free(lo.s);
			return fail(ps, "BETWEEN without AND");
		}
		next(ps);
		if (!literal(ps, &hi)) {
			free(lo.s);
			free(hi.s);
			return fail(ps, "BETWEEN something other than "
				    "constants");
		}
		/* SQLite defines it as x >= lo AND x <= hi */
		a = cmp_node(ps, col, OP_GE, &lo);
		b = a ? cmp_node(ps, col, OP_LE, &hi) : NULL;
		free(lo.s);
		free(hi.s);
		if (!b) {
			node_free(a);
			return NULL;
		}
		n = node_new(N_AND, a, b);
		return negate ? node_new(N_NOT, n, NULL) : n;
	}
	if (is_kw(ps, "IN")) {
		next(ps);
		if (ps->t != T_LP) {
			return fail(ps, "IN without a list");
		}
		next(ps);
		n = node_new(N_IN, NULL, NULL);
		for (;;) {
			struct lit v;

			if (!literal(ps, &v)) {
				free(v.s);
				node_free(n);
				return fail(ps, "IN a list of other than "
					    "constants");
			}
			n->list = xrealloc(n->list, (n->nlist + 1) *
					   sizeof(*n->list));
			n->list[n->nlist++] = v;
			if (ps->t == T_RP) {
				break;
			}
			if (ps->t != T_COMMA) {
				node_free(n);
				return fail(ps, "IN list not understood");
			}
			next(ps);
		}
		next(ps);
		if (!leaf_column(ps, n, col)) {
			node_free(n);
			return fail(ps, "IN over a column that is not cached");
		}
		for (size_t i = 0; i < n->nlist; i++) {
			if (!lit_fits(n, &n->list[i])) {
				node_free(n);
				return fail(ps, "IN a list of constants of "
					    "another type than the column");
			}
		}
		if (n->ck == COLCACHE_TEXT) {
			text_table(ps, n);
		}
		return negate ? node_new(N_NOT, n, NULL) : n;
	}
	return fail(ps, "a column alone or an operator not understood");
isnull:
	n = node_new(N_ISNULL, NULL, NULL);
	if (!leaf_column(ps, n, col)) {
		node_free(n);
		return fail(ps, "IS NULL over a column that is not cached");
	}
	return negate ? node_new(N_NOT, n, NULL) : n;
}

static struct node *predicate(struct parser *ps)
{
	int col;

	if (ps->t == T_LP) {
		struct node *n;

		next(ps);
		n = expr(ps);
		if (n && ps->t != T_RP) {
			node_free(n);
			return fail(ps, "parentheses not understood");
		}
		next(ps);
		return n;
	}
	col = column_of(ps);
	if (col >= 0) {
		next(ps);
		return predicate_rest(ps, col);
	}
	{
		/* constant op column: mirror it */
		struct lit v;

		if (!literal(ps, &v) || ps->t != T_OP) {
			free(v.s);
			return fail(ps, "an operand that is neither a column "
				    "nor a constant");
		}
		{
			enum op op = mirror(token_op(ps));

			next(ps);
			col = column_of(ps);
			if (col < 0) {
				free(v.s);
				return fail(ps, "a comparison of two "
					    "constants");
			}
			next(ps);
			return cmp_node(ps, col, op, &v);
		}
	}
}

static struct node *not_expr(struct parser *ps)
{
	if (is_kw(ps, "NOT")) {
		struct node *n;

		if (++ps->depth > 100) {
			return fail(ps, "nested too deep");
		}
		next(ps);
		n = not_expr(ps);
		ps->depth--;
		return n ? node_new(N_NOT, n, NULL) : NULL;
	}
	return predicate(ps);
}

static struct node *and_expr(struct parser *ps)
{
	struct node *n = not_expr(ps);

	while (n && is_kw(ps, "AND")) {
		struct node *b;

		next(ps);
		b = not_expr(ps);
		if (!b) {
			node_free(n);
			return NULL;
		}
		n = node_new(N_AND, n, b);
	}
	return n;
}

static struct node *expr(struct parser *ps)
{
	struct node *n;

	if (++ps->depth > 100) {
		return fail(ps, "nested too deep");
	}
	n = and_expr(ps);
	while (n && is_kw(ps, "OR")) {
		struct node *b;

		next(ps);
		b = and_expr(ps);
		if (!b) {
			node_free(n);
			n = NULL;
			break;
		}
		n = node_new(N_OR, n, b);
	}
	ps->depth--;
	return n;
}

struct wfilter *wfilter_compile(struct colcache *c, const char *where,
				const char **ret_why)
{
	struct parser ps = { .c = c, .p = where };
	struct node *n;
	struct wfilter *f;

	next(&ps);
	n = expr(&ps);
	if (n && ps.t != T_END) {
		node_free(n);
		n = fail(&ps, "text after the expression not understood");
	}
	if (!n) {
		*ret_why = ps.why ? ps.why : "not understood";
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->root = n;
	return f;
}

void wfilter_free(struct wfilter *f)
{
	if (f) {
		node_free(f->root);
		free(f);
	}
}

/* ---- evaluation ------------------------------------------------------- */

static int cmp_num_row(const struct node *n, int64_t i, const struct lit *v)
{
	if (n->ck == COLCACHE_INT64) {
		int64_t x = ((const int64_t *)n->values)[i];

		if (v->t == L_INT) {
			return (x > v->i) - (x < v->i);
		}
		return ((double)x > v->d) - ((double)x < v->d);
	} else {
		double x = ((const double *)n->values)[i];

		return (x > v->d) - (x < v->d);
	}
}

static void eval(struct node *n, int64_t first, size_t len)
{
	uint8_t *o = n->out;

	switch (n->k) {
	case N_AND:
	case N_OR:
		eval(n->a, first, len);
		eval(n->b, first, len);
		for (size_t j = 0; j < len; j++) {
			uint8_t x = n->a->out[j], y = n->b->out[j];

			if (n->k == N_AND) {
				o[j] = x == 0 || y == 0 ? 0 : x == 2 || y == 2
					? 2 : 1;
			} else {
				o[j] = x == 1 || y == 1 ? 1 : x == 2 || y == 2
					? 2 : 0;
			}
		}
		return;
	case N_NOT:
		eval(n->a, first, len);
		for (size_t j = 0; j < len; j++) {
			uint8_t x = n->a->out[j];

			o[j] = x == 2 ? 2 : !x;
		}
		return;
	case N_ISNULL:
		for (size_t j = 0; j < len; j++) {
			o[j] = colcache_is_null(n->nulls, first + (int64_t)j);
		}
		return;
	case N_CMP:
	case N_IN:
		break;
	}
	for (size_t j = 0; j < len; j++) {
		int64_t i = first + (int64_t)j;

		if (colcache_is_null(n->nulls, i)) {
			o[j] = 2;
		} else if (n->ck == COLCACHE_TEXT) {
			uint32_t code = ((const uint32_t *)n->values)[i];

			o[j] = code < n->ncodes ? n->table[code] : 0;
		} else if (n->k == N_CMP) {
			o[j] = op_holds(n->op, cmp_num_row(n, i, &n->v));
		} else {
			bool hit = false;

			for (size_t k = 0; k < n->nlist && !hit; k++) {
				hit = cmp_num_row(n, i, &n->list[k]) == 0;
			}
			o[j] = hit;
		}
	}
}

void wfilter_eval(struct wfilter *f, int64_t first, size_t n, uint8_t *out)
{
	eval(f->root, first, n);
	memcpy(out, f->root->out, n);
}
