#include <string.h>

#include "tool.h"
#include "mcp/banned.h"

/*
 * Every tool, in the order tools/list shows them.  Keep it NULL-terminated;
 * add a tool by adding its line here and its source to mcpd/meson.build.
 */
const struct tool_def *const tool_registry[] = {
	&tool_list_datasets,
	&tool_describe_dataset,
	&tool_search_datasets,
	&tool_query,
	&tool_sample_rows,
	&tool_query_many,
	&tool_weighted_stats,
	NULL,
};

const struct tool_def *tool_find(const char *name)
{
	for (size_t i = 0; tool_registry[i]; i++) {
		if (strcmp(tool_registry[i]->name, name) == 0) {
			return tool_registry[i];
		}
	}
	return NULL;
}
