/*
 * server: the state one mcpd process shares between its threads.
 *
 * The reader thread (main thread) owns the input side: it reads lines,
 * validates them as JSON-RPC and either answers at once (cheap methods) or
 * queues a struct request for the worker pool.  Every thread writes to
 * stdout through out_write(), which serialises whole lines.
 *
 * A struct request lives from the moment it is parsed until it is answered
 * (or cancelled).  While it lives it is in the in-flight table, so
 * notifications/cancelled can find it by id.  Request handlers answer with
 * reply_result() or reply_error(), exactly once; both take ownership of
 * what they are given.
 */
#ifndef MCPD_SERVER_H
#define MCPD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "mcp/cancel.h"
#include "mcp/db.h"
#include "mcp/query.h"

/* JSON-RPC and MCP error codes */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
#define MCP_RESOURCE_NOT_FOUND -32002        /* 2025-11-25 and earlier */
#define MCP_UNSUPPORTED_VERSION -32022       /* 2026-07-28 */

/* protocol revisions, oldest first, so features compare with >= */
enum proto {
	PROTO_NONE = 0,
	PROTO_2024_11_05,
	PROTO_2025_03_26,
	PROTO_2025_06_18,
	PROTO_2025_11_25,
	PROTO_2026_07_28,
};

#define PROTO_NEWEST_LEGACY PROTO_2025_11_25
#define PROTO_NEWEST PROTO_2026_07_28

const char *proto_name(enum proto p);
/* PROTO_NONE when the string names no revision this build serves */
enum proto proto_parse(const char *s);
/* ["2026-07-28", "2025-11-25", ...], newest first */
cJSON *proto_supported_json(void);

/* fields and features by revision */
static inline bool proto_modern(enum proto p)
{
	return p >= PROTO_2026_07_28;
}
static inline bool proto_has_annotations(enum proto p)
{
	return p >= PROTO_2025_03_26;
}
static inline bool proto_has_titles(enum proto p)
{
	return p >= PROTO_2025_06_18;
}
static inline bool proto_has_structured(enum proto p)
{
	return p >= PROTO_2025_06_18;
}

/* MCP log levels (RFC 5424 order); LEVEL_OFF means "send nothing" */
enum mcp_level {
	LEVEL_DEBUG,
	LEVEL_INFO,
	LEVEL_NOTICE,
	LEVEL_WARNING,
	LEVEL_ERROR,
	LEVEL_CRITICAL,
	LEVEL_ALERT,
	LEVEL_EMERGENCY,
	LEVEL_OFF,
};
const char *mcp_level_name(enum mcp_level l);
/* -1 when unknown */
int mcp_level_parse(const char *s);

struct batch;

struct request {
	cJSON *msg;                 /* the message, owned */
	const cJSON *id;            /* in msg */
	char *id_key;               /* id printed, for lookups */
	const char *method;         /* in msg */
	const cJSON *params;        /* in msg, NULL when absent */
	enum proto proto;           /* the revision this request speaks */
	int log_level;              /* enum mcp_level for this request */
	const cJSON *progress_token;/* in msg, or NULL */
	char *client_name;          /* owned, or NULL */
	char *client_version;
	struct cancel cancel;
	atomic_bool answered;       /* set by the first reply */
	struct batch *batch;        /* or NULL */
	int64_t start_us;
	size_t bytes;               /* its share of the line it came in */
	struct request *next;       /* queue and in-flight links */
	struct request *inflight_next;
};

struct listen_stream;

struct session {
	pthread_mutex_t lock;
	bool initialized;           /* initialize answered */
	enum proto proto;           /* negotiated by initialize */
	char *client_name;
	char *client_version;
	int log_level;              /* logging/setLevel, LEVEL_OFF before */
	char **subs;                /* resources/subscribe URIs */
	size_t nsubs;
	struct listen_stream *streams;  /* subscriptions/listen */
};

struct options {
	const char *db_path;
	int workers;
	int page_size;
	struct query_limits limits;     /* read with limits_get() */
	struct query_limits fixed;      /* set by flags (> 0), else 0 */
};

