#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../context.h"
#include "mcp/buf.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "methods.h"
#include "mcp/banned.h"

struct prompt_arg {
	const char *name;
	const char *title;
	const char *description;
	bool required;
};

struct prompt_def {
	const char *name;
	const char *title;
	const char *description;
	struct prompt_arg args[3];
};

static const struct prompt_def prompts[] = {
	{
		"explore_dataset", "Explore a dataset",
		"Start an exploration of one dataset: its context is "
		"attached, and the model is asked to describe it and "
		"suggest questions worth asking of it.",
		{
			{ "name", "Dataset", "the dataset to explore", true },
			{ "column", "Column",
			  "a column to look at first (optional)", false },
		},
	},
	{
		"compare_datasets", "Compare two datasets",
		"Compare two datasets: what each covers, columns they "
		"share, and how their results can be set side by side.",
		{
			{ "a", "First dataset", "the first dataset", true },
			{ "b", "Second dataset", "the second dataset", true },
		},
	},
};

#define NPROMPTS (sizeof(prompts) / sizeof(prompts[0]))

static cJSON *prompt_json(const struct prompt_def *p, enum proto v)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *args;

	cJSON_AddStringToObject(o, "name", p->name);
	if (proto_has_titles(v)) {
		cJSON_AddStringToObject(o, "title", p->title);
	}
	cJSON_AddStringToObject(o, "description", p->description);
	args = cJSON_AddArrayToObject(o, "arguments");
	for (const struct prompt_arg *a = p->args; a->name; a++) {
		cJSON *ao = cJSON_CreateObject();

		cJSON_AddStringToObject(ao, "name", a->name);
		if (proto_has_titles(v)) {
			cJSON_AddStringToObject(ao, "title", a->title);
		}
		cJSON_AddStringToObject(ao, "description", a->description);
		cJSON_AddBoolToObject(ao, "required", a->required);
		cJSON_AddItemToArray(args, ao);
	}
	return o;
}

void method_prompts_list(struct request *req)
{
	size_t offset, i, page = (size_t)server.opt.page_size;
	cJSON *result, *arr;

	if (!page_begin(req, NPROMPTS, &offset)) {
		reply_invalid_params(req, "Invalid params: invalid cursor");
		return;
	}
	result = result_new(req);
	arr = cJSON_AddArrayToObject(result, "prompts");
	for (i = offset; i < NPROMPTS && i - offset < page; i++) {
		cJSON_AddItemToArray(arr, prompt_json(&prompts[i],
						      req->proto));
	}
	page_end(req, result, offset, i - offset, NPROMPTS);
	result_cacheable(req, result, 3600000);
	reply_result(req, result);
}

static void add_text_message(cJSON *messages, const char *text)
{
	cJSON *m = cJSON_CreateObject();
	cJSON *c;

	cJSON_AddStringToObject(m, "role", "user");
	c = cJSON_AddObjectToObject(m, "content");
	cJSON_AddStringToObject(c, "type", "text");
	cJSON_AddStringToObject(c, "text", text);
	cJSON_AddItemToArray(messages, m);
}

/* the dataset's context as an embedded resource */
static void add_context_message(cJSON *messages, struct db *db,
				const struct dataset_info *d)
{
	cJSON *m = cJSON_CreateObject();
	cJSON *c, *r;
	char *uri = xasprintf("mcpd://datasets/%s", d->name);
	char *md = context_markdown(db, d);

	cJSON_AddStringToObject(m, "role", "user");
	c = cJSON_AddObjectToObject(m, "content");
	cJSON_AddStringToObject(c, "type", "resource");
	r = cJSON_AddObjectToObject(c, "resource");
	cJSON_AddStringToObject(r, "uri", uri);
	cJSON_AddStringToObject(r, "mimeType", "text/markdown");
	cJSON_AddStringToObject(r, "text", md);
	cJSON_AddItemToArray(messages, m);
	free(uri);
	free(md);
}

