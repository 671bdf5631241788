/*
 * dataset export --format sqlite: the rows of a prepared statement into
 * a new SQLite file holding one table, written row by row (constant
 * memory) in one transaction on a temporary file beside the target,
 * then renamed over it, so that the target is either the old file or
 * the whole export.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/ident.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"

static int create_table(sqlite3 *out, sqlite3_stmt *st, const char *table,
			sqlite3_stmt **ret_ins)
{
	int n = sqlite3_column_count(st);
	struct buf sql = BUF_INIT;
	int rc;

	buf_addstr(&sql, "CREATE TABLE ");
	ident_quote(&sql, table);
	buf_addstr(&sql, " (");
	for (int i = 0; i < n; i++) {
		const char *type = sqlite3_column_decltype(st, i);

		buf_addstr(&sql, i ? ", " : "");
		ident_quote(&sql, sqlite3_column_name(st, i));
		/* the dataset's declared types; an expression's has none */
		if (type && strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789 (),")
		    == strlen(type)) {
			buf_addf(&sql, " %s", type);
		}
	}
	buf_addstr(&sql, ")");
	rc = sqlite3_exec(out, buf_str(&sql), NULL, NULL, NULL);
	buf_reset(&sql);
	if (rc == SQLITE_OK) {
		buf_addstr(&sql, "INSERT INTO ");
		ident_quote(&sql, table);
		buf_addstr(&sql, " VALUES (");
		for (int i = 0; i < n; i++) {
			buf_addstr(&sql, i ? ",?" : "?");
		}
		buf_addstr(&sql, ")");
		rc = sqlite3_prepare_v2(out, buf_str(&sql), -1, ret_ins, NULL);
	}
	buf_release(&sql);
	return rc;
}

int ctl_export_sqlite(sqlite3_stmt *st, const char *table, const char *path,
		      long long *ret_rows)
{
	char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	sqlite3_stmt *ins = NULL;
	sqlite3 *out = NULL;
	long long rows = 0;
	int rc, n = sqlite3_column_count(st), code = EXIT_FAIL;

	unlink(tmp);
	rc = sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(out, "PRAGMA journal_mode = OFF; "
				  "PRAGMA synchronous = OFF; BEGIN", NULL,
				  NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		rc = create_table(out, st, table, &ins);
	}
	if (rc != SQLITE_OK) {
		ctl_error("cannot write '%s': %s", path,
			  out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			sqlite3_bind_value(ins, i + 1,
					   sqlite3_column_value(st, i));
		}
		if (sqlite3_step(ins) != SQLITE_DONE) {
			ctl_error("cannot write '%s': %s", path,
				  sqlite3_errmsg(out));
			goto out;
		}
		sqlite3_reset(ins);
		rows++;
	}
	if (rc != SQLITE_DONE) {
		ctl_error("cannot read the dataset: %s",
			  sqlite3_errmsg(sqlite3_db_handle(st)));
		goto out;
	}
	sqlite3_finalize(ins);
	ins = NULL;
	if (sqlite3_exec(out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_close(out) != SQLITE_OK) {
		ctl_error("cannot write '%s': %s", path, sqlite3_errmsg(out));
		goto out;
	}
	out = NULL;
	if (rename(tmp, path) < 0) {
		ctl_error("cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	*ret_rows = rows;
	code = EXIT_OK;
out:
	sqlite3_finalize(ins);
	if (out) {
		sqlite3_close(out);
	}
	if (code != EXIT_OK) {
		unlink(tmp);
	}
	free(tmp);
	return code;
}
