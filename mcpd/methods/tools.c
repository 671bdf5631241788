#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sandbox.h"
#include "../tools/tool.h"
#include "mcp/clock.h"
#include "mcp/log.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "methods.h"
#include "mcp/banned.h"

/* what one tool result may hold before it is cut, whatever the limits */
#define TOOL_TEXT_MAX (16u << 20)

/* how often the ticker looks at running calls */
#define TICK_MS 250

/*
 * Tool calls in progress whose request carried a progressToken.  A call
 * that runs longer than a second gets a notifications/progress each
 * second (progress = seconds elapsed) until the tool reports progress of
 * its own, which then takes over.  Everything about one call is written
 * under running_lock, and the call leaves the list before its reply is
 * written, so no notification can follow the reply.
 */
struct running {
	struct request *req;
	int64_t start_us;
	int64_t last_s;
	bool own;
	bool sent;              /* a notification went out */
	double last_progress, last_total;
	struct running *next;
};

static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ticker_cond = PTHREAD_COND_INITIALIZER;
static struct running *running_list;
static pthread_t ticker_thread;
static bool ticker_quit, ticker_running;

static void running_add(struct running *r, struct request *req)
{
	memset(r, 0, sizeof(*r));
	r->req = req;
	r->start_us = now_us();
	if (!req->progress_token) {
		return;
	}
	pthread_mutex_lock(&running_lock);
	r->next = running_list;
	running_list = r;
	pthread_mutex_unlock(&running_lock);
}

static void send_progress(struct running *r, double progress, double total,
			  const char *message);

/*
 * The final notification, progress = total, before the reply: a client
 * shows a bar until it sees one.  Progress must rise with each message:
 * 1 of 1 when nothing was sent, else the total announced, else one past
 * the last value (the ticker's seconds).
 */
static void send_final_progress(struct running *r)
{
	double p = 1;

	if (r->sent && r->last_total > 0 &&
	    r->last_progress >= r->last_total) {
		return;
	}
	if (r->sent && r->last_total > r->last_progress) {
		p = r->last_total;
	} else if (r->sent) {
		p = r->last_progress + 1;
	}
	send_progress(r, p, p, "done");
}

static void running_remove(struct running *r)
{
	pthread_mutex_lock(&running_lock);
	if (r->req->progress_token) {
		send_final_progress(r);
	}
	for (struct running **p = &running_list; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&running_lock);
}

/* with running_lock held */
static void send_progress(struct running *r, double progress, double total,
			  const char *message)
{
	struct request *req = r->req;
	cJSON *params;

	/* after cancellation nothing more may be sent for the request */
	if (!req->progress_token || cancel_raised(&req->cancel)) {
		return;
	}
	params = cJSON_CreateObject();
	cJSON_AddItemToObject(params, "progressToken",
			      cJSON_Duplicate(req->progress_token, 1));
	cJSON_AddNumberToObject(params, "progress", progress);
	r->sent = true;
	r->last_progress = progress;
	r->last_total = total;
	if (total > 0) {
		cJSON_AddNumberToObject(params, "total", total);
	}
	if (message && req->proto >= PROTO_2025_03_26) {
		cJSON_AddStringToObject(params, "message", message);
	}
	out_notify("notifications/progress", params);
}

void call_progress(void *ctx, double progress, double total,
		   const char *message)
{
	struct running *r = ctx;

	if (!r) {
		return;
	}
	pthread_mutex_lock(&running_lock);
	r->own = true;
	send_progress(r, progress, total, message);
	pthread_mutex_unlock(&running_lock);
}

static void *ticker_main(void *arg)
{
	pthread_mutex_lock(&running_lock);
	while (!ticker_quit) {
		struct timespec until;
		int64_t now;

		clock_after_ms(CLOCK_REALTIME, TICK_MS, &until);
		pthread_cond_timedwait(&ticker_cond, &running_lock, &until);
		now = now_us();
		for (struct running *r = running_list; r; r = r->next) {
			int64_t s = (now - r->start_us) / 1000000;
			char msg[64];

			if (r->own || s < 1 || s <= r->last_s) {
				continue;
			}
			r->last_s = s;
			snprintf(msg, sizeof(msg), "running for %lld s",
				 (long long)s);
			send_progress(r, (double)s, 0, msg);
		}
	}
	pthread_mutex_unlock(&running_lock);
	return NULL;
}

void progress_ticker_start(void)
{
	if (pthread_create(&ticker_thread, NULL, ticker_main, NULL) == 0) {
		ticker_running = true;
	}
}

void progress_ticker_stop(void)
{
	if (!ticker_running) {
		return;
	}
	pthread_mutex_lock(&running_lock);
	ticker_quit = true;
	pthread_cond_signal(&ticker_cond);
	pthread_mutex_unlock(&running_lock);
	pthread_join(ticker_thread, NULL);
	ticker_running = false;
}

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
		/* the tool's own title says it where the revision has one */
		if (t->title && !proto_has_titles(p)) {
			cJSON_AddStringToObject(ann, "title", t->title);
		}
		/*
		 * Every tool only reads the catalog and its datasets.  With
		 * readOnlyHint true, destructiveHint and idempotentHint mean
		 * nothing (MCP spec), so they are left out: tokens saved on
		 * every tools/list.
		 */
		cJSON_AddTrueToObject(ann, "readOnlyHint");
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
	e->request_id = req->id_key ? xstrdup(req->id_key) : NULL;
	e->protocol = proto_name(req->proto);
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
	e->cache_hit = call->cache_hit;
	e->cache = call->log_cache;
	call->log_cache = NULL;
	e->bytes = (int64_t)tool_text_bytes(call);
	e->duration_us = now_us() - req->start_us;
	querylog_push(e);
}

bool tools_call_in_worker(const struct request *req)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req->params,
							    "name");
	const struct tool_def *t;

	if (strcmp(req->method, "tools/call") != 0 || !cJSON_IsString(name)) {
		return false;
	}
	t = tool_find(name->valuestring);
	return t && t->where == TOOL_IN_WORKER;
}

void method_tools_call(struct request *req)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req->params,
							    "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req->params,
							    "arguments");
	const struct tool_def *t;
	struct tool_call call;
	struct running run;
	struct query_limits limits;
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
	limits_get(&limits);
	call.limits = &limits;
	call.cancel = &req->cancel;
	buf_init(&call.text, TOOL_TEXT_MAX);
	running_add(&run, req);
	call.progress_ctx = &run;
	if (!tool_args_check(t, args, &call.text)) {
		/* refused here, once for every tool, before it runs */
		call.is_error = true;
		call.log_status = "error";
	} else if (t->where == TOOL_IN_WORKER) {
		/* client SQL never runs in this process */
		sandbox_call(t, &call);
	} else {
		t->run(&call);
	}
	running_remove(&run);

	log_call(req, t, args, &call);
	if (call.is_error) {
		out_log(req->log_level, LEVEL_WARNING, "mcpd",
			"%s failed: %.200s", t->name, buf_str(&call.text));
	} else {
		out_log(req->log_level, LEVEL_DEBUG, "mcpd",
			"%s answered %zu bytes", t->name,
			tool_text_bytes(&call));
	}

	result = result_new(req);
	content = cJSON_AddArrayToObject(result, "content");
	block = cJSON_CreateObject();
	cJSON_AddStringToObject(block, "type", "text");
	if (call.text_json) {
		cJSON_AddItemToObject(block, "text",
				      render_raw_take(call.text_json));
		call.text_json = NULL;
	} else {
		cJSON_AddStringToObject(block, "text", buf_str(&call.text));
	}
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
