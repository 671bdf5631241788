/*
 * Column types from whole columns (see typeinfer.h).  The value parsers
 * here are strict on purpose: a value is a number or a date only when
 * every byte of it is accounted for, since a loose reading is exactly how
 * "$4,175" once summed to 0.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/import.h"
#include "mcp/typeinfer.h"
#include "mcp/xalloc.h"

enum {
	C_INT = 1u << 0,
	C_REAL = 1u << 1,
	C_NUM_DOT = 1u << 2,
	C_NUM_COMMA = 1u << 3,
	C_BOOL = 1u << 4,
	C_DATE0 = 1u << 5,      /* one bit per enum ti_datefmt from here */
};
#define C_DATE(f) (C_DATE0 << (f))
#define C_DATES (((C_DATE0 << TI_DF_COUNT) - 1) & ~(C_DATE0 - 1))
#define C_NUMS (C_INT | C_REAL | C_NUM_DOT | C_NUM_COMMA)
#define C_ALL (C_NUMS | C_BOOL | C_DATES)

const char *const ti_na_tokens[TI_NA_TOKENS] = {
	"NA", "N/A", "n/a", "NaN", "null", "NULL", "None", "-", ".", "#N/A",
};

static const char *const kind_names[] = {
	[TI_TEXT] = "text", [TI_INTEGER] = "integer", [TI_REAL] = "real",
	[TI_NUMBER] = "number", [TI_BOOLEAN] = "boolean", [TI_DATE] = "date",
	[TI_DATETIME] = "datetime",
};

static const char *const datefmt_names[TI_DF_COUNT] = {
	[TI_DF_YMD] = "YYYY-MM-DD",
	[TI_DF_DMY_DOT] = "DD.MM.YYYY",
	[TI_DF_MDY] = "MM/DD/YYYY",
	[TI_DF_DMY] = "DD/MM/YYYY",
	[TI_DF_MON_D_Y] = "Mon D YYYY",
	[TI_DF_D_MON_Y] = "D Mon YYYY",
};

void ti_column_init(struct ti_column *c)
{
	memset(c, 0, sizeof(*c));
	c->cand = C_ALL;
	c->forced = -1;
}

void ti_column_finish(struct ti_column *c)
{
	for (size_t i = 0; i < c->n_not_parsed; i++) {
		free(c->not_parsed[i]);
	}
	free(c->format);
	free(c->unit);
	free(c->warning);
	ti_column_init(c);
}

int ti_column_force(struct ti_column *c, const char *name)
{
	static const int kinds[] = {
		TI_INTEGER, TI_REAL, TI_TEXT, TI_DATE, TI_DATETIME, TI_BOOLEAN,
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcasecmp(name, kind_names[kinds[i]]) == 0) {
			c->forced = kinds[i];
			return 0;
		}
	}
	return -EINVAL;
}

int ti_na_index(const char *s, size_t len)
{
	if (len == 0 || len > 4) {
		return -1;
	}
	/* every marker starts with one of these: most values stop here */
	switch (s[0]) {
	case 'N': case 'n': case '-': case '.': case '#':
		break;
	default:
		return -1;
	}
	for (int i = 0; i < TI_NA_TOKENS; i++) {
		if (ti_na_tokens[i][0] == s[0] &&
		    strlen(ti_na_tokens[i]) == len &&
		    memcmp(ti_na_tokens[i], s, len) == 0) {
			return i;
		}
	}
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) {
		(*len)--;
	}
}

/* ---- numbers -------------------------------------------------------- */

bool ti_fast_int(const char *s, size_t len, int64_t *ret)
{
	size_t i = 0;
	int64_t v = 0;
	bool neg = false;

	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	/* 18 digits never overflow; longer ones go the slow way */
	if (len - i == 0 || len - i > 18) {
		return false;
	}
	for (; i < len; i++) {
		if (!is_digit(s[i])) {
			return false;
		}
		v = v * 10 + (s[i] - '0');
	}
	*ret = neg ? -v : v;
	return true;
}

bool ti_fast_real(const char *s, size_t len, double *ret)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
		1e21, 1e22,
	};
	size_t i = 0, digits = 0, frac = 0;
	uint64_t m = 0;
	bool neg = false, dot = false;
	double d;

	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	for (; i < len; i++) {
		if (is_digit(s[i])) {
			if (++digits > 15) {
				return false;
			}
			m = m * 10 + (uint64_t)(s[i] - '0');
			frac += dot;
		} else if (s[i] == '.' && !dot) {
			dot = true;
		} else {
			return false;
		}
	}
	if (digits == 0 || frac > 22) {
		return false;
	}
	/*
	 * Clinger's fast path: m < 2^53 and 10^frac are exact doubles, so
	 * the one division is rounded correctly, as strtod would round.
	 */
	d = (double)m / pow10[frac];
	*ret = neg ? -d : d;
	return true;
}

struct num {
	char canon[48];         /* [-]digits[.digits], for strtoll/strtod */
	bool frac;
	bool percent;
	bool grouped;           /* a thousands separator was used */
	const char *currency;   /* ISO code or NULL */
};

