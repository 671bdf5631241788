/*
 * mcpctl dataset: onboarding and managing datasets.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/csv.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/import.h"
#include "mcp/numfmt.h"
#include "mcp/quantile.h"
#include "mcp/render.h"
#include "mcp/source_check.h"
#include "mcp/typeinfer.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"
#include "design.h"
#include "term.h"

static const char usage[] =
	"usage: mcpctl dataset add [NAME] --csv FILE|- [--delimiter C]\n"
	"                          [--null-value STR]... [--title T]\n"
	"                          [--description D] [--weight COL]\n"
	"                          [--tags a,b] [--replace]\n"
	"                          [CSV OPTIONS, below]\n"
	"       mcpctl dataset add NAME --sqlite FILE --table T [--convert]\n"
	"                          [...]\n"
	"       mcpctl dataset add NAME --url URL [--key PROVIDER] [...]\n"
	"       mcpctl dataset add NAME --sav|--dta|--xpt|--sas7bdat FILE [...]\n"
	"       mcpctl dataset add NAME --sas7bdat FILE --catalog-file "
	"F.sas7bcat [...]\n"
	"       mcpctl dataset add NAME --file FILE [...]  (format from its "
	"bytes)\n"
	"       mcpctl dataset list\n"
	"       mcpctl dataset show NAME\n"
	"       mcpctl dataset rm [--force] NAME...\n"
	"       mcpctl dataset enable NAME\n"
	"       mcpctl dataset disable NAME\n"
	"       mcpctl dataset refresh NAME [--allow-schema-change]\n"
	"       mcpctl dataset set NAME [--title T] [--description D]\n"
	"                          [--weight COL] [--tags a,b]\n"
	"                          [design options]\n"
	"       mcpctl dataset set NAME --column COL [--description TEXT] [--unit U]\n"
	"       mcpctl dataset labels NAME --codebook FILE.csv | --export\n"
	"       mcpctl dataset index NAME COL... [--drop]\n"
	"\n"
	"Design options (add and set): --strata COL --cluster COL\n"
	"  [--cluster2 COL] [--fpc COL] [--fpc2 COL] [--nest|--no-nest]\n"
	"  [--lonely-psu fail|remove|certainty|adjust|average] [--no-design]\n"
	"\n"
	"\n"
	"CSV options of dataset add (the dialect is detected when not given):\n"
	"  --quote '\"'|none  --escape '\\'  --encoding NAME  --no-header\n"
	"  --skip N  --max-errors N [--rejects FILE]  --no-default-nulls\n"
	"  --decimal .|,  --date-format DD/MM/YYYY|MM/DD/YYYY\n"
	"  --type COL=integer|real|text|date|datetime|boolean (repeatable)\n"
	"\n"
	"Every command takes --db PATH, --json and --quiet.\n";

enum {
	OPT_CSV = 0x200,
	OPT_SQLITE,
	OPT_TABLE,
	OPT_CONVERT,
	OPT_TITLE,
	OPT_DESCRIPTION,
	OPT_WEIGHT,
	OPT_TAGS,
	OPT_NULL_VALUE,
	OPT_DELIMITER,
	OPT_REPLACE,
	OPT_FORCE,
	OPT_URL,
	OPT_KEY,
	/* survey files (import-readstat.c) */
	OPT_SAV,
	OPT_DTA,
	OPT_XPT,
	OPT_SAS7BDAT,
	OPT_FILE,
	OPT_CATALOG_FILE,
	OPT_KEEP_USER_MISSING,
	OPT_APPEND,
	OPT_ALLOW_SCHEMA_CHANGE,
};

/* ---- CSV dialect, encoding and typing options of dataset add ------- */

enum {
	OPT_QUOTE = 0x400,     /* apart from the design options (design.h) */
	OPT_ESCAPE,
	OPT_ENCODING,
	OPT_NO_HEADER,
	OPT_SKIP,
	OPT_MAX_ERRORS,
	OPT_REJECTS,
	OPT_NO_DEFAULT_NULLS,
	OPT_DECIMAL,
	OPT_DATE_FORMAT,
	OPT_TYPE,
};

#define CSV_LONG_OPTIONS \
	{ "quote", required_argument, NULL, OPT_QUOTE }, \
	{ "escape", required_argument, NULL, OPT_ESCAPE }, \
	{ "encoding", required_argument, NULL, OPT_ENCODING }, \
	{ "no-header", no_argument, NULL, OPT_NO_HEADER }, \
	{ "skip", required_argument, NULL, OPT_SKIP }, \
	{ "max-errors", required_argument, NULL, OPT_MAX_ERRORS }, \
	{ "rejects", required_argument, NULL, OPT_REJECTS }, \
	{ "no-default-nulls", no_argument, NULL, OPT_NO_DEFAULT_NULLS }, \
	{ "decimal", required_argument, NULL, OPT_DECIMAL }, \
	{ "date-format", required_argument, NULL, OPT_DATE_FORMAT }, \
	{ "type", required_argument, NULL, OPT_TYPE }

#define CSV_ALLOWED OPT_QUOTE, OPT_ESCAPE, OPT_ENCODING, OPT_NO_HEADER, \
	OPT_SKIP, OPT_MAX_ERRORS, OPT_REJECTS, OPT_NO_DEFAULT_NULLS, \
	OPT_DECIMAL, OPT_DATE_FORMAT, OPT_TYPE

struct csv_args {
	int quoting;            /* 0 detect, else 1 + enum csv_quoting */
	bool escape;
	const char *encoding;
	bool no_header;
	uint64_t skip;
	int64_t max_errors;
	const char *rejects;
	bool no_default_nulls;
	char decimal;
	int date_order;
	const char **types;
	size_t n_types;
	bool any;               /* some option here was given */
};

static bool parse_count(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-') {
		return false;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end) {
		return false;
	}
	*ret = v;
	return true;
}

