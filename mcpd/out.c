#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mcp/fdio.h"
#include "mcp/log.h"
#include "mcp/xalloc.h"
#include "server.h"
#include "mcp/banned.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int out_fd = STDOUT_FILENO;

int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void out_init(int fd)
{
	out_fd = fd;
}

/* `p` and a newline, in one write unless the pipe takes less */
static void write_line(const char *p, size_t len)
{
	struct iovec iov[2] = { { (void *)p, len }, { "\n", 1 } };
	int r = fd_writev_all(out_fd, iov, 2);

	/* the client went away: nothing more can be said */
	if (r < 0 && !atomic_exchange(&server.out_broken, true)) {
		log_warn("cannot write to stdout: %s", strerror(-r));
		server_request_stop();
	}
}

void out_send(cJSON *msg)
{
	char *text;
	size_t len;

	if (!msg) {
		return;
	}
	text = cJSON_PrintUnformatted(msg);
	cJSON_Delete(msg);
	if (!text) {
		log_error("cannot serialise a message");
		return;
	}
	len = strlen(text);
	/* the line and its newline under one lock: lines never interleave */
	pthread_mutex_lock(&out_lock);
	if (!atomic_load(&server.out_broken)) {
		write_line(text, len);
	}
	pthread_mutex_unlock(&out_lock);
	free(text);
}

void out_notify(const char *method, cJSON *params)
{
	cJSON *msg = cJSON_CreateObject();

	cJSON_AddStringToObject(msg, "jsonrpc", "2.0");
	cJSON_AddStringToObject(msg, "method", method);
	if (params) {
		cJSON_AddItemToObject(msg, "params", params);
	}
	out_send(msg);
}

void out_log(int threshold, enum mcp_level level, const char *logger,
	     const char *fmt, ...)
{
	cJSON *params;
	char *text;
	va_list ap;

	if (threshold >= LEVEL_OFF || (int)level < threshold) {
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0) {
		va_end(ap);
		return;
	}
	va_end(ap);
	params = cJSON_CreateObject();
	cJSON_AddStringToObject(params, "level", mcp_level_name(level));
	if (logger) {
		cJSON_AddStringToObject(params, "logger", logger);
	}
	cJSON_AddStringToObject(params, "data", text);
	free(text);
	out_notify("notifications/message", params);
}
