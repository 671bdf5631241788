/*
 * qpool: the guarded read-only connections of query.h, and keeping each
 * one's dataset views in step with the catalog.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcp/catalog_check.h"
#include "mcp/clock.h"
#include "mcp/dataset.h"
#include "mcp/guard.h"
#include "mcp/ident.h"
#include "mcp/log.h"
#include "mcp/query.h"
#include "mcp/render.h"
#include "mcp/sqlhint.h"
#include "mcp/source_check.h"
#include "mcp/wstats.h"
#include "mcp/xalloc.h"
#include "query-internal.h"
#include "mcp/banned.h"

/* SQLite allows this many attached files (SQLITE_MAX_ATTACHED default) */
#define MAX_ATTACHED 10
/* VM steps between two looks at the clock and the cancel flag */
#define PROGRESS_STEPS 1000

struct qpool {
	char *path;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int size;
	int nopen;
	struct qconn **all;
	struct qconn *free_list;
};

sqlite3 *qconn_sqlite(struct qconn *conn)
{
	return conn->db;
}

/* ---- connections ---- */

static int progress(void *ctx)
{
	struct qconn *c = ctx;
	struct timespec now;

	if (cancel_raised(c->cancel)) {
		c->stop = QUERY_CANCELLED;
		return 1;
	}
	if (!c->has_deadline) {
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > c->deadline.tv_sec ||
	    (now.tv_sec == c->deadline.tv_sec &&
	     now.tv_nsec >= c->deadline.tv_nsec)) {
		c->stop = QUERY_TIMEOUT;
		return 1;
	}
	return 0;
}

void qconn_set_deadline(struct qconn *c, int64_t ms)
{
	c->has_deadline = ms > 0;
	if (c->has_deadline) {
		clock_after_ms(CLOCK_MONOTONIC, ms, &c->deadline);
	}
}

static void set_limits(sqlite3 *db)
{
	/*
	 * Big enough for real analytics, small enough that one query cannot
	 * build gigabyte strings (randomblob, zeroblob, printf widths,
	 * group_concat) or a parse tree that exhausts the stack.
	 */
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1000 * 1000);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 100 * 1000);
	sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 2000);
	sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 100);
	sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, 50);
	sqlite3_limit(db, SQLITE_LIMIT_VDBE_OP, 50000);
	sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, 100);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, MAX_ATTACHED);
	sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000);
	sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, 10);
	sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
	sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, 0);
}

/* run the pool's own SQL: trusted, never client text */
static int trusted_exec(struct qconn *c, const char *sql, char **ret_err)
{
	char *err = NULL;
	int rc;

	guard_set_trusted(c->guard, true);
	rc = sqlite3_exec(c->db, sql, NULL, NULL, &err);
	guard_set_trusted(c->guard, false);
	if (rc != SQLITE_OK) {
		if (ret_err) {
			*ret_err = xstrdup(err ? err : sqlite3_errstr(rc));
		}
		sqlite3_free(err);
		return db_errno(rc);
	}
	return 0;
}

static int64_t read_generation(struct qconn *c)
{
	int64_t g = -1;

	guard_set_trusted(c->guard, true);
	if (sqlite3_step(c->gen_stmt) == SQLITE_ROW) {
		g = sqlite3_column_int64(c->gen_stmt, 0);
	}
	sqlite3_reset(c->gen_stmt);
	guard_set_trusted(c->guard, false);
	return g;
}

/* "file:PATH?mode=ro" with the URI's special characters escaped */
static char *ro_uri(const char *path)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 ||
		    *p >= 0x7f) {
			buf_addf(&b, "%%%02X", *p);
		} else {
			buf_addch(&b, (char)*p);
		}
	}
	buf_addstr(&b, "?mode=ro");
	return buf_detach(&b, NULL);
}