/* one CSV option: 0 when taken, else the usage error's exit code */
static int parse_csv_option(struct csv_args *c, int opt, const char *arg,
			    const char *what)
{
	uint64_t v;

	c->any = true;
	switch (opt) {
	case OPT_QUOTE:
		if (strcmp(arg, "none") == 0) {
			c->quoting = 1 + CSV_QUOTE_NONE;
		} else if (strcmp(arg, "\"") == 0) {
			c->quoting = 1 + CSV_QUOTE_RFC4180;
		} else {
			return ctl_usage_error(what, "--quote takes '\"' or "
					       "none, not '%s'", arg);
		}
		break;
	case OPT_ESCAPE:
		if (strcmp(arg, "\\") != 0) {
			return ctl_usage_error(what, "--escape takes '\\' "
					       "only, not '%s'", arg);
		}
		c->escape = true;
		break;
	case OPT_ENCODING:
		c->encoding = arg;
		break;
	case OPT_NO_HEADER:
		c->no_header = true;
		break;
	case OPT_SKIP:
		if (!parse_count(arg, &c->skip)) {
			return ctl_usage_error(what, "--skip takes a number "
					       "of lines, not '%s'", arg);
		}
		break;
	case OPT_MAX_ERRORS:
		if (!parse_count(arg, &v) || v > INT64_MAX) {
			return ctl_usage_error(what, "--max-errors takes a "
					       "number, not '%s'", arg);
		}
		c->max_errors = (int64_t)v;
		break;
	case OPT_REJECTS:
		c->rejects = arg;
		break;
	case OPT_NO_DEFAULT_NULLS:
		c->no_default_nulls = true;
		break;
	case OPT_DECIMAL:
		if ((arg[0] != '.' && arg[0] != ',') || arg[1]) {
			return ctl_usage_error(what, "--decimal takes '.' or "
					       "',', not '%s'", arg);
		}
		c->decimal = arg[0];
		break;
	case OPT_DATE_FORMAT:
		if (strcasecmp(arg, "DD/MM/YYYY") == 0 ||
		    strcasecmp(arg, "dmy") == 0) {
			c->date_order = TI_DF_DMY;
		} else if (strcasecmp(arg, "MM/DD/YYYY") == 0 ||
			   strcasecmp(arg, "mdy") == 0) {
			c->date_order = TI_DF_MDY;
		} else {
			return ctl_usage_error(what, "--date-format takes "
					       "DD/MM/YYYY or MM/DD/YYYY, not "
					       "'%s'", arg);
		}
		break;
	case OPT_TYPE:
		if (!strchr(arg, '=')) {
			return ctl_usage_error(what, "--type takes COLUMN=TYPE, "
					       "not '%s'", arg);
		}
		c->types = xrealloc(c->types,
				    (c->n_types + 1) * sizeof(*c->types));
		c->types[c->n_types++] = arg;
		break;
	}
	return 0;
}

/* the parsed CSV options into the import's, after their cross-checks */
static int csv_args_apply(const struct csv_args *c, struct import_options *o)
{
	if (c->escape && c->quoting == 1 + CSV_QUOTE_NONE) {
		return ctl_usage_error("dataset add ", "--escape and --quote "
				       "none do not go together");
	}
	if (c->rejects && !c->max_errors) {
		return ctl_usage_error("dataset add ", "--rejects needs "
				       "--max-errors N");
	}
	o->quoting = c->escape ? 1 + CSV_QUOTE_BACKSLASH : c->quoting;
	o->encoding = c->encoding;
	o->no_header = c->no_header;
	o->skip = c->skip;
	o->max_errors = c->max_errors;
	o->rejects = c->rejects;
	o->no_default_nulls = c->no_default_nulls;
	o->decimal = c->decimal;
	o->date_order = c->date_order;
	o->types = c->types;
	o->n_types = c->n_types;
	return 0;
}

struct dataset_args {
	const char *csv;
	const char *sqlite;
	const char *table;
	bool convert;           /* --sqlite: copy, converting text columns */
	const char *title;
	const char *description;
	const char *weight;
	const char *tags;
	const char **nulls;
	size_t n_nulls;
	char delimiter;
	bool replace;
	bool append;
	bool allow_schema_change;
	bool force;
	char *tags_clean;
	struct csv_args csvo;   /* dataset add --csv only */
	const char *name;       /* the positional NAME */
	const char *url;        /* --url: download, then as --csv */
	const char *key;        /* --key PROVIDER: its key as a bearer token */
	struct design_args design;
	const char *survey;     /* --sav/--dta/--xpt/--sas7bdat/--file FILE */
	const char *survey_format;      /* "sav" ..., NULL for --file */
	int n_survey;
	const char *catalog_file;       /* --catalog-file F.sas7bcat */
	bool keep_user_missing;         /* --keep-user-missing */
};

static void dataset_args_finish(struct dataset_args *a)
{
	free(a->nulls);
	free(a->tags_clean);
	free(a->csvo.types);
}

/* "a, b ,,c" -> "a,b,c": tags are matched as whole words later */
static char *clean_tags(const char *tags)
{
	struct buf b = BUF_INIT;
	const char *p = tags;

	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == ',') {
			p++;
		}
		start = p;
		while (*p && *p != ',') {
			p++;
		}
		end = p;
		while (end > start && end[-1] == ' ') {
			end--;
		}
		if (end > start) {
			if (b.len) {
				buf_addch(&b, ',');
			}
			buf_add(&b, start, (size_t)(end - start));
		}
	}
	return buf_detach(&b, NULL);
}

/*
 * Parse the options of one verb.  `allowed` lists the OPT_ values the verb
 * accepts; the positional arguments must number min..max.
 */
