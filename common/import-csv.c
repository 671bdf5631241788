/*
 * The CSV importer: two passes over the file (see import.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mcp/colcache.h"
#include "mcp/colstats.h"
#include "mcp/csv.h"
#include "mcp/ident.h"
#include "mcp/sniff.h"
#include "mcp/source.h"
#include "mcp/typeinfer.h"
#include "mcp/xalloc.h"
#include "import-internal.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decide what a field holds.  Numbers are recognised strictly: no spaces,
 * no hex, no inf/nan, and no leading zeros ("007", "02139"), because such
 * values are codes whose zeros matter and must stay text.
 */
enum import_type import_classify(const char *s, size_t len)
{
	size_t i = 0, int_start, int_digits, frac_digits = 0;
	bool exp = false;

	if (len == 0) {
		return IMPORT_NULL;
	}
	if (s[0] == '-' || s[0] == '+') {
		i++;
	}
	int_start = i;
	while (i < len && is_digit(s[i])) {
		i++;
	}
	int_digits = i - int_start;
	if (int_digits > 1 && s[int_start] == '0') {
		return IMPORT_TEXT;
	}
	if (i == len) {
		if (int_digits == 0) {
			return IMPORT_TEXT;
		}
		if (int_digits < 19) {
			return IMPORT_INTEGER;
		}
		if (int_digits == 19) {
			/* compare with the limits as text: no overflow */
			const char *lim = s[0] == '-' ? "9223372036854775808"
						      : "9223372036854775807";

			if (memcmp(s + int_start, lim, 19) <= 0) {
				return IMPORT_INTEGER;
			}
		}
		/* too large for 64 bits: keep every digit as text */
		return IMPORT_TEXT;
	}
	if (s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			i++;
			frac_digits++;
		}
	}
	if (int_digits == 0 && frac_digits == 0) {
		return IMPORT_TEXT;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp_digits = 0;

		exp = true;
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+')) {
			i++;
		}
		while (i < len && is_digit(s[i])) {
			i++;
			exp_digits++;
		}
		if (exp_digits == 0) {
			return IMPORT_TEXT;
		}
	}
	if (i != len) {
		return IMPORT_TEXT;
	}
	if (exp) {
		char tmp[64];
		double d;

		if (len >= sizeof(tmp)) {
			return IMPORT_TEXT;
		}
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		d = strtod(tmp, NULL);
		if (!isfinite(d)) {
			return IMPORT_TEXT;
		}
	}
	return IMPORT_REAL;
}

/* ---- columns -------------------------------------------------------- */

static bool name_taken(const struct import_column *cols, size_t n,
		       const char *name)
{
	/* SQLite compares identifiers without regard to ASCII case */
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(cols[i].name, name) == 0) {
			return true;
		}
	}
	return false;
}

static void columns_from_header(const struct csv_record *rec, bool no_header,
				struct import_column **ret_cols,
				struct import_report *report)
{
	struct import_column *cols = xcalloc(rec->nfields, sizeof(*cols));

	for (size_t i = 0; i < rec->nfields; i++) {
		const char *h = no_header ? "" : rec->fields[i].data;
		char *name;

		if (*h) {
			name = xstrdup(h);
		} else {
			name = xasprintf("column_%zu", i + 1);
		}
		for (int k = 2; name_taken(cols, i, name); k++) {
			free(name);
			name = *h ? xasprintf("%s_%d", h, k)
				  : xasprintf("column_%zu_%d", i + 1, k);
		}
		cols[i].name = name;
		cols[i].source_name = xstrdup(no_header ? name : h);
		cols[i].type = IMPORT_NULL;
		colstats_init(&cols[i].stats);
		quantile_limit(&cols[i].stats.quantiles, rec->nfields);
		if (!no_header && strcmp(name, h) != 0) {
			struct import_rename *rn;

			report->renames = xrealloc(report->renames,
				(report->n_renames + 1) *
				sizeof(*report->renames));
			rn = &report->renames[report->n_renames++];
			rn->position = (int)i;
			rn->from = xstrdup(h);
			rn->to = xstrdup(name);
		}
	}
	*ret_cols = cols;
}

/* inline: it runs for every field, twice */
static inline bool is_null_marker(const struct import_options *opt,
				  const struct csv_field *f)
{
	if (f->len == 0) {
		return true;
	}
	for (size_t i = 0; i < opt->n_null_values; i++) {
		const char *m = opt->null_values[i];

		/* the first byte rules out most fields without a strlen() */
		if (m[0] == f->data[0] && strlen(m) == f->len &&
		    memcmp(m, f->data, f->len) == 0) {
			return true;
		}
	}
	return false;
}

static const char *source_name(const struct import_options *opt)
{
	return strcmp(opt->path, "-") == 0 ? "<stdin>" : opt->path;
}

/* ---- the dialect ---------------------------------------------------- */

