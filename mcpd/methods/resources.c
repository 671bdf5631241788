#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../context.h"
#include "../context-labels.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "methods.h"
#include "mcp/banned.h"

#define URI_PREFIX "mcpd://datasets/"

char *resource_uri_dataset(const char *uri, bool *ret_schema)
{
	const char *name, *slash;
	const char *why;
	char *n;

	if (strncmp(uri, URI_PREFIX, strlen(URI_PREFIX)) != 0) {
		return NULL;
	}
	name = uri + strlen(URI_PREFIX);
	slash = strchr(name, '/');
	if (slash && strcmp(slash, "/schema") != 0) {
		return NULL;
	}
	n = slash ? xstrndup(name, (size_t)(slash - name)) : xstrdup(name);
	if (ident_dataset_name_check(n, &why) < 0) {
		free(n);
		return NULL;
	}
	*ret_schema = slash != NULL;
	return n;
}

static void not_found(struct request *req, const char *uri)
{
	cJSON *data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "uri", uri);
	/* 2026-07-28 retired -32002 in favour of invalid params */
	reply_error(req,
		    proto_modern(req->proto) ? RPC_INVALID_PARAMS
					     : MCP_RESOURCE_NOT_FOUND,
		    "Resource not found", data);
}

static cJSON *resource_json(const struct dataset_info *d, bool schema,
			    enum proto p)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	s = xasprintf(URI_PREFIX "%s%s", d->name, schema ? "/schema" : "");
	cJSON_AddStringToObject(o, "uri", s);
	free(s);
	s = xasprintf("%s%s", d->name, schema ? " schema" : "");
	cJSON_AddStringToObject(o, "name", s);
	free(s);
	if (proto_has_titles(p)) {
		s = xasprintf("%s%s", d->title ? d->title : d->name,
			      schema ? " (schema)" : "");
		cJSON_AddStringToObject(o, "title", s);
		free(s);
	}
	if (schema) {
		s = xasprintf("Columns, types and profile of dataset %s as "
			      "JSON", d->name);
	} else if (d->description) {
		s = xasprintf("Context of dataset %s: %s", d->name,
			      d->description);
	} else {
		s = xasprintf("Context of dataset %s: columns, statistics "
			      "and notes", d->name);
	}
	cJSON_AddStringToObject(o, "description", s);
	free(s);
	cJSON_AddStringToObject(o, "mimeType",
				schema ? "application/json" : "text/markdown");
	return o;
}

void method_resources_list(struct request *req)
{
	struct dataset_info *list = NULL;
	size_t n = 0, total, offset, i;
	size_t page = (size_t)server.opt.page_size;
	cJSON *result, *arr;
	int r;

	r = context_list(thread_catalog(), &list, &n);
	if (r < 0) {
		reply_error(req, RPC_INTERNAL_ERROR,
			    "Internal error: cannot read the catalog", NULL);
		return;
	}
	/* two resources per dataset: its context, then its schema */
	total = 2 * n;
	if (!page_begin(req, total, &offset)) {
		context_list_free(list, n);
		reply_invalid_params(req, "Invalid params: invalid cursor");
		return;
	}
	result = result_new(req);
	arr = cJSON_AddArrayToObject(result, "resources");
	for (i = offset; i < total && i - offset < page; i++) {
		cJSON_AddItemToArray(arr, resource_json(&list[i / 2], i % 2,
							req->proto));
	}
	page_end(req, result, offset, i - offset, total);
	result_cacheable(req, result, 0);
	context_list_free(list, n);
	reply_result(req, result);
}

static cJSON *template_json(bool schema, enum proto p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "uriTemplate",
				schema ? URI_PREFIX "{name}/schema"
				       : URI_PREFIX "{name}");
	cJSON_AddStringToObject(o, "name",
				schema ? "dataset-schema" : "dataset-context");
	if (proto_has_titles(p)) {
		cJSON_AddStringToObject(o, "title",
					schema ? "Dataset schema"
					       : "Dataset context");
	}
	cJSON_AddStringToObject(
		o, "description",
		schema ? "Columns, types and profile statistics of a dataset "
			 "as JSON"
		       : "A dataset's context for writing SQL: columns, "
			 "statistics, weight column, descriptions, caveats");
	cJSON_AddStringToObject(o, "mimeType",
				schema ? "application/json" : "text/markdown");
	return o;
}

