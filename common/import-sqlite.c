/*
 * Registering a table of an existing SQLite file, read in place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/typeinfer.h"
#include "mcp/xalloc.h"
#include "import-internal.h"

/* "it has: a, b, c" (or "it has no tables"): what to pass to --table */
static char *source_tables(struct db *db)
{
	sqlite3_stmt *st = NULL;
	struct buf b = BUF_INIT;
	int n = 0;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT name FROM " IMPORT_SOURCE_ALIAS
			       ".sqlite_schema WHERE type IN ('table', 'view') "
			       "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
			       "ORDER BY name", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n++ == 20) {
				buf_addstr(&b, ", ...");
				break;
			}
			buf_addstr(&b, n > 1 ? ", " : "it has: ");
			buf_addstr(&b, (const char *)sqlite3_column_text(st, 0));
		}
	}
	sqlite3_finalize(st);
	if (n == 0) {
		buf_addstr(&b, "it has no tables");
	}
	return buf_detach(&b, NULL);
}

/* what the scan learned of one column of the source table */
struct src_col {
	bool has_text, has_real, has_int, has_blob;
	struct ti_column ti;    /* the CSV rules, on its values as text */
	int64_t empty;          /* '' values */
	int64_t non_iso;        /* text values not written YYYY-MM-DD */
	char *example;          /* a text value, for the warning */
	bool differs;           /* the inferred values differ from the stored */
};

struct src_scan {
	struct import_column *cols;
	struct src_col *x;
	size_t n;
	int64_t rows;
	struct ti_options tio;
};

static void src_scan_finish(struct src_scan *sc)
{
	for (size_t i = 0; sc->x && i < sc->n; i++) {
		ti_column_finish(&sc->x[i].ti);
		free(sc->x[i].example);
	}
	free(sc->x);
	import_columns_free(sc->cols, sc->n);
}

/* "SELECT a, b, ... FROM ref" */
static char *select_all(const struct src_scan *sc, const char *ref)
{
	struct buf sql = BUF_INIT;

	buf_addstr(&sql, "SELECT ");
	for (size_t i = 0; i < sc->n; i++) {
		buf_addstr(&sql, i ? ", " : "");
		ident_quote(&sql, sc->cols[i].name);
	}
	buf_addf(&sql, " FROM %s", ref);
	return buf_detach(&sql, NULL);
}

static bool iso_date(const char *s, size_t len)
{
	static const char pat[] = "dddd-dd-dd";

	if (len != 10) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i]) {
			return false;
		}
	}
	return true;
}

static void scan_value(struct src_scan *sc, struct src_col *x,
		       sqlite3_stmt *st, int i)
{
	/* read before sqlite3_column_text(), which converts the value */
	int type = sqlite3_column_type(st, i);
	const char *s;
	size_t len;

	switch (type) {
	case SQLITE_NULL:
		return;
	case SQLITE_BLOB:
		x->has_blob = true;
		return;
	case SQLITE_INTEGER:
		x->has_int = true;
		break;
	case SQLITE_FLOAT:
		x->has_real = true;
		break;
	default:
		x->has_text = true;
		break;
	}
	if (x->has_blob || x->ti.settled) {
		return;
	}
	/* numbers too: a column of '$4,175' and 12 is a column of numbers */
	s = (const char *)sqlite3_column_text(st, i);
	len = (size_t)sqlite3_column_bytes(st, i);
	if (len == 0) {
		x->empty++;
		return;
	}
	if (ti_column_add(&x->ti, &sc->tio, s, len) != TI_ADD_NULL &&
	    type == SQLITE_TEXT) {
		if (!x->example) {
			x->example = xstrndup(s, len < 40 ? len : 40);
		}
		x->non_iso += !iso_date(s, len);
	}
}

/* one pass over every row: the storage classes and the CSV readings */
static int scan_rows(struct db *db, const struct import_options *opt,
		     const char *ref, struct src_scan *sc, char **ret_err)
{
	struct import_progress prog;
	sqlite3_stmt *st = NULL;
	char *sql = NULL;
	int64_t total = 0;
	int rc;

	if (opt->progress) {
		char *count = xasprintf("SELECT count(*) FROM %s", ref);

		rc = sqlite3_prepare_v2(db->sql, count, -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
			total = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		st = NULL;
		free(count);
	}
	import_progress_start(&prog, opt->progress, "reading", (uint64_t)total);
	sql = select_all(sc, ref);
	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t i = 0; i < sc->n; i++) {
			scan_value(sc, &sc->x[i], st, (int)i);
		}
		if ((++sc->rows & 0x3fff) == 0) {
			import_progress_rows(&prog, sc->rows, false);
		}
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE) {
		import_progress_rows(&prog, sc->rows, true);
		rc = SQLITE_OK;
	} else {
		*ret_err = xasprintf("cannot read table: %s",
				     sqlite3_errmsg(db->sql));
	}
	sqlite3_finalize(st);
	free(sql);
	return db_errno(rc);
}