/* a currency symbol at p: its length, and its code */
static size_t currency_at(const char *p, const char *end, const char **code)
{
	size_t n = (size_t)(end - p);

	if (n >= 1 && *p == '$') {
		*code = "USD";
		return 1;
	}
	if (n >= 3 && memcmp(p, "\xe2\x82\xac", 3) == 0) {
		*code = "EUR";
		return 3;
	}
	if (n >= 2 && memcmp(p, "\xc2\xa3", 2) == 0) {
		*code = "GBP";
		return 2;
	}
	if (n >= 2 && memcmp(p, "\xc2\xa5", 2) == 0) {
		*code = "JPY";
		return 2;
	}
	return 0;
}

/* a thousands separator at p (for decimal mark `dec`): its length */
static size_t group_sep_at(const char *p, const char *end, char dec)
{
	size_t n = (size_t)(end - p);

	if (dec == '.') {
		return n >= 1 && *p == ',' ? 1 : 0;
	}
	if (n >= 1 && (*p == '.' || *p == ' ')) {
		return 1;
	}
	if (n >= 2 && memcmp(p, "\xc2\xa0", 2) == 0) {
		return 2;       /* no-break space */
	}
	if (n >= 3 && memcmp(p, "\xe2\x80\xaf", 3) == 0) {
		return 3;       /* narrow no-break space */
	}
	return 0;
}

/*
 * A number as people write it, with `dec` as the decimal mark:
 * [-][cur][ ][-]1,234,567[.89][ ][cur][ ][%].  Groups after a thousands
 * separator must have exactly three digits, and one separator is used
 * throughout.  Leading zeros ("007") are codes, not numbers.
 */
static bool num_parse(const char *s, size_t len, char dec, struct num *out)
{
	const char *p = s, *end = s + len, *code = NULL, *sep = NULL;
	size_t o = 0, k, sep_len = 0, digits = 0, group;
	bool neg = false, sign = false;

	out->frac = out->percent = out->grouped = false;
	out->currency = NULL;
	if (p < end && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		sign = true;
		p++;
	}
	if ((k = currency_at(p, end, &code))) {
		p += k;
		if (p < end && *p == ' ') {
			p++;
		}
		if (!sign && p < end && (*p == '-' || *p == '+')) {
			neg = *p == '-';
			p++;
		}
	}
	if (neg) {
		out->canon[o++] = '-';
	}
	/* the integer part, in groups */
	group = 0;
	while (p < end && is_digit(*p)) {
		if (digits == 0 && *p == '0' && p + 1 < end &&
		    is_digit(p[1])) {
			return false;
		}
		if (o >= sizeof(out->canon) - 2 || digits >= 18) {
			return false;
		}
		out->canon[o++] = *p++;
		digits++;
		group++;
		k = group_sep_at(p, end, dec);
		if (k && p + k < end && is_digit(p[k])) {
			if (sep && (k != sep_len || memcmp(p, sep, k) != 0)) {
				return false;
			}
			if ((!sep && group > 3) || (sep && group != 3)) {
				return false;
			}
			sep = p;
			sep_len = k;
			p += k;
			group = 0;
		}
	}
	if (sep && group != 3) {
		return false;
	}
	out->grouped = sep != NULL;
	if (p < end && *p == dec) {
		p++;
		out->canon[o++] = '.';
		if (p >= end || !is_digit(*p)) {
			return false;
		}
		while (p < end && is_digit(*p)) {
			if (o >= sizeof(out->canon) - 1) {
				return false;
			}
			out->canon[o++] = *p++;
		}
		out->frac = true;
	}
	if (digits == 0 && !out->frac) {
		return false;
	}
	if (p < end && *p == ' ') {
		p++;
	}
	if (!code && (k = currency_at(p, end, &code))) {
		p += k;
		if (p < end && *p == ' ') {
			p++;
		}
	}
	if (p < end && *p == '%') {
		out->percent = true;
		p++;
	}
	if (p != end || (p > s && end[-1] == ' ')) {
		return false;
	}
	out->canon[o] = '\0';
	out->currency = code;
	return true;
}

/* "007", "-0012.5": a number whose leading zeros make it a code */
static bool leading_zero_number(const char *s, size_t len)
{
	size_t i = 0;
	bool dot = false;

	if (i < len && (s[i] == '-' || s[i] == '+')) {
		i++;
	}
	if (len - i < 2 || s[i] != '0' || !is_digit(s[i + 1])) {
		return false;
	}
	for (; i < len; i++) {
		if (s[i] == '.' && !dot) {
			dot = true;
		} else if (!is_digit(s[i])) {
			return false;
		}
	}
	return true;
}

/* ---- booleans ------------------------------------------------------- */

enum { B_TRUE_FALSE = 1, B_YES_NO, B_T_F };

/* 1 true, 0 false, -1 not a boolean; *family says which spelling */
static int bool_parse(const char *s, size_t len, int *family)
{
	static const struct {
		const char *word;
		int family, value;
	} words[] = {
		{ "true", B_TRUE_FALSE, 1 }, { "false", B_TRUE_FALSE, 0 },
		{ "yes", B_YES_NO, 1 }, { "no", B_YES_NO, 0 },
		{ "t", B_T_F, 1 }, { "f", B_T_F, 0 },
	};

	switch (s[0] | 0x20) {
	case 't': case 'f': case 'y': case 'n':
		break;
	default:
		return -1;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].word) == len &&
		    strncasecmp(words[i].word, s, len) == 0) {
			*family = words[i].family;
			return words[i].value;
		}
	}
	return -1;
}

