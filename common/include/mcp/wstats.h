/*
 * wstats: survey-weighted statistics.
 *
 * wstats_register() adds SQL aggregate functions to a connection, so a
 * model writing its own SQL can weight too:
 *   wsum(x, w)          sum of w*x (also a window function)
 *   wmean(x, w)         sum of w*x / sum of w (also a window function)
 *   wquantile(x, w, q)  smallest x whose weighted share reaches q, the rule
 *                       of R survey's svyquantile(qrule = "math")
 *   median(x)           the ordinary unweighted median
 *   stddev(x)           sample standard deviation (n - 1)
 * Rows with a NULL argument are skipped; a negative weight or a value that
 * is not a number is an SQL error.  Sums use compensated (Neumaier)
 * summation, so the order of rows does not change the answer beyond
 * rounding of the last bits.  docs/weighting.md has the definitions.
 *
 * Returns 0, or a negative errno when a function cannot be registered.
 * The weighted_stats tool (mcpd/tools/weighted.c) builds its SQL on these.
 */
#ifndef MCP_WSTATS_H
#define MCP_WSTATS_H

#include <sqlite3.h>

int wstats_register(sqlite3 *db);

#endif
