/*
 * sqlhint: the short, relevant hint after an SQL error (see sqlhint.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "mcp/hidden.h"
#include "mcp/render.h"
#include "mcp/sqlhint.h"
#include "mcp/suggest.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/* the columns of one dataset stop here, then "... and N more" */
#define COLUMNS_BYTES 700
/* the whole hint stays under about 400 tokens */
#define HINT_BYTES 1200
/* datasets named at most, when the statement names none */
#define NAMES_MAX 30
/* a statement line shown around the error position, in bytes */
#define LINE_SHOWN 100

void sql_hint_add(struct sql_hint *h, const char *name)
{
	h->ds = xrealloc(h->ds, (h->n + 1) * sizeof(*h->ds));
	h->ds[h->n].name = xstrdup(name);
	h->ds[h->n].cols = NULL;
	h->ds[h->n].ncols = 0;
	h->n++;
}

void sql_hint_add_column(struct sql_hint *h, const char *col)
{
	struct sql_hint_ds *d;

	if (h->n == 0) {
		return;
	}
	d = &h->ds[h->n - 1];
	d->cols = xrealloc(d->cols, (d->ncols + 1) * sizeof(*d->cols));
	d->cols[d->ncols++] = xstrdup(col ? col : "?");
}

void sql_hint_clear(struct sql_hint *h)
{
	for (size_t i = 0; i < h->n; i++) {
		for (size_t k = 0; k < h->ds[i].ncols; k++) {
			free(h->ds[i].cols[k]);
		}
		free(h->ds[i].cols);
		free(h->ds[i].name);
	}
	free(h->ds);
	h->ds = NULL;
	h->n = 0;
}

/* does SQL need `name` in double quotes? */
static bool needs_quotes(const char *name)
{
	if (!(isalpha((unsigned char)name[0]) || name[0] == '_')) {
		return true;
	}
	for (const char *p = name; *p; p++) {
		if (!(isalnum((unsigned char)*p) || *p == '_')) {
			return true;
		}
	}
	return sqlite3_keyword_check(name, (int)strlen(name)) != 0;
}

/* a column as SQL writes it, escaped for markdown */
static void add_name(struct buf *out, const char *name)
{
	struct buf q = BUF_INIT;

	if (needs_quotes(name)) {
		buf_addch(&q, '"');
		for (const char *p = name; *p; p++) {
			if (*p == '"') {
				buf_addch(&q, '"');
			}
			buf_addch(&q, *p);
		}
		buf_addch(&q, '"');
	} else {
		buf_addstr(&q, name);
	}
	render_md_cell(out, buf_str(&q));
	buf_release(&q);
}

/* the datasets `sql` names, in order of first mention (flags in `seen`) */
static size_t named_datasets(const struct sql_hint *h, const char *sql,
			     size_t *order)
{
	bool *seen = xcalloc(h->n + 1, sizeof(*seen));
	struct buf id = BUF_INIT;
	const char *p = sql;
	size_t n = 0;

	while (sql && sql_next_ident(sql, &p, &id)) {
		for (size_t i = 0; i < h->n; i++) {
			if (!seen[i] &&
			    strcasecmp(h->ds[i].name, buf_str(&id)) == 0) {
				seen[i] = true;
				order[n++] = i;
			}
		}
	}
	buf_release(&id);
	free(seen);
	return n;
}

/* the statement's line at `offset`, with a ^ under it */
static void add_marker(struct buf *out, const char *sql, int offset)
{
	size_t len = strlen(sql), at = (size_t)offset, start, end, from;

	if (offset < 0 || at > len) {
		return;
	}
	start = at;
	while (start > 0 && sql[start - 1] != '\n') {
		start--;
	}
	end = at;
	while (end < len && sql[end] != '\n') {
		end++;
	}
	/* a long line shows the part around the position */
	from = at - start > LINE_SHOWN / 2 ? at - LINE_SHOWN / 2 : start;
	while (from > start && ((unsigned char)sql[from] & 0xc0) == 0x80) {
		from--;
	}
	if (end - from > LINE_SHOWN) {
		end = from + LINE_SHOWN;
		while (end > at && ((unsigned char)sql[end] & 0xc0) == 0x80) {
			end--;
		}
	}
	{
		char *line = render_utf8_clean(sql + from, end - from);
		size_t col = 0;

		/* tabs shown as spaces so the marker lines up */
		for (char *q = line; *q; q++) {
			if (*q == '\t' || *q == '\r') {
				*q = ' ';
			}
		}
		buf_addf(out, "  %s%s\n  ", from > start ? "..." : "", line);
		for (size_t i = from; i < at; i++) {
			col += ((unsigned char)sql[i] & 0xc0) != 0x80;
		}
		for (size_t i = 0; i < col + (from > start ? 3 : 0); i++) {
			buf_addch(out, ' ');
		}
		buf_addstr(out, "^\n");
		free(line);
	}
}