static void drop_views(struct qconn *c)
{
	sqlite3_stmt *st = NULL;
	struct buf sql = BUF_INIT;

	guard_set_trusted(c->guard, true);
	if (sqlite3_prepare_v2(c->db,
			       "SELECT name FROM temp.sqlite_schema "
			       "WHERE type = 'view'", -1, &st,
			       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			buf_addstr(&sql, "DROP VIEW IF EXISTS temp.");
			ident_quote(&sql,
				    (const char *)sqlite3_column_text(st, 0));
			buf_addstr(&sql, ";");
		}
	}
	sqlite3_finalize(st);
	guard_set_trusted(c->guard, false);
	if (sql.len) {
		trusted_exec(c, buf_str(&sql), NULL);
	}
	/* one by one: a file refused at attach time is detached already */
	for (int i = 0; i < c->nattached; i++) {
		char det[32];

		snprintf(det, sizeof(det), "DETACH src_%d", i);
		trusted_exec(c, det, NULL);
	}
	c->nattached = 0;
	buf_release(&sql);
	guard_clear(c->guard);
}

/* the columns of a view, for the hint after an SQL error */
static void hint_add(struct qconn *c, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *sql = NULL;

	sql = xasprintf("SELECT * FROM temp.\"%s\"", name);
	sql_hint_add(&c->hint, name);
	guard_set_trusted(c->guard, true);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
		int n = sqlite3_column_count(st);

		for (int i = 0; i < n; i++) {
			sql_hint_add_column(&c->hint,
					    sqlite3_column_name(st, i));
		}
	}
	guard_set_trusted(c->guard, false);
	sqlite3_finalize(st);
	free(sql);
}

