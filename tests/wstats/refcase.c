#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/csv.h"
#include "mcp/xalloc.h"
#include "refcase.h"

/* the columns of expected.csv, in the order reference.R writes them */
enum {
	F_CASE, F_STAT, F_MEASURE, F_BY, F_WHERE, F_UNWEIGHTED, F_GROUP,
	F_CATEGORY, F_Q, F_ESTIMATE, F_N, F_WEIGHT_SUM, F_COUNT
};

static void split_by(struct refcase *c, const char *by)
{
	const char *p = by;

	while (*p && c->nby < sizeof(c->by) / sizeof(*c->by)) {
		size_t len = strcspn(p, ";");

		c->by[c->nby++] = xstrndup(p, len);
		p += len;
		if (*p == ';') {
			p++;
		}
	}
}

static struct refcase *case_for(struct refcase **cases, size_t *n,
				size_t *alloc, const struct csv_record *rec)
{
	const struct csv_field *f = rec->fields;
	struct refcase *c;

	if (*n && strcmp((*cases)[*n - 1].id, f[F_CASE].data) == 0) {
		return &(*cases)[*n - 1];
	}
	if (*n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 32;
		*cases = xrealloc(*cases, *alloc * sizeof(**cases));
	}
	c = &(*cases)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->id = xstrdup(f[F_CASE].data);
	c->stat = xstrdup(f[F_STAT].data);
	c->measure = xstrdup(f[F_MEASURE].data);
	split_by(c, f[F_BY].data);
	c->where = xstrdup(f[F_WHERE].data);
	c->unweighted = strcmp(f[F_UNWEIGHTED].data, "true") == 0;
	return c;
}

int refcase_load(const char *path, struct refcase **ret, size_t *ret_n)
{
	struct csv_reader *rd = NULL;
	struct csv_record rec;
	struct refcase *cases = NULL;
	size_t n = 0, alloc = 0, line = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	if (csv_reader_create(fd, path, NULL, &rd) < 0) {
		close(fd);
		return -1;
	}
	while ((r = csv_read(rd, &rec)) == 1) {
		const struct csv_field *f = rec.fields;
		struct refcase *c;
		struct refrow *row;
		double q;

		if (line++ == 0) {
			continue;
		}
		if (rec.nfields != F_COUNT) {
			fprintf(stderr, "%s:%llu: %zu fields, not %d\n", path,
				(unsigned long long)rec.line, rec.nfields,
				F_COUNT);
			r = -EINVAL;
			break;
		}
		c = case_for(&cases, &n, &alloc, &rec);
		c->rows = xrealloc(c->rows, (c->nrows + 1) * sizeof(*c->rows));
		row = &c->rows[c->nrows++];
		row->group = xstrdup(f[F_GROUP].data);
		row->category = xstrdup(f[F_CATEGORY].data);
		row->q = f[F_Q].len ? strtod(f[F_Q].data, NULL) : -1;
		row->estimate = strtod(f[F_ESTIMATE].data, NULL);
		row->n = strtoll(f[F_N].data, NULL, 10);
		row->weight_sum = strtod(f[F_WEIGHT_SUM].data, NULL);
		q = row->q;
		if (q >= 0) {
			size_t i;

			for (i = 0; i < c->nq && c->q[i] != q; i++) {
			}
			if (i == c->nq && c->nq < sizeof(c->q) / sizeof(*c->q)) {
				c->q[c->nq++] = q;
			}
		}
	}
	if (r < 0 && csv_reader_error(rd)) {
		fprintf(stderr, "%s\n", csv_reader_error(rd));
	}
	csv_reader_destroy(rd);
	close(fd);
	if (r < 0) {
		refcase_free(cases, n);
		return -1;
	}
	*ret = cases;
	*ret_n = n;
	return 0;
}

void refcase_free(struct refcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct refcase *c = &cases[i];

		free(c->id);
		free(c->stat);
		free(c->measure);
		for (size_t j = 0; j < c->nby; j++) {
			free(c->by[j]);
		}
		free(c->where);
		for (size_t j = 0; j < c->nrows; j++) {
			free(c->rows[j].group);
			free(c->rows[j].category);
		}
		free(c->rows);
	}
	free(cases);
}

