/*
 * chart: small charts for a terminal, in Unicode block characters or,
 * with `ascii`, in plain ASCII (for terminals and logs that mangle
 * UTF-8).
 */
#ifndef MCPCTL_CHART_H
#define MCPCTL_CHART_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* one line of n values, each one character tall from lowest to highest */
void chart_spark(FILE *out, const int64_t *v, size_t n, bool ascii);
/* a horizontal bar of value/max * width cells (eighths in Unicode) */
void chart_bar(FILE *out, int64_t value, int64_t max, int width, bool ascii);

#endif
