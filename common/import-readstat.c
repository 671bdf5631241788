/*
 * The survey-file importer: SPSS .sav, Stata .dta, SAS .sas7bdat and SAS
 * transport .xpt through ReadStat (see import.h).
 *
 * ReadStat streams a file value by value, so the import reads it twice,
 * like a CSV: the first pass checks the whole file, profiles every column,
 * decides INTEGER or REAL and collects the labels; nothing is written
 * during it, so a truncated file leaves the catalog untouched.  The
 * second pass inserts the rows inside the import's transaction.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <readstat.h>

#include "mcp/colstats.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "import-internal.h"

/* how a numeric column's values are shown */
enum rs_kind {
	RS_NUMBER,
	RS_STRING,
	RS_DATE,        /* ISO 8601 date */
	RS_DATETIME,    /* ISO 8601 date and time */
};

struct rs_column {
	enum rs_kind kind;
	double day0;            /* unix day of the format's day zero */
	double unit;            /* seconds per stored unit (datetimes) */
	bool integral;          /* every numeric value so far is whole */
	char *label;            /* variable label, NULL without one */
	char *label_set;        /* name of its value-label set */
	char *missing;          /* user-defined missing codes, as text */
	double miss_lo[32], miss_hi[32];
	int n_miss;
};

struct rs_label {
	char *set;
	bool is_text;
	double num;
	char *text;
	char *label;
	bool missing;           /* a tagged (Stata .a-.z, SAS .A-.Z) code */
	char tag;
};

struct rs_ctx {
	const char *path;
	bool load;              /* second pass: insert */
	struct import_column *cols;
	struct rs_column *rs;
	size_t n;
	int64_t rows;
	int64_t declared_rows;
	int declared_vars;      /* from the header: sizes the quantile sketches */
	int fmt;                /* index in formats[] */
	char *err;
	sqlite3_stmt *ins;
	struct db *db;
	struct rs_label *labels;
	size_t n_labels;
	char buf[64];
	bool bad_text;          /* a value is not UTF-8 */
	bool keep_user_missing; /* only system and tagged missing are NULL */
	char why[128];          /* ReadStat's own first message, for errors */
};

static const struct {
	const char *name;
	const char *what;
	readstat_error_t (*parse)(readstat_parser_t *, const char *, void *);
} formats[] = {
	{ "sav", "SPSS .sav", readstat_parse_sav },
	{ "dta", "Stata .dta", readstat_parse_dta },
	{ "xpt", "SAS transport .xpt", readstat_parse_xport },
	{ "sas7bdat", "SAS .sas7bdat", readstat_parse_sas7bdat },
};

const char *import_readstat_describe(const char *format)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(formats[i].name, format) == 0) {
			return formats[i].what;
		}
	}
	return NULL;
}

/* the format from the first bytes of the file, not its name */
const char *import_readstat_sniff(const char *path)
{
	static const unsigned char sas_magic[32] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc2, 0xea, 0x81, 0x60,
		0xb3, 0x14, 0x11, 0xcf, 0xbd, 0x92, 0x08, 0x00, 0x09, 0xc7,
		0x31, 0x8c, 0x18, 0x1f, 0x10, 0x11,
	};
	unsigned char h[80] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		return NULL;
	}
	n = fread(h, 1, sizeof(h), f);
	fclose(f);
	if (n >= 4 && (memcmp(h, "$FL2", 4) == 0 || memcmp(h, "$FL3", 4) == 0)) {
		return "sav";
	}
	if (n >= 11 && memcmp(h, "<stata_dta>", 11) == 0) {
		return "dta";
	}
	/* Stata 104-115: release byte, byte order 1 or 2, filetype 1 */
	if (n >= 4 && h[0] >= 104 && h[0] <= 115 && (h[1] == 1 || h[1] == 2) &&
	    h[2] == 1) {
		return "dta";
	}
	if (n >= 80 && memcmp(h, "HEADER RECORD*******LIB", 23) == 0) {
		return "xpt";
	}
	if (n >= 32 && memcmp(h, sas_magic, 32) == 0) {
		return "sas7bdat";
	}
	return NULL;
}

/* ---- dates ---------------------------------------------------------- */

