/*
 * describe_budget: one line per column, within a token budget (see
 * describe_budget.h).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/colstats.h"
#include "mcp/numfmt.h"
#include "mcp/query.h"
#include "mcp/render.h"
#include "mcp/utf8cut.h"
#include "mcp/xalloc.h"
#include "describe_budget.h"
#include "mcp/banned.h"

/* a text value shown in a description is cut after this many characters */
#define TEXT_SHOWN 40
/* frequent values shown at most, and samples */
#define TOP_SHOWN 8
#define SAMPLES_SHOWN 3
/* what the closing pointer needs at most, besides the names it lists */
#define POINTER_BYTES 300

void describe_opts_load(struct db *db, struct describe_opts *ret)
{
	struct query_opts q;

	memset(ret, 0, sizeof(*ret));
	query_opts_load(db, &q);
	ret->digits = q.digits;
	ret->budget_tokens = db_config_get_int(db, "describe_budget",
					       DESCRIBE_DEFAULT_BUDGET);
	if (ret->budget_tokens < 200) {
		/* below this not even the header fits */
		ret->budget_tokens = 200;
	}
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* a value of the profile: a number (raw or not), text, or NULL */
static void add_value(struct buf *b, const cJSON *v, int digits)
{
	if (cJSON_IsRaw(v)) {
		if (strpbrk(v->valuestring, ".eE")) {
			numfmt_add(b, strtod(v->valuestring, NULL), digits);
		} else {
			buf_addstr(b, v->valuestring);
		}
	} else if (cJSON_IsNumber(v)) {
		numfmt_add(b, v->valuedouble, digits);
	} else if (cJSON_IsString(v)) {
		size_t chars = 0, cut = 0;
		const char *s = v->valuestring;

		for (const unsigned char *p = (const unsigned char *)s; *p;
		     p++) {
			if ((*p & 0xc0) != 0x80 && chars++ == TEXT_SHOWN) {
				cut = (size_t)((const char *)p - s);
			}
		}
		buf_addch(b, '"');
		if (cut) {
			char *head = xstrndup(s, cut);

			render_md_cell(b, head);
			free(head);
			buf_addstr(b, "…");
		} else {
			render_md_cell(b, s);
		}
		buf_addch(b, '"');
	} else {
		buf_addstr(b, "NULL");
	}
}

static double number_of(const cJSON *v)
{
	if (cJSON_IsRaw(v)) {
		return strtod(v->valuestring, NULL);
	}
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* "1234", or "≈2934570" past the exact count of the profile */
static void add_distinct(struct buf *b, const cJSON *c, int64_t rows)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "distinct_count");
	double n = number_of(d), nulls;

	if (isnan(n)) {
		buf_addstr(b, "?");
		return;
	}
	/* past COLSTATS_EXACT_MAX values the profile counts with a sketch */
	if (n > COLSTATS_EXACT_MAX) {
		buf_addstr(b, "≈");
		numfmt_add(b, n, 2);
		nulls = number_of(cJSON_GetObjectItemCaseSensitive(
			c, "null_count"));
		if (rows > 0 && !isnan(nulls) &&
		    n >= 0.97 * ((double)rows - nulls)) {
			buf_addstr(b, " (≈ all unique)");
		}
		return;
	}
	numfmt_add(b, n, 0);
}

static bool is_text(const cJSON *c)
{
	const char *t = str_of(c, "type");

	return !t || strcasecmp(t, "TEXT") == 0;
}

