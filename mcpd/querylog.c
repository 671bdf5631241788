/*
 * querylog: the background writer of query_logs rows.
 *
 * Rows wait in a queue for the writer thread, so a reply never waits for
 * the catalog's write lock (mcpctl may hold it for a long import, another
 * mcpd may be writing its own rows).  The writer takes batches of rows,
 * each in one BEGIN IMMEDIATE transaction.  While the catalog is busy the
 * rows stay queued and are tried again; rows that cannot be written (the
 * catalog is read-only or full, locked for longer than HOLD_MS, the queue
 * is full, the process is exiting) are counted, never dropped silently:
 * the count, the time span and the reason go into one summary row (status
 * 'lost') as soon as writing works again, and to stderr.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mcp/clock.h"
#include "mcp/log.h"
#include "mcp/xalloc.h"
#include "context_cache.h"
#include "querylog.h"
#include "server.h"
#include "mcp/banned.h"

/* the queue's ceiling, in rows and in bytes of stored text */
#define QUEUE_MAX_ROWS 100000
#define QUEUE_MAX_BYTES (64 << 20)
/* rows per transaction */
#define BATCH_MAX 512
/*
 * A row waits this long for others to share its transaction.  A commit
 * (locks, a WAL append, a wakeup of this thread) cost more than the call
 * it logs; a client's burst of calls now shares one.
 */
#define GATHER_MS 10
/* a row waits this long for a locked catalog, then it is counted lost */
#define HOLD_MS 10000
/* one BEGIN IMMEDIATE waits this long for the lock before trying later */
#define ATTEMPT_MS 1000
/* between attempts on a busy catalog */
#define RETRY_MS 200
/* rows still queued at exit get this long to reach the catalog */
#define STOP_MS 2000
/* retention runs at most this often (and after the first write) */
#define PRUNE_EVERY_MS (3600 * 1000)
/* written by this process since the last retention run, to run it again */
#define PRUNE_AFTER_BYTES (16 << 20)
/* an error_text is kept up to this many bytes */
#define ERROR_TEXT_MAX 16384

/* one queued row: the entry plus its texts as they will be stored */
struct qrow {
	struct querylog_entry *e;
	struct logrow_text sql, args;
	int64_t weight;             /* row_bytes */
	int64_t queued;             /* weight and a cache entry: the queue's */
	int64_t due_us;             /* monotonic: written by then (GATHER_MS) */
	struct qrow *next;
};

/* rows that could not be written, waiting for their summary row */
struct loss {
	int64_t n;
	int64_t from_ms, to_ms;
	char reason[160];
};

static pthread_t log_thread;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cond = PTHREAD_COND_INITIALIZER;
static struct qrow *q_head, *q_tail;
static size_t q_rows;
static int64_t q_bytes;
static struct loss lost;            /* under log_lock */
static bool log_quit;
static bool log_running;
static atomic_llong stop_deadline_ms;   /* 0 until querylog_stop */
static char session_id[33];

/* the writer thread's own */
static struct db *log_db;
static sqlite3_stmt *log_insert;
static int64_t attempt_start_ms;
static bool loss_warned;

static void qrow_free(struct qrow *r)
{
	struct querylog_entry *e = r->e;

	free(e->client_name);
	free(e->client_version);
	free(e->request_id);
	free(e->tool);
	free(e->datasets);
	free(e->sql_text);
	free(e->arguments);
	free(e->error_text);
	context_cache_put_free(e->cache);
	free(e);
	logrow_text_finish(&r->sql);
	logrow_text_finish(&r->args);
	free(r);
}

static size_t opt_len(const char *s)
{
	return s ? strlen(s) : 0;
}

/* with log_lock held */
static void loss_add(int64_t n, int64_t from_ms, int64_t to_ms,
		     const char *reason)
{
	if (n <= 0) {
		return;
	}
	if (lost.n == 0 || from_ms < lost.from_ms) {
		lost.from_ms = from_ms;
	}
	if (lost.n == 0 || to_ms > lost.to_ms) {
		lost.to_ms = to_ms;
	}
	if (lost.n == 0 || !lost.reason[0]) {
		snprintf(lost.reason, sizeof(lost.reason), "%s", reason);
	}
	lost.n += n;
}

