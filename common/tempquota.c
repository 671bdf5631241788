/*
 * tempquota: a VFS that caps the temporary files of a query (tempquota.h).
 * It forwards everything to the default VFS and counts the bytes written
 * to temporary files.
 */
#include <pthread.h>
#include <string.h>

#include <sqlite3.h>

#include "mcp/tempquota.h"

/* the files SQLite opens for sorts, temp tables and statement journals */
#define TEMP_FLAGS (SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TEMP_JOURNAL | \
		    SQLITE_OPEN_TRANSIENT_DB | SQLITE_OPEN_SUBJOURNAL)

struct quota_file {
	sqlite3_file base;
	struct temp_quota *quota;
	int64_t size;
	sqlite3_file *real;     /* right after this struct */
};

static _Thread_local struct temp_quota *current_quota;
static sqlite3_vfs quota_vfs;
static sqlite3_io_methods quota_io;
static pthread_once_t quota_once = PTHREAD_ONCE_INIT;

#define REAL(f) (((struct quota_file *)(f))->real)

static int q_close(sqlite3_file *f)
{
	struct quota_file *q = (struct quota_file *)f;
	int rc = q->real->pMethods ? q->real->pMethods->xClose(q->real)
				   : SQLITE_OK;

	if (q->quota) {
		q->quota->used -= q->size;
	}
	return rc;
}

static int q_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}

static int q_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	struct quota_file *q = (struct quota_file *)f;
	int64_t end = off + n;

	if (q->quota && end > q->size) {
		if (q->quota->used + (end - q->size) > q->quota->limit) {
			return SQLITE_FULL;
		}
		q->quota->used += end - q->size;
		q->size = end;
	}
	return q->real->pMethods->xWrite(q->real, b, n, off);
}

static int q_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct quota_file *q = (struct quota_file *)f;

	if (q->quota && size < q->size) {
		q->quota->used -= q->size - size;
		q->size = size;
	}
	return q->real->pMethods->xTruncate(q->real, size);
}

static int q_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int q_file_size(sqlite3_file *f, sqlite3_int64 *ret)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), ret);
}

static int q_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int q_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int q_check_lock(sqlite3_file *f, int *ret)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), ret);
}

static int q_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int q_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int q_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int q_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
		  int flags, int *ret_flags)
{
	sqlite3_vfs *real_vfs = vfs->pAppData;
	struct quota_file *q = (struct quota_file *)f;
	int rc;

	/* only temporary files are wrapped; the catalog opens as usual */
	if (!(flags & TEMP_FLAGS)) {
		return real_vfs->xOpen(real_vfs, name, f, flags, ret_flags);
	}
	memset(q, 0, sizeof(*q));
	q->real = (sqlite3_file *)(q + 1);
	rc = real_vfs->xOpen(real_vfs, name, q->real, flags, ret_flags);
	if (rc != SQLITE_OK) {
		return rc;
	}
	q->quota = current_quota;
	q->base.pMethods = &quota_io;
	return SQLITE_OK;
}

#define FORWARD(name, args, call)                                       \
	static int q_vfs_##name args                                    \
	{                                                               \
		sqlite3_vfs *r = vfs->pAppData;                         \
		return r->call;                                         \
	}

FORWARD(delete, (sqlite3_vfs *vfs, const char *n, int sync),
	xDelete(r, n, sync))
FORWARD(access, (sqlite3_vfs *vfs, const char *n, int fl, int *ret),
	xAccess(r, n, fl, ret))
FORWARD(full_path, (sqlite3_vfs *vfs, const char *n, int len, char *out),
	xFullPathname(r, n, len, out))
FORWARD(randomness, (sqlite3_vfs *vfs, int n, char *out),
	xRandomness(r, n, out))
FORWARD(sleep, (sqlite3_vfs *vfs, int us), xSleep(r, us))
FORWARD(current_time64, (sqlite3_vfs *vfs, sqlite3_int64 *ret),
	xCurrentTimeInt64(r, ret))
FORWARD(last_error, (sqlite3_vfs *vfs, int n, char *out),
	xGetLastError(r, n, out))

static void quota_vfs_register(void)
{
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);

	if (!real || real->iVersion < 2 || !real->xCurrentTimeInt64) {
		return;
	}
	quota_io.iVersion = 1;
	quota_io.xClose = q_close;
	quota_io.xRead = q_read;
	quota_io.xWrite = q_write;
	quota_io.xTruncate = q_truncate;
	quota_io.xSync = q_sync;
	quota_io.xFileSize = q_file_size;
	quota_io.xLock = q_lock;
	quota_io.xUnlock = q_unlock;
	quota_io.xCheckReservedLock = q_check_lock;
	quota_io.xFileControl = q_file_control;
	quota_io.xSectorSize = q_sector_size;
	quota_io.xDeviceCharacteristics = q_device;

	quota_vfs.iVersion = 2;
	quota_vfs.szOsFile = (int)sizeof(struct quota_file) + real->szOsFile;
	quota_vfs.mxPathname = real->mxPathname;
	quota_vfs.zName = "mcpd-temp-quota";
	quota_vfs.pAppData = real;
	quota_vfs.xOpen = q_open;
	quota_vfs.xDelete = q_vfs_delete;
	quota_vfs.xAccess = q_vfs_access;
	quota_vfs.xFullPathname = q_vfs_full_path;
	quota_vfs.xRandomness = q_vfs_randomness;
	quota_vfs.xSleep = q_vfs_sleep;
	quota_vfs.xCurrentTimeInt64 = q_vfs_current_time64;
	quota_vfs.xGetLastError = q_vfs_last_error;
	sqlite3_vfs_register(&quota_vfs, 0);
}

const char *temp_quota_vfs(void)
{
	pthread_once(&quota_once, quota_vfs_register);
	return quota_vfs.xOpen ? quota_vfs.zName : NULL;
}

void temp_quota_enter(struct temp_quota *quota)
{
	current_quota = quota;
}

void temp_quota_leave(void)
{
	current_quota = NULL;
}

int64_t temp_quota_scaled(int64_t data_bytes, int64_t floor_bytes)
{
	if (data_bytes > INT64_MAX / TEMP_QUOTA_RATIO) {
		return INT64_MAX;
	}
	return data_bytes * TEMP_QUOTA_RATIO > floor_bytes
		? data_bytes * TEMP_QUOTA_RATIO : floor_bytes;
}
