/*
 * Unit tests for the CSV reader.  Every input goes through a pipe written
 * by a thread, in one piece and in small writes, and is read with the
 * default buffer and with tiny ones, so fields, doubled quotes, CRLF pairs,
 * the BOM and UTF-8 sequences all land across the reader's buffer edge.
 * Each combination must give exactly the same records and messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/buf.h"
#include "mcp/csv.h"
#include "mcp/xalloc.h"
#include "tap.h"

struct feed {
	int fd;
	const char *data;
	size_t len;
	size_t chunk;
};

static void *feed_run(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;

	while (off < f->len) {
		size_t n = f->len - off < f->chunk ? f->len - off : f->chunk;
		ssize_t w = write(f->fd, f->data + off, n);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			/* the reader stopped early, after an error */
			break;
		}
		off += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

static void dump_escaped(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			buf_addstr(out, "\\n");
		} else if (s[i] == '\r') {
			buf_addstr(out, "\\r");
		} else if (s[i] == '\\') {
			buf_addstr(out, "\\\\");
		} else {
			buf_addch(out, s[i]);
		}
	}
}

struct result {
	char *dump;
	int code;
	uint64_t offset;
	uint64_t line;
};

/*
 * Read `data` through a pipe in writes of `chunk` bytes and describe what
 * came out, one line per record: "LINE [field] q[quoted field]", then
 * "end" or "error CODE MESSAGE".
 */
static struct result parse(const char *data, size_t len,
			   const struct csv_options *opt, size_t chunk)
{
	struct result res = { NULL, 0, 0, 0 };
	struct buf out = BUF_INIT;
	struct csv_reader *r = NULL;
	struct csv_record rec;
	struct feed f;
	pthread_t t;
	int fds[2];
	int e;
	size_t i;

	if (pipe(fds) < 0) {
		perror("pipe");
		exit(99);
	}
	f.fd = fds[1];
	f.data = data;
	f.len = len;
	f.chunk = chunk ? chunk : (len ? len : 1);
	if (pthread_create(&t, NULL, feed_run, &f) != 0) {
		exit(99);
	}
	e = csv_reader_create(fds[0], "in.csv", opt, &r);
	if (e < 0) {
		buf_addf(&out, "create %d\n", e);
		goto out;
	}
	while ((e = csv_read(r, &rec)) == 1) {
		buf_addf(&out, "%llu", (unsigned long long)rec.line);
		for (i = 0; i < rec.nfields; i++) {
			const struct csv_field *fl = &rec.fields[i];

			buf_addstr(&out, fl->quoted ? " q[" : " [");
			dump_escaped(&out, fl->data, fl->len);
			buf_addch(&out, ']');
			if (fl->data[fl->len] != '\0') {
				buf_addstr(&out, "(not NUL-terminated)");
			}
		}
		buf_addch(&out, '\n');
	}
	if (e == 0) {
		buf_addstr(&out, "end\n");
		/* the reader stays at the end */
		if (csv_read(r, &rec) != 0) {
			buf_addstr(&out, "read after end did not return 0\n");
		}
	} else {
		buf_addf(&out, "error %d %s\n", e, csv_reader_error(r));
		/* and a failed reader stays failed */
		if (csv_read(r, &rec) != e) {
			buf_addstr(&out, "error did not stick\n");
		}
	}
	res.offset = csv_reader_offset(r);
	res.line = csv_reader_line(r);
out:
	res.code = e;
	csv_reader_destroy(r);
	close(fds[0]);
	pthread_join(t, NULL);
	res.dump = buf_detach(&out, NULL);
	return res;
}

static const size_t read_sizes[] = { 1, 2, 3, 4, 5, 7, 16, 64 };
static const size_t chunks[] = { 0, 1, 3 };

/*
 * Parse in every combination of read size and write size; all must give
 * `want`.  `opt` may be NULL.
 */
