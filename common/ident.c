#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "mcp/ident.h"
#include "mcp/xalloc.h"

int ident_dataset_name_check(const char *name, const char **ret_why)
{
	size_t len = strlen(name);

	if (len == 0) {
		*ret_why = "it is empty";
		return -EINVAL;
	}
	if (len > IDENT_DATASET_MAX) {
		*ret_why = "it is longer than 63 characters";
		return -EINVAL;
	}
	if (!(name[0] >= 'a' && name[0] <= 'z')) {
		*ret_why = "it must start with a lower-case letter a-z";
		return -EINVAL;
	}
	for (size_t i = 1; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_')) {
			*ret_why = "only lower-case letters, digits and '_' "
				   "are allowed";
			return -EINVAL;
		}
	}
	if (strncmp(name, "sqlite_", 7) == 0) {
		*ret_why = "names starting with 'sqlite_' are reserved";
		return -EINVAL;
	}
	if (sqlite3_keyword_check(name, (int)len)) {
		*ret_why = "it is an SQL keyword";
		return -EINVAL;
	}
	return 0;
}

void ident_quote(struct buf *b, const char *name)
{
	buf_addch(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"') {
			buf_addch(b, '"');
		}
		buf_addch(b, *p);
	}
	buf_addch(b, '"');
}

char *ident_quoted(const char *name)
{
	struct buf b = BUF_INIT;

	ident_quote(&b, name);
	return buf_detach(&b, NULL);
}

char *ident_data_table(const char *dataset_name)
{
	return xasprintf("data_%s", dataset_name);
}
