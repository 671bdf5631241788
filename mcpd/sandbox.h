/*
 * sandbox: the server's side of the query workers (worker.h).
 *
 * A fixed set of slots, each holding at most one worker process.  A tool
 * call takes an idle worker, hands it the call, and waits for the answer
 * with a deadline.  The worker is killed (SIGKILL) and its slot refilled
 * when the deadline passes, when the call is cancelled, when the answer
 * grows past what the byte limit allows, or when it dies on its own (the
 * memory limit).  One idle worker is kept warm beyond the busy ones, so a
 * call never waits for a process to start.
 */
#ifndef MCPD_SANDBOX_H
#define MCPD_SANDBOX_H

#include <stdint.h>

#include "tools/tool.h"

/* the time a worker gets past the query timeout before it is killed */
#define SANDBOX_KILL_GRACE_MS 300
/* the time a query gets once the client closed its input */
#define SANDBOX_EOF_GRACE_MS 500

/*
 * `slots` workers at most (the calls that can run at once, plus the warm
 * spare).  The spare starts at sandbox_warm(), or a moment after this.
 * Returns 0 or a negative errno.
 */
int sandbox_init(const char *catalog_path, int slots);
/* start the warm spare now (initialize was answered) */
void sandbox_warm(void);
/* run `t` (a TOOL_IN_WORKER tool) for `call` in a worker: fills the "out"
 * half of the call, never blocks past the deadline */
void sandbox_call(const struct tool_def *t, struct tool_call *call);
/* kill every worker and wait for them; running calls answer at once */
void sandbox_stop(void);
/* live worker processes, for tests and the debug log */
int sandbox_live_workers(void);

#endif
