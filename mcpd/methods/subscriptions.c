#include <stdlib.h>
#include <string.h>

#include "mcp/xalloc.h"
#include "methods.h"
#include "mcp/banned.h"

#define META_SUBSCRIPTION "io.modelcontextprotocol/subscriptionId"

/* one open subscriptions/listen request (2026-07-28) */
struct listen_stream {
	struct request *req;
	bool prompts;
	bool resources;
	char **uris;
	size_t nuris;
	struct listen_stream *next;
};

static cJSON *stream_params(const struct listen_stream *ls)
{
	cJSON *params = cJSON_CreateObject();
	cJSON *meta = cJSON_AddObjectToObject(params, "_meta");

	cJSON_AddItemToObject(meta, META_SUBSCRIPTION,
			      cJSON_Duplicate(ls->req->id, 1));
	return params;
}

static void stream_free(struct listen_stream *ls)
{
	for (size_t i = 0; i < ls->nuris; i++) {
		free(ls->uris[i]);
	}
	free(ls->uris);
	free(ls);
}

void method_subscriptions_listen(struct request *req)
{
	struct session *s = &server.session;
	const cJSON *filter = cJSON_GetObjectItemCaseSensitive(
		req->params, "notifications");
	const cJSON *subs = cJSON_GetObjectItemCaseSensitive(
		filter, "resourceSubscriptions");
	struct listen_stream *ls;
	cJSON *params, *honored, *arr;
	const cJSON *it;

	if (req->batch) {
		/* a batch is answered as a whole; a stream never ends */
		reply_error(req, RPC_INVALID_REQUEST,
			    "Invalid Request: subscriptions/listen cannot be "
			    "part of a batch", NULL);
		return;
	}
	if (!cJSON_IsObject(filter)) {
		reply_invalid_params(req, "Invalid params: notifications must "
					  "be an object");
		return;
	}
	if (subs && !cJSON_IsArray(subs)) {
		reply_invalid_params(req, "Invalid params: "
					  "resourceSubscriptions must be an "
					  "array of URIs");
		return;
	}
	ls = xcalloc(1, sizeof(*ls));
	ls->req = req;
	ls->prompts = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		filter, "promptsListChanged"));
	ls->resources = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		filter, "resourcesListChanged"));
	params = stream_params(ls);
	honored = cJSON_AddObjectToObject(params, "notifications");
	/*
	 * The tool set never changes at run time, so toolsListChanged is
	 * not honoured: the acknowledgement leaves it out.
	 */
	if (ls->prompts) {
		cJSON_AddTrueToObject(honored, "promptsListChanged");
	}
	if (ls->resources) {
		cJSON_AddTrueToObject(honored, "resourcesListChanged");
	}
	if (subs) {
		arr = cJSON_AddArrayToObject(honored, "resourceSubscriptions");
		cJSON_ArrayForEach(it, subs) {
			bool schema;
			char *name;

			if (!cJSON_IsString(it)) {
				continue;
			}
			name = resource_uri_dataset(it->valuestring, &schema);
			if (!name) {
				continue;
			}
			free(name);
			ls->uris = xrealloc(ls->uris, (ls->nuris + 1) *
							      sizeof(*ls->uris));
			ls->uris[ls->nuris++] = xstrdup(it->valuestring);
			cJSON_AddItemToArray(arr,
					     cJSON_CreateString(it->valuestring));
		}
	}
	/* under the lock, so no change notification can precede the ack */
	pthread_mutex_lock(&s->lock);
	ls->next = s->streams;
	s->streams = ls;
	out_notify("notifications/subscriptions/acknowledged", params);
	pthread_mutex_unlock(&s->lock);
	/* the request stays open: its response ends the stream */
}

void subscriptions_cancel(struct request *req)
{
	struct session *s = &server.session;
	struct listen_stream *found = NULL;

	pthread_mutex_lock(&s->lock);
	for (struct listen_stream **p = &s->streams; *p; p = &(*p)->next) {
		if ((*p)->req == req) {
			found = *p;
			*p = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (found) {
		stream_free(found);
	}
}

void subscriptions_close_all(void)
{
	struct session *s = &server.session;
	struct listen_stream *all;

	pthread_mutex_lock(&s->lock);
	all = s->streams;
	s->streams = NULL;
	pthread_mutex_unlock(&s->lock);
	while (all) {
		struct listen_stream *next = all->next;
		struct request *req = all->req;
		cJSON *result = result_new(req);
		cJSON *meta = cJSON_GetObjectItemCaseSensitive(result, "_meta");

		cJSON_AddItemToObject(meta, META_SUBSCRIPTION,
				      cJSON_Duplicate(req->id, 1));
		stream_free(all);
		reply_result(req, result);
		all = next;
	}
}

static bool uri_changed(const char *uri, char **changed, size_t nchanged)
{
	bool schema;
	char *name = resource_uri_dataset(uri, &schema);
	bool hit = false;

	for (size_t i = 0; name && i < nchanged; i++) {
		if (strcmp(name, changed[i]) == 0) {
			hit = true;
		}
	}
	free(name);
	return hit;
}

static void notify_uri(const struct listen_stream *ls, const char *uri)
{
	cJSON *params = ls ? stream_params(ls) : cJSON_CreateObject();

	cJSON_AddStringToObject(params, "uri", uri);
	out_notify("notifications/resources/updated", params);
}

void subscriptions_notify(bool lists_changed, char **changed,
			  size_t nchanged)
{
	struct session *s = &server.session;

	pthread_mutex_lock(&s->lock);
	if (s->initialized) {
		if (lists_changed) {
			out_notify("notifications/resources/list_changed",
				   NULL);
			out_notify("notifications/prompts/list_changed", NULL);
		}
		for (size_t i = 0; i < s->nsubs; i++) {
			if (uri_changed(s->subs[i], changed, nchanged)) {
				notify_uri(NULL, s->subs[i]);
			}
		}
	}
	for (struct listen_stream *ls = s->streams; ls; ls = ls->next) {
		if (lists_changed && ls->resources) {
			out_notify("notifications/resources/list_changed",
				   stream_params(ls));
		}
		if (lists_changed && ls->prompts) {
			out_notify("notifications/prompts/list_changed",
				   stream_params(ls));
		}
		for (size_t i = 0; i < ls->nuris; i++) {
			if (uri_changed(ls->uris[i], changed, nchanged)) {
				notify_uri(ls, ls->uris[i]);
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
}
