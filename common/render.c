#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcp/numfmt.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"

/* blobs show this many bytes in hex; their length says the rest */
/* integers a double holds exactly; past them JSON keeps the digits raw */
#define EXACT_INT (INT64_C(1) << 53)

/* length of a valid UTF-8 sequence at s (n bytes left), or 0 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80) {
		return s[0] ? 1 : 0;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past Unicode */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff)) {
		return 0;
	}
	return len;
}

char *render_utf8_clean(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_len(p + i, len - i);

		if (n) {
			buf_add(&b, p + i, n);
			i += n;
		} else {
			/* also NUL: a C string cannot carry it */
			buf_addstr(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	return buf_detach(&b, NULL);
}

/* true when `len` bytes are valid UTF-8 with no NUL: usable as they are */
static bool utf8_clean_already(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n;

		/* most dataset text is ASCII: eight bytes at a time */
		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			/* a high bit, or a zero byte, ends the fast run */
			if ((w & UINT64_C(0x8080808080808080)) ||
			    ((w - UINT64_C(0x0101010101010101)) & ~w &
			     UINT64_C(0x8080808080808080))) {
				break;
			}
			i += 8;
		}
		if (i >= len) {
			break;
		}
		n = utf8_len(p + i, len - i);
		if (!n) {
			return false;
		}
		i += n;
	}
	return true;
}

static int add_double(struct buf *b, double d, bool json);

/* decimal digits of v at the end of buf (at least 21 bytes); no printf */
static const char *format_int(long long v, char *buf, size_t size)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
				     : (unsigned long long)v;
	char *p = buf + size;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0) {
		*--p = '-';
	}
	return p;
}

/* a blob as x'0A1B...' and its length past RENDER_BLOB_SHOWN bytes */
static char *blob_text(const unsigned char *p, int n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT;

	buf_addstr(&b, "x'");
	for (int k = 0; k < n && k < RENDER_BLOB_SHOWN; k++) {
		buf_addch(&b, hex[p[k] >> 4]);
		buf_addch(&b, hex[p[k] & 15]);
	}
	buf_addch(&b, '\'');
	if (n > RENDER_BLOB_SHOWN) {
		buf_addf(&b, "... (%d bytes)", n);
	}
	return buf_detach(&b, NULL);
}

cJSON *render_cell_json(const struct render_cell *c)
{
	switch (c->kind) {
	case RENDER_INT:
		/*
		 * As raw text, like real numbers: exact past 2^53, and the
		 * printers copy it instead of formatting it again.
		 */
		return cJSON_CreateRaw(c->text);
	case RENDER_REAL: {
		struct buf b = BUF_INIT;
		cJSON *item;

		/*
		 * Formatted once, here, as the shortest text that reads back
		 * as the same double: the markdown table and the JSON printer
		 * both use this text instead of formatting the number again.
		 */
		if (c->text) {
			return cJSON_CreateRaw(c->text);
		}
		add_double(&b, c->real, true);
		item = cJSON_CreateRaw(buf_str(&b));
		buf_release(&b);
		return item;
	}
	case RENDER_TEXT:
		return cJSON_CreateString(c->text);
	default:
		return cJSON_CreateNull();
	}
}

cJSON *render_value(sqlite3_stmt *st, int i)
{
	struct render_cell c;
	cJSON *item;

	render_cell_read(&c, st, i);
	item = render_cell_json(&c);
	render_cell_clear(&c);
	return item;
}

/* a real whose value is a whole number a double holds exactly */
static bool whole(double d)
{
	return d == floor(d) && fabs(d) < (double)EXACT_INT;
}

