/*
 * mcpctl doctor: check the catalog and what it points to, and say how to
 * fix each problem.  The checks live in doctor.c (report shows them too).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "doctor.h"
#include "mcpctl.h"
#include "term.h"
#include "mcp/banned.h"

static const char usage[] =
	"usage: mcpctl doctor [--full] [--json]\n"
	"\n"
	"Check the catalog: integrity (quick_check, or integrity_check with\n"
	"--full), schema version and journal mode, the key file's permissions,\n"
	"that each source file is still there and unchanged, that enabled\n"
	"datasets read, stale profiles, the WAL size and gaps in the query\n"
	"log.  Each problem comes with the command that fixes it.  Exits 1\n"
	"when anything is not ok.\n";

enum { OPT_FULL = 0x600 };

int cmd_doctor(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "full", no_argument, NULL, OPT_FULL },
		{ NULL, 0, NULL, 0 },
	};
	bool full = false, color, healthy;
	const cJSON *f;
	struct db *db;
	cJSON *findings;
	int c;

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
		if (c == OPT_FULL) {
			full = true;
			continue;
		}
		return ctl_usage_error("doctor ", "unknown option");
	}
	if (optind < argc + 1) {
		return ctl_usage_error("doctor ", "unexpected argument '%s'",
				       argv[optind - 1]);
	}
	color = term_color();       /* after --color, which may follow */
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	findings = doctor_run(db, full);
	healthy = doctor_healthy(findings);
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddBoolToObject(o, "healthy", healthy);
		cJSON_AddItemToObject(o, "findings", findings);
		ctl_print_json(o);
		findings = NULL;
	} else {
		cJSON_ArrayForEach(f, findings) {
			const char *st = cJSON_GetStringValue(
				cJSON_GetObjectItem(f, "status"));
			const char *fix = cJSON_GetStringValue(
				cJSON_GetObjectItem(f, "fix"));
			bool ok = strcmp(st, "ok") == 0;

			if (ctl->quiet && ok) {
				continue;
			}
			printf("%s%-4s%s %-10s %s\n",
			       color ? (ok ? "\033[32m"
					   : strcmp(st, "warn") == 0
						     ? "\033[33m"
						     : "\033[31m")
				     : "",
			       st, color ? TERM_RESET : "",
			       cJSON_GetStringValue(
				       cJSON_GetObjectItem(f, "check")),
			       cJSON_GetStringValue(
				       cJSON_GetObjectItem(f, "detail")));
			if (!ok && fix) {
				printf("                fix: %s\n", fix);
			}
		}
	}
	cJSON_Delete(findings);
	db_close(db);
	return healthy ? EXIT_OK : EXIT_FAIL;
}
