#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "term.h"
#include "mcp/banned.h"

static enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color_mode;

int term_set_color(const char *mode)
{
	if (strcmp(mode, "auto") == 0) {
		color_mode = COLOR_AUTO;
	} else if (strcmp(mode, "always") == 0) {
		color_mode = COLOR_ALWAYS;
	} else if (strcmp(mode, "never") == 0) {
		color_mode = COLOR_NEVER;
	} else {
		return -1;
	}
	return 0;
}

/*
 * --color wins over NO_COLOR, as no-color.org asks of command-line
 * arguments; NO_COLOR present and not empty wins over a terminal
 */
static bool color_on(int fd)
{
	const char *nc = getenv("NO_COLOR");

	if (color_mode != COLOR_AUTO) {
		return color_mode == COLOR_ALWAYS;
	}
	return isatty(fd) && !(nc && nc[0]);
}

bool term_color(void)
{
	return color_on(STDOUT_FILENO);
}

bool term_color_stderr(void)
{
	return color_on(STDERR_FILENO);
}

void term_warning(const char *fmt, ...)
{
	bool color = term_color_stderr();
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "mcpctl: %swarning:%s ", color ? TERM_YELLOW : "",
		color ? TERM_RESET : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *term_state_color(const char *state)
{
	if (strcmp(state, "enabled") == 0) {
		return TERM_GREEN;
	}
	if (strcmp(state, "unavailable") == 0) {
		return TERM_RED;
	}
	return TERM_DIM;
}

int term_width(void)
{
	struct winsize ws;
	const char *cols;

	if (!isatty(STDOUT_FILENO)) {
		return 0;
	}
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		return ws.ws_col;
	}
	cols = getenv("COLUMNS");
	if (cols && atoi(cols) > 0) {
		return atoi(cols);
	}
	return 80;
}

void term_duration(int64_t us, char *buf, size_t size)
{
	if (us < 1000) {
		snprintf(buf, size, "%lldus", (long long)us);
	} else if (us < 1000000) {
		snprintf(buf, size, "%.1fms", (double)us / 1e3);
	} else {
		snprintf(buf, size, "%.2fs", (double)us / 1e6);
	}
}

void term_bytes(int64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, size, "%lld B", (long long)n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

const char *term_status_color(const char *status)
{
	if (!status) {
		return "";
	}
	if (strcmp(status, "ok") == 0) {
		return "\033[32m";
	}
	if (strcmp(status, "error") == 0 || strcmp(status, "lost") == 0) {
		return "\033[31m";
	}
	if (strcmp(status, "timeout") == 0) {
		return "\033[33m";
	}
	if (strcmp(status, "denied") == 0) {
		return "\033[35m";
	}
	return "\033[2m";
}
