/*
 * mcpctl metadata: an LLM writes each dataset's context (summary, column
 * descriptions, units, example questions, caveats); an admin reviews,
 * edits and approves it, and mcpd serves the approved version.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mcp/apikey.h"
#include "mcp/buf.h"
#include "mcp/dataset.h"
#include "mcp/http.h"
#include "mcp/llm.h"
#include "mcp/metadata.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"
#include "mcpctl.h"

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

#define EDIT_FILE_MAX (1 << 20)

enum {
	OPT_ALL = 0x200, OPT_PROVIDER, OPT_MODEL, OPT_BASE_URL, OPT_KEY_LABEL,
	OPT_DRY_RUN, OPT_JOBS, OPT_TIMEOUT, OPT_RETRIES, OPT_VERSION, OPT_FILE,
};

static struct {
	bool all, dry_run;
	const char *provider, *model, *base_url, *key_label, *file;
	long jobs, retries;
	double timeout;
	int64_t version;
} arg;

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

/* options, then exactly one NAME (none with --all) */
static int args(struct ctl *ctl, int argc, char **argv, const char *allowed)
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
	memset(&arg, 0, sizeof(arg));
	arg.key_label = "default";
	arg.jobs = 4;
	arg.retries = 4;
	arg.timeout = 120;
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
			arg.all = true;
			break;
		case OPT_PROVIDER:
			arg.provider = optarg;
			break;
		case OPT_MODEL:
			arg.model = optarg;
			break;
		case OPT_BASE_URL:
			arg.base_url = optarg;
			break;
		case OPT_KEY_LABEL:
			arg.key_label = optarg;
			break;
		case OPT_DRY_RUN:
			arg.dry_run = true;
			break;
		case OPT_JOBS:
			if (!parse_long(optarg, 1, 64, &arg.jobs)) {
				return ctl_usage_error(what, "--jobs takes 1 "
						       "to 64");
			}
			break;
		case OPT_RETRIES:
			if (!parse_long(optarg, 0, 10, &arg.retries)) {
				return ctl_usage_error(what, "--retries takes "
						       "0 to 10");
			}
			break;
		case OPT_TIMEOUT:
			arg.timeout = strtod(optarg, &end);
			if (end == optarg || *end || !(arg.timeout >= 0.1) ||
			    arg.timeout > 3600) {
				return ctl_usage_error(what, "--timeout takes "
						       "0.1 to 3600 seconds");
			}
			break;
		case OPT_VERSION:
			if (!parse_long(optarg, 1, 1L << 30, &v)) {
				return ctl_usage_error(what, "--version takes "
						       "a positive number");
			}
			arg.version = v;
			break;
		case OPT_FILE:
			arg.file = optarg;
			break;
		}
	}
	if (argc - optind != (arg.all ? 0 : 1)) {
		return ctl_usage_error(what, arg.all ? "NAME and --all "
				       "exclude each other"
						     : "expected one dataset "
				       "NAME");
	}
	return 0;
}

/* a dataset by name, printing the error; the exit code on failure */
static int find(struct db *db, const char *name, struct dataset_info **ret)
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

/* --- generate --- */

struct job {
	struct dataset_info *d;
	char *prompt;
	char *bad_answer;       /* the invalid answer of round one */
	char *bad_reason;
	struct http_req req;
	int64_t in, out;        /* tokens over both rounds; -1 unknown */
	char *raw;
	cJSON *doc;
	char *error;
};

struct run {
	struct ctl *ctl;
	size_t done, total;
};

/* the key in a message from a server, replaced */
static char *redact(char *msg, const char *key)
{
	struct buf b = BUF_INIT;
	size_t klen = key ? strlen(key) : 0;
	const char *p = msg, *hit;

	if (!msg || klen < 4 || !strstr(msg, key)) {
		return msg;
	}
	while ((hit = strstr(p, key))) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_addstr(&b, "[redacted]");
		p = hit + klen;
	}
	buf_addstr(&b, p);
	sodium_memzero(msg, strlen(msg));
	free(msg);
	return buf_detach(&b, NULL);
}

static void on_done(struct http_req *r, void *ctx)
{
	struct run *run = ctx;
	struct job *j = r->user;

	run->done++;
	if (!run->ctl->quiet && run->total > 1) {
		fprintf(stderr, "[%zu/%zu] %s: %s\n", run->done, run->total,
			j->d->name, r->result == 0 ? "answered" : "failed");
	}
}