static void check_opt(const char *name, const char *data, size_t len,
		      const struct csv_options *opt, const char *want)
{
	struct csv_options o = { 0 };
	struct result res;
	size_t i, j, runs = 0;
	bool same = true;

	if (opt) {
		o = *opt;
	}
	o.read_size = 0;
	res = parse(data, len, &o, 0);
	is_str(res.dump, want, "%s", name);
	free(res.dump);

	for (i = 0; i < sizeof(read_sizes) / sizeof(read_sizes[0]); i++) {
		for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
			o.read_size = read_sizes[i];
			res = parse(data, len, &o, chunks[j]);
			runs++;
			if (strcmp(res.dump, want) != 0) {
				same = false;
				is_str(res.dump, want,
				       "%s (read size %zu, writes of %zu)",
				       name, read_sizes[i], chunks[j]);
			}
			free(res.dump);
			if (!same) {
				return;
			}
		}
	}
	ok(same, "%s: same in %zu read/write size combinations", name, runs);
}

#define check(name, lit, want) check_opt(name, lit, sizeof(lit) - 1, NULL, want)
#define check_with(name, lit, opt, want) \
	check_opt(name, lit, sizeof(lit) - 1, opt, want)

static void test_rfc4180(void)
{
	check("simple", "a,b,c\n1,2,3\n",
	      "1 [a] [b] [c]\n2 [1] [2] [3]\nend\n");
	check("no final newline", "a,b\n1,2",
	      "1 [a] [b]\n2 [1] [2]\nend\n");
	check("CRLF line ends", "a,b\r\n1,2\r\n",
	      "1 [a] [b]\n2 [1] [2]\nend\n");
	check("CRLF without final line end", "a,b\r\n1,2",
	      "1 [a] [b]\n2 [1] [2]\nend\n");
	check("quoted delimiter", "\"a,b\",c\n",
	      "1 q[a,b] [c]\nend\n");
	check("doubled quotes", "\"say \"\"hi\"\"\",\"\"\"\"\n",
	      "1 q[say \"hi\"] q[\"]\nend\n");
	check("embedded LF", "x,\"one\ntwo\",y\nz\n",
	      "1 [x] q[one\\ntwo] [y]\n3 [z]\nend\n");
	check("embedded CRLF is kept", "\"one\r\ntwo\"\r\nz\r\n",
	      "1 q[one\\r\\ntwo]\n3 [z]\nend\n");
	check("lone CR inside quotes is data", "\"a\rb\",c\n",
	      "1 q[a\\rb] [c]\nend\n");
	check("empty quoted vs empty unquoted", "\"\",,\"\"\n",
	      "1 q[] [] q[]\nend\n");
	check("only an empty quoted field", "\"\"\n",
	      "1 q[]\nend\n");
	check("trailing delimiter is an empty last field", "a,b,\n1,2,\n",
	      "1 [a] [b] []\n2 [1] [2] []\nend\n");
	check("trailing delimiter at end of input", "a,",
	      "1 [a] []\nend\n");
	check("only delimiters", ",,\n",
	      "1 [] [] []\nend\n");
	check("quoted field at end of input", "a,\"b\"",
	      "1 [a] q[b]\nend\n");
	check("quoted field then CRLF", "\"a\"\r\n\"b\"\r\n",
	      "1 q[a]\n2 q[b]\nend\n");
	check("quote inside unquoted field is literal", "a\"b,c\"\n",
	      "1 [a\"b] [c\"]\nend\n");
	check("spaces are kept, a quote after a space is data",
	      " a , \"b\"\n",
	      "1 [ a ] [ \"b\"]\nend\n");
	check("empty input", "", "end\n");
	check("ragged rows are returned as they are", "a,b,c\n1\n2,3,4,5\n",
	      "1 [a] [b] [c]\n2 [1]\n3 [2] [3] [4] [5]\nend\n");
}

