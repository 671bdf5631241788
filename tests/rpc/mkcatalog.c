/*
 * mkcatalog: build a fixture catalog for the transcript tests without
 * mcpctl, so the expected replies do not move when the importer's
 * profiling changes.
 *
 *   mkcatalog CATALOG [SQLFILE...]
 *
 * Creates (or migrates) CATALOG with db_open(DB_CREATE) and runs each
 * SQL file in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/buf.h"
#include "mcp/db.h"

static int slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;

	if (!f) {
		return -errno;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(b, chunk, n);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct db *db = NULL;
	char *err = NULL;
	int ret = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: mkcatalog CATALOG [SQLFILE...]\n");
		return 2;
	}
	if (db_open(argv[1], DB_CREATE, &db, &err) < 0) {
		fprintf(stderr, "mkcatalog: %s\n", err);
		free(err);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		struct buf sql = BUF_INIT;
		int r = slurp(argv[i], &sql);

		if (r < 0) {
			fprintf(stderr, "mkcatalog: cannot read '%s': %s\n",
				argv[i], strerror(-r));
			buf_release(&sql);
			goto out;
		}
		if (db_exec(db, buf_str(&sql), &err) < 0) {
			fprintf(stderr, "mkcatalog: '%s': %s\n", argv[i], err);
			free(err);
			buf_release(&sql);
			goto out;
		}
		buf_release(&sql);
	}
	ret = 0;
out:
	db_close(db);
	return ret;
}