static bool syntax_error(const char *msg)
{
	return strstr(msg, "syntax error") ||
	       strncmp(msg, "unrecognized token", 18) == 0 ||
	       strncmp(msg, "incomplete input", 16) == 0;
}

/* the name after `prefix` in msg ("no such column: t.x" gives x) */
static char *unknown_name(const char *msg, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *name, *dot;

	if (strncmp(msg, prefix, n) != 0) {
		return NULL;
	}
	name = msg + n;
	dot = strrchr(name, '.');
	return xstrdup(dot ? dot + 1 : name);
}

static void suggest_table(const struct sql_hint *h, const char *name,
			  struct buf *out)
{
	const char **names = xcalloc(h->n + 1, sizeof(*names));
	const char *best;

	for (size_t i = 0; i < h->n; i++) {
		names[i] = h->ds[i].name;
	}
	best = suggest_closest(name, names, h->n);
	if (best) {
		buf_addstr(out, "Did you mean ");
		render_md_cell(out, best);
		buf_addstr(out, "?\n");
	}
	free(names);
}

static void suggest_column(const struct sql_hint *h, const size_t *order,
			   size_t nnamed, const char *name, struct buf *out)
{
	const char **cols = NULL;
	const char *best;
	size_t n = 0;

	/* the named datasets' columns; every dataset's when none is named */
	for (size_t k = 0; k < (nnamed ? nnamed : h->n); k++) {
		const struct sql_hint_ds *d = &h->ds[nnamed ? order[k] : k];

		cols = xrealloc(cols, (n + d->ncols + 1) * sizeof(*cols));
		for (size_t i = 0; i < d->ncols; i++) {
			cols[n++] = d->cols[i];
		}
	}
	best = suggest_closest(name, cols, n);
	if (best) {
		buf_addstr(out, "Did you mean ");
		add_name(out, best);
		buf_addstr(out, "?\n");
	}
	free(cols);
}

static void list_columns(const struct sql_hint_ds *d, struct buf *out)
{
	size_t start = out->len;

	buf_addstr(out, "Columns of ");
	render_md_cell(out, d->name);
	buf_addstr(out, ": ");
	for (size_t i = 0; i < d->ncols; i++) {
		if (out->len - start > COLUMNS_BYTES) {
			buf_addf(out, ", ... and %zu more (describe_dataset "
				 "lists them)", d->ncols - i);
			break;
		}
		if (i) {
			buf_addstr(out, ", ");
		}
		add_name(out, d->cols[i]);
	}
	buf_addch(out, '\n');
}

void sql_hint_explain(const struct sql_hint *h, const char *sql,
		      const char *msg, int offset, struct buf *out)
{
	size_t *order = xcalloc(h->n + 1, sizeof(*order));
	size_t nnamed = named_datasets(h, sql, order);
	size_t start = out->len;
	char *name;

	if (sql && syntax_error(msg)) {
		/* SQLite gives no position when the input ends too soon */
		if (offset < 0 && strncmp(msg, "incomplete input", 16) == 0) {
			offset = (int)strlen(sql);
			while (offset > 0 && isspace((unsigned char)
						     sql[offset - 1])) {
				offset--;
			}
		}
		add_marker(out, sql, offset);
	}
	if ((name = unknown_name(msg, "no such table: "))) {
		suggest_table(h, name, out);
	} else if ((name = unknown_name(msg, "no such column: "))) {
		suggest_column(h, order, nnamed, name, out);
	}
	free(name);
	if (h->n == 0) {
		buf_addstr(out, "No datasets are enabled yet.\n");
	} else if (nnamed) {
		for (size_t k = 0; k < nnamed; k++) {
			if (out->len - start > HINT_BYTES) {
				buf_addstr(out, "Columns of ");
				render_md_cell(out, h->ds[order[k]].name);
				buf_addstr(out, ": see describe_dataset\n");
				continue;
			}
			list_columns(&h->ds[order[k]], out);
		}
	} else {
		buf_addstr(out, "Datasets: ");
		for (size_t i = 0; i < h->n && i < NAMES_MAX; i++) {
			if (i) {
				buf_addstr(out, ", ");
			}
			render_md_cell(out, h->ds[i].name);
		}
		if (h->n > NAMES_MAX) {
			buf_addf(out, ", ... and %zu more", h->n - NAMES_MAX);
		}
		buf_addstr(out, " (list_datasets describes them)\n");
	}
	free(order);
}