/* with log_lock held: count the rows of a list as lost and free them */
static void lose_rows(struct qrow *r, const char *reason)
{
	while (r) {
		struct qrow *next = r->next;

		loss_add(1, r->e->ts_ms, r->e->ts_ms, reason);
		qrow_free(r);
		r = next;
	}
}

static void loss_message(const struct loss *l, char *buf, size_t size)
{
	char from[32], to[32];

	logrow_format_ts(l->from_ms, from, sizeof(from));
	logrow_format_ts(l->to_ms, to, sizeof(to));
	snprintf(buf, size, "%lld rows not logged between %s and %s: %s",
		 (long long)l->n, from, to, l->reason);
}

/*
 * SQLite's busy handler for the writer: retry for ATTEMPT_MS, but never
 * past the exit deadline, so that stopping is bounded.
 */
static int busy_wait(void *arg, int count)
{
	int64_t now = logrow_now_ms();
	int64_t stop = atomic_load(&stop_deadline_ms);

	(void)arg;
	if (count == 0) {
		attempt_start_ms = now;
	}
	if (now - attempt_start_ms >= ATTEMPT_MS || (stop && now >= stop)) {
		return 0;
	}
	usleep(count < 10 ? 1000 : 5000);
	return 1;
}

static const char insert_sql[] =
	"INSERT INTO query_logs (ts, row_bytes, session_id, request_id, "
	"protocol, client_name, client_version, tool, datasets, status, "
	"rows_returned, bytes_returned, duration_us, cache_hit, sql_len, "
	"sql_hash, args_len, args_hash, lost_rows, lost_from, error_text, "
	"sql_text, arguments) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	"?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
	"?23)";

static int log_open(const char *catalog_path, char **ret_err)
{
	int r;

	r = db_open(catalog_path, 0, &log_db, ret_err);
	if (r < 0) {
		return r;
	}
	sqlite3_busy_handler(log_db->sql, busy_wait, NULL);
	if (sqlite3_prepare_v2(log_db->sql, insert_sql, -1, &log_insert,
			       NULL) != SQLITE_OK) {
		*ret_err = xasprintf("%s", sqlite3_errmsg(log_db->sql));
		db_close(log_db);
		log_db = NULL;
		return -EIO;
	}
	return 0;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s) {
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, i);
	}
}

static void bind_text(sqlite3_stmt *st, int i_text, int i_len,
		      const struct logrow_text *t)
{
	bind_opt(st, i_text, t->text);
	if (t->text) {
		sqlite3_bind_int64(st, i_len, t->len);
		sqlite3_bind_text(st, i_len + 1, t->hash, -1, SQLITE_STATIC);
	}
}