static void add_tokens(int64_t *sum, int64_t v)
{
	*sum = *sum < 0 || v < 0 ? -1 : *sum + v;
}

/* read one finished request into its job: a doc, a reason or an error */
static void take_answer(struct db *db, struct job *j, enum llm_provider p,
			const char *key)
{
	struct llm_answer a = { 0 };
	char *err = NULL, *m;

	if (j->req.result < 0) {
		m = j->req.status ? llm_error_message(j->req.response.data)
				  : NULL;
		m = redact(m, key);
		j->error = xasprintf("%s: %s%s%s (after %d attempt%s)",
				     llm_provider_name(p),
				     j->req.error ? j->req.error : "failed",
				     m ? ": " : "", m ? m : "",
				     j->req.attempts,
				     j->req.attempts == 1 ? "" : "s");
		free(m);
		return;
	}
	free(j->raw);
	j->raw = xstrdup(buf_str(&j->req.response));
	if (llm_answer_parse(p, j->raw, &a, &err) < 0) {
		j->error = xasprintf("%s: %s", llm_provider_name(p), err);
		free(err);
		return;
	}
	add_tokens(&j->in, a.prompt_tokens);
	add_tokens(&j->out, a.completion_tokens);
	free(j->bad_reason);
	j->bad_reason = NULL;
	if (metadata_validate(db, j->d->id, a.text, &j->doc, &err) < 0) {
		j->bad_reason = err;
		free(j->bad_answer);
		j->bad_answer = a.text;
		a.text = NULL;
	}
	llm_answer_finish(&a);
}

/* the API key for the provider: NULL (no key) is fine for some */
static int get_key(struct ctl *ctl, struct db *db, enum llm_provider p,
		   char **ret_key)
{
	const char *name = llm_provider_name(p);
	struct master_key k;
	sqlite3_stmt *st = NULL;
	char *err = NULL;
	bool have = false;
	int r;

	if (sqlite3_prepare_v2(db->sql, "SELECT 1 FROM api_keys WHERE "
			       "provider = ?1 AND label = ?2", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, arg.key_label, -1, SQLITE_STATIC);
		have = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	*ret_key = NULL;
	if (!have) {
		if (p == LLM_OPENAI_COMPATIBLE) {
			return 0;
		}
		ctl_error("no key for %s/%s: store one with 'mcpctl key set "
			  "%s'", name, arg.key_label, name);
		return -ENOENT;
	}
	if (ctl_master_key(ctl, db, false, &k) < 0) {
		return -EKEYREJECTED;
	}
	r = apikey_fetch(db, &k, name, arg.key_label, ret_key, &err);
	master_key_wipe(&k);
	if (r < 0) {
		ctl_error("%s", err);
		free(err);
	}
	return r;
}

static void job_finish(struct job *j)
{
	dataset_info_destroy(j->d);
	free(j->prompt);
	free(j->bad_answer);
	free(j->bad_reason);
	http_req_finish(&j->req);
	free(j->raw);
	cJSON_Delete(j->doc);
	free(j->error);
}

/* the datasets to describe, with their prompts */
static int collect(struct db *db, char **argv, struct job **ret_jobs,
		   size_t *ret_n)
{
	struct job *jobs = NULL;
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	char **names = NULL;
	size_t nnames = 0;
	int code = 0;

	if (arg.all) {
		if (sqlite3_prepare_v2(db->sql, "SELECT name FROM datasets "
				       "ORDER BY name", -1, &st,
				       NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				names = xrealloc(names, (nnames + 1) *
							       sizeof(*names));
				names[nnames++] = xstrdup((const char *)
					sqlite3_column_text(st, 0));
			}
		}
		sqlite3_finalize(st);
	} else {
		names = xmalloc(sizeof(*names));
		names[nnames++] = xstrdup(argv[optind]);
	}
	jobs = xcalloc(nnames + 1, sizeof(*jobs));
	for (size_t i = 0; i < nnames && code == 0; i++) {
		struct job *j = &jobs[n];

		code = find(db, names[i], &j->d);
		if (code == 0) {
			j->prompt = metadata_prompt(db, j->d);
			http_req_init(&j->req);
			j->req.user = j;
			n++;
		}
	}
	for (size_t i = 0; i < nnames; i++) {
		free(names[i]);
	}
	free(names);
	*ret_jobs = jobs;
	*ret_n = n;
	return code;
}

/* send every job that needs it; round 2 corrects invalid answers */
static int send_round(struct ctl *ctl, struct db *db, struct job *jobs,
		      size_t n, enum llm_provider p, const char *model,
		      const char *key, int round)
{
	static const char correction[] =
		"That answer is invalid: %s.  Answer again with the whole "
		"corrected JSON document.";
	struct http_req **reqs = xcalloc(n + 1, sizeof(*reqs));
	cJSON *schema = metadata_schema();
	struct http_opts o;
	struct run run = { ctl, 0, 0 };
	size_t k = 0;
	int r = 0;

	http_opts_init(&o);
	o.jobs = (int)arg.jobs;
	o.max_retries = (int)arg.retries;
	o.timeout_ms = (long)(arg.timeout * 1000);
	if (o.connect_timeout_ms > o.timeout_ms) {
		o.connect_timeout_ms = o.timeout_ms;
	}
	o.done = on_done;
	o.ctx = &run;
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		struct llm_msg msgs[3];
		char *fix = NULL, *err = NULL;
		int nmsgs = 1;

		if (j->error || j->doc || (round == 2 && !j->bad_reason)) {
			continue;
		}
		msgs[0] = (struct llm_msg){ "user", j->prompt };
		if (round == 2) {
			fix = xasprintf(correction, j->bad_reason);
			msgs[1] = (struct llm_msg){ "assistant",
						    j->bad_answer };
			msgs[2] = (struct llm_msg){ "user", fix };
			nmsgs = 3;
			if (!ctl->quiet) {
				fprintf(stderr, "mcpctl: %s: invalid answer "
					"(%s); asking once more\n",
					j->d->name, j->bad_reason);
			}
		}
		http_req_finish(&j->req);
		http_req_init(&j->req);
		j->req.user = j;
		r = llm_request_build(&j->req, p, arg.base_url, model, key,
				      metadata_system_prompt(), msgs, nmsgs,
				      schema, "dataset_metadata", &err);
		free(fix);
		if (r < 0) {
			ctl_error("%s", err);
			free(err);
			goto out;
		}
		reqs[k++] = &j->req;
	}
	run.total = k;
	if (k > 0 && http_run(reqs, k, &o) < 0) {
		ctl_error("cannot start libcurl");
		r = -EIO;
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		take_answer(db, reqs[i]->user, p, key);
	}
out:
	cJSON_Delete(schema);
	free(reqs);
	return r;
}

