#include <stdlib.h>
#include <string.h>

#include "../tools/tool.h"
#include "mcp/log.h"
#include "mcp/xalloc.h"
#include "methods.h"

/* what one tool result may hold before it is cut, whatever the limits */
#define TOOL_TEXT_MAX (16u << 20)

static size_t tool_count(void)
{
	size_t n = 0;

	while (tool_registry[n]) {
		n++;
	}
	return n;
}

static cJSON *tool_json(const struct tool_def *t, enum proto p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *schema, *ann;

	cJSON_AddStringToObject(o, "name", t->name);
	if (proto_has_titles(p) && t->title) {
		cJSON_AddStringToObject(o, "title", t->title);
	}
	cJSON_AddStringToObject(o, "description", t->description);
	schema = cJSON_Parse(t->input_schema);
	if (!schema) {
		log_error("tool %s: input schema is not JSON", t->name);
		schema = cJSON_Parse("{\"type\":\"object\"}");
	}
	cJSON_AddItemToObject(o, "inputSchema", schema);
	if (proto_has_structured(p) && t->output_schema) {
		schema = cJSON_Parse(t->output_schema);
		if (schema) {
			cJSON_AddItemToObject(o, "outputSchema", schema);
		} else {
			log_error("tool %s: output schema is not JSON",
				  t->name);
		}
	}
	if (proto_has_annotations(p)) {
		ann = cJSON_AddObjectToObject(o, "annotations");
		if (t->title) {
			cJSON_AddStringToObject(ann, "title", t->title);
		}
		/* every tool only reads the catalog and its datasets */
		cJSON_AddTrueToObject(ann, "readOnlyHint");
		cJSON_AddFalseToObject(ann, "destructiveHint");
		cJSON_AddTrueToObject(ann, "idempotentHint");
		cJSON_AddFalseToObject(ann, "openWorldHint");
	}
	return o;
}

void method_tools_list(struct request *req)
{
	size_t total = tool_count();
	size_t offset, page = (size_t)server.opt.page_size, i;
	cJSON *result, *arr;

	if (!page_begin(req, total, &offset)) {
		reply_invalid_params(req, "Invalid params: invalid cursor");
		return;
	}
	result = result_new(req);
	arr = cJSON_AddArrayToObject(result, "tools");
	for (i = offset; i < total && i - offset < page; i++) {
		cJSON_AddItemToArray(arr, tool_json(tool_registry[i],
						    req->proto));
	}
	page_end(req, result, offset, i - offset, total);
	result_cacheable(req, result, 3600000);
	reply_result(req, result);
}

static void log_call(struct request *req, const struct tool_def *t,
		     const cJSON *args, struct tool_call *call)
{
	struct querylog_entry *e = xcalloc(1, sizeof(*e));

	e->client_name = req->client_name ? xstrdup(req->client_name) : NULL;
	e->client_version = req->client_version
				    ? xstrdup(req->client_version)
				    : NULL;
	e->tool = xstrdup(t->name);
	e->datasets = call->log_datasets ? xstrdup(call->log_datasets) : NULL;
	e->sql_text = call->log_sql ? xstrdup(call->log_sql) : NULL;
	e->arguments = cJSON_PrintUnformatted(args);
	if (cancel_raised(&req->cancel)) {
		e->status = "cancelled";
	} else if (call->log_status) {
		e->status = call->log_status;
	} else {
		e->status = call->is_error ? "error" : "ok";
	}
	if (call->is_error) {
		e->error_text = xstrdup(buf_str(&call->text));
	}
	e->rows = call->log_rows;
	e->bytes = (int64_t)call->text.len;
	e->duration_us = now_us() - req->start_us;
	querylog_push(e);
}

void method_tools_call(struct request *req)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req->params,
							    "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req->params,
							    "arguments");
	const struct tool_def *t;
	struct tool_call call;
	cJSON *empty = NULL, *result, *content, *block;

	if (!cJSON_IsString(name)) {
		reply_invalid_params(req, "Invalid params: tools/call needs "
					  "name (a string)");
		return;
	}
	t = tool_find(name->valuestring);
	if (!t) {
		reply_invalid_params(req, "Unknown tool: %s",
				     name->valuestring);
		return;
	}
	if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args)) {
		reply_invalid_params(req, "Invalid params: arguments must be "
					  "an object");
		return;
	}
	if (!args || cJSON_IsNull(args)) {
		empty = cJSON_CreateObject();
		args = empty;
	}

	memset(&call, 0, sizeof(call));
	call.args = args;
	call.catalog = thread_catalog();
	call.pool = server.pool;
	call.limits = &server.opt.limits;
	call.cancel = &req->cancel;
	call.progress_ctx = req;
	buf_init(&call.text, TOOL_TEXT_MAX);
	t->run(&call);
	/*
	 * A caller that asked for progress hears at least that the work is
	 * done; long tools report their own steps before this.
	 */
	tool_progress(&call, 1, 1, "done");

	log_call(req, t, args, &call);
	if (call.is_error) {
		out_log(req->log_level, LEVEL_WARNING, "mcpd",
			"%s failed: %.200s", t->name, buf_str(&call.text));
	} else {
		out_log(req->log_level, LEVEL_DEBUG, "mcpd",
			"%s answered %zu bytes", t->name, call.text.len);
	}

	result = result_new(req);
	content = cJSON_AddArrayToObject(result, "content");
	block = cJSON_CreateObject();
	cJSON_AddStringToObject(block, "type", "text");
	cJSON_AddStringToObject(block, "text", buf_str(&call.text));
	cJSON_AddItemToArray(content, block);
	if (call.structured && proto_has_structured(req->proto)) {
		cJSON_AddItemToObject(result, "structuredContent",
				      call.structured);
		call.structured = NULL;
	}
	cJSON_AddBoolToObject(result, "isError", call.is_error);
	tool_call_finish(&call);
	cJSON_Delete(empty);
	reply_result(req, result);
}
