/*
 * colcache: writing and mapping a dataset's column cache (colcache.h).
 *
 * File layout (native byte order; the file never leaves the machine):
 *   header: struct fhead, struct fcol[ncols], then the strings they point
 *           to (column names, declared types, the data table's name);
 *   then, each at a multiple of SECTION_ALIGN so that it can be mapped on
 *   its own: per column its values (rows * 8 bytes, or rows * 4 for text
 *   codes) and its null bitmap (rows / 8 bytes, only when it has a NULL);
 *   at the end the text dictionaries: uint64_t offsets[count + 1] into the
 *   string bytes that follow them.
 * The writer knows every fixed section's place before the first row, so it
 * streams the rows once and writes each column in chunks with pwrite().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcp/buf.h"
#include "mcp/colcache.h"
#include "mcp/dataset.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

#define MAGIC "MCPDCOL1"
#define ENDIAN_MARK 0x01020304u
/* a multiple of every page size Linux uses, so each section maps alone */
#define SECTION_ALIGN ((uint64_t)65536)
/* rows buffered per column between two writes */
#define CHUNK_ROWS 65536
/* a text column with more distinct strings is left to SQL */
#define DICT_MAX ((uint32_t)1 << 20)

struct fhead {
	char magic[8];
	uint32_t endian;
	uint32_t ncols;
	int64_t dataset_id;
	int64_t version;
	uint64_t rows;
	uint64_t header_len;
	uint64_t table_off, table_len;
	uint64_t file_size;
};

struct fcol {
	uint32_t kind, flags;
	uint64_t name_off, name_len;
	uint64_t decl_off, decl_len;
	uint64_t values_off, values_len;
	uint64_t nulls_off, nulls_len;
	uint64_t dict_off, dict_len;
	uint64_t dict_count;
};

static uint64_t align_up(uint64_t v)
{
	return (v + SECTION_ALIGN - 1) & ~(SECTION_ALIGN - 1);
}

char *colcache_path(const char *catalog_path, int64_t id)
{
	return xasprintf("%s.cols/%lld.mcol", catalog_path, (long long)id);
}

static int pwrite_all(int fd, const void *p, size_t len, uint64_t off)
{
	const char *s = p;

	while (len > 0) {
		ssize_t n = pwrite(fd, s, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		s += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

/* a string dictionary: open addressing over an arena of the strings */
struct dict {
	uint32_t *slots;        /* code + 1; 0 is empty */
	uint32_t nslots;
	uint64_t *offs;         /* count + 1 offsets into bytes */
	uint32_t count;
	struct buf bytes;
};

/*
 * Eight bytes at a time: an import codes every text value it stores.
 * Only the slots depend on it; the file holds codes in first-seen order.
 */
static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	for (size_t i = 0; i < n; i++) {
		w |= (uint64_t)s[i] << (8 * i);
	}
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static void dict_grow(struct dict *d)
{
	uint32_t n = d->nslots ? d->nslots * 2 : 1024;

	free(d->slots);
	d->slots = xcalloc(n, sizeof(*d->slots));
	d->nslots = n;
	for (uint32_t c = 0; c < d->count; c++) {
		const char *s = d->bytes.data + d->offs[c];
		size_t len = (size_t)(d->offs[c + 1] - d->offs[c]);
		uint32_t i = (uint32_t)hash_bytes(s, len) & (n - 1);

		while (d->slots[i]) {
			i = (i + 1) & (n - 1);
		}
		d->slots[i] = c + 1;
	}
}

/* the code of string s; UINT32_MAX when the dictionary is full */
static uint32_t dict_code(struct dict *d, const char *s, size_t len)
{
	uint32_t i;

	if ((uint64_t)(d->count + 1) * 2 > d->nslots) {
		dict_grow(d);
	}
	i = (uint32_t)hash_bytes(s, len) & (d->nslots - 1);
	while (d->slots[i]) {
		uint32_t c = d->slots[i] - 1;

		if (d->offs[c + 1] - d->offs[c] == len &&
		    memcmp(d->bytes.data + d->offs[c], s, len) == 0) {
			return c;
		}
		i = (i + 1) & (d->nslots - 1);
	}
	if (d->count == DICT_MAX) {
		return UINT32_MAX;
	}
	if (d->count == 0) {
		d->offs = xmalloc(2 * sizeof(*d->offs));
		d->offs[0] = 0;
	} else if ((d->count & (d->count - 1)) == 0) {
		d->offs = xrealloc(d->offs, (2 * (size_t)d->count + 1) *
				   sizeof(*d->offs));
	}
	buf_add(&d->bytes, s, len);
	d->offs[d->count + 1] = d->bytes.len;
	d->slots[i] = ++d->count;
	return d->count - 1;
}

static void dict_free(struct dict *d)
{
	free(d->slots);
	free(d->offs);
	buf_release(&d->bytes);
	memset(d, 0, sizeof(*d));
}

struct wcol {
	struct fcol f;
	char *name;
	char *decl;
	unsigned char *chunk;   /* CHUNK_ROWS values */
	uint8_t *nulls;         /* (rows + 7) / 8 */
	bool any_null;
	bool decided;           /* kind fixed by the declaration or a value */
	struct dict dict;
};

/* SQLite's affinity rules (datatype3.html, 3.1) on a declared type */
static enum colcache_kind decl_kind(const char *decl, unsigned *flags)
{
	char up[64];
	size_t i;

	for (i = 0; decl[i] && i < sizeof(up) - 1; i++) {
		up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32
				: decl[i]);
	}
	up[i] = '\0';
	if (strstr(up, "INT")) {
		return COLCACHE_INT64;
	}
	if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT")) {
		*flags |= COLCACHE_TEXT_AFFINITY;
		return COLCACHE_TEXT;
	}
	if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB")) {
		return COLCACHE_DOUBLE;
	}
	return COLCACHE_NONE;   /* NUMERIC or BLOB affinity: decided by data */
}

