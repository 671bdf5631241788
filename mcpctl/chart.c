#include "chart.h"
#include "mcp/banned.h"

static const char *const spark_utf8[] = {
	" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█",
};
static const char spark_ascii[] = " .:-=+*#@";
static const char *const eighths[] = {
	"", "▏", "▎", "▍", "▌", "▋", "▊", "▉",
};

void chart_spark(FILE *out, const int64_t *v, size_t n, bool ascii)
{
	int64_t max = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] > max) {
			max = v[i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		/* any call shows: level 1 at least, 8 for the maximum */
		int level = max == 0 || v[i] == 0
				    ? 0
				    : 1 + (int)((v[i] - 1) * 7 / (max > 1
									 ? max - 1
									 : 1));

		if (level > 8) {
			level = 8;
		}
		if (ascii) {
			fputc(spark_ascii[level], out);
		} else {
			fputs(spark_utf8[level], out);
		}
	}
}

void chart_bar(FILE *out, int64_t value, int64_t max, int width, bool ascii)
{
	int64_t cells8;

	if (max <= 0 || value <= 0) {
		return;
	}
	cells8 = value * width * 8 / max;
	if (cells8 == 0) {
		cells8 = 1;
	}
	for (int64_t i = 0; i < cells8 / 8; i++) {
		fputs(ascii ? "#" : "█", out);
	}
	if (ascii) {
		if (cells8 % 8 >= 4 || cells8 < 8) {
			fputc(cells8 < 8 ? '.' : '#', out);
		}
	} else {
		fputs(eighths[cells8 % 8], out);
	}
}
