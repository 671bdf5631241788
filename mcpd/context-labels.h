/*
 * context-labels: what survey files bring to a dataset's context (schema
 * migration 8): the variable label as a column's description, its value
 * labels, and the user-defined missing codes stored as NULL.  context.c
 * calls these; they own nothing.
 */
#ifndef MCPD_CONTEXT_LABELS_H
#define MCPD_CONTEXT_LABELS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"
#include "mcp/db.h"

/* value labels shown per column before the list is cut */
#define CONTEXT_LABELS_SHOWN 12
/* value labels kept per column in the schema JSON */
#define CONTEXT_LABELS_JSON 200

/*
 * Add file descriptions, "value_labels", "value_labels_total" and
 * "missing_codes" to the columns of a context schema.  A human's
 * description stays; the file's label replaces an LLM's (source "file").
 */
void context_labels_add(struct db *db, int64_t dataset_id, cJSON *cols);

/* the "## Value labels" section of the markdown, when there are any */
void context_labels_render(struct buf *b, const char *dataset,
			   const cJSON *cols);

/*
 * The resource mcpd://datasets/NAME/labels/COLUMN: every value label of
 * one column as markdown; NULL when the URI is not one, or names no
 * enabled dataset or no labelled column.
 */
char *context_labels_resource(struct db *db, const char *uri);

#endif