static size_t elem_size(uint32_t kind)
{
	return kind == COLCACHE_TEXT ? 4 : 8;
}

static void drop_col(struct wcol *c)
{
	c->f.kind = COLCACHE_NONE;
	c->decided = true;
	dict_free(&c->dict);
}

/* store row `row` (chunk slot `slot`) of column c from the statement */
static void put_value(struct wcol *c, sqlite3_stmt *st, int i, int64_t row,
		      size_t slot)
{
	int t = sqlite3_column_type(st, i);

	if (c->f.kind == COLCACHE_NONE && c->decided) {
		return;
	}
	if (t == SQLITE_NULL) {
		c->nulls[row >> 3] |= (uint8_t)(1u << (row & 7));
		c->any_null = true;
		memset(c->chunk + slot * elem_size(c->f.kind), 0,
		       elem_size(c->f.kind));
		return;
	}
	if (!c->decided) {
		/* the first value decides a column of no declared kind */
		c->f.kind = t == SQLITE_INTEGER ? COLCACHE_INT64
			: t == SQLITE_FLOAT ? COLCACHE_DOUBLE : COLCACHE_NONE;
		c->decided = true;
		if (c->f.kind == COLCACHE_NONE) {
			return;
		}
		if (slot > 0 && c->f.kind == COLCACHE_TEXT) {
			memset(c->chunk, 0, slot * 4);
		}
	}
	switch (c->f.kind) {
	case COLCACHE_INT64:
		if (t != SQLITE_INTEGER) {
			drop_col(c);
			return;
		}
		{
			int64_t v = sqlite3_column_int64(st, i);

			memcpy(c->chunk + slot * 8, &v, 8);
		}
		return;
	case COLCACHE_DOUBLE:
		if (t != SQLITE_FLOAT && t != SQLITE_INTEGER) {
			drop_col(c);
			return;
		}
		if (t == SQLITE_INTEGER) {
			c->f.flags |= COLCACHE_MIXED;
		}
		{
			double v = sqlite3_column_double(st, i);

			memcpy(c->chunk + slot * 8, &v, 8);
		}
		return;
	case COLCACHE_TEXT:
		if (t != SQLITE_TEXT) {
			drop_col(c);
			return;
		}
		{
			const char *s = (const char *)sqlite3_column_text(st, i);
			size_t len = (size_t)sqlite3_column_bytes(st, i);
			uint32_t code = s ? dict_code(&c->dict, s, len)
				: UINT32_MAX;

			if (code == UINT32_MAX) {
				drop_col(c);
				return;
			}
			memcpy(c->chunk + slot * 4, &code, 4);
		}
		return;
	default:
		return;
	}
}

