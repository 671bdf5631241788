#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mcp/xalloc.h"
#include "mcpclient.h"

double mcp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mcp_start(struct mcp *m, const char *catalog, const char *const *extra)
{
	const char *mcpd = getenv("MCPD");
	const char *argv[32];
	int to[2], from[2], n = 0;

	if (!mcpd) {
		printf("1..0 # SKIP MCPD is not set\n");
		exit(0);
	}
	memset(m, 0, sizeof(*m));
	m->next_id = 1;
	argv[n++] = mcpd;
	argv[n++] = "--db";
	argv[n++] = catalog;
	for (int i = 0; extra && extra[i] && n < 31; i++) {
		argv[n++] = extra[i];
	}
	argv[n] = NULL;
	if (pipe(to) < 0 || pipe(from) < 0) {
		perror("pipe");
		exit(99);
	}
	signal(SIGPIPE, SIG_IGN);
	m->pid = fork();
	if (m->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execv(mcpd, (char *const *)argv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	m->in = to[1];
	m->out = from[0];
	buf_init(&m->pending, 0);
}

void mcp_send_line(struct mcp *m, const char *line)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t w = write(m->in, line + off, len - off);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w < 0) {
			return;
		}
		off += (size_t)w;
	}
	if (write(m->in, "\n", 1) < 0) {
		return;
	}
}

int mcp_send(struct mcp *m, const char *method, cJSON *params)
{
	cJSON *req = cJSON_CreateObject();
	int id = m->next_id++;
	char *line;

	cJSON_AddStringToObject(req, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(req, "id", id);
	cJSON_AddStringToObject(req, "method", method);
	if (params) {
		cJSON_AddItemToObject(req, "params", params);
	}
	line = cJSON_PrintUnformatted(req);
	mcp_send_line(m, line);
	free(line);
	cJSON_Delete(req);
	return id;
}

int mcp_send_tool(struct mcp *m, const char *tool, cJSON *args)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "name", tool);
	cJSON_AddItemToObject(p, "arguments", args);
	return mcp_send(m, "tools/call", p);
}

void mcp_initialize(struct mcp *m, const char *version)
{
	cJSON *p = cJSON_CreateObject();
	cJSON *info = cJSON_AddObjectToObject(p, "clientInfo");
	int id;

	cJSON_AddStringToObject(p, "protocolVersion", version);
	cJSON_AddObjectToObject(p, "capabilities");
	cJSON_AddStringToObject(info, "name", "containment-test");
	cJSON_AddStringToObject(info, "version", "1");
	id = mcp_send(m, "initialize", p);
	cJSON_Delete(mcp_wait(m, id, 10));
	mcp_send_line(m, "{\"jsonrpc\":\"2.0\",\"method\":"
			 "\"notifications/initialized\"}");
}

/* RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xC0) != 0x80) {
				return false;
			}
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
			return false;
		}
		i += k + 1;
	}
	return true;
}

char *mcp_read_line(struct mcp *m, double timeout)
{
	double end = mcp_now() + timeout;

	for (;;) {
		char *nl = m->pending.data ? memchr(m->pending.data, '\n',
						    m->pending.len)
					   : NULL;
		struct pollfd p = { m->out, POLLIN, 0 };
		char chunk[65536];
		ssize_t r;
		int ms;

		if (nl) {
			size_t len = (size_t)(nl - m->pending.data);
			char *line = xstrndup(m->pending.data, len);

			memmove(m->pending.data, nl + 1,
				m->pending.len - len - 1);
			m->pending.len -= len + 1;
			m->pending.data[m->pending.len] = '\0';
			m->lines++;
			if (len > m->longest) {
				m->longest = len;
			}
			if (m->line_check && m->line_check(line)) {
				m->flagged++;
			}
			if (!utf8_ok((const unsigned char *)line, len)) {
				m->bad_lines++;
				printf("# line %zu is not valid UTF-8\n",
				       m->lines);
			}
			return line;
		}
		ms = (int)((end - mcp_now()) * 1000);
		if (ms <= 0 || poll(&p, 1, ms) <= 0) {
			return NULL;
		}
		r = read(m->out, chunk, sizeof(chunk));
		if (r <= 0) {
			return NULL;
		}
		buf_add(&m->pending, chunk, (size_t)r);
	}
}

static int id_of(const cJSON *msg)
{
	const cJSON *id = cJSON_GetObjectItem(msg, "id");

	return cJSON_IsNumber(id) ? id->valueint : -1;
}

cJSON *mcp_wait(struct mcp *m, int id, double timeout)
{
	double end = mcp_now() + timeout;

	for (size_t i = 0; i < MCP_STASH; i++) {
		if (m->stash[i] && id_of(m->stash[i]) == id) {
			cJSON *r = m->stash[i];

			m->stash[i] = NULL;
			return r;
		}
	}
	for (;;) {
		double left = end - mcp_now();
		char *line = left > 0 ? mcp_read_line(m, left) : NULL;
		cJSON *msg;

		if (!line) {
			return NULL;
		}
		msg = cJSON_Parse(line);
		if (!msg) {
			m->bad_lines++;
			printf("# line %zu is not JSON: %.100s\n", m->lines,
			       line);
		}
		free(line);
		if (!msg || id_of(msg) < 0) {
			cJSON_Delete(msg);      /* a notification */
			continue;
		}
		if (id_of(msg) == id) {
			return msg;
		}
		for (size_t i = 0; i < MCP_STASH && msg; i++) {
			if (!m->stash[i]) {
				m->stash[i] = msg;
				msg = NULL;
			}
		}
		cJSON_Delete(msg);
	}
}

const char *mcp_text(const cJSON *reply)
{
	const cJSON *result = cJSON_GetObjectItem(reply, "result");
	const cJSON *content = cJSON_GetObjectItem(result, "content");
	const cJSON *text = cJSON_GetObjectItem(cJSON_GetArrayItem(content,
								   0),
						"text");

	if (cJSON_IsString(text)) {
		return text->valuestring;
	}
	text = cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "error"),
				   "message");
	return cJSON_IsString(text) ? text->valuestring : "";
}

bool mcp_is_error(const cJSON *reply)
{
	const cJSON *result = cJSON_GetObjectItem(reply, "result");

	return !result || cJSON_IsTrue(cJSON_GetObjectItem(result, "isError"));
}

size_t mcp_answer_bytes(const cJSON *reply)
{
	const cJSON *sc = cJSON_GetObjectItem(cJSON_GetObjectItem(reply,
								  "result"),
					      "structuredContent");
	size_t n = strlen(mcp_text(reply));

	if (sc) {
		char *s = cJSON_PrintUnformatted(sc);

		n += strlen(s);
		free(s);
	}
	return n;
}

int mcp_stop(struct mcp *m, struct rusage *ret_usage)
{
	int status = -1;

	close(m->in);
	/* drain what is left so mcpd never blocks on a full pipe */
	for (;;) {
		char *line = mcp_read_line(m, 10);

		if (!line) {
			break;
		}
		free(line);
	}
	while (wait4(m->pid, &status, 0, ret_usage) < 0 && errno == EINTR) {
	}
	close(m->out);
	buf_release(&m->pending);
	for (size_t i = 0; i < MCP_STASH; i++) {
		cJSON_Delete(m->stash[i]);
	}
	return status;
}

long mcp_peak_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f) {
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
			break;
		}
	}
	fclose(f);
	return kb;
}