/* the catalog's own tables never back a dataset, whatever a row says */
static bool internal_table(const char *t)
{
	static const char *const names[] = {
		"datasets", "dataset_columns", "llm_metadata", "api_keys",
		"query_logs", "context_cache", "system_config",
		"catalog_state",
	};

	if (strncasecmp(t, "sqlite_", 7) == 0 ||
	    strncasecmp(t, "dataset_search", 14) == 0) {
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(t, names[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* do two paths name one file?  (a registered file may be the catalog) */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * After ATTACH: is the file what the catalog says it is?  A path checked
 * before ATTACH can be swapped (a symlink flipped, a hard link, a bind
 * mount), so the attached content is what counts: any mcpd catalog (it
 * has catalog_identity) is detached at once, and a registered table that
 * turned out to be a view is refused (a view reads tables the dataset does
 * not expose; mcpctl materializes views instead).
 */
static const char *source_refused(struct qconn *c, const char *schema,
				  const char *table)
{
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("SELECT (SELECT count(*) FROM %s.sqlite_schema "
			      "WHERE name = 'catalog_identity'), "
			      "(SELECT type FROM %s.sqlite_schema "
			      "WHERE name = ?1 COLLATE NOCASE)", schema, schema);
	const char *why = "its file cannot be read";

	guard_set_trusted(c->guard, true);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *type =
				(const char *)sqlite3_column_text(st, 1);

			if (sqlite3_column_int(st, 0) > 0) {
				why = "its SQLite file is an mcpd catalog";
			} else if (!type || strcmp(type, "table") != 0) {
				why = "its source is not a table (run 'mcpctl "
				      "dataset refresh' to copy a view's rows)";
			} else {
				why = NULL;
			}
		}
	}
	sqlite3_finalize(st);
	guard_set_trusted(c->guard, false);
	free(sql);
	return why;
}

/* one dataset: a temp view named after it over the table with its rows */
static void add_dataset(struct qconn *c, const char *name,
			const char *kind, const char *path,
			const char *source_table, const char *data_table,
			char **attached)
{
	const char *why = NULL;
	char *schema = NULL;
	const char *table;
	struct buf sql = BUF_INIT;
	char *err = NULL;
	bool sqlite_file = !dataset_row_in_catalog(kind, source_table,
						   data_table);

	if (ident_dataset_name_check(name, &why) < 0) {
		log_warn("dataset '%s' skipped: %s", name, why);
		return;
	}
	if (sqlite_file) {
		int slot = -1;

		if (!path || !source_table) {
			log_warn("dataset '%s' skipped: no source file or "
				 "table", name);
			return;
		}
		if (same_file(path, sqlite3_db_filename(c->db, "main"))) {
			log_warn("dataset '%s' skipped: its SQLite file is the "
				 "catalog itself", name);
			return;
		}
		for (int i = 0; i < c->nattached; i++) {
			if (strcmp(attached[i], path) == 0) {
				slot = i;
			}
		}
		if (slot < 0) {
			sqlite3_stmt *st = NULL;
			char *uri;
			char *att;
			int rc;

			if (c->nattached == MAX_ATTACHED) {
				log_warn("dataset '%s' skipped: more than %d "
					 "SQLite files are registered", name,
					 MAX_ATTACHED);
				return;
			}
			uri = ro_uri(path);
			att = xasprintf("ATTACH ?1 AS src_%d", c->nattached);
			guard_set_trusted(c->guard, true);
			rc = sqlite3_prepare_v2(c->db, att, -1, &st, NULL);
			if (rc == SQLITE_OK) {
				sqlite3_bind_text(st, 1, uri, -1,
						  SQLITE_STATIC);
				rc = sqlite3_step(st);
				rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
			}
			if (rc != SQLITE_OK) {
				log_warn("dataset '%s' skipped: cannot attach "
					 "'%s': %s", name, path,
					 sqlite3_errmsg(c->db));
			}
			sqlite3_finalize(st);
			guard_set_trusted(c->guard, false);
			free(att);
			free(uri);
			if (rc != SQLITE_OK) {
				return;
			}
			slot = c->nattached++;
			attached[slot] = xstrdup(path);
		}
		schema = xasprintf("src_%d", slot);
		table = source_table;
		why = source_refused(c, schema, table);
		if (why) {
			log_warn("dataset '%s' skipped: %s", name, why);
			if (strstr(why, "catalog")) {
				char *det = xasprintf("DETACH %s", schema);

				trusted_exec(c, det, NULL);
				free(det);
				free(attached[slot]);
				attached[slot] = xstrdup("");
			}
			goto out;
		}
	} else {
		if (!data_table) {
			log_warn("dataset '%s' skipped: no data table", name);
			return;
		}
		if (internal_table(data_table)) {
			log_warn("dataset '%s' skipped: its table '%s' is one "
				 "of the catalog's own", name, data_table);
			return;
		}
		schema = xstrdup("main");
		table = data_table;
	}
	buf_addstr(&sql, "CREATE TEMP VIEW ");
	ident_quote(&sql, name);
	buf_addf(&sql, " AS SELECT * FROM %s.", schema);
	ident_quote(&sql, table);
	if (trusted_exec(c, buf_str(&sql), &err) < 0) {
		log_warn("dataset '%s' skipped: %s", name, err);
		goto out;
	}
	guard_allow(c->guard, "temp", name, name);
	guard_allow(c->guard, schema, table, name);
	hint_add(c, name);
out:
	free(err);
	buf_release(&sql);
	free(schema);
}

/* every table and view of the open files that no dataset exposes */
static void collect_hidden(struct qconn *c)
{
	name_set_clear(&c->hidden);
	guard_set_trusted(c->guard, true);
	for (int i = -1; i < c->nattached; i++) {
		sqlite3_stmt *st = NULL;
		char schema[32];
		char *sql;

		if (i < 0) {
			snprintf(schema, sizeof(schema), "main");
		} else {
			snprintf(schema, sizeof(schema), "src_%d", i);
		}
		sql = xasprintf("SELECT name FROM %s.sqlite_schema WHERE "
				"type IN ('table', 'view')", schema);
		if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) ==
		    SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *n = (const char *)
					sqlite3_column_text(st, 0);

				if (n && !guard_name_allowed(c->guard, n)) {
					name_set_add(&c->hidden, n);
				}
			}
		}
		sqlite3_finalize(st);
		free(sql);
	}
	guard_set_trusted(c->guard, false);
	name_set_seal(&c->hidden);
}

