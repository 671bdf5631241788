#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mcp/csv.h"
#include "mcp/xalloc.h"

#define DEFAULT_MAX_FIELD ((size_t)16 << 20)
#define DEFAULT_MAX_FIELDS ((size_t)4096)
#define DEFAULT_READ_SIZE ((size_t)1 << 20)

/*
 * The record buffer and the read buffer both have SLACK bytes past their
 * nominal size, so a short field is copied with one fixed 16-byte move
 * instead of a memcpy of its exact length.
 */
#define SLACK 32

/*
 * Where the parser stands between two bytes.  The state survives a refill
 * of the read buffer, so a field, a doubled quote or a CRLF may be split
 * anywhere by read() without special cases.
 */
enum state {
	ST_RECORD,      /* before the first byte of a record */
	ST_BLANK_CR,    /* saw CR at the start of a record */
	ST_FIELD,       /* before the first byte of a field */
	ST_UNQUOTED,    /* inside an unquoted field */
	ST_QUOTED,      /* inside a quoted field */
	ST_QUOTE,       /* saw '"' inside a quoted field: close or doubled */
	ST_ESCAPE,      /* saw the escape byte inside a quoted field */
	ST_CR,          /* saw CR after a field: LF must follow */
};

struct csv_reader {
	int fd;
	char *name;
	char delim;
	int quote;              /* '"', or 256 (never a byte) for no quoting */
	char esc;               /* escape inside quotes; '"' when none */
	uint64_t skip_lines;
	const char *const *names;
	size_t n_names;
	size_t max_field;
	size_t max_fields;

	/* read buffer: unread bytes are [pos, end) */
	char *buf;
	size_t bufsize;
	const char *pos;
	const char *end;
	uint64_t base;          /* input offset of buf[0] */
	bool started;           /* the BOM check has run */
	bool eof;               /* read() returned 0 */
	bool done;              /* csv_read() returned 0 */

	uint64_t line;          /* current physical line */
	uint64_t rec_line;      /* line where the current record starts */
	uint64_t quote_line;    /* line where the open quote is */

	/* the record: field bytes, each NUL-terminated, back to back */
	char *rec;
	size_t rec_len;
	size_t rec_alloc;
	size_t *offs;           /* start of each field in rec */
	struct csv_field *fields;
	size_t nfields;         /* fields begun in this record */
	size_t fields_alloc;

	int err;
	char *errmsg;
};

int csv_reader_create(int fd, const char *name, const struct csv_options *opt,
		      struct csv_reader **ret_reader)
{
	struct csv_reader *r;

	if (fd < 0 || !ret_reader) {
		return -EINVAL;
	}
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->name = xstrdup(name ? name : "<input>");
	r->delim = opt && opt->delimiter ? opt->delimiter : ',';
	r->quote = opt && opt->quoting == CSV_QUOTE_NONE ? 256 : '"';
	r->esc = opt && opt->quoting == CSV_QUOTE_BACKSLASH ? '\\' : '"';
	r->skip_lines = opt ? opt->skip_lines : 0;
	r->max_field = opt && opt->max_field ? opt->max_field
					     : DEFAULT_MAX_FIELD;
	r->max_fields = opt && opt->max_fields ? opt->max_fields
					       : DEFAULT_MAX_FIELDS;
	r->bufsize = opt && opt->read_size ? opt->read_size : DEFAULT_READ_SIZE;
	/*
	 * The delimiter cannot be a character the parser gives a meaning to,
	 * and a read size past 1 GiB is a caller's mistake, not a buffer.
	 */
	if ((r->delim == '"' && r->quote == '"') ||
	    (r->delim == '\\' && r->esc == '\\') || r->delim == '\n' || r->delim == '\r' ||
	    r->delim == '\0' || r->bufsize > ((size_t)1 << 30)) {
		csv_reader_destroy(r);
		return -EINVAL;
	}
	/*
	 * 4 bytes past bufsize let the BOM check gather 3 bytes; SLACK more
	 * let field_add() read 16 bytes from anywhere in the buffer.  They
	 * start zeroed so nothing undefined is ever copied.
	 */
	r->buf = xcalloc(1, r->bufsize + 4 + SLACK);
	r->pos = r->buf;
	r->end = r->buf;
	r->line = 1;
	*ret_reader = r;
	return 0;
}