static int flush_chunk(int fd, struct wcol *c, int64_t first, size_t n)
{
	size_t es;

	if (c->f.kind == COLCACHE_NONE || n == 0) {
		return 0;
	}
	es = elem_size(c->f.kind);
	return pwrite_all(fd, c->chunk, n * es,
			  c->f.values_off + (uint64_t)first * es);
}

struct target {
	char *data_table;
	int64_t version;
	bool in_catalog;
};

static int read_target(struct db *db, int64_t id, struct target *t)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql, "SELECT source_kind, source_table, "
				"data_table, version FROM datasets WHERE id = ?",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *src = (const char *)sqlite3_column_text(st, 1);
		const char *data = (const char *)sqlite3_column_text(st, 2);

		t->in_catalog = kind && data &&
				dataset_row_in_catalog(kind, src, data);
		t->data_table = data ? xstrdup(data) : NULL;
		t->version = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT
		: db_errno(rc);
}

static int64_t scalar_int(struct db *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK) {
		if (arg) {
			sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
		}
		if (sqlite3_step(st) == SQLITE_ROW) {
			v = sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
	return v;
}

/* place the header strings and the fixed sections; returns the end */
static uint64_t layout(struct fhead *h, struct wcol *cols, uint32_t n,
		       const char *table, struct buf *strings)
{
	uint64_t base = sizeof(*h) + (uint64_t)n * sizeof(struct fcol);
	uint64_t off;

	for (uint32_t i = 0; i < n; i++) {
		cols[i].f.name_off = base + strings->len;
		cols[i].f.name_len = strlen(cols[i].name);
		buf_addstr(strings, cols[i].name);
		cols[i].f.decl_off = base + strings->len;
		cols[i].f.decl_len = strlen(cols[i].decl);
		buf_addstr(strings, cols[i].decl);
	}
	h->table_off = base + strings->len;
	h->table_len = strlen(table);
	buf_addstr(strings, table);
	h->header_len = base + strings->len;
	off = align_up(h->header_len);
	for (uint32_t i = 0; i < n; i++) {
		cols[i].f.values_off = off;
		off = align_up(off + h->rows * 8);
		cols[i].f.nulls_off = off;
		off = align_up(off + (h->rows + 7) / 8);
	}
	return off;
}

/* write the dictionaries, null bitmaps and header once the rows are in */
static int finish_file(int fd, struct fhead *h, struct wcol *cols,
		       uint32_t n, uint64_t end, const struct buf *strings)
{
	int r = 0;

	for (uint32_t i = 0; i < n && r == 0; i++) {
		struct wcol *c = &cols[i];

		if (c->f.kind == COLCACHE_NONE) {
			continue;
		}
		c->f.values_len = h->rows * elem_size(c->f.kind);
		if (c->any_null) {
			c->f.nulls_len = (h->rows + 7) / 8;
			r = pwrite_all(fd, c->nulls, c->f.nulls_len,
				       c->f.nulls_off);
		}
		if (r == 0 && c->f.kind == COLCACHE_TEXT) {
			uint64_t noffs = (uint64_t)c->dict.count + 1;
			uint64_t zero = 0;

			c->f.dict_off = end;
			c->f.dict_count = c->dict.count;
			c->f.dict_len = noffs * 8 + c->dict.bytes.len;
			r = pwrite_all(fd, c->dict.count ? c->dict.offs
					   : &zero, noffs * 8, end);
			if (r == 0 && c->dict.bytes.len) {
				r = pwrite_all(fd, c->dict.bytes.data,
					       c->dict.bytes.len,
					       end + noffs * 8);
			}
			end = align_up(end + c->f.dict_len);
		}
	}
	if (r < 0) {
		return r;
	}
	h->file_size = end;
	if (ftruncate(fd, (off_t)end) < 0) {
		return -errno;
	}
	r = pwrite_all(fd, h, sizeof(*h), 0);
	for (uint32_t i = 0; i < n && r == 0; i++) {
		r = pwrite_all(fd, &cols[i].f, sizeof(cols[i].f),
			       sizeof(*h) + i * sizeof(struct fcol));
	}
	if (r == 0) {
		r = pwrite_all(fd, strings->data, strings->len,
			       sizeof(*h) + n * sizeof(struct fcol));
	}
	return r;
}

static int write_cache(struct db *db, int64_t id, const struct target *t,
		       const char *tmp, char **ret_err)
{
	struct fhead h = { .endian = ENDIAN_MARK, .dataset_id = id,
			   .version = t->version };
	struct buf sql = BUF_INIT, strings = BUF_INIT;
	struct wcol *cols = NULL;
	sqlite3_stmt *st = NULL;
	uint32_t n = 0;
	int64_t rows, row = 0;
	uint64_t end;
	bool collate;
	size_t slot = 0;
	int fd = -1, rc, r;

	memcpy(h.magic, MAGIC, 8);
	buf_addstr(&sql, "SELECT count(*) FROM main.");
	ident_quote(&sql, t->data_table);
	rows = scalar_int(db, buf_str(&sql), NULL);
	/* a declared collation changes how text compares and groups */
	collate = scalar_int(db, "SELECT sql LIKE '%collate%' FROM "
			     "main.sqlite_schema WHERE name = ?1",
			     t->data_table) != 0;
	buf_reset(&sql);
	buf_addstr(&sql, "SELECT * FROM main.");
	ident_quote(&sql, t->data_table);
	rc = sqlite3_prepare_v2(db->sql, buf_str(&sql), -1, &st, NULL);
	if (rows < 0 || rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot read the rows: %s",
				     sqlite3_errmsg(db->sql));
		r = rows < 0 ? -EIO : db_errno(rc);
		goto out;
	}
	h.rows = (uint64_t)rows;
	n = (uint32_t)sqlite3_column_count(st);
	h.ncols = n;
	cols = xcalloc(n ? n : 1, sizeof(*cols));
	for (uint32_t i = 0; i < n; i++) {
		const char *decl = sqlite3_column_decltype(st, (int)i);

		cols[i].name = xstrdup(sqlite3_column_name(st, (int)i));
		cols[i].decl = xstrdup(decl ? decl : "");
		cols[i].f.kind = decl_kind(cols[i].decl, &cols[i].f.flags);
		cols[i].decided = cols[i].f.kind != COLCACHE_NONE;
		if (collate && cols[i].f.kind == COLCACHE_TEXT) {
			drop_col(&cols[i]);
		}
		cols[i].chunk = xmalloc(CHUNK_ROWS * 8);
		cols[i].nulls = xcalloc((size_t)(h.rows + 7) / 8 + 1, 1);
	}
	end = layout(&h, cols, n, t->data_table, &strings);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		*ret_err = xasprintf("cannot create '%s': %s", tmp,
				     strerror(errno));
		goto out;
	}
	r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row == rows) {
			rc = SQLITE_CORRUPT;    /* more rows than counted */
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			put_value(&cols[i], st, (int)i, row, slot);
		}
		row++;
		if (++slot == CHUNK_ROWS) {
			for (uint32_t i = 0; i < n && r == 0; i++) {
				r = flush_chunk(fd, &cols[i], row - CHUNK_ROWS,
						slot);
			}
			slot = 0;
			if (r < 0) {
				break;
			}
		}
	}
	for (uint32_t i = 0; i < n && r == 0; i++) {
		r = flush_chunk(fd, &cols[i], row - (int64_t)slot, slot);
	}
	if (r == 0 && (rc != SQLITE_DONE || row != rows)) {
		*ret_err = xasprintf("cannot read the rows: %s",
				     sqlite3_errmsg(db->sql));
		r = -EIO;
		goto out;
	}
	if (r == 0) {
		r = finish_file(fd, &h, cols, n, end, &strings);
	}
	if (r < 0 && !*ret_err) {
		*ret_err = xasprintf("cannot write '%s': %s", tmp,
				     strerror(-r));
	}
