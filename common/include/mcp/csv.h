/*
 * csv: a streaming RFC 4180 reader.
 *
 * The reader pulls from a file descriptor through a fixed-size buffer, so a
 * file larger than memory is read in bounded memory: what it holds at once
 * is one record (bounded by max_field and max_fields) plus the read buffer.
 *
 * Quoting is RFC 4180 unless csv_options.quoting asks for backslash
 * escapes inside quoted fields (as MySQL and some R exports write them)
 * or for none at all (TSV as Unix tools write it, '"' being data).
 *
 * It accepts: a header like any other record, fields quoted with '"'
 * holding the delimiter, CR, LF and doubled quotes; LF and CRLF line ends
 * (and a lone CR inside quotes, kept as data); a UTF-8 byte order mark at the very start
 * (skipped); a final record without a line end.  A quote inside an unquoted
 * field is kept as a literal character.  A blank line (no bytes at all
 * between line ends) is skipped.
 *
 * It refuses, with a message naming the physical line: a quoted field that
 * never closes (the line where it opened), a character other than the
 * delimiter or a line end after a closing quote, a CR outside quotes that
 * is not followed by LF (old Mac line ends), invalid UTF-8 (checked over
 * the whole record, quoted or not), a NUL byte, a field longer than
 * max_field, a record with more than max_fields fields.
 *
 * Lines are physical: every LF counts, including those inside quoted
 * fields, so a record spanning lines 4-6 is followed by one on line 7.
 *
 * csv_reader_create() returns a reader the caller owns; csv_reader_destroy()
 * accepts NULL and does not close the fd.  The fields a record points to
 * stay valid until the next csv_read() call.
 */
#ifndef MCP_CSV_H
#define MCP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum csv_quoting {
	CSV_QUOTE_RFC4180,      /* doubled quotes inside quotes (default) */
	CSV_QUOTE_BACKSLASH,    /* a backslash escapes the next byte */
	CSV_QUOTE_NONE,         /* '"' is a byte like any other */
};

struct csv_options {
	char delimiter;         /* ',' when 0 */
	enum csv_quoting quoting;
	uint64_t skip_lines;    /* physical lines dropped before the first
	                         * record (a preamble), quotes ignored */
	size_t max_field;       /* bytes; 16 MiB when 0 */
	size_t max_fields;      /* fields per record; 4096 when 0 */
	size_t read_size;       /* read buffer bytes; 1 MiB when 0 (tests
	                         * use tiny ones to cross its edges) */
};

struct csv_field {
	const char *data;       /* NUL-terminated, quotes removed */
	size_t len;
	bool quoted;            /* it was quoted: "" is an empty string */
};

struct csv_record {
	const struct csv_field *fields;
	size_t nfields;
	uint64_t line;          /* physical line (1-based) where it starts */
};

struct csv_reader;

/* `name` is used in messages only ("data.csv", "<stdin>") */
int csv_reader_create(int fd, const char *name, const struct csv_options *opt,
		      struct csv_reader **ret_reader);
void csv_reader_destroy(struct csv_reader *r);

/*
 * Read the next record.  Returns 1 and fills *rec, 0 at end of input, or a
 * negative errno: -EINVAL for malformed input, -E2BIG for a limit, -EIO
 * (or the read's errno) for a read error.  After an error,
 * csv_reader_error() gives "NAME:LINE: cause" and the reader stays failed.
 */
int csv_read(struct csv_reader *r, struct csv_record *rec);
const char *csv_reader_error(const struct csv_reader *r);

/*
 * Name the fields in messages: "field 3 ('price')".  `names` is borrowed
 * and must outlive the reader's use of it.
 */
void csv_reader_set_names(struct csv_reader *r, const char *const *names,
			  size_t n);

/* bytes consumed so far (for progress), and the current physical line */
uint64_t csv_reader_offset(const struct csv_reader *r);
uint64_t csv_reader_line(const struct csv_reader *r);

#endif
