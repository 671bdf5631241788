#include <stdlib.h>
#include <string.h>

#include "context_cache.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/*
 * The key in one statement.  updated_at stands beside version for a
 * catalog rebuilt from scratch (version starts again at 1 for a new id).
 */
static const char key_sql[] =
	"SELECT ?1 || '|' || d.id || '|' || d.version || '|' || "
	"d.updated_at || '|' || coalesce((SELECT group_concat(c.key || '=' "
	"|| c.value, ',') FROM (SELECT key, value FROM system_config WHERE "
	"key IN ('describe_budget', 'display_digits', 'metadata_served') "
	"ORDER BY key) c), '') || '|' || coalesce((SELECT group_concat("
	"m.id || m.status, ',') FROM (SELECT id, status FROM llm_metadata "
	"WHERE dataset_id = d.id ORDER BY id) m), '') "
	"FROM datasets d WHERE d.id = ?2";

char *context_cache_key(struct db *db, const struct dataset_info *d)
{
	sqlite3_stmt *st = NULL;
	char *key = NULL;

	if (db_prepare_cached(db, key_sql, &st) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, MCPD_VERSION, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, d->id);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0)) {
			key = xstrdup((const char *)sqlite3_column_text(st, 0));
		}
	}
	db_stmt_release(db, st);
	return key;
}

bool context_cache_get(struct db *db, const struct dataset_info *d,
		       const char *key, char **ret_markdown,
		       cJSON **ret_schema)
{
	sqlite3_stmt *st = NULL;
	bool hit = false;

	if (db_prepare_cached(db,
			      "SELECT markdown, schema_json FROM context_cache "
			      "WHERE dataset_id = ?1 AND version = ?2 AND "
			      "cache_key = ?3", &st) != SQLITE_OK) {
		return false;
	}
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_int64(st, 2, d->version);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *schema = (const char *)sqlite3_column_text(st, 1);

		/*
		 * Handed on as raw text, never parsed: the reply copies it,
		 * and parsing and printing the schema of a wide dataset again
		 * cost more than rendering it.  The log writer stored it from
		 * a cJSON object, so it is one.
		 */
		if (schema && schema[0] == '{') {
			*ret_markdown = xstrdup(
				(const char *)sqlite3_column_text(st, 0));
			if (ret_schema) {
				*ret_schema = cJSON_CreateRaw(schema);
			}
			hit = true;
		}
	}
	db_stmt_release(db, st);
	return hit;
}

struct context_cache_put *context_cache_put_new(const struct dataset_info *d,
						char *key,
						const char *markdown,
						const cJSON *schema)
{
	struct context_cache_put *p = xcalloc(1, sizeof(*p));

	p->dataset_id = d->id;
	p->version = d->version;
	p->key = key;
	p->markdown = xstrdup(markdown);
	p->schema_json = cJSON_PrintUnformatted(schema);
	return p;
}

void context_cache_put_free(struct context_cache_put *p)
{
	if (!p) {
		return;
	}
	free(p->key);
	free(p->markdown);
	free(p->schema_json);
	free(p);
}

int64_t context_cache_put_weight(const struct context_cache_put *p)
{
	return p ? (int64_t)(strlen(p->markdown) +
			     (p->schema_json ? strlen(p->schema_json) : 0) +
			     strlen(p->key)) : 0;
}

int context_cache_write(struct db *db, const struct context_cache_put *p)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!p->schema_json) {
		return SQLITE_OK;
	}
	/* only for the version the catalog still has: never a stale one */
	rc = sqlite3_prepare_v2(db->sql,
		"INSERT INTO context_cache (dataset_id, version, markdown, "
		"schema_json, cache_key) SELECT ?1, ?2, ?3, ?4, ?5 "
		"WHERE EXISTS (SELECT 1 FROM datasets WHERE id = ?1 AND "
		"version = ?2) ON CONFLICT (dataset_id) DO UPDATE SET "
		"version = excluded.version, markdown = excluded.markdown, "
		"schema_json = excluded.schema_json, "
		"cache_key = excluded.cache_key", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, p->dataset_id);
		sqlite3_bind_int64(st, 2, p->version);
		sqlite3_bind_text(st, 3, p->markdown, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, p->schema_json, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, p->key, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return rc;
}
