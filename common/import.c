#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mcp/colstats.h"
#include "mcp/csv.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/import.h"
#include "mcp/profile.h"
#include "mcp/xalloc.h"

static const char *const type_names[] = {
	[IMPORT_NULL] = "TEXT",         /* a column with no values at all */
	[IMPORT_INTEGER] = "INTEGER",
	[IMPORT_REAL] = "REAL",
	[IMPORT_TEXT] = "TEXT",
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

void import_report_finish(struct import_report *r)
{
	for (size_t i = 0; i < r->n_renames; i++) {
		free(r->renames[i].from);
		free(r->renames[i].to);
	}
	free(r->renames);
	r->renames = NULL;
	r->n_renames = 0;
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
	p->start = now_seconds();
	p->last = 0;
	p->total = total;
}

static void progress_show(struct progress *p, int64_t rows, uint64_t bytes,
			  bool done)
{
	double t = now_seconds(), secs;
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

struct column {
	char *name;
	char *source_name;
	enum import_type type;
	struct colstats stats;  /* CSV only: the profile, gathered in pass 1 */
};

static bool name_taken(const struct column *cols, size_t n, const char *name)
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
				struct column **ret_cols,
				struct import_report *report)
{
	struct column *cols = xcalloc(rec->nfields, sizeof(*cols));

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

static void columns_free(struct column *cols, size_t n)
{
	for (size_t i = 0; cols && i < n; i++) {
		free(cols[i].name);
		free(cols[i].source_name);
		colstats_finish(&cols[i].stats);
	}
	free(cols);
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
		     uint64_t size, struct column **ret_cols, size_t *ret_n,
		     int64_t *ret_rows, struct import_report *report,
		     char **ret_err)
{
	struct csv_options copt = { .delimiter = opt->delimiter };
	struct csv_reader *rd = NULL;
	struct csv_record rec;
	struct column *cols = NULL;
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
			struct column *c = &cols[i];
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
	columns_free(cols, n);
	csv_reader_destroy(rd);
	return r;
}

/* ---- the catalog rows ----------------------------------------------- */

static int exec_bound(struct db *db, const char *sql, char **ret_err,
		      const char *fmt, ...);

/*
 * Create the datasets row, or reuse the existing one when replacing, so
 * that its id (and the LLM metadata hanging off it) survive a replace.
 */
static int dataset_row(struct db *db, const struct import_options *opt,
		       const char *kind, const char *path, const char *table,
		       const char *data_table, const char *import_json,
		       int64_t *ret_id, bool *ret_replaced, char **ret_err)
{
	struct dataset_info *old = NULL;
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = dataset_lookup(db, opt->name, &old);
	if (r == 0 && !opt->replace) {
		*ret_err = xasprintf("dataset '%s' already exists (use "
				     "--replace to replace it)", opt->name);
		dataset_info_destroy(old);
		return -EEXIST;
	}
	if (r < 0 && r != -ENOENT) {
		*ret_err = xasprintf("cannot read catalog: %s",
				     sqlite3_errmsg(db->sql));
		return r;
	}
	if (old) {
		if (strcmp(old->source_kind, "sqlite") != 0) {
			char *drop = xasprintf("DROP TABLE IF EXISTS main.\"%s\"",
					       old->data_table);

			r = db_exec(db, drop, ret_err);
			free(drop);
			if (r < 0) {
				goto out;
			}
		}
		rc = sqlite3_prepare_v2(db->sql,
			"UPDATE datasets SET title = coalesce(?2, title), "
			"description = coalesce(?3, description), "
			"source_kind = ?4, source_path = ?5, source_table = ?6, "
			"data_table = ?7, tags = coalesce(?8, tags), "
			"import_options = ?9, "
			"version = version + 1, "
			"updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
			"WHERE id = ?1", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, old->id);
		}
	} else {
		rc = sqlite3_prepare_v2(db->sql,
			"INSERT INTO datasets (title, description, source_kind, "
			"source_path, source_table, data_table, tags, "
			"import_options, name) "
			"VALUES (?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, ''), ?9, "
			"?10)", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 10, opt->name, -1, SQLITE_STATIC);
		}
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 2, opt->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, opt->description, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, data_table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, opt->tags, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, import_json, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE) {
		*ret_err = xasprintf("cannot write dataset '%s': %s", opt->name,
				     sqlite3_errmsg(db->sql));
		r = db_errno(rc);
		goto out;
	}
	*ret_id = old ? old->id : sqlite3_last_insert_rowid(db->sql);
	*ret_replaced = old != NULL;
	r = exec_bound(db, "DELETE FROM dataset_columns WHERE dataset_id = ?",
		       ret_err, "i", *ret_id);
out:
	sqlite3_finalize(st);
	dataset_info_destroy(old);
	return r;
}

