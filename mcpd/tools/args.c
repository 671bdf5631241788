/*
 * args: arguments a tool does not declare are errors, for every tool.
 *
 * A model that sends `group_by` to weighted_stats or `limit` to query
 * would otherwise get an answer to another question (the overall mean,
 * every row) and never learn why.  The tool's inputSchema is the one
 * list of what it takes: an object that declares "additionalProperties":
 * false there (every tool's does) refuses anything else, here, before the
 * tool runs, naming the argument, the likely one meant and the valid ones.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../context.h"
#include "mcp/suggest.h"
#include "mcp/xalloc.h"
#include "tool.h"
#include "mcp/banned.h"

/* names models reach for, and what our tools call them */
static const char *const synonyms[][2] = {
	{ "limit", "max_rows" },   { "rows", "max_rows" },
	{ "group_by", "by" },      { "groupby", "by" },
	{ "groups", "by" },        { "table", "dataset" },
	{ "dataset", "name" },     { "name", "dataset" },
	{ "filter", "where" },     { "variable", "measure" },
	{ "column", "measure" },   { "statistic", "stat" },
	{ "count", "n" },          { "precision", "digits" },
	{ "q", "query" },          { "search", "query" },
	{ "statement", "sql" },    { "statements", "queries" },
};

static const char *meant(const char *word, const char *const *names,
			 size_t n)
{
	const char *s = suggest_closest(word, names, n);

	if (s) {
		return s;
	}
	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
		if (strcmp(word, synonyms[i][0]) != 0) {
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			if (strcmp(names[k], synonyms[i][1]) == 0) {
				return names[k];
			}
		}
	}
	return NULL;
}

/* check `obj` against `schema` (an object schema); `where` prefixes names */
static bool check_object(const cJSON *schema, const cJSON *obj,
			 const char *where, struct buf *err)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema,
							     "properties");
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(
		schema, "additionalProperties");
	const cJSON *a, *p;
	const char **names;
	size_t n = 0;
	bool ok = true;

	names = xcalloc((size_t)cJSON_GetArraySize(props) + 1,
			sizeof(*names));
	cJSON_ArrayForEach(p, props) {
		names[n++] = p->string;
	}
	cJSON_ArrayForEach(a, obj) {
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props,
								  a->string);
		const cJSON *items, *it;
		int i = 0;

		if (!ps) {
			const char *m;

			if (!cJSON_IsFalse(extra)) {
				continue;
			}
			m = meant(a->string, names, n);
			buf_addf(err, "unknown argument '%s%s'", where,
				 a->string);
			if (m) {
				buf_addf(err, "; did you mean '%s'?", m);
			} else {
				buf_addch(err, '.');
			}
			buf_addstr(err, n ? " Valid arguments: "
					  : " It takes no arguments.");
			for (size_t k = 0; k < n; k++) {
				buf_addf(err, "%s%s", k ? ", " : "",
					 names[k]);
			}
			buf_addstr(err, n ? "." : "");
			ok = false;
			break;
		}
		/* arrays of objects (query_many's queries) are checked too */
		items = cJSON_GetObjectItemCaseSensitive(ps, "items");
		if (!cJSON_IsArray(a) ||
		    !cJSON_GetObjectItemCaseSensitive(items, "properties")) {
			continue;
		}
		cJSON_ArrayForEach(it, a) {
			char *sub;

			if (!cJSON_IsObject(it)) {
				i++;
				continue;
			}
			sub = xasprintf("%s%s[%d].", where, a->string, i++);
			ok = check_object(items, it, sub, err);
			free(sub);
			if (!ok) {
				break;
			}
		}
		if (!ok) {
			break;
		}
	}
	free(names);
	return ok;
}

/*
 * Each tool's inputSchema, parsed once: a tool's schema is a constant, and
 * parsing it again was a tenth of a trivial call.  Kept for the process's
 * life; a few tools' worth.
 */
#define SCHEMAS_MAX 32

static const cJSON *parsed_schema(const struct tool_def *t)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static const struct tool_def *tools[SCHEMAS_MAX];
	static cJSON *schemas[SCHEMAS_MAX];
	static size_t n;
	const cJSON *found = NULL;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n && !found; i++) {
		if (tools[i] == t) {
			found = schemas[i];
		}
	}
	if (!found && n < SCHEMAS_MAX) {
		tools[n] = t;
		schemas[n] = cJSON_Parse(t->input_schema);
		found = schemas[n++];
	}
	pthread_mutex_unlock(&lock);
	return found;
}

bool tool_args_check(const struct tool_def *t, const cJSON *args,
		     struct buf *err)
{
	const cJSON *schema = parsed_schema(t);

	if (!schema) {
		/* a tool without a readable schema takes what it gets */
		return true;
	}
	return check_object(schema, args, "", err);
}

void tool_suggest_dataset(struct tool_call *call, const char *name)
{
	struct dataset_info *list = NULL;
	const char **names;
	const char *m;
	size_t n = 0;

	/* enabled datasets only: a disabled one is never suggested */
	if (!call->catalog || context_list(call->catalog, &list, &n) < 0) {
		return;
	}
	names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		names[i] = list[i].name;
	}
	m = suggest_closest(name, names, n);
	if (m) {
		buf_addf(&call->text, ". Did you mean '%s'?", m);
	}
	free(names);
	context_list_free(list, n);
}
