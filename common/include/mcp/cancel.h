/*
 * cancel: a flag one thread raises and another polls.
 *
 * mcpd raises it when a client sends notifications/cancelled (or on
 * shutdown); long work polls it, for SQL from a progress handler, so a
 * cancelled query stops within a few thousand VM steps.
 */
#ifndef MCP_CANCEL_H
#define MCP_CANCEL_H

#include <stdatomic.h>
#include <stdbool.h>

struct cancel {
	atomic_bool raised;
};

#define CANCEL_INIT { false }

static inline void cancel_raise(struct cancel *c)
{
	atomic_store(&c->raised, true);
}

static inline bool cancel_raised(const struct cancel *c)
{
	return c && atomic_load(&((struct cancel *)c)->raised);
}

#endif