/* a warning about column `name`, when there is one */
static void column_warning(struct import_report *report, const char *name,
			   const char *warning)
{
	if (warning) {
		import_report_add(&report->warnings, &report->n_warnings,
				  "column '%s': %s", name, warning);
	}
}

/*
 * A text column whose values read as something else.  Read in place it
 * stays TEXT, and says why SQL on it is wrong; with --convert it gets the
 * type a CSV import would give it.
 */
static void decide_text(struct src_scan *sc, size_t i,
			const struct import_options *opt,
			struct import_report *report)
{
	struct import_column *c = &sc->cols[i];
	struct src_col *x = &sc->x[i];
	struct ti_column *t = &x->ti;
	int64_t na = t->blank + x->empty;

	ti_column_decide(t, &sc->tio, c->name);
	c->type = IMPORT_TEXT;
	if (t->kind == TI_TEXT) {
		column_warning(report, c->name, t->warning);
		return;
	}
	for (int k = 0; k < TI_NA_TOKENS; k++) {
		na += t->na[k];
	}
	/* ISO dates are right as they are: text compares as dates do */
	x->differs = !(t->kind == TI_DATE && x->non_iso == 0 && na == 0);
	if (!x->differs) {
		return;
	}
	if (opt->convert) {
		switch (t->kind) {
		case TI_INTEGER:
		case TI_BOOLEAN:
			c->type = IMPORT_INTEGER;
			break;
		case TI_REAL:
			c->type = IMPORT_REAL;
			break;
		case TI_NUMBER:
			c->type = t->forced == TI_INTEGER ? IMPORT_INTEGER
							  : IMPORT_REAL;
			break;
		default:
			break;
		}
		t->blank += x->empty;
		import_report_add(&report->notes, &report->n_notes,
			"column '%s': %s%s%s%s%s, stored converted%s", c->name,
			ti_kind_name(t->kind), t->format ? ", written " : "",
			t->format ? t->format : "", t->unit ? ", " : "",
			t->unit ? t->unit : "",
			na ? ", NA markers as NULL" : "");
		column_warning(report, c->name, t->warning);
		return;
	}
	{
		bool num = t->kind == TI_INTEGER || t->kind == TI_REAL ||
			   t->kind == TI_NUMBER;
		char *w = xasprintf("looks %s%s%s%s but is TEXT in the source "
			"file: %lld values like '%s'%s; SQL sums, compares and "
			"sorts them as text (mcpctl dataset add --convert "
			"stores them converted)%s%s",
			num ? "numeric" : t->kind == TI_BOOLEAN ? "boolean"
				: t->kind == TI_DATE ? "like dates"
						     : "like datetimes",
			t->unit ? " (" : "", t->unit ? t->unit : "",
			t->unit ? ")" : "", (long long)t->values,
			x->example ? x->example : "", na ? " and NA markers "
			"or blanks" : "",
			t->warning ? "; " : "", t->warning ? t->warning : "");

		free(t->warning);
		t->warning = w;
	}
	column_warning(report, c->name, t->warning);
}

/*
 * Each column's type from its values, one scan for all columns: any blob
 * makes it TEXT; text values are read by the CSV rules (typeinfer.h);
 * else any real makes it REAL, else any integer makes it INTEGER.
 */