/* ---- dates ---------------------------------------------------------- */

struct when {
	int y, m, d, hh, mm, ss;
	char frac[10];          /* fraction of a second, digits */
	bool time;
	bool offset;
	int off_min;            /* east of UTC */
};

/* between min and max digits at *p; advances */
static bool num_at(const char **p, const char *end, int min, int max,
		   int *ret)
{
	const char *q = *p;
	int n = 0, v = 0;

	/* a local cursor: the compiler keeps it in a register */
	while (q < end && is_digit(*q) && n < max) {
		v = v * 10 + (*q - '0');
		q++;
		n++;
	}
	*p = q;
	if (n < min || (q < end && is_digit(*q))) {
		return false;
	}
	*ret = v;
	return true;
}

static bool lit(const char **p, const char *end, char c)
{
	if (*p < end && **p == c) {
		(*p)++;
		return true;
	}
	return false;
}

/* exactly two digits at p (the caller checked there are two bytes) */
static bool two_digits(const char *p, int *ret)
{
	if (!is_digit(p[0]) || !is_digit(p[1])) {
		return false;
	}
	*ret = (p[0] - '0') * 10 + (p[1] - '0');
	return true;
}

/* four digits at p, not followed by a fifth (p + 4 <= end) */
static bool four_digits(const char *p, const char *end, int *ret)
{
	int a, b;

	if (!two_digits(p, &a) || !two_digits(p + 2, &b) ||
	    (p + 4 < end && is_digit(p[4]))) {
		return false;
	}
	*ret = a * 100 + b;
	return true;
}