static int parse(struct ctl *ctl, int argc, char **argv, const int *allowed,
		 int min, int max, struct dataset_args *a)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "sqlite", required_argument, NULL, OPT_SQLITE },
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "convert", no_argument, NULL, OPT_CONVERT },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "description", required_argument, NULL, OPT_DESCRIPTION },
		{ "weight", required_argument, NULL, OPT_WEIGHT },
		{ "tags", required_argument, NULL, OPT_TAGS },
		{ "null-value", required_argument, NULL, OPT_NULL_VALUE },
		{ "delimiter", required_argument, NULL, OPT_DELIMITER },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "url", required_argument, NULL, OPT_URL },
		{ "key", required_argument, NULL, OPT_KEY },
		DESIGN_LONG_OPTIONS,
		CSV_LONG_OPTIONS,
		{ "sav", required_argument, NULL, OPT_SAV },
		{ "dta", required_argument, NULL, OPT_DTA },
		{ "xpt", required_argument, NULL, OPT_XPT },
		{ "sas7bdat", required_argument, NULL, OPT_SAS7BDAT },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "catalog-file", required_argument, NULL, OPT_CATALOG_FILE },
		{ "keep-user-missing", no_argument, NULL, OPT_KEEP_USER_MISSING },
		{ "append", no_argument, NULL, OPT_APPEND },
		{ "allow-schema-change", no_argument, NULL,
		  OPT_ALLOW_SCHEMA_CHANGE },
		{ NULL, 0, NULL, 0 },
	};
	char what[64];
	int c, npos;

	snprintf(what, sizeof(what), "dataset %s ", argv[0]);
	optind = 0;
	while ((c = getopt_long(argc, argv, "hqf", longopts, NULL)) != -1) {
		bool ok = false;

		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (c == 'f') {
			c = OPT_FORCE;
		}
		for (const int *p = allowed; *p; p++) {
			ok = ok || *p == c;
		}
		if (!ok) {
			return ctl_usage_error(what, c == '?'
					       ? "unknown option"
					       : "option not valid here: %s",
					       argv[optind - 1]);
		}
		if (design_option(&a->design, c, optarg)) {
			continue;
		}
		switch (c) {
		case OPT_CSV:
			a->csv = optarg;
			break;
		case OPT_URL:
			a->url = optarg;
			break;
		case OPT_KEY:
			a->key = optarg;
			break;
		case OPT_SQLITE:
			a->sqlite = optarg;
			break;
		case OPT_TABLE:
			a->table = optarg;
			break;
		case OPT_CONVERT:
			a->convert = true;
			break;
		case OPT_TITLE:
			a->title = optarg;
			break;
		case OPT_DESCRIPTION:
			a->description = optarg;
			break;
		case OPT_WEIGHT:
			a->weight = optarg;
			break;
		case OPT_TAGS:
			free(a->tags_clean);
			a->tags_clean = clean_tags(optarg);
			a->tags = a->tags_clean;
			break;
		case OPT_NULL_VALUE:
			a->nulls = xrealloc(a->nulls,
					    (a->n_nulls + 1) * sizeof(char *));
			a->nulls[a->n_nulls++] = optarg;
			break;
		case OPT_DELIMITER:
			if (strcmp(optarg, "\\t") == 0 ||
			    strcmp(optarg, "tab") == 0) {
				a->delimiter = '\t';
			} else if (strlen(optarg) == 1 && optarg[0] != '"' &&
				   optarg[0] != '\n' && optarg[0] != '\r') {
				a->delimiter = optarg[0];
			} else {
				return ctl_usage_error(what,
					"--delimiter takes one character "
					"(or 'tab'), not '%s'", optarg);
			}
			break;
		case OPT_REPLACE:
			a->replace = true;
			break;
		case OPT_APPEND:
			a->append = true;
			break;
		case OPT_ALLOW_SCHEMA_CHANGE:
			a->allow_schema_change = true;
			break;
		case OPT_FORCE:
			a->force = true;
			break;
		case OPT_SAV:
		case OPT_DTA:
		case OPT_XPT:
		case OPT_SAS7BDAT:
		case OPT_FILE:
			a->survey = optarg;
			a->survey_format = c == OPT_SAV ? "sav"
				: c == OPT_DTA ? "dta"
				: c == OPT_XPT ? "xpt"
				: c == OPT_SAS7BDAT ? "sas7bdat" : NULL;
			a->n_survey++;
			break;
		case OPT_CATALOG_FILE:
			a->catalog_file = optarg;
			break;
		case OPT_KEEP_USER_MISSING:
			a->keep_user_missing = true;
			break;
		default:
			if (c >= OPT_QUOTE && c <= OPT_TYPE) {
				int code = parse_csv_option(&a->csvo, c, optarg,
							    what);

				if (code) {
					return code;
				}
			}
			break;
		}
	}
	npos = argc - optind;
	if (npos < min) {
		return ctl_usage_error(what, "missing dataset NAME");
	}
	if (npos > max) {
		return ctl_usage_error(what, "unexpected argument '%s'",
				       argv[optind + max]);
	}
	if (npos > 0) {
		a->name = argv[optind];
	}
	return 0;
}

/* a usable name, or a usage error (exit 2) */
static int check_name(const char *verb, const char *name)
{
	const char *why = NULL;
	char what[64];

	if (ident_dataset_name_check(name, &why) == 0) {
		return 0;
	}
	snprintf(what, sizeof(what), "dataset %s ", verb);
	return ctl_usage_error(what, "invalid dataset name '%s': %s", name,
			       why);
}