static int sqlite_columns(struct db *db, const struct import_options *opt,
			  struct src_scan *sc, struct import_report *report,
			  char **ret_err)
{
	const char *table = opt->table;
	sqlite3_stmt *st = NULL;
	struct buf ref = BUF_INIT;
	size_t n = 0;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT name FROM pragma_table_info(?1, '" IMPORT_SOURCE_ALIAS "') "
		"ORDER BY cid", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		goto fail;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct import_column *c;

		sc->cols = xrealloc(sc->cols, (n + 1) * sizeof(*sc->cols));
		sc->x = xrealloc(sc->x, (n + 1) * sizeof(*sc->x));
		c = &sc->cols[n];
		c->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		c->source_name = xstrdup(c->name);
		c->type = IMPORT_NULL;
		colstats_init(&c->stats);
		memset(&sc->x[n], 0, sizeof(sc->x[n]));
		ti_column_init(&sc->x[n].ti);
		sc->n = ++n;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		goto fail;
	}
	if (n == 0) {
		char *have = source_tables(db);

		*ret_err = xasprintf("no table or view '%s' in the file; %s",
				     table, have);
		free(have);
		r = -ENOENT;
		goto out;
	}
	buf_addstr(&ref, IMPORT_SOURCE_ALIAS ".");
	ident_quote(&ref, table);
	sc->tio.no_default_nulls = opt->no_default_nulls;
	r = scan_rows(db, opt, buf_str(&ref), sc, ret_err);
	if (r < 0) {
		char *e = xasprintf("cannot read table '%s': %s", table,
				    *ret_err);

		free(*ret_err);
		*ret_err = e;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct src_col *x = &sc->x[i];

		if (x->has_blob) {
			sc->cols[i].type = IMPORT_TEXT;
		} else if (x->has_text) {
			decide_text(sc, i, opt, report);
		} else if (x->has_real) {
			sc->cols[i].type = IMPORT_REAL;
		} else if (x->has_int) {
			sc->cols[i].type = IMPORT_INTEGER;
		}
	}
	goto out;
fail:
	*ret_err = xasprintf("cannot read table '%s': %s", table,
			     sqlite3_errmsg(db->sql));
	r = db_errno(rc);
out:
	sqlite3_finalize(st);
	buf_release(&ref);
	return r;
}

/* does any column need --convert to be right? */
static bool any_differs(const struct src_scan *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		if (sc->x[i].differs) {
			return true;
		}
	}
	return false;
}

/* one value of a converted column: NA markers and blanks are NULL */
static int bind_converted(sqlite3_stmt *ins, int idx, const struct src_scan *sc,
			  const struct src_col *x, sqlite3_stmt *sel, int i,
			  int64_t row, const char *name, char **ret_err)
{
	struct ti_value v;
	const char *s;
	size_t len;

	if (sqlite3_column_type(sel, i) == SQLITE_NULL) {
		return sqlite3_bind_null(ins, idx);
	}
	s = (const char *)sqlite3_column_text(sel, i);
	len = (size_t)sqlite3_column_bytes(sel, i);
	if (ti_convert(&x->ti, s, len, &v) < 0) {
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
			len--;
		}
		if (len == 0 || (!sc->tio.no_default_nulls &&
				 ti_na_index(s, len) >= 0)) {
			return sqlite3_bind_null(ins, idx);
		}
		*ret_err = xasprintf("row %lld, column '%s': '%.*s' does not "
				     "read as %s (did the file change?)",
				     (long long)row, name, (int)len, s,
				     ti_kind_name(x->ti.kind));
		return SQLITE_MISMATCH;
	}
	switch (v.type) {
	case TI_V_INT:
		return sqlite3_bind_int64(ins, idx, v.i);
	case TI_V_REAL:
		return sqlite3_bind_double(ins, idx, v.d);
	case TI_V_TEXT:
		return sqlite3_bind_text(ins, idx, v.text, -1,
					 SQLITE_TRANSIENT);
	default:
		return sqlite3_bind_null(ins, idx);
	}
}

/*
 * --convert: the rows copied into the catalog, each text column that
 * reads as numbers, booleans or dates stored as a CSV import would store
 * it.  The source file is still never written.
 */
