/*
 * jsonscan: one linear pass over a raw JSON-RPC line before cJSON parses
 * it, for what cJSON cannot tell afterwards.
 *
 * cJSON keeps the first of two equal keys, where a JavaScript host keeps
 * the last, so a message with duplicate keys could mean one thing to mcpd
 * and another to the host that shows it: such a message is refused.  cJSON
 * also cuts a string at an escaped NUL (\u0000), so what runs could differ
 * from what was sent: refused too.  And cJSON turns every number into a
 * double, so an id such as 9007199254740993 or 1e400 would come back as
 * another number or null: the scanner keeps the original text of numeric
 * ids, request ids and progress tokens, and jsonscan_apply() puts it back
 * into the parsed message as a cJSON raw item, which prints verbatim.
 *
 * A struct jsonscan and its messages are owned by the caller, who frees
 * them with jsonscan_release(); offsets point into the scanned line.
 */
#ifndef MCPD_JSONSCAN_H
#define MCPD_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

enum jsonscan_field {
	JSONSCAN_ID,            /* id */
	JSONSCAN_REQUEST_ID,    /* params.requestId */
	JSONSCAN_PROGRESS,      /* params._meta.progressToken */
	JSONSCAN_NFIELDS,
};

struct jsonscan_msg {
	int code;               /* 0, or the JSON-RPC error code to answer */
	char *message;          /* owned; with code */
	bool id_bad;            /* the id itself is at fault: answer null */
	size_t raw_off[JSONSCAN_NFIELDS];
	size_t raw_len[JSONSCAN_NFIELDS];   /* 0: not a number */
};

struct jsonscan {
	bool batch;             /* the line is an array */
	struct jsonscan_msg *msgs;
	size_t nmsgs;           /* one per element, or one */
};

/*
 * Scan `len` bytes at `s`.  Returns 0, or -EINVAL when the line is not
 * strict JSON (the caller answers a parse error).
 */
int jsonscan_line(const char *s, size_t len, struct jsonscan *ret);
void jsonscan_release(struct jsonscan *js);

/* replace numeric fields of the parsed message `msg` with their text */
void jsonscan_apply(const struct jsonscan_msg *m, const char *s, cJSON *msg);

#endif
