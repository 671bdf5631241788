/*
 * tool: the contract between mcpd's tools/call dispatcher and each tool.
 *
 * The dispatcher (mcpd/methods) validates that `arguments` is an object,
 * fills the "in" half of a struct tool_call, runs the tool on a worker
 * thread, then turns the "out" half into a CallToolResult: `text` becomes
 * one text content block, `structured` becomes structuredContent (left out
 * for protocol revisions without it), `is_error` becomes isError, and the
 * log_* fields go to query_logs.  The dispatcher frees everything in the
 * call afterwards (tool_call_finish).
 *
 * A tool reports bad arguments and failed queries as tool errors
 * (tool_error), never as protocol errors, so the model can correct itself.
 */
#ifndef MCPD_TOOL_H
#define MCPD_TOOL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"
#include "mcp/cancel.h"
#include "mcp/db.h"
#include "mcp/query.h"

struct context_cache_put;

struct tool_call {
	/* in: borrowed from the dispatcher */
	const cJSON *args;                  /* an object, never NULL */
	struct db *catalog;                 /* read-only catalog connection */
	struct qpool *pool;                 /* guarded query connections */
	const struct query_limits *limits;  /* effective limits */
	const struct cancel *cancel;        /* raised on cancellation */
	void *progress_ctx;                 /* opaque, for tool_progress() */
	/* where tool_progress() goes; NULL: call_progress() of the server */
	void (*progress_fn)(void *ctx, double progress, double total,
			    const char *message);

	/* out: filled by the tool */
	struct buf text;                    /* markdown for the model */
	/*
	 * Or, from a query worker, the text already as a JSON string
	 * literal (owned), passed into the reply as it is, and the bytes of
	 * the text it holds.
	 */
	char *text_json;
	size_t text_json_bytes;
	cJSON *structured;                  /* owned by the call, or NULL */
	bool is_error;

	/* out: what query_logs records */
	const char *log_status;             /* static: "ok" unless set */
	char *log_sql;                      /* owned, or NULL */
	char *log_datasets;                 /* owned, comma-separated, or NULL */
	int64_t log_rows;
	bool cache_hit;                     /* the context cache answered */
	struct context_cache_put *log_cache; /* owned: stored with the row */
};

typedef void (*tool_fn)(struct tool_call *call);

/* where a tool runs */
enum tool_where {
	TOOL_IN_SERVER,     /* reads the catalog only: served at once */
	TOOL_IN_WORKER,     /* runs client SQL: in a worker process */
};

struct tool_def {
	const char *name;
	const char *title;
	const char *description;
	const char *input_schema;    /* JSON Schema text */
	const char *output_schema;   /* JSON Schema text, or NULL */
	tool_fn run;
	enum tool_where where;
};

/*
 * Arguments that `t`'s inputSchema does not declare (where it says
 * "additionalProperties": false, as every tool's does): false with the
 * message for the model in `err`.  The one check for every tool.
 */
bool tool_args_check(const struct tool_def *t, const cJSON *args,
		     struct buf *err);

/* after a tool_error about dataset `name`: a did-you-mean, when close */
void tool_suggest_dataset(struct tool_call *call, const char *name);

/* every tool, in the order tools/list shows them; NULL-terminated */
extern const struct tool_def *const tool_registry[];
const struct tool_def *tool_find(const char *name);

/* set is_error, log_status "error" (unless already set) and the text */
void tool_error(struct tool_call *call, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* notifications/progress when the request carried a progressToken */
void tool_progress(struct tool_call *call, double progress, double total,
		   const char *message);

/* the `digits` argument of the tools that show query results */
#define DIGITS_SCHEMA                                                        \
	"\"digits\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":17,"     \
	"\"description\":\"significant digits shown (default 7)\"}"

/* display_digits, then the `digits` argument; false after tool_error */
bool tool_query_opts(struct tool_call *call, struct query_opts *ret);

/* copy a query_result into the call (text, structured, status, rows) */
void tool_take_query_result(struct tool_call *call, struct query_result *qr);

/* argument helpers: NULL / fallback when absent; type errors via tool_error */
const char *tool_arg_string(struct tool_call *call, const char *key,
			    bool required);
bool tool_arg_int(struct tool_call *call, const char *key, int64_t min,
		  int64_t max, int64_t *inout_value);

void tool_call_finish(struct tool_call *call);
/* the bytes of the call's text, however it is held */
size_t tool_text_bytes(const struct tool_call *call);

extern const struct tool_def tool_list_datasets;
extern const struct tool_def tool_describe_dataset;
extern const struct tool_def tool_query;
extern const struct tool_def tool_sample_rows;
extern const struct tool_def tool_search_datasets;
extern const struct tool_def tool_query_many;
extern const struct tool_def tool_weighted_stats;

#endif
