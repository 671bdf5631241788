#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/llm.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/* a model that writes past this is rambling, not describing a dataset */
#define MAX_OUTPUT_TOKENS 8192

static const char *const names[] = {
	[LLM_OPENAI] = "openai",
	[LLM_ANTHROPIC] = "anthropic",
	[LLM_OPENAI_COMPATIBLE] = "openai-compatible",
};

int llm_provider_parse(const char *s, enum llm_provider *ret)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum llm_provider)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *llm_provider_name(enum llm_provider p)
{
	return names[p];
}

const char *llm_default_model(enum llm_provider p)
{
	switch (p) {
	case LLM_OPENAI:
		return "gpt-4o-mini";
	case LLM_ANTHROPIC:
		return "claude-3-5-haiku-latest";
	default:
		return NULL;
	}
}

const char *llm_default_base_url(enum llm_provider p)
{
	switch (p) {
	case LLM_ANTHROPIC:
		return "https://api.anthropic.com/v1";
	case LLM_OPENAI:
		return "https://api.openai.com/v1";
	default:
		return "http://127.0.0.1:11434/v1";   /* Ollama */
	}
}

static char *join_url(const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/') {
		n--;
	}
	return xasprintf("%.*s%s", (int)n, base, path);
}

static cJSON *text_msg(const char *role, const char *text)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddStringToObject(m, "content", text);
	return m;
}

int llm_request_build(struct http_req *r, enum llm_provider p,
		      const char *base_url, const char *model,
		      const char *key, const char *system,
		      const struct llm_msg *msgs, int nmsgs,
		      const cJSON *schema, const char *schema_name,
		      char **ret_err)
{
	cJSON *body = cJSON_CreateObject();
	cJSON *arr;
	const char *base = base_url ? base_url : llm_default_base_url(p);
	int rc;

	rc = http_check_url(base, ret_err);
	if (rc < 0) {
		cJSON_Delete(body);
		return rc;
	}
	cJSON_AddStringToObject(body, "model", model);
	http_req_header(r, "Content-Type: application/json");
	http_req_header(r, "Accept: application/json");
	/* no "Expect: 100-continue" round trip for a body of a few KB */
	http_req_header(r, "Expect:");
	if (p == LLM_ANTHROPIC) {
		cJSON *tool, *choice;

		r->url = join_url(base, "/messages");
		if (key) {
			http_req_secret_header(r, "x-api-key: ", key);
		}
		http_req_header(r, "anthropic-version: 2023-06-01");
		cJSON_AddNumberToObject(body, "max_tokens", MAX_OUTPUT_TOKENS);
		cJSON_AddStringToObject(body, "system", system);
		/* a forced tool call is Anthropic's structured output */
		arr = cJSON_AddArrayToObject(body, "tools");
		tool = cJSON_CreateObject();
		cJSON_AddStringToObject(tool, "name", schema_name);
		cJSON_AddStringToObject(tool, "description",
					"Record the dataset documentation.");
		cJSON_AddItemToObject(tool, "input_schema",
				      cJSON_Duplicate(schema, 1));
		cJSON_AddItemToArray(arr, tool);
		choice = cJSON_AddObjectToObject(body, "tool_choice");
		cJSON_AddStringToObject(choice, "type", "tool");
		cJSON_AddStringToObject(choice, "name", schema_name);
		arr = cJSON_AddArrayToObject(body, "messages");
	} else {
		cJSON *fmt;

		r->url = join_url(base, "/chat/completions");
		if (key) {
			http_req_secret_header(r, "Authorization: Bearer ",
					       key);
		}
		cJSON_AddNumberToObject(body, "max_tokens", MAX_OUTPUT_TOKENS);
		cJSON_AddNumberToObject(body, "temperature", 0.2);
		fmt = cJSON_AddObjectToObject(body, "response_format");
		if (p == LLM_OPENAI) {
			cJSON *js;

			cJSON_AddStringToObject(fmt, "type", "json_schema");
			js = cJSON_AddObjectToObject(fmt, "json_schema");
			cJSON_AddStringToObject(js, "name", schema_name);
			cJSON_AddTrueToObject(js, "strict");
			cJSON_AddItemToObject(js, "schema",
					      cJSON_Duplicate(schema, 1));
		} else {
			/* the widest-supported mode among local servers */
			cJSON_AddStringToObject(fmt, "type", "json_object");
		}
		arr = cJSON_AddArrayToObject(body, "messages");
		cJSON_AddItemToArray(arr, text_msg("system", system));
	}
	for (int i = 0; i < nmsgs; i++) {
		cJSON_AddItemToArray(arr, text_msg(msgs[i].role, msgs[i].text));
	}
	r->body = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	return 0;
}