/* a month name, English, short or long, any case; advances */
static int month_at(const char **p, const char *end)
{
	static const char *const names[] = {
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december",
	};
	const char *q = *p;
	size_t n = 0;

	/* the initials of the months */
	switch (q < end ? q[0] | 0x20 : 0) {
	case 'j': case 'f': case 'm': case 'a': case 's': case 'o':
	case 'n': case 'd':
		break;
	default:
		return 0;
	}
	while (q + n < end && ((q[n] | 0x20) >= 'a' && (q[n] | 0x20) <= 'z')) {
		n++;
	}
	if (n < 3) {
		return 0;
	}
	for (int i = 0; i < 12; i++) {
		size_t full = strlen(names[i]);

		if ((n == 3 || n == full || (i == 8 && n == 4)) &&
		    strncasecmp(q, names[i], n) == 0) {
			*p = q + n;
			lit(p, end, '.');
			return i + 1;
		}
	}
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				   30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* an optional time of day and zone after a date: " 13:45[:07[.250]]" */
static bool time_parse(const char *p, const char *end, struct when *w)
{
	int oh = 0, om = 0;
	bool secs;

	if (p == end) {
		return true;
	}
	if (*p != ' ' && *p != 'T') {
		return false;
	}
	p++;
	if (end - p >= 8 && two_digits(p, &w->hh) && p[2] == ':' &&
	    two_digits(p + 3, &w->mm) && p[5] == ':' &&
	    two_digits(p + 6, &w->ss) && (end - p == 8 || !is_digit(p[8]))) {
		/* HH:MM:SS, the usual form, read as the general case would */
		p += 8;
		secs = true;
	} else {
		if (!num_at(&p, end, 1, 2, &w->hh) || !lit(&p, end, ':') ||
		    !num_at(&p, end, 2, 2, &w->mm)) {
			return false;
		}
		secs = lit(&p, end, ':');
		if (secs && !num_at(&p, end, 2, 2, &w->ss)) {
			return false;
		}
	}
	if (secs) {
		if (lit(&p, end, '.') || lit(&p, end, ',')) {
			size_t n = 0;

			while (p < end && is_digit(*p)) {
				if (n >= sizeof(w->frac) - 1) {
					return false;
				}
				w->frac[n++] = *p++;
			}
			if (n == 0) {
				return false;
			}
		}
	}
	w->time = true;
	if (end - p >= 2 && (p[0] == ' ' || p[0] == 'A' || p[0] == 'P' ||
			     p[0] == 'a' || p[0] == 'p')) {
		const char *q = p + (*p == ' ');

		if (end - q >= 2 && (q[1] | 0x20) == 'm' &&
		    ((q[0] | 0x20) == 'a' || (q[0] | 0x20) == 'p')) {
			if (w->hh < 1 || w->hh > 12) {
				return false;
			}
			w->hh = w->hh % 12 + ((q[0] | 0x20) == 'p' ? 12 : 0);
			p = q + 2;
		}
	}
	if (w->hh > 23 || w->mm > 59 || w->ss > 59) {
		return false;
	}
	if (p < end && *p == ' ') {
		p++;
	}
	if (p == end) {
		return true;
	}
	if ((end - p == 1 && *p == 'Z') ||
	    (end - p == 3 && (memcmp(p, "UTC", 3) == 0 ||
			      memcmp(p, "GMT", 3) == 0))) {
		w->offset = true;
		return true;
	}
	if (*p != '+' && *p != '-') {
		return false;
	}
	{
		int sign = *p == '-' ? -1 : 1;

		p++;
		/* +05, +05:30 or +0530: two digits at a time */
		if (end - p < 2 || !is_digit(p[0]) || !is_digit(p[1])) {
			return false;
		}
		oh = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (p < end) {
			lit(&p, end, ':');
			if (end - p != 2 || !is_digit(p[0]) || !is_digit(p[1])) {
				return false;
			}
			om = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
		if (p != end || oh > 14 || om > 59) {
			return false;
		}
		w->offset = true;
		w->off_min = sign * (oh * 60 + om);
	}
	return true;
}

/* a date in layout `f`, then an optional time */
static bool date_parse(const char *s, size_t len, enum ti_datefmt f,
		       struct when *w)
{
	const char *p = s, *end = s + len;
	int a = 0, b = 0;
	char sep;

	memset(w, 0, sizeof(*w));
	switch (f) {
	case TI_DF_YMD:
		/* 2000-01-31: fixed widths, read as the general case would */
		if (len >= 10 && four_digits(p, end, &w->y) &&
		    (p[4] == '-' || p[4] == '/') && p[7] == p[4] &&
		    two_digits(p + 5, &w->m) && two_digits(p + 8, &w->d) &&
		    (len == 10 || !is_digit(p[10]))) {
			p += 10;
			break;
		}
		if (!num_at(&p, end, 4, 4, &w->y) || p == end ||
		    (*p != '-' && *p != '/')) {
			return false;
		}
		sep = *p++;
		if (!num_at(&p, end, 1, 2, &w->m) || !lit(&p, end, sep) ||
		    !num_at(&p, end, 1, 2, &w->d)) {
			return false;
		}
		break;
	case TI_DF_DMY_DOT:
		if (!num_at(&p, end, 1, 2, &w->d) || !lit(&p, end, '.') ||
		    !num_at(&p, end, 1, 2, &w->m) || !lit(&p, end, '.') ||
		    !num_at(&p, end, 4, 4, &w->y)) {
			return false;
		}
		break;
	case TI_DF_MDY:
	case TI_DF_DMY:
		/* 01/31/2000: fixed widths, read as the general case would */
		if (len >= 10 && two_digits(p, &a) &&
		    (p[2] == '/' || p[2] == '-') && p[5] == p[2] &&
		    two_digits(p + 3, &b) && four_digits(p + 6, end, &w->y)) {
			p += 10;
		} else {
			if (!num_at(&p, end, 1, 2, &a) || p == end ||
			    (*p != '/' && *p != '-')) {
				return false;
			}
			sep = *p++;
			if (!num_at(&p, end, 1, 2, &b) || !lit(&p, end, sep) ||
			    !num_at(&p, end, 4, 4, &w->y)) {
				return false;
			}
		}
		w->m = f == TI_DF_MDY ? a : b;
		w->d = f == TI_DF_MDY ? b : a;
		break;
	case TI_DF_MON_D_Y:
		if (!(w->m = month_at(&p, end)) || !lit(&p, end, ' ') ||
		    !num_at(&p, end, 1, 2, &w->d)) {
			return false;
		}
		lit(&p, end, ',');
		if (!lit(&p, end, ' ') || !num_at(&p, end, 4, 4, &w->y)) {
			return false;
		}
		break;
	case TI_DF_D_MON_Y:
		if (!num_at(&p, end, 1, 2, &w->d) || p == end ||
		    (*p != ' ' && *p != '-')) {
			return false;
		}
		sep = *p++;
		if (!(w->m = month_at(&p, end)) || !lit(&p, end, sep) ||
		    !num_at(&p, end, 4, 4, &w->y)) {
			return false;
		}
		break;
	default:
		return false;
	}
	if (w->y < 1 || w->m < 1 || w->m > 12 || w->d < 1 ||
	    w->d > days_in_month(w->y, w->m)) {
		return false;
	}
	return time_parse(p, end, w);
}

/* days since 1970-01-01 of a civil date, and back (H. Hinnant) */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* n as `width` digits at p; printf would cost more than the parse */
static char *put_digits(char *p, int n, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + n % 10);
		n /= 10;
	}
	return p + width;
}

/* ISO 8601 text; a time with an offset is moved to UTC */
static void when_format(struct when *w, char *out, size_t size)
{
	char *p = out;

	if (w->off_min && w->time) {
		int64_t mins = days_from_civil(w->y, w->m, w->d) * 1440 +
			       w->hh * 60 + w->mm - w->off_min;
		int64_t days = mins >= 0 ? mins / 1440 : -((-mins + 1439) / 1440);

		mins -= days * 1440;
		civil_from_days(days, &w->y, &w->m, &w->d);
		w->hh = (int)(mins / 60);
		w->mm = (int)(mins % 60);
	}
	if (size < 32 || w->y < 1 || w->y > 9999) {
		snprintf(out, size, "%04d-%02d-%02d", w->y, w->m, w->d);
		return;
	}
	p = put_digits(p, w->y, 4);
	*p++ = '-';
	p = put_digits(p, w->m, 2);
	*p++ = '-';
	p = put_digits(p, w->d, 2);
	if (w->time) {
		*p++ = ' ';
		p = put_digits(p, w->hh, 2);
		*p++ = ':';
		p = put_digits(p, w->mm, 2);
		*p++ = ':';
		p = put_digits(p, w->ss, 2);
		if (w->frac[0]) {
			size_t n = strlen(w->frac);

			*p++ = '.';
			memcpy(p, w->frac, n);
			p += n;
		}
	}
	*p = '\0';
}