out:
	sqlite3_finalize(st);
	if (fd >= 0 && close(fd) < 0 && r == 0) {
		r = -errno;
		*ret_err = xasprintf("cannot write '%s': %s", tmp,
				     strerror(errno));
	}
	for (uint32_t i = 0; i < n; i++) {
		free(cols[i].name);
		free(cols[i].decl);
		free(cols[i].chunk);
		free(cols[i].nulls);
		dict_free(&cols[i].dict);
	}
	free(cols);
	buf_release(&sql);
	buf_release(&strings);
	return r;
}

int colcache_build(struct db *db, int64_t id, char **ret_err)
{
	struct target t = { 0 };
	char *path = colcache_path(db->path, id);
	char *dir = xasprintf("%s.cols", db->path);
	char *tmp = NULL;
	int r;

	*ret_err = NULL;
	/* an old file must not outlive a failed rebuild (ids are reused) */
	if (unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		*ret_err = xasprintf("cannot remove '%s': %s", path,
				     strerror(errno));
		goto out;
	}
	r = read_target(db, id, &t);
	if (r < 0) {
		*ret_err = xasprintf("cannot read dataset %lld: %s",
				     (long long)id, sqlite3_errmsg(db->sql));
		goto out;
	}
	if (!t.in_catalog) {
		goto out;       /* rows read from the registered file */
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		*ret_err = xasprintf("cannot create '%s': %s", dir,
				     strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	unlink(tmp);
	r = write_cache(db, id, &t, tmp, ret_err);
	if (r == 0 && rename(tmp, path) < 0) {
		r = -errno;
		*ret_err = xasprintf("cannot rename '%s': %s", tmp,
				     strerror(errno));
	}
	if (r < 0) {
		unlink(tmp);
	}
out:
	free(t.data_table);
	free(path);
	free(dir);
	free(tmp);
	return r;
}

/* ---- writing while an import inserts ---------------------------------- */

struct colcache_stream {
	struct fhead h;
	struct wcol *cols;
	uint32_t n;
	struct buf strings;
	uint64_t end;
	char *table;
	char *path;
	char *tmp;
	int fd;
	int64_t row;
	size_t slot;
	int err;                /* a failed write, as a negative errno */
	bool off;               /* a value came that the table would not
				 * hold as given: colcache_build() instead */
};

void colcache_stream_destroy(struct colcache_stream *s)
{
	if (!s) {
		return;
	}
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->tmp);
	}
	for (uint32_t i = 0; i < s->n; i++) {
		free(s->cols[i].name);
		free(s->cols[i].decl);
		free(s->cols[i].chunk);
		free(s->cols[i].nulls);
		dict_free(&s->cols[i].dict);
	}
	free(s->cols);
	buf_release(&s->strings);
	free(s->table);
	free(s->path);
	free(s->tmp);
	free(s);
}

