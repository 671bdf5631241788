#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "mcp/log.h"
#include "server.h"
#include "mcp/banned.h"

/*
 * Rows wait here for the writer thread, so a reply never waits for the
 * catalog's write lock (mcpctl may hold it for a long import).  Past this
 * many waiting rows new ones are dropped, with a warning, rather than
 * letting memory grow without bound.
 */
#define QUERYLOG_MAX 100000

static pthread_t log_thread;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cond = PTHREAD_COND_INITIALIZER;
static struct querylog_entry *log_head, *log_tail;
static size_t log_len;
static bool log_quit;
static bool log_running;
static struct db *log_db;
static sqlite3_stmt *log_insert;

static void entry_free(struct querylog_entry *e)
{
	free(e->client_name);
	free(e->client_version);
	free(e->tool);
	free(e->datasets);
	free(e->sql_text);
	free(e->arguments);
	free(e->error_text);
	free(e);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s) {
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, i);
	}
}

static void write_entry(struct querylog_entry *e)
{
	sqlite3_stmt *st = log_insert;
	int rc;

	bind_opt(st, 1, e->client_name);
	bind_opt(st, 2, e->client_version);
	bind_opt(st, 3, e->tool);
	bind_opt(st, 4, e->datasets);
	bind_opt(st, 5, e->sql_text);
	bind_opt(st, 6, e->arguments);
	bind_opt(st, 7, e->status);
	bind_opt(st, 8, e->error_text);
	sqlite3_bind_int64(st, 9, e->rows);
	sqlite3_bind_int64(st, 10, e->bytes);
	sqlite3_bind_int64(st, 11, e->duration_us);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		log_warn("cannot write query log: %s",
			 sqlite3_errmsg(log_db->sql));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int log_open(const char *catalog_path)
{
	char *err = NULL;
	int r;

	r = db_open(catalog_path, 0, &log_db, &err);
	if (r < 0) {
		log_warn("query logging is off: %s", err);
		free(err);
		return r;
	}
	if (sqlite3_prepare_v2(log_db->sql,
			       "INSERT INTO query_logs (client_name, "
			       "client_version, tool, datasets, sql_text, "
			       "arguments, status, error_text, rows_returned, "
			       "bytes_returned, duration_us) VALUES "
			       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			       -1, &log_insert, NULL) != SQLITE_OK) {
		log_warn("query logging is off: %s",
			 sqlite3_errmsg(log_db->sql));
		db_close(log_db);
		log_db = NULL;
		return -EIO;
	}
	return 0;
}

static void *log_main(void *arg)
{
	bool ok = log_open(arg) == 0;

	pthread_mutex_lock(&log_lock);
	for (;;) {
		struct querylog_entry *batch;

		while (!log_head && !log_quit) {
			pthread_cond_wait(&log_cond, &log_lock);
		}
		if (!log_head) {
			break;
		}
		batch = log_head;
		log_head = log_tail = NULL;
		log_len = 0;
		pthread_mutex_unlock(&log_lock);
		/* one transaction per burst keeps busy servers cheap */
		if (ok) {
			db_exec(log_db, "BEGIN", NULL);
		}
		while (batch) {
			struct querylog_entry *next = batch->next;

			if (ok) {
				write_entry(batch);
			}
			entry_free(batch);
			batch = next;
		}
		if (ok && db_exec(log_db, "COMMIT", NULL) < 0) {
			db_rollback(log_db);
		}
		pthread_mutex_lock(&log_lock);
	}
	pthread_mutex_unlock(&log_lock);
	return NULL;
}

int querylog_start(const char *catalog_path)
{
	/* the writer opens its connection itself, off the startup path */
	if (pthread_create(&log_thread, NULL, log_main,
			   (void *)catalog_path) != 0) {
		log_warn("query logging is off: cannot start a thread");
		return -1;
	}
	log_running = true;
	return 0;
}

void querylog_push(struct querylog_entry *e)
{
	bool dropped = false;

	e->next = NULL;
	pthread_mutex_lock(&log_lock);
	if (!log_running || log_quit || log_len >= QUERYLOG_MAX) {
		dropped = log_running;
	} else {
		if (log_tail) {
			log_tail->next = e;
		} else {
			log_head = e;
		}
		log_tail = e;
		log_len++;
		e = NULL;
		pthread_cond_signal(&log_cond);
	}
	pthread_mutex_unlock(&log_lock);
	if (e) {
		if (dropped) {
			log_warn("query log backlog full: dropping a row");
		}
		entry_free(e);
	}
}

void querylog_stop(void)
{
	if (!log_running) {
		return;
	}
	pthread_mutex_lock(&log_lock);
	log_quit = true;
	pthread_cond_signal(&log_cond);
	pthread_mutex_unlock(&log_lock);
	pthread_join(log_thread, NULL);
	sqlite3_finalize(log_insert);
	log_insert = NULL;
	db_close(log_db);
	log_db = NULL;
	log_running = false;
}