/* an argument's value; replies and returns NULL when it is missing */
static const char *arg(struct request *req, const cJSON *args,
		       const char *name, bool required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);

	if (cJSON_IsString(v) && *v->valuestring) {
		return v->valuestring;
	}
	if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
		reply_invalid_params(req, "Invalid params: argument '%s' "
					  "must be a string", name);
		return NULL;
	}
	if (required) {
		reply_invalid_params(req, "Invalid params: missing required "
					  "argument '%s'", name);
	}
	return NULL;
}

static bool find(struct request *req, const char *name,
		 struct dataset_info *d)
{
	int r = context_find(thread_catalog(), name, d);

	if (r == -ENOENT) {
		reply_invalid_params(req, "Invalid params: no dataset named "
					  "'%s'", name);
		return false;
	}
	if (r < 0) {
		reply_error(req, RPC_INTERNAL_ERROR,
			    "Internal error: cannot read the catalog", NULL);
		return false;
	}
	return true;
}

static void get_explore(struct request *req, const cJSON *args)
{
	struct dataset_info d;
	const char *name, *column;
	cJSON *result, *messages;
	struct buf b = BUF_INIT;

	name = arg(req, args, "name", true);
	if (!name) {
		return;
	}
	column = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(args, "column"));
	if (!find(req, name, &d)) {
		return;
	}
	result = result_new(req);
	cJSON_AddStringToObject(result, "description",
				"Explore a dataset with mcpd");
	messages = cJSON_AddArrayToObject(result, "messages");
	buf_addf(&b,
		 "Explore the dataset `%s`. Its context follows. Describe "
		 "in a few sentences what it covers and how it was "
		 "collected, point out columns that need care (codes, "
		 "missing values, the weight column), then suggest five "
		 "questions it can answer. Check one of them with a query "
		 "tool, using the weight column for population estimates "
		 "and reporting the unweighted n.", d.name);
	if (column && *column) {
		buf_addstr(&b, " Start with the column ");
		render_md_code(&b, column);
		buf_addch(&b, '.');
	}
	add_text_message(messages, buf_str(&b));
	add_context_message(messages, thread_catalog(), &d);
	buf_release(&b);
	dataset_info_finish(&d);
	reply_result(req, result);
}

static void get_compare(struct request *req, const cJSON *args)
{
	struct dataset_info a, b;
	const char *na, *nb;
	cJSON *result, *messages;
	char *text;

	na = arg(req, args, "a", true);
	if (!na) {
		return;
	}
	nb = arg(req, args, "b", true);
	if (!nb) {
		return;
	}
	if (!find(req, na, &a)) {
		return;
	}
	if (!find(req, nb, &b)) {
		dataset_info_finish(&a);
		return;
	}
	result = result_new(req);
	cJSON_AddStringToObject(result, "description",
				"Compare two datasets with mcpd");
	messages = cJSON_AddArrayToObject(result, "messages");
	text = xasprintf(
		"Compare the datasets `%s` and `%s`. Their contexts follow. "
		"Say what population, period and unit each covers, which "
		"columns measure the same thing (even under other names or "
		"codings), and how results from both can be set side by "
		"side. Mind that their weights differ. Then run one "
		"comparable summary on each with a query tool.",
		a.name, b.name);
	add_text_message(messages, text);
	free(text);
	add_context_message(messages, thread_catalog(), &a);
	add_context_message(messages, thread_catalog(), &b);
	dataset_info_finish(&a);
	dataset_info_finish(&b);
	reply_result(req, result);
}

void method_prompts_get(struct request *req)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req->params,
							    "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req->params,
							    "arguments");

	if (!cJSON_IsString(name)) {
		reply_invalid_params(req, "Invalid params: prompts/get needs "
					  "name (a string)");
		return;
	}
	if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args)) {
		reply_invalid_params(req, "Invalid params: arguments must be "
					  "an object");
		return;
	}
	if (strcmp(name->valuestring, "explore_dataset") == 0) {
		get_explore(req, args);
	} else if (strcmp(name->valuestring, "compare_datasets") == 0) {
		get_compare(req, args);
	} else {
		reply_invalid_params(req, "Invalid params: unknown prompt "
					  "'%s'", name->valuestring);
	}
}
