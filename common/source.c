/*
 * Decompression and encoding conversion in front of the CSV reader (see
 * source.h).  A plain UTF-8 file is read in place, so the common case
 * costs nothing here.
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

#include "mcp/source.h"
#include "mcp/xalloc.h"

#define CHUNK ((size_t)1 << 17)

static int temp_file(char **ret_err)
{
	const char *dir = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/mcpctl-src-XXXXXX",
			       dir && *dir ? dir : "/tmp");
	int fd = mkstemp(tmpl);

	if (fd < 0) {
		*ret_err = xasprintf("cannot create temporary file '%s': %s",
				     tmpl, strerror(errno));
	} else {
		unlink(tmpl);
	}
	free(tmpl);
	return fd < 0 ? -errno : fd;
}

static ssize_t read_full(int fd, void *buf, size_t n)
{
	ssize_t r;

	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno == EINTR);
	return r;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return -(errno ? errno : EIO);
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_failed(int e, char **ret_err)
{
	*ret_err = xasprintf("cannot write temporary file: %s", strerror(-e));
	return e;
}

/* ---- the stages: each reads `in` from its start and writes `out` ---- */

static int copy(int in, int out, const char *what, const char *arg,
		char **ret_err)
{
	char *buf = xmalloc(CHUNK);
	ssize_t n;
	int e = 0;

	while ((n = read_full(in, buf, CHUNK)) > 0) {
		if ((e = write_all(out, buf, (size_t)n)) < 0) {
			e = write_failed(e, ret_err);
			break;
		}
	}
	if (n < 0) {
		*ret_err = xasprintf("cannot read %s: %s", what,
				     strerror(errno));
		e = -EIO;
	}
	free(buf);
	return e;
}

static int gunzip(int in, int out, const char *what, const char *arg,
		  char **ret_err)
{
	unsigned char *ibuf = xmalloc(CHUNK), *obuf = xmalloc(CHUNK);
	z_stream z = { 0 };
	bool ended = false;
	ssize_t n;
	int zr, e = 0;

	/* 15 + 32: a gzip or zlib header, found by itself */
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		*ret_err = xstrdup("cannot start the gzip decoder");
		free(ibuf);
		free(obuf);
		return -ENOMEM;
	}
	for (;;) {
		if (z.avail_in == 0) {
			n = read_full(in, ibuf, CHUNK);
			if (n < 0) {
				*ret_err = xasprintf("cannot read %s: %s", what,
						     strerror(errno));
				e = -EIO;
				goto out;
			}
			if (n == 0) {
				break;
			}
			z.next_in = ibuf;
			z.avail_in = (uInt)n;
		}
		z.next_out = obuf;
		z.avail_out = (uInt)CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			*ret_err = xasprintf("%s: corrupt gzip data: %s", what,
					     z.msg ? z.msg : "bad stream");
			e = -EINVAL;
			goto out;
		}
		if ((e = write_all(out, obuf, CHUNK - z.avail_out)) < 0) {
			e = write_failed(e, ret_err);
			goto out;
		}
		ended = zr == Z_STREAM_END;
		if (ended) {
			/* gzip files may be several members back to back */
			inflateReset(&z);
		}
	}
	if (!ended) {
		*ret_err = xasprintf("%s: the gzip data ends early "
				     "(truncated file?)", what);
		e = -EINVAL;
	}
out:
	inflateEnd(&z);
	free(ibuf);
	free(obuf);
	return e;
}

static int unxz(int in, int out, const char *what, const char *arg,
		char **ret_err)
{
	uint8_t *ibuf = xmalloc(CHUNK), *obuf = xmalloc(CHUNK);
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_action act = LZMA_RUN;
	lzma_ret lr;
	int e = 0;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		*ret_err = xstrdup("cannot start the xz decoder");
		free(ibuf);
		free(obuf);
		return -ENOMEM;
	}
	s.next_out = obuf;
	s.avail_out = CHUNK;
	for (;;) {
		if (s.avail_in == 0 && act == LZMA_RUN) {
			ssize_t n = read_full(in, ibuf, CHUNK);

			if (n < 0) {
				*ret_err = xasprintf("cannot read %s: %s", what,
						     strerror(errno));
				e = -EIO;
				goto out;
			}
			s.next_in = ibuf;
			s.avail_in = (size_t)n;
			if (n == 0) {
				act = LZMA_FINISH;
			}
		}
		lr = lzma_code(&s, act);
		if (s.avail_out == 0 || lr == LZMA_STREAM_END) {
			if ((e = write_all(out, obuf, CHUNK - s.avail_out)) < 0) {
				e = write_failed(e, ret_err);
				goto out;
			}
			s.next_out = obuf;
			s.avail_out = CHUNK;
		}
		if (lr == LZMA_STREAM_END) {
			break;
		}
		if (lr != LZMA_OK) {
			*ret_err = xasprintf("%s: corrupt or truncated xz data "
					     "(liblzma error %d)", what, (int)lr);
			e = -EINVAL;
			goto out;
		}
	}