/* look a dataset up, printing the error; the exit code on failure */
static int lookup(struct db *db, const char *name, struct dataset_info **ret)
{
	int r = dataset_lookup(db, name, ret);

	if (r == -ENOENT) {
		ctl_error("no dataset '%s'", name);
		return EXIT_NOT_FOUND;
	}
	if (r < 0) {
		ctl_error("cannot read catalog: %s", strerror(-r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * The start of every verb that works on one existing dataset: parse the
 * options and NAME, open the catalog, look the dataset up.  Returns 0, -1
 * after --help, or the exit code of the failure (already reported).
 */
static int open_dataset(struct ctl *ctl, int argc, char **argv,
			const int *allowed, struct dataset_args *a,
			struct db **ret_db, struct dataset_info **ret_d)
{
	int code = parse(ctl, argc, argv, allowed, 1, 1, a);

	if (code) {
		return code;
	}
	*ret_db = ctl_open(ctl, false);
	if (!*ret_db) {
		return EXIT_FAIL;
	}
	return lookup(*ret_db, a->name, ret_d);
}

/* `extra`: more members for --json (taken, may be NULL) */
static void print_import_report(struct ctl *ctl, const char *name,
				const char *verb,
				const struct import_report *rep, cJSON *extra)
{
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *rn = cJSON_CreateArray();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "rows", (double)rep->rows);
		cJSON_AddNumberToObject(o, "columns", rep->columns);
		cJSON_AddNumberToObject(o, "bytes", (double)rep->bytes);
		cJSON_AddNumberToObject(o, "seconds", rep->seconds);
		cJSON_AddBoolToObject(o, "replaced", rep->replaced);
		for (size_t i = 0; i < rep->n_renames; i++) {
			cJSON *r = cJSON_CreateObject();

			cJSON_AddNumberToObject(r, "position",
						rep->renames[i].position + 1);
			cJSON_AddStringToObject(r, "from", rep->renames[i].from);
			cJSON_AddStringToObject(r, "to", rep->renames[i].to);
			cJSON_AddItemToArray(rn, r);
		}
		cJSON_AddItemToObject(o, "renamed_columns", rn);
		cJSON_AddItemToObject(o, "notes", cJSON_CreateStringArray(
			(const char *const *)rep->notes, (int)rep->n_notes));
		cJSON_AddItemToObject(o, "warnings", cJSON_CreateStringArray(
			(const char *const *)rep->warnings,
			(int)rep->n_warnings));
		cJSON_AddNumberToObject(o, "rejected", (double)rep->rejected);
		while (extra && extra->child) {
			cJSON *it = cJSON_DetachItemViaPointer(extra,
							       extra->child);

			cJSON_AddItemToObject(o, it->string, it);
		}
		cJSON_Delete(extra);
		ctl_print_json(o);
		return;
	}
	cJSON_Delete(extra);
	/* what may surprise is said even under --quiet */
	for (size_t i = 0; i < rep->n_warnings; i++) {
		term_warning("%s", rep->warnings[i]);
	}
	if (ctl->quiet) {
		return;
	}
	for (size_t i = 0; i < rep->n_notes; i++) {
		printf("%s\n", rep->notes[i]);
	}
	for (size_t i = 0; i < rep->n_renames; i++) {
		printf("column %d: header '%s' stored as '%s'\n",
		       rep->renames[i].position + 1, rep->renames[i].from,
		       rep->renames[i].to);
	}
	printf("%s '%s': %lld row%s, %d column%s in %.2f s", verb, name,
	       (long long)rep->rows, rep->rows == 1 ? "" : "s", rep->columns,
	       rep->columns == 1 ? "" : "s", rep->seconds);
	if (rep->bytes && rep->seconds > 0) {
		printf(" (%.1f MB/s)", (double)rep->bytes / 1e6 / rep->seconds);
	}
	putchar('\n');
}

/* --append: the rows added and the dataset's rows now */
static int print_append(struct ctl *ctl, struct db *db, const char *name,
			const struct import_report *rep)
{
	struct dataset_info *d = NULL;
	int64_t total = -1;

	if (dataset_lookup(db, name, &d) == 0) {
		total = d->row_count;
	}
	dataset_info_destroy(d);
	for (size_t i = 0; i < rep->n_warnings; i++) {
		term_warning("%s", rep->warnings[i]);
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "appended", (double)rep->rows);
		cJSON_AddNumberToObject(o, "rows", (double)total);
		cJSON_AddNumberToObject(o, "rejected", (double)rep->rejected);
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("appended %lld row%s to '%s' (now %lld row%s)\n",
		       (long long)rep->rows, rep->rows == 1 ? "" : "s", name,
		       (long long)total, total == 1 ? "" : "s");
	}
	return EXIT_OK;
}

/* progress only for a person watching a terminal */
static bool show_progress(const struct ctl *ctl)
{
	return !ctl->quiet && !ctl->json && isatty(STDERR_FILENO);
}

static int import_exit(int r)
{
	return r == -EEXIST ? EXIT_EXISTS : EXIT_FAIL;
}

/* --file says which format its first bytes showed */
static int add_survey(struct ctl *ctl, struct db *db,
		      const struct import_options *opt, const char *format,
		      struct import_report *rep, char **ret_err)
{
	if (!format) {
		const char *sniffed = import_readstat_sniff(opt->path);

		if (sniffed && !ctl->quiet && !ctl->json) {
			fprintf(stderr, "mcpctl: reading '%s' as %s (from its "
				"first bytes)\n", opt->path,
				import_readstat_describe(sniffed));
		}
	}
	return import_readstat(db, opt, format, rep, ret_err);
}

/*
 * dataset add without NAME: the name comes from the file's name (the
 * table's, for --sqlite); it is printed once the import succeeded, since
 * the admin did not write it
 */
static int derive_name(struct dataset_args *a,
		       char **ret_name)
{
	const char *from = a->sqlite ? a->table : a->csv ? a->csv
			 : a->url ? a->url : a->survey;

	if (!from || strcmp(from, "-") == 0) {
		return ctl_usage_error("dataset add ", a->sqlite
				       ? "missing dataset NAME (or --table T "
					 "to take it from)"
				       : "missing dataset NAME (standard "
					 "input has no file name to take it "
					 "from)");
	}
	*ret_name = ctl_dataset_name_from(from);
	if (!*ret_name) {
		return ctl_usage_error("dataset add ", "cannot make a dataset "
				       "name from '%s'; give NAME", from);
	}
	a->name = *ret_name;
	return 0;
}

static int dataset_add(struct ctl *ctl, int argc, char **argv)
{
	static const int allowed[] = {
		OPT_CSV, OPT_SQLITE, OPT_TABLE, OPT_CONVERT, OPT_TITLE,
		OPT_DESCRIPTION,
		OPT_WEIGHT, OPT_TAGS, OPT_NULL_VALUE, OPT_DELIMITER,
		OPT_REPLACE, OPT_URL, OPT_KEY, DESIGN_OPTS, CSV_ALLOWED,
		OPT_SAV, OPT_DTA, OPT_XPT, OPT_SAS7BDAT, OPT_FILE, OPT_APPEND,
		OPT_CATALOG_FILE, OPT_KEEP_USER_MISSING, 0,
	};
	struct dataset_args a = { 0 };
	struct import_options opt = { 0 };
	char *download = NULL, *derived = NULL;
	struct import_report rep = { 0 };
	struct db *db = NULL;
	char *err = NULL;
	int r, code;

	code = parse(ctl, argc, argv, allowed, 0, 1, &a);
	if (code) {
		goto out;
	}
	if (!!a.csv + !!a.sqlite + !!a.url + a.n_survey != 1) {
		code = ctl_usage_error("dataset add ",
				       "give exactly one of --csv FILE, "
				       "--sqlite FILE, --url URL, --sav, --dta, "
				       "--xpt, --sas7bdat and --file FILE");
		goto out;
	}
	if (a.catalog_file && (!a.survey || (a.survey_format &&
			       strcmp(a.survey_format, "sas7bdat") != 0))) {
		code = ctl_usage_error("dataset add ",
				       "--catalog-file goes with --sas7bdat "
				       "(or --file) only");
		goto out;
	}
	if (a.keep_user_missing && !a.survey) {
		code = ctl_usage_error("dataset add ",
				       "--keep-user-missing goes with survey "
				       "files (--sav, --dta, --xpt, --sas7bdat, "
				       "--file) only");
		goto out;
	}
	if (!a.name) {
		code = derive_name(&a, &derived);
		if (code) {
			goto out;
		}
	}
	code = check_name("add", a.name);
	if (code) {
		goto out;
	}
	if (a.survey && (a.n_nulls || a.delimiter)) {
		code = ctl_usage_error("dataset add ",
				       "--null-value and --delimiter go with "
				       "--csv only");
		goto out;
	}
	if (a.append && !a.csv && !a.url) {
		code = ctl_usage_error("dataset add ",
				       "--append adds the rows of a CSV file "
				       "(--csv or --url)");
		goto out;
	}
	if (a.append && (a.replace || a.title || a.description || a.weight ||
			 a.tags || a.design.any)) {
		code = ctl_usage_error("dataset add ",
				       "--append keeps the dataset's settings; "
				       "change them with 'dataset set'");
		goto out;
	}
	if (a.key && !a.url) {
		code = ctl_usage_error("dataset add ",
				       "--key goes with --url only");
		goto out;
	}
	if (a.sqlite && !a.table) {
		code = ctl_usage_error("dataset add ",
				       "--sqlite needs --table T");
		goto out;
	}
	if (!a.sqlite && (a.table || a.convert)) {
		code = ctl_usage_error("dataset add ", a.table
				       ? "--table goes with --sqlite only"
				       : "--convert goes with --sqlite only");
		goto out;
	}
	if (a.sqlite && (a.n_nulls || a.delimiter || a.csvo.any)) {
		code = ctl_usage_error("dataset add ",
				       "--null-value, --delimiter and the "
				       "other CSV options go with --csv only");
		goto out;
	}
	code = csv_args_apply(&a.csvo, &opt);
	if (code) {
		goto out;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		code = EXIT_FAIL;
		goto out;
	}
	if (a.append) {
		struct dataset_info *d = NULL;

		code = lookup(db, a.name, &d);
		dataset_info_destroy(d);
		if (code) {
			goto out;
		}
	}
	if (a.url) {
		/* fetched to a file, then imported like --csv (download.c) */
		if (ctl_download(ctl, db, a.url, a.key, show_progress(ctl),
				 &download) < 0) {
			code = EXIT_FAIL;
			goto out;
		}
		a.csv = download;
		opt.source_url = a.url;
	}
	opt.name = a.name;
	opt.path = a.csv ? a.csv : a.sqlite ? a.sqlite : a.survey;
	opt.table = a.table;
	opt.convert = a.convert;
	opt.delimiter = a.delimiter;
	opt.null_values = a.nulls;
	opt.n_null_values = a.n_nulls;
	opt.title = a.title;
	opt.description = a.description;
	opt.weight = a.weight;
	opt.tags = a.tags;
	opt.replace = a.replace;
	opt.catalog_file = a.catalog_file;
	opt.keep_user_missing = a.keep_user_missing;
	opt.append = a.append;
	opt.progress = show_progress(ctl);
	/* refuse what mcpd could not serve, with mcpd's reason */
	if (a.sqlite &&
	    qpool_source_check(db->path, a.sqlite, a.table, &err) < 0) {
		ctl_error("cannot register '%s': %s", a.name, err);
		code = EXIT_FAIL;
		goto out;
	}
	if (a.survey) {
		r = add_survey(ctl, db, &opt, a.survey_format, &rep, &err);
	} else {
		r = a.csv ? import_csv(db, &opt, &rep, &err)
			  : import_sqlite(db, &opt, &rep, &err);
	}
	if (r < 0) {
		ctl_error("%s", err ? err : strerror(-r));
		code = import_exit(r);
		goto out;
	}
	if (a.append) {
		code = print_append(ctl, db, a.name, &rep);
		goto out;
	}
	if (derived && !ctl->quiet && !ctl->json) {
		printf("added '%s' (from the %s name)\n", a.name,
		       a.sqlite ? "table" : "file");
	}
	print_import_report(ctl, a.name, a.csv || a.survey ? "imported"
							   : "registered",
			    &rep, NULL);
	code = design_apply(ctl, db, a.name, &a.design);
out:
	if (download) {
		unlink(download);
		free(download);
	}
	free(derived);
	free(err);
	import_report_finish(&rep);
	db_close(db);
	dataset_args_finish(&a);
	return code < 0 ? EXIT_OK : code;
}

static void add_text(cJSON *o, const char *key, sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	if (s) {
		cJSON_AddStringToObject(o, key, (const char *)s);
	} else {
		cJSON_AddNullToObject(o, key);
	}
}

static cJSON *parsed_or_null(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	cJSON *v = s ? cJSON_Parse(s) : NULL;

	return v ? v : cJSON_CreateNull();
}

static cJSON *dataset_json(const struct dataset_info *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *tags = cJSON_CreateArray();
	char *t = xstrdup(d->tags ? d->tags : "");
	char *save = NULL;

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "title", d->title ? d->title : "");
	cJSON_AddStringToObject(o, "description",
				d->description ? d->description : "");
	cJSON_AddStringToObject(o, "source_kind", d->source_kind);
	cJSON_AddStringToObject(o, "source", d->source_path);
	if (d->source_table) {
		cJSON_AddStringToObject(o, "source_table", d->source_table);
	}
	if (d->weight_column) {
		cJSON_AddStringToObject(o, "weight", d->weight_column);
	} else {
		cJSON_AddNullToObject(o, "weight");
	}
	for (char *p = strtok_r(t, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		cJSON_AddItemToArray(tags, cJSON_CreateString(p));
	}
	free(t);
	cJSON_AddItemToObject(o, "tags", tags);
	cJSON_AddBoolToObject(o, "enabled", d->enabled);
	cJSON_AddNumberToObject(o, "rows", (double)d->row_count);
	cJSON_AddNumberToObject(o, "version", (double)d->version);
	cJSON_AddStringToObject(o, "updated_at", d->updated_at);
	return o;
}

/*
 * enabled, disabled, or unavailable: enabled, but served from a SQLite
 * file that mcpd cannot read (moved, changed, corrupt, past its limits)
 */
static const char *dataset_state(struct db *db, const struct dataset_info *d)
{
	char *err = NULL;

	if (!d->enabled) {
		return "disabled";
	}
	if (dataset_rows_in_catalog(d) ||
	    qpool_source_servable(db->path, d->source_path, d->source_table,
				  &err) == 0) {
		return "enabled";
	}
	free(err);
	return "unavailable";
}

static int dataset_list(struct ctl *ctl, int argc, char **argv)
{
	struct dataset_args a = { 0 };
	sqlite3_stmt *st = NULL;
	cJSON *arr = NULL;
	struct db *db = NULL;
	static const int allowed[] = { 0 };
	bool color;
	int code, rc;

	code = parse(ctl, argc, argv, allowed, 0, 0, &a);
	if (code) {
		goto out;
	}
	color = term_color();       /* after --color, which may follow */
	db = ctl_open(ctl, false);
	if (!db) {
		code = EXIT_FAIL;
		goto out;
	}
	rc = sqlite3_prepare_v2(db->sql,
		"SELECT name FROM datasets ORDER BY name", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ctl_error("cannot read catalog: %s", sqlite3_errmsg(db->sql));
		code = EXIT_FAIL;
		goto out;
	}
	if (ctl->json) {
		arr = cJSON_CreateArray();
	} else {
		printf("%s%-24s %-11s %12s  %s%s\n", color ? TERM_BOLD : "",
		       "NAME", "STATE", "ROWS", "TITLE",
		       color ? TERM_RESET : "");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dataset_info *d = NULL;
		const char *state;

		if (dataset_lookup(db, (const char *)sqlite3_column_text(st, 0),
				   &d) < 0) {
			continue;
		}
		state = dataset_state(db, d);
		if (arr) {
			cJSON *o = dataset_json(d);

			cJSON_AddStringToObject(o, "state", state);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-24s %s%-11s%s %12lld  %s\n", d->name,
			       color ? term_state_color(state) : "", state,
			       color ? TERM_RESET : "",
			       (long long)d->row_count,
			       d->title ? d->title : "");
		}
		dataset_info_destroy(d);
	}
	if (rc != SQLITE_DONE) {
		ctl_error("cannot read catalog: %s", sqlite3_errmsg(db->sql));
		cJSON_Delete(arr);
		code = EXIT_FAIL;
		goto out;
	}
	if (arr) {
		ctl_print_json(arr);
	}
	code = EXIT_OK;
out:
	sqlite3_finalize(st);
	db_close(db);
	dataset_args_finish(&a);
	return code < 0 ? EXIT_OK : code;
}

