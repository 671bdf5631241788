/*
 * tempquota: a ceiling on the temporary files of client queries.
 *
 * Sorts, DISTINCT, UNION and recursive CTEs spill into temporary files,
 * and a query could write them at disk speed until its timeout.  A
 * connection opened with the VFS named by temp_quota_vfs() wraps its
 * temporary files: those opened while a thread is between
 * temp_quota_enter() and temp_quota_leave() count against that struct
 * temp_quota, and a write past its limit fails as a full disk, which ends
 * the query with an error.  The catalog and dataset files are not wrapped.
 */
#ifndef MCP_TEMPQUOTA_H
#define MCP_TEMPQUOTA_H

#include <stdint.h>

/* the cap at least (system_config query_temp_mb), and its ratio to the
 * size of the data served */
#define TEMP_QUOTA_BYTES ((int64_t)256 << 20)
#define TEMP_QUOTA_RATIO 2

/* the cap for `data_bytes` of data: TEMP_QUOTA_RATIO times, at least
 * `floor_bytes` */
int64_t temp_quota_scaled(int64_t data_bytes, int64_t floor_bytes);

struct temp_quota {
	int64_t used;
	int64_t limit;
};

/* the VFS name (registered once, thread-safe), or NULL if unavailable */
const char *temp_quota_vfs(void);
void temp_quota_enter(struct temp_quota *quota);
void temp_quota_leave(void);

#endif
