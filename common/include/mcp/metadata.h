/*
 * metadata: the LLM-written context of a dataset, in llm_metadata.
 *
 * A metadata document has one fixed shape, the same for an answer from a
 * model and for a human's edit:
 *
 *   {"summary": "...",
 *    "columns": [{"name", "description", "unit" (or null),
 *                 "semantic_type"}, ...],     every column, exact names
 *    "example_questions": ["..."], "caveats": ["..."]}
 *
 * metadata_prompt() builds the question from the catalog (profile, human
 * descriptions, a few rows); metadata_validate() checks an answer against
 * the shape and the dataset's columns and says what is wrong.  Each stored
 * document is a new version; approving one makes it what mcpd serves.
 *
 * Returned strings and cJSON trees belong to the caller.  Functions return
 * 0 or a negative errno, setting *ret_err (caller frees) where they take it.
 */
#ifndef MCP_METADATA_H
#define MCP_METADATA_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/dataset.h"
#include "mcp/db.h"

/* the JSON schema of the document (strict: every key required) */
cJSON *metadata_schema(void);
const char *metadata_system_prompt(void);
/* the user message for dataset `d`, bounded in size */
char *metadata_prompt(struct db *db, const struct dataset_info *d);

/*
 * Parse `text` (JSON, perhaps in a ``` fence) and check it: the shape,
 * the semantic types, and that the columns are exactly the dataset's.
 * On success *ret_doc is the document, normalised.
 */
int metadata_validate(struct db *db, int64_t dataset_id, const char *text,
		      cJSON **ret_doc, char **ret_err);

struct metadata_origin {
	const char *author;     /* "llm" or "human" */
	const char *provider;
	const char *model;
	int64_t prompt_tokens;  /* -1: unknown */
	int64_t completion_tokens;
	double cost_usd;        /* < 0: unknown */
	const char *raw;        /* the provider's whole answer, or NULL */
};

/* store `doc` as the next version (draft); *ret_version is its number */
int metadata_store(struct db *db, int64_t dataset_id, const cJSON *doc,
		   const struct metadata_origin *o, int64_t *ret_version,
		   char **ret_err);
/* the newest version, 0 when there is none */
int64_t metadata_latest(struct db *db, int64_t dataset_id);
/*
 * Approve `version`: it becomes the one approved version, its column
 * descriptions fill dataset_columns.llm_description, and the search index
 * and the dataset's version move.  One transaction; -ENOENT for no such
 * version.
 */
int metadata_approve(struct db *db, int64_t dataset_id, int64_t version,
		     char **ret_err);

#endif