static const char show_columns_sql[] =
	"SELECT position, name, source_name, declared_type, inferred_type, "
	"null_count, distinct_count, min_value, max_value, mean, top_values, "
	"sample_values, is_weight, description, llm_description, "
	"semantic_type, original_format, unit, null_tokens, type_warning, "
	"quantiles FROM dataset_columns WHERE dataset_id = ? ORDER BY position";

static void print_value(sqlite3_stmt *st, int i, int width)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	if (sqlite3_column_type(st, i) == SQLITE_FLOAT) {
		struct buf b = BUF_INIT;

		/* the reading rules of numfmt.h: no 1.5e+06 for a mean */
		numfmt_add(&b, sqlite3_column_double(st, i), 6);
		printf(" %*s", width, buf_str(&b));
		buf_release(&b);
	} else {
		printf(" %*.*s", width, width, s ? s : "");
	}
}

/* a numeric column's quantiles, under its line */
static void show_quantiles(sqlite3_stmt *st)
{
	cJSON *q = parsed_or_null(st, 20);
	struct buf b = BUF_INIT;

	if (!cJSON_IsObject(q)) {
		cJSON_Delete(q);
		return;
	}
	for (int i = 0; i < QUANTILE_N; i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(
			q, quantile_names[i]);

		buf_addf(&b, "%s%s ", i ? ", " : "", quantile_names[i]);
		if (cJSON_IsNumber(v)) {
			numfmt_add(&b, v->valuedouble, 6);
		}
	}
	printf("      quantiles%s: %s\n",
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(q, "estimated"))
	       ? " (estimated from a sample)" : "", buf_str(&b));
	buf_release(&b);
	cJSON_Delete(q);
}

