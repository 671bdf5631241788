#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server.h"
#include "mcp/banned.h"

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF.  cJSON copies bytes through unchecked, so this is the only
 * place that keeps invalid text away from the handlers and the catalog.
 */
bool utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned int cp;

		if (c < 0x80) {
			uint64_t w;

			i++;
			/* answers are mostly ASCII: eight bytes at a time */
			while (i + 8 <= len) {
				memcpy(&w, s + i, 8);
				if (w & UINT64_C(0x8080808080808080)) {
					break;
				}
				i += 8;
			}
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n) {
			return false;
		}
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				return false;
			}
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			return false;
		}
		i += n + 1;
	}
	return true;
}

/*
 * One JSON string literal and nothing else: quotes around it, no raw
 * control byte, every backslash a valid escape, no unescaped quote before
 * the last byte.  A worker's text goes into the reply as it is, so this
 * is what keeps a worker from writing anything else into the line.
 */
bool json_literal_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	if (len < 2 || s[0] != '"' || s[len - 1] != '"') {
		return false;
	}
	for (size_t i = 1; i < len - 1; i++) {
		if (s[i] < 0x20 || s[i] == '"') {
			return false;
		}
		if (s[i] != '\\') {
			continue;
		}
		/* strchr() would find a NUL: it is a control byte anyway */
		if (++i >= len - 1 || s[i] < 0x20) {
			return false;
		}
		if (s[i] == 'u') {
			for (int k = 0; k < 4; k++) {
				if (++i >= len - 1 || s[i] < 0x20 ||
				    !strchr("0123456789abcdefABCDEF", s[i])) {
					return false;
				}
			}
		} else if (!strchr("\"\\/bfnrt", s[i])) {
			return false;
		}
	}
	return utf8_valid(str, len);
}