void render_cell_read(struct render_cell *c, sqlite3_stmt *st, int i)
{
	c->kind = RENDER_NULL;
	c->text = NULL;
	c->len = 0;
	c->owned = NULL;
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: {
		long long v = sqlite3_column_int64(st, i);

		c->kind = RENDER_INT;
		c->real = (double)v;
		c->text = format_int(v, c->digits, sizeof(c->digits));
		c->len = (size_t)(c->digits + sizeof(c->digits) - 1 - c->text);
		break;
	}
	case SQLITE_FLOAT:
		c->real = sqlite3_column_double(st, i);
		if (!isfinite(c->real)) {
			break;
		}
		if (whole(c->real)) {
			/* integers are most cells: shown as such, never "-0" */
			c->kind = RENDER_INT;
			c->text = format_int((long long)c->real, c->digits,
					     sizeof(c->digits));
			c->len = (size_t)(c->digits + sizeof(c->digits) - 1 -
					  c->text);
		} else {
			c->kind = RENDER_REAL;
		}
		break;
	case SQLITE_TEXT: {
		const char *t = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);

		c->kind = RENDER_TEXT;
		if (!t) {
			c->text = "";
		} else if (utf8_clean_already(t, n)) {
			/* SQLite's own copy, valid until the next step */
			c->text = t;
			c->len = n;
		} else {
			c->owned = render_utf8_clean(t, n);
			c->text = c->owned;
			c->len = strlen(c->owned);
		}
		break;
	}
	case SQLITE_BLOB:
		c->kind = RENDER_TEXT;
		c->owned = blob_text(sqlite3_column_blob(st, i),
				     sqlite3_column_bytes(st, i));
		c->text = c->owned;
		c->len = strlen(c->owned);
		break;
	default:
		break;
	}
}

void render_cell_clear(struct render_cell *c)
{
	free(c->owned);
	c->owned = NULL;
}

/* shortest decimal that reads back as the same double */
static int add_double(struct buf *b, double d, bool json)
{
	char num[40];

	if (isinf(d)) {
		return buf_addstr(b, json ? "null"
					  : d > 0 ? "Infinity" : "-Infinity");
	}
	if (isnan(d)) {
		return buf_addstr(b, json ? "null" : "NaN");
	}
	if (whole(d)) {
		/* integers are most cells: no printf, and never "-0" */
		return buf_addstr(b, format_int((long long)d, num,
						sizeof(num)));
	}
	/* the shortest text that reads back as d, printf only if need be */
	return numfmt_add_exact(b, d);
}

/*
 * The escapers below copy runs of ordinary bytes whole and stop only at
 * the bytes a table marks: a cell of plain text costs one scan and one
 * copy.  Each returns 0 or -E2BIG (the buffer may then hold a part).
 */

/* a zero byte in w (the classic test: exact, no false positive) */
static inline uint64_t zero_byte(uint64_t w)
{
	return (w - UINT64_C(0x0101010101010101)) & ~w &
	       UINT64_C(0x8080808080808080);
}

/* U+2028 or U+2029 at p: they end lines in JavaScript and in markdown */
static const char *separator_at(const unsigned char *p,
				const unsigned char *end)
{
	if (end - p < 3 || p[1] != 0x80 || (p[2] != 0xa8 && p[2] != 0xa9)) {
		return NULL;
	}
	return p[2] == 0xa8 ? "\\u2028" : "\\u2029";
}

/*
 * What a marked byte at p becomes: its replacement, or NULL to keep it
 * (and *skip, the bytes after it the replacement stands for too).  `hex`
 * has room for a numeric escape.
 */
typedef const char *escape_fn(const unsigned char *p, const unsigned char *end,
			      char *hex, size_t *skip);

/*
 * `len` bytes into `b`, the bytes `marked` names passed to `escape`.
 * With `marked8`, eight plain bytes at a time are skipped (JSON, whose
 * marked bytes a few word operations find).  Inlined into each escaper,
 * so the calls through the pointers are made direct.
 */
