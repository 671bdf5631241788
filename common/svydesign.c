#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcp/ident.h"
#include "mcp/svydesign.h"
#include "mcp/svyvar.h"
#include "mcp/xalloc.h"

static const char *const lonely_names[] = {
	[SVY_LONELY_FAIL] = "fail",
	[SVY_LONELY_REMOVE] = "remove",
	[SVY_LONELY_CERTAINTY] = "certainty",
	[SVY_LONELY_ADJUST] = "adjust",
	[SVY_LONELY_AVERAGE] = "average",
};

int svy_lonely_parse(const char *s, enum svy_lonely *ret)
{
	for (size_t i = 0; i < sizeof(lonely_names) / sizeof(*lonely_names);
	     i++) {
		if (strcmp(s, lonely_names[i]) == 0) {
			*ret = (enum svy_lonely)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *svy_lonely_name(enum svy_lonely l)
{
	return lonely_names[l];
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s && *s ? xstrdup((const char *)s) : NULL;
}

int svydesign_load(struct db *db, int64_t dataset_id, struct svydesign **ret)
{
	sqlite3_stmt *st = NULL;
	struct svydesign *d;
	const char *lonely;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"SELECT strata, cluster, cluster2, fpc, fpc2, nest, "
		"lonely_psu, n_strata, n_psu FROM dataset_designs "
		"WHERE dataset_id = ?", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, dataset_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? -ENOENT : db_errno(rc);
	}
	d = xcalloc(1, sizeof(*d));
	d->strata = col_strdup(st, 0);
	d->cluster = col_strdup(st, 1);
	d->cluster2 = col_strdup(st, 2);
	d->fpc = col_strdup(st, 3);
	d->fpc2 = col_strdup(st, 4);
	d->nest = sqlite3_column_int(st, 5) != 0;
	lonely = (const char *)sqlite3_column_text(st, 6);
	if (!lonely || svy_lonely_parse(lonely, &d->lonely) < 0) {
		d->lonely = SVY_LONELY_FAIL;
	}
	d->n_strata = sqlite3_column_type(st, 7) == SQLITE_NULL
		? -1 : sqlite3_column_int64(st, 7);
	d->n_psu = sqlite3_column_type(st, 8) == SQLITE_NULL
		? -1 : sqlite3_column_int64(st, 8);
	sqlite3_finalize(st);
	*ret = d;
	return 0;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s) {
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, i);
	}
}

int svydesign_store(struct db *db, int64_t dataset_id,
		    const struct svydesign *d)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"INSERT OR REPLACE INTO dataset_designs (dataset_id, strata, "
		"cluster, cluster2, fpc, fpc2, nest, lonely_psu, n_strata, "
		"n_psu) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, dataset_id);
	bind_opt(st, 2, d->strata);
	bind_opt(st, 3, d->cluster);
	bind_opt(st, 4, d->cluster2);
	bind_opt(st, 5, d->fpc);
	bind_opt(st, 6, d->fpc2);
	sqlite3_bind_int(st, 7, d->nest);
	sqlite3_bind_text(st, 8, svy_lonely_name(d->lonely), -1,
			  SQLITE_STATIC);
	if (d->n_strata >= 0) {
		sqlite3_bind_int64(st, 9, d->n_strata);
		sqlite3_bind_int64(st, 10, d->n_psu);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_errno(rc);
}

int svydesign_remove(struct db *db, int64_t dataset_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql,
		"DELETE FROM dataset_designs WHERE dataset_id = ?", -1, &st,
		NULL);
	if (rc != SQLITE_OK) {
		return db_errno(rc);
	}
	sqlite3_bind_int64(st, 1, dataset_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_errno(rc);
}

void svydesign_destroy(struct svydesign *d)
{
	if (!d) {
		return;
	}
	free(d->strata);
	free(d->cluster);
	free(d->cluster2);
	free(d->fpc);
	free(d->fpc2);
	free(d);
}

bool svydesign_is_set(const struct svydesign *d)
{
	return d && (d->strata || d->cluster || d->fpc);
}

void svydesign_describe(const struct svydesign *d, const char *weight,
			struct buf *out)
{
	const char *kind;

