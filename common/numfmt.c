/*
 * numfmt: real numbers at a readable precision (see numfmt.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/numfmt.h"
#include "mcp/banned.h"

/* integers a double holds exactly */
#define EXACT_INT 9007199254740992.0
/* plain decimals from here up to PLAIN_MAX; exponents outside */
#define PLAIN_MIN 1e-4
#define PLAIN_MAX 1e15

static int add_special(struct buf *b, double d)
{
	if (isnan(d)) {
		return buf_addstr(b, "NULL");
	}
	return buf_addstr(b, d > 0 ? "Inf" : "-Inf");
}

/* drop trailing zeros after a decimal point, and the point itself */
static void strip_zeros(char *num)
{
	char *e = strchr(num, 'e');
	char *dot = strchr(num, '.');
	char exp[16] = "";
	size_t n;

	if (!dot) {
		return;
	}
	if (e) {
		snprintf(exp, sizeof(exp), "%s", e);
		*e = '\0';
	}
	n = strlen(num);
	while (n > 0 && num[n - 1] == '0') {
		num[--n] = '\0';
	}
	if (n > 0 && num[n - 1] == '.') {
		num[--n] = '\0';
	}
	memmove(num + n, exp, strlen(exp) + 1);
}

/* "-0", "-0.00" and the like read as zero */
static const char *no_negative_zero(const char *num)
{
	if (num[0] != '-') {
		return num;
	}
	for (const char *p = num + 1; *p; p++) {
		if (*p != '0' && *p != '.') {
			return num;
		}
	}
	return num + 1;
}

int numfmt_add_exact(struct buf *b, double d)
{
	char num[40];

	if (!isfinite(d)) {
		return add_special(b, d);
	}
	if (d == floor(d) && fabs(d) < EXACT_INT) {
		snprintf(num, sizeof(num), "%.0f", d);
		return buf_addstr(b, no_negative_zero(num));
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, d);
		if (strtod(num, NULL) == d) {
			break;
		}
	}
	return buf_addstr(b, num);
}

int numfmt_add(struct buf *b, double d, int digits)
{
	char num[64];
	double a = fabs(d);
	int decimals;

	if (digits <= 0 || digits >= NUMFMT_FULL_DIGITS) {
		return numfmt_add_exact(b, d);
	}
	if (!isfinite(d)) {
		return add_special(b, d);
	}
	if (d == floor(d) && a < EXACT_INT) {
		snprintf(num, sizeof(num), "%.0f", d);
		return buf_addstr(b, no_negative_zero(num));
	}
	if (a < PLAIN_MIN || a >= PLAIN_MAX) {
		snprintf(num, sizeof(num), "%.*e", digits - 1, d);
		strip_zeros(num);
		return buf_addstr(b, num);
	}
	/* digits after the point so that `digits` are significant */
	decimals = digits - 1 - (int)floor(log10(a));
	if (decimals < 0) {
		decimals = 0;
	}
	snprintf(num, sizeof(num), "%.*f", decimals, d);
	strip_zeros(num);
	return buf_addstr(b, no_negative_zero(num));
}

int numfmt_decimals(double se)
{
	int decimals;

	if (!isfinite(se) || se <= 0) {
		return -1;
	}
	/* two significant digits: 0.01234 -> 3 decimals, 12.3 -> 0 */
	decimals = 1 - (int)floor(log10(se));
	/* an SE rounded up may gain a digit (0.0996 -> 0.10): still fine */
	if (decimals < 0) {
		decimals = 0;
	}
	/* past 15 decimals a double has no digits left to show */
	return decimals > 15 ? 15 : decimals;
}

int numfmt_add_fixed(struct buf *b, double d, int decimals)
{
	char num[400];

	if (!isfinite(d)) {
		return add_special(b, d);
	}
	if (fabs(d) >= PLAIN_MAX) {
		return numfmt_add_exact(b, d);
	}
	snprintf(num, sizeof(num), "%.*f", decimals < 0 ? 0 : decimals, d);
	return buf_addstr(b, no_negative_zero(num));
}