/* query_temp_mb from the catalog, in bytes (TEMP_QUOTA_BYTES without it) */
static int64_t temp_floor(struct qconn *c)
{
	sqlite3_stmt *st = NULL;
	int64_t mb = 0;

	guard_set_trusted(c->guard, true);
	if (sqlite3_prepare_v2(c->db, "SELECT CAST(value AS INTEGER) FROM "
			       "main.system_config WHERE key = "
			       "'query_temp_mb'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		mb = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	guard_set_trusted(c->guard, false);
	return mb > 0 && mb < (INT64_MAX >> 20) ? mb << 20 : TEMP_QUOTA_BYTES;
}

/*
 * The temporary storage a query may use grows with the data it can read:
 * a DISTINCT or a sort over every row of a big dataset needs about as much
 * as the rows themselves.  The cap is TEMP_QUOTA_RATIO times the files the
 * connection serves (the catalog and the registered files attached), and
 * never less than the setting query_temp_mb (TEMP_QUOTA_BYTES).
 */
static void scale_temp_quota(struct qconn *c)
{
	int64_t bytes = 0;

	for (int i = -1; i < c->nattached; i++) {
		char name[32];
		const char *file;
		struct stat sb;

		snprintf(name, sizeof(name), i < 0 ? "main" : "src_%d", i);
		file = sqlite3_db_filename(c->db, name);
		if (file && *file && stat(file, &sb) == 0) {
			bytes += (int64_t)sb.st_size;
		}
	}
	c->temp.limit = temp_quota_scaled(bytes, temp_floor(c));
}

/* bring the views in step with the catalog's enabled datasets */
static void resync(struct qconn *c, int64_t generation)
{
	sqlite3_stmt *st = NULL;
	char *attached[MAX_ATTACHED] = { NULL };
	int rc;

	drop_views(c);
	sql_hint_clear(&c->hint);
	guard_set_trusted(c->guard, true);
	rc = sqlite3_prepare_v2(c->db,
				"SELECT name, source_kind, source_path, "
				"source_table, data_table FROM main.datasets "
				"WHERE enabled = 1 ORDER BY name",
				-1, &st, NULL);
	guard_set_trusted(c->guard, false);
	if (rc != SQLITE_OK) {
		log_warn("cannot read the datasets: %s",
			 sqlite3_errmsg(c->db));
		goto out;
	}
	for (;;) {
		guard_set_trusted(c->guard, true);
		rc = sqlite3_step(st);
		guard_set_trusted(c->guard, false);
		if (rc != SQLITE_ROW) {
			break;
		}
		add_dataset(c,
			    (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    (const char *)sqlite3_column_text(st, 2),
			    (const char *)sqlite3_column_text(st, 3),
			    (const char *)sqlite3_column_text(st, 4),
			    attached);
	}
	c->generation = generation;
	collect_hidden(c);
	scale_temp_quota(c);
out:
	sqlite3_finalize(st);
	for (int i = 0; i < MAX_ATTACHED; i++) {
		free(attached[i]);
	}
}

/* the guard denies every virtual table module but a chosen few */
static void load_modules(struct qconn *c)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(c->db, "SELECT name FROM pragma_module_list",
			       -1, &st, NULL) != SQLITE_OK) {
		log_warn("cannot list SQLite modules: %s",
			 sqlite3_errmsg(c->db));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (name) {
			guard_add_module(c->guard, name);
		}
	}
	sqlite3_finalize(st);
}

static void qconn_close(struct qconn *c)
{
	if (!c) {
		return;
	}
	sqlite3_finalize(c->gen_stmt);
	sqlite3_finalize(c->label_stmt);
	sqlite3_close_v2(c->db);
	guard_destroy(c->guard);
	sql_hint_clear(&c->hint);
	name_set_clear(&c->hidden);
	free(c);
}

static int qconn_open(const char *path, struct qconn **ret, char **ret_err)
{
	struct qconn *c = xcalloc(1, sizeof(*c));
	char *name;
	bool immutable;
	int rc, r;

	c->guard = guard_create();
	c->generation = -1;
	/*
	 * One thread at a time uses a connection (the pool hands it out), so
	 * SQLite's own per-connection mutex is not needed.
	 */
	c->temp.limit = TEMP_QUOTA_BYTES;
	/* immutable when no WAL side file can exist (catalog_check.h) */
	name = catalog_readonly_name(path, &immutable);
	rc = sqlite3_open_v2(name, &c->db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
				     SQLITE_OPEN_URI,
			     temp_quota_vfs());
	free(name);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot open catalog '%s': %s", path,
				     c->db ? sqlite3_errmsg(c->db)
					   : sqlite3_errstr(rc));
		r = db_errno(rc);
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 2000);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
			  NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	set_limits(c->db);
	rc = wstats_register(c->db);
	if (rc != 0) {
		*ret_err = xasprintf("cannot register functions on '%s'",
				     path);
		r = rc < 0 ? rc : -EIO;
		goto fail;
	}
	/* prepared before the guard is installed, so it stays trusted */
	rc = sqlite3_prepare_v3(c->db, "SELECT generation FROM "
				"main.catalog_state",
				-1, SQLITE_PREPARE_PERSISTENT, &c->gen_stmt,
				NULL);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot read catalog '%s': %s", path,
				     sqlite3_errmsg(c->db));
		r = db_errno(rc);
		goto fail;
	}
	rc = qlabel_register(c);
	if (rc == 0) {
		rc = guard_register_functions(c->guard, c->db);
	}
	if (rc < 0) {
		*ret_err = xasprintf("cannot register functions on '%s'",
				     path);
		r = rc;
		goto fail;
	}
	guard_set_stop_check(c->guard, progress, c);
	load_modules(c);
	guard_install(c->guard, c->db);
	/*
	 * The first use of an eponymous virtual table writes its definition
	 * into the connection's schema, which the guard would refuse: do it
	 * now, trusted, so client SQL finds them ready.
	 */
	trusted_exec(c, "SELECT count(*) FROM json_each('[]'), "
		     "json_tree('[]')", NULL);
	sqlite3_progress_handler(c->db, PROGRESS_STEPS, progress, c);
	*ret = c;
	return 0;