static void test_blank_lines_and_bom(void)
{
	check("blank lines are skipped and counted",
	      "\n\na\n\n\nb\n\n",
	      "3 [a]\n6 [b]\nend\n");
	check("blank CRLF lines", "\r\na\r\n\r\nb\r\n",
	      "2 [a]\n4 [b]\nend\n");
	check("only blank lines", "\n\r\n\n", "end\n");
	check("BOM is skipped", "\xef\xbb\xbf" "a,b\n1,2\n",
	      "1 [a] [b]\n2 [1] [2]\nend\n");
	check("BOM before a quoted field", "\xef\xbb\xbf\"a\"\n",
	      "1 q[a]\nend\n");
	check("BOM alone", "\xef\xbb\xbf", "end\n");
	check("BOM later is data", "a\n\xef\xbb\xbf" "b\n",
	      "1 [a]\n2 [\xef\xbb\xbf" "b]\nend\n");
	check("half a BOM is bad UTF-8", "\xef\xbbx\n",
	      "error -22 in.csv:1: incomplete UTF-8 sequence starting with "
	      "byte 0xef in field 1\n");
}

static void test_delimiters(void)
{
	struct csv_options semi = { .delimiter = ';' };
	struct csv_options tab = { .delimiter = '\t' };
	struct csv_options pipe_ = { .delimiter = '|' };
	struct csv_options bad = { .delimiter = '"' };
	struct csv_reader *r = NULL;

	check_with("semicolon", "a;b,c;\"d;e\"\n1,5;2\n", &semi,
		   "1 [a] [b,c] q[d;e]\n2 [1,5] [2]\nend\n");
	check_with("tab", "a\tb c\t\"d\te\"\n\t\n", &tab,
		   "1 [a] [b c] q[d\te]\n2 [] []\nend\n");
	check_with("pipe", "a|\"|\"|\n", &pipe_,
		   "1 [a] q[|] []\nend\n");
	is_int(csv_reader_create(0, "x", &bad, &r), -EINVAL,
	       "a quote cannot be the delimiter");
	ok(r == NULL, "no reader on failure");
	bad.delimiter = '\n';
	is_int(csv_reader_create(0, "x", &bad, &r), -EINVAL,
	       "a newline cannot be the delimiter");
	bad.delimiter = 0;
	bad.read_size = (size_t)4 << 30;
	is_int(csv_reader_create(0, "x", &bad, &r), -EINVAL,
	       "a read size of 4 GiB is refused");
}

static void test_malformed(void)
{
	check("text after closing quote", "a,b\n1,\"x\"y,3\n",
	      "1 [a] [b]\n"
	      "error -22 in.csv:2: unexpected character 'y' after closing "
	      "quote in field 2\n");
	check("space after closing quote", "\"x\" ,1\n",
	      "error -22 in.csv:1: unexpected character ' ' after closing "
	      "quote in field 1\n");
	check("byte after closing quote is shown in hex", "\"x\"\x01\n",
	      "error -22 in.csv:1: unexpected character 0x01 after closing "
	      "quote in field 1\n");
	check("unterminated quote names the line it opened on",
	      "a\nb\nc,\"open\nmore\nlines\n",
	      "1 [a]\n2 [b]\n"
	      "error -22 in.csv:3: unterminated quoted field "
	      "(opened on this line)\n");
	check("unterminated empty quote", "\"", 
	      "error -22 in.csv:1: unterminated quoted field "
	      "(opened on this line)\n");
	check("lone CR outside quotes", "a\rb\n",
	      "error -22 in.csv:1: carriage return not followed by a line "
	      "feed (old Mac line ends are not supported)\n");
	check("lone CR after a closing quote", "x\n\"a\"\rb\n",
	      "1 [x]\n"
	      "error -22 in.csv:2: carriage return not followed by a line "
	      "feed (old Mac line ends are not supported)\n");
	check("lone CR on a blank line", "a\n\r\rb\n",
	      "1 [a]\n"
	      "error -22 in.csv:2: carriage return not followed by a line "
	      "feed (old Mac line ends are not supported)\n");
	check("CR as the very last byte ends the line", "a,b\r",
	      "1 [a] [b]\nend\n");
	check("NUL in an unquoted field", "a,b\nc,d\0e\n",
	      "1 [a] [b]\nerror -22 in.csv:2: NUL byte in field 2\n");
	check("NUL in a quoted field", "\"x\ny\0\"\n",
	      "error -22 in.csv:2: NUL byte in field 1\n");
}

