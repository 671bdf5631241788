#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "mcp/clock.h"
#include "mcp/log.h"
#include "mcp/xalloc.h"
#include "methods/methods.h"
#include "server.h"
#include "servable.h"
#include "mcp/banned.h"

/* how often the catalog generation is read */
#define WATCH_INTERVAL_MS 250

/* what a client can see of one dataset, as a comparable string */
struct snap {
	char **names;
	char **sigs;
	size_t n;
};

static pthread_mutex_t limits_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t watch_thread;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static bool watch_quit;
static bool watch_running;
static struct db *watch_db;

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->sigs[i]);
	}
	free(s->names);
	free(s->sigs);
	memset(s, 0, sizeof(*s));
}

static int snap_take(struct db *db, struct snap *ret)
{
	sqlite3_stmt *st = NULL;
	struct snap s = { 0 };
	int rc;

	/* approved metadata changes the context without a new version */
	rc = sqlite3_prepare_v2(
		db->sql,
		"SELECT d.name, d.version || ':' || coalesce(d.title, '') || "
		"':' || coalesce(d.description, '') || ':' || "
		"coalesce((SELECT group_concat(m.id || m.status) "
		"FROM llm_metadata m WHERE m.dataset_id = d.id), '') "
		"FROM datasets d WHERE " SERVED_DATASET_D " ORDER BY d.name",
		-1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s.names = xrealloc(s.names, (s.n + 1) * sizeof(*s.names));
		s.sigs = xrealloc(s.sigs, (s.n + 1) * sizeof(*s.sigs));
		s.names[s.n] = xstrdup((const char *)sqlite3_column_text(st, 0));
		s.sigs[s.n] = xstrdup((const char *)sqlite3_column_text(st, 1));
		s.n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snap_free(&s);
		return db_errno(rc);
	}
	*ret = s;
	return 0;
}

static const char *snap_sig(const struct snap *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->names[i], name) == 0) {
			return s->sigs[i];
		}
	}
	return NULL;
}

static void add_changed(char ***list, size_t *n, const char *name)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = xstrdup(name);
}

void limits_get(struct query_limits *ret)
{
	pthread_mutex_lock(&limits_lock);
	*ret = server.opt.limits;
	pthread_mutex_unlock(&limits_lock);
}

/*
 * Started under an address-space limit below query_memory_mb (prlimit
 * --as, a host's ulimit): query workers inherit it and cannot raise it, so
 * it is their limit, in messages too.  Said once, not on every reload.
 */
static void cap_memory(struct query_limits *l)
{
	static bool said;
	struct rlimit rl;
	int64_t cap;

	if (getrlimit(RLIMIT_AS, &rl) < 0 || rl.rlim_max == RLIM_INFINITY) {
		return;
	}
	cap = (int64_t)(rl.rlim_max >> 20);
	if (cap >= l->memory_mb) {
		return;
	}
	if (!said) {
		log_warn("mcpd runs under a memory limit of %lld MB, below "
			 "query_memory_mb (%lld MB): each query worker gets "
			 "that lower limit", (long long)cap,
			 (long long)l->memory_mb);
		said = true;
	}
	l->memory_mb = cap;
}

void limits_reload(struct db *db)
{
	const struct query_limits *fixed = &server.opt.fixed;
	struct query_limits l;

	query_limits_load(db, &l);
	if (fixed->timeout_ms > 0) {
		l.timeout_ms = fixed->timeout_ms;
	}
	if (fixed->max_rows > 0) {
		l.max_rows = fixed->max_rows;
	}
	if (fixed->max_bytes > 0) {
		l.max_bytes = fixed->max_bytes;
	}
	if (fixed->memory_mb > 0) {
		l.memory_mb = fixed->memory_mb;
	}
	cap_memory(&l);
	pthread_mutex_lock(&limits_lock);
	server.opt.limits = l;
	pthread_mutex_unlock(&limits_lock);
}

