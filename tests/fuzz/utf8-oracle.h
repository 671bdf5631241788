/*
 * utf8-oracle: the fuzz targets' own UTF-8 check, written byte by byte
 * apart from the code under test (common/ and mcpd/ have theirs), so that
 * a bug there cannot hide itself: overlong forms, surrogates and code
 * points past U+10FFFF are invalid.
 */
#ifndef FUZZ_UTF8_ORACLE_H
#define FUZZ_UTF8_ORACLE_H

#include <stddef.h>

static inline int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n) {
			return 0;
		}
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				return 0;
			}
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			return 0;
		}
		i += len;
	}
	return 1;
}

#endif