/* run one statement with parameters: "i" int64, "s" text (NULL ok) */
static int exec_bound(struct db *db, const char *sql, char **ret_err,
		      const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		goto out;
	}
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else {
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *),
					  -1, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
out:
	if (rc != SQLITE_OK && ret_err) {
		*ret_err = xasprintf("catalog write failed: %s",
				     sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	return db_errno(rc);
}

static int store_columns(struct db *db, int64_t id, const struct column *cols,
			 size_t n, char **ret_err)
{
	for (size_t i = 0; i < n; i++) {
		int r = exec_bound(db,
			"INSERT INTO dataset_columns (dataset_id, position, "
			"name, source_name, declared_type, inferred_type) "
			"VALUES (?, ?, ?, ?, ?, ?)", ret_err, "iissss", id,
			(int64_t)i, cols[i].name, cols[i].source_name,
			type_names[cols[i].type], type_names[cols[i].type]);

		if (r < 0) {
			return r;
		}
	}
	return 0;
}

/* the weight must be a numeric column of the dataset */
static int set_weight(struct db *db, int64_t id, const char *weight,
		      char **ret_err)
{
	sqlite3_stmt *st = NULL;
	const char *type = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT inferred_type FROM dataset_columns "
		"WHERE dataset_id = ? AND name = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, weight, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 0);
	}
	if (!type) {
		*ret_err = xasprintf("weight column '%s' is not a column of "
				     "the dataset", weight);
		r = -ENOENT;
		goto out;
	}
	if (strcmp(type, "INTEGER") != 0 && strcmp(type, "REAL") != 0) {
		*ret_err = xasprintf("weight column '%s' is not numeric (its "
				     "values are %s)", weight, type);
		r = -EINVAL;
		goto out;
	}
	r = exec_bound(db,
		"UPDATE dataset_columns SET is_weight = (name = ?2) "
		"WHERE dataset_id = ?1", ret_err, "is", id, weight);
	if (r == 0) {
		r = exec_bound(db,
			"UPDATE datasets SET weight_column = ?2 WHERE id = ?1",
			ret_err, "is", id, weight);
	}
out:
	sqlite3_finalize(st);
	return r;
}

int import_set_weight(struct db *db, int64_t id, const char *weight,
		      char **ret_err)
{
	return set_weight(db, id, weight, ret_err);
}

static char *current_weight(struct db *db, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char *w = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT weight_column FROM datasets WHERE id = ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0)) {
			w = xstrdup((const char *)sqlite3_column_text(st, 0));
		}
	}
	sqlite3_finalize(st);
	return w;
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

/*
 * Finish inside the transaction: weight, profile, search index.  A CSV
 * import brings its profile (cols, gathered while checking the file);
 * otherwise the rows are profiled through rows_ref.
 */
static int finish_dataset(struct db *db, const struct import_options *opt,
			  int64_t id, const char *rows_ref,
			  const struct column *cols, size_t n, int64_t rows,
			  char **ret_err)
{
	char *old_weight = NULL;
	int r;

	if (opt->weight) {
		r = set_weight(db, id, opt->weight, ret_err);
		if (r < 0) {
			return r;
		}
	} else if ((old_weight = current_weight(db, id))) {
		char *err = NULL;

		/* a replaced dataset keeps its weight while the column lives */
		if (set_weight(db, id, old_weight, &err) < 0) {
			free(err);
			exec_bound(db, "UPDATE datasets SET weight_column = NULL "
				   "WHERE id = ?", NULL, "i", id);
		}
		free(old_weight);
	}
	if (cols) {
		for (size_t i = 0; i < n; i++) {
			r = profile_store_colstats(db, id, (int)i,
						   type_names[cols[i].type],
						   &cols[i].stats, ret_err);
			if (r < 0) {
				return r;
			}
		}
		r = profile_store_row_count(db, id, rows, ret_err);
	} else {
		r = profile_dataset(db, id, rows_ref, ret_err);
	}
	if (r < 0) {
		return r;
	}
	r = dataset_search_reindex(db, id);
	if (r < 0) {
		*ret_err = xasprintf("cannot index dataset for search: %s",
				     sqlite3_errmsg(db->sql));
	}
	return r;
}

/* ---- pass 2: create and fill the table ------------------------------ */

