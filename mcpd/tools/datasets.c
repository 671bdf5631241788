#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../context.h"
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

static void run_describe_dataset(struct tool_call *call)
{
	struct dataset_info d;
	const char *name;
	char *md;
	int r;

	name = tool_arg_string(call, "name", true);
	if (!name) {
		return;
	}
	call->log_datasets = xstrdup(name);
	r = context_find(call->catalog, name, &d);
	if (r == -ENOENT) {
		tool_error(call,
			   "no dataset named '%s'; call list_datasets to see "
			   "the names", name);
		return;
	}
	if (r < 0) {
		tool_error(call, "cannot read the catalog: %s", strerror(-r));
		return;
	}
	call->structured = context_schema(call->catalog, &d);
	md = context_render(&d, call->structured);
	buf_addstr(&call->text, md);
	free(md);
	call->log_rows = 1;
	dataset_info_finish(&d);
}

const struct tool_def tool_list_datasets = {
	.name = "list_datasets",
	.title = "List datasets",
	.description =
		"List the datasets available for querying, one line each: "
		"name, title, number of rows and weight column. Call it "
		"first, then describe_dataset for the one you need.",
	.input_schema = "{\"type\":\"object\",\"properties\":{},"
			"\"additionalProperties\":false}",
	.output_schema =
		"{\"type\":\"object\",\"properties\":{\"datasets\":{"
		"\"type\":\"array\",\"items\":{\"type\":\"object\","
		"\"properties\":{"
		"\"name\":{\"type\":\"string\"},"
		"\"title\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
		"\"description\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
		"\"rows\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"null\"}]},"
		"\"weight_column\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}},"
		"\"required\":[\"name\"]}}},\"required\":[\"datasets\"]}",
	.run = run_list_datasets,
};

const struct tool_def tool_describe_dataset = {
	.name = "describe_dataset",
	.title = "Describe a dataset",
	.description =
		"Everything needed to write good SQL over one dataset: its "
		"columns with types and profile statistics (nulls, distinct "
		"values, min, max, mean, frequent values), the weight "
		"column, descriptions, and approved notes such as example "
		"questions and caveats.",
	.input_schema =
		"{\"type\":\"object\",\"properties\":{\"name\":{"
		"\"type\":\"string\",\"description\":"
		"\"the dataset name, as list_datasets shows it\"}},"
		"\"required\":[\"name\"],\"additionalProperties\":false}",
	.output_schema =
		"{\"type\":\"object\",\"properties\":{"
		"\"name\":{\"type\":\"string\"},"
		"\"title\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
		"\"description\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
		"\"row_count\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"null\"}]},"
		"\"weight_column\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
		"\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
		"\"columns\":{\"type\":\"array\",\"items\":{"
		"\"type\":\"object\",\"properties\":{"
		"\"name\":{\"type\":\"string\"},"
		"\"type\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
		"\"is_weight\":{\"type\":\"boolean\"}},"
		"\"required\":[\"name\"]}},"
		"\"metadata\":{\"anyOf\":[{\"type\":\"object\"},{\"type\":\"null\"}]}},"
		"\"required\":[\"name\",\"columns\"]}",
	.run = run_describe_dataset,
};