/* a format name without its width: "DATETIME20" -> starts "DATETIME" */
static bool fmt_is(const char *fmt, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncasecmp(fmt, prefix, n) == 0 &&
	       (fmt[n] == '\0' || (fmt[n] >= '0' && fmt[n] <= '9') ||
		fmt[n] == '.');
}

/*
 * Day zero: SPSS counts seconds from 1582-10-14, Stata and SAS days (or
 * milliseconds, seconds) from 1960-01-01.
 */
#define DAY0_SPSS (-141428.0)
#define DAY0_1960 (-3653.0)

static void column_kind(struct rs_column *c, const char *fmt,
			readstat_type_class_t cls)
{
	static const char *const sas_dates[] = {
		"DATE", "MMDDYY", "DDMMYY", "YYMMDD", "E8601DA", "B8601DA",
		"WEEKDATE", "WORDDATE", "MONYY", "YYMON", "JULIAN", "NLDATE",
		"DAY", "EURDFDD", "MINGUO", NULL,
	};
	static const char *const sas_datetimes[] = {
		"DATETIME", "E8601DT", "B8601DT", "IS8601DT", "DATEAMPM",
		"NLDATM", NULL,
	};
	static const char *const spss_fmts[] = {
		"DATE", "ADATE", "EDATE", "SDATE", "JDATE", NULL,
	};

	c->kind = cls == READSTAT_TYPE_CLASS_STRING ? RS_STRING : RS_NUMBER;
	c->integral = true;
	if (c->kind == RS_STRING || !fmt || !*fmt) {
		return;
	}
	if (fmt[0] == '%') {
		/* Stata: %td (days), %tc / %tC (milliseconds); old %d */
		if (strncmp(fmt, "%td", 3) == 0 || strncmp(fmt, "%d", 2) == 0) {
			c->kind = RS_DATE;
			c->day0 = DAY0_1960;
			c->unit = 86400;
		} else if (strncmp(fmt, "%tc", 3) == 0 ||
			   strncmp(fmt, "%tC", 3) == 0) {
			c->kind = RS_DATETIME;
			c->day0 = DAY0_1960;
			c->unit = 0.001;
		}
		return;
	}
	for (int i = 0; sas_datetimes[i]; i++) {
		if (fmt_is(fmt, sas_datetimes[i]) || fmt_is(fmt, "YMDHMS")) {
			c->kind = RS_DATETIME;
			c->unit = 1;
			c->day0 = DAY0_1960;
			return;
		}
	}
	for (int i = 0; spss_fmts[i]; i++) {
		if (fmt_is(fmt, spss_fmts[i])) {
			c->kind = RS_DATE;
			c->unit = 86400;
			c->day0 = DAY0_1960;
			break;
		}
	}
	for (int i = 0; c->kind == RS_NUMBER && sas_dates[i]; i++) {
		if (fmt_is(fmt, sas_dates[i])) {
			c->kind = RS_DATE;
			c->unit = 86400;
			c->day0 = DAY0_1960;
		}
	}
}

/* SPSS keeps dates as seconds from its own day zero */
static void spss_dates(struct rs_column *c)
{
	if (c->kind == RS_DATE || c->kind == RS_DATETIME) {
		c->day0 = DAY0_SPSS;
		c->unit = 1;
	}
}

/* NULL when the value is outside years 1..9999 */
static const char *iso_text(const struct rs_column *c, double v, char *buf,
			    size_t size)
{
	double secs = v * (c->kind == RS_DATE && c->unit == 86400 ? 86400
								   : c->unit);
	double t = floor(c->day0 * 86400 + secs + 1e-6);
	struct tm tm;
	time_t tt;

	if (!isfinite(t) || t < -62135596800.0 || t > 253402300799.0) {
		return NULL;
	}
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm)) {
		return NULL;
	}
	if (c->kind == RS_DATE) {
		snprintf(buf, size, "%04d-%02d-%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday);
	} else {
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	return buf;
}

/* the shortest text that reads back as the same double */
static const char *number_text(double d, char *buf, size_t size)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d) {
			break;
		}
	}
	return buf;
}

