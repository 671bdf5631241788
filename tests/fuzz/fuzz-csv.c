/*
 * fuzz-csv: a libFuzzer target for the CSV reader, also linked into
 * fuzz-replay for the normal test suite.
 *
 * Input: byte 0 picks the delimiter and the limits, byte 1 a small read
 * size (b1 % 19), the quoting (b1 / 19 % 3) and the preamble lines to
 * skip (b1 / 57), the rest is the CSV text.  The text is read twice, through the
 * default 1 MiB buffer and through a tiny one, and both runs must give the
 * same records and the same message: that is what catches state lost at
 * the buffer edge.  Each record is also checked against the contract in
 * csv.h (NUL-terminated fields, no NUL inside, valid UTF-8, limits kept,
 * lines that only go forward).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mcp/buf.h"
#include "mcp/csv.h"
#include "utf8-oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz-csv: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static int open_data(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-csv", 0);
	size_t off = 0;

	check(fd >= 0);
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		check(n > 0);
		off += (size_t)n;
	}
	check(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* read everything and describe it in `out` */
static int parse(const uint8_t *data, size_t size,
		 const struct csv_options *opt, struct buf *out)
{
	size_t max_field = opt->max_field ? opt->max_field : 16 << 20;
	size_t max_fields = opt->max_fields ? opt->max_fields : 4096;
	struct csv_reader *r = NULL;
	struct csv_record rec;
	uint64_t last_line = 0;
	size_t i;
	int fd = open_data(data, size);
	int e;

	check(csv_reader_create(fd, "fuzz.csv", opt, &r) == 0);
	while ((e = csv_read(r, &rec)) == 1) {
		check(rec.nfields >= 1 && rec.nfields <= max_fields);
		check(rec.line > last_line);
		check(rec.line <= csv_reader_line(r));
		last_line = rec.line;
		buf_addf(out, "%llu:", (unsigned long long)rec.line);
		for (i = 0; i < rec.nfields; i++) {
			const struct csv_field *f = &rec.fields[i];

			check(f->len <= max_field);
			check(f->data[f->len] == '\0');
			check(memchr(f->data, '\0', f->len) == NULL);
			check(utf8_valid((const unsigned char *)f->data,
					 f->len));
			buf_addf(out, "%c%zu:", f->quoted ? 'q' : 'u', f->len);
			buf_add(out, f->data, f->len);
		}
		buf_addch(out, '\n');
	}
	if (e == 0) {
		check(csv_reader_offset(r) == size);
		check(csv_read(r, &rec) == 0);
	} else {
		check(e == -EINVAL || e == -E2BIG);
		check(strncmp(csv_reader_error(r), "fuzz.csv:", 9) == 0);
		buf_addf(out, "error %d %s\n", e, csv_reader_error(r));
		check(csv_read(r, &rec) == e);
	}
	csv_reader_destroy(r);
	close(fd);
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { ',', ';', '\t', '|' };
	struct csv_options opt = { 0 };
	struct buf big = BUF_INIT, small = BUF_INIT;
	uint8_t b0 = size > 0 ? data[0] : 0;
	uint8_t b1 = size > 1 ? data[1] : 0;
	int e1, e2;

	data += size > 2 ? 2 : size;
	size -= size > 2 ? 2 : size;
	opt.delimiter = delims[b0 & 3];
	opt.max_field = (b0 >> 2) & 1 ? 1 + (b0 >> 3) : 0;
	opt.max_fields = (b0 >> 7) & 1 ? 1 + (b0 >> 3 & 7) : 0;
	opt.quoting = (enum csv_quoting)(b1 / 19 % 3);
	opt.skip_lines = b1 / 57;

	e1 = parse(data, size, &opt, &big);
	opt.read_size = 1 + b1 % 19;
	e2 = parse(data, size, &opt, &small);
	check(e1 == e2);
	if (big.len != small.len || memcmp(buf_str(&big), buf_str(&small),
					   big.len) != 0) {
		fprintf(stderr, "fuzz-csv: read size %zu differs:\n--- 1 MiB\n"
			"%s\n--- small\n%s\n", opt.read_size, buf_str(&big),
			buf_str(&small));
		abort();
	}
	buf_release(&big);
	buf_release(&small);
	return 0;
}