static void test_utf8(void)
{
	check("valid UTF-8 of every length",
	      "caf\xc3\xa9,\"\xe2\x82\xac\",\xf0\x9f\x98\x80\n"
	      "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf"
	      "\xed\x9f\xbf\xee\x80\x80\n",
	      "1 [caf\xc3\xa9] q[\xe2\x82\xac] [\xf0\x9f\x98\x80]\n"
	      "2 [\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf"
	      "\xed\x9f\xbf\xee\x80\x80]\nend\n");
	check("0xff", "a,b,c\n1,2,x\xff\n",
	      "1 [a] [b] [c]\n"
	      "error -22 in.csv:2: invalid UTF-8 byte 0xff in field 3\n");
	check("0xfe in a quoted field", "\"\xfe\"\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xfe in field 1\n");
	check("lone continuation byte", "a\x80\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0x80 in field 1\n");
	check("overlong two-byte form", "\xc0\xaf\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xc0 in field 1\n");
	check("overlong two-byte form, C1", ",\xc1\xbf\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xc1 in field 2\n");
	check("overlong three-byte form", "\xe0\x80\xaf\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xe0 in field 1\n");
	check("overlong four-byte form", "\xf0\x80\x80\xaf\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xf0 in field 1\n");
	check("UTF-16 surrogate", "ok,\xed\xa0\x80\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xed in field 2\n");
	check("past U+10FFFF", "\xf4\x90\x80\x80\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xf4 in field 1\n");
	check("0xf5 lead byte", "\xf5\x80\x80\x80\n",
	      "error -22 in.csv:1: invalid UTF-8 byte 0xf5 in field 1\n");
	check("sequence cut by the delimiter", "\xc3,x\n",
	      "error -22 in.csv:1: incomplete UTF-8 sequence starting with "
	      "byte 0xc3 in field 1\n");
	check("sequence cut by the line end", "a,\xe2\x82\nb\n",
	      "error -22 in.csv:1: incomplete UTF-8 sequence starting with "
	      "byte 0xe2 in field 2\n");
	check("sequence cut by the end of input", "a,\xf0\x9f\x98",
	      "error -22 in.csv:1: incomplete UTF-8 sequence starting with "
	      "byte 0xf0 in field 2\n");
	check("sequence cut by a new lead byte", "\xe2\x82\xc3\xa9\n",
	      "error -22 in.csv:1: incomplete UTF-8 sequence starting with "
	      "byte 0xe2 in field 1\n");
	check("bad byte on the third line of a quoted field",
	      "h\n\"one\ntwo\nth\xffree\"\n",
	      "1 [h]\n"
	      "error -22 in.csv:4: invalid UTF-8 byte 0xff in field 1\n");
}

