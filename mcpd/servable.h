/*
 * servable: which enabled datasets mcpd can serve right now.
 *
 * A dataset served from its own SQLite file (--sqlite, a table) can stop
 * being servable after registration: the file is moved, overwritten,
 * truncated or changed past mcpd's limits.  Listing it anyway would send
 * the model after a table whose every query fails with "no such table".
 *
 * The hot-reload thread calls servable_refresh() on every tick: it stat()s
 * each such file and, when the file's identity (device, inode, size,
 * mtime) changed since the last look, checks it again with the very
 * connection a query worker uses (qpool_source_servable()).  A dataset
 * that turns unservable is logged once as a warning with the reason, and
 * once again when it comes back.
 *
 * servable_register() adds the SQL function mcpd_servable(id) to one of
 * mcpd's own catalog connections (never a connection that runs client
 * SQL): 1 unless the dataset was found unservable, so every list reads
 * "WHERE enabled = 1 AND mcpd_servable(id)".  A dataset not yet checked
 * counts as servable.
 */
#ifndef MCPD_SERVABLE_H
#define MCPD_SERVABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mcp/db.h"

/* the condition every list of datasets uses, for table alias `d` or none */
#define SERVED_DATASET "enabled = 1 AND mcpd_servable(id)"
#define SERVED_DATASET_D "d.enabled = 1 AND mcpd_servable(d.id)"

int servable_register(struct db *db);

/*
 * Look at every enabled file-backed dataset of `catalog` again; true when
 * a dataset became servable or unservable since the last call.
 */
bool servable_refresh(struct db *catalog);

/* why dataset `name` is not served, or NULL when it is (caller frees) */
char *servable_why_not(const char *name);

/* forget everything (at exit) */
void servable_reset(void);

#endif
