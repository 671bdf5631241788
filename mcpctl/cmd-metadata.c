/*
 * mcpctl metadata: an LLM writes each dataset's context (summary, column
 * descriptions, units, example questions, caveats); an admin reviews,
 * edits and approves it, and mcpd serves the approved version.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/crypto.h"
#include "mcp/banned.h"
#include "cmd-metadata.h"

static const char usage[] =
	"usage: mcpctl metadata generate NAME|--all [--provider P] "
	"[--model M]\n"
	"                [--base-url URL] [--key-label L] [--dry-run] "
	"[--jobs N]\n"
	"                [--timeout SECONDS] [--retries N]\n"
	"       mcpctl metadata show NAME [--version V]\n"
	"       mcpctl metadata edit NAME --file F|-\n"
	"       mcpctl metadata approve NAME [--version V]\n"
	"\n"
	"providers: openai (default), anthropic, openai-compatible (the\n"
	"default with --base-url; Ollama, llama.cpp, vLLM; no key needed).\n"
	"Keys come from 'mcpctl key set PROVIDER'.\n";

enum {
	OPT_ALL = 0x200, OPT_PROVIDER, OPT_MODEL, OPT_BASE_URL, OPT_KEY_LABEL,
	OPT_DRY_RUN, OPT_JOBS, OPT_TIMEOUT, OPT_RETRIES, OPT_VERSION, OPT_FILE,
};

struct metadata_opt mopt;

static bool parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		return false;
	}
	*ret = v;
	return true;
}

int metadata_args(struct ctl *ctl, int argc, char **argv,
		  const char *allowed)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "all", no_argument, NULL, OPT_ALL },
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "base-url", required_argument, NULL, OPT_BASE_URL },
		{ "key-label", required_argument, NULL, OPT_KEY_LABEL },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "file", required_argument, NULL, OPT_FILE },
		{ NULL, 0, NULL, 0 },
	};
	char what[64];
	long v;
	int c;

	snprintf(what, sizeof(what), "metadata %s ", argv[0]);
	memset(&mopt, 0, sizeof(mopt));
	mopt.key_label = "default";
	mopt.jobs = 4;
	mopt.retries = 4;
	mopt.timeout = 120;
	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		char *end;

		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		/* allowed: one letter per option, 'a' + (c - OPT_ALL) */
		if (c < OPT_ALL || c > OPT_FILE ||
		    !strchr(allowed, 'a' + (c - OPT_ALL))) {
			return ctl_usage_error(what, "unknown option");
		}
		switch (c) {
		case OPT_ALL:
			mopt.all = true;
			break;
		case OPT_PROVIDER:
			mopt.provider = optarg;
			break;
		case OPT_MODEL:
			mopt.model = optarg;
			break;
		case OPT_BASE_URL:
			mopt.base_url = optarg;
			break;
		case OPT_KEY_LABEL:
			mopt.key_label = optarg;
			break;
		case OPT_DRY_RUN:
			mopt.dry_run = true;
			break;
		case OPT_JOBS:
			if (!parse_long(optarg, 1, 64, &mopt.jobs)) {
				return ctl_usage_error(what, "--jobs takes 1 "
						       "to 64");
			}
			break;
		case OPT_RETRIES:
			if (!parse_long(optarg, 0, 10, &mopt.retries)) {
				return ctl_usage_error(what, "--retries takes "
						       "0 to 10");
			}
			break;
		case OPT_TIMEOUT:
			mopt.timeout = strtod(optarg, &end);
			if (end == optarg || *end || !(mopt.timeout >= 0.1) ||
			    mopt.timeout > 3600) {
				return ctl_usage_error(what, "--timeout takes "
						       "0.1 to 3600 seconds");
			}
			break;
		case OPT_VERSION:
			if (!parse_long(optarg, 1, 1L << 30, &v)) {
				return ctl_usage_error(what, "--version takes "
						       "a positive number");
			}
			mopt.version = v;
			break;
		case OPT_FILE:
			mopt.file = optarg;
			break;
		}
	}
	if (argc - optind != (mopt.all ? 0 : 1)) {
		return ctl_usage_error(what, mopt.all ? "NAME and --all "
				       "exclude each other"
						     : "expected one dataset "
				       "NAME");
	}
	return 0;
}

int metadata_find(struct db *db, const char *name,
		  struct dataset_info **ret)
{
	int r = dataset_lookup(db, name, ret);

	if (r == -ENOENT) {
		ctl_error("no dataset '%s'", name);
		return EXIT_NOT_FOUND;
	}
	if (r < 0) {
		ctl_error("cannot read dataset '%s': %s", name, strerror(-r));
		return EXIT_FAIL;
	}
	return 0;
}

int cmd_metadata(struct ctl *ctl, int argc, char **argv)
{
	static const struct verb verbs[] = {
		{ "approve", metadata_approve_cmd },
		{ "edit", metadata_edit },
		{ "generate", metadata_generate },
		{ "show", metadata_show },
		{ NULL, NULL },
	};

	/* sodium_malloc() and the random numbers need it first */
	if (crypto_init() < 0) {
		ctl_error("cannot initialise libsodium");
		return EXIT_FAIL;
	}
	return ctl_dispatch(ctl, "metadata", verbs, usage, argc, argv);
}
