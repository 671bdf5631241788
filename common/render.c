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

cJSON *render_value(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: {
		char num[24];

		/*
		 * As raw text, like real numbers: exact past 2^53, and the
		 * printers copy it instead of formatting it again.
		 */
		return cJSON_CreateRaw(
			format_int(sqlite3_column_int64(st, i), num, sizeof(num)));
	}
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, i);
		struct buf b = BUF_INIT;
		cJSON *item;

		if (!isfinite(d)) {
			return cJSON_CreateNull();
		}
		/*
		 * Formatted once, here, as the shortest text that reads back
		 * as the same double: the markdown table and the JSON printer
		 * both use this text instead of formatting the number again.
		 */
		add_double(&b, d, true);
		item = cJSON_CreateRaw(buf_str(&b));
		buf_release(&b);
		return item;
	}
	case SQLITE_TEXT: {
		const char *t = (const char *)sqlite3_column_text(st, i);
		char *clean = render_utf8_clean(t ? t : "",
						(size_t)sqlite3_column_bytes(st, i));
		cJSON *item = cJSON_CreateString(clean);

		free(clean);
		return item;
	}
	case SQLITE_BLOB: {
		const unsigned char *p = sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i);
		struct buf b = BUF_INIT;
		cJSON *item;

		buf_addstr(&b, "x'");
		for (int k = 0; k < n && k < RENDER_BLOB_SHOWN; k++) {
			buf_addf(&b, "%02X", p[k]);
		}
		buf_addch(&b, '\'');
		if (n > RENDER_BLOB_SHOWN) {
			buf_addf(&b, "... (%d bytes)", n);
		}
		item = cJSON_CreateString(buf_str(&b));
		buf_release(&b);
		return item;
	}
	default:
		return cJSON_CreateNull();
	}
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
	if (d == floor(d) && fabs(d) < (double)EXACT_INT) {
		/* integers are most cells: no printf, and never "-0" */
		return buf_addstr(b, format_int((long long)d, num,
						sizeof(num)));
	}
	/* the shortest text that reads back as d, printf only if need be */
	return numfmt_add_exact(b, d);
}

static int add_number(struct buf *b, const cJSON *item, bool json)
{
	if (cJSON_IsRaw(item)) {
		return buf_addstr(b, item->valuestring);
	}
	return add_double(b, item->valuedouble, json);
}

int render_md_cell(struct buf *b, const char *s)
{
	struct buf t = BUF_INIT;
	int r;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\\':
			buf_addstr(&t, "\\\\");
			break;
		case '|':
			buf_addstr(&t, "\\|");
			break;
		case '`':
			buf_addstr(&t, "\\`");
			break;
		case '[':
			buf_addstr(&t, "\\[");
			break;
		case ']':
			buf_addstr(&t, "\\]");
			break;
		case '<':
			buf_addstr(&t, "&lt;");
			break;
		case '>':
			buf_addstr(&t, "&gt;");
			break;
		case '&':
			buf_addstr(&t, "&amp;");
			break;
		case '\n':
			buf_addstr(&t, "\\n");
			break;
		case '\r':
			buf_addstr(&t, "\\r");
			break;
		case '\t':
			buf_addstr(&t, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				buf_addf(&t, "\\x%02X", *p);
			} else if (p[0] == 0xe2 && p[1] == 0x80 &&
				   (p[2] == 0xa8 || p[2] == 0xa9)) {
				/* line and paragraph separators end lines too */
				buf_addf(&t, "\\u%s",
					 p[2] == 0xa8 ? "2028" : "2029");
				p += 2;
			} else if (p[0] == 0xc2 && p[1] == 0x85) {
				buf_addstr(&t, "\\u0085");
				p += 1;
			} else {
				buf_addch(&t, (char)*p);
			}
			break;
		}
	}
	r = buf_add(b, buf_str(&t), t.len);
	buf_release(&t);
	return r;
}

int render_md_code(struct buf *b, const char *s)
{
	struct buf t = BUF_INIT;
	int r;

	/* a backtick would end the span: shown as a quote, as names rarely
	 * hold one; render_md_cell escapes line breaks and the rest */
	for (const char *p = s; *p; p++) {
		buf_addch(&t, *p == '`' ? '\'' : *p);
	}
	buf_addch(b, '`');
	render_md_cell(b, buf_str(&t));
	r = buf_addch(b, '`');
	buf_release(&t);
	return r;
}

int render_csv_field(struct buf *b, const char *s)
{
	struct buf t = BUF_INIT;
	bool quote = strpbrk(s, ",\"\r\n") != NULL ||
		     (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '));
	int r;

	if (!quote) {
		return buf_addstr(b, s);
	}
	buf_addch(&t, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"') {
			buf_addch(&t, '"');
		}
		buf_addch(&t, *p);
	}
	buf_addch(&t, '"');
	r = buf_add(b, buf_str(&t), t.len);
	buf_release(&t);
	return r;
}

int render_json_string(struct buf *b, const char *s)
{
	struct buf t = BUF_INIT;
	int r;

	buf_addch(&t, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			buf_addstr(&t, "\\\"");
			break;
		case '\\':
			buf_addstr(&t, "\\\\");
			break;
		case '\n':
			buf_addstr(&t, "\\n");
			break;
		case '\r':
			buf_addstr(&t, "\\r");
			break;
		case '\t':
			buf_addstr(&t, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				buf_addf(&t, "\\u%04x", *p);
			} else if (p[0] == 0xe2 && p[1] == 0x80 &&
				   (p[2] == 0xa8 || p[2] == 0xa9)) {
				buf_addf(&t, "\\u%s",
					 p[2] == 0xa8 ? "2028" : "2029");
				p += 2;
			} else {
				buf_addch(&t, (char)*p);
			}
			break;
		}
	}
	buf_addch(&t, '"');
	r = buf_add(b, buf_str(&t), t.len);
	buf_release(&t);
	return r;
}

