#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "term.h"
#include "mcp/banned.h"

bool term_color(void)
{
	const char *nc = getenv("NO_COLOR");

	/* no-color.org: present and not empty disables color */
	return isatty(STDOUT_FILENO) && !(nc && nc[0]);
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
