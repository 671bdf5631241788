/*
 * sniff: guess a CSV file's dialect from its first bytes, as Python's
 * csv.Sniffer and DuckDB's read_csv_auto do.
 *
 * Every candidate delimiter (',' ';' TAB '|') is tried with every
 * quoting style (RFC 4180, backslash escapes, none); the one whose
 * records most consistently have the same number of fields (more than
 * one) wins.  Ties go to fewer fields that start with a space (a comma
 * inside text is usually followed by one), then to RFC 4180 quoting and
 * the order above.  A style that breaks (a quote closed and followed by
 * data) is out.
 */
#ifndef MCP_SNIFF_H
#define MCP_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "mcp/csv.h"

#define SNIFF_SAMPLE ((size_t)64 << 10)

struct sniff_result {
	char delimiter;
	enum csv_quoting quoting;
	size_t fields;          /* in the first record, with this dialect */
	bool found;             /* a dialect with more than one field fit */
};

/*
 * `buf` holds the first `len` bytes of the file (after any skipped lines);
 * `truncated` when the file goes on.  `delimiter` 0 and `quoting` -1 mean
 * "detect"; otherwise they are kept as given.
 */
void sniff_dialect(const char *buf, size_t len, bool truncated,
		   char delimiter, int quoting, struct sniff_result *ret);

/* "RFC 4180", "backslash escapes", "none" */
const char *sniff_quoting_name(enum csv_quoting q);

#endif