int colcache_stream_create(struct db *db, int64_t id, const char *table,
			   int64_t rows, size_t n, const char *const *names,
			   const char *const *decls,
			   struct colcache_stream **ret)
{
	struct colcache_stream *s = xcalloc(1, sizeof(*s));
	char *dir = xasprintf("%s.cols", db->path);

	s->fd = -1;
	memcpy(s->h.magic, MAGIC, 8);
	s->h.endian = ENDIAN_MARK;
	s->h.dataset_id = id;
	s->h.rows = (uint64_t)rows;
	s->h.ncols = (uint32_t)n;
	s->n = (uint32_t)n;
	s->table = xstrdup(table);
	s->cols = xcalloc(n ? n : 1, sizeof(*s->cols));
	for (uint32_t i = 0; i < s->n; i++) {
		struct wcol *c = &s->cols[i];

		c->name = xstrdup(names[i]);
		c->decl = xstrdup(decls[i]);
		c->f.kind = decl_kind(c->decl, &c->f.flags);
		c->decided = true;
		c->chunk = xmalloc(CHUNK_ROWS * 8);
		c->nulls = xcalloc((size_t)(rows + 7) / 8 + 1, 1);
	}
	s->end = layout(&s->h, s->cols, s->n, s->table, &s->strings);
	s->path = colcache_path(db->path, id);
	s->tmp = xasprintf("%s.%ld.tmp", s->path, (long)getpid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		goto fail;
	}
	unlink(s->tmp);
	s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		goto fail;
	}
	free(dir);
	*ret = s;
	return 0;
fail:
	{
		int e = -errno;

		free(dir);
		colcache_stream_destroy(s);
		return e;
	}
}

/* the column's next slot, or NULL when it is not cached */
static struct wcol *stream_col(struct colcache_stream *s, size_t col)
{
	struct wcol *c = &s->cols[col];

