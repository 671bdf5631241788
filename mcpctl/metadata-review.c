/*
 * mcpctl metadata show, edit, approve: what a reviewer does with the
 * versions a model (or a human) wrote.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/metadata.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"
#include "cmd-metadata.h"

#define EDIT_FILE_MAX (1 << 20)

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
	if (mopt.version > latest) {
		ctl_error("no metadata version %lld for '%s' (the newest is "
			  "%lld)", (long long)mopt.version, d->name,
			  (long long)latest);
		return 0;
	}
	return mopt.version ? mopt.version : latest;
}

int metadata_show(struct ctl *ctl, int argc, char **argv)
{
	struct dataset_info *d = NULL;
	struct db *db;
	cJSON *o;
	int64_t v;
	int code = metadata_args(ctl, argc, argv, "j");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = metadata_find(db, argv[optind], &d);
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

int metadata_edit(struct ctl *ctl, int argc, char **argv)
{
	static const struct metadata_origin human = {
		"human", "human", "", -1, -1, -1, NULL,
	};
	struct dataset_info *d = NULL;
	struct db *db = NULL;
	cJSON *in = NULL, *doc = NULL;
	char *text = NULL, *body = NULL, *err = NULL;
	int64_t version;
	int code = metadata_args(ctl, argc, argv, "k");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	if (!mopt.file) {
		return ctl_usage_error("metadata edit ", "--file F is needed "
				       "(the JSON of 'metadata show --json', "
				       "edited)");
	}
	text = read_file(mopt.file);
	if (!text) {
		return EXIT_FAIL;
	}
	code = EXIT_FAIL;
	db = ctl_open(ctl, false);
	if (!db) {
		goto out;
	}
	code = metadata_find(db, argv[optind], &d);
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
		ctl_error("%s: %s", mopt.file, err);
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

int metadata_approve_cmd(struct ctl *ctl, int argc, char **argv)
{
	struct dataset_info *d = NULL;
	struct db *db;
	char *err = NULL;
	int64_t v;
	int code = metadata_args(ctl, argc, argv, "j");

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = metadata_find(db, argv[optind], &d);
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
