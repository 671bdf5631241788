#include <stdlib.h>
#include <string.h>

#include "mcp/xalloc.h"
#include "../context.h"
#include "../sandbox.h"
#include "methods.h"
#include "mcp/banned.h"

/* short: hosts put it in every conversation (docs/tokens.md) */
const char server_instructions[] =
	"Tabular datasets for SQL analysis. Call list_datasets, then "
	"describe_dataset before writing SQL; a dataset is a table of its "
	"name. With a weight column, give weighted estimates and the "
	"unweighted n.";

cJSON *server_info(enum proto p)
{
	cJSON *info = cJSON_CreateObject();

	cJSON_AddStringToObject(info, "name", "mcpd");
	if (proto_has_titles(p)) {
		cJSON_AddStringToObject(info, "title", "mcpd datasets");
	}
	cJSON_AddStringToObject(info, "version", MCPD_VERSION);
	return info;
}

cJSON *server_capabilities(enum proto p)
{
	cJSON *caps = cJSON_CreateObject();
	cJSON *o;

	if (p >= PROTO_2025_03_26) {
		cJSON_AddObjectToObject(caps, "completions");
	}
	/* 2026-07-28 sets log levels per request; logging is deprecated */
	if (!proto_modern(p)) {
		cJSON_AddObjectToObject(caps, "logging");
	}
	o = cJSON_AddObjectToObject(caps, "prompts");
	cJSON_AddTrueToObject(o, "listChanged");
	o = cJSON_AddObjectToObject(caps, "resources");
	cJSON_AddTrueToObject(o, "subscribe");
	cJSON_AddTrueToObject(o, "listChanged");
	/* the tool set is fixed at build time: its list never changes */
	cJSON_AddObjectToObject(caps, "tools");
	return caps;
}

void method_initialize(struct request *req)
{
	struct session *s = &server.session;
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(req->params,
							   "protocolVersion");
	const cJSON *ci = cJSON_GetObjectItemCaseSensitive(req->params,
							  "clientInfo");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(ci, "name");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(ci, "version");
	enum proto p;
	cJSON *result;
	char *ins;
	bool again;

	if (!cJSON_IsString(ver)) {
		reply_invalid_params(req, "Invalid params: initialize needs "
					  "protocolVersion (a string)");
		return;
	}
	/* echo a version we speak, else offer the newest handshake one */
	p = proto_parse(ver->valuestring);
	if (p == PROTO_NONE || proto_modern(p)) {
		p = PROTO_NEWEST_LEGACY;
	}
	pthread_mutex_lock(&s->lock);
	again = s->initialized;
	if (!again) {
		s->initialized = true;
		s->proto = p;
		free(s->client_name);
		free(s->client_version);
		s->client_name = cJSON_IsString(name)
					 ? xstrdup(name->valuestring)
					 : NULL;
		s->client_version = cJSON_IsString(version)
					    ? xstrdup(version->valuestring)
					    : NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (again) {
		reply_error(req, RPC_INVALID_REQUEST,
			    "Invalid Request: initialize was already received",
			    NULL);
		return;
	}
	req->proto = p;
	result = result_new(req);
	cJSON_AddStringToObject(result, "protocolVersion", proto_name(p));
	cJSON_AddItemToObject(result, "capabilities", server_capabilities(p));
	cJSON_AddItemToObject(result, "serverInfo", server_info(p));
	/* approved dataset summaries follow the fixed text (context.c) */
	ins = context_instructions(thread_catalog(), server_instructions);
	cJSON_AddStringToObject(result, "instructions", ins);
	free(ins);
	reply_result(req, result);
	/* the client has its answer: the first query worker may start */
	sandbox_warm();
}

void method_ping(struct request *req)
{
	reply_result(req, result_new(req));
}

void method_server_discover(struct request *req)
{
	cJSON *result;

	/* discovery always answers in the stateless revision's shape */
	req->proto = PROTO_NEWEST;
	result = result_new(req);
	cJSON_AddItemToObject(result, "supportedVersions",
			      proto_supported_json());
	cJSON_AddItemToObject(result, "capabilities",
			      server_capabilities(PROTO_NEWEST));
	cJSON_AddItemToObject(result, "serverInfo", server_info(PROTO_NEWEST));
	cJSON_AddStringToObject(result, "instructions", server_instructions);
	result_cacheable(req, result, 3600000);
	reply_result(req, result);
}

void method_logging_set_level(struct request *req)
{
	const cJSON *level = cJSON_GetObjectItemCaseSensitive(req->params,
							     "level");
	int l = cJSON_IsString(level) ? mcp_level_parse(level->valuestring)
				      : -1;

	if (l < 0) {
		reply_invalid_params(req,
				     "Invalid params: level must be one of "
				     "debug, info, notice, warning, error, "
				     "critical, alert, emergency");
		return;
	}
	pthread_mutex_lock(&server.session.lock);
	server.session.log_level = l;
	pthread_mutex_unlock(&server.session.lock);
	reply_result(req, result_new(req));
}
