/*
 * logprune: retention of query_logs, run by the log writer thread.
 *
 * Several mcpd processes and mcpctl share the catalog, so deleting must
 * never hold the write lock for long: rows go in batches, each its own
 * short transaction, and the batch size adapts to keep every transaction
 * well under BATCH_BUDGET_MS.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mcp/log.h"
#include "querylog.h"
#include "mcp/banned.h"

#define BATCH_BUDGET_MS 50
#define BATCH_MIN 16
#define BATCH_MAX 4096
/* pruning for size goes down to this share of log_max_mb, in percent */
#define SIZE_LOW_WATER 90

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t logprune_weight(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int64_t w = -1;

	if (sqlite3_prepare_v2(db->sql, "SELECT coalesce(sum(row_bytes), 0) "
			       "FROM query_logs", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		w = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return w;
}

/*
 * One batch: delete up to `n` rows chosen by `sql` (which has ?1 for the
 * limit, and ?2 for `arg` or else for `excess`), in its own transaction.
 * Returns the rows deleted and adds their weight to *freed, or -1.
 */
static int64_t delete_batch(struct db *db, const char *sql, int64_t n,
			    const char *arg, int64_t excess, int64_t *freed)
{
	sqlite3_stmt *st = NULL;
	int64_t rows = 0;
	int rc;

	if (sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		return -1;
	}
	rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, n);
		if (arg) {
			sqlite3_bind_text(st, 2, arg, -1, SQLITE_STATIC);
		} else {
			sqlite3_bind_int64(st, 2, excess);
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			rows++;
			*freed += sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE ||
	    sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_warn("query log retention: %s", sqlite3_errmsg(db->sql));
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return rows;
}

/*
 * Delete batches until `sql` finds nothing more or, when `target` >= 0,
 * until *weight falls to target.  Returns the rows deleted.
 */
static int64_t delete_loop(struct db *db, const char *sql, const char *arg,
			   int64_t *weight, int64_t target)
{
	int64_t n = 256, total = 0, batches = 0, longest = 0, over = 0;

	/*
	 * An automatic checkpoint would run inside the COMMIT of a batch;
	 * a passive one between batches copies the same pages without the
	 * write lock.
	 */
	sqlite3_wal_autocheckpoint(db->sql, 0);
	for (;;) {
		int64_t t0 = mono_ms(), freed = 0, got, took;

		if (target >= 0 && *weight <= target) {
			break;
		}
		got = delete_batch(db, sql, n, arg,
				   target >= 0 ? *weight - target : 0, &freed);
		if (got <= 0) {
			break;
		}
		total += got;
		*weight -= freed;
		took = mono_ms() - t0;
		batches++;
		longest = took > longest ? took : longest;
		over += took > BATCH_BUDGET_MS;
		/* aim at a fifth of the budget: disks have slow moments */
		if (took > BATCH_BUDGET_MS / 5 && n > BATCH_MIN) {
			n /= 2;
		} else if (took < BATCH_BUDGET_MS / 20 && n < BATCH_MAX) {
			n *= 2;
		}
		sqlite3_wal_checkpoint_v2(db->sql, NULL,
					  SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		/* let other writers (mcpd's own rows, mcpctl) in between */
		usleep(2000);
	}
	sqlite3_wal_autocheckpoint(db->sql, 1000);
	if (batches > 0) {
		log_debug("query log retention: %lld rows in %lld batches, "
			  "%lld over %d ms, the longest %lld ms",
			  (long long)total, (long long)batches,
			  (long long)over, BATCH_BUDGET_MS,
			  (long long)longest);
	}
	return total;
}

int64_t logprune_run(struct db *db)
{
	int64_t days = db_config_get_int(db, "log_retention_days", 90);
	int64_t max_mb = db_config_get_int(db, "log_max_mb", 256);
	int64_t weight = 0, total = 0;
	char cutoff[32];

	if (days > 0) {
		int64_t now = logrow_now_ms();

		logrow_format_ts(now - days * 86400000, cutoff,
				 sizeof(cutoff));
		total += delete_loop(db,
				     "DELETE FROM query_logs WHERE id IN "
				     "(SELECT id FROM query_logs WHERE ts < ?2 "
				     "ORDER BY ts LIMIT ?1) RETURNING row_bytes",
				     cutoff, &weight, -1);
	}
	if (max_mb > 0) {
		int64_t cap = max_mb << 20;

		weight = logprune_weight(db);
		if (weight > cap) {
			/* the oldest rows, just enough of them (?2 bytes) */
			total += delete_loop(db,
				"DELETE FROM query_logs WHERE id IN "
				"(SELECT id FROM (SELECT id, sum(row_bytes) "
				"OVER (ORDER BY id) - row_bytes AS before "
				"FROM (SELECT id, row_bytes FROM query_logs "
				"ORDER BY id LIMIT ?1)) WHERE before < ?2) "
				"RETURNING row_bytes",
				NULL, &weight, cap / 100 * SIZE_LOW_WATER);
		}
	}
	if (total > 0) {
		log_info("query log retention: %lld rows deleted",
			 (long long)total);
	}
	return total;
}
