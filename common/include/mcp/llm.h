/*
 * llm: the wire formats of the chat APIs mcpctl asks for metadata.
 *
 *   openai             POST {base}/chat/completions, Bearer key,
 *                      structured output with a strict JSON schema
 *   openai-compatible  the same path (Ollama, llama.cpp, vLLM), key
 *                      optional, JSON mode instead of a schema
 *   anthropic          POST {base}/messages, x-api-key, the schema as a
 *                      forced tool whose input is the answer
 *
 * llm_request_build() fills a struct http_req (http.h); the key goes only
 * into a wiped header.  llm_answer_parse() reads a 2xx body.  Strings
 * returned belong to the caller.
 */
#ifndef MCP_LLM_H
#define MCP_LLM_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/http.h"

enum llm_provider {
	LLM_OPENAI,
	LLM_ANTHROPIC,
	LLM_OPENAI_COMPATIBLE,
};

int llm_provider_parse(const char *s, enum llm_provider *ret);
const char *llm_provider_name(enum llm_provider p);
/* NULL when the provider has no default (openai-compatible) */
const char *llm_default_model(enum llm_provider p);
const char *llm_default_base_url(enum llm_provider p);

/* one conversation turn */
struct llm_msg {
	const char *role;       /* "user" or "assistant" */
	const char *text;
};

/*
 * Fill `r` (http_req_init'ed) for `model` at `base_url` (NULL: the
 * default); `schema` (borrowed) is the answer's JSON schema, named
 * `schema_name`.  `key` may be NULL for openai-compatible.
 */
int llm_request_build(struct http_req *r, enum llm_provider p,
		      const char *base_url, const char *model,
		      const char *key, const char *system,
		      const struct llm_msg *msgs, int nmsgs,
		      const cJSON *schema, const char *schema_name,
		      char **ret_err);

struct llm_answer {
	char *text;             /* the answer the model wrote (JSON text) */
	int64_t prompt_tokens;  /* -1 when the server did not say */
	int64_t completion_tokens;
};

int llm_answer_parse(enum llm_provider p, const char *body,
		     struct llm_answer *ret, char **ret_err);
void llm_answer_finish(struct llm_answer *a);

/* the provider's error message in a non-2xx body, or NULL */
char *llm_error_message(const char *body);

/* US dollars for the tokens at list prices, or -1 for an unknown model */
double llm_cost_estimate(const char *model, int64_t prompt_tokens,
			 int64_t completion_tokens);

#endif
