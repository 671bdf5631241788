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
#include "mcp/log.h"
#include "mcpctl.h"

static const char usage[] =
	"usage: mcpctl [--db PATH] [--json] [--quiet] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  init                          create or upgrade the catalog\n"
	"  dataset add NAME --csv FILE|- [options]\n"
	"  dataset add NAME --sqlite FILE --table T [options]\n"
	"  dataset list | show NAME | rm NAME | enable NAME | disable NAME\n"
	"  dataset refresh NAME | set NAME [options]\n"
	"  dataset set NAME --column COL --description TEXT\n"
	"  config list | get KEY | set KEY VALUE\n"
	"  key set PROVIDER [--label L] | list | rm PROVIDER | check\n"
	"  key rotate-master [--passphrase]\n"
	"  metadata generate NAME|--all [options] | show NAME [--version V]\n"
	"  metadata edit NAME --file F | approve NAME [--version V]\n"
	"  logs [--tail N] [--follow] [filters] | export | prune\n"
	"  stats [--since T] [--by tool|dataset|client|day] [--json]\n"
	"  report --out FILE.html [--since T]\n"
	"  backup FILE [--force]\n"
	"  restore FILE [--force]\n"
	"  vacuum [--full]\n"
	"  doctor [--full] [--json]\n"
	"\n"
	"options:\n"
	"  --db PATH     catalog file (else $MCPD_DB, else\n"
	"                $XDG_DATA_HOME/mcpd/catalog.db)\n"
	"  --json        machine-readable output\n"
	"  -q, --quiet   no progress or summary lines\n"
	"  --version     print the version\n"
	"  -h, --help    this help; 'mcpctl COMMAND --help' for a command\n";

struct noun {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

/* sorted by name for bsearch */
static const struct noun nouns[] = {
	{ "backup", cmd_backup },
	{ "config", cmd_config },
	{ "dataset", cmd_dataset },
	{ "doctor", cmd_doctor },
	{ "init", cmd_init },
	{ "key", cmd_key },
	{ "logs", cmd_logs },
	{ "metadata", cmd_metadata },
	{ "report", cmd_report },
	{ "restore", cmd_restore },
	{ "stats", cmd_stats },
	{ "vacuum", cmd_vacuum },
};

static int noun_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct noun *)elem)->name);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { 0 };
	const struct noun *noun;
	int c, r;

	log_init("mcpctl", LOG_WARN);
	while ((c = getopt_long(argc, argv, "+hq", longopts, NULL)) != -1) {
		if (ctl_common_option(&ctl, c, optarg)) {
			continue;
		}
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case 'V':
			printf("mcpctl %s\n", MCPD_VERSION);
			return EXIT_OK;
		default:
			fputs("see 'mcpctl --help'\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	noun = bsearch(argv[optind], nouns, sizeof(nouns) / sizeof(nouns[0]),
		       sizeof(nouns[0]), noun_cmp);
	if (!noun) {
		return ctl_usage_error("", "'%s' is not an mcpctl command",
				       argv[optind]);
	}
	r = noun->run(&ctl, argc - optind - 1, argv + optind + 1);
	/* a failed write to stdout (a full disk, a closed pipe) is a failure */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_error("cannot write output");
		return EXIT_FAIL;
	}
	return r;
}