	return s->off || c->f.kind == COLCACHE_NONE ? NULL : c;
}

void colcache_stream_null(struct colcache_stream *s, size_t col)
{
	struct wcol *c = stream_col(s, col);

	if (c && (uint64_t)s->row < s->h.rows) {
		c->nulls[s->row >> 3] |= (uint8_t)(1u << (s->row & 7));
		c->any_null = true;
		memset(c->chunk + s->slot * elem_size(c->f.kind), 0,
		       elem_size(c->f.kind));
	}
}

void colcache_stream_int(struct colcache_stream *s, size_t col, int64_t v)
{
	struct wcol *c = stream_col(s, col);

	if (!c) {
		return;
	}
	if (c->f.kind == COLCACHE_INT64) {
		memcpy(c->chunk + s->slot * 8, &v, 8);
	} else if (c->f.kind == COLCACHE_DOUBLE) {
		/* REAL affinity stores it as a real, as SQLite reads it back */
		double d = (double)v;

		memcpy(c->chunk + s->slot * 8, &d, 8);
	} else {
		s->off = true;  /* TEXT affinity would make it text */
	}
}

void colcache_stream_double(struct colcache_stream *s, size_t col, double v)
{
	struct wcol *c = stream_col(s, col);

	if (!c) {
		return;
	}
	if (c->f.kind == COLCACHE_DOUBLE) {
		/* SQLite stores a whole real as an integer: -0.0 reads as 0 */
		if (v == 0) {
			v = 0;
		}
		memcpy(c->chunk + s->slot * 8, &v, 8);
	} else {
		s->off = true;  /* affinity may change it: read it back */
	}
}

void colcache_stream_text(struct colcache_stream *s, size_t col,
			  const char *v, size_t len)
{
	struct wcol *c = stream_col(s, col);
	uint32_t code;

	if (!c) {
		return;
	}
	if (c->f.kind != COLCACHE_TEXT) {
		s->off = true;  /* numeric affinity may convert it */
		return;
	}
	code = dict_code(&c->dict, v, len);
	if (code == UINT32_MAX) {
		drop_col(c);
		return;
	}
	memcpy(c->chunk + s->slot * 4, &code, 4);
}

void colcache_stream_row(struct colcache_stream *s)
{
	if (s->off) {
		return;
	}
	if ((uint64_t)s->row >= s->h.rows) {
		s->off = true;  /* more rows than declared */
		return;
	}
	s->row++;
	if (++s->slot == CHUNK_ROWS) {
		for (uint32_t i = 0; i < s->n && s->err == 0; i++) {
			s->err = flush_chunk(s->fd, &s->cols[i],
					     s->row - CHUNK_ROWS, s->slot);
		}
		s->slot = 0;
	}
}

int colcache_stream_finish(struct db *db, struct colcache_stream *s,
			   char **ret_err)
{
	struct target t = { 0 };
	int r = s->err;

	*ret_err = NULL;
	if (s->off || (uint64_t)s->row != s->h.rows) {
		r = -EAGAIN;
		goto out;
	}
	for (uint32_t i = 0; i < s->n && r == 0; i++) {
		r = flush_chunk(s->fd, &s->cols[i], s->row - (int64_t)s->slot,
				s->slot);
	}
	if (r == 0) {
		r = read_target(db, s->h.dataset_id, &t);
	}
	if (r == 0 && (!t.in_catalog || !t.data_table ||
		       strcmp(t.data_table, s->table) != 0)) {
		r = -EAGAIN;
	}
	if (r == 0) {
		s->h.version = t.version;
		r = finish_file(s->fd, &s->h, s->cols, s->n, s->end,
				&s->strings);
	}
	if (r == 0 && close(s->fd) < 0) {
		r = -errno;
	}
	if (r == 0) {
		s->fd = -1;
		if (rename(s->tmp, s->path) < 0) {
			r = -errno;
			unlink(s->tmp);
		}
	}
	if (r < 0 && r != -EAGAIN) {
		*ret_err = xasprintf("cannot write '%s': %s", s->tmp,
				     strerror(-r));
	}
out:
	free(t.data_table);
	colcache_stream_destroy(s);
	return r;
}

