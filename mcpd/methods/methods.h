/*
 * methods: one handler per MCP method, named after the wire name
 * (method_tools_call for "tools/call").
 *
 * rpc.c checks the envelope, the revision and the params shape (an object
 * or absent) before a handler runs; the handler checks its own params and
 * answers with reply_result() or reply_error() exactly once.
 */
#ifndef MCPD_METHODS_H
#define MCPD_METHODS_H

#include "../server.h"

typedef void (*method_fn)(struct request *req);

enum method_flags {
	/* run on the reader thread: cheap, and order matters */
	METHOD_INLINE = 1 << 0,
	/* allowed before initialize (and without _meta) */
	METHOD_PRE_INIT = 1 << 1,
	/* only in initialize-based revisions */
	METHOD_LEGACY = 1 << 2,
	/* only in 2026-07-28 and later */
	METHOD_MODERN = 1 << 3,
};

struct method_def {
	const char *name;
	method_fn fn;
	unsigned flags;
};

/* NULL when no such method exists */
const struct method_def *method_find(const char *name);

/* lifecycle.c */
void method_initialize(struct request *req);
void method_ping(struct request *req);
void method_server_discover(struct request *req);
void method_logging_set_level(struct request *req);
/* the server's capabilities for a revision */
cJSON *server_capabilities(enum proto p);
cJSON *server_info(enum proto p);
extern const char server_instructions[];

/* tools.c */
void method_tools_list(struct request *req);
void method_tools_call(struct request *req);
/* does this request run a tool in a query worker (the slow lane)? */
bool tools_call_in_worker(const struct request *req);

/* resources.c */
void method_resources_list(struct request *req);
void method_resources_templates_list(struct request *req);
void method_resources_read(struct request *req);
void method_resources_subscribe(struct request *req);
void method_resources_unsubscribe(struct request *req);
/* "mcpd://datasets/NAME[/schema]" -> NAME (caller frees), or NULL */
char *resource_uri_dataset(const char *uri, bool *ret_schema);

/* prompts.c */
void method_prompts_list(struct request *req);
void method_prompts_get(struct request *req);

/* completion.c */
void method_completion_complete(struct request *req);

/* subscriptions.c */
void method_subscriptions_listen(struct request *req);
/* the watcher saw `changed` datasets (names) and the lists moved */
void subscriptions_notify(bool lists_changed, char **changed,
			  size_t nchanged);
/* a listen stream's request was cancelled: forget it, say nothing */
void subscriptions_cancel(struct request *req);
/* shutdown: answer every open stream */
void subscriptions_close_all(void);

#endif