static int store_all(struct ctl *ctl, struct db *db, struct job *jobs,
		     size_t n, enum llm_provider p, const char *model)
{
	cJSON *arr = ctl->json ? cJSON_CreateArray() : NULL;
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		struct metadata_origin o = {
			"llm", llm_provider_name(p), model, j->in, j->out,
			llm_cost_estimate(model, j->in, j->out), j->raw,
		};
		int64_t version = 0;
		char *err = NULL;

		if (!j->doc && !j->error) {
			j->error = xasprintf("the answer is invalid twice: %s",
					     j->bad_reason ? j->bad_reason
							   : "?");
		}
		if (!j->error && metadata_store(db, j->d->id, j->doc, &o,
						&version, &err) < 0) {
			j->error = err;
		}
		if (arr) {
			cJSON *r = cJSON_CreateObject();

			cJSON_AddStringToObject(r, "dataset", j->d->name);
			if (j->error) {
				cJSON_AddNullToObject(r, "version");
				cJSON_AddStringToObject(r, "error", j->error);
			} else {
				cJSON_AddNumberToObject(r, "version",
							(double)version);
			}
			cJSON_AddStringToObject(r, "provider",
						llm_provider_name(p));
			cJSON_AddStringToObject(r, "model", model);
			if (j->in >= 0) {
				cJSON_AddNumberToObject(r, "prompt_tokens",
							(double)j->in);
				cJSON_AddNumberToObject(r, "completion_tokens",
							(double)j->out);
			}
			if (o.cost_usd >= 0) {
				cJSON_AddNumberToObject(r, "cost_usd",
							o.cost_usd);
			}
			cJSON_AddItemToArray(arr, r);
		}
		if (j->error) {
			ctl_error("%s: %s", j->d->name, j->error);
			failed++;
			continue;
		}
		if (!arr && !ctl->quiet) {
			printf("%s: metadata version %lld (draft) from %s %s",
			       j->d->name, (long long)version,
			       llm_provider_name(p), model);
			if (j->in >= 0) {
				printf(", %lld+%lld tokens", (long long)j->in,
				       (long long)j->out);
			}
			if (o.cost_usd >= 0) {
				printf(", about $%.4f", o.cost_usd);
			}
			printf("; review: mcpctl metadata show %s\n",
			       j->d->name);
		}
	}
	if (arr) {
		ctl_print_json(arr);
	}
	return failed ? EXIT_FAIL : EXIT_OK;
}