static int64_t usage_num(const cJSON *usage, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(usage, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

int llm_answer_parse(enum llm_provider p, const char *body,
		     struct llm_answer *ret, char **ret_err)
{
	cJSON *doc = cJSON_Parse(body);
	const cJSON *usage, *it;
	char *text = NULL;

	if (!doc) {
		*ret_err = xstrdup("the server's answer is not JSON");
		return -EBADMSG;
	}
	usage = cJSON_GetObjectItemCaseSensitive(doc, "usage");
	if (p == LLM_ANTHROPIC) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(
					       doc, "content")) {
			const cJSON *type =
				cJSON_GetObjectItemCaseSensitive(it, "type");
			const cJSON *in =
				cJSON_GetObjectItemCaseSensitive(it, "input");

			if (cJSON_IsString(type) &&
			    strcmp(type->valuestring, "tool_use") == 0 && in) {
				text = cJSON_PrintUnformatted(in);
				break;
			}
			if (cJSON_IsString(type) &&
			    strcmp(type->valuestring, "text") == 0 && !text) {
				it = cJSON_GetObjectItemCaseSensitive(it,
								      "text");
				if (cJSON_IsString(it)) {
					text = xstrdup(it->valuestring);
				}
				break;
			}
		}
		ret->prompt_tokens = usage_num(usage, "input_tokens");
		ret->completion_tokens = usage_num(usage, "output_tokens");
	} else {
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
						   doc, "choices"), 0),
			"message");
		const cJSON *content =
			cJSON_GetObjectItemCaseSensitive(msg, "content");
		const cJSON *refusal =
			cJSON_GetObjectItemCaseSensitive(msg, "refusal");

		if (cJSON_IsString(refusal)) {
			*ret_err = xasprintf("the model refused: %s",
					     refusal->valuestring);
			cJSON_Delete(doc);
			return -EBADMSG;
		}
		if (cJSON_IsString(content)) {
			text = xstrdup(content->valuestring);
		}
		ret->prompt_tokens = usage_num(usage, "prompt_tokens");
		ret->completion_tokens = usage_num(usage,
						   "completion_tokens");
	}
	cJSON_Delete(doc);
	if (!text) {
		*ret_err = xstrdup("the server's answer has no message "
				   "content");
		return -EBADMSG;
	}
	ret->text = text;
	return 0;
}

void llm_answer_finish(struct llm_answer *a)
{
	if (a) {
		free(a->text);
		a->text = NULL;
	}
}

char *llm_error_message(const char *body)
{
	cJSON *doc = body ? cJSON_Parse(body) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	const cJSON *m;
	char *s = NULL;

	/* OpenAI and Anthropic: {"error": {"message": ...}}; some: a string */
	m = cJSON_IsString(e) ? e
			      : cJSON_GetObjectItemCaseSensitive(e, "message");
	if (cJSON_IsString(m)) {
		s = xstrndup(m->valuestring, 500);
	}
	cJSON_Delete(doc);
	return s;
}

/* list prices in US dollars per million tokens, by model name prefix */
static const struct price {
	const char *prefix;
	double in, out;
} prices[] = {
	{ "gpt-4o-mini", 0.15, 0.60 },
	{ "gpt-4o", 2.50, 10.00 },
	{ "gpt-4.1-nano", 0.10, 0.40 },
	{ "gpt-4.1-mini", 0.40, 1.60 },
	{ "gpt-4.1", 2.00, 8.00 },
	{ "claude-3-5-haiku", 0.80, 4.00 },
	{ "claude-3-haiku", 0.25, 1.25 },
	{ "claude-haiku-4", 1.00, 5.00 },
	{ "claude-3-5-sonnet", 3.00, 15.00 },
	{ "claude-3-7-sonnet", 3.00, 15.00 },
	{ "claude-sonnet-4", 3.00, 15.00 },
	{ "claude-opus-4", 15.00, 75.00 },
};

double llm_cost_estimate(const char *model, int64_t in, int64_t out)
{
	if (in < 0 || out < 0) {
		return -1;
	}
	for (size_t i = 0; i < sizeof(prices) / sizeof(prices[0]); i++) {
		if (strncmp(model, prices[i].prefix,
			    strlen(prices[i].prefix)) == 0) {
			return ((double)in * prices[i].in +
				(double)out * prices[i].out) / 1e6;
		}
	}
	return -1;
}
