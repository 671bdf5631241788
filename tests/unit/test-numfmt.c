/*
 * Unit tests of common/numfmt.c: reals at a readable precision, and an
 * estimate beside its standard error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/numfmt.h"
#include "tap.h"

static void check(double d, int digits, const char *want)
{
	struct buf b = BUF_INIT;

	numfmt_add(&b, d, digits);
	is_str(buf_str(&b), want, "%.17g at %d digits", d, digits);
	buf_release(&b);
}

static void check_pair(double est, double se, const char *want_est,
		       const char *want_se)
{
	struct buf b = BUF_INIT, s = BUF_INIT;
	int dec = numfmt_decimals(se);

	numfmt_add_fixed(&b, est, dec);
	numfmt_add_fixed(&s, se, dec);
	is_str(buf_str(&b), want_est, "estimate %.17g beside SE %.17g", est,
	       se);
	is_str(buf_str(&s), want_se, "SE %.17g at 2 significant digits", se);
	buf_release(&b);
	buf_release(&s);
}

/*
 * The formatting by printf alone that numfmt's fast path must match
 * byte for byte: the %.15g-%.17g round trip, and %.*f at `digits`
 * significant digits with trailing zeros dropped.
 */
static void ref_exact(double d, char *out, size_t size)
{
	if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		snprintf(out, size, "%.0f", d);
		if (strcmp(out, "-0") == 0) {
			snprintf(out, size, "0");
		}
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, d);
		if (strtod(out, NULL) == d) {
			break;
		}
	}
}

static void ref_digits(double d, int digits, char *out, size_t size)
{
	double a = fabs(d);
	int decimals;
	size_t n;

	if ((d == floor(d) && a < 9007199254740992.0) || a < 1e-4 ||
	    a >= 1e15) {
		ref_exact(d, out, size);    /* not compared: other rules */
		return;
	}
	decimals = digits - 1 - (int)floor(log10(a));
	snprintf(out, size, "%.*f", decimals < 0 ? 0 : decimals, d);
	if (strchr(out, '.')) {
		n = strlen(out);
		while (out[n - 1] == '0') {
			out[--n] = '\0';
		}
		if (out[n - 1] == '.') {
			out[--n] = '\0';
		}
	}
}

/* a fixed xorshift: the same million values in every run */
static unsigned long long rng = 88172645463325252ULL;

static unsigned long long next_u64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* short decimals as data has them, and arbitrary doubles */
static double sample_double(int i)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7,
				      1e8, 1e9, 1e10, 1e11, 1e12 };
	unsigned long long u = next_u64();

	if (i % 4 == 3) {
		double d;

		memcpy(&d, &u, sizeof(d));
		return isfinite(d) ? d : 1.5;
	}
	/* m / 10^k with up to 16 digits, ties (…5) included */
	return (double)(long long)(u % 10000000000000000ULL) *
	       (u & 1 ? -1 : 1) / p10[(u >> 50) % 13] / (i % 4 == 2 ? 1e3 : 1);
}

static void fast_matches_printf(void)
{
	struct buf b = BUF_INIT;
	char want[64];
	int bad_exact = 0, bad_digits = 0;
	const int n = 300000;

	for (int i = 0; i < n; i++) {
		double d = sample_double(i);
		int digits = 1 + i % 16;

		buf_reset(&b);
		numfmt_add_exact(&b, d);
		ref_exact(d, want, sizeof(want));
		if (strcmp(buf_str(&b), want) != 0 && bad_exact++ < 5) {
			diag("exact %.17g: %s, printf %s", d, buf_str(&b),
			     want);
		}
		if (fabs(d) < 1e-4 || fabs(d) >= 1e15 || d == floor(d)) {
			continue;
		}
		buf_reset(&b);
		numfmt_add(&b, d, digits);
		ref_digits(d, digits, want, sizeof(want));
		if (strcmp(buf_str(&b), want) != 0 && bad_digits++ < 5) {
			diag("%d digits of %.17g: %s, printf %s", digits, d,
			     buf_str(&b), want);
		}
	}
	ok(bad_exact == 0, "exact text of %d doubles as printf's round "
	   "trip (%d differ)", n, bad_exact);
	ok(bad_digits == 0, "1 to 16 digits of them as printf's %%.*f "
	   "(%d differ)", bad_digits);
	buf_release(&b);
}

int main(void)
{
	struct buf b = BUF_INIT;

	/* the numbers of the issue: what a model read before */
	check(499.8133859608488, 7, "499.8134");
	check(72.91499999999999, 7, "72.915");
	check(0.30000000000000004, 7, "0.3");
	/* integers in full, never 1.5e+06 */
	check(1500000, 7, "1500000");
	check(1500000.6, 7, "1500001");
	check(123456789.4, 7, "123456789");
	check(-0.0, 7, "0");
	check(12345678901234.7, 7, "12345678901235");
	/* no exponent from 1e-4 on */
	check(0.000123456789, 7, "0.0001234568");
	check(0.0000123456789, 7, "1.234568e-05");
	check(1e300 * 10, 7, "1e+301");
	check(-2.5, 7, "-2.5");
	check(2.0 / 3, 3, "0.667");
	check(2.0 / 3, 1, "0.7");
	/* rounding up past a power of ten keeps the digits it should */
	check(9.99999996, 7, "10");
	check(0.099999996, 7, "0.1");
	/* 17 digits: every digit, reads back as the same double */
	check(0.1 + 0.2, 17, "0.30000000000000004");
	check(2.0 / 3, 0, "0.6666666666666666");
	check(NAN, 7, "NULL");
	check(-INFINITY, 7, "-Inf");

	numfmt_add_exact(&b, 1e21);
	ok(strtod(buf_str(&b), NULL) == 1e21, "1e21 reads back: %s",
	   buf_str(&b));
	buf_release(&b);

	/* as a statistician writes them: the SE at 2 significant digits */
	check_pair(12.345678, 0.012345, "12.346", "0.012");
	check_pair(0.5, 0.0996, "0.500", "0.100");
	check_pair(1234.5678, 56.78, "1235", "57");
	check_pair(98765.4, 1234.6, "98765", "1235");
	/* never "-0.00" */
	check_pair(-0.0004, 0.123, "0.00", "0.12");
	is_int(numfmt_decimals(0), -1, "a zero SE leaves the plain rules");
	is_int(numfmt_decimals(NAN), -1, "a NULL SE leaves the plain rules");
	fast_matches_printf();
	return tap_done();
}
