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

void utf8_trim_partial(char *s)
{
	size_t len = strlen(s), lead = len;
	size_t need;
	unsigned char c;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80 &&
	       len - lead < 3) {
		lead--;
	}
	if (lead == 0) {
		return;
	}
	c = (unsigned char)s[lead - 1];
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (c >= 0x80 && len - (lead - 1) < need) {
		s[lead - 1] = '\0';
	}
}
