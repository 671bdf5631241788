#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../context.h"
#include "../context_cache.h"
#include "../describe_budget.h"
#include "../servable.h"
#include "mcp/suggest.h"
#include "mcp/xalloc.h"
#include "tool.h"
#include "mcp/banned.h"

static void run_list_datasets(struct tool_call *call)
{
	struct dataset_info *list = NULL;
	size_t n = 0;
	cJSON *arr;
	int r;

	r = context_list(call->catalog, &list, &n);
	if (r < 0) {
		tool_error(call, "cannot read the catalog: %s", strerror(-r));
		return;
	}
	call->structured = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(call->structured, "datasets");
	if (n == 0) {
		buf_addstr(&call->text,
			   "No datasets are available yet. An administrator "
			   "adds them with 'mcpctl dataset add'.");
	} else {
		buf_addf(&call->text, "%zu dataset%s:\n", n,
			 n == 1 ? "" : "s");
	}
	for (size_t i = 0; i < n; i++) {
		struct dataset_info *d = &list[i];
		cJSON *o = cJSON_CreateObject();

		buf_addf(&call->text, "- %s", d->name);
		if (d->title) {
			buf_addf(&call->text, ": %s", d->title);
		}
		if (d->row_count >= 0) {
			buf_addf(&call->text, " (%lld rows",
				 (long long)d->row_count);
		} else {
			buf_addstr(&call->text, " (rows unknown");
		}
		if (d->weight_column) {
			buf_addf(&call->text, ", weight: %s)\n",
				 d->weight_column);
		} else {
			buf_addstr(&call->text, ", unweighted)\n");
		}
		cJSON_AddStringToObject(o, "name", d->name);
		if (d->title) {
			cJSON_AddStringToObject(o, "title", d->title);
		} else {
			cJSON_AddNullToObject(o, "title");
		}
		if (d->description) {
			cJSON_AddStringToObject(o, "description",
						d->description);
		} else {
			cJSON_AddNullToObject(o, "description");
		}
		if (d->row_count >= 0) {
			cJSON_AddNumberToObject(o, "rows",
						(double)d->row_count);
		} else {
			cJSON_AddNullToObject(o, "rows");
		}
		if (d->weight_column) {
			cJSON_AddStringToObject(o, "weight_column",
						d->weight_column);
		} else {
			cJSON_AddNullToObject(o, "weight_column");
		}
		cJSON_AddItemToArray(arr, o);
	}
	call->log_rows = (int64_t)n;
	context_list_free(list, n);
}

/*
 * The `columns` argument: names of the dataset's columns (any case), each
 * checked, with a did-you-mean for a slip.  True when absent or valid.
 */
static bool check_columns(struct tool_call *call, const cJSON *want,
			  const cJSON *cols)
{
	const char **names;
	const cJSON *w, *c;
	size_t n = 0;
	bool ok = true;

	if (!want || cJSON_IsNull(want)) {
		return true;
	}
	if (!cJSON_IsArray(want) || cJSON_GetArraySize(want) == 0) {
		tool_error(call, "argument 'columns' must be a list of column "
			   "names");
		return false;
	}
	names = xcalloc((size_t)cJSON_GetArraySize(cols) + 1,
			sizeof(*names));
	cJSON_ArrayForEach(c, cols) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");

		if (cJSON_IsString(nm)) {
			names[n++] = nm->valuestring;
		}
	}
	cJSON_ArrayForEach(w, want) {
		const char *m;
		bool found = false;

		if (!cJSON_IsString(w)) {
			tool_error(call, "argument 'columns' must be a list of "
				   "column names");
			ok = false;
			break;
		}
		for (size_t i = 0; i < n && !found; i++) {
			found = strcasecmp(names[i], w->valuestring) == 0;
		}
		if (found) {
			continue;
		}
		m = suggest_closest(w->valuestring, names, n);
		tool_error(call, "'%s' is not a column of this dataset%s%s%s",
			   w->valuestring, m ? "; did you mean '" : "",
			   m ? m : "", m ? "'?" : "");
		ok = false;
		break;
	}
	free(names);
	return ok;
}

