#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/clock.h"
#include "mcp/log.h"
#include "mcp/xalloc.h"
#include "jsonscan.h"
#include "methods/methods.h"
#include "server.h"
#include "servable.h"
#include "mcp/banned.h"

/*
 * Two lanes of requests, each with its own threads: tool calls that run
 * client SQL (in query workers, however long the SQL takes) and everything
 * else, which only reads the catalog.  A slow query never delays a cheap
 * request.  Each lane holds at most so many requests and bytes.  Past
 * that, the reader waits for the catalog lane, which drains in
 * microseconds, but answers "busy" at once for the SQL lane, which may
 * not drain for minutes: the reader must stay free for ping and cancel.
 */
#define LANE_MAX_REQUESTS 4096
#define LANE_MAX_BYTES (64u << 20)
/* threads of the catalog lane */
#define CATALOG_THREADS 2
/* messages in one batch at most */
#define BATCH_MAX 1000

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CLIENT "io.modelcontextprotocol/clientInfo"
#define META_LOGLEVEL "io.modelcontextprotocol/logLevel"
#define META_SERVER "io.modelcontextprotocol/serverInfo"
#define META_CAPS "io.modelcontextprotocol/clientCapabilities"

struct batch {
	pthread_mutex_t lock;
	int pending;
	cJSON *responses;
};

enum lane_id { LANE_SQL, LANE_CATALOG, NLANES };

struct lane {
	pthread_cond_t nonempty;
	struct request *head, *tail;
	size_t len;
	size_t bytes;
	int busy;
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_idle = PTHREAD_COND_INITIALIZER;
static pthread_cond_t queue_nonfull = PTHREAD_COND_INITIALIZER;
static struct lane lanes[NLANES] = {
	{ .nonempty = PTHREAD_COND_INITIALIZER },
	{ .nonempty = PTHREAD_COND_INITIALIZER },
};
static bool queue_closed;

/*
 * Requests between parse and reply, hashed by printed id: thousands can be
 * queued at once, and each new one is checked for a duplicate id.
 */
#define INFLIGHT_BUCKETS 1024
static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static struct request *inflight[INFLIGHT_BUCKETS];

static struct request **bucket(const char *key)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h = (h ^ *p) * 16777619u;
	}
	return &inflight[h % INFLIGHT_BUCKETS];
}

struct worker_arg {
	int slot;
	enum lane_id lane;
};

static pthread_t *workers;
static struct db **worker_dbs;
static struct worker_arg *worker_args;
static int nworkers;

static __thread struct db *tls_catalog;

struct db *worker_catalog(void)
{
	return tls_catalog;
}

struct db *thread_catalog(void)
{
	return tls_catalog ? tls_catalog : server.catalog;
}

/* ---- batches ---- */

static struct batch *batch_create(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	pthread_mutex_init(&b->lock, NULL);
	b->pending = 1;
	b->responses = cJSON_CreateArray();
	return b;
}

static void batch_hold(struct batch *b)
{
	pthread_mutex_lock(&b->lock);
	b->pending++;
	pthread_mutex_unlock(&b->lock);
}