/* what type inference noted about a column, under its line */
static void show_typing(sqlite3_stmt *st)
{
	const char *sem = (const char *)sqlite3_column_text(st, 15);
	const char *fmt = (const char *)sqlite3_column_text(st, 16);
	const char *unit = (const char *)sqlite3_column_text(st, 17);
	const char *na = (const char *)sqlite3_column_text(st, 18);
	const char *warn = (const char *)sqlite3_column_text(st, 19);

	if (sem) {
		printf("      %s, written %s%s%s\n", sem, fmt ? fmt : "?",
		       unit ? "; " : "", unit ? unit : "");
	}
	if (na) {
		printf("      stored as NULL: %s\n", na);
	}
	if (warn) {
		bool color = term_color();

		printf("      %swarning:%s %s\n", color ? TERM_YELLOW : "",
		       color ? TERM_RESET : "", warn);
	}
	show_quantiles(st);
}

static void show_text(struct db *db, const struct dataset_info *d,
		      sqlite3_stmt *st)
{
	printf("name:        %s\n", d->name);
	printf("title:       %s\n", d->title ? d->title : "");
	printf("description: %s\n", d->description ? d->description : "");
	printf("source:      %s %s%s%s\n", d->source_kind, d->source_path,
	       d->source_table ? " table " : "",
	       d->source_table ? d->source_table : "");
	printf("state:       %s\n", d->enabled ? "enabled" : "disabled");
	printf("rows:        %lld\n", (long long)d->row_count);
	printf("weight:      %s\n", d->weight_column ? d->weight_column : "-");
	design_show_text(db, d);
	printf("tags:        %s\n", d->tags ? d->tags : "");
	printf("updated:     %s (version %lld)\n\n", d->updated_at,
	       (long long)d->version);
	printf("%s%3s %-24s %-8s %10s %10s %12s %12s %12s  %s%s\n",
	       term_color() ? TERM_BOLD : "", "#", "COLUMN", "TYPE", "NULLS",
	       "DISTINCT", "MIN", "MAX", "MEAN", "TOP/SAMPLE VALUES",
	       term_color() ? TERM_RESET : "");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *src = (const char *)sqlite3_column_text(st, 2);
		const char *top = (const char *)sqlite3_column_text(st, 10);
		const char *sample = (const char *)sqlite3_column_text(st, 11);

		printf("%3d %-24s %-8s", sqlite3_column_int(st, 0) + 1, name,
		       (const char *)sqlite3_column_text(st, 4));
		print_value(st, 5, 10);
		print_value(st, 6, 10);
		print_value(st, 7, 12);
		print_value(st, 8, 12);
		print_value(st, 9, 12);
		printf("  %s%s", top ? top : sample ? sample : "",
		       sqlite3_column_int(st, 12) ? "  (weight)" : "");
		if (src && strcmp(src, name) != 0) {
			printf("  (header '%s')", src);
		}
		putchar('\n');
		show_typing(st);
	}
}

static cJSON *show_json(const struct dataset_info *d, sqlite3_stmt *st)
{
	cJSON *o = dataset_json(d);
	cJSON *cols = cJSON_AddArrayToObject(o, "columns");

	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddNumberToObject(c, "position",
					sqlite3_column_int(st, 0) + 1);
		add_text(c, "name", st, 1);
		add_text(c, "source_name", st, 2);
		add_text(c, "declared_type", st, 3);
		add_text(c, "type", st, 4);
		cJSON_AddItemToObject(c, "null_count", render_value(st, 5));
		cJSON_AddItemToObject(c, "distinct_count", render_value(st, 6));
		cJSON_AddItemToObject(c, "min", render_value(st, 7));
		cJSON_AddItemToObject(c, "max", render_value(st, 8));
		cJSON_AddItemToObject(c, "mean", render_value(st, 9));
		cJSON_AddItemToObject(c, "top_values", parsed_or_null(st, 10));
		cJSON_AddItemToObject(c, "sample_values",
				      parsed_or_null(st, 11));
		cJSON_AddBoolToObject(c, "is_weight",
				      sqlite3_column_int(st, 12));
		add_text(c, "description", st, 13);
		add_text(c, "llm_description", st, 14);
		add_text(c, "semantic_type", st, 15);
		add_text(c, "original_format", st, 16);
		add_text(c, "unit", st, 17);
		cJSON_AddItemToObject(c, "null_tokens", parsed_or_null(st, 18));
		add_text(c, "type_warning", st, 19);
		cJSON_AddItemToObject(c, "quantiles", parsed_or_null(st, 20));
		cJSON_AddItemToArray(cols, c);
	}
	return o;
}

static int dataset_show(struct ctl *ctl, int argc, char **argv)
{
	static const int allowed[] = { 0 };
	struct dataset_args a = { 0 };
	struct dataset_info *d = NULL;
	sqlite3_stmt *st = NULL;
	struct db *db = NULL;
	int code;

	code = open_dataset(ctl, argc, argv, allowed, &a, &db, &d);
	if (code) {
		goto out;
	}
	if (sqlite3_prepare_v2(db->sql, show_columns_sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		ctl_error("cannot read catalog: %s", sqlite3_errmsg(db->sql));
		code = EXIT_FAIL;
		goto out;
	}
	sqlite3_bind_int64(st, 1, d->id);
	if (ctl->json) {
		cJSON *o = show_json(d, st);

		design_show_json(db, d, o);
		ctl_print_json(o);
	} else {
		show_text(db, d, st);
	}
	code = EXIT_OK;
out:
	sqlite3_finalize(st);
	dataset_info_destroy(d);
	db_close(db);
	dataset_args_finish(&a);
	return code < 0 ? EXIT_OK : code;
}

static void print_done(struct ctl *ctl, const char *name, const char *what,
		       bool changed)
{
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "result", what);
		cJSON_AddBoolToObject(o, "changed", changed);
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("%s '%s'%s\n", what, name, changed ? "" : " (no change)");
	}
}

