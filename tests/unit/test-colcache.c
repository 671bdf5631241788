/*
 * Unit tests of the column cache (common/colcache.c) and of the scaled
 * temporary-storage cap (common/tempquota.c): a CSV imported through
 * import_csv() gets a cache whose arrays, null bitmaps and dictionaries
 * hold exactly the table's values, read back through a read-only catalog
 * as mcpd's workers read it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/colcache.h"
#include "mcp/dataset.h"
#include "mcp/db.h"
#include "mcp/import.h"
#include "mcp/tempquota.h"
#include "mcp/xalloc.h"
#include "tap.h"

static void check_values(struct colcache *c)
{
	const void *v;
	const uint8_t *nulls;
	int col;

	col = colcache_find(c, "N");    /* ASCII case ignored */
	ok(col >= 0 && colcache_kind(c, col) == COLCACHE_INT64,
	   "an INTEGER column is int64");
	if (col >= 0 && colcache_map(c, col, &v, &nulls) == 0) {
		const int64_t *x = v;

		ok(x[0] == 3 && x[1] == -7 && x[3] == 9223372036854775807LL,
		   "its values");
		ok(colcache_is_null(nulls, 2) && !colcache_is_null(nulls, 0),
		   "its NULL in the bitmap");
	}
	col = colcache_find(c, "r");
	ok(col >= 0 && colcache_kind(c, col) == COLCACHE_DOUBLE,
	   "a REAL column is double");
	if (col >= 0 && colcache_map(c, col, &v, &nulls) == 0) {
		const double *x = v;

		ok(x[0] == 0.5 && x[1] == 2 && x[2] == -1e-3 && x[3] == 7,
		   "its values");
		ok(nulls == NULL, "no bitmap without a NULL");
	}
	col = colcache_find(c, "t");
	ok(col >= 0 && colcache_kind(c, col) == COLCACHE_TEXT &&
	   (colcache_flags(c, col) & COLCACHE_TEXT_AFFINITY),
	   "a TEXT column is coded");
	if (col >= 0 && colcache_map(c, col, &v, &nulls) == 0) {
		const uint32_t *code = v;
		size_t len;
		const char *s;

		ok(colcache_dict_count(c, col) == 2, "two distinct strings");
		ok(code[0] == code[2] && code[0] != code[1],
		   "equal strings share a code");
		s = colcache_dict_str(c, col, code[1], &len);
		ok(len == 5 && memcmp(s, "it's", 4) == 0 && s[4] == ',',
		   "strings kept byte for byte");
		ok(colcache_is_null(nulls, 3), "empty text is NULL");
	}
	ok(strcmp(colcache_decltype(c, colcache_find(c, "t")), "TEXT") == 0,
	   "declared type kept");
	ok(colcache_find(c, "nosuch") < 0, "no such column");
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, got;
	char chunk[65536];

	if (!f) {
		*ret_len = 0;
		return NULL;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		data = xrealloc(data, len + got);
		memcpy(data + len, chunk, got);
		len += got;
	}
	fclose(f);
	*ret_len = len;
	return data;
}

/*
 * An import writes the cache while it inserts; colcache_build() reads the
 * table back.  Both must write the same bytes, for every kind of value
 * the import converts.
 */