void csv_reader_destroy(struct csv_reader *r)
{
	if (!r) {
		return;
	}
	free(r->errmsg);
	free(r->fields);
	free(r->offs);
	free(r->rec);
	free(r->buf);
	free(r->name);
	free(r);
}

const char *csv_reader_error(const struct csv_reader *r)
{
	return r->errmsg ? r->errmsg : "";
}

uint64_t csv_reader_offset(const struct csv_reader *r)
{
	return r->base + (uint64_t)(r->pos - r->buf);
}

uint64_t csv_reader_line(const struct csv_reader *r)
{
	return r->line;
}

void csv_reader_set_names(struct csv_reader *r, const char *const *names,
			  size_t n)
{
	r->names = names;
	r->n_names = n;
}

/* "3" or "3 ('price')": field i (1-based) as messages name it */
static const char *field_label(const struct csv_reader *r, size_t i,
			       char *buf, size_t size)
{
	if (i >= 1 && i <= r->n_names && r->names[i - 1]) {
		snprintf(buf, size, "%zu ('%.60s')", i, r->names[i - 1]);
	} else {
		snprintf(buf, size, "%zu", i);
	}
	return buf;
}

__attribute__((format(printf, 4, 5)))
static int fail(struct csv_reader *r, int err, uint64_t line,
		const char *fmt, ...)
{
	char cause[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	free(r->errmsg);
	r->errmsg = xasprintf("%s:%llu: %s", r->name,
			      (unsigned long long)line, cause);
	r->err = err;
	return err;
}

/* a byte as it should appear in a message: 'x' when printable */
static const char *show_byte(unsigned char c, char out[8])
{
	if (c >= 0x20 && c < 0x7f && c != '\'') {
		snprintf(out, 8, "'%c'", c);
	} else if (c == '\t') {
		snprintf(out, 8, "TAB");
	} else {
		snprintf(out, 8, "0x%02x", c);
	}
	return out;
}

/*
 * Fill the read buffer, keeping the unread bytes.  Returns 1 when bytes
 * were added, 0 at end of input or a negative errno.
 */
static int refill(struct csv_reader *r)
{
	size_t keep = (size_t)(r->end - r->pos);
	size_t want;
	ssize_t n;

	if (r->eof) {
		return 0;
	}
	if (r->pos != r->buf) {
		r->base += (uint64_t)(r->pos - r->buf);
		memmove(r->buf, r->pos, keep);
		r->pos = r->buf;
		r->end = r->buf + keep;
	}
	want = r->bufsize + 4 - keep;
	if (want > r->bufsize) {
		want = r->bufsize;
	}
	do {
		n = read(r->fd, r->buf + keep, want);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno ? errno : EIO;

		return fail(r, -e, r->line, "read error: %s", strerror(e));
	}
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->end += n;
	return 1;
}

/* skip a UTF-8 byte order mark at the very start, even if read in bits */
static int skip_bom(struct csv_reader *r)
{
	int n;

	r->started = true;
	while (r->end - r->pos < 3 && !r->eof) {
		n = refill(r);
		if (n < 0) {
			return n;
		}
	}
	if (r->end - r->pos >= 3 && memcmp(r->pos, "\xef\xbb\xbf", 3) == 0) {
		r->pos += 3;
	}
	/* a preamble: whole physical lines, whatever quotes they hold */
	while (r->skip_lines > 0) {
		const char *nl = memchr(r->pos, '\n', (size_t)(r->end - r->pos));

		if (nl) {
			r->pos = nl + 1;
			r->line++;
			r->skip_lines--;
			continue;
		}
		r->pos = r->end;
		n = refill(r);
		if (n < 0) {
			return n;
		}
		if (n == 0) {
			break;
		}
	}
	return 0;
}

/*
 * Find the first of four bytes in [p, end), or end.  This is the hot loop:
 * 16 bytes per step with SSE2, 8 with plain words elsewhere.
 */
static inline const char *scan4(const char *p, const char *end,
				char a, char b, char c, char d)
{
#if defined(__SSE2__)
	const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
	const __m128i vc = _mm_set1_epi8(c), vd = _mm_set1_epi8(d);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
			_mm_or_si128(_mm_cmpeq_epi8(v, vc), _mm_cmpeq_epi8(v, vd)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);

		if (mask) {
			return p + __builtin_ctz(mask);
		}
		p += 16;
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	const uint64_t ka = ones * (unsigned char)a, kb = ones * (unsigned char)b;
	const uint64_t kc = ones * (unsigned char)c, kd = ones * (unsigned char)d;

	while (end - p >= 8) {
		uint64_t w, x, m;

		memcpy(&w, p, 8);
		/*
		 * The classic "has a zero byte" test; its lowest set bit
		 * is exact, which is all we need on a little-endian CPU.
		 */
		x = w ^ ka;
		m = (x - ones) & ~x;
		x = w ^ kb;
		m |= (x - ones) & ~x;
		x = w ^ kc;
		m |= (x - ones) & ~x;
		x = w ^ kd;
		m |= (x - ones) & ~x;
		m &= high;
		if (m) {
			return p + (__builtin_ctzll(m) >> 3);
		}
		p += 8;
	}
#endif
	while (p < end && *p != a && *p != b && *p != c && *p != d) {
		p++;
	}
	return p;
}

__attribute__((noinline))
static void rec_grow(struct csv_reader *r, size_t extra)
{
	size_t need = r->rec_len + extra;
	size_t alloc = r->rec_alloc ? r->rec_alloc : 4096;

	while (alloc < need) {
		alloc *= 2;
	}
	r->rec = xrealloc(r->rec, alloc + SLACK);
	r->rec_alloc = alloc;
}

__attribute__((noinline))
static int field_too_long(struct csv_reader *r)
{
	char lb[96];

	return fail(r, -E2BIG, r->line, "field %s is longer than %zu bytes",
		    field_label(r, r->nfields, lb, sizeof(lb)), r->max_field);
}

/* append to the current field, within max_field */
static inline int field_add(struct csv_reader *r, const char *p, size_t n)
{
	size_t have = r->rec_len - r->offs[r->nfields - 1];

	if (n > r->max_field - have) {
		return field_too_long(r);
	}
	if (n > r->rec_alloc - r->rec_len) {
		rec_grow(r, n);
	}
	if (n <= 16) {
		/* p has SLACK readable bytes past the buffer end too */
		memcpy(r->rec + r->rec_len, p, 16);
	} else {
		memcpy(r->rec + r->rec_len, p, n);
	}
	r->rec_len += n;
	return 0;
}

__attribute__((noinline))
static int fields_grow(struct csv_reader *r)
{
	size_t n;

	if (r->nfields == r->max_fields) {
		return fail(r, -E2BIG, r->line,
			    "more than %zu fields in one record",
			    r->max_fields);
	}
	n = r->fields_alloc ? r->fields_alloc * 2 : 64;
	if (n > r->max_fields) {
		n = r->max_fields;
	}
	r->offs = xrealloc(r->offs, n * sizeof(*r->offs));
	r->fields = xrealloc(r->fields, n * sizeof(*r->fields));
	r->fields_alloc = n;
	return 0;
}

static inline int field_begin(struct csv_reader *r, bool quoted)
{
	/* fields_alloc never exceeds max_fields, so this checks both */
	if (r->nfields == r->fields_alloc) {
		int e = fields_grow(r);

		if (e < 0) {
			return e;
		}
	}
	r->offs[r->nfields] = r->rec_len;
	r->fields[r->nfields].quoted = quoted;
	r->nfields++;
	return 0;
}

static inline void field_end(struct csv_reader *r)
{
	size_t i = r->nfields - 1;

	r->fields[i].len = r->rec_len - r->offs[i];
	if (r->rec_len == r->rec_alloc) {
		rec_grow(r, 1);
	}
	r->rec[r->rec_len++] = '\0';
}

/*
 * Check UTF-8 over [0, n).  Returns n when valid, else the offset of the
 * first byte of the bad sequence; *ret_incomplete tells a sequence cut
 * short from a byte that can never appear.
 */
static size_t utf8_check(const unsigned char *s, size_t n, bool *ret_incomplete)
{
	size_t i = 0;

	*ret_incomplete = false;
	while (i < n) {
#if defined(__SSE2__)
		while (n - i >= 16) {
			__m128i v = _mm_loadu_si128(
				(const __m128i *)(const void *)(s + i));

			if (_mm_movemask_epi8(v)) {
				break;
			}
			i += 16;
		}
#else
		while (n - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull) {
				break;
			}
			i += 8;
		}
#endif
		while (i < n && s[i] < 0x80) {
			i++;
		}
		if (i == n) {
			break;
		}

		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t len, k;

		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			/* no overlong forms, no UTF-16 surrogates */
			if (c == 0xe0) {
				lo = 0xa0;
			} else if (c == 0xed) {
				hi = 0x9f;
			}
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			/* no overlong forms, nothing past U+10FFFF */
			if (c == 0xf0) {
				lo = 0x90;
			} else if (c == 0xf4) {
				hi = 0x8f;
			}
		} else {
			return i;
		}
		for (k = 1; k < len; k++) {
			unsigned char b = i + k < n ? s[i + k] : 0;

			if (b < lo || b > hi) {
				/*
				 * An ASCII byte (the field's NUL among them)
				 * or a new lead byte ends the sequence early;
				 * a continuation byte out of range makes it
				 * invalid.
				 */
				*ret_incomplete = b < 0x80 || b >= 0xc0;
				return i;
			}
			lo = 0x80;
			hi = 0xbf;
		}
		i += len;
	}
	return n;
}