/* frequent values, only when some value repeats */
static bool add_top(struct buf *b, const cJSON *c, int digits)
{
	const cJSON *top = cJSON_GetObjectItemCaseSensitive(c, "top_values");
	double distinct = number_of(cJSON_GetObjectItemCaseSensitive(
		c, "distinct_count"));
	/* a handful of values: all of them say something */
	bool few = distinct <= TOP_SHOWN;
	const cJSON *pair;
	int k = 0;

	if (!cJSON_IsArray(top) || cJSON_GetArraySize(top) == 0 ||
	    number_of(cJSON_GetArrayItem(cJSON_GetArrayItem(top, 0), 1)) < 2) {
		return false;
	}
	cJSON_ArrayForEach(pair, top) {
		const cJSON *n = cJSON_GetArrayItem(pair, 1);

		if (k == TOP_SHOWN || (!few && number_of(n) < 2)) {
			buf_addstr(b, ", …");
			break;
		}
		buf_addstr(b, k++ ? ", " : "");
		add_value(b, cJSON_GetArrayItem(pair, 0), digits);
		if (!isnan(number_of(n))) {
			buf_addf(b, " (%.0f)", number_of(n));
		}
	}
	return true;
}

/* what the sample values of a TEXT column look like, when it is clear */
static const char *text_kind(const cJSON *samples)
{
	const cJSON *s;
	int dates = 0, numbers = 0, n = 0;

	cJSON_ArrayForEach(s, samples) {
		const char *v = cJSON_IsString(s) ? s->valuestring : NULL;
		char *end;

		if (!v || !*v) {
			continue;
		}
		n++;
		if (strlen(v) >= 10 && v[4] == '-' && v[7] == '-') {
			dates++;
		}
		strtod(v, &end);
		if (end != v && *end == '\0') {
			numbers++;
		}
	}
	if (n == 0) {
		return NULL;
	}
	if (dates == n) {
		return "dates as text, YYYY-MM-DD";
	}
	if (numbers == n) {
		return "looks numeric but is TEXT";
	}
	return NULL;
}

/* "quartiles 25 / 38 / 52", marked ≈ when they come from a sample */
static void add_quartiles(struct buf *b, const cJSON *c, int digits)
{
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(c, "quantiles");
	static const char *const names[] = { "p25", "p50", "p75" };

	const cJSON *distinct = cJSON_GetObjectItemCaseSensitive(
		c, "distinct_count");

	/* a yes/no column's quartiles say less than its mean already does */
	if (!cJSON_IsObject(q) ||
	    (cJSON_IsNumber(distinct) && distinct->valuedouble <= 2)) {
		return;
	}
	buf_addstr(b, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			      q, "estimated")) ? ", quartiles ≈" : ", quartiles ");
	for (int i = 0; i < 3; i++) {
		buf_addstr(b, i ? " / " : "");
		add_value(b, cJSON_GetObjectItemCaseSensitive(q, names[i]),
			  digits);
	}
}

static void add_values(struct buf *b, const cJSON *c, int digits)
{
	const cJSON *min = cJSON_GetObjectItemCaseSensitive(c, "min");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(c, "max");
	const cJSON *mean = cJSON_GetObjectItemCaseSensitive(c, "mean");
	const cJSON *samples = cJSON_GetObjectItemCaseSensitive(
		c, "sample_values");
	const char *kind;

	if (!is_text(c)) {
		if (min && !cJSON_IsNull(min)) {
			add_value(b, min, digits);
			buf_addstr(b, " … ");
			add_value(b, max, digits);
		}
		if (mean && !cJSON_IsNull(mean)) {
			buf_addstr(b, ", mean ");
			add_value(b, mean, digits);
		}
		add_quartiles(b, c, digits);
		return;
	}
	if (add_top(b, c, digits)) {
		return;
	}
	if (min && !cJSON_IsNull(min)) {
		add_value(b, min, digits);
		buf_addstr(b, " … ");
		add_value(b, max, digits);
	}
	if (cJSON_IsArray(samples) && cJSON_GetArraySize(samples) > 0) {
		const cJSON *s;
		int k = 0;

		buf_addstr(b, min && !cJSON_IsNull(min) ? "; e.g. " : "e.g. ");
		cJSON_ArrayForEach(s, samples) {
			if (k == SAMPLES_SHOWN) {
				break;
			}
			buf_addstr(b, k++ ? ", " : "");
			add_value(b, s, digits);
		}
	}
	if ((kind = text_kind(samples))) {
		buf_addf(b, " (%s)", kind);
	}
}