static inline int escape_runs(struct buf *b, const char *s, size_t len,
			      const unsigned char *marked,
			      bool (*marked8)(uint64_t), escape_fn *escape)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const unsigned char *run = p;
	int r = 0;

	for (; p < end; p++) {
		const char *rep;
		char hex[8];
		size_t skip = 0;

		while (marked8 && end - p >= 8) {
			uint64_t w;

			memcpy(&w, p, 8);
			if (marked8(w)) {
				break;
			}
			p += 8;
		}
		if (p >= end) {
			break;
		}
		if (!marked[*p] || !(rep = escape(p, end, hex, &skip))) {
			continue;
		}
		if (p > run) {
			r |= buf_add(b, run, (size_t)(p - run));
		}
		r |= buf_addstr(b, rep);
		p += skip;
		run = p + 1;
	}
	if (end > run) {
		r |= buf_add(b, run, (size_t)(end - run));
	}
	return r < 0 ? -E2BIG : 0;
}

/* markdown: bytes that are escaped or start a sequence that may be */
static const unsigned char md_marked[256] = {
	[0x00 ... 0x1f] = 1, ['\\'] = 1, ['|'] = 1, ['`'] = 1, ['['] = 1,
	[']'] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1, [0x7f] = 1,
	[0xc2] = 1, [0xe2] = 1,
};

static const char *md_escape_byte(const unsigned char *p,
				  const unsigned char *end, char *hex,
				  size_t *skip)
{
	switch (*p) {
	case '\\': return "\\\\";
	case '|': return "\\|";
	case '`': return "\\`";
	case '[': return "\\[";
	case ']': return "\\]";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '&': return "&amp;";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case 0xe2:
		*skip = 2;
		return separator_at(p, end);
	case 0xc2:
		/* NEL ends a line too */
		*skip = 1;
		return end - p >= 2 && p[1] == 0x85 ? "\\u0085" : NULL;
	default:
		/* the other control bytes, and DEL */
		hex[0] = '\\';
		hex[1] = 'x';
		hex[2] = "0123456789ABCDEF"[*p >> 4];
		hex[3] = "0123456789ABCDEF"[*p & 15];
		hex[4] = '\0';
		return hex;
	}
}

static int md_escape(struct buf *b, const char *s, size_t len)
{
	return escape_runs(b, s, len, md_marked, NULL, md_escape_byte);
}

int render_md_cell(struct buf *b, const char *s)
{
	return md_escape(b, s, strlen(s));
}

int render_md_code(struct buf *b, const char *s)
{
	char *t = xstrdup(s);
	int r;

	/* a backtick would end the span: shown as a quote, as names rarely
	 * hold one; render_md_cell escapes line breaks and the rest */
	for (char *p = t; *p; p++) {
		if (*p == '`') {
			*p = '\'';
		}
	}
	buf_addch(b, '`');
	render_md_cell(b, t);
	r = buf_addch(b, '`');
	free(t);
	return r;
}

static int csv_escape(struct buf *b, const char *s, size_t len)
{
	bool quote = len && (s[0] == ' ' || s[len - 1] == ' ');
	const char *p, *end = s + len, *run = s;
	int r = 0;

	for (p = s; p < end && !quote; p++) {
		quote = *p == ',' || *p == '"' || *p == '\r' || *p == '\n';
	}
	if (!quote) {
		return buf_add(b, s, len);
	}
	r |= buf_addch(b, '"');
	/* a quote is doubled: copied once, then again with the next run */
	for (p = s; p < end; p++) {
		if (*p == '"') {
			r |= buf_add(b, run, (size_t)(p - run) + 1);
			run = p;
		}
	}
	r |= buf_add(b, run, (size_t)(end - run));
	r |= buf_addch(b, '"');
	return r < 0 ? -E2BIG : 0;
}

int render_csv_field(struct buf *b, const char *s)
{
	return csv_escape(b, s, strlen(s));
}

/* JSON: bytes that are escaped or may start U+2028 / U+2029 */
static const unsigned char json_marked[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1, [0xe2] = 1,
};