out:
	lzma_end(&s);
	free(ibuf);
	free(obuf);
	return e;
}

static int unzstd(int in, int out, const char *what, const char *arg,
		  char **ret_err)
{
#ifdef HAVE_ZSTD
	char *ibuf = xmalloc(CHUNK), *obuf = xmalloc(CHUNK);
	ZSTD_DStream *z = ZSTD_createDStream();
	size_t zr = 1;
	ssize_t n;
	int e = 0;

	ZSTD_initDStream(z);
	while ((n = read_full(in, ibuf, CHUNK)) > 0) {
		ZSTD_inBuffer ib = { ibuf, (size_t)n, 0 };

		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = { obuf, CHUNK, 0 };

			zr = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(zr)) {
				*ret_err = xasprintf("%s: corrupt zstd data: %s",
						     what, ZSTD_getErrorName(zr));
				e = -EINVAL;
				goto out;
			}
			if ((e = write_all(out, obuf, ob.pos)) < 0) {
				e = write_failed(e, ret_err);
				goto out;
			}
		}
	}
	if (n < 0) {
		*ret_err = xasprintf("cannot read %s: %s", what,
				     strerror(errno));
		e = -EIO;
	} else if (zr != 0) {
		*ret_err = xasprintf("%s: the zstd data ends early "
				     "(truncated file?)", what);
		e = -EINVAL;
	}
out:
	ZSTD_freeDStream(z);
	free(ibuf);
	free(obuf);
	return e;
#else
	*ret_err = xasprintf("%s is zstd-compressed, and this mcpctl was "
			     "built without libzstd: decompress it with "
			     "unzstd first", what);
	return -ENOTSUP;
#endif
}

/* convert to UTF-8; iconv's state carries sequences cut by a read */
static int convert(int in, int out, const char *what, const char *from,
		   char **ret_err)
{
	char *ibuf = xmalloc(CHUNK + 16), *obuf = xmalloc(CHUNK * 4);
	iconv_t cd = iconv_open("UTF-8", from);
	uint64_t done = 0;
	size_t keep = 0;
	ssize_t n;
	int e = 0;

	if (cd == (iconv_t)-1) {
		*ret_err = xasprintf("unknown encoding '%s' (iconv knows the "
				     "names 'iconv -l' lists)", from);
		free(ibuf);
		free(obuf);
		return -EINVAL;
	}
	while ((n = read_full(in, ibuf + keep, CHUNK)) >= 0) {
		char *ip = ibuf, *op = obuf;
		size_t il = keep + (size_t)n, ol = CHUNK * 4;
		size_t r = iconv(cd, &ip, &il, &op, &ol);

		if (r == (size_t)-1 && errno == EILSEQ) {
			*ret_err = xasprintf("%s: byte %llu is not valid %s",
				what, (unsigned long long)(done +
				(uint64_t)(ip - ibuf)) + 1, from);
			e = -EINVAL;
			goto out;
		}
		if ((e = write_all(out, obuf, (size_t)(op - obuf))) < 0) {
			e = write_failed(e, ret_err);
			goto out;
		}
		done += (uint64_t)(ip - ibuf);
		if (n == 0) {
			if (il) {
				*ret_err = xasprintf("%s: the file ends inside "
						     "a %s character", what, from);
				e = -EINVAL;
			}
			break;
		}
		/* an incomplete sequence at the end waits for the next read */
		memmove(ibuf, ip, il);
		keep = il;
	}
	if (n < 0) {
		*ret_err = xasprintf("cannot read %s: %s", what,
				     strerror(errno));
		e = -EIO;
	}
out:
	iconv_close(cd);
	free(ibuf);
	free(obuf);
	return e;
}

typedef int (*stage_fn)(int in, int out, const char *what, const char *arg,
			char **ret_err);

