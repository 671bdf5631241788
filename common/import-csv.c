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

#include "mcp/colstats.h"
#include "mcp/csv.h"
#include "mcp/ident.h"
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

static enum import_type type_join(enum import_type a, enum import_type b)
{
	if (a == IMPORT_NULL) {
		return b;
	}
	if (b == IMPORT_NULL || a == b) {
		return a;
	}
	if (a == IMPORT_TEXT || b == IMPORT_TEXT) {
		return IMPORT_TEXT;
	}
	return IMPORT_REAL;             /* INTEGER with REAL */
}

/* ---- progress on a terminal ---------------------------------------- */

struct progress {
	bool on;
	const char *phase;
	double start;
	double last;
	uint64_t total;         /* file size, 0 when unknown */
};

static void progress_start(struct progress *p, bool on, const char *phase,
			   uint64_t total)
{
	p->on = on;
	p->phase = phase;
	p->start = import_now();
	p->last = 0;
	p->total = total;
}

static void progress_show(struct progress *p, int64_t rows, uint64_t bytes,
			  bool done)
{
	double t = import_now(), secs;
	char pct[16] = "";

	if (!p->on || (!done && t - p->last < 0.2)) {
		return;
	}
	p->last = t;
	secs = t - p->start > 1e-6 ? t - p->start : 1e-6;
	if (p->total) {
		snprintf(pct, sizeof(pct), " %3.0f%%",
			 100.0 * (double)bytes / (double)p->total);
	}
	fprintf(stderr, "\r%s:%s %lld rows, %.1f MB, %.1f MB/s%s", p->phase,
		pct, (long long)rows, (double)bytes / 1e6,
		(double)bytes / 1e6 / secs, done ? "\n" : "");
	fflush(stderr);
}

/* ---- the source file ------------------------------------------------ */

/*
 * Standard input can be read only once, so it is copied to an unlinked
 * temporary file first; the two passes then read that.
 */
static int open_source(const char *path, int *ret_fd, uint64_t *ret_size,
		       char **ret_err)
{
	struct stat stbuf;
	int fd;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			*ret_err = xasprintf("cannot open '%s': %s", path,
					     strerror(errno));
			return -errno;
		}
		if (fstat(fd, &stbuf) == 0 && S_ISDIR(stbuf.st_mode)) {
			close(fd);
			*ret_err = xasprintf("cannot read '%s': is a directory",
					     path);
			return -EISDIR;
		}
		*ret_size = fstat(fd, &stbuf) == 0 && S_ISREG(stbuf.st_mode)
				    ? (uint64_t)stbuf.st_size : 0;
		*ret_fd = fd;
		return 0;
	} else {
		const char *dir = getenv("TMPDIR");
		char *tmpl = xasprintf("%s/mcpctl-stdin-XXXXXX",
				       dir && *dir ? dir : "/tmp");
		char chunk[1 << 16];
		uint64_t size = 0;
		ssize_t n;

		fd = mkstemp(tmpl);
		if (fd < 0) {
			*ret_err = xasprintf("cannot create temporary file "
					     "'%s': %s", tmpl, strerror(errno));
			free(tmpl);
			return -errno;
		}
		unlink(tmpl);
		free(tmpl);
		while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
			if (n < 0 && errno == EINTR) {
				continue;
			}
			if (n < 0 || write(fd, chunk, (size_t)n) != n) {
				*ret_err = xasprintf("cannot copy standard "
						     "input: %s", strerror(errno));
				close(fd);
				return -EIO;
			}
			size += (uint64_t)n;
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			*ret_err = xasprintf("cannot rewind temporary file: %s",
					     strerror(errno));
			close(fd);
			return -EIO;
		}
		*ret_fd = fd;
		*ret_size = size;
		return 0;
	}
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

static void columns_from_header(const struct csv_record *rec,
				struct import_column **ret_cols,
				struct import_report *report)
{
	struct import_column *cols = xcalloc(rec->nfields, sizeof(*cols));

