/*
 * source: a CSV input made ready for the reader's two passes.
 *
 * source_open() opens a path, or standard input for "-", and gives back
 * a descriptor of plain UTF-8 bytes that can be read from offset 0 as
 * often as needed.  Compressed input (gzip, xz, zstd), recognised by its
 * magic bytes and never by its name, is inflated, and text in another
 * encoding (a UTF-16 byte order mark, or `encoding` given) is converted
 * with iconv, each streaming into an unlinked temporary file in $TMPDIR,
 * so memory stays bounded.  Standard input is copied to one as well.
 *
 * struct source is embedded; source_close() releases it and accepts a
 * source that never opened.
 */
#ifndef MCP_SOURCE_H
#define MCP_SOURCE_H

#include <stdint.h>

struct source {
	int fd;
	uint64_t size;          /* bytes the reader will see */
	const char *compression;/* "gzip", "xz", "zstd" or NULL */
	char *encoding;         /* converted from this, or NULL */
};

/* on failure *ret_err says why ("cannot open 'x': ...") */
int source_open(const char *path, const char *encoding, struct source *ret,
		char **ret_err);
void source_close(struct source *s);

#endif
