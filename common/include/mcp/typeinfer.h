/*
 * typeinfer: what a CSV column holds, decided from the whole column.
 *
 * Every value narrows a set of candidate readings of its column (plain
 * integers, plain reals, numbers written with thousands separators, a
 * currency or a percent sign with '.' or ',' as the decimal mark,
 * booleans, dates in one of several layouts, datetimes).  At the end of
 * the first pass typeinfer_decide() picks the reading every value agrees
 * with, or TEXT; when more than one is left and they would give different
 * values (1,234 read as 1234 or 1.234; 01/02/2000 read as 1 February or
 * January 2), the column is told why instead of guessed silently.
 *
 * The NA markers ("NA", "N/A", "n/a", "NaN", "null", "NULL", "None", "-",
 * ".", "#N/A") are counted apart and become NULL only in a column that is
 * otherwise numeric, boolean or a date.
 *
 * typeinfer_convert() turns one value into what is stored: an integer, a
 * real or ISO 8601 text.  Leading and trailing spaces never matter.
 *
 * struct ti_column is embedded: ti_column_init() / ti_column_finish().
 */
#ifndef MCP_TYPEINFER_H
#define MCP_TYPEINFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* what a column is stored as, after the decision */
enum ti_kind {
	TI_TEXT,
	TI_INTEGER,             /* plain integers */
	TI_REAL,                /* plain numbers */
	TI_NUMBER,              /* formatted numbers: separators, units */
	TI_BOOLEAN,             /* stored as INTEGER 0/1 */
	TI_DATE,                /* stored as TEXT YYYY-MM-DD */
	TI_DATETIME,            /* stored as TEXT YYYY-MM-DD HH:MM:SS[.f] */
};

/* date layouts; the time of day and its offset may follow any of them */
enum ti_datefmt {
	TI_DF_YMD,              /* 2000-01-31, 2000/01/31 */
	TI_DF_DMY_DOT,          /* 31.01.2000 */
	TI_DF_MDY,              /* 01/31/2000 */
	TI_DF_DMY,              /* 31/01/2000 */
	TI_DF_MON_D_Y,          /* Jan 31 2000, January 31, 2000 */
	TI_DF_D_MON_Y,          /* 31 Jan 2000, 31-Jan-2000 */
	TI_DF_COUNT,
};

/* what the user asked for, for all columns */
struct ti_options {
	bool no_default_nulls;  /* the NA markers stay text */
	char decimal;           /* 0: decide per column; '.' or ',' */
	int date_order;         /* 0: decide; TI_DF_MDY or TI_DF_DMY */
	char delimiter;         /* a ';' file prefers the decimal comma */
	char decimal_hint;      /* the mark the file's other columns use */
};

#define TI_NA_TOKENS 10
#define TI_EXAMPLES 3

struct ti_column {
	unsigned cand;          /* readings still possible (bits) */
	int forced;             /* -1, or the enum ti_kind asked for */
	int64_t values;         /* non-empty values seen (NA markers apart) */
	int64_t na[TI_NA_TOKENS];
	int64_t blank;          /* values of spaces only */
	int64_t numeric_like;   /* values that read as some number */
	int64_t date_like;      /* values that read as some date */
	int64_t leading_zeros;  /* numbers kept as codes: 007 */
	int64_t percent;        /* values with a '%' */
	char currency[4];       /* "USD", "EUR", "GBP", "JPY" or "" */
	bool mixed_currency;
	bool has_time;          /* some date value had a time of day */
	bool has_offset;        /* some datetime had a zone offset */
	bool frac_dot;          /* a fraction, if '.' is the decimal mark */
	bool frac_comma;        /* a fraction, if ',' is the decimal mark */
	bool comma_ambiguous;   /* a value like 1,234 was seen */
	int bool_family;        /* 0 none yet, else which spelling */
	bool bool_true, bool_false;
	char bool_spelling[2][8];
	bool settled;           /* text for good: values are only counted */
	char *not_parsed[TI_EXAMPLES]; /* values that broke the pattern */
	size_t n_not_parsed;

	/* the decision */
	enum ti_kind kind;
	bool plain;             /* stored exactly as a plain int/real/text */
	char decimal;           /* TI_NUMBER: '.' or ',' */
	enum ti_datefmt datefmt;
	char *format;           /* the original form, for the profile */
	char *unit;
	char *warning;          /* why it stayed TEXT, or what was assumed */
};

void ti_column_init(struct ti_column *c);
void ti_column_finish(struct ti_column *c);

/*
 * Force a column's kind (--type).  `name` is one of integer, real, text,
 * date, datetime, boolean; returns -EINVAL for any other.
 */
int ti_column_force(struct ti_column *c, const char *name);

/*
 * Plain numbers without strtoll/strtod when that is exact: at most 18
 * digits for an integer; at most 15 significant digits and 22 decimals,
 * no exponent, for a real (correctly rounded).  False means "use the C
 * library", never "not a number".
 */
bool ti_fast_int(const char *s, size_t len, int64_t *ret);
bool ti_fast_real(const char *s, size_t len, double *ret);

/* "integer", "date", ... */
const char *ti_kind_name(enum ti_kind k);

/* the NA marker `s` is (index into ti_na_tokens), or -1 */
int ti_na_index(const char *s, size_t len);
extern const char *const ti_na_tokens[TI_NA_TOKENS];

/*
 * Does a value fit the kind the column is forced to (always, when it is
 * not forced)?  0, or -EINVAL with *ret_why saying why not (static).
 * Call it for every value before ti_column_add(), so that a rejected
 * record leaves no trace.
 */
int ti_column_check(const struct ti_column *c, const struct ti_options *o,
		    const char *s, size_t len, const char **ret_why);

/*
 * Pass 1: one non-empty field.  Returns TI_ADD_NULL for an NA marker or
 * spaces (counted apart), TI_ADD_INT or TI_ADD_REAL for a plain number
 * (so the caller can keep its range), TI_ADD_VALUE for anything else.
 */
enum { TI_ADD_VALUE, TI_ADD_NULL, TI_ADD_INT, TI_ADD_REAL };
int ti_column_add(struct ti_column *c, const struct ti_options *o,
		  const char *s, size_t len);

/*
 * After pass 1: which decimal mark the column proves ('.', ',' or 0 when
 * it proves none), so that the file's other columns can follow it.
 */
char ti_column_decimal_evidence(const struct ti_column *c);

/* after pass 1: fill kind, format, unit, warning (`name` for messages) */
void ti_column_decide(struct ti_column *c, const struct ti_options *o,
		      const char *name);

/* the value that goes into the table */
struct ti_value {
	enum { TI_V_NULL, TI_V_INT, TI_V_REAL, TI_V_TEXT } type;
	int64_t i;
	double d;
	char text[64];          /* ISO dates and times */
};

/*
 * Pass 2: convert one non-empty value of a decided, non-plain column.
 * Returns 0, or -EINVAL when the value does not fit (the file changed).
 */
int ti_convert(const struct ti_column *c, const char *s, size_t len,
	       struct ti_value *ret);

#endif