/* does the name (less a compression suffix) end in .tsv or .tab? */
static bool tab_name(const char *path)
{
	static const char *const zips[] = { ".gz", ".xz", ".zst" };
	size_t n = strlen(path);

	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(zips[i]);

		if (n > k && strcasecmp(path + n - k, zips[i]) == 0) {
			n -= k;
			break;
		}
	}
	return n > 4 && (strncasecmp(path + n - 4, ".tsv", 4) == 0 ||
			 strncasecmp(path + n - 4, ".tab", 4) == 0);
}

static const char *show_delim(char d, char buf[8])
{
	if (d == '\t') {
		return "TAB";
	}
	snprintf(buf, 8, "'%c'", d);
	return buf;
}

/* the dialect: as given, implied by the name, or sniffed from the start */
static void detect_dialect(int fd, const struct import_options *opt,
			   struct csv_options *copt,
			   struct import_report *report)
{
	char *buf = xmalloc(SNIFF_SAMPLE);
	struct sniff_result sr;
	ssize_t n = pread(fd, buf, SNIFF_SAMPLE, 0);
	size_t off = 0, len = n > 0 ? (size_t)n : 0;
	char delim = opt->delimiter, shown[8];
	const char *why = opt->delimiter ? "given" : "detected";

	if (!delim && tab_name(opt->path)) {
		delim = '\t';
		why = "from the file name";
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		off = 3;
	}
	for (uint64_t k = 0; k < opt->skip && off < len; k++) {
		const char *nl = memchr(buf + off, '\n', len - off);

		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	sniff_dialect(buf + off, len - off, len == SNIFF_SAMPLE, delim,
		      opt->quoting ? opt->quoting - 1 : -1, &sr);
	free(buf);
	copt->delimiter = sr.delimiter;
	copt->quoting = sr.quoting;
	import_report_add(&report->notes, &report->n_notes,
			  "dialect: delimiter %s (%s), quoting %s (%s)",
			  show_delim(sr.delimiter, shown), why,
			  sniff_quoting_name(sr.quoting),
			  opt->quoting ? "given" : "detected");
}

/* ---- rejected records (--max-errors, --rejects) --------------------- */

struct rejects {
	FILE *f;
	uint64_t *lines;        /* in file order */
	size_t n;
};

static void csv_quote(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			fputc('"', f);
		}
		fputc(s[i], f);
	}
	fputc('"', f);
}

/*
 * Skip a bad record when --max-errors allows one more, writing it to the
 * rejects file; returns 0 then, or -EINVAL with *ret_err set.
 */
static int reject(struct rejects *rj, const struct import_options *opt,
		  const struct csv_record *rec, char *why, char **ret_err)
{
	if ((int64_t)rj->n >= opt->max_errors) {
		if (opt->max_errors > 0) {
			*ret_err = xasprintf("%s:%llu: %s (and %zu bad records "
				"before it: more than --max-errors %lld)",
				source_name(opt),
				(unsigned long long)rec->line, why, rj->n,
				(long long)opt->max_errors);
		} else {
			*ret_err = xasprintf("%s:%llu: %s", source_name(opt),
					     (unsigned long long)rec->line, why);
		}
		free(why);
		return -EINVAL;
	}
	rj->lines = xrealloc(rj->lines, (rj->n + 1) * sizeof(*rj->lines));
	rj->lines[rj->n++] = rec->line;
	if (rj->f) {
		fprintf(rj->f, "%llu,", (unsigned long long)rec->line);
		csv_quote(rj->f, why, strlen(why));
		for (size_t i = 0; i < rec->nfields; i++) {
			fputc(',', rj->f);
			csv_quote(rj->f, rec->fields[i].data,
				  rec->fields[i].len);
		}
		fputc('\n', rj->f);
	}
	free(why);
	return 0;
}

/* ---- pass 1: check every record and infer types --------------------- */

/* what the CSV importer keeps per column beside struct import_column */
struct csv_col {
	struct ti_column ti;
	const char *inferred;   /* inferred_type when not the storage type */
	char *date_min;         /* dates: the range, as stored */
	char *date_max;
	struct ti_value val;    /* pass 2: bound until the row is stored */
};

struct scan {
	struct db *db;
	struct csv_col *x;      /* one per column */
	const struct import_options *opt;
	struct ti_options tio;
	struct csv_options copt;
	struct import_column *cols;
	size_t n;
	const char **names;     /* for the reader's messages */
	int64_t rows;
	bool any_forced;
	struct rejects rj;
	struct colcache_stream *cache;  /* pass 2: the column cache */
};

static struct csv_col *xcol(const struct scan *sc,
			     const struct import_column *c)
{
	return &sc->x[c - sc->cols];
}

