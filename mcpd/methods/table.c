#include <stdlib.h>
#include <string.h>

#include "methods.h"
#include "mcp/banned.h"

/* sorted by name for bsearch */
static const struct method_def methods[] = {
	{ "completion/complete", method_completion_complete, 0 },
	{ "initialize", method_initialize, METHOD_INLINE | METHOD_PRE_INIT },
	{ "logging/setLevel", method_logging_set_level,
	  METHOD_INLINE | METHOD_LEGACY },
	{ "ping", method_ping,
	  METHOD_INLINE | METHOD_PRE_INIT | METHOD_LEGACY },
	{ "prompts/get", method_prompts_get, 0 },
	{ "prompts/list", method_prompts_list, 0 },
	{ "resources/list", method_resources_list, 0 },
	{ "resources/read", method_resources_read, 0 },
	{ "resources/subscribe", method_resources_subscribe,
	  METHOD_INLINE | METHOD_LEGACY },
	{ "resources/templates/list", method_resources_templates_list, 0 },
	{ "resources/unsubscribe", method_resources_unsubscribe,
	  METHOD_INLINE | METHOD_LEGACY },
	/* the era probe: answered before, after and without initialize */
	{ "server/discover", method_server_discover,
	  METHOD_INLINE | METHOD_PRE_INIT },
	{ "subscriptions/listen", method_subscriptions_listen,
	  METHOD_INLINE | METHOD_MODERN },
	{ "tools/call", method_tools_call, 0 },
	{ "tools/list", method_tools_list, 0 },
};

static int cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct method_def *)elem)->name);
}

const struct method_def *method_find(const char *name)
{
	return bsearch(name, methods, sizeof(methods) / sizeof(methods[0]),
		       sizeof(methods[0]), cmp);
}