static bool close_enough(double got, double want)
{
	return fabs(got - want) <= 1e-12 * fmax(1, fabs(want));
}

/* a cell as text: strings as they are, numbers as %.17g, null as "NA" */
static void cell_text(const cJSON *cell, struct buf *out)
{
	if (cJSON_IsString(cell)) {
		buf_addstr(out, cell->valuestring);
	} else if (cJSON_IsNumber(cell)) {
		buf_addf(out, "%.17g", cell->valuedouble);
	} else if (cJSON_IsRaw(cell)) {
		buf_addf(out, "%.17g", strtod(cell->valuestring, NULL));
	} else {
		buf_addstr(out, "NA");
	}
}

static double cell_num(const cJSON *cell)
{
	if (cJSON_IsNumber(cell)) {
		return cell->valuedouble;
	}
	if (cJSON_IsRaw(cell) || cJSON_IsString(cell)) {
		return strtod(cell->valuestring, NULL);
	}
	return NAN;
}

bool refcase_check(const struct refcase *c, const cJSON *table,
		   struct buf *why)
{
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(table, "rows");
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(table, "columns");
	bool has_middle = strcmp(c->stat, "percent") == 0 ||
			  strcmp(c->stat, "quantile") == 0;
	bool *seen = xcalloc(c->nrows + 1, sizeof(*seen));
	struct buf group = BUF_INIT;
	const cJSON *row;
	bool pass = true;
	int ncols = cJSON_GetArraySize(cols);

	if (!cJSON_IsArray(rows) ||
	    ncols != (int)c->nby + (has_middle ? 1 : 0) + 3) {
		buf_addf(why, "not a table of %zu columns\n",
			 c->nby + (has_middle ? 1 : 0) + 3);
		free(seen);
		return false;
	}
	cJSON_ArrayForEach(row, rows) {
		const cJSON *mid = cJSON_GetArrayItem(row, (int)c->nby);
		double est = cell_num(cJSON_GetArrayItem(row, ncols - 3));
		double n = cell_num(cJSON_GetArrayItem(row, ncols - 2));
		double ws = cell_num(cJSON_GetArrayItem(row, ncols - 1));
		const struct refrow *want = NULL;
		size_t k;

		buf_reset(&group);
		for (size_t i = 0; i < c->nby; i++) {
			if (i) {
				buf_addch(&group, '|');
			}
			cell_text(cJSON_GetArrayItem(row, (int)i), &group);
		}
		for (k = 0; k < c->nrows; k++) {
			const struct refrow *e = &c->rows[k];

			if (strcmp(e->group, buf_str(&group)) != 0) {
				continue;
			}
			if (strcmp(c->stat, "percent") == 0 &&
			    !(cJSON_IsString(mid) &&
			      strcmp(e->category, mid->valuestring) == 0)) {
				continue;
			}
			if (strcmp(c->stat, "quantile") == 0 &&
			    fabs(cell_num(mid) - e->q) > 1e-12) {
				continue;
			}
			want = e;
			break;
		}
		if (!want) {
			buf_addf(why, "unexpected row for group '%s'\n",
				 buf_str(&group));
			pass = false;
			continue;
		}
		if (seen[k]) {
			buf_addf(why, "group '%s' appears twice\n",
				 buf_str(&group));
			pass = false;
		}
		seen[k] = true;
		if (!close_enough(est, want->estimate) ||
		    n != (double)want->n ||
		    !close_enough(ws, want->weight_sum)) {
			buf_addf(why, "group '%s' %s%s: estimate %.17g n %.0f "
				 "weight_sum %.17g; R: %.17g n %lld "
				 "weight_sum %.17g\n", buf_str(&group),
				 want->category, want->q >= 0 ? " q" : "",
				 est, n, ws, want->estimate, want->n,
				 want->weight_sum);
			pass = false;
		}
	}
	for (size_t k = 0; k < c->nrows; k++) {
		if (!seen[k]) {
			buf_addf(why, "missing: group '%s' %s\n",
				 c->rows[k].group, c->rows[k].category);
			pass = false;
		}
	}
	buf_release(&group);
	free(seen);
	return pass;
}
