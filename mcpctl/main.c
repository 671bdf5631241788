/*
 * mcpctl: the admin CLI of mcpd.  main() reads the global options, finds
 * the noun in a sorted table and hands the rest of argv to it, with the
 * noun's verb first (see ctl_dispatch).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/log.h"
#include "mcp/query.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "help.h"

struct noun {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

/* sorted by name for bsearch */
static const struct noun nouns[] = {
	{ "backup", cmd_backup },
	{ "completion", cmd_completion },
	{ "config", cmd_config },
	{ "dataset", cmd_dataset },
	{ "describe", cmd_describe },
	{ "doctor", cmd_doctor },
	{ "help", cmd_help },
	{ "init", cmd_init },
	{ "key", cmd_key },
	{ "logs", cmd_logs },
	{ "metadata", cmd_metadata },
	{ "query", cmd_query },
	{ "report", cmd_report },
	{ "restore", cmd_restore },
	{ "stats", cmd_stats },
	{ "vacuum", cmd_vacuum },
};

static int noun_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct noun *)elem)->name);
}

/* what catalog_writers shows of this run: the words, cut at 200 bytes */
static void command_line(struct ctl *ctl, struct buf *b, int argc,
			 char **argv)
{
	buf_addstr(b, "mcpctl");
	for (int i = 1; i < argc && b->len < 200; i++) {
		buf_addf(b, " %.*s", (int)(200 - b->len), argv[i]);
	}
	ctl->command = buf_str(b);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { 0 };
	/* static: reachable until exit, whichever way main returns */
	static struct buf command = BUF_INIT;
	const struct noun *noun;
	int c, r;

	log_init("mcpctl", LOG_WARN);
	/*
	 * Before any database opens: SQLite's memory statistics take a
	 * mutex on every allocation, and mcpctl sets no heap limit that
	 * needs them.
	 */
	query_library_init();
	command_line(&ctl, &command, argc, argv);
	/* every parser reports in words; getopt's own text never shows */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hq", longopts, NULL)) != -1) {
		if (ctl_common_option(&ctl, c, optarg)) {
			continue;
		}
		switch (c) {
		case 'h':
			help_print(stdout, NULL, NULL);
			return EXIT_OK;
		case 'V':
			printf("mcpctl %s\n", MCPD_VERSION);
			return EXIT_OK;
		default:
			return help_unknown_global(argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		help_print(stderr, NULL, NULL);
		return EXIT_USAGE;
	}
	/* aliases, per-verb --help and did-you-mean, from help-table.c */
	r = help_check_argv(argc - optind, argv + optind);
	if (r >= 0) {
		return r;
	}
	noun = bsearch(argv[optind], nouns, sizeof(nouns) / sizeof(nouns[0]),
		       sizeof(nouns[0]), noun_cmp);
	if (!noun) {
		return ctl_usage_error("", "'%s' is not an mcpctl command",
				       argv[optind]);
	}
	/*
	 * Out of memory (a ulimit, a huge file) is a failure to report, not
	 * a crash: every change is one transaction, so nothing is half done.
	 */
	xalloc_set_oom_message("mcpctl", "the catalog is as it was (a "
			       "command's changes are committed whole or "
			       "not at all)");
	xalloc_set_exit_status(EXIT_FAIL);
	xalloc_set_oom_hook(db_writer_abandon);
	r = noun->run(&ctl, argc - optind - 1, argv + optind + 1);
	r = ctl_busy_exit(r);
	/* a failed write to stdout (a full disk, a closed pipe) is a failure */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_error("cannot write output");
		return EXIT_FAIL;
	}
	return r;
}