struct server {
	struct options opt;
	char *catalog_path;
	struct db *catalog;         /* reader thread's read-only connection */
	struct qpool *pool;         /* guarded query connections, or NULL */
	struct session session;
	atomic_bool stopping;
	atomic_bool out_broken;     /* stdout is gone */
	atomic_bool catalog_gone;   /* the catalog file was replaced */
	atomic_llong input_closed_us;   /* when stdin ended, or 0 */
	dev_t catalog_dev;          /* the file served, as opened */
	ino_t catalog_ino;
};

extern struct server server;

/* microseconds on a monotonic clock */
int64_t now_us(void);

/* out.c: one serialised writer for stdout (or the fd given) */
void out_init(int fd);
/* print `msg` compactly plus a newline; takes ownership of msg */
void out_send(cJSON *msg);
/* a notification: method and params (owned, may be NULL) */
void out_notify(const char *method, cJSON *params);
/* notifications/message when the level passes `threshold` */
void out_log(int threshold, enum mcp_level level, const char *logger,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* utf8.c */
bool utf8_valid(const char *s, size_t len);
bool json_literal_valid(const char *s, size_t len);

/* rpc.c: answering requests */
void reply_result(struct request *req, cJSON *result);
void reply_error(struct request *req, int code, const char *message,
		 cJSON *data);
/* -32602 with a formatted message */
void reply_invalid_params(struct request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* the result object with resultType/_meta for modern revisions */
cJSON *result_new(const struct request *req);
/* ttlMs/cacheScope on a list or read result (modern only) */
void result_cacheable(const struct request *req, cJSON *result, int ttl_ms);

/* handle one parsed line from the client (reader thread) */
void rpc_handle_line(const char *line, size_t len);
/* a line over the size ceiling was dropped */
void rpc_line_too_long(void);
void rpc_init(void);
/* wait until every queued request has been answered */
void rpc_drain(void);
/* wait at most `ms` for every queued request to be answered; true if so */
bool rpc_drain_for(int64_t ms);
/* raise the cancel flag of every request in flight or queued: they end
 * without a response */
void rpc_cancel_all(void);
/* stop workers after the queue drains; close listen streams */
void rpc_finish(void);
/* main.c: end the read loop from any thread (the catalog went away,
 * stdout broke); safe in a signal handler */
void server_request_stop(void);
/* stop.c: the pipe behind server_request_stop() */
int stop_init(void);
int stop_fd(void);

/* pagination: [offset, offset+page) of `total`; false on a bad cursor */
bool page_begin(struct request *req, size_t total, size_t *ret_offset);
void page_end(const struct request *req, cJSON *result, size_t offset,
	      size_t shown, size_t total);

/* the worker's catalog connection (NULL on the reader thread) */
struct db *worker_catalog(void);
/* the catalog connection for the calling thread */
struct db *thread_catalog(void);

/* methods/tools.c: notifications/progress for running tool calls */
void call_progress(void *ctx, double progress, double total,
		   const char *message);
void progress_ticker_start(void);
void progress_ticker_stop(void);

/* watch.c: hot reload */
/* the current limits: system_config, overridden by flags */
void limits_get(struct query_limits *ret);
/* reload system_config's limits (flags still win) */
void limits_reload(struct db *db);
int watch_start(void);
void watch_stop(void);

/* querylog.c: background writer of query_logs rows */
struct querylog_entry {
	char *client_name;
	char *client_version;
	char *request_id;           /* the JSON-RPC id as text */
	const char *protocol;       /* static: proto_name() */
	bool cache_hit;             /* a cache served the answer */
	char *tool;
	char *datasets;
	char *sql_text;             /* whole: the writer cuts and hashes */
	char *arguments;            /* whole JSON: the writer masks secrets */
	const char *status;
	char *error_text;
	int64_t rows;
	int64_t bytes;
	int64_t duration_us;
	int64_t ts_ms;              /* set by querylog_push: wall clock */
	/* a rendering to store in the same transaction (context_cache.h) */
	struct context_cache_put *cache;
	struct querylog_entry *next;
};
int querylog_start(const char *catalog_path);
/* takes ownership of e */
void querylog_push(struct querylog_entry *e);
void querylog_stop(void);

#endif