/* whether any of the 8 bytes in w is one json_marked names */
static bool json_marked8(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);

	/* high bits (0xe2 among them), control bytes, '"', '\\', DEL */
	return (w & ones * 0x80) || zero_byte(w & ones * 0x60) ||
	       zero_byte(w ^ ones * '"') || zero_byte(w ^ ones * '\\') ||
	       zero_byte(w ^ ones * 0x7f);
}

static const char *json_escape_byte(const unsigned char *p,
				    const unsigned char *end, char *hex,
				    size_t *skip)
{
	switch (*p) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case 0xe2:
		*skip = 2;
		return separator_at(p, end);
	default:
		memcpy(hex, "\\u00", 4);
		hex[4] = "0123456789abcdef"[*p >> 4];
		hex[5] = "0123456789abcdef"[*p & 15];
		hex[6] = '\0';
		return hex;
	}
}

static int json_escape(struct buf *b, const char *s, size_t len)
{
	int r = buf_addch(b, '"');

	r |= escape_runs(b, s, len, json_marked, json_marked8,
			 json_escape_byte);
	r |= buf_addch(b, '"');
	return r < 0 ? -E2BIG : 0;
}

int render_json_string(struct buf *b, const char *s)
{
	return json_escape(b, s, strlen(s));
}

int render_json_string_n(struct buf *b, const char *s, size_t len)
{
	return json_escape(b, s, len);
}

static const struct query_opts default_opts = QUERY_OPTS_INIT;

/*
 * A number as the raw text render_value() wrote: a plain decimal of at
 * most 15 digits is m / 10^k, which IEEE division rounds exactly as
 * strtod() would (both exact operands); anything else goes to strtod().
 */
static double parse_number(const char *t)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
				      1e15 };
	const char *p = t + (*t == '-');
	long long m = 0;
	int digits = 0, k = -1;

	for (; *p; p++) {
		if (*p == '.' && k < 0) {
			k = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || ++digits > 15) {
			return strtod(t, NULL);
		}
		m = m * 10 + (*p - '0');
		if (k >= 0) {
			k++;
		}
	}
	if (digits == 0) {
		return strtod(t, NULL);
	}
	if (k < 0) {
		k = 0;
	}
	return (*t == '-' ? -(double)m : (double)m) / p10[k];
}

void render_cell_of_json(struct render_cell *c, const cJSON *item)
{
	c->kind = RENDER_NULL;
	c->text = NULL;
	c->len = 0;
	c->owned = NULL;
	if (cJSON_IsRaw(item)) {
		/* render_value's text: integers are digits, kept in full */
		c->text = item->valuestring;
		c->len = strlen(c->text);
		c->kind = strpbrk(c->text, ".eE") ? RENDER_REAL : RENDER_INT;
		c->real = parse_number(c->text);
	} else if (cJSON_IsNumber(item)) {
		c->kind = RENDER_REAL;
		c->real = item->valuedouble;
	} else if (cJSON_IsString(item)) {
		c->kind = RENDER_TEXT;
		c->text = item->valuestring;
		c->len = strlen(c->text);
	}
}

/* a number for reading: `decimals` >= 0 fixes them (an estimate and SE) */
static int read_number(struct buf *b, const struct render_cell *c,
		       const struct query_opts *o, int decimals)
{
	if (decimals >= 0) {
		return numfmt_add_fixed(b, c->real, decimals);
	}
	if (c->kind == RENDER_INT) {
		/* integers are shown in full */
		return buf_add(b, c->text, c->len);
	}
	return numfmt_add(b, c->real, o->digits);
}

/* a long text cell, cut after `max` characters with its full length */
static int md_text(struct buf *b, const char *s, size_t len, int max)
{
	size_t chars = 0, cut = 0;

	/* a character is at least a byte: short text is never cut */
	if (max <= 0 || len <= (size_t)max) {
		return md_escape(b, s, len);
	}
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == (size_t)max) {
				cut = i;
			}
			chars++;
		}
	}
	if (chars <= (size_t)max) {
		return md_escape(b, s, len);
	}
	md_escape(b, s, cut);
	return buf_addf(b, "… (%zu chars)", chars);
}