static int apply_types(struct scan *sc, char **ret_err)
{
	for (size_t k = 0; k < sc->opt->n_types; k++) {
		const char *spec = sc->opt->types[k];
		const char *eq = strrchr(spec, '=');
		size_t i;

		if (!eq) {
			*ret_err = xasprintf("--type '%s': expected "
					     "COLUMN=TYPE", spec);
			return -EINVAL;
		}
		for (i = 0; i < sc->n; i++) {
			const struct import_column *c = &sc->cols[i];

			if ((strlen(c->name) == (size_t)(eq - spec) &&
			     strncmp(c->name, spec, (size_t)(eq - spec)) == 0) ||
			    (strlen(c->source_name) == (size_t)(eq - spec) &&
			     strncmp(c->source_name, spec,
				     (size_t)(eq - spec)) == 0)) {
				break;
			}
		}
		if (i == sc->n) {
			*ret_err = xasprintf("--type '%s': no column '%.*s' in "
					     "the file", spec, (int)(eq - spec),
					     spec);
			return -EINVAL;
		}
		if (ti_column_force(&sc->x[i].ti, eq + 1) < 0) {
			*ret_err = xasprintf("--type '%s': the type is one of "
					     "integer, real, text, date, "
					     "datetime, boolean", spec);
			return -EINVAL;
		}
		sc->any_forced = true;
	}
	return 0;
}

/* the header: checks that catch a wrong dialect or a missing header */
static int check_header(struct scan *sc, const struct csv_record *rec,
			struct import_report *report, char **ret_err)
{
	const struct import_options *opt = sc->opt;
	int limit = sqlite3_limit(sc->db->sql, SQLITE_LIMIT_COLUMN, -1);
	bool numeric = true;
	char shown[8];

	if (limit <= 0) {
		limit = 2000;
	}
	if (rec->nfields > (size_t)limit) {
		*ret_err = xasprintf("%s:%llu: %zu fields, and a SQLite table "
			"holds at most %d columns (SQLITE_MAX_COLUMN); "
			"split the file or keep fewer columns",
			source_name(opt), (unsigned long long)rec->line,
			rec->nfields, limit);
		return -E2BIG;
	}
	if (rec->nfields == 1 && !opt->no_header) {
		static const char others[] = ";\t|,";
		const char *h = rec->fields[0].data;

		for (const char *d = others; *d; d++) {
			if (*d != sc->copt.delimiter && strchr(h, *d)) {
				*ret_err = xasprintf("%s: the header is one "
					"column but holds %s: pass --delimiter "
					"%s%s%s", source_name(opt),
					show_delim(*d, shown),
					*d == '\t' ? "tab" : "'",
					*d == '\t' ? "" : (char[]){ *d, 0 },
					*d == '\t' ? "" : "'");
				return -EINVAL;
			}
		}
	}
	if (opt->no_header) {
		return 0;
	}
	for (size_t i = 0; i < rec->nfields; i++) {
		enum import_type t = import_classify(rec->fields[i].data,
						     rec->fields[i].len);

		numeric &= t == IMPORT_INTEGER || t == IMPORT_REAL;
	}
	if (numeric) {
		import_report_add(&report->warnings, &report->n_warnings,
			"every header cell is a number (the first is '%s'): "
			"if the file has no header, pass --no-header",
			rec->fields[0].data);
	}
	return 0;
}

/* the first pass over one record */
static int scan_record(struct scan *sc, const struct csv_record *rec,
		       char **ret_err)
{
	const struct import_options *opt = sc->opt;
	const char *why = NULL;

	if (rec->nfields != sc->n) {
		/* right under the header, a preamble is the likely cause */
		bool early = sc->rows == 0 && !opt->skip && !opt->no_header;

		return reject(&sc->rj, opt, rec,
			xasprintf("expected %zu fields (as in the header), "
				  "found %zu%s", sc->n, rec->nfields,
				  early ? " (if the file has lines before its "
					  "header, pass --skip N)" : ""),
			ret_err);
	}
	if (sc->any_forced) {
		for (size_t i = 0; i < sc->n; i++) {
			const struct csv_field *f = &rec->fields[i];

			if (!is_null_marker(opt, f) &&
			    ti_column_check(&sc->x[i].ti, &sc->tio, f->data,
					    f->len, &why) < 0) {
				return reject(&sc->rj, opt, rec,
					xasprintf("column '%s' (field %zu): "
						  "'%.40s' is %s (--type %s=%s)",
						  sc->cols[i].name, i + 1,
						  f->data, why, sc->cols[i].name,
						  ti_kind_name((enum ti_kind)
							sc->x[i].ti.forced)),
					ret_err);
			}
		}
	}
	for (size_t i = 0; i < sc->n; i++) {
		const struct csv_field *f = &rec->fields[i];
		struct import_column *c = &sc->cols[i];

		if (is_null_marker(opt, f)) {
			colstats_add_null(&c->stats);
			continue;
		}
		switch (ti_column_add(&sc->x[i].ti, &sc->tio, f->data,
				      f->len)) {
		case TI_ADD_NULL:
			continue;
		case TI_ADD_INT: {
			int64_t v;

			if (!ti_fast_int(f->data, f->len, &v)) {
				v = strtoll(f->data, NULL, 10);
			}
			colstats_add_int(&c->stats, v);
			break;
		}
		case TI_ADD_REAL: {
			double v;

			if (!ti_fast_real(f->data, f->len, &v)) {
				v = strtod(f->data, NULL);
			}
			colstats_add_real(&c->stats, v);
			break;
		}
		}
		colstats_add(&c->stats, f->data, f->len);
	}
	sc->rows++;
	return 0;
}