static void add_line(struct buf *b, const cJSON *c, int64_t rows,
		     int digits)
{
	const char *desc = str_of(c, "description");

	buf_addstr(b, "| ");
	render_md_code(b, str_of(c, "name") ? str_of(c, "name") : "");
	buf_addstr(b, " | ");
	render_md_cell(b, str_of(c, "type") ? str_of(c, "type") : "");
	buf_addstr(b, " | ");
	add_value(b, cJSON_GetObjectItemCaseSensitive(c, "null_count"), 0);
	buf_addstr(b, " | ");
	add_distinct(b, c, rows);
	buf_addstr(b, " | ");
	add_values(b, c, digits);
	buf_addstr(b, " | ");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "is_weight"))) {
		buf_addstr(b, "(weight) ");
	}
	if (desc) {
		size_t keep = utf8_cut_len(desc, 200);
		char *d = xstrndup(desc, keep);

		render_md_cell(b, d);
		free(d);
		if (desc[keep]) {
			buf_addstr(b, "…");
		}
	}
	if (str_of(c, "unit")) {
		buf_addstr(b, " (unit: ");
		render_md_cell(b, str_of(c, "unit"));
		buf_addch(b, ')');
	}
	buf_addstr(b, " |\n");
}

static bool wanted(const cJSON *only, const char *name)
{
	const cJSON *n;

	if (!only) {
		return true;
	}
	cJSON_ArrayForEach(n, only) {
		if (cJSON_IsString(n) && name &&
		    strcasecmp(n->valuestring, name) == 0) {
			return true;
		}
	}
	return false;
}

void describe_columns(struct buf *b, const cJSON *cols,
		      const struct describe_opts *o, size_t tail)
{
	size_t budget = (size_t)o->budget_tokens * DESCRIBE_BYTES_PER_TOKEN;
	int64_t rows = o->rows;
	int total = cJSON_GetArraySize(cols), shown = 0, k = 0;
	const cJSON *c, *rest = NULL;
	struct buf line = BUF_INIT;

	buf_addf(b, "\n## Columns\n\n| column | type | nulls | distinct | "
		 "values | description |\n|---|---|---|---|---|---|\n");
	cJSON_ArrayForEach(c, cols) {
		if (!wanted(o->only, str_of(c, "name"))) {
			continue;
		}
		buf_reset(&line);
		add_line(&line, c, rows, o->digits);
		/* with `only` the columns asked for are shown whatever it takes */
		if (!o->only &&
		    b->len + line.len + tail + POINTER_BYTES > budget) {
			rest = c;
			break;
		}
		buf_add(b, line.data, line.len);
		shown++;
	}
	buf_release(&line);
	if (o->only) {
		if (shown < cJSON_GetArraySize(o->only)) {
			buf_addstr(b, "\n(some names asked for are not columns "
				      "of this dataset)\n");
		}
		return;
	}
	if (!rest) {
		return;
	}
	/* the others by name, as many as the budget still holds */
	buf_addf(b, "\n%d more columns, by name: ", total - shown);
	for (c = rest; c; c = c->next, k++) {
		const char *n = str_of(c, "name");

		if (b->len + tail + 200 > budget) {
			buf_addf(b, " … and %d more", total - shown - k);
			break;
		}
		buf_addstr(b, k ? ", " : "");
		render_md_code(b, n ? n : "");
	}
	buf_addstr(b, "\nCall describe_dataset with columns: [names] to see "
		      "some of them in full");
	if (o->dataset) {
		/* dataset names are checked identifiers: safe as they are */
		buf_addf(b, ", or read mcpd://datasets/%s/schema for all",
			 o->dataset);
	}
	buf_addstr(b, ".\n");
}