static int md_value(struct buf *b, const struct render_cell *c,
		    const struct query_opts *o, int decimals)
{
	switch (c->kind) {
	case RENDER_INT:
	case RENDER_REAL:
		return read_number(b, c, o, decimals);
	case RENDER_TEXT:
		return md_text(b, c->text, c->len, o->cell_chars);
	default:
		return buf_add(b, "NULL", 4);
	}
}

static int csv_value(struct buf *b, const struct render_cell *c,
		     const struct query_opts *o, int decimals)
{
	switch (c->kind) {
	case RENDER_INT:
	case RENDER_REAL:
		return read_number(b, c, o, decimals);
	case RENDER_TEXT:
		return csv_escape(b, c->text, c->len);
	default:
		/* an empty field is how CSV says NULL */
		return 0;
	}
}

static int json_value(struct buf *b, const struct render_cell *c)
{
	switch (c->kind) {
	case RENDER_INT:
		return buf_add(b, c->text, c->len);
	case RENDER_REAL:
		/* the exact text when the cell came with one */
		return c->text ? buf_add(b, c->text, c->len)
			       : add_double(b, c->real, true);
	case RENDER_TEXT:
		return json_escape(b, c->text, c->len);
	default:
		return buf_add(b, "null", 4);
	}
}

int render_cells_json(struct buf *b, const struct render_cell *cells,
		      int n)
{
	int r = buf_addch(b, '[');

	for (int i = 0; i < n; i++) {
		if (i) {
			r |= buf_addch(b, ',');
		}
		r |= json_value(b, &cells[i]);
	}
	r |= buf_addch(b, ']');
	return r < 0 ? -E2BIG : 0;
}

static const char *name_at(const cJSON *names, int i)
{
	const cJSON *n = cJSON_GetArrayItem(names, i);

	return cJSON_IsString(n) ? n->valuestring : "?";
}

int render_header(struct buf *b, enum query_format f, const cJSON *names)
{
	struct buf t = BUF_INIT;
	int n = cJSON_GetArraySize(names);
	int r;

	switch (f) {
	case QUERY_FORMAT_MARKDOWN:
		buf_addch(&t, '|');
		for (int i = 0; i < n; i++) {
			buf_addch(&t, ' ');
			render_md_cell(&t, name_at(names, i));
			buf_addstr(&t, " |");
		}
		buf_addstr(&t, "\n|");
		for (int i = 0; i < n; i++) {
			buf_addstr(&t, "---|");
		}
		buf_addch(&t, '\n');
		break;
	case QUERY_FORMAT_CSV:
		for (int i = 0; i < n; i++) {
			if (i) {
				buf_addch(&t, ',');
			}
			render_csv_field(&t, name_at(names, i));
		}
		buf_addch(&t, '\n');
		break;
	case QUERY_FORMAT_JSON:
		buf_addch(&t, '[');
		break;
	}
	r = buf_add(b, buf_str(&t), t.len);
	buf_release(&t);
	return r;
}

static int column_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0) {
			return i;
		}
	}
	return -1;
}

static bool se_column(const char *name)
{
	return strcmp(name, "estimate") == 0 || strcmp(name, "se") == 0 ||
	       strncmp(name, "ci_", 3) == 0;
}

/*
 * Per column of this row: the decimals of an estimate and what goes with
 * it (se, ci_*), fixed by the SE, or -1 for the plain rules.  NULL when
 * every column follows the plain rules.
 */
