/*
 * The dataset name mcpctl derives when 'dataset add' is given none: the
 * file's name without its directory and its data and compression
 * extensions, as a lower-case identifier ("Sales 2024.csv.gz" ->
 * "sales_2024").  Admins name files for people; the name models write in
 * SQL must be an identifier, so every other character becomes '_'.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"

/* dropped from the end of a file name, compression first */
static const char *const extensions[] = {
	".gz", ".bz2", ".xz", ".zst", ".zip",
	".csv", ".tsv", ".tab", ".txt", ".sav", ".zsav", ".dta", ".xpt",
	".sas7bdat", ".sqlite", ".sqlite3", ".db",
	NULL,
};

static size_t strip_extension(const char *s, size_t len)
{
	for (const char *const *e = extensions; *e; e++) {
		size_t n = strlen(*e);

		if (len > n && strncasecmp(s + len - n, *e, n) == 0) {
			return len - n;
		}
	}
	return len;
}

char *ctl_dataset_name_from(const char *path)
{
	const char *base, *why = NULL;
	struct buf b = BUF_INIT;
	size_t len, stripped;
	char *name;

	/* a URL: its last path segment, without the query */
	len = strcspn(path, "?#");
	while (len && path[len - 1] == '/') {
		len--;
	}
	base = path;
	for (size_t i = 0; i < len; i++) {
		if (path[i] == '/') {
			base = path + i + 1;
		}
	}
	len -= (size_t)(base - path);
	/* "x.csv.gz": two extensions at most */
	for (int i = 0; i < 2; i++) {
		stripped = strip_extension(base, len);
		if (stripped == len) {
			break;
		}
		len = stripped;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)base[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			buf_addch(&b, (char)c);
		} else if (c >= 'A' && c <= 'Z') {
			buf_addch(&b, (char)(c - 'A' + 'a'));
		} else if (b.len && b.data[b.len - 1] != '_') {
			buf_addch(&b, '_');
		}
	}
	name = buf_detach(&b, NULL);
	/* room for a "d_" prefix within the limit */
	len = strlen(name);
	if (len > IDENT_DATASET_MAX - 2) {
		len = IDENT_DATASET_MAX - 2;
	}
	while (len && name[len - 1] == '_') {
		len--;
	}
	name[len] = '\0';
	if (name[0] >= '0' && name[0] <= '9') {
		/* "2024.csv": an identifier starts with a letter */
		char *d = xasprintf("d_%s", name);

		free(name);
		name = d;
	}
	if (name[0] && ident_dataset_name_check(name, &why) < 0) {
		/* "order.csv": an SQL keyword, or "sqlite_x", gets a suffix */
		char *d = xasprintf("%s_data", name);

		free(name);
		name = d;
	}
	if (ident_dataset_name_check(name, &why) < 0) {
		free(name);
		return NULL;
	}
	return name;
}