/*
 * ReadStat converts text to UTF-8 from the encoding the file declares; a
 * file that declares the wrong one still yields bytes that are not UTF-8,
 * which the catalog must not hold.
 */
static bool utf8_ok(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s++;
		int more;
		unsigned min, cp;

		if (c < 0x80) {
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			more = 1, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		while (more--) {
			if ((*s & 0xc0) != 0x80) {
				return false;
			}
			cp = cp << 6 | (*s++ & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			return false;
		}
	}
	return true;
}

/* ---- handlers ------------------------------------------------------- */

static int on_metadata(readstat_metadata_t *md, void *arg)
{
	struct rs_ctx *x = arg;

	x->declared_rows = readstat_get_row_count(md);
	x->declared_vars = readstat_get_var_count(md);
	return READSTAT_HANDLER_OK;
}

static bool name_taken(const struct import_column *cols, size_t n,
		       const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(cols[i].name, name) == 0) {
			return true;
		}
	}
	return false;
}

static char *missing_text(readstat_variable_t *v, struct rs_column *c)
{
	int n = readstat_variable_get_missing_ranges_count(v);
	char a[64], b[64];
	struct buf t = BUF_INIT;

	for (int i = 0; i < n; i++) {
		readstat_value_t lo = readstat_variable_get_missing_range_lo(v, i);
		readstat_value_t hi = readstat_variable_get_missing_range_hi(v, i);

		if (readstat_value_type_class(lo) != READSTAT_TYPE_CLASS_NUMERIC) {
			continue;
		}
		if (c->n_miss < 32) {
			c->miss_lo[c->n_miss] = readstat_double_value(lo);
			c->miss_hi[c->n_miss++] = readstat_double_value(hi);
		}
		number_text(readstat_double_value(lo), a, sizeof(a));
		number_text(readstat_double_value(hi), b, sizeof(b));
		if (t.len) {
			buf_addstr(&t, ", ");
		}
		if (strcmp(a, b) == 0) {
			buf_addstr(&t, a);
		} else {
			buf_addf(&t, "%s-%s", a, b);
		}
	}
	return t.len ? buf_detach(&t, NULL) : (buf_release(&t), NULL);
}

static int on_variable(int index, readstat_variable_t *v,
		       const char *val_labels, void *arg)
{
	struct rs_ctx *x = arg;
	const char *src = readstat_variable_get_name(v);
	const char *label = readstat_variable_get_label(v);
	struct import_column *c;
	struct rs_column *r;
	char *name;

	if (x->load) {
		return READSTAT_HANDLER_OK;
	}
	x->cols = xrealloc(x->cols, (x->n + 1) * sizeof(*x->cols));
	x->rs = xrealloc(x->rs, (x->n + 1) * sizeof(*x->rs));
	c = &x->cols[x->n];
	r = &x->rs[x->n];
	memset(c, 0, sizeof(*c));
	memset(r, 0, sizeof(*r));
	name = xstrdup(src && *src ? src : "column");
	for (int k = 2; name_taken(x->cols, x->n, name); k++) {
		free(name);
		name = xasprintf("%s_%d", src && *src ? src : "column", k);
	}
	c->name = name;
	c->source_name = xstrdup(src ? src : "");
	colstats_init(&c->stats);
	if (x->declared_vars > 0) {
		quantile_limit(&c->stats.quantiles, (size_t)x->declared_vars);
	}
	column_kind(r, readstat_variable_get_format(v),
		    readstat_variable_get_type_class(v));
	c->type = r->kind == RS_NUMBER ? IMPORT_NULL : IMPORT_TEXT;
	if (x->fmt == 0) {
		spss_dates(r);
	}
	r->label = label && *label && utf8_ok((const unsigned char *)label)
		   ? xstrdup(label) : NULL;
	r->label_set = val_labels && *val_labels ? xstrdup(val_labels) : NULL;
	r->missing = missing_text(v, r);
	x->n++;
	(void)index;
	return READSTAT_HANDLER_OK;
}