static void test_limits(void)
{
	struct csv_options small = { .max_field = 10, .max_fields = 4 };
	struct csv_options o = { 0 };
	struct result res;
	struct buf in = BUF_INIT;
	char *want;
	size_t i;

	check_with("field of exactly max_field bytes",
		   "0123456789,\"0123456789\"\n", &small,
		   "1 [0123456789] q[0123456789]\nend\n");
	check_with("unquoted field over max_field",
		   "a\nb,0123456789x\n", &small,
		   "1 [a]\n"
		   "error -7 in.csv:2: field 2 is longer than 10 bytes\n");
	check_with("doubled quote pushes a field over max_field",
		   "\"0123456789\"\"\"\n", &small,
		   "error -7 in.csv:1: field 1 is longer than 10 bytes\n");
	check_with("quoted field over max_field across lines",
		   "\"01234\n56789\n\"\n", &small,
		   "error -7 in.csv:2: field 1 is longer than 10 bytes\n");
	check_with("exactly max_fields fields", "a,b,c,d\n,,,\n", &small,
		   "1 [a] [b] [c] [d]\n2 [] [] [] []\nend\n");
	check_with("one field too many", "a,b,c,d\n1,2,3,4,5\n", &small,
		   "1 [a] [b] [c] [d]\n"
		   "error -7 in.csv:2: more than 4 fields in one record\n");
	check_with("trailing delimiter makes one too many", "a,b,c,d,", &small,
		   "error -7 in.csv:1: more than 4 fields in one record\n");

	/* the defaults: 4096 fields, 16 MiB per field */
	for (i = 0; i < 4096; i++) {
		buf_addstr(&in, i ? ",x" : "x");
	}
	buf_addch(&in, '\n');
	res = parse(in.data, in.len, &o, 0);
	ok(res.code == 0 && strncmp(res.dump, "1 [x] [x]", 9) == 0,
	   "4096 fields by default");
	free(res.dump);
	in.len--;
	buf_addstr(&in, ",x\n");
	res = parse(in.data, in.len, &o, 0);
	is_str(res.dump,
	       "error -7 in.csv:1: more than 4096 fields in one record\n",
	       "4097 fields are refused by default");
	free(res.dump);

	buf_reset(&in);
	buf_addstr(&in, "a,\"");
	for (i = 0; i < (16u << 20) + 1; i++) {
		buf_addch(&in, i % 1000 == 999 ? '\n' : 'y');
	}
	buf_addstr(&in, "\"\n");
	res = parse(in.data, in.len, &o, 0);
	want = xasprintf("error -7 in.csv:%d: field 2 is longer than "
			 "16777216 bytes\n", (16 << 20) / 1000 + 1);
	is_str(res.dump, want, "a field over 16 MiB is refused by default");
	free(want);
	free(res.dump);

	/* a field much longer than the read buffer, read in pieces */
	buf_reset(&in);
	buf_addstr(&in, "a,");
	for (i = 0; i < 3u << 20; i++) {
		buf_addch(&in, (char)('a' + i % 26));
	}
	buf_addstr(&in, ",z\n");
	o.read_size = 4096;
	res = parse(in.data, in.len, &o, 1000);
	ok(res.code == 0 && strlen(res.dump) == (3u << 20) + 17,
	   "a 3 MiB field through a 4 KiB buffer");
	free(res.dump);
	buf_release(&in);
}

/*
 * Lines in a generated file where some records span several lines: each
 * record's line and the final line count must match what was written.
 */
static void test_line_counting(void)
{
	struct buf in = BUF_INIT;
	struct csv_options o = { .read_size = 1000 };
	struct csv_reader *r = NULL;
	struct csv_record rec;
	uint64_t *starts;
	uint64_t line = 1;
	size_t n = 20000, i, got = 0, bad = 0;
	int fds[2], e;
	struct feed f;
	pthread_t t;

	starts = xcalloc(n, sizeof(*starts));
	for (i = 0; i < n; i++) {
		starts[i] = line;
		if (i % 7 == 3) {
			buf_addf(&in, "%zu,\"multi\nline\r\n%zu\",x\r\n", i, i);
			line += 3;
		} else if (i % 11 == 5) {
			buf_addf(&in, "%zu,y\n\n\r\n", i);
			line += 3;
		} else {
			buf_addf(&in, "%zu,\"plain\",z\n", i);
			line++;
		}
	}
	if (pipe(fds) < 0) {
		exit(99);
	}
	f = (struct feed){ fds[1], in.data, in.len, 777 };
	pthread_create(&t, NULL, feed_run, &f);
	csv_reader_create(fds[0], "lines.csv", &o, &r);
	while ((e = csv_read(r, &rec)) == 1) {
		if (got < n && (rec.line != starts[got] ||
				strtoul(rec.fields[0].data, NULL, 10) != got)) {
			if (bad++ == 0) {
				diag("record %zu: line %llu, want %llu", got,
				     (unsigned long long)rec.line,
				     (unsigned long long)starts[got]);
			}
		}
		got++;
	}
	is_int(e, 0, "generated file reads to the end");
	is_int(got, n, "every record is read");
	is_int(bad, 0, "every record starts on the line it was written on");
	is_int(csv_reader_line(r), line, "the final line count");
	is_int(csv_reader_offset(r), in.len, "the offset at the end");
	csv_reader_destroy(r);
	close(fds[0]);
	pthread_join(t, NULL);
	free(starts);
	buf_release(&in);
}

