/*
 * The floor for trivial-call latency: a JSON-RPC "server" in C that reads
 * one line from stdin and answers it at once, on the same kind of pipe
 * mcpd uses.  It parses nothing but the id.  Built by run.sh.
 */
#include <stdio.h>
#include <string.h>

int main(void)
{
	static char line[1 << 16];

	while (fgets(line, sizeof(line), stdin)) {
		const char *id = strstr(line, "\"id\":");
		size_t n;

		if (!id) {
			continue; /* a notification */
		}
		id += 5;
		n = strspn(id, "0123456789");
		printf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":{"
		       "\"content\":[{\"type\":\"text\",\"text\":\"1\"}]}}\n",
		       (int)n, id);
		fflush(stdout);
	}
	return 0;
}