/*
 * The fast path: whole unquoted fields that end inside the buffer, with
 * what the loop touches kept in locals (stores into the record could
 * otherwise alias the reader and force reloads).  It stops before the
 * first field it cannot finish on its own (a quote, CR, NUL, the buffer's
 * end, a limit) and leaves that to the general path.  Sets *ret_c to '\n'
 * when it ended the record.
 */
static inline const char *unquoted_run(struct csv_reader *r, const char *pos,
				       const char *end, char *ret_c)
{
	const char delim = r->delim;
	char *rec = r->rec;
	size_t len = r->rec_len, cap = r->rec_alloc;
	size_t nf = r->nfields, nf_max = r->fields_alloc;
	size_t max_field = r->max_field;
	size_t *offs = r->offs;
	struct csv_field *fields = r->fields;
	const char *q;
	size_t n;
	char c = 0;

	while (nf < nf_max) {
		q = scan4(pos, end, delim, '\n', '\r', '\0');
		n = (size_t)(q - pos);
		if (q == end || n > max_field || n >= cap - len) {
			break;
		}
		c = *q;
		if (c != delim && c != '\n') {
			c = 0;
			break;
		}
		offs[nf] = len;
		fields[nf].quoted = false;
		fields[nf].len = n;
		nf++;
		if (n <= 16) {
			memcpy(rec + len, pos, 16);
		} else {
			memcpy(rec + len, pos, n);
		}
		len += n;
		rec[len++] = '\0';
		pos = q + 1;
		if (c == '\n' || pos == end ||
		    (unsigned char)*pos == r->quote) {
			break;
		}
		c = 0;
	}
	r->rec_len = len;
	r->nfields = nf;
	*ret_c = c;
	return pos;
}