static int metadata_generate(struct ctl *ctl, int argc, char **argv)
{
	enum llm_provider p = LLM_OPENAI;
	struct job *jobs = NULL;
	const char *model;
	char *key = NULL, *err = NULL;
	struct db *db = NULL;
	size_t n = 0;
	int code = args(ctl, argc, argv, "abcdefghi");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	if (arg.provider && llm_provider_parse(arg.provider, &p) < 0) {
		return ctl_usage_error("metadata generate ", "unknown "
				       "provider '%s'", arg.provider);
	}
	if (!arg.provider) {
		p = arg.base_url ? LLM_OPENAI_COMPATIBLE : LLM_OPENAI;
	}
	model = arg.model ? arg.model : llm_default_model(p);
	if (!model) {
		return ctl_usage_error("metadata generate ", "--model is "
				       "needed with provider %s",
				       llm_provider_name(p));
	}
	if (arg.base_url && http_check_url(arg.base_url, &err) < 0) {
		code = ctl_usage_error("metadata generate ", "%s", err);
		free(err);
		return code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = collect(db, argv, &jobs, &n);
	if (code) {
		goto out;
	}
	if (n == 0) {
		ctl_error("no datasets to describe");
		code = EXIT_NOT_FOUND;
		goto out;
	}
	if (arg.dry_run) {
		for (size_t i = 0; i < n; i++) {
			printf("=== %s: %s %s\n--- system\n%s\n--- user\n%s\n",
			       jobs[i].d->name, llm_provider_name(p), model,
			       metadata_system_prompt(), jobs[i].prompt);
		}
		goto out;
	}
	if (get_key(ctl, db, p, &key) < 0) {
		code = EXIT_FAIL;
		goto out;
	}
	if (send_round(ctl, db, jobs, n, p, model, key, 1) < 0 ||
	    send_round(ctl, db, jobs, n, p, model, key, 2) < 0) {
		code = EXIT_FAIL;
		goto out;
	}
	code = store_all(ctl, db, jobs, n, p, model);
out:
	if (key) {
		sodium_memzero(key, strlen(key));
		free(key);
	}
	for (size_t i = 0; i < n; i++) {
		job_finish(&jobs[i]);
	}
	free(jobs);
	db_close(db);
	return code;
}

/* --- show, edit, approve --- */

static cJSON *json_text(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	cJSON *v = t ? cJSON_Parse(t) : NULL;

	return v ? v : cJSON_CreateNull();
}

static void add_text(cJSON *o, const char *key, sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	if (t) {
		cJSON_AddStringToObject(o, key, t);
	} else {
		cJSON_AddNullToObject(o, key);
	}
}

static void add_num(cJSON *o, const char *key, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		cJSON_AddNullToObject(o, key);
	} else {
		cJSON_AddNumberToObject(o, key, sqlite3_column_double(st, i));
	}
}

