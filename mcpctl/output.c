#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/paths.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "help.h"
#include "term.h"

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mcpctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage_error(const char *what, const char *fmt, ...)
{
	va_list ap;

	fputs("mcpctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee 'mcpctl %s--help'\n", what);
	return EXIT_USAGE;
}

bool ctl_common_option(struct ctl *ctl, int c, const char *arg)
{
	switch (c) {
	case 0x100:
		ctl->db_path = arg;
		return true;
	case 0x101:
		ctl->json = true;
		return true;
	case 'q':
		ctl->quiet = true;
		return true;
	case 0x103:
		if (term_set_color(arg) < 0) {
			exit(ctl_usage_error("", "--color takes auto, always "
					     "or never, not '%s'", arg));
		}
		return true;
	case 0x102:
		/* every parser returns true here; a bad value ends the run */
		if (ctl_parse_wait(ctl, arg) != 0) {
			exit(EXIT_USAGE);
		}
		return true;
	default:
		return false;
	}
}

struct db *ctl_open(struct ctl *ctl, bool create)
{
	char *path = paths_catalog(ctl->db_path);
	struct db *db = NULL;
	bool readonly = false;
	char *err = NULL;
	int r;

	if (!path) {
		ctl_error("cannot find a home directory for the catalog; "
			  "use --db PATH or set MCPD_DB");
		return NULL;
	}
	r = db_open(path, DB_ONE_THREAD | (create ? DB_CREATE : 0), &db,
		    &err);
	/* a catalog shared read-only still serves the read commands */
	if (r == -EROFS && !create) {
		free(err);
		err = NULL;
		r = db_open(path, DB_ONE_THREAD | DB_READONLY, &db, &err);
		readonly = true;
	}
	if (r < 0) {
		ctl_error("%s", err);
		free(err);
	} else {
		ctl_busy_install(ctl, db);
		if (!(r == 0 && readonly)) {
			db_set_writer(db, ctl->command);
		}
	}
	free(path);
	return db;
}

void ctl_print_json(cJSON *value)
{
	/* one line for scripts and pipes (jq reads either); indented for eyes */
	char *s = isatty(STDOUT_FILENO) ? cJSON_Print(value)
					: cJSON_PrintUnformatted(value);

	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	cJSON_Delete(value);
}

int ctl_dispatch(struct ctl *ctl, const char *noun, const struct verb *verbs,
		 const char *usage, int argc, char **argv)
{
	char what[64];

	snprintf(what, sizeof(what), "%s ", noun);
	/* the noun's help comes from the command table (help-table.c) */
	(void)usage;
	if (argc < 1) {
		help_print(stderr, noun, NULL);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		help_print(stdout, noun, NULL);
		return EXIT_OK;
	}
	for (const struct verb *v = verbs; v->name; v++) {
		if (strcmp(v->name, argv[0]) == 0) {
			return v->run(ctl, argc, argv);
		}
	}
	return ctl_usage_error(what, "'%s' is not a %s command", argv[0],
			       noun);
}
