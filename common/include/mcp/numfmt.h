/*
 * numfmt: real numbers as a reader wants to see them.
 *
 * Every number a model reads costs tokens, and seventeen digits of a mean
 * (499.8133859608488) say nothing that seven do not.  Text for reading
 * (markdown, CSV, messages, `mcpctl dataset show`) shows reals at a few
 * significant digits; machine output (structuredContent, JSON) keeps the
 * shortest text that reads back as the same double.
 *
 * The rules: up to `digits` significant digits, trailing zeros dropped;
 * never fewer digits than the integer part has (123456789.4 shows as
 * 123456789, not 1.234568e+08); no exponent between 1e-4 and 1e15;
 * integral values in full up to 2^53.  NaN and infinities read as in
 * SQL output: NULL, Inf and -Inf.
 *
 * Every function appends to a caller-owned struct buf and returns what
 * buf_addstr() returns.
 */
#ifndef MCP_NUMFMT_H
#define MCP_NUMFMT_H

#include <stdbool.h>

#include "mcp/buf.h"

/* significant digits of reals in text for reading, unless configured */
#define NUMFMT_DEFAULT_DIGITS 7
/* 17 digits (or more) is the full round-trip precision of a double */
#define NUMFMT_FULL_DIGITS 17

/* `d` at up to `digits` significant digits (>= 17 or <= 0: exact) */
int numfmt_add(struct buf *b, double d, int digits);
/* `d` as the shortest decimal that reads back as the same double */
int numfmt_add_exact(struct buf *b, double d);

/*
 * An estimate and its standard error as a statistician writes them: the
 * SE at 2 significant digits (but never past the units), the estimate at
 * the SE's decimal place, trailing zeros kept because they say how
 * precise the estimate is.  numfmt_decimals() gives that decimal place
 * (for confidence limits printed beside them), or -1 when the SE is not
 * a positive finite number and the plain rules apply.
 */
int numfmt_decimals(double se);
/* `d` with exactly `decimals` decimals (never "-0") */
int numfmt_add_fixed(struct buf *b, double d, int decimals);

#endif