static const struct query_opts default_opts = QUERY_OPTS_INIT;

/* a number for reading: `decimals` >= 0 fixes them (an estimate and SE) */
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

static int read_number(struct buf *b, const cJSON *item,
		       const struct query_opts *o, int decimals)
{
	double d;

	if (cJSON_IsRaw(item)) {
		const char *t = item->valuestring;

		/* integers are raw digits and shown in full */
		if (!strpbrk(t, ".eE") && decimals < 0) {
			return buf_addstr(b, t);
		}
		d = parse_number(t);
	} else {
		d = item->valuedouble;
	}
	if (decimals >= 0) {
		return numfmt_add_fixed(b, d, decimals);
	}
	return numfmt_add(b, d, o->digits);
}

/* a long text cell, cut after `max` characters with its full length */
static int md_text(struct buf *b, const char *s, int max)
{
	size_t chars = 0, cut = 0;
	char *head;
	int r;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) != 0x80) {
			if (max > 0 && chars == (size_t)max) {
				cut = (size_t)((const char *)p - s);
			}
			chars++;
		}
	}
	if (max <= 0 || chars <= (size_t)max) {
		return render_md_cell(b, s);
	}
	head = xstrndup(s, cut);
	render_md_cell(b, head);
	free(head);
	r = buf_addf(b, "… (%zu chars)", chars);
	return r;
}

static int md_value(struct buf *b, const cJSON *item,
		    const struct query_opts *o, int decimals)
{
	if (cJSON_IsNumber(item) || cJSON_IsRaw(item)) {
		return read_number(b, item, o, decimals);
	}
	if (cJSON_IsString(item)) {
		return md_text(b, item->valuestring, o->cell_chars);
	}
	return buf_addstr(b, "NULL");
}

static int csv_value(struct buf *b, const cJSON *item,
		     const struct query_opts *o, int decimals)
{
	if (cJSON_IsNumber(item) || cJSON_IsRaw(item)) {
		return read_number(b, item, o, decimals);
	}
	if (cJSON_IsString(item)) {
		return render_csv_field(b, item->valuestring);
	}
	/* an empty field is how CSV says NULL */
	return 0;
}

static int json_value(struct buf *b, const cJSON *item)
{
	if (cJSON_IsNumber(item) || cJSON_IsRaw(item)) {
		return add_number(b, item, true);
	}
	if (cJSON_IsString(item)) {
		return render_json_string(b, item->valuestring);
	}
	return buf_addstr(b, "null");
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

static int column_index(const cJSON *names, const char *name)
{
	int i = 0;
	const cJSON *n;

	cJSON_ArrayForEach(n, names) {
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
			return i;
		}
		i++;
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
 * it (se, ci_*), fixed by the SE, or -1 for the plain rules.
 */
static void row_decimals(const cJSON *names, const cJSON *row,
			 const struct query_opts *o, int *dec, int n)
{
	const cJSON *se;
	int at, d = -1;

	for (int i = 0; i < n; i++) {
		dec[i] = -1;
	}
	if (!o->se_pairs || (at = column_index(names, "se")) < 0 ||
	    column_index(names, "estimate") < 0) {
		return;
	}
	se = cJSON_GetArrayItem(row, at);
	if (cJSON_IsRaw(se)) {
		d = numfmt_decimals(strtod(se->valuestring, NULL));
	} else if (cJSON_IsNumber(se)) {
		d = numfmt_decimals(se->valuedouble);
	}
	for (int i = 0; i < n && d >= 0; i++) {
		if (se_column(name_at(names, i))) {
			dec[i] = d;
		}
	}
}

int render_row(struct buf *b, enum query_format f, const cJSON *names,
	       const cJSON *row, int64_t index, const struct query_opts *o)
{
	struct buf t = BUF_INIT;
	int n = cJSON_GetArraySize(row);
	int *dec = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*dec));
	int r;

	if (!o) {
		o = &default_opts;
	}
	row_decimals(names, row, o, dec, n);
	switch (f) {
	case QUERY_FORMAT_MARKDOWN:
		buf_addch(&t, '|');
		for (int i = 0; i < n; i++) {
			buf_addch(&t, ' ');
			md_value(&t, cJSON_GetArrayItem(row, i), o, dec[i]);
			buf_addstr(&t, " |");
		}
		buf_addch(&t, '\n');
		break;
	case QUERY_FORMAT_CSV:
		for (int i = 0; i < n; i++) {
			if (i) {
				buf_addch(&t, ',');
			}
			csv_value(&t, cJSON_GetArrayItem(row, i), o, dec[i]);
		}
		buf_addch(&t, '\n');
		break;
	case QUERY_FORMAT_JSON:
		buf_addstr(&t, index ? ",\n{" : "\n{");
		for (int i = 0; i < n; i++) {
			if (i) {
				buf_addch(&t, ',');
			}
			render_json_string(&t, name_at(names, i));
			buf_addch(&t, ':');
			json_value(&t, cJSON_GetArrayItem(row, i));
		}
		buf_addch(&t, '}');
		break;
	}
	r = buf_add(b, buf_str(&t), t.len);
	buf_release(&t);
	free(dec);
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
