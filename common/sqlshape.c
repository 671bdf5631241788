#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/sqlshape.h"
#include "mcp/banned.h"

/* shapes longer than this are cut: they only label a group */
#define SHAPE_MAX 4096

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' ||
	       (unsigned char)c >= 0x80;
}

/* skip a quoted run starting at s (on the opening quote) */
static const char *skip_quoted(const char *s, char close)
{
	for (s++; *s; s++) {
		if (*s == close) {
			if (s[1] == close && close != ']') {
				s++;
				continue;
			}
			return s + 1;
		}
	}
	return s;
}

static void add_space(struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] != ' ') {
		buf_addch(b, ' ');
	}
}

static void add_literal(struct buf *b)
{
	size_t n = b->len;

	/* "?, ?" is one ?: IN lists of any length are one shape */
	while (n >= 2 && b->data[n - 1] == ' ') {
		n--;
	}
	if (n >= 3 && b->data[n - 1] == ',' && b->data[n - 2] == '?') {
		b->len = n - 1;
		b->data[b->len] = '\0';
		return;
	}
	if (n >= 4 && b->data[n - 1] == ',' && b->data[n - 2] == ' ' &&
	    b->data[n - 3] == '?') {
		b->len = n - 2;
		b->data[b->len] = '\0';
		return;
	}
	buf_addch(b, '?');
}

char *sql_shape(const char *sql)
{
	struct buf b = BUF_INIT;
	const char *s = sql;

	buf_init(&b, SHAPE_MAX);
	while (*s && b.len < SHAPE_MAX - 8) {
		const char *start = s;

		if (isspace((unsigned char)*s)) {
			add_space(&b);
			while (isspace((unsigned char)*s)) {
				s++;
			}
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s && *s != '\n') {
				s++;
			}
			add_space(&b);
		} else if (s[0] == '/' && s[1] == '*') {
			const char *end = strstr(s + 2, "*/");

			s = end ? end + 2 : s + strlen(s);
			add_space(&b);
		} else if (*s == '\'') {
			s = skip_quoted(s, '\'');
			add_literal(&b);
		} else if ((*s == 'x' || *s == 'X') && s[1] == '\'') {
			s = skip_quoted(s + 1, '\'');
			add_literal(&b);
		} else if (*s == '"' || *s == '`' || *s == '[') {
			s = skip_quoted(s, *s == '[' ? ']' : *s);
			buf_add(&b, start, (size_t)(s - start));
		} else if (isdigit((unsigned char)*s) ||
			   (*s == '.' && isdigit((unsigned char)s[1]))) {
			while (word_char(*s) || *s == '.' ||
			       ((*s == '+' || *s == '-') &&
				(s[-1] == 'e' || s[-1] == 'E'))) {
				s++;
			}
			add_literal(&b);
		} else if (word_char(*s)) {
			while (word_char(*s)) {
				buf_addch(&b, (char)tolower((unsigned char)*s));
				s++;
			}
		} else if (*s == ';') {
			s++;
		} else {
			buf_addch(&b, *s);
			s++;
		}
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ') {
		b.data[--b.len] = '\0';
	}
	return buf_detach(&b, NULL);
}

static void shape_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *sql = (const char *)sqlite3_value_text(argv[0]);
	char *shape;

	(void)argc;
	if (!sql) {
		sqlite3_result_null(ctx);
		return;
	}
	shape = sql_shape(sql);
	sqlite3_result_text(ctx, shape, -1, free);
}

int sql_shape_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "sql_shape", 1,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				       NULL, shape_fn, NULL, NULL);
}
