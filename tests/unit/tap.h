/*
 * tap: the assert header of the unit tests, printing TAP.
 *
 * Each check prints "ok N - name" or "not ok N - name" plus a diagnostic
 * on failure; the program ends with `return tap_done();`, which prints the
 * plan ("1..N") when tap_plan() was not called first and returns 0 only
 * when every check passed and the count matches the plan.  Checks keep
 * going after a failure, so one run shows everything that is wrong.
 *
 * Strings passed to the checks are borrowed; names are printf formats.
 * The macros may evaluate their arguments more than once.
 */
#ifndef MCP_TAP_H
#define MCP_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	int count;
	int failed;
	int planned;
} tap_state __attribute__((unused));

static inline void tap_plan(int n)
{
	tap_state.planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void tap_vresult(bool pass, const char *file, int line,
			       const char *fmt, va_list ap)
{
	tap_state.count++;
	if (!pass) {
		tap_state.failed++;
	}
	printf("%sok %d - ", pass ? "" : "not ", tap_state.count);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass) {
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

__attribute__((format(printf, 4, 5)))
static inline bool tap_ok(bool pass, const char *file, int line,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

__attribute__((format(printf, 6, 7)))
static inline bool tap_is_int(intmax_t got, intmax_t want, const char *file,
			      int line, const char *expr, const char *fmt, ...)
{
	bool pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		printf("#   %s\n#        got: %jd\n#   expected: %jd\n",
		       expr, got, want);
	}
	return pass;
}

/* prints a string with escapes so CR, LF and bytes >= 0x80 show */
static inline void tap_show(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c == '\r') {
			fputs("\\r", stdout);
		} else if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c < 0x20 || c >= 0x7f) {
			printf("\\x%02x", c);
		} else {
			putchar(c);
		}
	}
	putchar('"');
}

__attribute__((format(printf, 7, 8)))
static inline bool tap_is_mem(const char *got, size_t got_len,
			      const char *want, size_t want_len,
			      const char *file, int line, const char *fmt, ...)
{
	bool pass;
	va_list ap;

	if (!got || !want) {
		pass = got == want;
	} else {
		pass = got_len == want_len && memcmp(got, want, got_len) == 0;
	}
	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		fputs("#        got: ", stdout);
		if (got) {
			tap_show(got, got_len);
		} else {
			fputs("NULL", stdout);
		}
		fputs("\n#   expected: ", stdout);
		if (want) {
			tap_show(want, want_len);
		} else {
			fputs("NULL", stdout);
		}
		putchar('\n');
	}
	return pass;
}

static inline int tap_done(void)
{
	if (!tap_state.planned) {
		printf("1..%d\n", tap_state.count);
	} else if (tap_state.planned != tap_state.count) {
		printf("# planned %d checks but ran %d\n",
		       tap_state.planned, tap_state.count);
		return 1;
	}
	if (tap_state.failed) {
		printf("# %d of %d checks failed\n", tap_state.failed,
		       tap_state.count);
		return 1;
	}
	return 0;
}

/* a diagnostic line that TAP readers show but do not count */
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((intmax_t)(got), (intmax_t)(want), __FILE__, __LINE__, \
		   #got " == " #want, __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_mem((got), (got) ? strlen(got) : 0, (want), \
		   (want) ? strlen(want) : 0, __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(got, got_len, want, want_len, ...) \
	tap_is_mem((got), (got_len), (want), (want_len), __FILE__, __LINE__, \
		   __VA_ARGS__)

#endif
