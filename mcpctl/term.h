/*
 * term: what mcpctl's human output needs to know about stdout: whether to
 * color (a terminal, and NO_COLOR unset), how wide it is, and numbers
 * written for people.
 */
#ifndef MCPCTL_TERM_H
#define MCPCTL_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool term_color(void);
/* columns of stdout when it is a terminal ($COLUMNS, else 80), else 0 */
int term_width(void);
/* "850us", "12.3ms", "1.24s" */
void term_duration(int64_t us, char *buf, size_t size);
/* "512 B", "1.5 KiB", "12.0 MiB" */
void term_bytes(int64_t n, char *buf, size_t size);
/* the SGR color of a call status, or "" */
const char *term_status_color(const char *status);

#define TERM_RESET "\033[0m"
#define TERM_DIM "\033[2m"
#define TERM_BOLD "\033[1m"

#endif