/* compare two snapshots and tell the clients */
static void announce(const struct snap *old, const struct snap *cur)
{
	char **changed = NULL;
	size_t nchanged = 0;
	int level;

	for (size_t i = 0; i < cur->n; i++) {
		const char *was = snap_sig(old, cur->names[i]);

		if (!was || strcmp(was, cur->sigs[i]) != 0) {
			add_changed(&changed, &nchanged, cur->names[i]);
		}
	}
	for (size_t i = 0; i < old->n; i++) {
		if (!snap_sig(cur, old->names[i])) {
			add_changed(&changed, &nchanged, old->names[i]);
		}
	}
	if (nchanged > 0) {
		log_info("catalog changed: %zu dataset%s", nchanged,
			 nchanged == 1 ? "" : "s");
		pthread_mutex_lock(&server.session.lock);
		level = server.session.log_level;
		pthread_mutex_unlock(&server.session.lock);
		out_log(level, LEVEL_INFO, "mcpd",
			"catalog changed: %zu dataset%s added, edited or "
			"removed", nchanged, nchanged == 1 ? "" : "s");
		subscriptions_notify(true, changed, nchanged);
	}
	for (size_t i = 0; i < nchanged; i++) {
		free(changed[i]);
	}
	free(changed);
}

/*
 * Is the path still the file mcpd opened?  A restore with mv, or rm and
 * mcpctl init, leaves mcpd holding the old inode: serving it silently
 * would answer from a catalog that no longer exists.
 */
static bool catalog_replaced(void)
{
	struct stat st;

	if (stat(server.catalog_path, &st) < 0) {
		return errno == ENOENT || errno == ENOTDIR;
	}
	return st.st_dev != server.catalog_dev ||
	       st.st_ino != server.catalog_ino;
}

static void stop_serving_replaced(void)
{
	int level;

	log_error("the catalog '%s' was deleted or replaced while mcpd "
		  "served it; stopping (start mcpd again to serve the new "
		  "file)", server.catalog_path);
	pthread_mutex_lock(&server.session.lock);
	level = server.session.log_level;
	pthread_mutex_unlock(&server.session.lock);
	out_log(level, LEVEL_ERROR, "mcpd",
		"the catalog was deleted or replaced; mcpd stops");
	atomic_store(&server.catalog_gone, true);
	server_request_stop();
}

static void *watch_main(void *arg)
{
	struct snap cur = { 0 };
	char *err = NULL;
	int64_t gen;

	/* opened here so that startup does not wait for it */
	if (db_open(server.catalog_path, DB_READONLY, &watch_db, &err) < 0) {
		log_warn("hot reload is off: %s", err);
		free(err);
		return NULL;
	}
	servable_register(watch_db);
	servable_refresh(watch_db);
	gen = db_generation(watch_db);
	if (snap_take(watch_db, &cur) < 0) {
		log_warn("cannot read the catalog for hot reload");
	}
	pthread_mutex_lock(&watch_lock);
	while (!watch_quit) {
		struct timespec until;
		int64_t g;

		clock_after_ms(CLOCK_REALTIME, WATCH_INTERVAL_MS, &until);
		pthread_cond_timedwait(&watch_cond, &watch_lock, &until);
		if (watch_quit) {
			break;
		}
		pthread_mutex_unlock(&watch_lock);
		if (catalog_replaced()) {
			stop_serving_replaced();
			pthread_mutex_lock(&watch_lock);
			break;
		}
		g = db_generation(watch_db);
		/* a source file moved or mended changes what is listed too */
		if (servable_refresh(watch_db) ||
		    (g >= 0 && g != gen)) {
			struct snap next;

			/* mcpctl config set moves the generation too */
			if (g != gen) {
				limits_reload(watch_db);
			}
			if (snap_take(watch_db, &next) == 0) {
				gen = g;
				announce(&cur, &next);
				snap_free(&cur);
				cur = next;
			}
		}
		pthread_mutex_lock(&watch_lock);
	}
	pthread_mutex_unlock(&watch_lock);
	snap_free(&cur);
	return NULL;
}

int watch_start(void)
{
	if (pthread_create(&watch_thread, NULL, watch_main, NULL) != 0) {
		log_warn("hot reload is off: cannot start a thread");
		return -1;
	}
	watch_running = true;
	return 0;
}

void watch_stop(void)
{
	if (!watch_running) {
		return;
	}
	pthread_mutex_lock(&watch_lock);
	watch_quit = true;
	pthread_cond_signal(&watch_cond);
	pthread_mutex_unlock(&watch_lock);
	pthread_join(watch_thread, NULL);
	db_close(watch_db);
	watch_db = NULL;
	watch_running = false;
}