fail:
	qconn_close(c);
	return r;
}

/* marks a pool slot whose connection is being opened */
static struct qconn slot_opening;

int qpool_create(const char *catalog_path, int size, struct qpool **ret_pool,
		 char **ret_err)
{
	struct qpool *p = NULL;
	struct qconn *c = NULL;
	int r;

	if (size < 1) {
		size = 1;
	}
	/* fail early, with a message, when the catalog cannot be read */
	r = qconn_open(catalog_path, &c, ret_err);
	if (r < 0) {
		return r;
	}
	p = xcalloc(1, sizeof(*p));
	p->path = xstrdup(catalog_path);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->size = size;
	p->all = xcalloc((size_t)size, sizeof(*p->all));
	p->all[p->nopen++] = c;
	c->next_free = NULL;
	p->free_list = c;
	*ret_pool = p;
	return 0;
}

void qpool_destroy(struct qpool *pool)
{
	if (!pool) {
		return;
	}
	for (int i = 0; i < pool->size; i++) {
		if (pool->all[i] != &slot_opening) {
			qconn_close(pool->all[i]);
		}
	}
	free(pool->all);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool->path);
	free(pool);
}

struct qconn *qpool_acquire(struct qpool *pool)
{
	struct qconn *c = NULL;
	int64_t g;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		if (pool->free_list) {
			c = pool->free_list;
			pool->free_list = c->next_free;
			c->next_free = NULL;
			break;
		}
		if (pool->nopen < pool->size) {
			char *err = NULL;
			int slot = 0;

			/* a failed open leaves its slot empty for the next */
			while (pool->all[slot]) {
				slot++;
			}
			pool->all[slot] = &slot_opening;
			pool->nopen++;

			/* open outside the lock: it reads the disk */
			pthread_mutex_unlock(&pool->lock);
			if (qconn_open(pool->path, &c, &err) < 0) {
				log_error("%s", err);
				free(err);
				pthread_mutex_lock(&pool->lock);
				pool->all[slot] = NULL;
				pool->nopen--;
				pthread_cond_signal(&pool->cond);
				pthread_mutex_unlock(&pool->lock);
				return NULL;
			}
			pthread_mutex_lock(&pool->lock);
			pool->all[slot] = c;
			break;
		}
		pthread_cond_wait(&pool->cond, &pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);

