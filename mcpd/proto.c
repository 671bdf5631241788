#include <string.h>

#include "server.h"
#include "mcp/banned.h"

static const char *const proto_names[] = {
	[PROTO_NONE] = NULL,
	[PROTO_2024_11_05] = "2024-11-05",
	[PROTO_2025_03_26] = "2025-03-26",
	[PROTO_2025_06_18] = "2025-06-18",
	[PROTO_2025_11_25] = "2025-11-25",
	[PROTO_2026_07_28] = "2026-07-28",
};

const char *proto_name(enum proto p)
{
	if (p <= PROTO_NONE || p > PROTO_NEWEST) {
		return NULL;
	}
	return proto_names[p];
}

enum proto proto_parse(const char *s)
{
	if (!s) {
		return PROTO_NONE;
	}
	for (int p = PROTO_2024_11_05; p <= PROTO_NEWEST; p++) {
		if (strcmp(s, proto_names[p]) == 0) {
			return (enum proto)p;
		}
	}
	return PROTO_NONE;
}

cJSON *proto_supported_json(void)
{
	cJSON *a = cJSON_CreateArray();

	for (int p = PROTO_NEWEST; p > PROTO_NONE; p--) {
		cJSON_AddItemToArray(a, cJSON_CreateString(proto_names[p]));
	}
	return a;
}

static const char *const level_names[] = {
	"debug", "info", "notice", "warning",
	"error", "critical", "alert", "emergency",
};

const char *mcp_level_name(enum mcp_level l)
{
	if (l < LEVEL_DEBUG || l > LEVEL_EMERGENCY) {
		return "info";
	}
	return level_names[l];
}

int mcp_level_parse(const char *s)
{
	if (!s) {
		return -1;
	}
	for (int i = LEVEL_DEBUG; i <= LEVEL_EMERGENCY; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			return i;
		}
	}
	return -1;
}