void method_resources_templates_list(struct request *req)
{
	size_t total = 2, offset, i;
	size_t page = (size_t)server.opt.page_size;
	cJSON *result, *arr;

	if (!page_begin(req, total, &offset)) {
		reply_invalid_params(req, "Invalid params: invalid cursor");
		return;
	}
	result = result_new(req);
	arr = cJSON_AddArrayToObject(result, "resourceTemplates");
	for (i = offset; i < total && i - offset < page; i++) {
		cJSON_AddItemToArray(arr, template_json(i == 1, req->proto));
	}
	page_end(req, result, offset, i - offset, total);
	result_cacheable(req, result, 3600000);
	reply_result(req, result);
}

static const char *uri_param(struct request *req)
{
	const cJSON *uri = cJSON_GetObjectItemCaseSensitive(req->params,
							   "uri");

	if (!cJSON_IsString(uri)) {
		reply_invalid_params(req,
				     "Invalid params: uri must be a string");
		return NULL;
	}
	return uri->valuestring;
}

void method_resources_read(struct request *req)
{
	struct db *db = thread_catalog();
	struct dataset_info d;
	const char *uri = uri_param(req);
	cJSON *result, *contents, *c;
	char *name, *text;
	bool schema = false;

	if (!uri) {
		return;
	}
	/* a survey column's value labels, in full (context-labels.c) */
	if (strstr(uri, "/labels/")) {
		text = context_labels_resource(db, uri);
		if (!text) {
			not_found(req, uri);
			return;
		}
		result = result_new(req);
		contents = cJSON_AddArrayToObject(result, "contents");
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "uri", uri);
		cJSON_AddStringToObject(c, "mimeType", "text/markdown");
		cJSON_AddStringToObject(c, "text", text);
		cJSON_AddItemToArray(contents, c);
		free(text);
		reply_result(req, result);
		return;
	}
	name = resource_uri_dataset(uri, &schema);
	if (!name || context_find(db, name, &d) < 0) {
		free(name);
		not_found(req, uri);
		return;
	}
	free(name);
	if (schema) {
		cJSON *s = context_schema(db, &d);

		text = cJSON_PrintUnformatted(s);
		cJSON_Delete(s);
	} else {
		text = context_markdown(db, &d);
	}
	result = result_new(req);
	contents = cJSON_AddArrayToObject(result, "contents");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "uri", uri);
	cJSON_AddStringToObject(c, "mimeType",
				schema ? "application/json" : "text/markdown");
	cJSON_AddStringToObject(c, "text", text);
	cJSON_AddItemToArray(contents, c);
	/* hot reload tells subscribers; a short hint keeps others fresh */
	result_cacheable(req, result, 0);
	free(text);
	dataset_info_finish(&d);
	reply_result(req, result);
}

/* the URI names an enabled dataset */
static bool uri_exists(const char *uri)
{
	struct dataset_info d;
	bool schema;
	char *name = resource_uri_dataset(uri, &schema);
	bool ok = name && context_find(thread_catalog(), name, &d) == 0;

	if (ok) {
		dataset_info_finish(&d);
	}
	free(name);
	return ok;
}

void method_resources_subscribe(struct request *req)
{
	struct session *s = &server.session;
	const char *uri = uri_param(req);
	bool have = false;

	if (!uri) {
		return;
	}
	if (!uri_exists(uri)) {
		not_found(req, uri);
		return;
	}
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nsubs; i++) {
		if (strcmp(s->subs[i], uri) == 0) {
			have = true;
		}
	}
	if (!have) {
		s->subs = xrealloc(s->subs, (s->nsubs + 1) * sizeof(*s->subs));
		s->subs[s->nsubs++] = xstrdup(uri);
	}
	pthread_mutex_unlock(&s->lock);
	reply_result(req, result_new(req));
}

void method_resources_unsubscribe(struct request *req)
{
	struct session *s = &server.session;
	const char *uri = uri_param(req);

	if (!uri) {
		return;
	}
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nsubs; i++) {
		if (strcmp(s->subs[i], uri) == 0) {
			free(s->subs[i]);
			s->subs[i] = s->subs[--s->nsubs];
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	reply_result(req, result_new(req));
}
