#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcpctl.h"

static const char usage[] =
	"usage: mcpctl init [--db PATH] [--json]\n"
	"\n"
	"Create the catalog (and its directory), or upgrade an existing one\n"
	"to this version's schema.  Running it again is harmless.\n";

int cmd_init(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct db *db;
	int c;

	/* argv[0] is not a verb here: let getopt see every argument */
	optind = 0;
	while ((c = getopt_long(argc + 1, argv - 1, "hq", longopts, NULL)) !=
	       -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		return ctl_usage_error("init ", "unknown option");
	}
	if (optind < argc + 1) {
		return ctl_usage_error("init ", "unexpected argument '%s'",
				       argv[optind - 1]);
	}
	db = ctl_open(ctl, true);
	if (!db) {
		return EXIT_FAIL;
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "catalog", db->path);
		cJSON_AddNumberToObject(o, "schema_version",
					db_schema_version());
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("catalog '%s' ready (schema version %d)\n", db->path,
		       db_schema_version());
	}
	db_close(db);
	return EXIT_OK;
}