static int on_value_label(const char *set, readstat_value_t value,
			  const char *label, void *arg)
{
	struct rs_ctx *x = arg;
	struct rs_label *l;

	if (x->load) {
		return READSTAT_HANDLER_OK;
	}
	x->labels = xrealloc(x->labels, (x->n_labels + 1) * sizeof(*x->labels));
	l = &x->labels[x->n_labels++];
	memset(l, 0, sizeof(*l));
	l->set = xstrdup(set);
	/* an unreadable label is left out rather than failing the import */
	l->label = xstrdup(label && utf8_ok((const unsigned char *)label)
			   ? label : "?");
	if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING) {
		const char *s = readstat_string_value(value);

		l->is_text = true;
		l->text = xstrdup(s ? s : "");
	} else if (readstat_value_is_tagged_missing(value)) {
		l->missing = true;
		l->tag = readstat_value_tag(value);
	} else {
		l->num = readstat_double_value(value);
	}
	return READSTAT_HANDLER_OK;
}

static void fail_at(struct rs_ctx *x, int obs, size_t col, const char *what)
{
	if (!x->err) {
		x->err = xasprintf("%s: row %d, column '%s': %s", x->path,
				   obs + 1, col < x->n ? x->cols[col].name : "?",
				   what);
	}
}

static void scan_value(struct rs_ctx *x, size_t i, readstat_value_t value,
		       bool missing)
{
	struct import_column *c = &x->cols[i];
	struct rs_column *r = &x->rs[i];
	const char *s;
	double d;

	if (missing) {
		colstats_add_null(&c->stats);
		return;
	}
	if (r->kind == RS_STRING) {
		s = readstat_string_value(value);
		if (!s || !*s) {
			colstats_add_null(&c->stats);
		} else if (!utf8_ok((const unsigned char *)s)) {
			x->bad_text = true;
		} else {
			colstats_add(&c->stats, s, strlen(s));
		}
		return;
	}
	d = readstat_double_value(value);
	if (r->kind != RS_NUMBER) {
		s = iso_text(r, d, x->buf, sizeof(x->buf));
		if (s) {
			colstats_add(&c->stats, s, strlen(s));
		} else {
			colstats_add_null(&c->stats);
		}
		return;
	}
	if (!isfinite(d)) {
		colstats_add_null(&c->stats);
		return;
	}
	number_text(d, x->buf, sizeof(x->buf));
	colstats_add(&c->stats, x->buf, strlen(x->buf));
	if (r->integral && d == floor(d) && fabs(d) < 9007199254740992.0) {
		colstats_add_int(&c->stats, (int64_t)d);
		c->type = IMPORT_INTEGER;
	} else {
		r->integral = false;
		colstats_add_real(&c->stats, d);
		c->type = IMPORT_REAL;
	}
}

static int bind_value(struct rs_ctx *x, size_t i, readstat_value_t value,
		      bool missing)
{
	struct import_column *c = &x->cols[i];
	struct rs_column *r = &x->rs[i];
	int idx = (int)i + 1;
	const char *s;
	double d;

	if (missing) {
		return sqlite3_bind_null(x->ins, idx);
	}
	if (r->kind == RS_STRING) {
		s = readstat_string_value(value);
		if (!s || !*s) {
			return sqlite3_bind_null(x->ins, idx);
		}
		return sqlite3_bind_text(x->ins, idx, s, -1, SQLITE_TRANSIENT);
	}
	d = readstat_double_value(value);
	if (r->kind != RS_NUMBER) {
		s = iso_text(r, d, x->buf, sizeof(x->buf));
		return s ? sqlite3_bind_text(x->ins, idx, s, -1,
					     SQLITE_TRANSIENT)
			 : sqlite3_bind_null(x->ins, idx);
	}
	if (!isfinite(d)) {
		return sqlite3_bind_null(x->ins, idx);
	}
	if (c->type == IMPORT_INTEGER) {
		return sqlite3_bind_int64(x->ins, idx, (int64_t)d);
	}
	return sqlite3_bind_double(x->ins, idx, d);
}