/* ---- pass 1 --------------------------------------------------------- */

/* could the first byte start a number, a date or a boolean at all? */
static bool may_parse(unsigned char c)
{
	switch (c | 0x20) {
	case 'a': case 'd': case 'f': case 'j': case 'm': case 'n':
	case 'o': case 's': case 't': case 'y':
		return true;
	}
	return is_digit((char)c) || c == '-' || c == '+' || c == '.' ||
	       c == '$' || c >= 0x80;
}

struct reading {
	unsigned mask;
	struct num dot, comma;
	int bool_value, bool_family;
	bool has_time, has_offset;
	bool leading_zeros;
};

/* the date layouts in `want` that read s; *w from the last that did */
static unsigned read_dates(const char *s, size_t len, unsigned want,
			   struct reading *r)
{
	struct when w;
	unsigned mask = 0;

	for (int f = 0; f < TI_DF_COUNT; f++) {
		if ((want & C_DATE(f)) &&
		    date_parse(s, len, (enum ti_datefmt)f, &w)) {
			mask |= C_DATE(f);
			r->has_time |= w.time;
			r->has_offset |= w.offset;
		}
	}
	return mask;
}

/*
 * Every reading of one value.  The readings the column still allows are
 * tried first, and when one of them fits the others are not tried: the
 * column cannot get them back, and a value that is a date is no number.
 */
static unsigned read_value(const struct ti_column *c, const char *s,
			   size_t len, struct reading *r)
{
	enum import_type t;
	unsigned alive = c->cand;

	r->mask = 0;
	r->leading_zeros = false;
	r->has_time = r->has_offset = false;
	r->bool_value = -1;
	/* readings not tried must not look like evidence */
	r->dot.frac = r->dot.percent = r->comma.frac = r->comma.percent = false;
	r->dot.currency = r->comma.currency = NULL;
	if ((alive & C_DATES) && len >= 8 &&
	    (r->mask = read_dates(s, len, alive & C_DATES, r))) {
		return r->mask;
	}
	if ((alive & C_BOOL) && len <= 5 &&
	    (r->bool_value = bool_parse(s, len, &r->bool_family)) >= 0) {
		r->mask = C_BOOL;
		return r->mask;
	}
	t = import_classify(s, len);
	if (t == IMPORT_INTEGER) {
		r->mask = C_NUMS;
		return r->mask;
	}
	if (t == IMPORT_REAL) {
		r->mask = C_REAL | C_NUM_DOT;
		/*
		 * 1.234 is one thousand two hundred ... with a decimal comma;
		 * once the column has ruled that reading out it cannot come
		 * back, and an unforced column need not try it again.
		 */
		if (((alive & C_NUM_COMMA) || c->forced >= 0) &&
		    num_parse(s, len, ',', &r->comma)) {
			r->mask |= C_NUM_COMMA;
		}
		return r->mask;
	}
	if (len == 0 || !may_parse((unsigned char)s[0])) {
		return 0;
	}
	if (leading_zero_number(s, len)) {
		r->leading_zeros = true;
		/* codes, unless --type asked for numbers */
		if (c->forced == TI_INTEGER || c->forced == TI_REAL) {
			r->mask = memchr(s, '.', len) ? C_REAL | C_NUM_DOT
						      : C_NUMS;
		}
		return r->mask;
	}
	if (num_parse(s, len, '.', &r->dot)) {
		r->mask |= C_NUM_DOT;
		if (!(alive & C_NUM_COMMA) && (alive & C_NUM_DOT)) {
			return r->mask;
		}
	}
	if (num_parse(s, len, ',', &r->comma)) {
		r->mask |= C_NUM_COMMA;
	}
	if (r->mask) {
		return r->mask;
	}
	r->bool_value = len <= 5 ? bool_parse(s, len, &r->bool_family) : -1;
	if (r->bool_value >= 0) {
		r->mask = C_BOOL;
		return r->mask;
	}
	if (len >= 8) {
		r->mask = read_dates(s, len, C_DATES & ~alive, r);
	}
	return r->mask;
}

/* the bits a forced kind accepts */
static unsigned forced_bits(int kind)
{
	switch (kind) {
	case TI_INTEGER:
	case TI_REAL:
		return C_NUMS;
	case TI_BOOLEAN:
		return C_BOOL;
	case TI_DATE:
	case TI_DATETIME:
		return C_DATES;
	default:
		return C_ALL;
	}
}

static void add_example(struct ti_column *c, const char *s, size_t len)
{
	if (c->n_not_parsed == TI_EXAMPLES) {
		return;
	}
	for (size_t i = 0; i < c->n_not_parsed; i++) {
		if (strlen(c->not_parsed[i]) == len &&
		    memcmp(c->not_parsed[i], s, len) == 0) {
			return;
		}
	}
	c->not_parsed[c->n_not_parsed++] = xstrndup(s, len < 40 ? len : 40);
}