/* which field holds byte `off` of the record */
static size_t field_at(const struct csv_reader *r, size_t off)
{
	size_t lo = 0, hi = r->nfields;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->offs[mid] <= off) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static int record_finish(struct csv_reader *r, struct csv_record *rec)
{
	bool incomplete;
	size_t bad, i;

	bad = utf8_check((const unsigned char *)r->rec, r->rec_len,
			 &incomplete);
	if (bad != r->rec_len) {
		size_t f = field_at(r, bad);
		uint64_t line = r->rec_line;
		const char *p = r->rec;
		char lb[96];

		/* name the physical line, which a quoted newline moves on */
		while ((p = memchr(p, '\n', (size_t)(r->rec + bad - p)))) {
			line++;
			p++;
		}
		if (incomplete) {
			return fail(r, -EINVAL, line,
				    "incomplete UTF-8 sequence starting with "
				    "byte 0x%02x in field %s",
				    (unsigned char)r->rec[bad],
				    field_label(r, f + 1, lb, sizeof(lb)));
		}
		return fail(r, -EINVAL, line,
			    "invalid UTF-8 byte 0x%02x in field %s",
			    (unsigned char)r->rec[bad],
			    field_label(r, f + 1, lb, sizeof(lb)));
	}
	for (i = 0; i < r->nfields; i++) {
		r->fields[i].data = r->rec + r->offs[i];
	}
	rec->fields = r->fields;
	rec->nfields = r->nfields;
	rec->line = r->rec_line;
	return 1;
}

