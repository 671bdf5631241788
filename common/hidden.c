#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/buf.h"
#include "mcp/hidden.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

void name_set_add(struct name_set *s, const char *name)
{
	s->names = xrealloc(s->names, (s->n + 1) * sizeof(*s->names));
	s->names[s->n++] = xstrdup(name);
}

static int cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

void name_set_seal(struct name_set *s)
{
	if (s->n > 1) {
		qsort(s->names, s->n, sizeof(*s->names), cmp);
	}
}

int name_set_has(const struct name_set *s, const char *name)
{
	return s->n > 0 && bsearch(&name, s->names, s->n, sizeof(*s->names),
				   cmp) != NULL;
}

void name_set_clear(struct name_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->names[i]);
	}
	free(s->names);
	s->names = NULL;
	s->n = 0;
}

static int ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* the identifier quoted by `open` at p (p after the opening quote) */
static const char *quoted(const char *p, char close, struct buf *out)
{
	for (; *p; p++) {
		if (*p == close) {
			if (close != ']' && p[1] == close) {
				buf_addch(out, close);
				p++;
				continue;
			}
			return p + 1;
		}
		buf_addch(out, *p);
	}
	return p;
}

bool sql_next_ident(const char *sql, const char **pos, struct buf *id)
{
	const char *p = *pos;

	while (*p) {
		unsigned char c = (unsigned char)*p;

		buf_reset(id);
		if (c == '\'') {
			/* a string literal: '' is a quote inside it */
			for (p++; *p && !(*p == '\'' && p[1] != '\''); p++) {
				if (*p == '\'') {
					p++;
				}
			}
			p += *p ? 1 : 0;
			continue;
		}
		if (c == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
			continue;
		}
		if (c == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			p = end ? end + 2 : p + strlen(p);
			continue;
		}
		if (c == '"' || c == '`' || c == '[') {
			p = quoted(p + 1, c == '[' ? ']' : (char)c, id);
		} else if (ident_start(c) &&
			   !(p > sql && ident_char((unsigned char)p[-1]))) {
			const char *start = p;

			while (ident_char((unsigned char)*p)) {
				p++;
			}
			buf_add(id, start, (size_t)(p - start));
		} else {
			p++;
			continue;
		}
		if (id->len) {
			*pos = p;
			return true;
		}
	}
	*pos = p;
	return false;
}

char *hidden_name_in_sql(const struct name_set *hidden, const char *sql)
{
	struct buf id = BUF_INIT;
	const char *p = sql;

	if (!hidden || hidden->n == 0 || !sql) {
		return NULL;
	}
	while (sql_next_ident(sql, &p, &id)) {
		if (name_set_has(hidden, buf_str(&id))) {
			return buf_detach(&id, NULL);
		}
	}
	buf_release(&id);
	return NULL;
}
