/*
 * xalloc: allocation that never returns NULL.
 *
 * Running out of memory is not an error either program can recover from in
 * a useful way, so these wrappers print one line to stderr and abort.  Every
 * pointer they return belongs to the caller and is released with free().
 */
#ifndef MCP_XALLOC_H
#define MCP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/*
 * From now on, running out of memory exits with `status` instead of
 * aborting: a query worker's limit is an answer for the server, not a bug.
 */
void xalloc_set_exit_status(int status);
/*
 * What the out-of-memory message says around "out of memory (allocating
 * N bytes)": `prefix` before it ("mcpctl"), `note` after it (what became
 * of the user's data).  Both are borrowed and must outlive the program.
 */
void xalloc_set_oom_message(const char *prefix, const char *note);
/*
 * Called after the message and before the exit of
 * xalloc_set_exit_status(): the last chance to undo what must not
 * outlive the process (mcpctl's catalog_writers row).  It may find
 * memory scarce, and must only fail, never crash, then.
 */
void xalloc_set_oom_hook(void (*hook)(void));
/* printf into a fresh string */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