static void test_offsets_and_errors(void)
{
	static const char text[] = "\xef\xbb\xbfh1,h2\n1,\"2\n\"\n";
	struct csv_options o = { .read_size = 3 };
	struct csv_reader *r = NULL;
	struct csv_record rec;
	struct result res;
	int fd;

	res = parse(text, sizeof(text) - 1, &o, 1);
	is_int(res.offset, sizeof(text) - 1, "offset counts every byte");
	is_int(res.line, 4, "line after the last line end");
	free(res.dump);

	/* a read error is an error with the errno, not an end of input */
	fd = open("/", O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		ok(0, "open /");
		return;
	}
	is_int(csv_reader_create(fd, "/", NULL, &r), 0, "reader on a directory");
	is_int(csv_read(r, &rec), -EISDIR, "read error is returned");
	is_str(csv_reader_error(r), "/:1: read error: Is a directory",
	       "read error message");
	csv_reader_destroy(r);
	close(fd);
	csv_reader_destroy(NULL);
}

/*
 * Random short documents from an alphabet of the bytes that matter must
 * read the same through every buffer size, and so must a few MiB of
 * well-formed rows crossing the default 1 MiB buffer's edge.
 */
static void test_random(void)
{
	static const char *const bits[] = {
		"a", "bc", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r",
		"\xc3\xa9", "\xc3", "\xe2\x82\xac", "\xff", ";", " ",
	};
	struct csv_options o = { 0 };
	struct buf in = BUF_INIT;
	struct result a, b;
	unsigned long x = 42;
	size_t doc, i, k, differ = 0;

	for (doc = 0; doc < 3000; doc++) {
		buf_reset(&in);
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		k = (x >> 33) % 40;
		for (i = 0; i < k; i++) {
			x = x * 6364136223846793005ul + 1442695040888963407ul;
			buf_addstr(&in, bits[(x >> 33) % (sizeof(bits) /
							 sizeof(bits[0]))]);
		}
		o.read_size = 0;
		a = parse(in.data, in.len, &o, 0);
		o.read_size = 1 + doc % 5;
		b = parse(in.data, in.len, &o, 1 + doc % 3);
		if (strcmp(a.dump, b.dump) != 0 && differ++ == 0) {
			is_str(b.dump, a.dump, "random document %zu", doc);
		}
		free(a.dump);
		free(b.dump);
	}
	ok(differ == 0, "3000 random documents read the same at every size");

	buf_reset(&in);
	for (i = 0; in.len < (3u << 20); i++) {
		buf_addf(&in, "%zu,\"quoted, \"\"with\"\"\r\nlines\",plain %zu,"
			 "\xc3\xa9t\xc3\xa9\r\n", i, i * 7);
	}
	o.read_size = 0;
	a = parse(in.data, in.len, &o, 65536);
	o.read_size = 4093;
	b = parse(in.data, in.len, &o, 65536);
	ok(a.code == 0 && strcmp(a.dump, b.dump) == 0,
	   "3 MiB of rows across the 1 MiB buffer read as with a 4093-byte one");
	is_int(a.line, 2 * i + 1, "and the line count is right");
	free(a.dump);
	free(b.dump);
	buf_release(&in);
}

int main(void)
{
	/* the writer thread sees EPIPE, not a signal, when a read fails */
	signal(SIGPIPE, SIG_IGN);

	test_rfc4180();
	test_blank_lines_and_bom();
	test_delimiters();
	test_malformed();
	test_utf8();
	test_limits();
	test_line_counting();
	test_offsets_and_errors();
	test_random();
	return tap_done();
}