/* a stored value as text, for the profile's samples */
static char *value_text(const struct ti_value *v)
{
	switch (v->type) {
	case TI_V_INT:
		return xasprintf("%lld", (long long)v->i);
	case TI_V_REAL:
		return xasprintf("%.17g", v->d);
	case TI_V_TEXT:
		return xstrdup(v->text);
	default:
		return NULL;
	}
}

/* after pass 1: each column's type, and what to say about it */
static int decide_column(struct scan *sc, struct import_column *c,
			 struct import_report *report, char **ret_err)
{
	struct ti_column *t = &xcol(sc, c)->ti;
	struct buf na = BUF_INIT;
	int64_t na_total = t->blank;

	ti_column_decide(t, &sc->tio, c->name);
	if (t->forced >= 0 && t->forced != TI_TEXT && t->kind == TI_TEXT &&
	    t->values > 0) {
		*ret_err = xasprintf("%s: column '%s': --type %s cannot be "
			"applied: %s", source_name(sc->opt), c->name,
			ti_kind_name((enum ti_kind)t->forced),
			t->warning ? t->warning : "the values do not fit");
		return -EINVAL;
	}
	for (int k = 0; k < TI_NA_TOKENS; k++) {
		if (t->na[k]) {
			buf_addf(&na, "%s%lld '%s'", na.len ? ", " : "",
				 (long long)t->na[k], ti_na_tokens[k]);
			na_total += t->na[k];
		}
	}
	switch (t->kind) {
	case TI_TEXT:
		c->type = t->values || na_total ? IMPORT_TEXT : IMPORT_NULL;
		/* the markers are text here: count them as values */
		for (int k = 0; k < TI_NA_TOKENS; k++) {
			if (t->na[k]) {
				colstats_add_n(&c->stats, ti_na_tokens[k],
					       strlen(ti_na_tokens[k]),
					       t->na[k]);
			}
		}
		if (t->blank) {
			colstats_add_n(&c->stats, " ", 1, t->blank);
		}
		na_total = 0;
		break;
	case TI_INTEGER:
		c->type = IMPORT_INTEGER;
		break;
	case TI_REAL:
		c->type = IMPORT_REAL;
		break;
	case TI_NUMBER:
		c->type = t->forced == TI_INTEGER ? IMPORT_INTEGER
						  : IMPORT_REAL;
		break;
	case TI_BOOLEAN:
		c->type = IMPORT_INTEGER;
		break;
	case TI_DATE:
	case TI_DATETIME:
		c->type = IMPORT_TEXT;
		xcol(sc, c)->inferred = t->kind == TI_DATE ? "DATE" : "DATETIME";
		break;
	}
	if (na_total) {
		c->stats.nulls += na_total;
		if (t->blank) {
			buf_addf(&na, "%s%lld blank", na.len ? ", " : "",
				 (long long)t->blank);
		}
		import_report_add(&report->notes, &report->n_notes,
			"column '%s': %lld NA markers stored as NULL (%s)",
			c->name, (long long)na_total, buf_str(&na));
	}
	buf_release(&na);
	if (!t->plain) {
		/* the samples were kept as written: store them as stored */
		for (size_t i = 0; i < c->stats.n_samples; i++) {
			struct ti_value v;
			char *s = c->stats.samples[i];

			if (ti_convert(t, s, strlen(s), &v) == 0) {
				c->stats.samples[i] = value_text(&v);
				free(s);
			}
		}
		colstats_reset_numbers(&c->stats);
		import_report_add(&report->notes, &report->n_notes,
			"column '%s': %s, written %s%s%s", c->name,
			ti_kind_name(t->kind), t->format ? t->format : "?",
			t->unit ? ", " : "", t->unit ? t->unit : "");
	}
	if (t->warning) {
		import_report_add(&report->warnings, &report->n_warnings,
				  "column '%s': %s", c->name, t->warning);
	}
	return 0;
}

/* a hint after an encoding error: what the bytes probably are */
static char *encoding_hint(const char *err)
{
	const char *p = strstr(err, "UTF-8 byte 0x");
	unsigned b = 0;

	if (!p) {
		p = strstr(err, "starting with byte 0x");
	}
	if (strstr(err, "NUL byte")) {
		return xasprintf("%s; NUL bytes suggest UTF-16 without a byte "
				 "order mark: pass --encoding UTF-16LE (or "
				 "UTF-16BE)", err);
	}
	if (!p || sscanf(strstr(p, "0x"), "0x%x", &b) != 1) {
		return xstrdup(err);
	}
	return xasprintf("%s; the bytes look like %s: pass --encoding %s "
			 "(or the file's own encoding)", err,
			 b >= 0x80 && b < 0xa0 ? "Windows-1252"
					       : "Latin-1/Windows-1252",
			 "cp1252");
}

static int scan_pass(int fd, struct scan *sc, uint64_t size,
		     struct import_report *report, char **ret_err)
{
	const struct import_options *opt = sc->opt;
	struct csv_reader *rd = NULL;
	struct csv_record rec;
	struct import_progress prog;
	int r;