static int copy_converted(struct db *db, const struct import_options *opt,
			  const struct src_scan *sc, const char *data_table,
			  char **ret_err)
{
	struct import_progress prog;
	struct buf sql = BUF_INIT;
	sqlite3_stmt *sel = NULL, *ins = NULL;
	char *select = NULL;
	int64_t row = 0;
	int rc, r;

	buf_addstr(&sql, "DROP TABLE IF EXISTS main.");
	ident_quote(&sql, data_table);
	buf_addstr(&sql, "; CREATE TABLE main.");
	ident_quote(&sql, data_table);
	buf_addstr(&sql, " (");
	for (size_t i = 0; i < sc->n; i++) {
		buf_addstr(&sql, i ? ", " : "");
		ident_quote(&sql, sc->cols[i].name);
		buf_addf(&sql, " %s", import_type_names[sc->cols[i].type]);
	}
	buf_addstr(&sql, ")");
	r = db_exec(db, buf_str(&sql), ret_err);
	if (r < 0) {
		goto out;
	}
	buf_reset(&sql);
	{
		struct buf ref = BUF_INIT;

		buf_addstr(&ref, IMPORT_SOURCE_ALIAS ".");
		ident_quote(&ref, opt->table);
		select = select_all(sc, buf_str(&ref));
		buf_release(&ref);
	}
	rc = sqlite3_prepare_v2(db->sql, select, -1, &sel, NULL);
	if (rc == SQLITE_OK) {
		buf_addstr(&sql, "INSERT INTO main.");
		ident_quote(&sql, data_table);
		buf_addstr(&sql, " VALUES (");
		for (size_t i = 0; i < sc->n; i++) {
			buf_addstr(&sql, i ? ",?" : "?");
		}
		buf_addstr(&sql, ")");
		rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &ins,
					NULL);
	}
	import_progress_start(&prog, opt->progress, "copying",
			      (uint64_t)sc->rows);
	while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		row++;
		rc = SQLITE_OK;
		for (size_t i = 0; rc == SQLITE_OK && i < sc->n; i++) {
			const struct src_col *x = &sc->x[i];

			rc = x->differs
				? bind_converted(ins, (int)i + 1, sc, x, sel,
						 (int)i, row, sc->cols[i].name,
						 ret_err)
				: sqlite3_bind_value(ins, (int)i + 1,
					sqlite3_column_value(sel, (int)i));
		}
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(ins);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
			sqlite3_reset(ins);
		}
		if ((row & 0x3fff) == 0) {
			import_progress_rows(&prog, row, false);
		}
	}
	if (rc == SQLITE_DONE) {
		import_progress_rows(&prog, row, true);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK && !*ret_err) {
		*ret_err = xasprintf("cannot copy the rows of '%s': %s",
				     opt->table, sqlite3_errmsg(db->sql));
	}
	r = rc == SQLITE_MISMATCH ? -EINVAL : db_errno(rc);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	buf_release(&sql);
	free(select);
	return r;
}

/* what type inference noted of the text columns (migration 7) */
static int store_typeinfo(struct db *db, int64_t id, const struct src_scan *sc,
			  bool converted, char **ret_err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"UPDATE dataset_columns SET semantic_type = ?3, "
		"original_format = ?4, unit = ?5, null_tokens = ?6, "
		"type_warning = ?7, "
		"inferred_type = coalesce(?8, inferred_type) "
		"WHERE dataset_id = ?1 AND position = ?2", -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < sc->n; i++) {
		const struct src_col *x = &sc->x[i];
		const struct ti_column *t = &x->ti;
		bool conv = converted && x->differs;
		const char *inferred = NULL;

		if (!x->has_text || x->has_blob) {
			continue;
		}
		if (conv && (t->kind == TI_DATE || t->kind == TI_DATETIME)) {
			inferred = t->kind == TI_DATE ? "DATE" : "DATETIME";
		}
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, (int)i);
		/* as for CSV, a plain column converted is just its type */
		sqlite3_bind_text(st, 3,
				  t->kind == TI_TEXT || (conv && t->plain)
				  ? NULL : ti_kind_name(t->kind), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t->format, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, t->unit, -1, SQLITE_STATIC);
		/* markers are NULL only in rows that were converted */
		sqlite3_bind_text(st, 6, conv ? import_null_tokens_json(t)
				  : NULL, -1, free);
		sqlite3_bind_text(st, 7, t->warning, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, inferred, -1, SQLITE_STATIC);
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

/* "table", "view", or NULL when the file has no such name */
static char *source_type(struct db *db, const char *table)
{
	sqlite3_stmt *st = NULL;
	char *type = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT type FROM " IMPORT_SOURCE_ALIAS
			       ".sqlite_schema WHERE name = ?1 "
			       "COLLATE NOCASE", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			type = xstrdup((const char *)sqlite3_column_text(st,
									 0));
		}
	}
	sqlite3_finalize(st);
	return type;
}

/*
 * A view is copied into the catalog: its rows and columns, and nothing of
 * the tables beneath it, which client SQL could otherwise reach through
 * the view's name.  `refresh` copies it again.
 */