	g = read_generation(c);
	if (g < 0) {
		log_warn("cannot read the catalog generation: %s",
			 sqlite3_errmsg(c->db));
	} else if (g != c->generation) {
		resync(c, g);
	}
	return c;
}

int64_t qconn_generation(const struct qconn *conn)
{
	return conn->generation;
}

void qpool_interrupt_all(struct qpool *pool)
{
	pthread_mutex_lock(&pool->lock);
	for (int i = 0; i < pool->size; i++) {
		struct qconn *c = pool->all[i];

		if (c && c != &slot_opening) {
			sqlite3_interrupt(c->db);
		}
	}
	pthread_mutex_unlock(&pool->lock);
}

void qpool_release(struct qpool *pool, struct qconn *conn)
{
	if (!conn) {
		return;
	}
	pthread_mutex_lock(&pool->lock);
	conn->next_free = pool->free_list;
	pool->free_list = conn;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
}


/* ---- servability of a source, for mcpctl (mcp/source_check.h) ---- */

/*
 * Only a table is served from its file: a view is copied into the
 * catalog, and a missing table or unreadable file is import's to report.
 */
static bool source_is_table(const char *uri, const char *table)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool is_table = false;

	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
			    NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT type FROM sqlite_schema WHERE "
			       "name = ?1 COLLATE NOCASE", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		is_table = sqlite3_step(st) == SQLITE_ROW &&
			   sqlite3_column_text(st, 0) &&
			   strcmp((const char *)sqlite3_column_text(st, 0),
				  "table") == 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return is_table;
}

static int source_check(const char *catalog_path, const char *path,
			const char *table, bool registered, char **ret_err)
{
	struct qconn *c = NULL;
	sqlite3_stmt *st = NULL;
	char *uri = ro_uri(path);
	char *err = NULL;
	struct buf sql = BUF_INIT;
	const char *why;
	int rc, r = 0;

	if (registered && access(path, R_OK) < 0) {
		*ret_err = xasprintf("cannot read '%s': %s", path,
				     strerror(errno));
		r = -errno;
		goto out;
	}
	if (!registered && !source_is_table(uri, table)) {
		goto out;
	}
	/* the very connection a query worker uses, limits and all */
	r = qconn_open(catalog_path, &c, ret_err);
	if (r < 0) {
		goto out;
	}
	guard_set_trusted(c->guard, true);
	rc = sqlite3_prepare_v2(c->db, "ATTACH ?1 AS src_0", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	guard_set_trusted(c->guard, false);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("mcpd cannot attach '%s' under its "
				     "limits: %s", path,
				     sqlite3_errmsg(c->db));
		r = -EINVAL;
		goto out;
	}
	why = source_refused(c, "src_0", table);
	if (why) {
		*ret_err = xasprintf("mcpd would not serve '%s': %s", path,
				     why);
		r = -EINVAL;
		goto out;
	}
	buf_addstr(&sql, "CREATE TEMP VIEW mcpd_probe AS SELECT * FROM src_0.");
	ident_quote(&sql, table);
	buf_addstr(&sql, "; SELECT * FROM mcpd_probe LIMIT 1;");
	if (trusted_exec(c, buf_str(&sql), &err) < 0) {
		*ret_err = xasprintf("mcpd cannot read '%s' in '%s' under its "
				     "limits: %s", table, path, err);
		r = -EINVAL;
	}
out:
	sqlite3_finalize(st);
	buf_release(&sql);
	free(err);
	free(uri);
	qconn_close(c);
	return r;
}

int qpool_source_check(const char *catalog_path, const char *path,
		       const char *table, char **ret_err)
{
	return source_check(catalog_path, path, table, false, ret_err);
}

int qpool_source_servable(const char *catalog_path, const char *path,
			  const char *table, char **ret_err)
{
	if (!path || !table) {
		*ret_err = xstrdup("no source file or table");
		return -EINVAL;
	}
	return source_check(catalog_path, path, table, true, ret_err);
}
