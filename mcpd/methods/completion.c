#include <stdlib.h>
#include <string.h>

#include "../context.h"
#include "mcp/xalloc.h"
#include "methods.h"
#include "mcp/banned.h"

/* the spec caps one answer at 100 values */
#define COMPLETE_MAX 100

struct matches {
	cJSON *values;
	size_t total;
};

static void offer(struct matches *m, const char *candidate,
		  const char *prefix)
{
	if (strncmp(candidate, prefix, strlen(prefix)) != 0) {
		return;
	}
	if (m->total++ < COMPLETE_MAX) {
		cJSON_AddItemToArray(m->values,
				     cJSON_CreateString(candidate));
	}
}

static void datasets(struct matches *m, const char *prefix)
{
	struct dataset_info *list = NULL;
	size_t n = 0;

	if (context_list(thread_catalog(), &list, &n) < 0) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		offer(m, list[i].name, prefix);
	}
	context_list_free(list, n);
}

static void columns(struct matches *m, const char *dataset,
		    const char *prefix)
{
	struct dataset_info d;
	char **cols;

	if (!dataset || context_find(thread_catalog(), dataset, &d) < 0) {
		return;
	}
	cols = context_columns(thread_catalog(), d.id, NULL);
	for (char **c = cols; *c; c++) {
		offer(m, *c, prefix);
	}
	context_columns_free(cols);
	dataset_info_finish(&d);
}

void method_completion_complete(struct request *req)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(req->params,
							   "ref");
	const cJSON *argument = cJSON_GetObjectItemCaseSensitive(req->params,
								"argument");
	const cJSON *context = cJSON_GetObjectItemCaseSensitive(req->params,
							       "context");
	const cJSON *known = cJSON_GetObjectItemCaseSensitive(context,
							     "arguments");
	const char *type = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ref, "type"));
	const char *arg = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(argument, "name"));
	const char *value = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(argument, "value"));
	struct matches m = { cJSON_CreateArray(), 0 };
	cJSON *result, *c;

	if (!type || !arg || !value) {
		cJSON_Delete(m.values);
		reply_invalid_params(req, "Invalid params: completion needs "
					  "ref.type, argument.name and "
					  "argument.value");
		return;
	}
	if (strcmp(type, "ref/prompt") == 0) {
		const char *name = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(ref, "name"));

		if (!name || (strcmp(name, "explore_dataset") != 0 &&
			      strcmp(name, "compare_datasets") != 0)) {
			cJSON_Delete(m.values);
			reply_invalid_params(req, "Invalid params: unknown "
						  "prompt '%s'",
					     name ? name : "");
			return;
		}
		if (strcmp(arg, "name") == 0 || strcmp(arg, "a") == 0 ||
		    strcmp(arg, "b") == 0) {
			datasets(&m, value);
		} else if (strcmp(arg, "column") == 0) {
			/* columns need the dataset chosen before them */
			columns(&m,
				cJSON_GetStringValue(
					cJSON_GetObjectItemCaseSensitive(
						known, "name")),
				value);
		}
	} else if (strcmp(type, "ref/resource") == 0) {
		const char *uri = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(ref, "uri"));

		if (!uri) {
			cJSON_Delete(m.values);
			reply_invalid_params(req, "Invalid params: ref/resource "
						  "needs uri");
			return;
		}
		if (strncmp(uri, "mcpd://datasets/{name}", 22) == 0 &&
		    strcmp(arg, "name") == 0) {
			datasets(&m, value);
		}
	} else {
		cJSON_Delete(m.values);
		reply_invalid_params(req, "Invalid params: unknown reference "
					  "type '%s'", type);
		return;
	}
	result = result_new(req);
	c = cJSON_AddObjectToObject(result, "completion");
	cJSON_AddItemToObject(c, "values", m.values);
	cJSON_AddNumberToObject(c, "total", (double)m.total);
	cJSON_AddBoolToObject(c, "hasMore", m.total > COMPLETE_MAX);
	reply_result(req, result);
}
