/*
 * Unit tests of the one-pass row renderer (render_cell_read, render_cells,
 * render_cells_json) against the slower paths it replaced: a row read
 * into cells from a statement renders byte for byte as the same row read
 * into a cJSON tree (render_value, render_row), and the escapers, which
 * copy runs of plain bytes (eight at a time for JSON), agree with plain
 * byte-at-a-time oracles written here on random text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "mcp/render.h"
#include "tap.h"

/* ---- byte-at-a-time oracles -------------------------------------- */

static void oracle_md(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *rep = NULL;
		char hex[8];

		switch (*p) {
		case '\\': rep = "\\\\"; break;
		case '|': rep = "\\|"; break;
		case '`': rep = "\\`"; break;
		case '[': rep = "\\["; break;
		case ']': rep = "\\]"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(hex, sizeof(hex), "\\x%02X", *p);
				rep = hex;
			} else if (p[0] == 0xe2 && p[1] == 0x80 &&
				   (p[2] == 0xa8 || p[2] == 0xa9)) {
				rep = p[2] == 0xa8 ? "\\u2028" : "\\u2029";
				p += 2;
			} else if (p[0] == 0xc2 && p[1] == 0x85) {
				rep = "\\u0085";
				p += 1;
			}
			break;
		}
		if (rep) {
			buf_addstr(b, rep);
		} else {
			buf_addch(b, (char)*p);
		}
	}
}

static void oracle_json(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"') {
			buf_addstr(b, "\\\"");
		} else if (*p == '\\') {
			buf_addstr(b, "\\\\");
		} else if (*p == '\n') {
			buf_addstr(b, "\\n");
		} else if (*p == '\r') {
			buf_addstr(b, "\\r");
		} else if (*p == '\t') {
			buf_addstr(b, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_addf(b, "\\u%04x", *p);
		} else if (p[0] == 0xe2 && p[1] == 0x80 &&
			   (p[2] == 0xa8 || p[2] == 0xa9)) {
			buf_addstr(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
			p += 2;
		} else {
			buf_addch(b, (char)*p);
		}
	}
	buf_addch(b, '"');
}

static void oracle_csv(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (!strpbrk(s, ",\"\r\n") && !(n && (s[0] == ' ' ||
					      s[n - 1] == ' '))) {
		buf_addstr(b, s);
		return;
	}
	buf_addch(b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"') {
			buf_addch(b, '"');
		}
		buf_addch(b, *p);
	}
	buf_addch(b, '"');
}

/* ---- random text with every byte the escapers look at ------------- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned next(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void random_text(char *s, size_t max)
{
	static const char *const pieces[] = {
		"a", "plain text ", "0123456789", "\"", "\\", "|", "`", "[",
		"]", "<", ">", "&", "\n", "\r", "\t", "\x01", "\x1f", "\x7f",
		" ", ",", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x82\xac",
		"\xc2\x85", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xe2\x80",
	};
	size_t len = 0, want = next((unsigned)max);

	s[0] = '\0';
	while (len < want) {
		const char *p = pieces[next(sizeof(pieces) / sizeof(*pieces))];
		size_t n = strlen(p);

		if (len + n >= max) {
			break;
		}
		memcpy(s + len, p, n + 1);
		len += n;
	}
}

static void escapers_match_oracles(void)
{
	int bad_md = 0, bad_json = 0, bad_csv = 0;
	char s[80];

	for (int i = 0; i < 200000; i++) {
		struct buf a = BUF_INIT, b = BUF_INIT;

		random_text(s, sizeof(s));
		render_md_cell(&a, s);
		oracle_md(&b, s);
		bad_md += strcmp(buf_str(&a), buf_str(&b)) != 0;
		buf_reset(&a);
		buf_reset(&b);
		render_json_string_n(&a, s, strlen(s));
		oracle_json(&b, s);
		bad_json += strcmp(buf_str(&a), buf_str(&b)) != 0;
		buf_reset(&a);
		buf_reset(&b);
		render_csv_field(&a, s);
		oracle_csv(&b, s);
		bad_csv += strcmp(buf_str(&a), buf_str(&b)) != 0;
		buf_release(&a);
		buf_release(&b);
	}
	ok(bad_md == 0, "markdown escaping equals the oracle on 200,000 "
	   "random texts (%d differ)", bad_md);
	ok(bad_json == 0, "JSON escaping equals the oracle (%d differ)",
	   bad_json);
	ok(bad_csv == 0, "CSV quoting equals the oracle (%d differ)",
	   bad_csv);
}

/* ---- statement cells against the cJSON tree ----------------------- */