/* one version as the JSON that show --json prints and edit reads */
static cJSON *version_json(struct db *db, const struct dataset_info *d,
			   int64_t version)
{
	sqlite3_stmt *st = NULL;
	cJSON *o = NULL, *m;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT version, status, author, provider, "
			       "model, created_at, prompt_tokens, "
			       "completion_tokens, cost_usd, summary, "
			       "columns, example_questions, caveats "
			       "FROM llm_metadata WHERE dataset_id = ?1 AND "
			       "version = ?2", -1, &st, NULL) != SQLITE_OK) {
		return NULL;
	}
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_int64(st, 2, version);
	if (sqlite3_step(st) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "dataset", d->name);
		add_num(o, "version", st, 0);
		add_text(o, "status", st, 1);
		add_text(o, "author", st, 2);
		add_text(o, "provider", st, 3);
		add_text(o, "model", st, 4);
		add_text(o, "created_at", st, 5);
		add_num(o, "prompt_tokens", st, 6);
		add_num(o, "completion_tokens", st, 7);
		add_num(o, "cost_usd", st, 8);
		m = cJSON_AddObjectToObject(o, "metadata");
		add_text(m, "summary", st, 9);
		cJSON_AddItemToObject(m, "columns", json_text(st, 10));
		cJSON_AddItemToObject(m, "example_questions",
				      json_text(st, 11));
		cJSON_AddItemToObject(m, "caveats", json_text(st, 12));
	}
	sqlite3_finalize(st);
	return o;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void print_list(const char *heading, const cJSON *a)
{
	const cJSON *it;

	if (cJSON_GetArraySize(a) == 0) {
		return;
	}
	printf("\n%s:\n", heading);
	cJSON_ArrayForEach(it, a) {
		if (cJSON_IsString(it)) {
			printf("  - %s\n", it->valuestring);
		}
	}
}

static void print_version(const cJSON *o)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	const cJSON *c, *v;

	printf("%s: metadata version %.0f (%s), by %s", jstr(o, "dataset"),
	       cJSON_GetObjectItemCaseSensitive(o, "version")->valuedouble,
	       jstr(o, "status"), jstr(o, "author"));
	if (strcmp(jstr(o, "author"), "llm") == 0) {
		printf(" %s %s", jstr(o, "provider"), jstr(o, "model"));
	}
	printf(", %s\n", jstr(o, "created_at"));
	v = cJSON_GetObjectItemCaseSensitive(o, "prompt_tokens");
	if (cJSON_IsNumber(v)) {
		printf("tokens: %.0f in, %.0f out", v->valuedouble,
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
			       o, "completion_tokens")));
		v = cJSON_GetObjectItemCaseSensitive(o, "cost_usd");
		if (cJSON_IsNumber(v)) {
			printf(", about $%.4f", v->valuedouble);
		}
		putchar('\n');
	}
	printf("\nSummary: %s\n\nColumns:\n", jstr(m, "summary"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(m, "columns")) {
		const char *unit = jstr(c, "unit");

		printf("  %s [%s%s%s]: %s\n", jstr(c, "name"),
		       jstr(c, "semantic_type"), unit ? ", " : "",
		       unit ? unit : "", jstr(c, "description"));
	}
	print_list("Example questions",
		   cJSON_GetObjectItemCaseSensitive(m, "example_questions"));
	print_list("Caveats", cJSON_GetObjectItemCaseSensitive(m, "caveats"));
	printf("\nVersions:\n");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "versions")) {
		printf("  %3.0f %-8s %-5s %s %s %s\n",
		       cJSON_GetNumberValue(
			       cJSON_GetObjectItemCaseSensitive(c, "version")),
		       jstr(c, "status"), jstr(c, "author"),
		       jstr(c, "created_at"), jstr(c, "provider"),
		       jstr(c, "model"));
	}
}

/* every version in one line each: what a reviewer picks from */
static void add_versions(struct db *db, const struct dataset_info *d,
			 cJSON *o)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr = cJSON_AddArrayToObject(o, "versions");

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT version, status, author, provider, "
			       "model, created_at FROM llm_metadata WHERE "
			       "dataset_id = ?1 ORDER BY version", -1, &st,
			       NULL) != SQLITE_OK) {
		return;
	}
	sqlite3_bind_int64(st, 1, d->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *v = cJSON_CreateObject();

		add_num(v, "version", st, 0);
		add_text(v, "status", st, 1);
		add_text(v, "author", st, 2);
		add_text(v, "provider", st, 3);
		add_text(v, "model", st, 4);
		add_text(v, "created_at", st, 5);
		cJSON_AddItemToArray(arr, v);
	}
	sqlite3_finalize(st);
}

/* --version V, else the newest; 0 and the error printed when none */
static int64_t pick_version(struct db *db, const struct dataset_info *d)
{
	int64_t latest = metadata_latest(db, d->id);

	if (latest == 0) {
		ctl_error("no metadata for '%s' (see 'mcpctl metadata "
			  "generate')", d->name);
		return 0;
	}
	if (arg.version > latest) {
		ctl_error("no metadata version %lld for '%s' (the newest is "
			  "%lld)", (long long)arg.version, d->name,
			  (long long)latest);
		return 0;
	}
	return arg.version ? arg.version : latest;
}