static int create_table(struct db *db, const char *table,
			const struct column *cols, size_t n, char **ret_err)
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
		buf_addf(&sql, " %s", type_names[cols[i].type]);
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

static int bind_field(sqlite3_stmt *st, int idx, const struct column *c,
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
		     const struct column *cols, size_t n, int64_t expect_rows,
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
	struct column *cols = NULL;
	char *table = ident_data_table(opt->name);
	char *abs_path = NULL;
	char *opts_json = import_options_json(opt);
	double start = now_seconds();
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
	r = dataset_row(db, opt, "csv", abs_path ? abs_path : "-", NULL, table,
			opts_json, &id, &replaced, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = store_columns(db, id, cols, n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = load_pass(db, fd, opt, size, table, cols, n, rows, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = finish_dataset(db, opt, id, NULL, cols, n, rows, ret_err);
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
	ret->seconds = now_seconds() - start;
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
	columns_free(cols, n);
	free(abs_path);
	free(opts_json);
	free(table);
	return r;
}

/* ---- registered SQLite tables -------------------------------------- */

#define SOURCE_ALIAS "mcpd_source"

/*
 * Infer each column's type from its values, one scan for all columns:
 * any text or blob makes it TEXT, else any real makes it REAL, else any
 * integer makes it INTEGER.
 */
static int sqlite_columns(struct db *db, const char *table,
			  struct column **ret_cols, size_t *ret_n,
			  char **ret_err)
{
	sqlite3_stmt *st = NULL;
	struct column *cols = NULL;
	struct buf sql = BUF_INIT;
	char *ref = NULL;
	size_t n = 0;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT name FROM pragma_table_info(?1, '" SOURCE_ALIAS "') "
		"ORDER BY cid", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		goto fail;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cols = xrealloc(cols, (n + 1) * sizeof(*cols));
		cols[n].name = xstrdup((const char *)sqlite3_column_text(st, 0));
		cols[n].source_name = xstrdup(cols[n].name);
		cols[n].type = IMPORT_NULL;
		colstats_init(&cols[n].stats);
		n++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		goto fail;
	}
	if (n == 0) {
		*ret_err = xasprintf("no table or view '%s' in the file", table);
		r = -ENOENT;
		goto out;
	}
	ref = xasprintf("%s.", SOURCE_ALIAS);
	buf_addstr(&sql, "SELECT 0");
	for (size_t i = 0; i < n; i++) {
		char *q = ident_quoted(cols[i].name);

		buf_addf(&sql, ", max(typeof(%s) IN ('text', 'blob')), "
			 "max(typeof(%s) = 'real'), max(typeof(%s) = "
			 "'integer')", q, q, q);
		free(q);
	}
	buf_addf(&sql, " FROM %s", ref);
	ident_quote(&sql, table);
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		int base = 1 + (int)i * 3;

		if (sqlite3_column_int(st, base)) {
			cols[i].type = IMPORT_TEXT;
		} else if (sqlite3_column_int(st, base + 1)) {
			cols[i].type = IMPORT_REAL;
		} else if (sqlite3_column_int(st, base + 2)) {
			cols[i].type = IMPORT_INTEGER;
		}
	}
	*ret_cols = cols;
	*ret_n = n;
	cols = NULL;
	goto out;
fail:
	*ret_err = xasprintf("cannot read table '%s': %s", table,
			     sqlite3_errmsg(db->sql));
	r = db_errno(rc);
out:
	sqlite3_finalize(st);
	columns_free(cols, n);
	buf_release(&sql);
	free(ref);
	return r;
}

int import_sqlite(struct db *db, const struct import_options *opt,
		  struct import_report *ret, char **ret_err)
{
	struct column *cols = NULL;
	char *abs_path = realpath(opt->path, NULL);
	char *rows_ref = NULL;
	double start = now_seconds();
	bool attached = false, replaced = false;
	int64_t id = 0;
	size_t n = 0;
	int r;

	*ret_err = NULL;
	if (!abs_path) {
		*ret_err = xasprintf("cannot open SQLite file '%s': %s",
				     opt->path, strerror(errno));
		return -errno;
	}
	{
		char *catalog = realpath(db->path, NULL);
		bool same = catalog && strcmp(abs_path, catalog) == 0;

		free(catalog);
		if (same) {
			*ret_err = xstrdup("the catalog itself cannot be "
					   "registered as a dataset");
			r = -EINVAL;
			goto out;
		}
	}
	r = dataset_attach_source(db, abs_path, SOURCE_ALIAS, ret_err);
	if (r < 0) {
		goto out;
	}
	attached = true;
	r = sqlite_columns(db, opt->table, &cols, &n, ret_err);
	if (r < 0) {
		char *e = xasprintf("'%s': %s", opt->path, *ret_err);

		free(*ret_err);
		*ret_err = e;
		goto out;
	}
	r = db_begin(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot write catalog '%s': %s", db->path,
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	r = dataset_row(db, opt, "sqlite", abs_path, opt->table, opt->table,
			NULL, &id, &replaced, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = store_columns(db, id, cols, n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	{
		struct buf b = BUF_INIT;

		buf_addstr(&b, SOURCE_ALIAS ".");
		ident_quote(&b, opt->table);
		rows_ref = buf_detach(&b, NULL);
	}
	r = finish_dataset(db, opt, id, rows_ref, NULL, 0, 0, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = db_commit(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot commit: %s",
				     sqlite3_errmsg(db->sql));
		goto rollback;
	}
	ret->dataset_id = id;
	ret->columns = (int)n;
	ret->replaced = replaced;
	ret->seconds = now_seconds() - start;
	{
		struct dataset_info *d = NULL;

		if (dataset_lookup(db, opt->name, &d) == 0) {
			ret->rows = d->row_count;
		}
		dataset_info_destroy(d);
	}
	goto out;
rollback:
	db_rollback(db);
out:
	if (attached) {
		dataset_detach_source(db, SOURCE_ALIAS);
	}
	columns_free(cols, n);
	free(rows_ref);
	free(abs_path);
	return r;
}

/* ---- refresh -------------------------------------------------------- */

/* the options a CSV was imported with, from datasets.import_options */
static void parse_import_options(const char *json, struct import_options *opt,
				 char ***ret_nulls)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "delimiter");
	const cJSON *nulls = cJSON_GetObjectItemCaseSensitive(o, "null_values");
	const cJSON *it;
	char **list = NULL;
	size_t n = 0;

	if (cJSON_IsString(d) && d->valuestring[0]) {
		opt->delimiter = d->valuestring[0];
	}
	cJSON_ArrayForEach(it, nulls) {
		if (cJSON_IsString(it)) {
			list = xrealloc(list, (n + 1) * sizeof(*list));
			list[n++] = xstrdup(it->valuestring);
		}
	}
	opt->null_values = (const char *const *)list;
	opt->n_null_values = n;
	*ret_nulls = list;
	cJSON_Delete(o);
}

int import_refresh(struct db *db, const char *name, bool progress,
		   struct import_report *ret, char **ret_err)
{
	struct import_options opt = { 0 };
	struct dataset_info *d = NULL;
	char **nulls = NULL;
	int r;

	*ret_err = NULL;
	r = dataset_lookup(db, name, &d);
	if (r < 0) {
		*ret_err = r == -ENOENT ? xasprintf("no dataset '%s'", name)
			: xasprintf("cannot read catalog: %s",
				    sqlite3_errmsg(db->sql));
		return r;
	}
	opt.name = d->name;
	opt.replace = true;
	opt.progress = progress;
	opt.path = d->source_path;
	if (strcmp(d->source_kind, "sqlite") == 0) {
		opt.table = d->source_table;
		r = import_sqlite(db, &opt, ret, ret_err);
	} else if (strcmp(d->source_kind, "csv") == 0 &&
		   strcmp(d->source_path, "-") != 0) {
		parse_import_options(d->import_options, &opt, &nulls);
		r = import_csv(db, &opt, ret, ret_err);
	} else {
		/* read from standard input once: only the profile can be redone */
		char *ref = dataset_rows_ref(d, SOURCE_ALIAS);

		r = db_begin(db);
		if (r == 0) {
			r = profile_dataset(db, d->id, ref, ret_err);
		}
		if (r == 0) {
			r = dataset_touch(db, d->id);
		}
		if (r == 0) {
			r = db_commit(db);
		}
		if (r < 0) {
			db_rollback(db);
			if (!*ret_err) {
				*ret_err = xasprintf("cannot refresh: %s",
						     sqlite3_errmsg(db->sql));
			}
		}
		ret->dataset_id = d->id;
		free(ref);
		if (r == 0) {
			struct dataset_info *now = NULL;

			if (dataset_lookup(db, name, &now) == 0) {
				ret->rows = now->row_count;
			}
			dataset_info_destroy(now);
		}
	}
	for (size_t i = 0; i < opt.n_null_values; i++) {
		free(nulls[i]);
	}
	free(nulls);
	dataset_info_destroy(d);
	return r;
}