	for (size_t i = 0; i < rec->nfields; i++) {
		const char *h = rec->fields[i].data;
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
		cols[i].source_name = xstrdup(h);
		cols[i].type = IMPORT_NULL;
		colstats_init(&cols[i].stats);
		if (strcmp(name, h) != 0) {
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

static bool is_null_marker(const struct import_options *opt,
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

/* ---- pass 1: check every record and infer types --------------------- */

static int scan_pass(int fd, const struct import_options *opt,
		     uint64_t size, struct import_column **ret_cols, size_t *ret_n,
		     int64_t *ret_rows, struct import_report *report,
		     char **ret_err)
{
	struct csv_options copt = { .delimiter = opt->delimiter };
	struct csv_reader *rd = NULL;
	struct csv_record rec;
	struct import_column *cols = NULL;
	struct progress prog;
	size_t n = 0;
	int64_t rows = 0;
	int r;

	r = csv_reader_create(fd, source_name(opt), &copt, &rd);
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
				  : xstrdup(csv_reader_error(rd));
		r = r == 0 ? -EINVAL : r;
		goto out;
	}
	n = rec.nfields;
	columns_from_header(&rec, &cols, report);
	progress_start(&prog, opt->progress, "checking", size);
	while ((r = csv_read(rd, &rec)) > 0) {
		if (rec.nfields != n) {
			*ret_err = xasprintf("%s:%llu: expected %zu fields "
					     "(as in the header), found %zu",
					     source_name(opt),
					     (unsigned long long)rec.line, n,
					     rec.nfields);
			r = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const struct csv_field *f = &rec.fields[i];
			struct import_column *c = &cols[i];
			enum import_type t;

			if (is_null_marker(opt, f)) {
				colstats_add_null(&c->stats);
				continue;
			}
			colstats_add(&c->stats, f->data, f->len);
			if (c->type == IMPORT_TEXT) {
				continue;
			}
			t = import_classify(f->data, f->len);
			if (t == IMPORT_INTEGER) {
				colstats_add_int(&c->stats,
						 strtoll(f->data, NULL, 10));
			} else if (t == IMPORT_REAL) {
				colstats_add_real(&c->stats,
						  strtod(f->data, NULL));
			}
			c->type = type_join(c->type, t);
		}
		rows++;
		if ((rows & 0xffff) == 0) {
			progress_show(&prog, rows, csv_reader_offset(rd), false);
		}
	}
	if (r < 0) {
		*ret_err = xstrdup(csv_reader_error(rd));
		goto out;
	}
	progress_show(&prog, rows, csv_reader_offset(rd), true);
	*ret_cols = cols;
	*ret_n = n;
	*ret_rows = rows;
	cols = NULL;
	r = 0;
out:
	import_columns_free(cols, n);
	csv_reader_destroy(rd);
	return r;
}

static char *import_options_json(const struct import_options *opt)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *nulls = cJSON_AddArrayToObject(o, "null_values");
	char delim[2] = { opt->delimiter ? opt->delimiter : ',', 0 };
	char *s;

	cJSON_AddStringToObject(o, "delimiter", delim);
	for (size_t i = 0; i < opt->n_null_values; i++) {
		cJSON_AddItemToArray(nulls,
				     cJSON_CreateString(opt->null_values[i]));
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

static int bind_field(sqlite3_stmt *st, int idx, const struct import_column *c,
		      const struct import_options *opt,
		      const struct csv_field *f)
{
	char *end;

	if (is_null_marker(opt, f)) {
		return sqlite3_bind_null(st, idx);
	}
	switch (c->type) {
	case IMPORT_INTEGER:
		errno = 0;
		{
			long long v = strtoll(f->data, &end, 10);

			if (errno || *end) {
				return SQLITE_MISMATCH;
			}
			return sqlite3_bind_int64(st, idx, v);
		}
	case IMPORT_REAL:
		{
			double v = strtod(f->data, &end);

			if (*end) {
				return SQLITE_MISMATCH;
			}
			return sqlite3_bind_double(st, idx, v);
		}
	default:
		/* the reader keeps the field until the next csv_read() */
		return sqlite3_bind_text(st, idx, f->data, (int)f->len,
					 SQLITE_STATIC);
	}
}

static int load_pass(struct db *db, int fd, const struct import_options *opt,
		     uint64_t size, const char *table,
		     const struct import_column *cols, size_t n, int64_t expect_rows,
		     char **ret_err)
{
	struct csv_options copt = { .delimiter = opt->delimiter };
	struct csv_reader *rd = NULL;
	sqlite3_stmt *ins = NULL;
	struct csv_record rec;
	struct progress prog;
	int64_t rows = 0;
	int r, rc;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		*ret_err = xasprintf("cannot rewind '%s': %s", source_name(opt),
				     strerror(errno));
		return -errno;
	}
	r = csv_reader_create(fd, source_name(opt), &copt, &rd);
	if (r < 0) {
		*ret_err = xasprintf("cannot read '%s': %s", source_name(opt),
				     strerror(-r));
		return r;
	}
	r = create_table(db, table, cols, n, ret_err);
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
	r = csv_read(rd, &rec);         /* the header, checked in pass 1 */
	progress_start(&prog, opt->progress, "importing", size);
	while (r > 0 && (r = csv_read(rd, &rec)) > 0) {
		if (rec.nfields != n) {
			r = -EINVAL;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			rc = bind_field(ins, (int)i + 1, &cols[i], opt,
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
			progress_show(&prog, rows, csv_reader_offset(rd), false);
		}
	}
	if (r < 0 || rows != expect_rows) {
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
	progress_show(&prog, rows, csv_reader_offset(rd), true);
	r = 0;
out:
	sqlite3_finalize(ins);
	csv_reader_destroy(rd);
	return r;
}

int import_csv(struct db *db, const struct import_options *opt,
	       struct import_report *ret, char **ret_err)
{
	struct import_column *cols = NULL;
	char *table = ident_data_table(opt->name);
	char *abs_path = NULL;
	char *opts_json = import_options_json(opt);
	double start = import_now();
	uint64_t size = 0;
	int64_t rows = 0, id = 0;
	bool replaced = false;
	size_t n = 0;
	int fd = -1;
	int r;

	*ret_err = NULL;
	r = open_source(opt->path, &fd, &size, ret_err);
	if (r < 0) {
		goto out;
	}
	r = scan_pass(fd, opt, size, &cols, &n, &rows, ret, ret_err);
	if (r < 0) {
		goto out;
	}
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
	r = import_dataset_row(db, opt, opt->source_url ? "url" : "csv",
			opt->source_url ? opt->source_url
					: abs_path ? abs_path : "-", NULL, table,
			opts_json, &id, &replaced, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = import_store_columns(db, id, cols, n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = load_pass(db, fd, opt, size, table, cols, n, rows, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = import_finish_dataset(db, opt, id, NULL, cols, n, rows, ret_err);
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
	/*
	 * A big import leaves a WAL as large as the new table; fold it into
	 * the database now (a reader holding it back only delays this).
	 */
	db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
	ret->dataset_id = id;
	ret->rows = rows;
	ret->columns = (int)n;
	ret->bytes = size;
	ret->replaced = replaced;
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
	if (fd >= 0) {
		close(fd);
	}
	import_columns_free(cols, n);
	free(abs_path);
	free(opts_json);
	free(table);
	return r;
}

