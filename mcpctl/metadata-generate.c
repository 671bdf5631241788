/*
 * mcpctl metadata generate: the prompts, the requests to the provider (all
 * at once on one curl multi handle, common/http.c), the one retry of an
 * invalid answer, and the new versions.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mcp/apikey.h"
#include "mcp/buf.h"
#include "mcp/http.h"
#include "mcp/llm.h"
#include "mcp/metadata.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"
#include "cmd-metadata.h"

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
		sqlite3_bind_text(st, 2, mopt.key_label, -1, SQLITE_STATIC);
		have = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	*ret_key = NULL;
	if (!have) {
		if (p == LLM_OPENAI_COMPATIBLE) {
			return 0;
		}
		ctl_error("no key for %s/%s: store one with 'mcpctl key set "
			  "%s'", name, mopt.key_label, name);
		return -ENOENT;
	}
	if (ctl_master_key(ctl, db, false, &k) < 0) {
		return -EKEYREJECTED;
	}
	r = apikey_fetch(db, &k, name, mopt.key_label, ret_key, &err);
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

	if (mopt.all) {
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

		code = metadata_find(db, names[i], &j->d);
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
	o.jobs = (int)mopt.jobs;
	o.max_retries = (int)mopt.retries;
	o.timeout_ms = (long)(mopt.timeout * 1000);
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
		r = llm_request_build(&j->req, p, mopt.base_url, model, key,
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

int metadata_generate(struct ctl *ctl, int argc, char **argv)
{
	enum llm_provider p = LLM_OPENAI;
	struct job *jobs = NULL;
	const char *model;
	char *key = NULL, *err = NULL;
	struct db *db = NULL;
	size_t n = 0;
	int code = metadata_args(ctl, argc, argv, "abcdefghi");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	if (mopt.provider && llm_provider_parse(mopt.provider, &p) < 0) {
		return ctl_usage_error("metadata generate ", "unknown "
				       "provider '%s'", mopt.provider);
	}
	if (!mopt.provider) {
		p = mopt.base_url ? LLM_OPENAI_COMPATIBLE : LLM_OPENAI;
	}
	model = mopt.model ? mopt.model : llm_default_model(p);
	if (!model) {
		return ctl_usage_error("metadata generate ", "--model is "
				       "needed with provider %s",
				       llm_provider_name(p));
	}
	if (mopt.base_url && http_check_url(mopt.base_url, &err) < 0) {
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
	if (mopt.dry_run) {
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