int ti_column_check(const struct ti_column *c, const struct ti_options *o,
		    const char *s, size_t len, const char **ret_why)
{
	struct reading r;
	unsigned ok;

	if (c->forced < 0 || c->forced == TI_TEXT) {
		return 0;
	}
	trim(&s, &len);
	if (len == 0 || (!o->no_default_nulls && ti_na_index(s, len) >= 0)) {
		return 0;
	}
	read_value(c, s, len, &r);
	ok = r.mask & forced_bits(c->forced);
	if (c->forced == TI_INTEGER) {
		ok &= ~C_REAL;
		if ((ok & C_NUM_DOT) && !(r.mask & C_INT) &&
		    ((r.mask & C_REAL) || r.dot.frac)) {
			ok &= ~C_NUM_DOT;
		}
		if ((ok & C_NUM_COMMA) && r.comma.frac) {
			ok &= ~C_NUM_COMMA;
		}
	}
	if (c->forced == TI_DATE && r.has_time) {
		ok = 0;
	}
	if (ok) {
		return 0;
	}
	*ret_why = c->forced == TI_INTEGER ? "not an integer"
		 : c->forced == TI_REAL ? "not a number"
		 : c->forced == TI_BOOLEAN ? "not a boolean"
		 : c->forced == TI_DATE ? "not a date"
		 : "not a date or datetime";
	return -EINVAL;
}

int ti_column_add(struct ti_column *c, const struct ti_options *o,
		  const char *s, size_t len)
{
	struct reading r;
	int na;

	if (c->settled) {
		c->values++;
		return TI_ADD_VALUE;
	}
	trim(&s, &len);
	if (len == 0) {
		/* only spaces: as empty as an empty field, except in TEXT */
		c->blank++;
		return TI_ADD_NULL;
	}
	if (!o->no_default_nulls && (na = ti_na_index(s, len)) >= 0) {
		c->na[na]++;
		return TI_ADD_NULL;
	}
	c->values++;
	read_value(c, s, len, &r);
	if ((r.mask & C_NUMS) == C_NUMS) {
		/* the common case, a plain integer: nothing else to learn */
		c->numeric_like++;
		c->cand &= r.mask;
		return (c->cand & C_INT) ? TI_ADD_INT
		       : (c->cand & C_REAL) ? TI_ADD_REAL : TI_ADD_VALUE;
	}
	if (r.mask & C_NUMS) {
		c->numeric_like++;
		if ((r.mask & C_REAL) && !(r.mask & C_INT)) {
			c->frac_dot = true;
		} else if (r.mask & C_NUM_DOT) {
			c->frac_dot |= r.dot.frac;
		}
		if (r.mask & C_NUM_COMMA) {
			c->frac_comma |= r.comma.frac;
			/* both readings fit, and differ: 1,234 or 1.234 */
			if ((r.mask & C_NUM_DOT) &&
			    (memchr(s, ',', len) || memchr(s, '.', len))) {
				c->comma_ambiguous = true;
			}
		}
		if (!(r.mask & C_REAL)) {
			const struct num *n = (r.mask & C_NUM_DOT) ? &r.dot
								  : &r.comma;

			c->percent += n->percent;
			if (n->currency) {
				if (!c->currency[0]) {
					memcpy(c->currency, n->currency, 4);
				} else if (strcmp(c->currency, n->currency)) {
					c->mixed_currency = true;
				}
			}
		}
	} else if (r.leading_zeros) {
		c->numeric_like++;
		c->leading_zeros++;
	}
	if (r.mask & C_DATES) {
		c->date_like++;
		c->has_time |= r.has_time;
		c->has_offset |= r.has_offset;
	}
	if (r.mask & C_BOOL) {
		if (c->bool_family && c->bool_family != r.bool_family) {
			r.mask &= ~C_BOOL;
		} else {
			char *sp = c->bool_spelling[r.bool_value ? 0 : 1];

			c->bool_family = r.bool_family;
			if (!sp[0]) {
				memcpy(sp, s, len);
			}
			c->bool_true |= r.bool_value == 1;
			c->bool_false |= r.bool_value == 0;
		}
	}
	if (!(r.mask & (C_NUMS | C_DATES)) && !r.leading_zeros &&
	    c->n_not_parsed < TI_EXAMPLES) {
		add_example(c, s, len);
	}
	c->cand &= r.mask;
	if (!(c->cand & C_REAL)) {
		/* its range no longer matters: the column is not plain */
		r.mask &= ~C_REAL;
	}
	/*
	 * A column that is text for good, and far from looking numeric or
	 * like dates, needs no more reading: that keeps text columns as
	 * cheap as before inference learned its formats.
	 */
	if (c->cand == 0 && c->values >= 1024 && c->forced < 0 &&
	    c->numeric_like * 2 < c->values && c->date_like * 2 < c->values) {
		c->settled = true;
	}
	return (r.mask & C_REAL) ? TI_ADD_REAL : TI_ADD_VALUE;
}

/* ---- the decision --------------------------------------------------- */

static void set_warning(struct ti_column *c, char *w)
{
	free(c->warning);
	c->warning = w;
}

static char *examples(const struct ti_column *c)
{
	char buf[200] = "";
	size_t o = 0;

	for (size_t i = 0; i < c->n_not_parsed && o < sizeof(buf) - 60; i++) {
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s'%s'",
				      i ? ", " : "", c->not_parsed[i]);
	}
	return xstrdup(buf);
}