/* ---- reading ---------------------------------------------------------- */

struct rcol {
	struct fcol f;
	char *name;
	char *decl;
	void *values;           /* mapped, or NULL */
	void *nulls;
	void *dict;
};

struct colcache {
	int fd;
	struct fhead h;
	struct rcol *cols;
};

static bool in_file(const struct fhead *h, uint64_t off, uint64_t len)
{
	return off <= h->file_size && len <= h->file_size - off;
}

static char *read_string(int fd, const struct fhead *h, uint64_t off,
			 uint64_t len)
{
	char *s;

	if (off < sizeof(*h) || !in_file(h, off, len) ||
	    off + len > h->header_len || len > 65536) {
		return NULL;
	}
	s = xmalloc((size_t)len + 1);
	if (pread(fd, s, (size_t)len, (off_t)off) != (ssize_t)len) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

static bool col_ok(const struct fhead *h, const struct fcol *f)
{
	uint64_t es = f->kind == COLCACHE_TEXT ? 4 : 8;

	if (f->kind == COLCACHE_NONE) {
		return true;
	}
	if (f->kind > COLCACHE_TEXT || f->values_off % SECTION_ALIGN ||
	    f->values_len != h->rows * es ||
	    !in_file(h, f->values_off, f->values_len)) {
		return false;
	}
	if (f->nulls_len && (f->nulls_off % SECTION_ALIGN ||
			     f->nulls_len != (h->rows + 7) / 8 ||
			     !in_file(h, f->nulls_off, f->nulls_len))) {
		return false;
	}
	if (f->kind == COLCACHE_TEXT &&
	    (f->dict_off % SECTION_ALIGN || f->dict_count > DICT_MAX ||
	     f->dict_len < (f->dict_count + 1) * 8 ||
	     !in_file(h, f->dict_off, f->dict_len))) {
		return false;
	}
	return true;
}

int colcache_open(const char *catalog_path, const struct dataset_info *ds,
		  struct colcache **ret)
{
	char *path = colcache_path(catalog_path, ds->id);
	struct colcache *c = xcalloc(1, sizeof(*c));
	struct stat sb;
	char *table = NULL;
	int r = -EINVAL;

	*ret = NULL;
	c->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (c->fd < 0) {
		r = errno == ENOENT ? -ENOENT : -errno;
		free(c);
		return r;
	}
	if (fstat(c->fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    pread(c->fd, &c->h, sizeof(c->h), 0) != (ssize_t)sizeof(c->h) ||
	    memcmp(c->h.magic, MAGIC, 8) != 0 || c->h.endian != ENDIAN_MARK ||
	    c->h.file_size != (uint64_t)sb.st_size || c->h.ncols > 32767 ||
	    c->h.header_len > c->h.file_size) {
		goto fail;
	}
	if (c->h.dataset_id != ds->id || c->h.version != ds->version ||
	    (ds->row_count >= 0 && c->h.rows != (uint64_t)ds->row_count) ||
	    !ds->data_table) {
		r = -ENOENT;    /* stale: the dataset changed since */
		goto fail;
	}
	table = read_string(c->fd, &c->h, c->h.table_off, c->h.table_len);
	if (!table || strcmp(table, ds->data_table) != 0) {
		r = -ENOENT;
		goto fail;
	}
	c->cols = xcalloc(c->h.ncols ? c->h.ncols : 1, sizeof(*c->cols));
	for (uint32_t i = 0; i < c->h.ncols; i++) {
		struct rcol *rc = &c->cols[i];

		if (pread(c->fd, &rc->f, sizeof(rc->f), (off_t)(sizeof(c->h) +
			  i * sizeof(struct fcol))) != (ssize_t)sizeof(rc->f) ||
		    !col_ok(&c->h, &rc->f)) {
			goto fail;
		}
		rc->name = read_string(c->fd, &c->h, rc->f.name_off,
				       rc->f.name_len);
		rc->decl = read_string(c->fd, &c->h, rc->f.decl_off,
				       rc->f.decl_len);
		if (!rc->name || !rc->decl) {
			goto fail;
		}
	}
	free(table);
	*ret = c;
	return 0;
fail:
	free(table);
	colcache_close(c);
	return r;
}

static void unmap(void **p, uint64_t len)
{
	if (*p) {
		munmap(*p, (size_t)len);
		*p = NULL;
	}
}

void colcache_unmap_values(struct colcache *c, int col)
{
	struct rcol *rc = &c->cols[col];

	unmap(&rc->values, rc->f.values_len);
	unmap(&rc->nulls, rc->f.nulls_len);
}

int colcache_ncols(const struct colcache *c)
{
	return (int)c->h.ncols;
}

void colcache_unmap(struct colcache *c, int col)
{
	struct rcol *rc = &c->cols[col];

	unmap(&rc->values, rc->f.values_len);
	unmap(&rc->nulls, rc->f.nulls_len);
	unmap(&rc->dict, rc->f.dict_len);
}

void colcache_close(struct colcache *c)
{
	if (!c) {
		return;
	}
	for (uint32_t i = 0; c->cols && i < c->h.ncols; i++) {
		colcache_unmap(c, (int)i);
		free(c->cols[i].name);
		free(c->cols[i].decl);
	}
	free(c->cols);
	if (c->fd >= 0) {
		close(c->fd);
	}
	free(c);
}

int64_t colcache_rows(const struct colcache *c)
{
	return (int64_t)c->h.rows;
}

int colcache_find(const struct colcache *c, const char *name)
{
	for (uint32_t i = 0; i < c->h.ncols; i++) {
		if (strcmp(c->cols[i].name, name) == 0) {
			return (int)i;
		}
	}
	for (uint32_t i = 0; i < c->h.ncols; i++) {
		if (strcasecmp(c->cols[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

enum colcache_kind colcache_kind(const struct colcache *c, int col)
{
	return (enum colcache_kind)c->cols[col].f.kind;
}

unsigned colcache_flags(const struct colcache *c, int col)
{
	return c->cols[col].f.flags;
}

const char *colcache_decltype(const struct colcache *c, int col)
{
	return c->cols[col].decl;
}

static int map_section(int fd, uint64_t off, uint64_t len, void **ret)
{
	void *p;

	if (*ret || len == 0) {
		return 0;
	}
	p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
	if (p == MAP_FAILED) {
		return -errno;
	}
	/* the kernels read every row once, front to back */
	madvise(p, (size_t)len, MADV_SEQUENTIAL);
	*ret = p;
	return 0;
}

int colcache_map(struct colcache *c, int col, const void **ret_values,
		 const uint8_t **ret_nulls)
{
	struct rcol *rc = &c->cols[col];
	int r;

	if (rc->f.kind == COLCACHE_NONE) {
		return -EINVAL;
	}
	r = map_section(c->fd, rc->f.values_off, rc->f.values_len,
			&rc->values);
	if (r == 0) {
		r = map_section(c->fd, rc->f.nulls_off, rc->f.nulls_len,
				&rc->nulls);
	}
	if (r == 0 && rc->f.kind == COLCACHE_TEXT) {
		r = map_section(c->fd, rc->f.dict_off, rc->f.dict_len,
				&rc->dict);
		if (r == 0 && rc->dict) {
			const uint64_t *offs = rc->dict;
			uint64_t bytes = rc->f.dict_len -
					 (rc->f.dict_count + 1) * 8;

			/* every string must lie inside the section */
			for (uint64_t k = 0; k < rc->f.dict_count; k++) {
				if (offs[k] > offs[k + 1]) {
					r = -EINVAL;
				}
			}
			if (offs[0] != 0 || offs[rc->f.dict_count] > bytes) {
				r = -EINVAL;
			}
		}
	}
	if (r < 0) {
		colcache_unmap(c, col);
		return r;
	}
	*ret_values = rc->values ? rc->values : (const void *)"";
	*ret_nulls = rc->nulls;
	return 0;
}

uint32_t colcache_dict_count(struct colcache *c, int col)
{
	return (uint32_t)c->cols[col].f.dict_count;
}

const char *colcache_dict_str(struct colcache *c, int col, uint32_t code,
			      size_t *ret_len)
{
	const struct rcol *rc = &c->cols[col];
	const uint64_t *offs = rc->dict;
	const char *bytes = (const char *)(offs + rc->f.dict_count + 1);

	*ret_len = (size_t)(offs[code + 1] - offs[code]);
	return bytes + offs[code];
}