/* run `fn` inside one write transaction; the catalog is unchanged on error */
static int in_transaction(struct db *db, int (*fn)(struct db *db, void *arg),
			  void *arg)
{
	int r = db_begin(db);

	if (r < 0) {
		ctl_error("cannot write catalog '%s': %s", db->path,
			  sqlite3_errmsg(db->sql));
		return EXIT_FAIL;
	}
	r = fn(db, arg);
	if (r == 0 && db_commit(db) < 0) {
		ctl_error("cannot commit: %s", sqlite3_errmsg(db->sql));
		r = EXIT_FAIL;
	}
	if (r != 0) {
		db_rollback(db);
	}
	return r;
}

static int rm_fn(struct db *db, void *arg)
{
	const struct dataset_info *d = arg;
	char *sql = NULL;
	int r;

	if (dataset_rows_in_catalog(d)) {
		struct buf b = BUF_INIT;

		buf_addstr(&b, "DROP TABLE IF EXISTS main.");
		ident_quote(&b, d->data_table);
		sql = buf_detach(&b, NULL);
		r = db_exec(db, sql, NULL);
		free(sql);
		if (r < 0) {
			goto fail;
		}
	}
	sql = xasprintf("DELETE FROM dataset_search WHERE rowid = %lld;"
			"DELETE FROM datasets WHERE id = %lld",
			(long long)d->id, (long long)d->id);
	r = db_exec(db, sql, NULL);
	free(sql);
	if (r == 0) {
		return 0;
	}
fail:
	ctl_error("cannot remove dataset '%s': %s", d->name,
		  sqlite3_errmsg(db->sql));
	return EXIT_FAIL;
}

/*
 * dataset rm A B C: a missing name is exit 3, saying so, even with
 * --force (a script must learn that its name was wrong); without --force
 * nothing is removed then, with it the others are.  All in one
 * transaction, so a failure leaves every dataset in place.
 */
struct rm_state {
	struct dataset_info **found;
	size_t n;
};

static int rm_all_fn(struct db *db, void *arg)
{
	struct rm_state *s = arg;

	for (size_t i = 0; i < s->n; i++) {
		int r = rm_fn(db, s->found[i]);

		if (r) {
			return r;
		}
	}
	return 0;
}

static int dataset_rm(struct ctl *ctl, int argc, char **argv)
{
	static const int allowed[] = { OPT_FORCE, 0 };
	struct dataset_args a = { 0 };
	struct rm_state s = { 0 };
	struct db *db = NULL;
	cJSON *arr = NULL;
	int code, first, missing = 0;

	code = parse(ctl, argc, argv, allowed, 1, argc, &a);
	if (code) {
		goto out;
	}
	first = optind;
	db = ctl_open(ctl, false);
	if (!db) {
		code = EXIT_FAIL;
		goto out;
	}
	s.found = xcalloc((size_t)(argc - first), sizeof(*s.found));
	for (int i = first; i < argc; i++) {
		struct dataset_info *d = NULL;

		code = lookup(db, argv[i], &d);
		if (code == EXIT_NOT_FOUND) {
			missing++;
		} else if (code) {
			goto out;
		} else {
			s.found[s.n++] = d;
		}
	}
	if (missing && !a.force) {
		ctl_error("nothing removed (--force removes the datasets "
			  "that exist)");
		code = EXIT_NOT_FOUND;
		goto out;
	}
	code = s.n ? in_transaction(db, rm_all_fn, &s) : 0;
	if (code) {
		goto out;
	}
	arr = ctl->json ? cJSON_CreateArray() : NULL;
	for (size_t i = 0; i < s.n; i++) {
		if (arr) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", s.found[i]->name);
			cJSON_AddStringToObject(o, "result", "removed");
			cJSON_AddBoolToObject(o, "changed", true);
			cJSON_AddItemToArray(arr, o);
		} else if (!ctl->quiet) {
			printf("removed '%s'\n", s.found[i]->name);
		}
	}
	if (arr) {
		/* one name: one object, as before; several: an array */
		if (argc - first == 1 && s.n == 1) {
			cJSON *o = cJSON_DetachItemFromArray(arr, 0);

			cJSON_Delete(arr);
			arr = o;
		}
		ctl_print_json(arr);
	}
	code = missing ? EXIT_NOT_FOUND : EXIT_OK;
out:
	for (size_t i = 0; i < s.n; i++) {
		dataset_info_destroy(s.found[i]);
	}
	free(s.found);
	db_close(db);
	dataset_args_finish(&a);
	return code < 0 ? EXIT_OK : code;
}

struct set_state {
	const struct dataset_info *d;
	const struct dataset_args *a;
	int enable;             /* -1: leave, 0/1: set */
	bool changed;
};

static int bind_step(struct db *db, const char *sql, int64_t id,
		     const char *text)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return rc;
}

static int set_fn(struct db *db, void *arg)
{
	struct set_state *s = arg;
	const struct dataset_args *a = s->a;
	int64_t id = s->d->id;
	char *err = NULL;
	int rc = SQLITE_OK;

	if (s->enable >= 0 && s->enable != (int)s->d->enabled) {
		rc = bind_step(db, "UPDATE datasets SET enabled = ?2 "
			       "WHERE id = ?1", id, s->enable ? "1" : "0");
		s->changed = true;
	}
	if (rc == SQLITE_OK && a->title) {
		rc = bind_step(db, "UPDATE datasets SET title = ?2 "
			       "WHERE id = ?1", id, a->title);
		s->changed = true;
	}
	if (rc == SQLITE_OK && a->description) {
		rc = bind_step(db, "UPDATE datasets SET description = ?2 "
			       "WHERE id = ?1", id, a->description);
		s->changed = true;
	}
	if (rc == SQLITE_OK && a->tags) {
		rc = bind_step(db, "UPDATE datasets SET tags = ?2 "
			       "WHERE id = ?1", id, a->tags);
		s->changed = true;
	}
	if (rc == SQLITE_OK && a->weight && !*a->weight) {
		rc = bind_step(db, "UPDATE datasets SET weight_column = ?2 "
			       "WHERE id = ?1", id, NULL);
		if (rc == SQLITE_OK) {
			rc = bind_step(db, "UPDATE dataset_columns SET "
				       "is_weight = 0 WHERE dataset_id = ?1 "
				       "AND ?2 IS NULL", id, NULL);
		}
		s->changed = true;
	} else if (rc == SQLITE_OK && a->weight) {
		if (import_set_weight(db, id, a->weight, &err) < 0) {
			ctl_error("%s", err);
			free(err);
			return EXIT_FAIL;
		}
		s->changed = true;
	}
	if (rc == SQLITE_OK && s->changed) {
		rc = dataset_touch(db, id) == 0 &&
		     dataset_search_reindex(db, id) == 0 ? SQLITE_OK
							 : SQLITE_ERROR;
	}
	if (rc != SQLITE_OK) {
		ctl_error("cannot update dataset '%s': %s", s->d->name,
			  sqlite3_errmsg(db->sql));
		return EXIT_FAIL;
	}
	return 0;
}