/* structuredContent keeps only the columns asked for */
static void keep_columns(cJSON *schema, const cJSON *want)
{
	cJSON *cols = cJSON_GetObjectItemCaseSensitive(schema, "columns");
	cJSON *c = cols ? cols->child : NULL;

	while (c) {
		cJSON *next = c->next;
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *w;
		bool keep = false;

		cJSON_ArrayForEach(w, want) {
			keep = keep || (cJSON_IsString(nm) &&
					strcasecmp(w->valuestring,
						   nm->valuestring) == 0);
		}
		if (!keep) {
			cJSON_Delete(cJSON_DetachItemViaPointer(cols, c));
		}
		c = next;
	}
}

/*
 * The whole context of `d`, from the catalog's cache when it holds this
 * rendering, else rendered and handed to the log writer to cache.
 */
static void describe_cached(struct tool_call *call,
			    const struct dataset_info *d)
{
	char *key = context_cache_key(call->catalog, d);
	char *md = NULL;

	if (key && context_cache_get(call->catalog, d, key, &md,
				     &call->structured)) {
		call->cache_hit = true;
		free(key);
	} else {
		md = context_markdown_schema(call->catalog, d,
					     &call->structured);
		if (key) {
			call->log_cache = context_cache_put_new(
				d, key, md, call->structured);
		}
	}
	buf_addstr(&call->text, md);
	free(md);
	call->log_rows = 1;
}

static void run_describe_dataset(struct tool_call *call)
{
	struct dataset_info d;
	struct describe_opts o;
	const cJSON *want;
	const char *name;
	char *md, *why_not;
	int r;

	name = tool_arg_string(call, "name", true);
	if (!name) {
		return;
	}
	call->log_datasets = xstrdup(name);
	r = context_find(call->catalog, name, &d);
	if (r == -ENOENT && (why_not = servable_why_not(name))) {
		/* the reason names admin paths: it goes to the server log */
		free(why_not);
		tool_error(call, "dataset '%s' is unavailable: its source file "
			   "cannot be served now (the server log says why); "
			   "call list_datasets to see the others", name);
		return;
	}
	if (r == -ENOENT) {
		tool_error(call,
			   "no dataset named '%s'; call list_datasets to see "
			   "the names", name);
		tool_suggest_dataset(call, name);
		return;
	}
	if (r < 0) {
		tool_error(call, "cannot read the catalog: %s", strerror(-r));
		return;
	}
	want = cJSON_GetObjectItemCaseSensitive(call->args, "columns");
	if (!want || cJSON_IsNull(want)) {
		describe_cached(call, &d);
		dataset_info_finish(&d);
		return;
	}
	call->structured = context_schema(call->catalog, &d);
	if (!check_columns(call, want,
			   cJSON_GetObjectItemCaseSensitive(call->structured,
							    "columns"))) {
		cJSON_Delete(call->structured);
		call->structured = NULL;
		dataset_info_finish(&d);
		return;
	}
	describe_opts_load(call->catalog, &o);
	if (want && !cJSON_IsNull(want)) {
		o.only = want;
	}
	md = context_render_opts(&d, call->structured, &o);
	if (o.only) {
		keep_columns(call->structured, want);
	}
	buf_addstr(&call->text, md);
	free(md);
	call->log_rows = 1;
	dataset_info_finish(&d);
}

const struct tool_def tool_list_datasets = {
	.name = "list_datasets",
	.title = "List datasets",
	.description =
		"The datasets to query, one line each: name, title, rows, "
		"weight column. Start here.",
	.input_schema = "{\"type\":\"object\",\"properties\":{},"
			"\"additionalProperties\":false}",
	.output_schema =
		"{\"type\":\"object\",\"properties\":{\"datasets\":{"
		"\"type\":\"array\",\"items\":{\"type\":\"object\"}}},"
		"\"required\":[\"datasets\"]}",
	.run = run_list_datasets,
};

const struct tool_def tool_describe_dataset = {
	.name = "describe_dataset",
	.title = "Describe a dataset",
	.description =
		"One dataset's columns with types, statistics, weight column, "
		"descriptions and caveats: read it before writing SQL.",
	.input_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"name\":{\"type\":\"string\"},"
		"\"columns\":{\"type\":\"array\",\"items\":{\"type\":"
		"\"string\"},\"description\":\"show just these, in full\"}},"
		"\"required\":[\"name\"],\"additionalProperties\":false}",
	.output_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"columns\":{\"type\":\"array\"}},"
		"\"required\":[\"name\",\"columns\"]}",
	.run = run_describe_dataset,
};
