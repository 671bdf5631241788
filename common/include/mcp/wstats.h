/*
 * wstats: survey-weighted statistics.
 *
 * wstats_register() adds SQL aggregate functions to a connection, so a
 * model writing its own SQL can weight too:
 *   wsum(x, w)  wmean(x, w)  wquantile(x, w, q)  median(x)  stddev(x)
 * Sums use compensated (Neumaier) summation, so the order of rows does not
 * change the answer beyond rounding of the last bits.
 *
 * The weighted_stats tool (mcpd/tools/weighted.c) builds its SQL on these.
 */
#ifndef MCP_WSTATS_H
#define MCP_WSTATS_H

#include <sqlite3.h>

int wstats_register(sqlite3 *db);

#endif