static int update_dataset(struct ctl *ctl, int argc, char **argv,
			  const int *allowed, int enable, const char *done)
{
	struct dataset_args a = { 0 };
	struct dataset_info *d = NULL;
	struct set_state s = { 0 };
	struct db *db = NULL;
	int code;

	code = open_dataset(ctl, argc, argv, allowed, &a, &db, &d);
	if (code) {
		goto out;
	}
	s.d = d;
	s.a = &a;
	s.enable = enable;
	code = in_transaction(db, set_fn, &s);
	if (code == 0) {
		code = design_apply(ctl, db, a.name, &a.design);
	}
	if (code == 0) {
		print_done(ctl, a.name, done, s.changed || a.design.any);
	}
out:
	dataset_info_destroy(d);
	db_close(db);
	dataset_args_finish(&a);
	return code < 0 ? EXIT_OK : code;
}

static int dataset_enable(struct ctl *ctl, int argc, char **argv)
{
	static const int allowed[] = { 0 };

	return update_dataset(ctl, argc, argv, allowed, 1, "enabled");
}

static int dataset_disable(struct ctl *ctl, int argc, char **argv)
{
	static const int allowed[] = { 0 };

	return update_dataset(ctl, argc, argv, allowed, 0, "disabled");
}

static int dataset_set(struct ctl *ctl, int argc, char **argv)
{
	static const int allowed[] = {
		OPT_TITLE, OPT_DESCRIPTION, OPT_WEIGHT, OPT_TAGS, DESIGN_OPTS,
		0,
	};

	/* one column's text: cmd-dataset-column.c */
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--column", 8) == 0) {
			return ctl_dataset_set_column(ctl, argc, argv);
		}
	}
	return update_dataset(ctl, argc, argv, allowed, -1, "updated");
}

/* the dataset's column names, in order, as a JSON array of strings */
static cJSON *column_names(struct db *db, int64_t id)
{
	cJSON *arr = cJSON_CreateArray();
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, "SELECT name FROM dataset_columns "
			       "WHERE dataset_id = ? ORDER BY position", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON_AddItemToArray(arr, cJSON_CreateString(
				(const char *)sqlite3_column_text(st, 0)));
		}
	}
	sqlite3_finalize(st);
	return arr;
}

/* the names of `a` that `b` lacks */
static cJSON *names_not_in(const cJSON *a, const cJSON *b)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *x, *y;

	cJSON_ArrayForEach(x, a) {
		bool found = false;

		cJSON_ArrayForEach(y, b) {
			found = found || strcmp(x->valuestring,
						y->valuestring) == 0;
		}
		if (!found) {
			cJSON_AddItemToArray(out,
					     cJSON_CreateString(x->valuestring));
		}
	}
	return out;
}

static void print_names(const char *what, const cJSON *names)
{
	const cJSON *x;
	bool first = true;

	if (!cJSON_GetArraySize(names)) {
		return;
	}
	printf("columns %s:", what);
	cJSON_ArrayForEach(x, names) {
		printf("%s '%s'", first ? "" : ",", x->valuestring);
		first = false;
	}
	putchar('\n');
}

/*
 * dataset refresh NAME [--allow-schema-change]: what changed is printed
 * (rows before and after, columns added or removed); a change of
 * columns is refused unless allowed, inside the import's transaction
 */
static int dataset_refresh(struct ctl *ctl, int argc, char **argv)
{
	static const int allowed[] = { OPT_ALLOW_SCHEMA_CHANGE, 0 };
	struct dataset_args a = { 0 };
	struct import_report rep = { 0 };
	struct dataset_info *d = NULL, *now = NULL;
	cJSON *before = NULL, *after = NULL, *added = NULL, *removed = NULL;
	struct db *db = NULL;
	char *err = NULL;
	int code, r;

	code = open_dataset(ctl, argc, argv, allowed, &a, &db, &d);
	if (code) {
		goto out;
	}
	before = column_names(db, d->id);
	r = import_refresh(db, a.name, show_progress(ctl),
			   !a.allow_schema_change, &rep, &err);
	if (r < 0) {
		ctl_error("%s", err ? err : strerror(-r));
		code = import_exit(r);
		goto out;
	}
	if (dataset_lookup(db, a.name, &now) < 0) {
		ctl_error("cannot read catalog: %s", sqlite3_errmsg(db->sql));
		code = EXIT_FAIL;
		goto out;
	}
	after = column_names(db, now->id);
	added = names_not_in(after, before);
	removed = names_not_in(before, after);
	if (ctl->json) {
		cJSON *extra = cJSON_CreateObject();

		cJSON_AddNumberToObject(extra, "rows_before",
					(double)d->row_count);
		cJSON_AddItemToObject(extra, "columns_added", added);
		cJSON_AddItemToObject(extra, "columns_removed", removed);
		added = removed = NULL;
		print_import_report(ctl, a.name, "refreshed", &rep, extra);
	} else {
		print_import_report(ctl, a.name, "refreshed", &rep, NULL);
		if (!ctl->quiet) {
			long long was = d->row_count, is = now->row_count;

			printf("rows: %lld -> %lld (%s%lld)\n", was, is,
			       is >= was ? "+" : "", is - was);
			print_names("added", added);
			print_names("removed", removed);
		}
	}
	code = EXIT_OK;
out:
	cJSON_Delete(before);
	cJSON_Delete(after);
	cJSON_Delete(added);
	cJSON_Delete(removed);
	dataset_info_destroy(d);
	dataset_info_destroy(now);
	free(err);
	import_report_finish(&rep);
	db_close(db);
	dataset_args_finish(&a);
	return code < 0 ? EXIT_OK : code;
}

static const struct verb verbs[] = {
	{ "add", dataset_add },
	{ "disable", dataset_disable },
	{ "enable", dataset_enable },
	{ "export", ctl_dataset_export },
	{ "index", ctl_dataset_index },
	{ "labels", ctl_dataset_labels },
	{ "list", dataset_list },
	{ "refresh", dataset_refresh },
	{ "rename", ctl_dataset_rename },
	{ "rm", dataset_rm },
	{ "set", dataset_set },
	{ "show", dataset_show },
	{ NULL, NULL },
};

int cmd_dataset(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "dataset", verbs, usage, argc, argv);
}
