/*
 * stop: how any thread, or a signal handler, ends mcpd's read loop.  The
 * reader polls the read end of a pipe next to stdin; a stop writes a byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "server.h"
#include "mcp/banned.h"

static int stop_pipe[2] = { -1, -1 };

int stop_init(void)
{
	return pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ? -errno : 0;
}

int stop_fd(void)
{
	return stop_pipe[0];
}

void server_request_stop(void)
{
	int saved = errno;
	char c = 0;

	if (stop_pipe[1] >= 0 && write(stop_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a stop is pending already */
	}
	errno = saved;
}
