#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/banned.h"
#include "mcp/svydesign.h"
#include "mcp/xalloc.h"
#include "design.h"

/* an alias of our own for a registered SQLite file while it is read */
#define DESIGN_SOURCE_ALIAS "mcpctl_design_source"

bool design_option(struct design_args *a, int c, const char *arg)
{
	switch (c) {
	case OPT_STRATA:
		a->strata = arg;
		break;
	case OPT_CLUSTER:
		a->cluster = arg;
		break;
	case OPT_CLUSTER2:
		a->cluster2 = arg;
		break;
	case OPT_FPC:
		a->fpc = arg;
		break;
	case OPT_FPC2:
		a->fpc2 = arg;
		break;
	case OPT_NEST:
		a->nest = 1;
		break;
	case OPT_NO_NEST:
		a->nest = 2;
		break;
	case OPT_LONELY_PSU:
		a->lonely = arg;
		break;
	case OPT_NO_DESIGN:
		a->none = true;
		break;
	default:
		return false;
	}
	a->any = true;
	return true;
}

/* the catalog's spelling of a column of the dataset, or NULL */
static char *column_name(struct db *db, int64_t id, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *found = NULL;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT name FROM dataset_columns "
			       "WHERE dataset_id = ? AND name = ? "
			       "COLLATE NOCASE ORDER BY name = ? DESC",
			       -1, &st, NULL) != SQLITE_OK) {
		return NULL;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return found;
}

/* set *slot from an option: NULL leaves it, "" drops it */
static int merge(struct db *db, const struct dataset_info *d, char **slot,
		 const char *opt, const char *what)
{
	char *c;

	if (!opt) {
		return 0;
	}
	free(*slot);
	*slot = NULL;
	if (!*opt) {
		return 0;
	}
	c = column_name(db, d->id, opt);
	if (!c) {
		ctl_error("%s column '%s' is not a column of dataset '%s'",
			  what, opt, d->name);
		return -ENOENT;
	}
	*slot = c;
	return 0;
}

static int check_and_store(struct db *db, const struct dataset_info *d,
			   struct svydesign *des)
{
	char *ref = dataset_rows_ref(d, DESIGN_SOURCE_ALIAS);
	char *err = NULL;
	bool attached = false;
	int r;

	if (strcmp(d->source_kind, "sqlite") == 0) {
		r = dataset_attach_source(db, d->source_path,
					  DESIGN_SOURCE_ALIAS, &err);
		if (r < 0) {
			ctl_error("%s", err);
			goto out;
		}
		attached = true;
	}
	r = svydesign_check(db->sql, ref, d->weight_column, des, &err);
	if (r < 0) {
		ctl_error("the design of dataset '%s' does not hold: %s",
			  d->name, err);
		goto out;
	}
	r = db_begin(db);
	if (r == 0) {
		r = svydesign_store(db, d->id, des);
		if (r == 0) {
			r = dataset_touch(db, d->id);
		}
		if (r == 0) {
			r = db_commit(db);
		} else {
			db_rollback(db);
		}
	}
	if (r < 0) {
		ctl_error("cannot store the design of dataset '%s': %s",
			  d->name, sqlite3_errmsg(db->sql));
	}
out:
	if (attached) {
		dataset_detach_source(db, DESIGN_SOURCE_ALIAS);
	}
	free(err);
	free(ref);
	return r;
}

int design_apply(struct ctl *ctl, struct db *db, const char *name,
		 const struct design_args *a)
{
	struct dataset_info *d = NULL;
	struct svydesign *des = NULL;
	int r, code = EXIT_FAIL;

	if (!a->any) {
		return EXIT_OK;
	}
	r = dataset_lookup(db, name, &d);
	if (r < 0) {
		ctl_error("no dataset '%s'", name);
		return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAIL;
	}
	if (a->none) {
		r = svydesign_remove(db, d->id);
		if (r == 0) {
			r = dataset_touch(db, d->id);
		}
		if (r < 0) {
			ctl_error("cannot remove the design of dataset '%s'",
				  name);
			goto out;
		}
		code = EXIT_OK;
		goto out;
	}
	r = svydesign_load(db, d->id, &des);
	if (r == -ENOENT) {
		des = xcalloc(1, sizeof(*des));
		des->lonely = SVY_LONELY_FAIL;
	} else if (r < 0) {
		ctl_error("cannot read the catalog: %s", strerror(-r));
		goto out;
	}
	if (merge(db, d, &des->strata, a->strata, "strata") < 0 ||
	    merge(db, d, &des->cluster, a->cluster, "cluster") < 0 ||
	    merge(db, d, &des->cluster2, a->cluster2, "cluster2") < 0 ||
	    merge(db, d, &des->fpc, a->fpc, "fpc") < 0 ||
	    merge(db, d, &des->fpc2, a->fpc2, "fpc2") < 0) {
		goto out;
	}
	if (a->nest) {
		des->nest = a->nest == 1;
	}
	if (a->lonely && svy_lonely_parse(a->lonely, &des->lonely) < 0) {
		code = ctl_usage_error("dataset ", "--lonely-psu takes fail, "
				       "remove, certainty, adjust or "
				       "average, not '%s'", a->lonely);
		goto out;
	}
	if (!svydesign_is_set(des)) {
		ctl_error("a design needs at least one of --strata, "
			  "--cluster and --fpc");
		goto out;
	}
	if (check_and_store(db, d, des) < 0) {
		goto out;
	}
	if (!ctl->quiet && !ctl->json) {
		struct buf b = BUF_INIT;

		svydesign_describe(des, d->weight_column, &b);
		printf("design of '%s': %s\n", name, buf_str(&b));
		buf_release(&b);
	}
	code = EXIT_OK;
out:
	svydesign_destroy(des);
	dataset_info_destroy(d);
	return code;
}

void design_show_text(struct db *db, const struct dataset_info *d)
{
	struct svydesign *des = NULL;
	struct buf b = BUF_INIT;

	if (svydesign_load(db, d->id, &des) < 0) {
		printf("design:      none (weights only)\n");
		return;
	}
	svydesign_describe(des, d->weight_column, &b);
	printf("design:      %s\n", buf_str(&b));
	buf_release(&b);
	svydesign_destroy(des);
}

static void add_opt(cJSON *o, const char *key, const char *v)
{
	if (v) {
		cJSON_AddStringToObject(o, key, v);
	} else {
		cJSON_AddNullToObject(o, key);
	}
}

void design_show_json(struct db *db, const struct dataset_info *d,
		      cJSON *o)
{
	struct svydesign *des = NULL;
	struct buf b = BUF_INIT;
	cJSON *j;

	if (svydesign_load(db, d->id, &des) < 0) {
		cJSON_AddNullToObject(o, "design");
		return;
	}
	j = cJSON_AddObjectToObject(o, "design");
	add_opt(j, "strata", des->strata);
	add_opt(j, "cluster", des->cluster);
	add_opt(j, "cluster2", des->cluster2);
	add_opt(j, "fpc", des->fpc);
	add_opt(j, "fpc2", des->fpc2);
	cJSON_AddBoolToObject(j, "nest", des->nest);
	cJSON_AddStringToObject(j, "lonely_psu",
				svy_lonely_name(des->lonely));
	cJSON_AddNumberToObject(j, "strata_count", (double)des->n_strata);
	cJSON_AddNumberToObject(j, "psu_count", (double)des->n_psu);
	svydesign_describe(des, d->weight_column, &b);
	cJSON_AddStringToObject(j, "summary", buf_str(&b));
	buf_release(&b);
	svydesign_destroy(des);
}
