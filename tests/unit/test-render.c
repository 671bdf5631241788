/*
 * Unit tests of common/render.c as the model reads it: reals at the
 * configured digits, an estimate beside its SE and confidence limits at
 * one precision, long text cut in markdown only.
 */
#include <stdio.h>
#include <string.h>

#include "mcp/render.h"
#include "tap.h"

static cJSON *strings(const char *const *s, int n)
{
	return cJSON_CreateStringArray(s, n);
}

static char *row_text(enum query_format f, const cJSON *names,
		      const cJSON *row, const struct query_opts *o)
{
	struct buf b = BUF_INIT;

	render_row(&b, f, names, row, 0, o);
	return buf_detach(&b, NULL);
}

int main(void)
{
	static const char *const est_names[] = { "g", "estimate", "se",
						 "ci_low", "ci_high", "n" };
	static const char *const plain_names[] = { "x", "t" };
	cJSON *names = strings(est_names, 6);
	cJSON *pnames = strings(plain_names, 2);
	cJSON *row = cJSON_CreateArray();
	cJSON *prow = cJSON_CreateArray();
	struct query_opts o = QUERY_OPTS_INIT;
	char long_text[301];
	char *t;

	cJSON_AddItemToArray(row, cJSON_CreateString("a"));
	cJSON_AddItemToArray(row, cJSON_CreateRaw("12.345678"));
	cJSON_AddItemToArray(row, cJSON_CreateRaw("0.012345"));
	cJSON_AddItemToArray(row, cJSON_CreateRaw("12.3214918"));
	cJSON_AddItemToArray(row, cJSON_CreateRaw("12.3698642"));
	cJSON_AddItemToArray(row, cJSON_CreateRaw("40"));

	t = row_text(QUERY_FORMAT_MARKDOWN, names, row, &o);
	is_str(t, "| a | 12.34568 | 0.012345 | 12.32149 | 12.36986 | 40 |\n",
	       "without se_pairs every real has 7 significant digits");
	free(t);
	o.se_pairs = true;
	t = row_text(QUERY_FORMAT_MARKDOWN, names, row, &o);
	is_str(t, "| a | 12.346 | 0.012 | 12.321 | 12.370 | 40 |\n",
	       "the SE at 2 digits, the estimate and limits to its place");
	free(t);
	t = row_text(QUERY_FORMAT_CSV, names, row, &o);
	is_str(t, "a,12.346,0.012,12.321,12.370,40\n", "CSV the same");
	free(t);
	t = row_text(QUERY_FORMAT_JSON, names, row, &o);
	ok(strstr(t, "\"estimate\":12.345678") &&
		   strstr(t, "\"se\":0.012345"), "JSON keeps every digit: %s",
	   t);
	free(t);

	memset(long_text, 'a', 300);
	long_text[300] = '\0';
	cJSON_AddItemToArray(prow, cJSON_CreateNumber(2.0 / 3));
	cJSON_AddItemToArray(prow, cJSON_CreateString(long_text));
	o = (struct query_opts)QUERY_OPTS_INIT;
	o.digits = 4;
	t = row_text(QUERY_FORMAT_MARKDOWN, pnames, prow, &o);
	ok(strncmp(t, "| 0.6667 | aaa", 14) == 0 &&
		   strstr(t, "a… (300 chars) |\n") &&
		   strlen(t) == strlen("| 0.6667 |  |\n") + 200 +
					strlen("… (300 chars)"),
	   "digits 4, and text cut at 200 characters with its length");
	free(t);
	t = row_text(QUERY_FORMAT_CSV, pnames, prow, &o);
	ok(strlen(t) == strlen("0.6667,\n") + 300, "CSV text is never cut");
	free(t);

	cJSON_Delete(names);
	cJSON_Delete(pnames);
	cJSON_Delete(row);
	cJSON_Delete(prow);
	return tap_done();
}
