/*
 * numfmt: real numbers at a readable precision (see numfmt.h).
 */
#include <math.h>
#include <stdbool.h>
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

/*
 * The fast path of every function below, which formats without printf
 * (glibc's printf of a double runs a bignum algorithm: it was a quarter of
 * the time to return 100,000 rows).  Most reals in data are short
 * decimals: 12.5, 4175.25, 0.37.  A double d is one when d = m / 10^k for
 * an integer m of at most 15 digits: since m and 10^k (k <= 15) are exact
 * doubles and IEEE division rounds correctly, (double)m / 10^k == d means
 * that the decimal m·10^-k is the very text strtod() reads back as d.
 * With at most 15 significant digits it is also what "%.15g" prints, and
 * rounding it to fewer digits (below) rounds exactly as printf rounds the
 * binary value, except at a decimal tie, which goes to printf.
 */
#define SPLIT_MAX_M 1000000000000000LL       /* 10^15 */
#define SPLIT_MAX_K 15

static const double pow10_exact[SPLIT_MAX_K + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15,
};

/* d = m·10^-k with |m| < 10^15, k minimal; false when it is not so */
static bool split_decimal(double d, long long *ret_m, int *ret_k)
{
	double a = fabs(d);

	if (!(a >= PLAIN_MIN && a < PLAIN_MAX)) {
		return false;
	}
	for (int k = 0; k <= SPLIT_MAX_K; k++) {
		double scaled = d * pow10_exact[k];
		double r;

		if (fabs(scaled) >= (double)SPLIT_MAX_M) {
			return false;
		}
		r = nearbyint(scaled);
		if (r / pow10_exact[k] == d) {
			*ret_m = (long long)r;
			*ret_k = k;
			return true;
		}
	}
	return false;
}

/* m·10^-k as a plain decimal, e.g. (-12345, 3) -> "-12.345" */
static int add_decimal(struct buf *b, long long m, int k)
{
	char digits[24], out[48];
	unsigned long long u = m < 0 ? 0ULL - (unsigned long long)m
				     : (unsigned long long)m;
	int n = 0, o = 0;

	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n <= k) {
		digits[n++] = '0';      /* 0.05: the leading zeros */
	}
	if (m < 0) {
		out[o++] = '-';
	}
	for (int i = n - 1; i >= 0; i--) {
		out[o++] = digits[i];
		if (i == k && k > 0) {
			out[o++] = '.';
		}
	}
	out[o] = '\0';
	return buf_addstr(b, out);
}

static int add_integral(struct buf *b, double d)
{
	return add_decimal(b, (long long)d, 0);
}

/*
 * m·10^-k rounded to `decimals` places (decimals < k), trailing zeros
 * dropped; false at an exact decimal tie, where printf's rounding of the
 * binary value decides.
 */
static bool add_rounded(struct buf *b, long long m, int k, int decimals)
{
	long long p = 1, q, rem, half;
	unsigned long long u = m < 0 ? 0ULL - (unsigned long long)m
				     : (unsigned long long)m;

	for (int i = 0; i < k - decimals; i++) {
		p *= 10;
	}
	q = (long long)(u / (unsigned long long)p);
	rem = (long long)(u % (unsigned long long)p);
	half = p / 2;
	if (rem == half) {
		return false;
	}
	if (rem > half) {
		q++;
	}
	while (decimals > 0 && q % 10 == 0) {
		q /= 10;
		decimals--;
	}
	if (q == 0) {
		return false;           /* printf decides about "-0" */
	}
	add_decimal(b, m < 0 ? -q : q, decimals);
	return true;
}

int numfmt_add_exact(struct buf *b, double d)
{
	char num[40];
	long long m;
	int k;

	if (!isfinite(d)) {
		return add_special(b, d);
	}
	if (d == floor(d) && fabs(d) < EXACT_INT) {
		return add_integral(b, d);
	}
	if (split_decimal(d, &m, &k)) {
		return add_decimal(b, m, k);
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
	long long m;
	int decimals, k;

	if (digits <= 0 || digits >= NUMFMT_FULL_DIGITS) {
		return numfmt_add_exact(b, d);
	}
	if (!isfinite(d)) {
		return add_special(b, d);
	}
	if (d == floor(d) && a < EXACT_INT) {
		return add_integral(b, d);
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
	/* past 15 digits printf shows the binary value's own digits */
	if (digits <= 15 && split_decimal(d, &m, &k)) {
		if (k <= decimals) {
			return add_decimal(b, m, k);
		}
		if (add_rounded(b, m, k, decimals)) {
			return 0;
		}
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