/* a TEXT column that almost reads as numbers or dates says so */
static void looks_like(struct ti_column *c, const char *name)
{
	double num = (double)c->numeric_like / (double)c->values;
	double date = (double)c->date_like / (double)c->values;
	int64_t bad;
	char *ex;

	if (c->warning || c->values == 0) {
		return;
	}
	if (c->leading_zeros * 10 > c->values && num > 0.9) {
		set_warning(c, xasprintf("looks numeric, but %lld values have "
			"leading zeros (codes such as ZIP codes): kept as TEXT; "
			"--type %s=integer would store numbers",
			(long long)c->leading_zeros, name));
		return;
	}
	if (num <= 0.9 && date <= 0.9) {
		return;
	}
	bad = c->values - (num > date ? c->numeric_like : c->date_like);
	ex = examples(c);
	set_warning(c, xasprintf("looks %s: %.1f%% of values read as %s, "
		"%lld do not%s%s%s; kept as TEXT",
		num > date ? "numeric" : "like dates",
		100.0 * (num > date ? num : date),
		num > date ? "numbers" : "dates", (long long)bad,
		ex[0] ? " (e.g. " : "", ex, ex[0] ? ")" : ""));
	free(ex);
}

/* the decimal mark an ambiguous column gets */
static char decimal_guess(const struct ti_options *o)
{
	if (o->decimal_hint) {
		return o->decimal_hint;
	}
	return o->delimiter == ';' ? ',' : '.';
}

char ti_column_decimal_evidence(const struct ti_column *c)
{
	unsigned cand = c->cand;

	if (c->values == 0 || c->forced == TI_TEXT) {
		return 0;
	}
	if ((cand & C_NUM_COMMA) && !(cand & (C_REAL | C_NUM_DOT)) &&
	    c->frac_comma) {
		return ',';
	}
	if ((cand & (C_REAL | C_NUM_DOT)) && !(cand & C_NUM_COMMA) &&
	    c->frac_dot) {
		return '.';
	}
	return 0;
}

static const char *pick_date(struct ti_column *c, const struct ti_options *o,
			     unsigned dates)
{
	bool mdy = dates & C_DATE(TI_DF_MDY), dmy = dates & C_DATE(TI_DF_DMY);

	if (mdy && dmy) {
		if (o->date_order) {
			c->datefmt = (enum ti_datefmt)o->date_order;
			return NULL;
		}
		return "dates are ambiguous: no day above 12 decides between "
		       "DD/MM/YYYY and MM/DD/YYYY; kept as TEXT; pass "
		       "--date-format DD/MM/YYYY or --date-format MM/DD/YYYY";
	}
	for (int f = 0; f < TI_DF_COUNT; f++) {
		if (dates & C_DATE(f)) {
			c->datefmt = (enum ti_datefmt)f;
			return NULL;
		}
	}
	return "no date layout fits every value";
}