/* add a response (owned, may be NULL) and drop one hold */
static void batch_put(struct batch *b, cJSON *resp)
{
	bool last;

	pthread_mutex_lock(&b->lock);
	if (resp) {
		cJSON_AddItemToArray(b->responses, resp);
	}
	last = --b->pending == 0;
	pthread_mutex_unlock(&b->lock);
	if (!last) {
		return;
	}
	/* a batch of notifications only gets no reply at all */
	if (cJSON_GetArraySize(b->responses) > 0) {
		out_send(b->responses);
	} else {
		cJSON_Delete(b->responses);
	}
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* ---- requests ---- */

static void request_free(struct request *req)
{
	if (!req) {
		return;
	}
	cJSON_Delete(req->msg);
	free(req->id_key);
	free(req->client_name);
	free(req->client_version);
	free(req);
}

static void inflight_remove(struct request *req)
{
	pthread_mutex_lock(&inflight_lock);
	for (struct request **p = bucket(req->id_key); *p;
	     p = &(*p)->inflight_next) {
		if (*p == req) {
			*p = req->inflight_next;
			break;
		}
	}
	pthread_mutex_unlock(&inflight_lock);
}

/* false when a request with the same id is still being served */
static bool inflight_add(struct request *req)
{
	struct request **head = bucket(req->id_key);
	bool ok = true;

	pthread_mutex_lock(&inflight_lock);
	for (struct request *r = *head; r; r = r->inflight_next) {
		if (strcmp(r->id_key, req->id_key) == 0) {
			ok = false;
			break;
		}
	}
	if (ok) {
		req->inflight_next = *head;
		*head = req;
	}
	pthread_mutex_unlock(&inflight_lock);
	return ok;
}

static cJSON *response_new(const cJSON *id)
{
	cJSON *resp = cJSON_CreateObject();

	cJSON_AddStringToObject(resp, "jsonrpc", "2.0");
	cJSON_AddItemToObject(resp, "id",
			      id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
	return resp;
}

static cJSON *error_response(const cJSON *id, int code, const char *message,
			     cJSON *data)
{
	cJSON *resp = response_new(id);
	cJSON *err = cJSON_AddObjectToObject(resp, "error");

	cJSON_AddNumberToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	if (data) {
		cJSON_AddItemToObject(err, "data", data);
	}
	return resp;
}

static void finish(struct request *req, cJSON *resp)
{
	struct batch *b = req->batch;

	if (atomic_exchange(&req->answered, true)) {
		log_error("request %s answered twice", req->id_key);
		cJSON_Delete(resp);
		return;
	}
	inflight_remove(req);
	/* a cancelled request gets no response at all */
	if (cancel_raised(&req->cancel)) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	if (b) {
		batch_put(b, resp);
	} else if (resp) {
		out_send(resp);
	}
	request_free(req);
}

cJSON *result_new(const struct request *req)
{
	cJSON *result = cJSON_CreateObject();

	if (proto_modern(req->proto)) {
		cJSON *meta;

		cJSON_AddStringToObject(result, "resultType", "complete");
		meta = cJSON_AddObjectToObject(result, "_meta");
		cJSON_AddItemToObject(meta, META_SERVER,
				      server_info(req->proto));
	}
	return result;
}

void result_cacheable(const struct request *req, cJSON *result, int ttl_ms)
{
	if (!proto_modern(req->proto)) {
		return;
	}
	cJSON_AddNumberToObject(result, "ttlMs", ttl_ms);
	/* nothing mcpd serves depends on who asks */
	cJSON_AddStringToObject(result, "cacheScope", "public");
}

void reply_result(struct request *req, cJSON *result)
{
	cJSON *resp = response_new(req->id);

	cJSON_AddItemToObject(resp, "result", result);
	finish(req, resp);
}

void reply_error(struct request *req, int code, const char *message,
		 cJSON *data)
{
	finish(req, error_response(req->id, code, message, data));
}

void reply_invalid_params(struct request *req, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
	}
	va_end(ap);
	reply_error(req, RPC_INVALID_PARAMS, msg ? msg : "Invalid params",
		    NULL);
	free(msg);
}

/* ---- pagination ---- */

/*
 * Cursors are "p1:<offset>".  They are opaque to clients; the prefix lets
 * a later version change the form and still recognise its old cursors.
 */
bool page_begin(struct request *req, size_t total, size_t *ret_offset)
{
	const cJSON *cursor = cJSON_GetObjectItemCaseSensitive(req->params,
							       "cursor");
	const char *s;
	char *end;
	unsigned long long off;

	*ret_offset = 0;
	if (!cursor || cJSON_IsNull(cursor)) {
		return true;
	}
	if (!cJSON_IsString(cursor) ||
	    strncmp(cursor->valuestring, "p1:", 3) != 0) {
		return false;
	}
	s = cursor->valuestring + 3;
	if (*s < '0' || *s > '9') {
		return false;
	}
	errno = 0;
	off = strtoull(s, &end, 10);
	/* mcpd issues only whole pages short of the end */
	if (errno || *end || off == 0 || off >= total ||
	    off % (unsigned long long)server.opt.page_size != 0) {
		return false;
	}
	*ret_offset = (size_t)off;
	return true;
}

void page_end(const struct request *req, cJSON *result, size_t offset,
	      size_t shown, size_t total)
{
	char cursor[32];

	if (offset + shown < total) {
		snprintf(cursor, sizeof(cursor), "p1:%zu", offset + shown);
		cJSON_AddStringToObject(result, "nextCursor", cursor);
	}
}

/* ---- workers ---- */

static void run(struct request *req, const struct method_def *m)
{
	m->fn(req);
}

static bool lanes_idle(void)
{
	for (int i = 0; i < NLANES; i++) {
		if (lanes[i].head || lanes[i].busy > 0) {
			return false;
		}
	}
	return true;
}

/*
 * A thread's own catalog connection, opened for its first request: every
 * open parses the catalog's schema, and at startup the threads would do
 * it all at once, on the CPUs the initialize answer needs.
 */
static void open_thread_catalog(int slot)
{
	char *err = NULL;

	if (db_open(server.catalog_path, DB_READONLY, &worker_dbs[slot],
		    &err) < 0) {
		/* the reader's connection is as good, if slower */
		log_warn("%s", err);
		free(err);
		worker_dbs[slot] = NULL;
	} else {
		servable_register(worker_dbs[slot]);
	}
	tls_catalog = worker_dbs[slot] ? worker_dbs[slot] : server.catalog;
}

static void *worker_main(void *arg)
{
	const struct worker_arg *wa = arg;
	struct lane *lane = &lanes[wa->lane];
	int slot = wa->slot;
	bool opened = false;

	for (;;) {
		struct request *req;

		pthread_mutex_lock(&queue_lock);
		while (!lane->head && !queue_closed) {
			pthread_cond_wait(&lane->nonempty, &queue_lock);
		}
		req = lane->head;
		if (!req) {
			pthread_mutex_unlock(&queue_lock);
			break;
		}
		lane->head = req->next;
		if (!lane->head) {
			lane->tail = NULL;
		}
		lane->len--;
		lane->bytes -= req->bytes;
		lane->busy++;
		pthread_cond_signal(&queue_nonfull);
		pthread_mutex_unlock(&queue_lock);

		if (!opened) {
			open_thread_catalog(slot);
			opened = true;
		}
		if (cancel_raised(&req->cancel)) {
			reply_error(req, RPC_INTERNAL_ERROR, "cancelled",
				    NULL);
		} else {
			run(req, method_find(req->method));
		}
		pthread_mutex_lock(&queue_lock);
		lane->busy--;
		if (lanes_idle()) {
			pthread_cond_broadcast(&queue_idle);
		}
		pthread_mutex_unlock(&queue_lock);
	}
	return NULL;
}

static bool lane_full(const struct lane *lane, const struct request *req)
{
	/* one request alone always fits, however large */
	return lane->len > 0 && (lane->len >= LANE_MAX_REQUESTS ||
				 lane->bytes + req->bytes > LANE_MAX_BYTES);
}

/* false when the SQL lane is full: the caller answers "busy" */
static bool enqueue(struct request *req)
{
	bool sql = tools_call_in_worker(req);
	struct lane *lane = &lanes[sql ? LANE_SQL : LANE_CATALOG];

	pthread_mutex_lock(&queue_lock);
	while (lane_full(lane, req)) {
		if (sql) {
			pthread_mutex_unlock(&queue_lock);
			return false;
		}
		pthread_cond_wait(&queue_nonfull, &queue_lock);
	}
	req->next = NULL;
	if (lane->tail) {
		lane->tail->next = req;
	} else {
		lane->head = req;
	}
	lane->tail = req;
	lane->len++;
	lane->bytes += req->bytes;
	pthread_cond_signal(&lane->nonempty);
	pthread_mutex_unlock(&queue_lock);
	return true;
}

void rpc_init(void)
{
	tls_catalog = server.catalog;
	nworkers = server.opt.workers + CATALOG_THREADS;
	workers = xcalloc((size_t)nworkers, sizeof(*workers));
	worker_dbs = xcalloc((size_t)nworkers, sizeof(*worker_dbs));
	worker_args = xcalloc((size_t)nworkers, sizeof(*worker_args));
	for (int i = 0; i < nworkers; i++) {
		worker_args[i].slot = i;
		worker_args[i].lane = i < server.opt.workers ? LANE_SQL
							     : LANE_CATALOG;
		if (pthread_create(&workers[i], NULL, worker_main,
				   &worker_args[i]) != 0) {
			log_error("cannot start worker thread");
			abort();
		}
	}
}

void rpc_drain(void)
{
	pthread_mutex_lock(&queue_lock);
	while (!lanes_idle()) {
		pthread_cond_wait(&queue_idle, &queue_lock);
	}
	pthread_mutex_unlock(&queue_lock);
}

bool rpc_drain_for(int64_t ms)
{
	struct timespec until;
	bool idle;

	clock_after_ms(CLOCK_REALTIME, ms, &until);
	pthread_mutex_lock(&queue_lock);
	while (!lanes_idle() &&
	       pthread_cond_timedwait(&queue_idle, &queue_lock, &until) == 0) {
	}
	idle = lanes_idle();
	pthread_mutex_unlock(&queue_lock);
	return idle;
}

void rpc_cancel_all(void)
{
	pthread_mutex_lock(&inflight_lock);
	for (size_t i = 0; i < INFLIGHT_BUCKETS; i++) {
		for (struct request *r = inflight[i]; r; r = r->inflight_next) {
			cancel_raise(&r->cancel);
		}
	}
	pthread_mutex_unlock(&inflight_lock);
}

void rpc_finish(void)
{
	pthread_mutex_lock(&queue_lock);
	queue_closed = true;
	for (int i = 0; i < NLANES; i++) {
		pthread_cond_broadcast(&lanes[i].nonempty);
	}
	pthread_mutex_unlock(&queue_lock);
	for (int i = 0; i < nworkers; i++) {
		pthread_join(workers[i], NULL);
		db_close(worker_dbs[i]);
	}
	free(workers);
	free(worker_dbs);
	free(worker_args);
	subscriptions_close_all();
}

/* ---- incoming messages ---- */

static void send_error(struct batch *b, const cJSON *id, int code,
		       const char *message)
{
	cJSON *resp = error_response(id, code, message, NULL);

	if (b) {
		batch_hold(b);
		batch_put(b, resp);
	} else {
		out_send(resp);
	}
}

static void notification_cancelled(const cJSON *params)
{
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(params,
							    "requestId");
	struct request *listen = NULL;
	char *key;

	if (!rid || !(cJSON_IsString(rid) || cJSON_IsNumber(rid) ||
		      cJSON_IsRaw(rid))) {
		return;
	}
	key = cJSON_PrintUnformatted(rid);
	pthread_mutex_lock(&inflight_lock);
	for (struct request **p = bucket(key); *p; p = &(*p)->inflight_next) {
		struct request *r = *p;

		if (strcmp(r->id_key, key) != 0) {
			continue;
		}
		/* the spec forbids cancelling initialize */
		if (strcmp(r->method, "initialize") == 0) {
			break;
		}
		cancel_raise(&r->cancel);
		if (strcmp(r->method, "subscriptions/listen") == 0 &&
		    !atomic_exchange(&r->answered, true)) {
			*p = r->inflight_next;
			listen = r;
		}
		break;
	}
	pthread_mutex_unlock(&inflight_lock);
	free(key);
	if (listen) {
		subscriptions_cancel(listen);
		request_free(listen);
	}
}

static void handle_notification(const char *method, const cJSON *params)
{
	if (strcmp(method, "notifications/cancelled") == 0) {
		notification_cancelled(params);
	}
	/*
	 * notifications/initialized and anything else need no action:
	 * notifications are never answered, even unknown ones.
	 */
}

/* fill proto, client and log level from _meta or the session */
static int request_context(struct request *req, cJSON **ret_data,
			   const char **ret_msg)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(req->params,
							     "_meta");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(meta,
							    META_VERSION);
	struct session *s = &server.session;

	if (meta && !cJSON_IsObject(meta)) {
		*ret_msg = "params._meta must be an object";
		return RPC_INVALID_PARAMS;
	}
	req->progress_token = cJSON_GetObjectItemCaseSensitive(meta,
							       "progressToken");
	if (req->progress_token && !cJSON_IsString(req->progress_token) &&
	    !cJSON_IsNumber(req->progress_token) &&
	    !cJSON_IsRaw(req->progress_token)) {
		req->progress_token = NULL;
	}
	req->log_level = LEVEL_OFF;
	if (ver) {
		const cJSON *ci = cJSON_GetObjectItemCaseSensitive(meta,
								   META_CLIENT);
		const cJSON *lv = cJSON_GetObjectItemCaseSensitive(
			meta, META_LOGLEVEL);
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(ci,
								     "name");
		const cJSON *version = cJSON_GetObjectItemCaseSensitive(
			ci, "version");

		req->proto = cJSON_IsString(ver)
				     ? proto_parse(ver->valuestring)
				     : PROTO_NONE;
		if (req->proto == PROTO_NONE) {
			cJSON *data = cJSON_CreateObject();

			cJSON_AddItemToObject(data, "supported",
					      proto_supported_json());
			cJSON_AddItemToObject(data, "requested",
					      cJSON_Duplicate(ver, 1));
			*ret_data = data;
			*ret_msg = "Unsupported protocol version";
			return MCP_UNSUPPORTED_VERSION;
		}
		/* the specification calls a request without it malformed */
		if (proto_modern(req->proto) &&
		    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
			    meta, META_CAPS))) {
			*ret_msg = "Invalid params: params._meta[\"" META_CAPS
				   "\"] (an object) is required in protocol "
				   "version 2026-07-28";
			return RPC_INVALID_PARAMS;
		}
		if (cJSON_IsString(name)) {
			req->client_name = xstrdup(name->valuestring);
		}
		if (cJSON_IsString(version)) {
			req->client_version = xstrdup(version->valuestring);
		}
		if (cJSON_IsString(lv) && mcp_level_parse(lv->valuestring) >= 0) {
			req->log_level = mcp_level_parse(lv->valuestring);
		}
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	if (s->initialized) {
		req->proto = s->proto;
		req->log_level = s->log_level;
		if (s->client_name) {
			req->client_name = xstrdup(s->client_name);
		}
		if (s->client_version) {
			req->client_version = xstrdup(s->client_version);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void handle_request(cJSON *msg, const cJSON *id, const char *method,
			   const cJSON *params, struct batch *b, size_t bytes)
{
	const struct method_def *m;
	struct request *req = xcalloc(1, sizeof(*req));
	cJSON *data = NULL;
	const char *errmsg = NULL;
	int code;

	req->msg = msg;
	req->id = id;
	req->id_key = cJSON_PrintUnformatted(id);
	req->method = method;
	req->params = params;
	req->start_us = now_us();
	req->log_level = LEVEL_OFF;
	req->bytes = bytes;
	if (!inflight_add(req)) {
		send_error(b, id, RPC_INVALID_REQUEST,
			   "Invalid Request: a request with this id is "
			   "still in progress");
		request_free(req);
		return;
	}
	if (b) {
		batch_hold(b);
		req->batch = b;
	}
	m = method_find(method);
	if (!m) {
		char *text = xasprintf("Method not found: %s", method);

		reply_error(req, RPC_METHOD_NOT_FOUND, text, NULL);
		free(text);
		return;
	}
	if (params && !cJSON_IsObject(params)) {
		reply_error(req, RPC_INVALID_PARAMS,
			    "Invalid params: params must be an object", NULL);
		return;
	}
	code = request_context(req, &data, &errmsg);
	if (code) {
		reply_error(req, code, errmsg, data);
		return;
	}
	if (strcmp(method, "initialize") == 0) {
		if (b) {
			reply_error(req, RPC_INVALID_REQUEST,
				    "Invalid Request: initialize must not be "
				    "part of a batch", NULL);
			return;
		}
		method_initialize(req);
		return;
	}
	if (req->proto == PROTO_NONE && !(m->flags & METHOD_PRE_INIT)) {
		reply_error(req, RPC_INVALID_REQUEST,
			    "Invalid Request: the server is not initialized; "
			    "send initialize first, or name the protocol "
			    "version in params._meta[\"" META_VERSION "\"]",
			    NULL);
		return;
	}
	if (((m->flags & METHOD_LEGACY) && proto_modern(req->proto)) ||
	    ((m->flags & METHOD_MODERN) && req->proto != PROTO_NONE &&
	     !proto_modern(req->proto))) {
		char *text = xasprintf(
			"Method not found: %s is not part of protocol "
			"version %s", method, proto_name(req->proto));

		reply_error(req, RPC_METHOD_NOT_FOUND, text, NULL);
		free(text);
		return;
	}
	if (m->flags & METHOD_INLINE) {
		run(req, m);
	} else if (!enqueue(req)) {
		reply_error(req, RPC_INTERNAL_ERROR,
			    "Server busy: too many requests are waiting; "
			    "send this one again when some have been "
			    "answered", NULL);
	}
}

static bool valid_id(const cJSON *id)
{
	/* a raw item is a number kept as sent (jsonscan.h) */
	return id && (cJSON_IsString(id) || cJSON_IsNumber(id) ||
		      cJSON_IsRaw(id));
}

/*
 * One message: a request, a notification or (ignored) a response.
 * Takes ownership of msg.  `scan` is what jsonscan found in its text.
 */
static void handle_message(cJSON *msg, struct batch *b, size_t bytes,
			   const struct jsonscan_msg *scan, const char *line)
{
	const cJSON *jsonrpc, *method, *params;
	const cJSON *id;

	if (!cJSON_IsObject(msg)) {
		send_error(b, NULL, RPC_INVALID_REQUEST,
			   "Invalid Request: a message must be an object");
		cJSON_Delete(msg);
		return;
	}
	jsonscan_apply(scan, line, msg);
	if (scan->code) {
		id = cJSON_GetObjectItemCaseSensitive(msg, "id");
		/* a notification is never answered, even a refused one */
		if (id || scan->id_bad) {
			send_error(b, !scan->id_bad && valid_id(id) ? id : NULL,
				   scan->code, scan->message);
		}
		cJSON_Delete(msg);
		return;
	}
	jsonrpc = cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc");
	method = cJSON_GetObjectItemCaseSensitive(msg, "method");
	params = cJSON_GetObjectItemCaseSensitive(msg, "params");
	id = cJSON_GetObjectItemCaseSensitive(msg, "id");
	if (!method && (cJSON_HasObjectItem(msg, "result") ||
			cJSON_HasObjectItem(msg, "error"))) {
		/* mcpd sends no requests, so no response is awaited */
		cJSON_Delete(msg);
		return;
	}
	if (!cJSON_IsString(jsonrpc) ||
	    strcmp(jsonrpc->valuestring, "2.0") != 0) {
		send_error(b, valid_id(id) ? id : NULL, RPC_INVALID_REQUEST,
			   "Invalid Request: jsonrpc must be \"2.0\"");
		cJSON_Delete(msg);
		return;
	}
	if (!cJSON_IsString(method)) {
		send_error(b, valid_id(id) ? id : NULL, RPC_INVALID_REQUEST,
			   "Invalid Request: method must be a string");
		cJSON_Delete(msg);
		return;
	}
	if (id && !valid_id(id)) {
		send_error(b, NULL, RPC_INVALID_REQUEST,
			   cJSON_IsNull(id)
				   ? "Invalid Request: id must not be null"
				   : "Invalid Request: id must be a string "
				     "or a number");
		cJSON_Delete(msg);
		return;
	}
	if (!id) {
		handle_notification(method->valuestring,
				    cJSON_IsObject(params) ? params : NULL);
		cJSON_Delete(msg);
		return;
	}
	handle_request(msg, id, method->valuestring, params, b, bytes);
}

static bool batches_allowed(void)
{
	bool ok;

	pthread_mutex_lock(&server.session.lock);
	ok = server.session.initialized &&
	     server.session.proto == PROTO_2025_03_26;
	pthread_mutex_unlock(&server.session.lock);
	return ok;
}

void rpc_line_too_long(void)
{
	send_error(NULL, NULL, RPC_INVALID_REQUEST,
		   "Invalid Request: message exceeds the size limit");
}

void rpc_handle_line(const char *line, size_t len)
{
	const char *end = NULL;
	struct jsonscan scan;
	cJSON *msg;
	struct batch *b;
	size_t i;
	int n;

	for (i = 0; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			break;
		}
	}
	if (i == len) {
		return;
	}
	if (memchr(line, '\0', len) || !utf8_valid(line, len)) {
		send_error(NULL, NULL, RPC_PARSE_ERROR,
			   "Parse error: the message is not valid UTF-8");
		return;
	}
	/* strict JSON first: duplicate keys, NULs, ids as sent */
	if (jsonscan_line(line, len, &scan) < 0) {
		send_error(NULL, NULL, RPC_PARSE_ERROR,
			   "Parse error: the message is not valid JSON");
		return;
	}
	msg = cJSON_ParseWithOpts(line, &end, 1);
	if (!msg || (cJSON_IsArray(msg) ? (size_t)cJSON_GetArraySize(msg)
				: 1) != scan.nmsgs) {
		send_error(NULL, NULL, RPC_PARSE_ERROR,
			   "Parse error: the message is not valid JSON");
		goto out;
	}
	if (!cJSON_IsArray(msg)) {
		handle_message(msg, NULL, len, &scan.msgs[0], line);
		msg = NULL;
		goto out;
	}
	if (cJSON_GetArraySize(msg) == 0) {
		send_error(NULL, NULL, RPC_INVALID_REQUEST,
			   "Invalid Request: empty batch");
		goto out;
	}
	if (!batches_allowed()) {
		send_error(NULL, NULL, RPC_INVALID_REQUEST,
			   "Invalid Request: batches are only accepted with "
			   "protocol version 2025-03-26");
		goto out;
	}
	n = cJSON_GetArraySize(msg);
	if (n > BATCH_MAX) {
		char text[96];

		snprintf(text, sizeof(text), "Invalid Request: a batch holds "
			 "at most %d messages", BATCH_MAX);
		send_error(NULL, NULL, RPC_INVALID_REQUEST, text);
		goto out;
	}
	b = batch_create();
	/* detach from the head: linear in the batch, whatever its size */
	for (i = 0; msg->child; i++) {
		handle_message(cJSON_DetachItemViaPointer(msg, msg->child), b,
			       len / (size_t)n, &scan.msgs[i], line);
	}
	batch_put(b, NULL);
out:
	cJSON_Delete(msg);
	jsonscan_release(&scan);
}