static int materialize_view(struct db *db, const char *view,
			    const char *table,
			    const struct import_column *cols, size_t n,
			    char **ret_err)
{
	struct buf sql = BUF_INIT;
	int r;

	buf_addstr(&sql, "DROP TABLE IF EXISTS main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, "; CREATE TABLE main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, " (");
	for (size_t i = 0; i < n; i++) {
		buf_addstr(&sql, i ? ", " : "");
		ident_quote(&sql, cols[i].name);
		buf_addf(&sql, " %s", import_type_names[cols[i].type]);
	}
	buf_addstr(&sql, "); INSERT INTO main.");
	ident_quote(&sql, table);
	buf_addstr(&sql, " SELECT * FROM " IMPORT_SOURCE_ALIAS ".");
	ident_quote(&sql, view);
	r = db_exec(db, buf_str(&sql), NULL);
	if (r < 0) {
		*ret_err = xasprintf("cannot copy the rows of view '%s': %s",
				     view, sqlite3_errmsg(db->sql));
	}
	buf_release(&sql);
	return r;
}

int import_sqlite(struct db *db, const struct import_options *opt,
		  struct import_report *ret, char **ret_err)
{
	struct src_scan sc = { 0 };
	char *type = NULL;
	char *data_table = NULL;
	char *abs_path = realpath(opt->path, NULL);
	char *rows_ref = NULL;
	const char *json;
	double start = import_now();
	bool attached = false, replaced = false, convert = false;
	int64_t id = 0;
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
	r = dataset_attach_source(db, abs_path, IMPORT_SOURCE_ALIAS, ret_err);
	if (r < 0) {
		goto out;
	}
	attached = true;
	type = source_type(db, opt->table);
	if (type && strcmp(type, "table") != 0 && strcmp(type, "view") != 0) {
		*ret_err = xasprintf("'%s': '%s' is a%s %s, not a table or "
				     "view", opt->path, opt->table,
				     type[0] == 'i' ? "n" : "", type);
		r = -EINVAL;
		goto out;
	}
	r = sqlite_columns(db, opt, &sc, ret, ret_err);
	if (r < 0) {
		char *e = xasprintf("'%s': %s", opt->path, *ret_err);

		free(*ret_err);
		*ret_err = e;
		goto out;
	}
	/* refresh reads the option back */
	json = opt->convert ? "{\"convert\":true}" : NULL;
	convert = opt->convert && any_differs(&sc);
	if (opt->convert && !convert) {
		import_report_add(&ret->notes, &ret->n_notes,
				  "nothing to convert: the table is read in "
				  "place");
	}
	r = db_begin(db);
	if (r < 0) {
		*ret_err = xasprintf("cannot write catalog '%s': %s", db->path,
				     sqlite3_errmsg(db->sql));
		goto out;
	}
	if (convert || (type && strcmp(type, "view") == 0)) {
		data_table = ident_data_table(opt->name);
		r = import_dataset_row(db, opt, "sqlite", abs_path,
				       opt->table, data_table, json, &id,
				       &replaced, ret_err);
		if (r == 0 && convert) {
			r = copy_converted(db, opt, &sc, data_table, ret_err);
		} else if (r == 0) {
			r = materialize_view(db, opt->table, data_table,
					     sc.cols, sc.n, ret_err);
		}
	} else {
		r = import_dataset_row(db, opt, "sqlite", abs_path,
				       opt->table, opt->table, json, &id,
				       &replaced, ret_err);
	}
	if (r < 0) {
		goto rollback;
	}
	r = import_store_columns(db, id, sc.cols, sc.n, ret_err);
	if (r < 0) {
		goto rollback;
	}
	{
		struct buf b = BUF_INIT;

		if (data_table) {
			buf_addstr(&b, "main.");
			ident_quote(&b, data_table);
		} else {
			buf_addstr(&b, IMPORT_SOURCE_ALIAS ".");
			ident_quote(&b, opt->table);
		}
		rows_ref = buf_detach(&b, NULL);
	}
	r = import_finish_dataset(db, opt, id, rows_ref, NULL, 0, 0, ret,
				  NULL, ret_err);
	if (r < 0) {
		goto rollback;
	}
	r = store_typeinfo(db, id, &sc, convert, ret_err);
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
	ret->columns = (int)sc.n;
	ret->replaced = replaced;
	ret->seconds = import_now() - start;
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
		dataset_detach_source(db, IMPORT_SOURCE_ALIAS);
	}
	src_scan_finish(&sc);
	free(rows_ref);
	free(abs_path);
	free(type);
	free(data_table);
	return r;
}