static const char row_sql[] =
	"SELECT 1, -42, 9007199254740993, -9223372036854775808, 1.5, "
	"0.1 + 0.2, -0.0, 3.0, 1e300, 2e-7, 123456789.4, NULL, '', "
	"'plain', 'a|b`[c]<d>&', char(10, 9, 13, 1, 127), "
	"'line' || char(8232) || 'sep', CAST(x'41ff42' AS TEXT), "
	"CAST(x'410042' AS TEXT), x'00ff10', randomblob(40), "
	"' lead', 'q\"q', 'a,b', replace(hex(zeroblob(150)), '0', 'é') "
	"AS estimate, 0.0123 AS se, 4.56789 AS ci_low";

static void cells_match_tree(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n;

	ok(sqlite3_prepare_v2(db, row_sql, -1, &st, NULL) == SQLITE_OK &&
		   sqlite3_step(st) == SQLITE_ROW,
	   "the row of awkward values is read");
	n = sqlite3_column_count(st);
	{
		struct render_cell *cells = calloc((size_t)n, sizeof(*cells));
		const char **names = calloc((size_t)n, sizeof(*names));
		cJSON *tree = cJSON_CreateArray(), *jnames = cJSON_CreateArray();
		struct query_opts o = QUERY_OPTS_INIT;
		struct buf a = BUF_INIT, b = BUF_INIT;
		cJSON *parsed;
		char *printed;
		bool same = true;

		for (int i = 0; i < n; i++) {
			render_cell_read(&cells[i], st, i);
			cJSON_AddItemToArray(tree, render_value(st, i));
			names[i] = sqlite3_column_name(st, i);
			cJSON_AddItemToArray(jnames,
					     cJSON_CreateString(names[i]));
		}
		for (int pass = 0; pass < 2; pass++) {
			o.se_pairs = pass == 1;
			o.cell_chars = pass == 1 ? 100 : 200;
			for (int f = QUERY_FORMAT_MARKDOWN;
			     f <= QUERY_FORMAT_JSON; f++) {
				buf_reset(&a);
				buf_reset(&b);
				render_cells(&a, f, names, cells, n, 1, &o);
				render_row(&b, f, jnames, tree, 1, &o);
				if (strcmp(buf_str(&a), buf_str(&b)) != 0) {
					diag("format %d: %s\nvs %s", f,
					     buf_str(&a), buf_str(&b));
					same = false;
				}
			}
		}
		ok(same, "markdown, CSV and JSON rows from cells equal those "
		   "from the tree, with and without se_pairs");
		buf_reset(&a);
		render_cells(&a, QUERY_FORMAT_MARKDOWN, names, cells, n, 0,
			     &o);
		ok(strstr(buf_str(&a), "| 9007199254740993 | "
				       "-9223372036854775808 | 1.5 |") != NULL,
		   "integers past 2^53 keep every digit in the text");

		buf_reset(&a);
		render_cells_json(&a, cells, n);
		parsed = cJSON_Parse(buf_str(&a));
		printed = cJSON_PrintUnformatted(tree);
		{
			cJSON *want = cJSON_Parse(printed);

			ok(parsed && want && cJSON_Compare(parsed, want, true),
			   "the JSON row parses to the tree's values");
			cJSON_Delete(want);
		}
		ok(strstr(buf_str(&a), "9007199254740993,-9223372036854775808,"
					"1.5,0.30000000000000004,0,3,1e+300") &&
			   strstr(printed, "9007199254740993"),
		   "JSON numbers are exact and shortest: %.80s", a.data);
		ok(strstr(buf_str(&a), "\"A\xef\xbf\xbd" "B\"") &&
			   strstr(buf_str(&a), "\"A\xef\xbf\xbd" "B\",\"x'00FF10'\""),
		   "invalid UTF-8 and NUL read as U+FFFD, blobs as hex");
		ok(strstr(buf_str(&a), "line\\u2028sep") != NULL,
		   "U+2028 is escaped in JSON");
		free(printed);
		cJSON_Delete(parsed);
		for (int i = 0; i < n; i++) {
			render_cell_clear(&cells[i]);
		}
		buf_release(&a);
		buf_release(&b);
		cJSON_Delete(tree);
		cJSON_Delete(jnames);
		free(names);
		free(cells);
	}
	sqlite3_finalize(st);
}

static void inline_buf_keeps_its_ceiling(void)
{
	struct buf b;
	int r1, r2, r3;

	buf_init(&b, 10);
	r1 = buf_add(&b, "0123456789", 10);
	r2 = buf_addch(&b, 'x');
	r3 = buf_add(&b, "", 0);
	ok(r1 == 0 && r2 < 0 && r3 == 0 && b.len == 10 &&
		   strcmp(buf_str(&b), "0123456789") == 0,
	   "an append past the ceiling fails and leaves the buffer as it was");
	buf_release(&b);
}

int main(void)
{
	sqlite3 *db = NULL;

	escapers_match_oracles();
	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "in-memory database");
	cells_match_tree(db);
	sqlite3_close(db);
	inline_buf_keeps_its_ceiling();
	return tap_done();
}