	r = csv_reader_create(fd, source_name(opt), &sc->copt, &rd);
	if (r < 0) {
		*ret_err = xasprintf("cannot read '%s': %s", source_name(opt),
				     strerror(-r));
		return r;
	}
	r = csv_read(rd, &rec);
	if (r <= 0) {
		*ret_err = r == 0 ? xasprintf("%s: the file is empty; a "
					      "header row is needed",
					      source_name(opt))
				  : encoding_hint(csv_reader_error(rd));
		r = r == 0 ? -EINVAL : r;
		goto out;
	}
	r = check_header(sc, &rec, report, ret_err);
	if (r < 0) {
		goto out;
	}
	sc->n = rec.nfields;
	columns_from_header(&rec, opt->no_header, &sc->cols, report);
	sc->x = xcalloc(sc->n, sizeof(*sc->x));
	for (size_t i = 0; i < sc->n; i++) {
		ti_column_init(&sc->x[i].ti);
	}
	sc->names = xcalloc(sc->n, sizeof(*sc->names));
	for (size_t i = 0; i < sc->n; i++) {
		sc->names[i] = sc->cols[i].name;
	}
	r = apply_types(sc, ret_err);
	if (r < 0) {
		goto out;
	}
	if (opt->no_header) {
		r = scan_record(sc, &rec, ret_err);
		if (r < 0) {
			goto out;
		}
	}
	csv_reader_set_names(rd, sc->names, sc->n);
	import_progress_start(&prog, opt->progress, "checking", size);
	while ((r = csv_read(rd, &rec)) > 0) {
		r = scan_record(sc, &rec, ret_err);
		if (r < 0) {
			goto out;
		}
		if ((sc->rows & 0xffff) == 0) {
			import_progress_bytes(&prog, sc->rows,
					      csv_reader_offset(rd), false);
		}
	}
	if (r < 0) {
		*ret_err = encoding_hint(csv_reader_error(rd));
		goto out;
	}
	import_progress_bytes(&prog, sc->rows, csv_reader_offset(rd), true);
	/* a column that proves its decimal mark settles the ambiguous ones */
	for (size_t i = 0; i < sc->n; i++) {
		char d = ti_column_decimal_evidence(&sc->x[i].ti);

		if (d && sc->tio.decimal_hint && d != sc->tio.decimal_hint) {
			sc->tio.decimal_hint = 0;
			break;
		}
		sc->tio.decimal_hint = d ? d : sc->tio.decimal_hint;
	}
	for (size_t i = 0; i < sc->n; i++) {
		r = decide_column(sc, &sc->cols[i], report, ret_err);
		if (r < 0) {
			goto out;
		}
	}
	r = 0;
out:
	csv_reader_destroy(rd);
	return r;
}

