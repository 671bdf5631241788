#include <string.h>

#include "mcp/utf8cut.h"
#include "mcp/banned.h"

size_t utf8_cut_len(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);

	if (len <= max) {
		return len;
	}
	len = max;
	/* back over continuation bytes (10xxxxxx) to a lead byte */
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) {
		len--;
	}
	return len;
}