/* run one stage into a new temporary file, which replaces *fd */
static int run_stage(int *fd, stage_fn fn, const char *what,
		     const char *arg, char **ret_err)
{
	int out = temp_file(ret_err), e;

	if (out < 0) {
		return out;
	}
	if (lseek(*fd, 0, SEEK_SET) < 0 && *fd != STDIN_FILENO) {
		*ret_err = xasprintf("cannot rewind %s: %s", what,
				     strerror(errno));
		close(out);
		return -EIO;
	}
	e = fn(*fd, out, what, arg, ret_err);
	if (e < 0) {
		close(out);
		return e;
	}
	if (lseek(out, 0, SEEK_SET) < 0) {
		*ret_err = xasprintf("cannot rewind temporary file: %s",
				     strerror(errno));
		close(out);
		return -EIO;
	}
	if (*fd != STDIN_FILENO) {
		close(*fd);
	}
	*fd = out;
	return 0;
}

static bool is_utf8_name(const char *e)
{
	return strcasecmp(e, "utf-8") == 0 || strcasecmp(e, "utf8") == 0;
}

int source_open(const char *path, const char *encoding, struct source *ret,
		char **ret_err)
{
	const char *what = strcmp(path, "-") == 0 ? "<stdin>" : path;
	unsigned char magic[6] = { 0 };
	const char *encoding_from;
	struct stat st;
	ssize_t n;
	int fd, e;

	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		e = run_stage(&fd, copy, what, NULL, ret_err);
		if (e < 0) {
			return e;
		}
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			*ret_err = xasprintf("cannot open '%s': %s", path,
					     strerror(errno));
			return -errno;
		}
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(fd);
			*ret_err = xasprintf("cannot read '%s': is a directory",
					     path);
			return -EISDIR;
		}
		if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
			/* a pipe or a device: copy it so it reads twice */
			e = run_stage(&fd, copy, what, NULL, ret_err);
			if (e < 0) {
				close(fd);
				return e;
			}
		}
	}
	n = pread(fd, magic, sizeof(magic), 0);
	e = 0;
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		ret->compression = "gzip";
		e = run_stage(&fd, gunzip, what, NULL, ret_err);
	} else if (n >= 6 && memcmp(magic, "\xfd" "7zXZ\0", 6) == 0) {
		ret->compression = "xz";
		e = run_stage(&fd, unxz, what, NULL, ret_err);
	} else if (n >= 4 && memcmp(magic, "\x28\xb5\x2f\xfd", 4) == 0) {
		ret->compression = "zstd";
		e = run_stage(&fd, unzstd, what, NULL, ret_err);
	} else if (n >= 3 && memcmp(magic, "BZh", 3) == 0) {
		*ret_err = xasprintf("%s is bzip2-compressed, which is not "
				     "read: decompress it with bunzip2 first",
				     what);
		e = -ENOTSUP;
	} else if (n >= 4 && memcmp(magic, "PK\x03\x04", 4) == 0) {
		*ret_err = xasprintf("%s is a zip archive (an .xlsx workbook "
				     "is one too): extract or export the CSV "
				     "first", what);
		e = -ENOTSUP;
	}
	if (e < 0) {
		close(fd);
		return e;
	}
	memset(magic, 0, sizeof(magic));
	n = pread(fd, magic, 4, 0);
	if (encoding && !is_utf8_name(encoding)) {
		encoding_from = encoding;
	} else if (!encoding && n >= 2 &&
		   ((magic[0] == 0xff && magic[1] == 0xfe) ||
		    (magic[0] == 0xfe && magic[1] == 0xff))) {
		/* "UTF-16" reads the byte order mark and drops it */
		encoding_from = n >= 4 && magic[0] == 0xff && !magic[2] &&
				!magic[3] ? "UTF-32" : "UTF-16";
	} else {
		encoding_from = NULL;
	}
	if (encoding_from) {
		e = run_stage(&fd, convert, what, encoding_from,
			      ret_err);
		if (e < 0) {
			close(fd);
			return e;
		}
		ret->encoding = xstrdup(encoding_from);
	}
	ret->fd = fd;
	ret->size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
			    ? (uint64_t)st.st_size : 0;
	return 0;
}

void source_close(struct source *s)
{
	if (s->fd >= 0) {
		close(s->fd);
	}
	free(s->encoding);
	s->fd = -1;
	s->encoding = NULL;
}
