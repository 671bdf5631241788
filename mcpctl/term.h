/*
 * term: what mcpctl's human output needs to know about stdout: whether to
 * color (--color, else a terminal and NO_COLOR unset), how wide it is,
 * and numbers written for people.
 */
#ifndef MCPCTL_TERM_H
#define MCPCTL_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --color auto|always|never (term.c); -1 for another word */
int term_set_color(const char *mode);
/* color stdout? --color, else a terminal without NO_COLOR */
bool term_color(void);
/* the same for stderr, where warnings go */
bool term_color_stderr(void);
/* "mcpctl: warning: ..." on stderr, the word in yellow when colored */
void term_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the SGR color of a dataset state: enabled, disabled, unavailable */
const char *term_state_color(const char *state);
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
#define TERM_RED "\033[31m"
#define TERM_GREEN "\033[32m"
#define TERM_YELLOW "\033[33m"

#endif