static int nul_byte(struct csv_reader *r)
{
	char lb[96];

	return fail(r, -EINVAL, r->line, "NUL byte in field %s",
		    field_label(r, r->nfields, lb, sizeof(lb)));
}

/* the input ended in `st`: finish the record or say what is missing */
static int at_eof(struct csv_reader *r, enum state st, struct csv_record *rec)
{
	int e;

	switch (st) {
	case ST_RECORD:
	case ST_BLANK_CR:
		r->done = true;
		return 0;
	case ST_FIELD:
		/* a delimiter right before the end: one more, empty field */
		e = field_begin(r, false);
		if (e < 0) {
			return e;
		}
		field_end(r);
		break;
	case ST_UNQUOTED:
	case ST_QUOTE:
		field_end(r);
		break;
	case ST_CR:
		/* a CR as the file's very last byte ends the line well enough */
		break;
	case ST_QUOTED:
	case ST_ESCAPE:
		return fail(r, -EINVAL, r->quote_line,
			    "unterminated quoted field (opened on this line)");
	}
	return record_finish(r, rec);
}

int csv_read(struct csv_reader *r, struct csv_record *rec)
{
	enum state st = ST_RECORD;
	const char delim = r->delim;
	const int quote = r->quote;
	const char esc = r->esc;
	const char *pos, *end, *q;
	char c, shown[8], lb[96];
	int e;

	if (r->err) {
		return r->err;
	}
	if (r->done) {
		return 0;
	}
	if (!r->started) {
		e = skip_bom(r);
		if (e < 0) {
			return e;
		}
	}
	r->rec_len = 0;
	r->nfields = 0;
	/*
	 * pos and end live in locals for speed; r->pos is brought up to date
	 * before every refill and every return.
	 */
	pos = r->pos;
	end = r->end;

	for (;;) {
		if (pos == end) {
			r->pos = pos;
			e = refill(r);
			if (e < 0) {
				return e;
			}
			if (e == 0) {
				return at_eof(r, st, rec);
			}
			pos = r->pos;
			end = r->end;
		}
		switch (st) {
		case ST_RECORD:
			if (*pos == '\n') {
				/* a blank line */
				pos++;
				r->line++;
				continue;
			}
			if (*pos == '\r') {
				pos++;
				st = ST_BLANK_CR;
				continue;
			}
			r->rec_line = r->line;
			/* fall through */
		case ST_FIELD:
		field:
			if ((unsigned char)*pos == quote) {
				e = field_begin(r, true);
				if (e < 0) {
					goto fail;
				}
				r->quote_line = r->line;
				pos++;
				st = ST_QUOTED;
				continue;
			}
			pos = unquoted_run(r, pos, end, &c);
			if (c == '\n') {
				r->line++;
				goto record;
			}
			if (pos == end || (unsigned char)*pos == quote) {
				st = ST_FIELD;
				continue;
			}
			e = field_begin(r, false);
			if (e < 0) {
				goto fail;
			}
			st = ST_UNQUOTED;
			/* fall through */
		case ST_UNQUOTED:
			q = scan4(pos, end, delim, '\n', '\r', '\0');
			if (q != pos) {
				e = field_add(r, pos, (size_t)(q - pos));
				if (e < 0) {
					goto fail;
				}
			}
			pos = q;
			if (q == end) {
				continue;
			}
			pos++;
			c = *q;
			if (c == delim) {
				field_end(r);
				st = ST_FIELD;
				/* the common case: go on to the next field */
				if (pos < end) {
					goto field;
				}
			} else if (c == '\n') {
				field_end(r);
				r->line++;
				goto record;
			} else if (c == '\r') {
				field_end(r);
				st = ST_CR;
			} else {
				e = nul_byte(r);
				goto fail;
			}
			continue;
		case ST_QUOTED:
			q = scan4(pos, end, '"', '\n', '\0', esc);
			c = q < end ? *q : '\0';
			if (c == '\n') {
				/* keep the newline; it starts a physical line */
				q++;
			}
			if (q != pos) {
				e = field_add(r, pos, (size_t)(q - pos));
				if (e < 0) {
					goto fail;
				}
			}
			pos = q;
			if (c == '\n') {
				r->line++;
				continue;
			}
			if (q == end) {
				continue;
			}
			pos++;
			if (c == '"') {
				st = ST_QUOTE;
				continue;
			}
			if (c == esc && c != '\0') {
				st = ST_ESCAPE;
				continue;
			}
			e = nul_byte(r);
			goto fail;
		case ST_ESCAPE:
			/* the escaped byte is data, a line end included */
			if (*pos == '\0') {
				e = nul_byte(r);
				goto fail;
			}
			if (*pos == '\n') {
				r->line++;
			}
			e = field_add(r, pos, 1);
			if (e < 0) {
				goto fail;
			}
			pos++;
			st = ST_QUOTED;
			continue;
		case ST_QUOTE:
			c = *pos;
			if (c == '"') {
				/* a doubled quote stands for one */
				e = field_add(r, pos, 1);
				if (e < 0) {
					goto fail;
				}
				pos++;
				st = ST_QUOTED;
				continue;
			}
			pos++;
			if (c == delim) {
				field_end(r);
				st = ST_FIELD;
			} else if (c == '\n') {
				field_end(r);
				r->line++;
				goto record;
			} else if (c == '\r') {
				field_end(r);
				st = ST_CR;
			} else {
				e = fail(r, -EINVAL, r->line,
					 "unexpected character %s after "
					 "closing quote in field %s",
					 show_byte((unsigned char)c, shown),
					 field_label(r, r->nfields, lb,
						     sizeof(lb)));
				goto fail;
			}
			continue;
		case ST_CR:
		case ST_BLANK_CR:
			if (*pos != '\n') {
				e = fail(r, -EINVAL, r->line,
					 "carriage return not followed by "
					 "a line feed (old Mac line ends "
					 "are not supported)");
				goto fail;
			}
			pos++;
			r->line++;
			if (st == ST_CR) {
				goto record;
			}
			st = ST_RECORD;
			continue;
		}
	}

record:
	r->pos = pos;
	return record_finish(r, rec);
fail:
	r->pos = pos;
	return e;
}
