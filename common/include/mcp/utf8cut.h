/*
 * utf8cut: cutting text without splitting a character.
 *
 * Every byte mcpd writes must be valid UTF-8, so a message shortened to a
 * limit is cut at the last character boundary at or before it.
 */
#ifndef MCP_UTF8CUT_H
#define MCP_UTF8CUT_H

#include <stddef.h>

/* the length of the longest prefix of `s` (NUL-terminated) that is at most
 * `max` bytes and ends on a character boundary */
size_t utf8_cut_len(const char *s, size_t max);
/* drop an incomplete character from the end of `s` (after snprintf cut) */
void utf8_trim_partial(char *s);

#endif
