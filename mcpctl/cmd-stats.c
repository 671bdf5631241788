/*
 * mcpctl stats: usage figures of the query log over a time window, as
 * text (with small charts on a terminal) or JSON.  The figures come from
 * logstats.c, which `mcpctl report` draws too.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "logstats.h"
#include "mcpctl.h"
#include "term.h"
#include "mcp/banned.h"

static const char usage[] =
	"usage: mcpctl stats [--since T] [--until T] [--by tool|dataset|"
	"client|day]\n"
	"                    [FILTERS] [--json] [--chart] [--ascii]\n"
	"\n"
	"Calls, error rate, timeouts, exact p50/p95/p99 latency, rows and\n"
	"bytes returned, the slowest and most frequent query shapes (literals\n"
	"replaced by ?), and the datasets never queried, over the window.\n"
	"Filters as for 'mcpctl logs'.  On a terminal (or with --chart) it\n"
	"also draws calls over time and the latency distribution; --ascii\n"
	"draws them without Unicode.\n";

enum {
	OPT_BY = 0x400,
	OPT_CHART,
	OPT_ASCII,
};

#define TIMELINE_BUCKETS 60

static void dur(const cJSON *o, const char *key, char *buf, size_t size)
{
	if (logstats_null(o, key)) {
		snprintf(buf, size, "-");
	} else {
		term_duration((int64_t)logstats_num(o, key), buf, size);
	}
}

static void print_summary(const cJSON *s, bool color)
{
	const cJSON *w = cJSON_GetObjectItem(s, "window");
	const cJSON *lat = cJSON_GetObjectItem(s, "latency_us");
	char p50[24], p95[24], p99[24], max[24], bytes[32];
	double calls = logstats_num(s, "calls");

	printf("%swindow%s     %s to %s\n", color ? TERM_BOLD : "",
	       color ? TERM_RESET : "",
	       logstats_null(w, "since") ? logstats_str(w, "first")
					 : logstats_str(w, "since"),
	       logstats_null(w, "until") ? logstats_str(w, "last")
					 : logstats_str(w, "until"));
	printf("calls      %.0f   not ok %.0f (%.1f%%): %.0f errors, "
	       "%.0f timeouts, %.0f denied, %.0f cancelled\n",
	       calls, calls - logstats_num(s, "ok"),
	       100.0 * logstats_num(s, "error_rate"),
	       logstats_num(s, "errors"), logstats_num(s, "timeouts"),
	       logstats_num(s, "denied"), logstats_num(s, "cancelled"));
	dur(lat, "p50", p50, sizeof(p50));
	dur(lat, "p95", p95, sizeof(p95));
	dur(lat, "p99", p99, sizeof(p99));
	dur(lat, "max", max, sizeof(max));
	printf("latency    p50 %s   p95 %s   p99 %s   max %s\n", p50, p95, p99,
	       max);
	term_bytes((int64_t)logstats_num(s, "bytes_returned"), bytes,
		   sizeof(bytes));
	printf("returned   %.0f rows, %s\n", logstats_num(s, "rows_returned"),
	       bytes);
	if (logstats_num(s, "lost_rows") > 0) {
		printf("%slost       %.0f rows not logged (see 'mcpctl logs --status "
		       "lost')%s\n", color ? "\033[31m" : "",
		       logstats_num(s, "lost_rows"), color ? TERM_RESET : "");
	}
}

static void print_groups(const cJSON *s, bool color)
{
	const cJSON *by = cJSON_GetObjectItem(s, "by");
	const cJSON *g;

	printf("\n%sby %s%s\n", color ? TERM_BOLD : "",
	       logstats_str(by, "key"), color ? TERM_RESET : "");
	printf("  %-20s %7s %7s %6s %9s %9s %9s %9s\n", "", "calls",
	       "not ok", "", "p50", "p95", "p99", "rows");
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(by, "groups")) {
		char p50[24], p95[24], p99[24];

		dur(g, "p50_us", p50, sizeof(p50));
		dur(g, "p95_us", p95, sizeof(p95));
		dur(g, "p99_us", p99, sizeof(p99));
		printf("  %-20.20s %7.0f %7.0f %5.1f%% %9s %9s %9s %9.0f\n",
		       logstats_str(g, "name"), logstats_num(g, "calls"),
		       logstats_num(g, "calls") - logstats_num(g, "ok"),
		       100.0 * logstats_num(g, "error_rate"), p50, p95, p99,
		       logstats_num(g, "rows"));
	}
}

static void print_shapes(const cJSON *s, const char *key, const char *title,
			 bool color, int width)
{
	const cJSON *q;
	int room = width > 40 ? width - 30 : 0;

	printf("\n%s%s%s\n", color ? TERM_BOLD : "", title,
	       color ? TERM_RESET : "");
	cJSON_ArrayForEach(q, cJSON_GetObjectItem(s, key)) {
		const char *shape = logstats_str(q, "shape");
		char max[24];

		dur(q, "max_us", max, sizeof(max));
		printf("  %6.0f calls  max %8s  ", logstats_num(q, "calls"),
		       max);
		if (room > 0 && (int)strlen(shape) > room) {
			printf("%.*s…\n", room - 1, shape);
		} else {
			printf("%s\n", shape);
		}
	}
}

static void print_charts(const cJSON *s, bool ascii, bool color)
{
	const cJSON *tl = cJSON_GetObjectItem(s, "timeline");
	const cJSON *counts = cJSON_GetObjectItem(tl, "counts");
	const cJSON *h, *item;
	int64_t v[TIMELINE_BUCKETS] = { 0 }, max = 0;
	size_t n = 0;
	char bucket[24], last[24] = "";

	cJSON_ArrayForEach(item, counts) {
		if (n < TIMELINE_BUCKETS) {
			v[n++] = (int64_t)cJSON_GetNumberValue(item);
		}
	}
	term_duration((int64_t)logstats_num(tl, "bucket_ms") * 1000, bucket,
		      sizeof(bucket));
	printf("\n%scalls over time%s (one column per %s)\n  ",
	       color ? TERM_BOLD : "", color ? TERM_RESET : "", bucket);
	chart_spark(stdout, v, n, ascii);
	printf("\n\n%slatency%s\n", color ? TERM_BOLD : "",
	       color ? TERM_RESET : "");
	h = cJSON_GetObjectItem(s, "histogram");
	cJSON_ArrayForEach(item, h) {
		if (logstats_num(item, "count") > max) {
			max = (int64_t)logstats_num(item, "count");
		}
	}
	cJSON_ArrayForEach(item, h) {
		char label[24];
		int64_t c = (int64_t)logstats_num(item, "count");

		if (logstats_null(item, "upto_us")) {
			printf("  %s", ascii ? ">  " : ">  ");
			snprintf(label, sizeof(label), "%s", last);
		} else {
			term_duration((int64_t)logstats_num(item, "upto_us"),
				      label, sizeof(label));
			printf("  %s", ascii ? "<= " : "≤  ");
			snprintf(last, sizeof(last), "%s", label);
		}
		printf("%-8s ", label);
		chart_bar(stdout, c, max, 40, ascii);
		printf(" %lld\n", (long long)c);
	}
}

int cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		LOGFILTER_LONG_OPTIONS,
		{ "by", required_argument, NULL, OPT_BY },
		{ "chart", no_argument, NULL, OPT_CHART },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ NULL, 0, NULL, 0 },
	};
	struct log_filter f = { 0 };
	const char *by = "tool";
	bool chart = term_width() > 0, ascii = false, color;
	struct db *db = NULL;
	cJSON *s = NULL;
	int c, r, code = EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc + 1, argv - 1, "hq", longopts, NULL)) !=
	       -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		r = logfilter_option(&f, c, optarg);
		if (r != 0) {
			if (r < 0) {
				code = EXIT_USAGE;
				goto out;
			}
			continue;
		}
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			code = EXIT_OK;
			goto out;
		case OPT_BY:
			by = optarg;
			if (!logstats_by_valid(by)) {
				code = ctl_usage_error("stats ", "--by takes "
						       LOGSTATS_BY);
				goto out;
			}
			break;
		case OPT_CHART:
			chart = true;
			break;
		case OPT_ASCII:
			ascii = true;
			break;
		default:
			code = ctl_usage_error("stats ", "unknown option");
			goto out;
		}
	}
	if (optind < argc + 1) {
		code = ctl_usage_error("stats ", "unexpected argument '%s'",
				       argv[optind - 1]);
		goto out;
	}
	color = term_color();       /* after --color, which may follow */
	db = ctl_open(ctl, false);
	if (!db) {
		goto out;
	}
	s = logstats_collect(db, &f, by, TIMELINE_BUCKETS);
	if (!s) {
		goto out;
	}
	if (ctl->json) {
		ctl_print_json(s);
		s = NULL;
		code = EXIT_OK;
		goto out;
	}
	print_summary(s, color);
	if (chart) {
		print_charts(s, ascii, color);
	}
	print_groups(s, color);
	print_shapes(s, "slowest", "slowest query shapes", color,
		     term_width());
	print_shapes(s, "frequent", "most frequent query shapes", color,
		     term_width());
	{
		const cJSON *d;
		bool any = false;

		printf("\n%sdatasets never queried%s:",
		       color ? TERM_BOLD : "", color ? TERM_RESET : "");
		cJSON_ArrayForEach(d, cJSON_GetObjectItem(s,
							  "unused_datasets")) {
			printf(" %s", cJSON_GetStringValue(d));
			any = true;
		}
		printf("%s\n", any ? "" : " none");
	}
	code = EXIT_OK;
out:
	cJSON_Delete(s);
	db_close(db);
	logfilter_finish(&f);
	return code;
}