void ti_column_decide(struct ti_column *c, const struct ti_options *o,
		      const char *name)
{
	unsigned cand = c->cand;
	const char *why = NULL;

	c->kind = TI_TEXT;
	c->plain = true;
	if (o->decimal == ',') {
		cand &= ~(C_REAL | C_NUM_DOT);
	} else if (o->decimal == '.') {
		cand &= ~C_NUM_COMMA;
	}
	if (c->forced >= 0) {
		cand &= forced_bits(c->forced);
	}
	if (c->forced == TI_TEXT || c->values == 0) {
		return;
	}
	if (c->forced == TI_REAL && (cand & (C_INT | C_REAL))) {
		c->kind = TI_REAL;
		return;
	}
	if (cand & C_INT) {
		c->kind = TI_INTEGER;
		return;
	}
	if ((cand & C_REAL) && (cand & C_NUM_COMMA) && c->comma_ambiguous &&
	    c->forced != TI_REAL && decimal_guess(o) == ',') {
		/* 1.234 in a file that writes decimal commas is 1234 */
		cand &= ~(C_REAL | C_NUM_DOT);
	}
	if (cand & C_REAL) {
		c->kind = TI_REAL;
		return;
	}
	if (cand & C_BOOL) {
		/* a column of only "f" may as well be a code for female */
		if (c->bool_family == B_T_F && !(c->bool_true && c->bool_false) &&
		    c->forced != TI_BOOLEAN) {
			c->cand = 0;
			looks_like(c, name);
			return;
		}
		c->kind = TI_BOOLEAN;
		c->plain = false;
		c->format = xasprintf("%s/%s",
			c->bool_spelling[0][0] ? c->bool_spelling[0] : "?",
			c->bool_spelling[1][0] ? c->bool_spelling[1] : "?");
		c->unit = xasprintf("1 = %s, 0 = %s",
			c->bool_spelling[0][0] ? c->bool_spelling[0] : "?",
			c->bool_spelling[1][0] ? c->bool_spelling[1] : "?");
		return;
	}
	if (cand & C_DATES) {
		why = pick_date(c, o, cand & C_DATES);
		if (!why) {
			c->kind = c->has_time ? TI_DATETIME : TI_DATE;
			c->plain = false;
			c->format = xasprintf("%s%s", datefmt_names[c->datefmt],
					      c->has_time ? " HH:MM[:SS]" : "");
			if (c->has_offset) {
				c->unit = xstrdup("times with a zone offset "
						  "stored in UTC");
			}
			return;
		}
		set_warning(c, xstrdup(why));
		return;
	}
	if (cand & (C_NUM_DOT | C_NUM_COMMA)) {
		bool both = (cand & C_NUM_DOT) && (cand & C_NUM_COMMA);

		if (c->mixed_currency) {
			set_warning(c, xstrdup("numbers in more than one "
				"currency: kept as TEXT"));
			return;
		}
		if (c->percent && c->percent != c->values) {
			set_warning(c, xasprintf("%lld of %lld values have a "
				"'%%' sign and the others do not: kept as TEXT",
				(long long)c->percent, (long long)c->values));
			return;
		}
		c->decimal = (cand & C_NUM_DOT) ? '.' : ',';
		if (both && c->comma_ambiguous) {
			c->decimal = decimal_guess(o);
		}
		if (c->comma_ambiguous && !o->decimal &&
		    (both || c->decimal == ',')) {
			set_warning(c, xasprintf("values such as 1,234 or 1.234 "
				"read with '%c' as the decimal mark (%s); pass "
				"--decimal %c if that is wrong",
				c->decimal, o->decimal_hint == c->decimal
				? "as in the file's other columns"
				: o->delimiter == ';'
				? "the file is ';'-separated"
				: "the usual English form",
				c->decimal == '.' ? ',' : '.'));
		}
		c->kind = TI_NUMBER;
		c->plain = false;
		if (c->forced == TI_INTEGER) {
			/* pass 1 let only whole numbers through */
		} else if (c->forced == TI_REAL ||
			   (c->decimal == '.' ? c->frac_dot : c->frac_comma)) {
			c->forced = TI_REAL;
		} else {
			c->forced = TI_INTEGER;
		}
		{
			const char *sym = !c->currency[0] ? ""
				: strcmp(c->currency, "USD") == 0 ? "$"
				: strcmp(c->currency, "EUR") == 0 ? "\xe2\x82\xac"
				: strcmp(c->currency, "GBP") == 0 ? "\xc2\xa3"
				: "\xc2\xa5";

			c->format = xasprintf("%s%s%s", sym,
				c->decimal == '.' ? "1,234.5" : "1.234,5",
				c->percent ? "%" : "");
		}
		if (c->currency[0]) {
			c->unit = xasprintf("currency %s", c->currency);
		} else if (c->percent) {
			c->unit = xstrdup("percent, stored as 0-100");
		}
		return;
	}
	looks_like(c, name);
}

/* ---- pass 2 --------------------------------------------------------- */

int ti_convert(const struct ti_column *c, const char *s, size_t len,
	       struct ti_value *ret)
{
	struct num n;
	struct when w;
	char *end;
	int fam;

	trim(&s, &len);
	ret->type = TI_V_NULL;
	if (len == 0) {
		return -EINVAL;
	}
	switch (c->kind) {
	case TI_INTEGER:
	case TI_REAL:
		if (len >= sizeof(n.canon)) {
			return -EINVAL;
		}
		if (c->kind == TI_INTEGER && ti_fast_int(s, len, &ret->i)) {
			ret->type = TI_V_INT;
			return 0;
		}
		if (c->kind == TI_REAL && ti_fast_real(s, len, &ret->d)) {
			ret->type = TI_V_REAL;
			return 0;
		}
		memcpy(n.canon, s, len);
		n.canon[len] = '\0';
		errno = 0;
		if (c->kind == TI_INTEGER) {
			ret->i = strtoll(n.canon, &end, 10);
			ret->type = TI_V_INT;
		} else {
			ret->d = strtod(n.canon, &end);
			ret->type = TI_V_REAL;
		}
		return *end || errno ? -EINVAL : 0;
	case TI_NUMBER:
		if (!num_parse(s, len, c->decimal, &n)) {
			if (import_classify(s, len) != IMPORT_INTEGER) {
				return -EINVAL;
			}
			memcpy(n.canon, s, len);
			n.canon[len] = '\0';
		}
		if (c->forced == TI_INTEGER &&
		    ti_fast_int(n.canon, strlen(n.canon), &ret->i)) {
			ret->type = TI_V_INT;
			return 0;
		}
		if (c->forced != TI_INTEGER &&
		    ti_fast_real(n.canon, strlen(n.canon), &ret->d)) {
			ret->type = TI_V_REAL;
			return 0;
		}
		errno = 0;
		if (c->forced == TI_INTEGER) {
			ret->i = strtoll(n.canon, &end, 10);
			ret->type = TI_V_INT;
		} else {
			ret->d = strtod(n.canon, &end);
			ret->type = TI_V_REAL;
		}
		return *end || errno ? -EINVAL : 0;
	case TI_BOOLEAN:
		ret->i = bool_parse(s, len, &fam);
		ret->type = TI_V_INT;
		return ret->i < 0 ? -EINVAL : 0;
	case TI_DATE:
	case TI_DATETIME:
		if (!date_parse(s, len, c->datefmt, &w)) {
			return -EINVAL;
		}
		when_format(&w, ret->text, sizeof(ret->text));
		ret->type = TI_V_TEXT;
		return 0;
	default:
		return -EINVAL;
	}
}

const char *ti_kind_name(enum ti_kind k)
{
	return kind_names[k];
}
