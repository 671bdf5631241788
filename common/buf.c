#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/xalloc.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

char *buf_detach(struct buf *b, size_t *ret_len)
{
	char *p;

	if (!b->data) {
		buf_grow(b, 0);
	}
	p = b->data;
	if (ret_len) {
		*ret_len = b->len;
	}
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data) {
		b->data[0] = '\0';
	}
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, alloc;

	if (b->max && (extra > b->max || b->len > b->max - extra)) {
		return -E2BIG;
	}
	if (extra > SIZE_MAX - b->len - 1) {
		return -E2BIG;
	}
	need = b->len + extra + 1;
	if (need <= b->alloc) {
		return 0;
	}
	alloc = b->alloc ? b->alloc : 64;
	while (alloc < need) {
		alloc = alloc < SIZE_MAX / 2 ? alloc * 2 : need;
	}
	b->data = xrealloc(b->data, alloc);
	if (b->alloc == 0) {
		b->data[0] = '\0';
	}
	b->alloc = alloc;
	return 0;
}

int buf_add_slow(struct buf *b, const void *data, size_t len)
{
	int r = buf_grow(b, len);

	if (r < 0) {
		return r;
	}
	if (len) {
		memcpy(b->data + b->len, data, len);
	}
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	int r;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		return -EINVAL;
	}
	r = buf_grow(b, (size_t)n);
	if (r < 0) {
		return r;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}
