/*
 * mcpctl config: the system_config settings (limits, retention, format).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcpctl.h"

static const char usage[] =
	"usage: mcpctl config list\n"
	"       mcpctl config get KEY\n"
	"       mcpctl config set KEY VALUE\n"
	"\n"
	"keys: query_timeout_ms, max_rows, max_response_bytes,\n"
	"      log_retention_days, log_max_mb, query_memory_mb,\n"
	"      query_temp_mb, page_rows, display_digits (1 to 17), describe_budget (positive\n"
	"      integers), default_format (markdown, csv or json),\n"
	"      metadata_served (approved, latest or none: which LLM\n"
	"      metadata mcpd shows).  A running mcpd picks changes up\n"
	"      within a second.\n";

static const char *const numeric_keys[] = {
	"query_timeout_ms", "max_rows", "max_response_bytes",
	"log_retention_days", "log_max_mb", "query_memory_mb",
	"query_temp_mb", "page_rows", "display_digits", "describe_budget",
	NULL,
};

/* a setting as JSON: the numeric ones as numbers, for scripts */
static cJSON *config_json(const char *key, const char *value)
{
	for (int i = 0; numeric_keys[i]; i++) {
		char *end;
		double n;

		if (strcmp(key, numeric_keys[i]) != 0 || !value) {
			continue;
		}
		n = strtod(value, &end);
		if (end != value && !*end) {
			return cJSON_CreateNumber(n);
		}
	}
	return value ? cJSON_CreateString(value) : cJSON_CreateNull();
}

/* parse the common options and leave exactly `n` positional arguments */
static int args(struct ctl *ctl, int argc, char **argv, int n)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	char what[64];
	int c;

	snprintf(what, sizeof(what), "config %s ", argv[0]);
	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		return ctl_usage_error(what, "unknown option");
	}
	if (argc - optind != n) {
		return ctl_usage_error(what, "expected %d argument%s", n,
				       n == 1 ? "" : "s");
	}
	return 0;
}

static int config_list(struct ctl *ctl, int argc, char **argv)
{
	sqlite3_stmt *st = NULL;
	struct db *db;
	cJSON *o = NULL;
	int code = args(ctl, argc, argv, 0);

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	if (sqlite3_prepare_v2(db->sql, "SELECT key, value, description FROM "
			       "system_config ORDER BY key", -1, &st,
			       NULL) != SQLITE_OK) {
		ctl_error("cannot read catalog: %s", sqlite3_errmsg(db->sql));
		db_close(db);
		return EXIT_FAIL;
	}
	if (ctl->json) {
		o = cJSON_CreateObject();
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		const char *d = (const char *)sqlite3_column_text(st, 2);

		if (o) {
			cJSON_AddItemToObject(o, k, config_json(k, v));
		} else {
			printf("%-20s %-10s %s\n", k, v, d ? d : "");
		}
	}
	if (o) {
		ctl_print_json(o);
	}
	sqlite3_finalize(st);
	db_close(db);
	return EXIT_OK;
}

static int config_get(struct ctl *ctl, int argc, char **argv)
{
	struct db *db;
	char *v;
	int code = args(ctl, argc, argv, 1);

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	v = db_config_get(db, argv[optind]);
	db_close(db);
	if (!v) {
		ctl_error("no setting '%s' (see 'mcpctl config list')",
			  argv[optind]);
		return EXIT_NOT_FOUND;
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, argv[optind],
				      config_json(argv[optind], v));
		ctl_print_json(o);
	} else {
		printf("%s\n", v);
	}
	free(v);
	return EXIT_OK;
}

static int check_value(const char *key, const char *value)
{
	for (int i = 0; numeric_keys[i]; i++) {
		char *end;
		long long n;

		if (strcmp(key, numeric_keys[i]) != 0) {
			continue;
		}
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || end == value || *end || n <= 0) {
			return ctl_usage_error("config set ",
				"%s needs a positive integer, got %s",
				key, value);
		}
		/* a double has no more digits to show */
		if (strcmp(key, "display_digits") == 0 && n > 17) {
			return ctl_usage_error("config set ",
				"display_digits is 1 to 17, not '%s'", value);
		}
		return 0;
	}
	if (strcmp(key, "default_format") == 0) {
		if (strcmp(value, "markdown") && strcmp(value, "csv") &&
		    strcmp(value, "json")) {
			return ctl_usage_error("config set ",
				"default_format is markdown, csv or json");
		}
		return 0;
	}
	if (strcmp(key, "metadata_served") == 0) {
		if (strcmp(value, "approved") && strcmp(value, "latest") &&
		    strcmp(value, "none")) {
			return ctl_usage_error("config set ",
				"metadata_served is approved, latest or none");
		}
		return 0;
	}
	return ctl_usage_error("config set ", "unknown setting '%s'", key);
}

static int config_set(struct ctl *ctl, int argc, char **argv)
{
	struct db *db;
	const char *key, *value;
	int code;

	/*
	 * "set max_rows -5": getopt would take -5 for options; the value is
	 * what the user meant, so judge it as one
	 */
	if (argc >= 3 && argv[1][0] != '-' && argv[2][0] == '-' &&
	    argv[2][1] >= '0' && argv[2][1] <= '9') {
		return check_value(argv[1], argv[2]);
	}
	code = args(ctl, argc, argv, 2);
	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	key = argv[optind];
	value = argv[optind + 1];
	code = check_value(key, value);
	if (code) {
		return code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	if (db_config_set(db, key, value) < 0) {
		ctl_error("cannot write setting '%s': %s", key,
			  sqlite3_errmsg(db->sql));
		db_close(db);
		return EXIT_FAIL;
	}
	db_close(db);
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, key, config_json(key, value));
		ctl_print_json(o);
	}
	return EXIT_OK;
}

static const struct verb verbs[] = {
	{ "get", config_get },
	{ "list", config_list },
	{ "set", config_set },
	{ NULL, NULL },
};

int cmd_config(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "config", verbs, usage, argc, argv);
}
