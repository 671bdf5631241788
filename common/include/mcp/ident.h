/*
 * ident: names that end up in SQL.
 *
 * Dataset names are checked identifiers (ident_dataset_name_check); column
 * names are whatever a file had and are only ever used quoted
 * (ident_quote).  Nothing in either program pastes a name into SQL any
 * other way.
 */
#ifndef MCP_IDENT_H
#define MCP_IDENT_H

#include "mcp/buf.h"

#define IDENT_DATASET_MAX 63

/*
 * A dataset name: [a-z][a-z0-9_]*, at most IDENT_DATASET_MAX bytes, not an
 * SQL keyword and not starting with "sqlite_".  Returns 0, or -EINVAL with
 * *ret_why set to a static reason.
 */
int ident_dataset_name_check(const char *name, const char **ret_why);

/* append "name" with embedded quotes doubled */
void ident_quote(struct buf *b, const char *name);
/* the same, as a new string (caller frees) */
char *ident_quoted(const char *name);

/* the table that holds an imported dataset's rows: "data_<name>" */
char *ident_data_table(const char *dataset_name);

#endif
