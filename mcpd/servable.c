#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mcp/dataset.h"
#include "mcp/log.h"
#include "mcp/source_check.h"
#include "mcp/xalloc.h"
#include "server.h"
#include "servable.h"
#include "mcp/banned.h"

/* what identifies one version of a source file */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct source {
	int64_t id;
	char *name;
	char *path;
	char *table;
	struct file_id file;
	char *why_not;          /* NULL: servable */
	bool seen;              /* still in the catalog on this refresh */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct source *sources;
static size_t n_sources;

static void source_free(struct source *s)
{
	free(s->name);
	free(s->path);
	free(s->table);
	free(s->why_not);
}

/* mcpd_servable(id): 0 only for a dataset found unservable */
static void sql_servable(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t id = sqlite3_value_int64(argv[0]);
	int servable = 1;

	(void)argc;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_sources; i++) {
		if (sources[i].id == id) {
			servable = sources[i].why_not == NULL;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	sqlite3_result_int(ctx, servable);
}

int servable_register(struct db *db)
{
	int rc = sqlite3_create_function(db->sql, "mcpd_servable", 1,
					 SQLITE_UTF8 | SQLITE_DIRECTONLY,
					 NULL, sql_servable, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_errno(rc);
}

static struct file_id file_id_of(const char *path)
{
	struct file_id f = { 0 };
	struct stat st;

	if (stat(path, &st) == 0) {
		f.exists = true;
		f.dev = st.st_dev;
		f.ino = st.st_ino;
		f.size = st.st_size;
		f.mtime = st.st_mtim;
	}
	return f;
}

static bool file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev &&
	       a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static struct source *find(int64_t id)
{
	for (size_t i = 0; i < n_sources; i++) {
		if (sources[i].id == id) {
			return &sources[i];
		}
	}
	return NULL;
}

/*
 * Check one source again when its file changed (or it is new, or its
 * path or table changed in the catalog).  Runs without the lock: the
 * check opens connections, and only this thread changes the list.
 */
static bool recheck(struct source *s, const char *catalog_path,
		    const char *name, const char *path, const char *table,
		    struct file_id *ret_file, char **ret_why_not)
{
	struct file_id now = file_id_of(path);
	char *err = NULL;

	/* the identity before the check: a change during it is seen next */
	*ret_file = now;
	if (s && file_id_same(&s->file, &now) && strcmp(s->path, path) == 0 &&
	    strcmp(s->table, table) == 0 && strcmp(s->name, name) == 0) {
		return false;
	}
	if (qpool_source_servable(catalog_path, path, table, &err) < 0) {
		*ret_why_not = err ? err : xstrdup("cannot read it");
	} else {
		free(err);
		*ret_why_not = NULL;
	}
	return true;
}

static void note_change(const char *name, const char *was, const char *now)
{
	if (now && !was) {
		log_warn("dataset '%s' is unavailable and left out of every "
			 "list: %s", name, now);
	} else if (!now && was) {
		log_info("dataset '%s' is available again", name);
	}
}

bool servable_refresh(struct db *catalog)
{
	sqlite3_stmt *st = NULL;
	bool changed = false;

	if (sqlite3_prepare_v2(catalog->sql,
			       "SELECT " DATASET_COLUMNS " FROM datasets "
			       "WHERE enabled = 1", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (size_t i = 0; i < n_sources; i++) {
		sources[i].seen = false;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct dataset_info d;
		struct source *s;
		struct file_id file;
		char *why_not = NULL;

		dataset_info_read(st, &d);
		if (dataset_rows_in_catalog(&d) || !d.source_path ||
		    !d.source_table) {
			dataset_info_finish(&d);
			continue;
		}
		s = find(d.id);
		if (s) {
			s->seen = true;
		}
		if (recheck(s, catalog->path, d.name, d.source_path,
			    d.source_table, &file, &why_not)) {
			pthread_mutex_lock(&lock);
			if (!s) {
				sources = xrealloc(sources, (n_sources + 1) *
						   sizeof(*sources));
				s = &sources[n_sources++];
				memset(s, 0, sizeof(*s));
				s->id = d.id;
				s->seen = true;
			}
			note_change(d.name, s->why_not, why_not);
			changed |= (s->why_not == NULL) != (why_not == NULL);
			source_free(s);
			s->name = xstrdup(d.name);
			s->path = xstrdup(d.source_path);
			s->table = xstrdup(d.source_table);
			s->file = file;
			s->why_not = why_not;
			pthread_mutex_unlock(&lock);
		}
		dataset_info_finish(&d);
	}
	sqlite3_finalize(st);
	/* removed or disabled datasets are the catalog's news, not ours */
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_sources;) {
		if (!sources[i].seen) {
			source_free(&sources[i]);
			sources[i] = sources[--n_sources];
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&lock);
	return changed;
}

char *servable_why_not(const char *name)
{
	char *why = NULL;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_sources; i++) {
		if (sources[i].why_not && strcmp(sources[i].name, name) == 0) {
			why = xstrdup(sources[i].why_not);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return why;
}

void servable_reset(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_sources; i++) {
		source_free(&sources[i]);
	}
	free(sources);
	sources = NULL;
	n_sources = 0;
	pthread_mutex_unlock(&lock);
}