static int metadata_show(struct ctl *ctl, int argc, char **argv)
{
	struct dataset_info *d = NULL;
	struct db *db;
	cJSON *o;
	int64_t v;
	int code = args(ctl, argc, argv, "j");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = find(db, argv[optind], &d);
	if (code) {
		goto out;
	}
	v = pick_version(db, d);
	o = v ? version_json(db, d, v) : NULL;
	if (!o) {
		code = EXIT_NOT_FOUND;
		goto out;
	}
	add_versions(db, d, o);
	if (ctl->json) {
		ctl_print_json(o);
	} else {
		print_version(o);
		cJSON_Delete(o);
	}
out:
	dataset_info_destroy(d);
	db_close(db);
	return code;
}

/* --json of edit and approve */
static void print_result(const char *name, int64_t version,
			 const char *status)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "dataset", name);
	cJSON_AddNumberToObject(o, "version", (double)version);
	cJSON_AddStringToObject(o, "status", status);
	ctl_print_json(o);
}

static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (!f) {
		ctl_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, EDIT_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(&b, chunk, n) < 0) {
			ctl_error("'%s' is larger than %d bytes", path,
				  EDIT_FILE_MAX);
			buf_release(&b);
			if (f != stdin) {
				fclose(f);
			}
			return NULL;
		}
	}
	if (f != stdin) {
		fclose(f);
	}
	return buf_detach(&b, NULL);
}

static int metadata_edit(struct ctl *ctl, int argc, char **argv)
{
	static const struct metadata_origin human = {
		"human", "human", "", -1, -1, -1, NULL,
	};
	struct dataset_info *d = NULL;
	struct db *db = NULL;
	cJSON *in = NULL, *doc = NULL;
	char *text = NULL, *body = NULL, *err = NULL;
	int64_t version;
	int code = args(ctl, argc, argv, "k");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	if (!arg.file) {
		return ctl_usage_error("metadata edit ", "--file F is needed "
				       "(the JSON of 'metadata show --json', "
				       "edited)");
	}
	text = read_file(arg.file);
	if (!text) {
		return EXIT_FAIL;
	}
	code = EXIT_FAIL;
	db = ctl_open(ctl, false);
	if (!db) {
		goto out;
	}
	code = find(db, argv[optind], &d);
	if (code) {
		goto out;
	}
	code = EXIT_FAIL;
	/* the whole 'show --json' output, or only its "metadata" */
	in = cJSON_Parse(text);
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(in,
							    "metadata"))) {
		body = cJSON_PrintUnformatted(
			cJSON_GetObjectItemCaseSensitive(in, "metadata"));
	}
	if (metadata_validate(db, d->id, body ? body : text, &doc,
			      &err) < 0) {
		ctl_error("%s: %s", arg.file, err);
		goto out;
	}
	if (metadata_store(db, d->id, doc, &human, &version, &err) < 0) {
		ctl_error("%s", err);
		goto out;
	}
	if (ctl->json) {
		print_result(d->name, version, "draft");
	} else if (!ctl->quiet) {
		printf("%s: metadata version %lld (draft, edited by hand); "
		       "approve it with 'mcpctl metadata approve %s'\n",
		       d->name, (long long)version, d->name);
	}
	code = EXIT_OK;
out:
	cJSON_Delete(in);
	cJSON_Delete(doc);
	free(body);
	free(err);
	free(text);
	dataset_info_destroy(d);
	db_close(db);
	return code;
}

static int metadata_approve_cmd(struct ctl *ctl, int argc, char **argv)
{
	struct dataset_info *d = NULL;
	struct db *db;
	char *err = NULL;
	int64_t v;
	int code = args(ctl, argc, argv, "j");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = find(db, argv[optind], &d);
	if (code) {
		goto out;
	}
	v = pick_version(db, d);
	if (!v) {
		code = EXIT_NOT_FOUND;
		goto out;
	}
	if (metadata_approve(db, d->id, v, &err) < 0) {
		ctl_error("%s", err);
		free(err);
		code = EXIT_FAIL;
		goto out;
	}
	if (ctl->json) {
		print_result(d->name, v, "approved");
	} else if (!ctl->quiet) {
		printf("%s: metadata version %lld approved; mcpd serves it\n",
		       d->name, (long long)v);
	}
out:
	dataset_info_destroy(d);
	db_close(db);
	return code;
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