static int insert_row(const struct qrow *r)
{
	const struct querylog_entry *e = r->e;
	sqlite3_stmt *st = log_insert;
	char ts[32];
	int rc;

	logrow_format_ts(e->ts_ms, ts, sizeof(ts));
	sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, r->weight);
	sqlite3_bind_text(st, 3, session_id, -1, SQLITE_STATIC);
	bind_opt(st, 4, e->request_id);
	bind_opt(st, 5, e->protocol);
	bind_opt(st, 6, e->client_name);
	bind_opt(st, 7, e->client_version);
	bind_opt(st, 8, e->tool);
	bind_opt(st, 9, e->datasets);
	bind_opt(st, 10, e->status);
	sqlite3_bind_int64(st, 11, e->rows);
	sqlite3_bind_int64(st, 12, e->bytes);
	sqlite3_bind_int64(st, 13, e->duration_us);
	sqlite3_bind_int(st, 14, e->cache_hit ? 1 : 0);
	bind_text(st, 22, 15, &r->sql);
	bind_text(st, 23, 17, &r->args);
	bind_opt(st, 21, e->error_text);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE && e->cache) {
		/* an optimisation: the row counts, its cache entry may fail */
		context_cache_write(log_db, e->cache);
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int insert_summary(const struct loss *l)
{
	sqlite3_stmt *st = log_insert;
	char ts[32], from[32], msg[320];
	int rc;

	logrow_format_ts(l->to_ms, ts, sizeof(ts));
	logrow_format_ts(l->from_ms, from, sizeof(from));
	loss_message(l, msg, sizeof(msg));
	sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, 200 + (int64_t)strlen(msg));
	sqlite3_bind_text(st, 3, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, "mcpd", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, "lost", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, 0);
	sqlite3_bind_int64(st, 19, l->n);
	sqlite3_bind_text(st, 20, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 21, msg, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static bool is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/*
 * Write a batch (and the summary of earlier losses) in one transaction.
 * 0 when written, -EBUSY when the catalog stayed locked (try again), or
 * another negative errno with the reason in `reason`.
 */
static int write_batch(struct qrow *batch, char *reason, size_t size)
{
	struct loss l;
	int rc;

	rc = sqlite3_exec(log_db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(reason, size, "%s", sqlite3_errmsg(log_db->sql));
		return is_busy(rc) ? -EBUSY : -EIO;
	}
	pthread_mutex_lock(&log_lock);
	l = lost;
	memset(&lost, 0, sizeof(lost));
	pthread_mutex_unlock(&log_lock);
	rc = l.n > 0 ? insert_summary(&l) : SQLITE_OK;
	for (struct qrow *r = batch; r && rc == SQLITE_OK; r = r->next) {
		rc = insert_row(r);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(log_db->sql, "COMMIT", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(reason, size, "%s", sqlite3_errmsg(log_db->sql));
		sqlite3_exec(log_db->sql, "ROLLBACK", NULL, NULL, NULL);
		pthread_mutex_lock(&log_lock);
		if (l.n > 0) {
			loss_add(l.n, l.from_ms, l.to_ms, l.reason);
		}
		pthread_mutex_unlock(&log_lock);
		return is_busy(rc) ? -EBUSY : -EIO;
	}
	if (l.n > 0) {
		char msg[320];

		loss_message(&l, msg, sizeof(msg));
		log_warn("query log: %s (summary row written)", msg);
		loss_warned = false;
	}
	return 0;
}

/* with log_lock held: the first `max` rows of the queue */
static struct qrow *take_batch(size_t max)
{
	struct qrow *batch = q_head, *last = NULL;
	size_t n = 0;

	for (struct qrow *r = q_head; r && n < max; r = r->next) {
		last = r;
		q_bytes -= r->queued;
		n++;
	}
	if (!last) {
		return NULL;
	}
	q_head = last->next;
	if (!q_head) {
		q_tail = NULL;
	}
	last->next = NULL;
	q_rows -= n;
	return batch;
}

/* with log_lock held: put a batch back at the head */
static void untake_batch(struct qrow *batch)
{
	struct qrow *last = batch;
	size_t n = 1;

	q_bytes += last->queued;
	while (last->next) {
		last = last->next;
		q_bytes += last->queued;
		n++;
	}
	last->next = q_head;
	q_head = batch;
	if (!q_tail) {
		q_tail = last;
	}
	q_rows += n;
}

/* with log_lock held: count rows waiting longer than HOLD_MS as lost */
static void expire_rows(int64_t now, const char *reason)
{
	while (q_head && now - q_head->e->ts_ms > HOLD_MS) {
		struct qrow *r = take_batch(1);

		lose_rows(r, reason);
	}
}

/* once per episode, and again when the reason changes */
static void warn_loss_once(const char *reason)
{
	static char warned[160];

	if (!loss_warned || strcmp(warned, reason) != 0) {
		log_warn("cannot write the query log: %s; counting the rows "
			 "not logged", reason);
		snprintf(warned, sizeof(warned), "%s", reason);
		loss_warned = true;
	}
}

/* with log_lock held: wait `ms` or until a push or stop wakes us */
static void nap(int64_t ms)
{
	struct timespec until;

	clock_after_ms(CLOCK_REALTIME, ms, &until);
	pthread_cond_timedwait(&log_cond, &log_lock, &until);
}

static void free_rows(struct qrow *r)
{
	while (r) {
		struct qrow *next = r->next;

		qrow_free(r);
		r = next;
	}
}

/* with log_lock held: one attempt at the head of the queue */
static void write_some(const char *catalog_path, char *reason, size_t size)
{
	static int64_t next_open_ms, next_prune_ms, written;
	static bool pruned_once, read_only, said_off;
	struct qrow *batch;
	int r;

	pthread_mutex_unlock(&log_lock);
	if (!log_db && logrow_now_ms() >= next_open_ms) {
		char *err = NULL;

		r = log_open(catalog_path, &err);
		if (r < 0) {
			snprintf(reason, size, "%s", err);
			free(err);
			next_open_ms = logrow_now_ms() + 2000;
			/* a catalog this user cannot write stays so: rows are
			 * counted as lost at once, not held */
			read_only = r == -EROFS;
			if (read_only && !said_off) {
				log_warn("query logging is off: %s (calls are "
					 "still served and counted)", reason);
				said_off = true;
			}
		}
	}
	pthread_mutex_lock(&log_lock);
	if (!log_db && read_only) {
		expire_rows(INT64_MAX / 2, reason);
		if (lost.n > 0) {
			warn_loss_once(lost.reason);
		}
	}
	batch = take_batch(BATCH_MAX);
	pthread_mutex_unlock(&log_lock);
	r = log_db ? write_batch(batch, reason, size) : -EIO;
	pthread_mutex_lock(&log_lock);
	if (r == 0) {
		for (struct qrow *w = batch; w; w = w->next) {
			written += w->weight;
		}
		free_rows(batch);
	} else if (r == -EBUSY || !log_db) {
		/* keep the rows; give up on those held too long */
		if (batch) {
			untake_batch(batch);
		}
		expire_rows(logrow_now_ms(),
			    log_db ? "the catalog stayed locked" : reason);
		if (lost.n > 0) {
			warn_loss_once(lost.reason);
		}
		nap(q_head ? RETRY_MS : 1000);
	} else {
		lose_rows(batch, reason);
		warn_loss_once(reason);
		/* a read-only or full catalog: no need to hammer it */
		nap(q_head ? RETRY_MS : 1000);
	}
	/*
	 * Retention: after the first write, then hourly, or sooner when
	 * this process alone wrote enough to matter against log_max_mb.
	 */
	if (r == 0 && !log_quit &&
	    (!pruned_once || logrow_now_ms() >= next_prune_ms ||
	     written >= PRUNE_AFTER_BYTES)) {
		pthread_mutex_unlock(&log_lock);
		logprune_run(log_db);
		pthread_mutex_lock(&log_lock);
		pruned_once = true;
		written = 0;
		next_prune_ms = logrow_now_ms() + PRUNE_EVERY_MS;
	}
}

static void *log_main(void *arg)
{
	char reason[160] = "unknown";

	pthread_mutex_lock(&log_lock);
	for (;;) {
		int64_t stop = atomic_load(&stop_deadline_ms);

		if (stop && logrow_now_ms() >= stop) {
			lose_rows(take_batch(SIZE_MAX), "mcpd was exiting "
				  "and the catalog could not be written in "
				  "time");
			break;
		}
		if (q_head && !lost.n && !log_quit && q_rows < BATCH_MAX &&
		    now_us() < q_head->due_us) {
			/* more rows may come to share the transaction */
			nap((q_head->due_us - now_us()) / 1000 + 1);
		} else if (q_head || lost.n > 0) {
			/* rows, or a loss whose summary row is due */
			write_some(arg, reason, sizeof(reason));
			if (!q_head && log_quit) {
				break;
			}
		} else if (log_quit) {
			break;
		} else {
			pthread_cond_wait(&log_cond, &log_lock);
		}
	}
	if (lost.n > 0) {
		char msg[320];

		loss_message(&lost, msg, sizeof(msg));
		log_warn("query log: %s", msg);
	}
	pthread_mutex_unlock(&log_lock);
	return NULL;
}

const char *querylog_session_id(void)
{
	return session_id;
}

static void make_session_id(void)
{
	unsigned char raw[16];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno != EINTR) {
			/* no entropy source: time and pid still tell apart */
			int64_t t = logrow_now_ms() ^ ((int64_t)getpid() << 40);

			memcpy(raw, &t, sizeof(t));
			break;
		}
		got += n > 0 ? (size_t)n : 0;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		snprintf(session_id + 2 * i, 3, "%02x", raw[i]);
	}
}

int querylog_start(const char *catalog_path)
{
	make_session_id();
	/* the writer opens its connection itself, off the startup path */
	if (pthread_create(&log_thread, NULL, log_main,
			   (void *)catalog_path) != 0) {
		log_warn("query logging is off: cannot start a thread");
		return -1;
	}
	log_running = true;
	return 0;
}

static struct qrow *qrow_create(struct querylog_entry *e)
{
	struct qrow *r = xcalloc(1, sizeof(*r));
	char *args = NULL;

	r->e = e;
	logrow_text_init(&r->sql, e->sql_text);
	e->sql_text = NULL;
	if (e->arguments) {
		args = logrow_mask_args(e->arguments);
		free(e->arguments);
		e->arguments = NULL;
	}
	logrow_text_init(&r->args, args);
	if (e->error_text && strlen(e->error_text) > ERROR_TEXT_MAX) {
		size_t cut = ERROR_TEXT_MAX;

		while (cut > 0 &&
		       ((unsigned char)e->error_text[cut] & 0xC0) == 0x80) {
			cut--;
		}
		e->error_text[cut] = '\0';
	}
	r->weight = 200 + (int64_t)(opt_len(r->sql.text) +
				    opt_len(r->args.text) +
				    opt_len(e->error_text) +
				    opt_len(e->datasets) +
				    opt_len(e->client_name) +
				    opt_len(e->client_version) +
				    opt_len(e->request_id));
	r->queued = r->weight + context_cache_put_weight(e->cache);
	return r;
}

void querylog_push(struct querylog_entry *e)
{
	struct qrow *r;

	e->next = NULL;
	e->ts_ms = logrow_now_ms();
	if (!log_running) {
		/* logging never started (tests that link the server) */
		r = xcalloc(1, sizeof(*r));
		r->e = e;
		qrow_free(r);
		return;
	}
	/* cut, mask and hash here, so the queue holds small rows only */
	r = qrow_create(e);
	r->due_us = now_us() + GATHER_MS * 1000;
	pthread_mutex_lock(&log_lock);
	if (log_quit || q_rows >= QUEUE_MAX_ROWS ||
	    q_bytes + r->queued > QUEUE_MAX_BYTES) {
		lose_rows(r, log_quit ? "mcpd was exiting"
				      : "the query log queue was full");
	} else {
		if (q_tail) {
			q_tail->next = r;
		} else {
			q_head = r;
		}
		q_tail = r;
		q_rows++;
		q_bytes += r->queued;
		/* the writer waits out GATHER_MS once it has the first row */
		if (q_rows == 1 || q_rows == BATCH_MAX) {
			pthread_cond_signal(&log_cond);
		}
	}
	pthread_mutex_unlock(&log_lock);
}

void querylog_stop(void)
{
	if (!log_running) {
		return;
	}
	atomic_store(&stop_deadline_ms, logrow_now_ms() + STOP_MS);
	pthread_mutex_lock(&log_lock);
	log_quit = true;
	pthread_cond_signal(&log_cond);
	pthread_mutex_unlock(&log_lock);
	pthread_join(log_thread, NULL);
	sqlite3_finalize(log_insert);
	log_insert = NULL;
	/*
	 * Leave the WAL empty.  mcpd's read-only connections and its query
	 * workers keep SQLite's close from checkpointing, and the next
	 * process to open the catalog alone would read the whole WAL again
	 * to rebuild its index (4 MB of log rows: 3 ms of every start).  A
	 * busy catalog (another mcpd reading) is simply left as it is.
	 */
	if (log_db) {
		sqlite3_busy_timeout(log_db->sql, 0);
		sqlite3_wal_checkpoint_v2(log_db->sql, NULL,
					  SQLITE_CHECKPOINT_TRUNCATE, NULL,
					  NULL);
	}
	db_close(log_db);
	log_db = NULL;
	log_running = false;
}