static int on_value(int obs, readstat_variable_t *v, readstat_value_t value,
		    void *arg)
{
	struct rs_ctx *x = arg;
	int index = readstat_variable_get_index(v);
	size_t i = (size_t)index;
	bool missing;

	if (index < 0 || i >= x->n) {
		fail_at(x, obs, i, "more values than variables");
		return READSTAT_HANDLER_ABORT;
	}
	/*
	 * User-defined missing codes (SPSS 97, 98-99) are NULL unless asked
	 * for as values; system missing and Stata's .a-.z (which have no
	 * value to keep) are NULL always.
	 */
	missing = x->keep_user_missing
		? readstat_value_is_system_missing(value) ||
		  readstat_value_is_tagged_missing(value)
		: readstat_value_is_missing(value, v);
	if (!x->load) {
		scan_value(x, i, value, missing);
		if (x->bad_text) {
			fail_at(x, obs, i, "text that is not valid UTF-8 (does "
				"the file declare the right encoding?)");
			return READSTAT_HANDLER_ABORT;
		}
	} else if (bind_value(x, i, value, missing) != SQLITE_OK) {
		fail_at(x, obs, i, sqlite3_errmsg(x->db->sql));
		return READSTAT_HANDLER_ABORT;
	}
	if (i + 1 < x->n) {
		return READSTAT_HANDLER_OK;
	}
	if (x->load) {
		int rc = sqlite3_step(x->ins);

		sqlite3_reset(x->ins);
		if (rc != SQLITE_DONE) {
			fail_at(x, obs, i, sqlite3_errmsg(x->db->sql));
			return READSTAT_HANDLER_ABORT;
		}
	}
	x->rows++;
	return READSTAT_HANDLER_OK;
}

static void rs_ctx_finish(struct rs_ctx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->rs[i].label);
		free(x->rs[i].label_set);
		free(x->rs[i].missing);
	}
	free(x->rs);
	import_columns_free(x->cols, x->n);
	for (size_t i = 0; i < x->n_labels; i++) {
		free(x->labels[i].set);
		free(x->labels[i].text);
		free(x->labels[i].label);
	}
	free(x->labels);
	free(x->err);
}

/* ReadStat's detail (such as which code page it does not know) */
static void on_error(const char *msg, void *arg)
{
	struct rs_ctx *x = arg;
	size_t n;

	if (x->why[0]) {
		return;
	}
	n = strcspn(msg, "\n");
	if (n >= sizeof(x->why)) {
		n = sizeof(x->why) - 1;
	}
	memcpy(x->why, msg, n);
	x->why[n] = '\0';
}

/* one pass over the file; the handlers do the work */
static int run_pass(struct rs_ctx *x, int fmt)
{
	readstat_parser_t *p = readstat_parser_init();
	readstat_error_t e;

	readstat_set_metadata_handler(p, on_metadata);
	readstat_set_variable_handler(p, on_variable);
	readstat_set_value_handler(p, on_value);
	readstat_set_value_label_handler(p, on_value_label);
	readstat_set_error_handler(p, on_error);
	x->rows = 0;
	x->why[0] = '\0';
	x->fmt = fmt;
	e = formats[fmt].parse(p, x->path, x);
	readstat_parser_free(p);
	if (x->err) {
		return -EINVAL;
	}
	if (e == READSTAT_ERROR_CONVERT ||
	    e == READSTAT_ERROR_CONVERT_BAD_STRING ||
	    e == READSTAT_ERROR_CONVERT_SHORT_STRING ||
	    e == READSTAT_ERROR_CONVERT_LONG_STRING) {
		x->err = xasprintf("%s: row %lld: text that is not valid in "
				   "the encoding the file declares: %s",
				   x->path, (long long)x->rows + 1,
				   readstat_error_message(e));
		return -EINVAL;
	}
	if (e == READSTAT_ERROR_UNSUPPORTED_CHARSET) {
		x->err = xasprintf("%s: the file's text is in an encoding that "
				   "cannot be converted to UTF-8 (%s); save it "
				   "again in UTF-8 or a common code page",
				   x->path, x->why[0] ? x->why
						  : readstat_error_message(e));
		return -EINVAL;
	}
	if (e != READSTAT_OK) {
		x->err = xasprintf("%s: row %lld: cannot read as %s (is the "
				   "file truncated or damaged?): %s", x->path,
				   (long long)x->rows + 1, formats[fmt].what,
				   readstat_error_message(e));
		return -EINVAL;
	}
	return 0;
}