	if (d->cluster2) {
		kind = d->strata ? "stratified two-stage cluster sample"
				 : "two-stage cluster sample";
	} else if (d->cluster) {
		kind = d->strata ? "stratified cluster sample"
				 : "cluster sample";
	} else {
		kind = d->strata ? "stratified sample" : "simple random sample";
	}
	buf_addf(out, "%s", kind);
	if (d->n_strata >= 0) {
		buf_addstr(out, ":");
		if (d->strata) {
			buf_addf(out, " %lld strata,", (long long)d->n_strata);
		}
		buf_addf(out, " %lld %s", (long long)d->n_psu,
			 d->cluster ? "PSUs" : "rows");
	}
	if (weight) {
		buf_addf(out, ", weights %s", weight);
	} else {
		buf_addstr(out, ", unweighted");
	}
	buf_addstr(out, " (");
	if (d->strata) {
		buf_addf(out, "strata %s; ", d->strata);
	}
	if (d->cluster) {
		buf_addf(out, "PSUs %s%s; ", d->cluster,
			 d->nest ? ", nested in strata" : "");
	}
	if (d->cluster2) {
		buf_addf(out, "second-stage units %s; ", d->cluster2);
	}
	if (d->fpc) {
		buf_addf(out, "fpc %s; ", d->fpc);
	} else {
		buf_addstr(out, "no fpc: with replacement; ");
	}
	if (d->fpc2) {
		buf_addf(out, "second-stage fpc %s; ", d->fpc2);
	}
	buf_addf(out, "lonely PSUs: %s)", svy_lonely_name(d->lonely));
}

static void add_col(struct buf *sql, const char *name)
{
	if (name) {
		ident_quote(sql, name);
	} else {
		buf_addstr(sql, "NULL");
	}
	buf_addstr(sql, ", ");
}

void svydesign_add_columns(struct buf *sql, const struct svydesign *d,
			   const char *weight)
{
	add_col(sql, d ? d->strata : NULL);
	add_col(sql, d ? d->cluster : NULL);
	add_col(sql, d ? d->cluster2 : NULL);
	add_col(sql, d ? d->fpc : NULL);
	add_col(sql, d ? d->fpc2 : NULL);
	if (weight) {
		ident_quote(sql, weight);
	} else {
		buf_addstr(sql, "1");
	}
}

int svydesign_check(sqlite3 *sql, const char *rows_ref, const char *weight,
		    struct svydesign *d, char **ret_err)
{
	struct svyvar_spec spec = {
		.strata = d->strata != NULL,
		.cluster = d->cluster != NULL,
		.cluster2 = d->cluster2 != NULL,
		.fpc = d->fpc != NULL,
		.fpc2 = d->fpc2 != NULL,
		.nest = d->nest,
		.lonely = d->lonely,
		.stat = SVY_COUNT,
		.level = 0.95,
		.check_only = true,
	};
	struct buf q = BUF_INIT;
	struct svyvar *v = NULL;
	sqlite3_stmt *st = NULL;
	char *s;
	int rc, r = 0;

	if (d->cluster2 && !d->cluster) {
		*ret_err = xstrdup("--cluster2 needs --cluster");
		return -EINVAL;
	}
	if (d->fpc2 && !d->cluster2) {
		*ret_err = xstrdup("--fpc2 needs --cluster2");
		return -EINVAL;
	}
	if (d->cluster2 && d->fpc && !d->fpc2) {
		*ret_err = xstrdup("a two-stage design with --fpc needs "
				   "--fpc2, the second stage's");
		return -EINVAL;
	}
	if (d->nest && !(d->strata && d->cluster)) {
		*ret_err = xstrdup("--nest needs --strata and --cluster");
		return -EINVAL;
	}
	buf_addstr(&q, "SELECT ");
	svydesign_add_columns(&q, d, weight);
	buf_addf(&q, ", 0, NULL FROM %s", rows_ref);
	s = buf_detach(&q, NULL);
	rc = sqlite3_prepare_v2(sql, s, -1, &st, NULL);
	free(s);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot read the rows: %s",
				     sqlite3_errmsg(sql));
		return -EIO;
	}
	v = svyvar_create(&spec);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = svyvar_add(v, st, ret_err);
		if (r < 0) {
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		*ret_err = xasprintf("cannot read the rows: %s",
				     sqlite3_errmsg(sql));
		r = -EIO;
		goto out;
	}
	r = svyvar_finish(v, ret_err);
	if (r < 0) {
		goto out;
	}
	d->n_strata = svyvar_strata(v);
	d->n_psu = svyvar_psus(v);
	r = 0;
out:
	svyvar_destroy(v);
	sqlite3_finalize(st);
	return r;
}
