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
	return tap_done();
}
