/*
 * describe_budget: the columns part of a dataset's context, within a
 * token budget.
 *
 * A wide dataset described column by column in full cost 14,000 tokens
 * and more, mostly "frequent values" that occurred once each.  Each
 * column now takes one line that says what helps write SQL: numbers as
 * min … max and mean; text as its range and a few samples, each cut to
 * 40 characters; frequent values only when values repeat; distinct
 * counts marked ≈ when they come from the estimate.  Once the lines
 * reach the budget, the rest of the columns are named only, with the
 * way to ask for them (describe_dataset's `columns`, or the schema
 * resource).
 *
 * Token counts are estimated from bytes (DESCRIBE_BYTES_PER_TOKEN); the
 * e2e token test measures the real ones with a tokenizer.
 */
#ifndef MCPD_DESCRIBE_BUDGET_H
#define MCPD_DESCRIBE_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"
#include "mcp/db.h"

#define DESCRIBE_DEFAULT_BUDGET 2000
/* a cautious average: a line of numbers and names is 2.2 bytes a token
 * in o200k, prose about 4 (measured by tests/e2e/tokens.mjs) */
#define DESCRIBE_BYTES_PER_TOKEN 2

struct describe_opts {
	int64_t budget_tokens;      /* the whole answer, at most */
	int digits;                 /* significant digits of reals */
	const cJSON *only;          /* column names to show in full, or NULL */
	const char *dataset;        /* for the pointer to the schema */
	int64_t rows;               /* the dataset's rows, or -1 */
};

/* describe_budget from system_config, and display_digits */
void describe_opts_load(struct db *db, struct describe_opts *ret);

/*
 * Append the "## Columns" section for `cols` (context_schema()'s array)
 * to `b`, which already holds `b->len` bytes of the answer; `tail` bytes
 * more will follow it and count against the budget too.
 */
void describe_columns(struct buf *b, const cJSON *cols,
		      const struct describe_opts *o, size_t tail);

#endif
