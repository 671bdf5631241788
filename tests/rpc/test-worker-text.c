/*
 * The check that lets a query worker's text into the server's reply as
 * it is (json_literal_valid): every JSON string literal the renderer
 * writes passes, and nothing that could end the string early, or carry
 * raw control bytes or invalid UTF-8 into the line, does.
 */
#include <string.h>

#include "mcp/render.h"
#include "server.h"
#include "../unit/tap.h"

static bool valid(const char *s)
{
	return json_literal_valid(s, strlen(s));
}

int main(void)
{
	static const char *const texts[] = {
		"", "plain", "| a | b |\n|---|---|\n", "\"quoted\" \\ back",
		"\x01\x1f\x7f tab\t cr\r", "\xe2\x80\xa8 \xc3\xa9 \xf0\x9f\x98\x80",
	};
	static const char *const bad[] = {
		"", "\"", "plain", "\"open", "open\"", "\"a\"b\"",
		"\"a\" , \"b\"", "\"\\\"", "\"\\x41\"", "\"\\u12\"",
		"\"\\u12g4\"", "\"raw\nline\"", "\"tab\there\"",
		"\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"\\\0u\"",
		"\"a\"}],\"isError\":true,\"x\":\"",
	};
	bool all = true;

	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		struct buf b = BUF_INIT;

		render_json_string_n(&b, texts[i], strlen(texts[i]));
		if (!json_literal_valid(b.data, b.len)) {
			diag("refused: %s", b.data);
			all = false;
		}
		buf_release(&b);
	}
	ok(all, "every literal the renderer writes passes");
	ok(valid("\"\\u00e9\\/\\b\\f\\n\\r\\t\\\"\\\\\""),
	   "every JSON escape passes");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ok(!valid(bad[i]), "bad literal %zu is refused", i);
	}
	return tap_done();
}
