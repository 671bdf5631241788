/*
 * context: what mcpd tells a model about a dataset.
 *
 * Only enabled datasets exist as far as clients can tell: every lookup
 * here filters on datasets.enabled.  The same rendering backs the
 * describe_dataset tool, the mcpd://datasets/... resources and the
 * prompts, so they never disagree.
 *
 * Returned strings and cJSON trees belong to the caller.
 */
#ifndef MCPD_CONTEXT_H
#define MCPD_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/dataset.h"
#include "mcp/db.h"

/* enabled datasets by name; 0 or a negative errno */
int context_list(struct db *db, struct dataset_info **ret_list,
		 size_t *ret_n);
void context_list_free(struct dataset_info *list, size_t n);
/* one enabled dataset: 0, -ENOENT, or another negative errno */
int context_find(struct db *db, const char *name, struct dataset_info *ret);

/* column names in position order (NULL-terminated, caller frees) */
char **context_columns(struct db *db, int64_t dataset_id, size_t *ret_n);
void context_columns_free(char **cols);

/*
 * The server instructions: `base`, then one line per enabled dataset whose
 * served metadata has a summary ("- name: summary"), at most 50 of them.
 */
char *context_instructions(struct db *db, const char *base);

/* markdown for the model (from the context cache when it holds it) */
char *context_markdown(struct db *db, const struct dataset_info *d);
/* rendered afresh, with the schema it was rendered from (owned) */
char *context_markdown_schema(struct db *db, const struct dataset_info *d,
			      cJSON **ret_schema);
/* the schema and profile as JSON */
cJSON *context_schema(struct db *db, const struct dataset_info *d);
/* markdown from a tree context_schema() made (saves reading it twice) */
char *context_render(const struct dataset_info *d, const cJSON *schema);
/* the same within a token budget, maybe for some columns only */
struct describe_opts;
char *context_render_opts(const struct dataset_info *d, const cJSON *schema,
			  const struct describe_opts *opts);

#endif