static int *row_decimals(const char *const *names,
			 const struct render_cell *cells, int n,
			 const struct query_opts *o)
{
	int *dec, at, d;

	if (!o->se_pairs || (at = column_index(names, n, "se")) < 0 ||
	    column_index(names, n, "estimate") < 0 ||
	    (cells[at].kind != RENDER_INT && cells[at].kind != RENDER_REAL)) {
		return NULL;
	}
	d = numfmt_decimals(cells[at].real);
	if (d < 0) {
		return NULL;
	}
	dec = xcalloc((size_t)n, sizeof(*dec));
	for (int i = 0; i < n; i++) {
		dec[i] = se_column(names[i]) ? d : -1;
	}
	return dec;
}

int render_cells(struct buf *b, enum query_format f,
		 const char *const *names, const struct render_cell *cells,
		 int n, int64_t index, const struct query_opts *o)
{
	int *dec;
	int r = 0;

	if (!o) {
		o = &default_opts;
	}
	dec = row_decimals(names, cells, n, o);
	switch (f) {
	case QUERY_FORMAT_MARKDOWN:
		r |= buf_addch(b, '|');
		for (int i = 0; i < n; i++) {
			r |= buf_addch(b, ' ');
			r |= md_value(b, &cells[i], o, dec ? dec[i] : -1);
			r |= buf_add(b, " |", 2);
		}
		r |= buf_addch(b, '\n');
		break;
	case QUERY_FORMAT_CSV:
		for (int i = 0; i < n; i++) {
			if (i) {
				r |= buf_addch(b, ',');
			}
			r |= csv_value(b, &cells[i], o, dec ? dec[i] : -1);
		}
		r |= buf_addch(b, '\n');
		break;
	case QUERY_FORMAT_JSON:
		r |= buf_addstr(b, index ? ",\n{" : "\n{");
		for (int i = 0; i < n; i++) {
			if (i) {
				r |= buf_addch(b, ',');
			}
			r |= render_json_string(b, names[i]);
			r |= buf_addch(b, ':');
			r |= json_value(b, &cells[i]);
		}
		r |= buf_addch(b, '}');
		break;
	}
	free(dec);
	return r < 0 ? -E2BIG : 0;
}

int render_row(struct buf *b, enum query_format f, const cJSON *names,
	       const cJSON *row, int64_t index, const struct query_opts *o)
{
	struct buf t = BUF_INIT;
	int n = cJSON_GetArraySize(row);
	size_t count = n > 0 ? (size_t)n : 1;
	struct render_cell *cells = xcalloc(count, sizeof(*cells));
	const char **nm = xcalloc(count, sizeof(*nm));
	const cJSON *item = row ? row->child : NULL;
	const cJSON *name = names ? names->child : NULL;
	int r;

	for (int i = 0; i < n; i++) {
		render_cell_of_json(&cells[i], item);
		nm[i] = cJSON_IsString(name) ? name->valuestring : "?";
		item = item ? item->next : NULL;
		name = name ? name->next : NULL;
	}
	/* whole or not at all: rendered aside, then added */
	render_cells(&t, f, nm, cells, n, index, o);
	r = buf_add(b, buf_str(&t), t.len);
	buf_release(&t);
	free(nm);
	free(cells);
	return r;
}

int render_footer(struct buf *b, enum query_format f, int64_t nrows)
{
	switch (f) {
	case QUERY_FORMAT_MARKDOWN:
		return nrows ? 0 : buf_addstr(b, "(no rows)\n");
	case QUERY_FORMAT_CSV:
		return 0;
	case QUERY_FORMAT_JSON:
		return buf_addstr(b, nrows ? "\n]\n" : "]\n");
	}
	return -EINVAL;
}

cJSON *render_double(double d)
{
	struct buf b = BUF_INIT;
	cJSON *item;

	if (!isfinite(d)) {
		return cJSON_CreateNull();
	}
	add_double(&b, d, true);
	item = cJSON_CreateRaw(buf_str(&b));
	buf_release(&b);
	return item;
}

cJSON *render_raw_take(char *json)
{
	cJSON *item = cJSON_CreateRaw("");

	/* cJSON frees valuestring with free() (no hooks are set) */
	free(item->valuestring);
	item->valuestring = json;
	return item;
}