/* ---- the catalog ---------------------------------------------------- */

static int create_table(struct db *db, const char *table,
			const struct import_column *cols, size_t n,
			char **ret_err)
{
	struct buf sql = BUF_INIT;
	int r;

	buf_addstr(&sql, "CREATE TABLE main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, " (");
	for (size_t i = 0; i < n; i++) {
		buf_addstr(&sql, i ? ", " : "");
		ident_quote(&sql, cols[i].name);
		buf_addf(&sql, " %s", import_type_names[cols[i].type]);
	}
	buf_addstr(&sql, ")");
	r = db_exec(db, buf_str(&sql), ret_err);
	buf_release(&sql);
	return r;
}

static sqlite3_stmt *prepare_insert(struct db *db, const char *table, size_t n)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;

	buf_addstr(&sql, "INSERT INTO main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, " VALUES (");
	for (size_t i = 0; i < n; i++) {
		buf_addstr(&sql, i ? ",?" : "?");
	}
	buf_addstr(&sql, ")");
	if (sqlite3_prepare_v3(db->sql, buf_str(&sql), -1,
			       SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK) {
		st = NULL;
	}
	buf_release(&sql);
	return st;
}

static int step_or_fail(struct db *db, sqlite3_stmt *st, char **ret_err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*ret_err = xasprintf("catalog write failed: %s",
				     sqlite3_errmsg(db->sql));
		return db_errno(rc);
	}
	return 0;
}

static bool in_missing(const struct rs_column *c, double v)
{
	for (int i = 0; i < c->n_miss; i++) {
		if (v >= c->miss_lo[i] && v <= c->miss_hi[i]) {
			return true;
		}
	}
	return false;
}

/* variable labels, missing codes and value labels of every column */
static int store_labels(struct db *db, int64_t id, const struct rs_ctx *x,
			char **ret_err)
{
	sqlite3_stmt *col = NULL, *lab = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db->sql,
			"UPDATE dataset_columns SET file_description = ?3, "
			"missing_codes = ?4 WHERE dataset_id = ?1 AND "
			"position = ?2", -1, &col, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->sql,
			"INSERT OR REPLACE INTO value_labels (dataset_id, "
			"column_name, value, label, is_missing) "
			"VALUES (?1, ?2, ?3, ?4, ?5)", -1, &lab,
			NULL) != SQLITE_OK) {
		*ret_err = xasprintf("cannot store labels: %s",
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	for (size_t i = 0; i < x->n; i++) {
		const struct rs_column *c = &x->rs[i];

		sqlite3_bind_int64(col, 1, id);
		sqlite3_bind_int64(col, 2, (int64_t)i);
		sqlite3_bind_text(col, 3, c->label, -1, SQLITE_STATIC);
		/* missing_codes lists codes stored as NULL: none when kept */
		sqlite3_bind_text(col, 4, x->keep_user_missing ? NULL
				  : c->missing, -1, SQLITE_STATIC);
		r = step_or_fail(db, col, ret_err);
		if (r < 0) {
			goto out;
		}
		for (size_t k = 0; c->label_set && k < x->n_labels; k++) {
			const struct rs_label *l = &x->labels[k];
			char tag[3] = { '.', l->tag, 0 };

			if (strcmp(l->set, c->label_set) != 0) {
				continue;
			}
			sqlite3_bind_int64(lab, 1, id);
			sqlite3_bind_text(lab, 2, x->cols[i].name, -1,
					  SQLITE_STATIC);
			if (l->is_text) {
				sqlite3_bind_text(lab, 3, l->text, -1,
						  SQLITE_STATIC);
			} else if (l->missing) {
				/* stored as NULL; its code named as Stata does */
				sqlite3_bind_text(lab, 3, tag, -1,
						  SQLITE_TRANSIENT);
			} else if (l->num == floor(l->num) &&
				   fabs(l->num) < 9007199254740992.0) {
				sqlite3_bind_int64(lab, 3, (int64_t)l->num);
			} else {
				sqlite3_bind_double(lab, 3, l->num);
			}
			sqlite3_bind_text(lab, 4, l->label, -1, SQLITE_STATIC);
			sqlite3_bind_int(lab, 5, l->missing ||
					 (!x->keep_user_missing && !l->is_text &&
					  in_missing(c, l->num)));
			r = step_or_fail(db, lab, ret_err);
			if (r < 0) {
				goto out;
			}
		}
	}
	r = 0;
out:
	sqlite3_finalize(col);
	sqlite3_finalize(lab);
	return r;
}

/*
 * The value labels of a SAS format catalog (.sas7bcat), before the data
 * file's passes: on_variable takes each variable's format name as its
 * label set, and the catalog's formats are those sets.  A file that is
 * not a catalog fails in ReadStat, or (another SAS file, which shares the
 * catalog's header) yields no formats: both are refused.
 */
static int read_catalog(struct rs_ctx *x, const char *data_path,
			const char *path)
{
	readstat_parser_t *p = readstat_parser_init();
	readstat_error_t e;

	readstat_set_value_label_handler(p, on_value_label);
	readstat_set_error_handler(p, on_error);
	x->why[0] = '\0';
	e = readstat_parse_sas7bcat(p, path, x);
	readstat_parser_free(p);
	if (e != READSTAT_OK) {
		x->err = xasprintf("%s: --catalog-file %s: cannot read as a "
				   "SAS format catalog (.sas7bcat): %s",
				   data_path, path, x->why[0] ? x->why
					: readstat_error_message(e));
		return -EINVAL;
	}
	if (x->n_labels == 0) {
		x->err = xasprintf("%s: --catalog-file %s: no value labels in "
				   "it; is it a SAS format catalog "
				   "(.sas7bcat)?", data_path, path);
		return -EINVAL;
	}
	return 0;
}

/* how many columns a format of the catalog labels */
static size_t catalog_columns(const struct rs_ctx *x)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n; i++) {
		for (size_t k = 0; x->rs[i].label_set && k < x->n_labels; k++) {
			if (strcmp(x->labels[k].set, x->rs[i].label_set) == 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

/* the options a refresh needs again: the catalog's path, the codes kept */
static char *options_json(const char *abs_catalog, bool keep_user_missing)
{
	cJSON *o;
	char *s;

	if (!abs_catalog && !keep_user_missing) {
		return NULL;
	}
	o = cJSON_CreateObject();
	if (abs_catalog) {
		cJSON_AddStringToObject(o, "catalog_file", abs_catalog);
	}
	if (keep_user_missing) {
		cJSON_AddTrueToObject(o, "keep_user_missing");
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int format_index(const char *format)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(formats[i].name, format) == 0) {
			return (int)i;
		}
	}
	return -1;
}

int import_readstat(struct db *db, const struct import_options *opt,
		    const char *format, struct import_report *ret,
		    char **ret_err)
{
	struct rs_ctx x = { .path = opt->path, .db = db };
	char *table = ident_data_table(opt->name);
	char *abs_path = NULL, *abs_catalog = NULL, *json = NULL;
	const char *sniffed;
	double start = import_now();
	int64_t id = 0, rows;
	bool replaced = false;
	int fmt, r;

	*ret_err = NULL;
	if (strcmp(opt->path, "-") == 0) {
		*ret_err = xstrdup("survey files cannot be read from "
				   "standard input; give a file");
		r = -EINVAL;
		goto out;
	}
	abs_path = realpath(opt->path, NULL);
	if (!abs_path) {
		r = -errno;
		*ret_err = xasprintf("cannot open '%s': %s", opt->path,
				     strerror(-r));
		goto out;
	}
	sniffed = import_readstat_sniff(opt->path);
	if (!format) {
		format = sniffed;
		if (!format) {
			*ret_err = xasprintf("%s: not an SPSS, Stata or SAS "
					     "file (its first bytes match none "
					     "of them)", opt->path);
			r = -EINVAL;
			goto out;
		}
	} else if (sniffed && strcmp(sniffed, format) != 0) {
		*ret_err = xasprintf("%s: expected %s, but its first bytes "
				     "are those of a %s file", opt->path,
				     import_readstat_describe(format),
				     import_readstat_describe(sniffed));
		r = -EINVAL;
		goto out;
	}
	fmt = format_index(format);
	if (fmt < 0) {
		*ret_err = xasprintf("unknown survey file format '%s'", format);
		r = -EINVAL;
		goto out;
	}
	if (opt->catalog_file) {
		if (strcmp(format, "sas7bdat") != 0) {
			*ret_err = xasprintf("%s: --catalog-file goes with a "
					     "SAS .sas7bdat file, not %s",
					     opt->path,
					     import_readstat_describe(format));
			r = -EINVAL;
			goto out;
		}
		abs_catalog = realpath(opt->catalog_file, NULL);
		if (!abs_catalog) {
			r = -errno;
			*ret_err = xasprintf("%s: cannot open --catalog-file "
					     "'%s': %s", opt->path,
					     opt->catalog_file, strerror(-r));
			goto out;
		}
		r = read_catalog(&x, opt->path, opt->catalog_file);
		if (r < 0) {
			goto fail;
		}
	}
	x.keep_user_missing = opt->keep_user_missing;
	json = options_json(abs_catalog, opt->keep_user_missing);
	r = run_pass(&x, fmt);
	if (r < 0) {
		goto fail;
	}
	rows = x.rows;
	if (x.n == 0 || rows == 0) {
		*ret_err = xasprintf("%s: the file has no rows%s; nothing to "
				     "import", opt->path,
				     x.n == 0 ? " and no variables" : "");
		r = -EINVAL;
		goto out;
	}
	if (opt->catalog_file) {
		size_t n = catalog_columns(&x);

		if (n) {
			import_report_add(&ret->notes, &ret->n_notes,
					  "value labels for %zu column%s from "
					  "the catalog %s", n, n == 1 ? "" : "s",
					  opt->catalog_file);
		} else {
			import_report_add(&ret->warnings, &ret->n_warnings,
					  "no column has a format of the "
					  "catalog %s: no value labels",
					  opt->catalog_file);
		}
	}
	for (size_t i = 0; i < x.n; i++) {
		/* a numeric column with no values at all */
		if (x.cols[i].type == IMPORT_NULL && x.rs[i].kind == RS_NUMBER) {
			x.cols[i].type = IMPORT_REAL;
		}
	}
	r = db_begin(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot write catalog '%s': %s", db->path,
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	db_exec(db, "PRAGMA cache_size = -65536", NULL);
	r = import_dataset_row(db, opt, format, abs_path, NULL, table, json,
			       &id, &replaced, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = import_store_columns(db, id, x.cols, x.n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = store_labels(db, id, &x, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = create_table(db, table, x.cols, x.n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	x.ins = prepare_insert(db, table, x.n);
	if (!x.ins) {
		*ret_err = xasprintf("cannot prepare insert: %s",
				     sqlite3_errmsg(db->sql));
		r = -EIO;
		goto rollback;
	}
	x.load = true;
	r = run_pass(&x, fmt);
	sqlite3_finalize(x.ins);
	x.ins = NULL;
	if (r < 0) {
		goto fail_rollback;
	}
	if (x.rows != rows) {
		*ret_err = xasprintf("%s: the file changed while importing; "
				     "it must not change during an import",
				     opt->path);
		r = -EINVAL;
		goto rollback;
	}
	r = import_finish_dataset(db, opt, id, NULL, x.cols, x.n, rows,
				  ret, NULL, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = db_commit(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot commit import: %s",
				     sqlite3_errmsg(db->sql));
		goto rollback;
	}
	db_exec(db, "PRAGMA cache_size = -2000", NULL);
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
	ret->dataset_id = id;
	ret->rows = rows;
	ret->columns = (int)x.n;
	ret->replaced = replaced;
	ret->seconds = import_now() - start;
	goto out;
fail_rollback:
	db_rollback(db);
fail:
	*ret_err = x.err;
	x.err = NULL;
	goto out;
rollback:
	db_rollback(db);
out:
	if (r < 0 && *ret_err && strncmp(*ret_err, opt->path,
					 strlen(opt->path)) != 0) {
		char *e = xasprintf("%s: %s", opt->path, *ret_err);

		free(*ret_err);
		*ret_err = e;
	}
	rs_ctx_finish(&x);
	free(abs_path);
	free(abs_catalog);
	free(json);
	free(table);
	return r;
}