static char *import_options_json(const struct import_options *opt,
				 const struct csv_options *copt)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *nulls = cJSON_AddArrayToObject(o, "null_values");
	char delim[2] = { copt->delimiter ? copt->delimiter : ',', 0 };
	char *s;

	/* what refresh needs to read the file the same way again */
	cJSON_AddStringToObject(o, "delimiter", delim);
	cJSON_AddNumberToObject(o, "quoting", (double)copt->quoting);
	for (size_t i = 0; i < opt->n_null_values; i++) {
		cJSON_AddItemToArray(nulls,
				     cJSON_CreateString(opt->null_values[i]));
	}
	if (opt->encoding) {
		cJSON_AddStringToObject(o, "encoding", opt->encoding);
	}
	if (opt->no_header) {
		cJSON_AddTrueToObject(o, "no_header");
	}
	if (opt->skip) {
		cJSON_AddNumberToObject(o, "skip", (double)opt->skip);
	}
	if (opt->no_default_nulls) {
		cJSON_AddTrueToObject(o, "no_default_nulls");
	}
	if (opt->decimal) {
		char d[2] = { opt->decimal, 0 };

		cJSON_AddStringToObject(o, "decimal", d);
	}
	if (opt->date_order) {
		cJSON_AddNumberToObject(o, "date_order", opt->date_order);
	}
	if (opt->max_errors) {
		cJSON_AddNumberToObject(o, "max_errors",
					(double)opt->max_errors);
	}
	if (opt->n_types) {
		cJSON *t = cJSON_AddArrayToObject(o, "types");

		for (size_t i = 0; i < opt->n_types; i++) {
			cJSON_AddItemToArray(t,
				cJSON_CreateString(opt->types[i]));
		}
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* ---- pass 2: create and fill the table ------------------------------ */

static int create_table(struct db *db, const char *table,
			const struct import_column *cols, size_t n, char **ret_err)
{
	struct buf sql = BUF_INIT;
	int r;

	buf_addstr(&sql, "CREATE TABLE main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, " (");
	for (size_t i = 0; i < n; i++) {
		if (i) {
			buf_addstr(&sql, ", ");
		}
		ident_quote(&sql, cols[i].name);
		buf_addf(&sql, " %s", import_type_names[cols[i].type]);
	}
	buf_addstr(&sql, ")");
	r = db_exec(db, buf_str(&sql), ret_err);
	buf_release(&sql);
	return r;
}

static sqlite3_stmt *prepare_insert(struct db *db, const char *table,
				    size_t n)
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

/* an NA marker or spaces in a typed column: NULL */
static bool typed_null(const struct scan *sc, const struct csv_field *f)
{
	const char *s = f->data;
	size_t len = f->len;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
		len--;
	}
	return len == 0 ||
	       (!sc->tio.no_default_nulls && ti_na_index(s, len) >= 0);
}

/* bind a value, and hand it to the column cache as stored */
static int put_int(const struct scan *sc, sqlite3_stmt *st, int idx,
		   int64_t v)
{
	if (sc->cache) {
		colcache_stream_int(sc->cache, (size_t)idx - 1, v);
	}
	return sqlite3_bind_int64(st, idx, v);
}

static int put_double(const struct scan *sc, sqlite3_stmt *st, int idx,
		      double v)
{
	if (sc->cache) {
		colcache_stream_double(sc->cache, (size_t)idx - 1, v);
	}
	return sqlite3_bind_double(st, idx, v);
}

/* `v` must stay as it is until the row is stored */
static int put_text(const struct scan *sc, sqlite3_stmt *st, int idx,
		    const char *v, size_t len)
{
	if (sc->cache) {
		colcache_stream_text(sc->cache, (size_t)idx - 1, v, len);
	}
	return sqlite3_bind_text(st, idx, v, (int)len, SQLITE_STATIC);
}

static int put_null(const struct scan *sc, sqlite3_stmt *st, int idx)
{
	if (sc->cache) {
		colcache_stream_null(sc->cache, (size_t)idx - 1);
	}
	return sqlite3_bind_null(st, idx);
}

static int bind_converted(sqlite3_stmt *st, int idx, struct import_column *c,
			  const struct scan *sc, const struct csv_field *f)
{
	struct csv_col *x = xcol(sc, c);
	struct ti_value *v = &x->val;

	if (ti_convert(&x->ti, f->data, f->len, v) < 0) {
		return typed_null(sc, f) ? put_null(sc, st, idx)
					 : SQLITE_MISMATCH;
	}
	switch (v->type) {
	case TI_V_INT:
		if (!x->ti.plain) {
			colstats_add_int(&c->stats, v->i);
		}
		return put_int(sc, st, idx, v->i);
	case TI_V_REAL:
		if (!x->ti.plain) {
			colstats_add_real(&c->stats, v->d);
		}
		return put_double(sc, st, idx, v->d);
	case TI_V_TEXT:
		if (!x->date_min || strcmp(v->text, x->date_min) < 0) {
			free(x->date_min);
			x->date_min = xstrdup(v->text);
		}
		if (!x->date_max || strcmp(v->text, x->date_max) > 0) {
			free(x->date_max);
			x->date_max = xstrdup(v->text);
		}
		/* x->val lives until the next row: no copy for SQLite */
		return put_text(sc, st, idx, v->text, strlen(v->text));
	default:
		return put_null(sc, st, idx);
	}
}

static int bind_field(sqlite3_stmt *st, int idx, struct import_column *c,
		      const struct scan *sc, const struct csv_field *f)
{
	char *end;

	if (is_null_marker(sc->opt, f)) {
		return put_null(sc, st, idx);
	}
	switch (xcol(sc, c)->ti.kind) {
	case TI_INTEGER:
		{
			int64_t fast;

			if (ti_fast_int(f->data, f->len, &fast)) {
				return put_int(sc, st, idx, fast);
			}
		}
		errno = 0;
		{
			long long v = strtoll(f->data, &end, 10);

			if (errno || *end) {
				/* spaces around it, or an NA marker */
				return bind_converted(st, idx, c, sc, f);
			}
			return put_int(sc, st, idx, v);
		}
	case TI_REAL:
		{
			double v;

			if (ti_fast_real(f->data, f->len, &v)) {
				return put_double(sc, st, idx, v);
			}
			v = strtod(f->data, &end);

			if (*end) {
				return bind_converted(st, idx, c, sc, f);
			}
			return put_double(sc, st, idx, v);
		}
	case TI_TEXT:
		/* the reader keeps the field until the next csv_read() */
		return put_text(sc, st, idx, f->data, f->len);
	default:
		return bind_converted(st, idx, c, sc, f);
	}
}

/*
 * The column cache is written as the rows go in, which spares reading
 * the whole table back afterwards; without it colcache_build() does.
 */
static void start_cache(struct db *db, struct scan *sc, int64_t id,
			const char *table)
{
	const char **names = xcalloc(sc->n + 1, sizeof(*names));
	const char **decls = xcalloc(sc->n + 1, sizeof(*decls));

	for (size_t i = 0; i < sc->n; i++) {
		names[i] = sc->cols[i].name;
		decls[i] = import_type_names[sc->cols[i].type];
	}
	if (colcache_stream_create(db, id, table, sc->rows, sc->n, names,
				   decls, &sc->cache) < 0) {
		sc->cache = NULL;
	}
	free(names);
	free(decls);
}

static int load_pass(struct db *db, int fd, struct scan *sc, uint64_t size,
		     int64_t id, const char *table, char **ret_err)
{
	const struct import_options *opt = sc->opt;
	struct csv_reader *rd = NULL;
	sqlite3_stmt *ins = NULL;
	struct csv_record rec;
	struct import_progress prog;
	size_t n = sc->n, next_reject = 0;
	int64_t rows = 0;
	int r, rc;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		*ret_err = xasprintf("cannot rewind '%s': %s", source_name(opt),
				     strerror(errno));
		return -errno;
	}
	r = csv_reader_create(fd, source_name(opt), &sc->copt, &rd);
	if (r < 0) {
		*ret_err = xasprintf("cannot read '%s': %s", source_name(opt),
				     strerror(-r));
		return r;
	}
	r = opt->append ? 0 : create_table(db, table, sc->cols, n, ret_err);
	if (r < 0) {
		goto out;
	}
	ins = prepare_insert(db, table, n);
	if (!ins) {
		*ret_err = xasprintf("cannot prepare insert: %s",
				     sqlite3_errmsg(db->sql));
		r = -EIO;
		goto out;
	}
	/* appended rows are not the whole table: no streamed cache then */
	if (id >= 0) {
		start_cache(db, sc, id, table);
	}
	r = 1;
	if (!opt->no_header) {
		r = csv_read(rd, &rec);         /* checked in pass 1 */
	}
	import_progress_start(&prog, opt->progress, "importing", size);
	while (r > 0 && (r = csv_read(rd, &rec)) > 0) {
		if (next_reject < sc->rj.n &&
		    sc->rj.lines[next_reject] == rec.line) {
			next_reject++;
			continue;
		}
		if (rec.nfields != n) {
			r = -EINVAL;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			rc = bind_field(ins, (int)i + 1, &sc->cols[i], sc,
					&rec.fields[i]);
			if (rc != SQLITE_OK) {
				*ret_err = xasprintf(
					"%s:%llu: field %zu changed while "
					"importing; the file must not change "
					"during an import", source_name(opt),
					(unsigned long long)rec.line, i + 1);
				r = -EINVAL;
				goto out;
			}
		}
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (sc->cache) {
			colcache_stream_row(sc->cache);
		}
		if (rc != SQLITE_DONE) {
			*ret_err = xasprintf("%s:%llu: cannot store row: %s",
					     source_name(opt),
					     (unsigned long long)rec.line,
					     sqlite3_errmsg(db->sql));
			r = db_errno(rc);
			goto out;
		}
		rows++;
		if ((rows & 0x3fff) == 0) {
			import_progress_bytes(&prog, rows,
					      csv_reader_offset(rd), false);
		}
	}
	if (r < 0 || rows != sc->rows) {
		if (!*ret_err) {
			*ret_err = r < 0 && r != -EINVAL
				? xstrdup(csv_reader_error(rd))
				: xasprintf("%s: the file changed while "
					    "importing; the file must not "
					    "change during an import",
					    source_name(opt));
		}
		r = r < 0 ? r : -EINVAL;
		goto out;
	}
	import_progress_bytes(&prog, rows, csv_reader_offset(rd), true);
	r = 0;
out:
	sqlite3_finalize(ins);
	csv_reader_destroy(rd);
	return r;
}

/* the profile fields type inference adds (migration 7) */
static int store_typeinfo(struct db *db, int64_t id, const struct scan *sc,
			  char **ret_err)
{
	const struct csv_col *x = sc->x;
	size_t n = sc->n;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"UPDATE dataset_columns SET semantic_type = ?3, "
		"original_format = ?4, unit = ?5, null_tokens = ?6, "
		"type_warning = ?7, "
		"min_value = coalesce(?8, min_value), "
		"max_value = coalesce(?9, max_value), "
		"top_values = CASE WHEN ?8 IS NULL THEN top_values END, "
		"inferred_type = coalesce(?10, inferred_type) "
		"WHERE dataset_id = ?1 AND position = ?2", -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		const struct ti_column *t = &x[i].ti;
		char *na_s = import_null_tokens_json(t);

		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, (int)i);
		sqlite3_bind_text(st, 3, t->plain ? NULL : ti_kind_name(t->kind),
				  -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t->format, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, t->unit, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, na_s, -1, free);
		sqlite3_bind_text(st, 7, t->warning, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, x[i].date_min, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, x[i].date_max, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, x[i].inferred, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot store column types: %s",
				     sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	return db_errno(rc);
}

/*
 * --append: into the dataset's own table, once the columns matched; the
 * profile is then made again from all the rows (import-append.c)
 */
static int append_rows(struct db *db, struct scan *sc,
		       const struct source *src, const char *abs_path,
		       int64_t *ret_id, char **ret_err)
{
	char *table = NULL;
	int r;

	r = import_append_check(db, sc->opt, sc->cols, sc->n, ret_id, &table,
				ret_err);
	if (r == 0) {
		r = load_pass(db, src->fd, sc, src->size, -1, table, ret_err);
	}
	if (r == 0) {
		r = import_append_finish(db, *ret_id, table,
					 abs_path ? abs_path : "-", sc->rows,
					 ret_err);
	}
	free(table);
	return r;
}

int import_csv(struct db *db, const struct import_options *opt,
	       struct import_report *ret, char **ret_err)
{
	struct scan sc = { .db = db, .opt = opt };
	struct source src = { .fd = -1 };
	char *table = ident_data_table(opt->name);
	char *abs_path = NULL;
	char *opts_json = NULL;
	double start = import_now();
	int64_t id = 0;
	bool replaced = false;
	int r;

	*ret_err = NULL;
	sc.tio.no_default_nulls = opt->no_default_nulls;
	sc.tio.decimal = opt->decimal;
	sc.tio.date_order = opt->date_order;
	r = source_open(opt->path, opt->encoding, &src, ret_err);
	if (r < 0) {
		goto out;
	}
	if (src.compression) {
		import_report_add(&ret->notes, &ret->n_notes,
				  "compression: %s", src.compression);
	}
	if (src.encoding) {
		import_report_add(&ret->notes, &ret->n_notes,
				  "encoding: %s, converted to UTF-8",
				  src.encoding);
	}
	detect_dialect(src.fd, opt, &sc.copt, ret);
	sc.copt.skip_lines = opt->skip;
	/* room for any header; check_header() says what SQLite can hold */
	sc.copt.max_fields = 65536;
	sc.tio.delimiter = sc.copt.delimiter;
	if (opt->rejects) {
		sc.rj.f = fopen(opt->rejects, "we");
		if (!sc.rj.f) {
			*ret_err = xasprintf("cannot create '%s': %s",
					     opt->rejects, strerror(errno));
			r = -errno;
			goto out;
		}
		fputs("line,reason,fields...\n", sc.rj.f);
	}
	r = scan_pass(src.fd, &sc, src.size, ret, ret_err);
	if (r < 0) {
		goto out;
	}
	if (sc.rj.n) {
		import_report_add(&ret->warnings, &ret->n_warnings,
				  "%zu bad records skipped%s%s", sc.rj.n,
				  opt->rejects ? ", written to " : "",
				  opt->rejects ? opt->rejects : "");
	}
	opts_json = import_options_json(opt, &sc.copt);
	if (strcmp(opt->path, "-") != 0) {
		abs_path = realpath(opt->path, NULL);
	}
	r = db_begin(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot write catalog '%s': %s", db->path,
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	/* a bigger page cache keeps a large import from thrashing */
	db_exec(db, "PRAGMA cache_size = -65536", NULL);
	if (opt->append) {
		r = append_rows(db, &sc, &src, abs_path, &id, ret_err);
		if (r < 0) {
			goto rollback;
		}
		goto commit;
	}
	r = import_dataset_row(db, opt, opt->source_url ? "url" : "csv",
			opt->source_url ? opt->source_url
					: abs_path ? abs_path : "-", NULL, table,
			opts_json, &id, &replaced, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = import_store_columns(db, id, sc.cols, sc.n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = load_pass(db, src.fd, &sc, src.size, id, table, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = import_finish_dataset(db, opt, id, NULL, sc.cols, sc.n, sc.rows,
				  ret, sc.cache, ret_err);
	sc.cache = NULL;
	if (r < 0) {
		goto rollback;
	}
	r = store_typeinfo(db, id, &sc, ret_err);
	if (r < 0) {
		goto rollback;
	}
commit:
	r = db_commit(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot commit import: %s",
				     sqlite3_errmsg(db->sql));
		goto rollback;
	}
	db_exec(db, "PRAGMA cache_size = -2000", NULL);
	/*
	 * A big import leaves a WAL as large as the new table; fold it into
	 * the database now (a reader holding it back only delays this).
	 */
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
	ret->dataset_id = id;
	ret->rows = sc.rows;
	ret->columns = (int)sc.n;
	ret->bytes = src.size;
	ret->replaced = replaced;
	ret->rejected = (int64_t)sc.rj.n;
	ret->seconds = import_now() - start;
	goto out;
rollback:
	db_rollback(db);
out:
	if (r < 0 && *ret_err && strncmp(*ret_err, source_name(opt),
					 strlen(source_name(opt))) != 0) {
		/* every message names the file, even when SQLite failed */
		char *e = xasprintf("%s: %s", source_name(opt), *ret_err);

		free(*ret_err);
		*ret_err = e;
	}
	if (sc.rj.f && fclose(sc.rj.f) != 0 && r == 0) {
		*ret_err = xasprintf("cannot write '%s': %s", opt->rejects,
				     strerror(errno));
		r = -EIO;
	}
	free(sc.rj.lines);
	colcache_stream_destroy(sc.cache);
	source_close(&src);
	for (size_t i = 0; sc.x && i < sc.n; i++) {
		ti_column_finish(&sc.x[i].ti);
		free(sc.x[i].date_min);
		free(sc.x[i].date_max);
	}
	free(sc.x);
	import_columns_free(sc.cols, sc.n);
	free(sc.names);
	free(abs_path);
	free(opts_json);
	free(table);
	return r;
}
