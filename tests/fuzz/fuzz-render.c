/*
 * fuzz-render: a libFuzzer target for the result renderers, also linked
 * into fuzz-replay for the normal test suite.
 *
 * Input: byte 0 picks the format and the number of columns (1-4); the rest
 * is split at NUL bytes into column names, then cells, row by row.  A
 * cell's first byte picks its type: null, a double, a big integer kept as
 * raw text, or a string of arbitrary bytes (newlines, pipes, quotes,
 * text that imitates JSON-RPC), cleaned to UTF-8 as render_value() does.  Whatever the cells hold,
 * the rendered table must keep its shape: valid UTF-8; markdown has one
 * line per row; CSV reads back as the same number of records and fields;
 * JSON parses as an array of one object per row with one member per column.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"
#include "mcp/render.h"
#include "utf8-oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 64

#define check(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz-render: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* a NUL-terminated copy of one segment */
static char *segment(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	check(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static cJSON *cell(const char *s)
{
	size_t n = strlen(s);

	switch (n ? (unsigned char)s[0] % 4 : 0) {
	case 0:
		return cJSON_CreateNull();
	case 1:
		return cJSON_CreateNumber(strtod(s + 1, NULL));
	case 2: {
		/* a raw integer, as render_value() makes past 2^53 */
		char digits[32];
		size_t k = 0;

		for (size_t i = 1; s[i] && k < 25; i++) {
			digits[k++] = (char)('0' + (unsigned char)s[i] % 10);
		}
		if (k == 0 || digits[0] == '0') {
			digits[0] = '9';
			k = k ? k : 1;
		}
		digits[k] = '\0';
		return cJSON_CreateRaw(digits);
	}
	default: {
		/* text cells come through render_value(), which cleans them */
		char *clean = render_utf8_clean(s + 1, n - 1);
		cJSON *item = cJSON_CreateString(clean);

		free(clean);
		return item;
	}
	}
}

/* records and fields of RFC 4180 text; -1 when a quote never closes */
static int csv_shape(const char *s, size_t n, int ncols)
{
	int records = 0, fields = 1;
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (quoted) {
			if (c == '"' && i + 1 < n && s[i + 1] == '"') {
				i++;
			} else if (c == '"') {
				quoted = false;
			}
		} else if (c == '"') {
			quoted = true;
		} else if (c == ',') {
			fields++;
		} else if (c == '\n') {
			check(fields == ncols);
			records++;
			fields = 1;
		}
	}
	return quoted ? -1 : records;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum query_format f;
	int ncols, nrows = 0, k = 0;
	cJSON *names, *rows;
	struct buf out;
	struct query_opts opts = QUERY_OPTS_INIT;
	const cJSON *row;
	size_t start = 1;
	bool full = false;

	if (size < 1) {
		return 0;
	}
	f = (enum query_format)(data[0] % 3);
	ncols = 1 + (data[0] / 3) % 4;
	names = cJSON_CreateArray();
	rows = cJSON_CreateArray();
	row = NULL;
	for (size_t i = 1; i <= size; i++) {
		char *s;

		if (i < size && data[i] != 0) {
			continue;
		}
		s = segment(data + start, i - start);
		start = i + 1;
		if (k < ncols) {
			char *clean = render_utf8_clean(s, strlen(s));

			cJSON_AddItemToArray(names, cJSON_CreateString(clean));
			free(clean);
		} else if (nrows < MAX_ROWS) {
			if ((k - ncols) % ncols == 0) {
				row = cJSON_CreateArray();
				cJSON_AddItemToArray(rows, (cJSON *)row);
				nrows++;
			}
			cJSON_AddItemToArray((cJSON *)row, cell(s));
		}
		free(s);
		k++;
	}
	while (cJSON_GetArraySize(names) < ncols) {
		cJSON_AddItemToArray(names, cJSON_CreateString("c"));
	}
	/* the last row may be short: fill it */
	if (row) {
		while (cJSON_GetArraySize(row) < ncols) {
			cJSON_AddItemToArray((cJSON *)row, cJSON_CreateNull());
		}
	}

	buf_init(&out, 1u << 20);
	/* display rounding and cell cuts on, as the model sees them */
	opts.se_pairs = nrows % 2 == 1;
	full |= render_header(&out, f, names) < 0;
	for (int i = 0; i < nrows && !full; i++) {
		full |= render_row(&out, f, names, cJSON_GetArrayItem(rows, i),
				   i, &opts) < 0;
	}
	full |= render_footer(&out, f, nrows) < 0;
	if (!full) {
		const char *s = buf_str(&out);
		size_t n = out.len;

		check(utf8_valid((const unsigned char *)s, n));
		check(n > 0 && s[n - 1] == '\n');
		if (f == QUERY_FORMAT_MARKDOWN) {
			int lines = 0;

			for (size_t i = 0; i < n; i++) {
				lines += s[i] == '\n';
				/* every line is a table row, or the note */
				if (i == 0 || s[i - 1] == '\n') {
					check(s[i] == '|' || s[i] == '(');
				}
			}
			check(lines == 2 + (nrows ? nrows : 1));
		} else if (f == QUERY_FORMAT_CSV) {
			check(csv_shape(s, n, ncols) == 1 + nrows);
		} else {
			cJSON *doc = cJSON_ParseWithLength(s, n);

			check(doc && cJSON_IsArray(doc));
			check(cJSON_GetArraySize(doc) == nrows);
			for (int i = 0; i < nrows; i++) {
				check(cJSON_GetArraySize(cJSON_GetArrayItem(
					      doc, i)) == ncols);
			}
			cJSON_Delete(doc);
		}
	}
	buf_release(&out);
	cJSON_Delete(names);
	cJSON_Delete(rows);
	return 0;
}
