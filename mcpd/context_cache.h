/*
 * context_cache: describe_dataset's answer, kept in the catalog.
 *
 * Rendering a dataset's context reads its columns, profile, labels, design
 * and metadata, a dozen statements; a cached answer is one.  An entry is
 * valid for one key that holds everything the answer depends on: the
 * dataset's version (every mcpctl change to a dataset moves it), the
 * metadata versions and their status, the settings that shape the answer
 * (describe_budget, display_digits, metadata_served) and the mcpd
 * release.  A stale entry therefore never matches: there is nothing to
 * invalidate by hand.
 *
 * mcpd's catalog connections are read-only: a fresh rendering rides on the
 * call's query_logs row and the log writer stores it in the same
 * transaction (querylog.c).  When the log cannot be written, nothing is
 * cached and every call renders, as before.
 */
#ifndef MCPD_CONTEXT_CACHE_H
#define MCPD_CONTEXT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/dataset.h"
#include "mcp/db.h"

/* one rendering on its way to the catalog */
struct context_cache_put {
	int64_t dataset_id;
	int64_t version;
	char *key;
	char *markdown;
	char *schema_json;
};

/* the key of dataset `d`'s answer now, or NULL when it cannot be read */
char *context_cache_key(struct db *db, const struct dataset_info *d);

/*
 * The cached answer for `key`: true with the markdown and (unless
 * ret_schema is NULL) the schema set, owned; the schema is a raw cJSON
 * item holding the stored text, for a reply to copy as it is.
 */
bool context_cache_get(struct db *db, const struct dataset_info *d,
		       const char *key, char **ret_markdown,
		       cJSON **ret_schema);

/* a new entry; takes ownership of `key` */
struct context_cache_put *context_cache_put_new(const struct dataset_info *d,
						char *key,
						const char *markdown,
						const cJSON *schema);
void context_cache_put_free(struct context_cache_put *p);
/* bytes it holds, for the log queue's bound */
int64_t context_cache_put_weight(const struct context_cache_put *p);

/*
 * Store `p` on the log writer's connection, inside its transaction.  An
 * entry for a version the catalog has moved past is not stored.
 */
int context_cache_write(struct db *db, const struct context_cache_put *p);

#endif
