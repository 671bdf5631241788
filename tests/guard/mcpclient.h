/*
 * mcpclient: a small MCP client for tests that drive the real mcpd over
 * pipes, measure how long each answer takes, and check every line mcpd
 * writes (valid UTF-8, valid JSON).
 */
#ifndef TESTS_MCPCLIENT_H
#define TESTS_MCPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"

#define MCP_STASH 256

struct mcp {
	pid_t pid;
	int in;                 /* mcpd's stdin */
	int out;                /* mcpd's stdout */
	struct buf pending;
	cJSON *stash[MCP_STASH];
	int next_id;
	size_t lines;           /* lines read so far */
	size_t bad_lines;       /* ... not valid UTF-8 or not JSON */
	size_t longest;         /* bytes of the longest line */
	/* when set, lines for which it returns true are counted here */
	bool (*line_check)(const char *line);
	size_t flagged;
};

double mcp_now(void);

/* start $MCPD --db catalog extra... (NULL-terminated); exits 77 (skip)
 * when MCPD is not set */
void mcp_start(struct mcp *m, const char *catalog, const char *const *extra);
/* initialize with `version` and notifications/initialized */
void mcp_initialize(struct mcp *m, const char *version);
void mcp_send_line(struct mcp *m, const char *line);
/* send a request; returns its id.  Takes ownership of params. */
int mcp_send(struct mcp *m, const char *method, cJSON *params);
/* tools/call of `tool` with `args` (owned) */
int mcp_send_tool(struct mcp *m, const char *tool, cJSON *args);
/* the next line mcpd writes (caller frees), or NULL after `timeout` s */
char *mcp_read_line(struct mcp *m, double timeout);
/* the reply to `id`, or NULL after `timeout` seconds */
cJSON *mcp_wait(struct mcp *m, int id, double timeout);
/* the text of a tool result ("" when there is none) */
const char *mcp_text(const cJSON *reply);
bool mcp_is_error(const cJSON *reply);
/* bytes of content text plus printed structuredContent */
size_t mcp_answer_bytes(const cJSON *reply);
/* close stdin and wait; the rusage covers mcpd and its reaped workers */
int mcp_stop(struct mcp *m, struct rusage *ret_usage);
/* peak resident memory (VmHWM) of a live process, in kB; -1 if unknown */
long mcp_peak_kb(pid_t pid);

#endif
