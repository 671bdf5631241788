#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/xalloc.h"

/* 0: abort; else _exit with this status (a query worker's memory limit) */
static int oom_exit_status;

void xalloc_set_exit_status(int status)
{
	oom_exit_status = status;
}

static const char *oom_prefix, *oom_note;
static void (*oom_hook)(void);

void xalloc_set_oom_hook(void (*hook)(void))
{
	oom_hook = hook;
}

void xalloc_set_oom_message(const char *prefix, const char *note)
{
	oom_prefix = prefix;
	oom_note = note;
}

static void die_oom(size_t size)
{
	/* no allocation here: stdio's stderr is unbuffered */
	fprintf(stderr, "%s%sout of memory (allocating %zu bytes)%s%s\n",
		oom_prefix ? oom_prefix : "", oom_prefix ? ": " : "", size,
		oom_note ? "; " : "", oom_note ? oom_note : "");
	if (oom_exit_status) {
		if (oom_hook) {
			oom_hook();
		}
		_exit(oom_exit_status);
	}
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p) {
		die_oom(size);
	}
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p) {
		die_oom(nmemb * size);
	}
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p) {
		die_oom(size);
	}
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0) {
		die_oom(0);
	}
	return p;
}