static void check_streamed(const char *dir, const char *path)
{
	struct import_options opt = { .name = "typed" };
	struct import_report rep = { 0 };
	struct db *db = NULL;
	char *err = NULL;
	char *csv = xasprintf("%s/typed.csv", dir);
	char *file = colcache_path(path, 2);
	char *streamed, *built;
	size_t n1, n2;
	FILE *f = fopen(csv, "w");

	fputs("day,amount,flag,z,score,code,label\n"
	      "01/31/2000,\"$1,234.50\",yes,-0.0,NA,007,a\n"
	      "02/29/2004,$12,no,1.5,3,012,b\n"
	      "12/31/1999,\"-$1,000\",yes,0,N/A,,a\n"
	      ",$0.25,,-2.25,-,100,\n", f);
	fclose(f);
	opt.path = csv;
	if (db_open(path, 0, &db, &err) < 0 ||
	    import_csv(db, &opt, &rep, &err) < 0) {
		ok(0, "import: %s", err ? err : "");
		free(err);
		db_close(db);
		return;
	}
	import_report_finish(&rep);
	streamed = slurp(file, &n1);
	ok(streamed != NULL, "the import wrote the cache as it inserted");
	ok(colcache_build(db, 2, &err) == 0, "built from the table");
	built = slurp(file, &n2);
	ok(streamed && built && n1 == n2 && memcmp(streamed, built, n1) == 0,
	   "the same bytes either way (%zu, %zu)", n1, n2);
	free(streamed);
	free(built);
	free(err);
	db_close(db);
	free(file);
	free(csv);
}

int main(void)
{
	char dir[] = "/tmp/test-colcache-XXXXXX";
	struct import_options opt = { .name = "t" };
	struct import_report rep = { 0 };
	struct dataset_info *ds = NULL;
	struct colcache *c = NULL;
	struct db *db = NULL;
	char *err = NULL;
	char *path, *csv, *file;
	FILE *f;

	ok(temp_quota_scaled(0, TEMP_QUOTA_BYTES) == TEMP_QUOTA_BYTES,
	   "the cap has a floor");
	ok(temp_quota_scaled(0, (int64_t)1 << 30) == (int64_t)1 << 30,
	   "the floor is a setting");
	ok(temp_quota_scaled((int64_t)1 << 30, TEMP_QUOTA_BYTES) ==
	   (int64_t)2 << 30,
	   "and grows with the data");
	ok(temp_quota_scaled(INT64_MAX / 2 + 1, TEMP_QUOTA_BYTES) == INT64_MAX,
	   "without overflow");

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	path = xasprintf("%s/catalog.db", dir);
	csv = xasprintf("%s/t.csv", dir);
	f = fopen(csv, "w");
	fputs("n,r,t\n3,0.5,a\n-7,2,\"it's,\"\n,-1e-3,a\n"
	      "9223372036854775807,7,\n", f);
	fclose(f);
	opt.path = csv;
	if (db_open(path, DB_CREATE, &db, &err) < 0 ||
	    import_csv(db, &opt, &rep, &err) < 0) {
		ok(0, "import: %s", err ? err : "");
		return tap_done();
	}
	import_report_finish(&rep);
	db_close(db);
	file = colcache_path(path, 1);
	ok(access(file, R_OK) == 0, "the import wrote the cache");

	if (db_open(path, DB_READONLY, &db, &err) < 0 ||
	    dataset_lookup(db, "t", &ds) < 0) {
		ok(0, "open read-only");
		return tap_done();
	}
	ok(colcache_open(db->path, ds, &c) == 0, "the cache opens");
	if (c) {
		ok(colcache_rows(c) == 4, "four rows");
		check_values(c);
		colcache_close(c);
	}
	dataset_info_destroy(ds);
	ds = NULL;
	db_close(db);
	check_streamed(dir, path);
	if (db_open(path, DB_READONLY, &db, &err) < 0 ||
	    dataset_lookup(db, "t", &ds) < 0) {
		ok(0, "open read-only");
		return tap_done();
	}
	ds->version++;
	ok(colcache_open(db->path, ds, &c) == -ENOENT, "stale: ignored");
	ds->version--;
	f = fopen(file, "r+");
	fputs("garbage!", f);
	fclose(f);
	ok(colcache_open(db->path, ds, &c) < 0, "damaged: refused");
	dataset_info_destroy(ds);
	db_close(db);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0) {
			diag("could not remove %s", dir);
		}
		free(cmd);
	}
	free(file);
	free(path);
	free(csv);
	return tap_done();
}
