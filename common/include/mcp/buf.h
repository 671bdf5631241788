/*
 * buf: a growable byte buffer with a ceiling.
 *
 * A struct buf owns its bytes.  `data` is always NUL-terminated (so it can
 * be used as a C string when the content has no NUL), `len` excludes the
 * terminator.  Start with BUF_INIT or buf_init(); release with buf_release()
 * or take the bytes with buf_detach(), which leaves the buffer empty.
 *
 * `max` bounds the content length: appends that would exceed it fail with
 * -E2BIG and leave the buffer unchanged.  0 means no ceiling beyond memory.
 * Every buffer that holds input from a client or a file must set one.
 */
#ifndef MCP_BUF_H
#define MCP_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t max;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* returns the bytes (caller frees, never NULL) and resets the buffer */
char *buf_detach(struct buf *b, size_t *ret_len);
void buf_reset(struct buf *b);
/* make room for `extra` more bytes; -E2BIG past the ceiling */
int buf_grow(struct buf *b, size_t extra);
int buf_add_slow(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);

/*
 * Inline for the case that needs no growth: rendering a result appends a
 * few bytes at a time, millions of times.
 */
static inline int buf_add(struct buf *b, const void *data, size_t len)
{
	/* alloc > len once allocated, and max >= len: neither can wrap */
	if (len < b->alloc - b->len && (!b->max || len <= b->max - b->len)) {
		/* memcpy from NULL is undefined even for 0 bytes */
		if (len) {
			memcpy(b->data + b->len, data, len);
		}
		b->len += len;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_add_slow(b, data, len);
}

static inline int buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* the content as a C string: "" for an empty, never-allocated buffer */
const char *buf_str(const struct buf *b);

#endif
