/*
 * querylog.h: the parts of the query log writer (querylog.c) that live in
 * files of their own.  server.h holds the interface the rest of mcpd uses
 * (struct querylog_entry, querylog_push); this header is for querylog.c,
 * logrow.c and logprune.c only.
 */
#ifndef MCPD_QUERYLOG_H
#define MCPD_QUERYLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "mcp/db.h"

/* what the log keeps of sql_text and of arguments, in bytes */
#define LOGROW_TEXT_MAX 16384

/*
 * One long text as stored: the first LOGROW_TEXT_MAX bytes (cut at a
 * character boundary), the whole length and the SHA-256 of the whole.
 * `text` is owned, or NULL when there was no text.
 */
struct logrow_text {
	char *text;
	int64_t len;
	char hash[65];
};

/* this process's session id: 32 hex digits, set by querylog_start */
const char *querylog_session_id(void);

/* takes ownership of `s` (may be NULL) */
void logrow_text_init(struct logrow_text *t, char *s);
void logrow_text_finish(struct logrow_text *t);

/*
 * The arguments JSON with the value of every member named like a secret
 * (key, token, password, ...) replaced by "***", at any depth.  Returns a
 * new string; text that is not JSON comes back as "***" whole, since it
 * cannot be checked.
 */
char *logrow_mask_args(const char *json);
/* true when a member of this name holds a secret */
bool logrow_secret_name(const char *name);

/* "2026-11-27T03:29:14.123Z" for a wall-clock time in ms; buf >= 32 */
void logrow_format_ts(int64_t ms, char *buf, size_t size);
/* the wall clock in ms */
int64_t logrow_now_ms(void);

/*
 * Retention (logprune.c), run by the writer thread on its own connection:
 * rows older than log_retention_days, then the oldest rows while the log
 * weighs more than log_max_mb.  Deletes in batches short enough that the
 * write lock is never held for more than about 50 ms.  Returns the rows
 * deleted, or a negative errno.
 */
int64_t logprune_run(struct db *db);
/* the log's weight (sum of row_bytes), or -1 when it cannot be read */
int64_t logprune_weight(struct db *db);

#endif
