/*
 * mcpctl: shared state of one invocation and the helpers every command
 * uses.  Each cmd-<noun>.c exports one cmd_<noun>() entry point.
 */
#ifndef MCPCTL_H
#define MCPCTL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "mcp/db.h"

struct dataset_info;

/* exit codes, documented under EXIT STATUS in mcpctl(1) */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_FOUND = 3,
	EXIT_EXISTS = 4,
	EXIT_BUSY = 5,          /* the catalog stayed locked past --wait */
};

struct ctl {
	const char *db_path;    /* --db, else NULL: paths_catalog() decides */
	bool json;              /* --json */
	bool quiet;             /* --quiet */
	double wait;            /* --wait SECONDS, when wait_given */
	bool wait_given;
	const char *command;    /* "mcpctl dataset add ...", for
				 * catalog_writers */
};

/*
 * Options every command accepts after its verb too, so that both
 * "mcpctl --json dataset list" and "mcpctl dataset list --json" work.
 * Short option letters are reserved in every verb's optstring: "hq".
 */
#define CTL_LONG_OPTIONS \
	{ "db", required_argument, NULL, 0x100 }, \
	{ "json", no_argument, NULL, 0x101 }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "wait", required_argument, NULL, 0x102 }, \
	{ "color", required_argument, NULL, 0x103 }, \
	{ "help", no_argument, NULL, 'h' }

/* handle a common option; true when `c` was one */
bool ctl_common_option(struct ctl *ctl, int c, const char *arg);

/*
 * --wait SECONDS (busy.c): parse it (a usage error returns 2), and make
 * a connection wait that long for the write lock.  ctl_busy_exit() turns
 * the exit code of a command that failed after the wait ran out into
 * EXIT_BUSY, naming the holder.
 */
int ctl_parse_wait(struct ctl *ctl, const char *arg);
void ctl_busy_install(struct ctl *ctl, struct db *db);
int ctl_busy_exit(int code);

/* open the catalog (must exist unless `create`); prints the error */
struct db *ctl_open(struct ctl *ctl, bool create);

/* messages: "mcpctl: ..." on stderr */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a usage slip: one line, then "see 'mcpctl <what> --help'"; returns 2 */
int ctl_usage_error(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * print a JSON value on stdout and free it: on one line, or indented
 * when stdout is a terminal
 */
void ctl_print_json(cJSON *value);

/* a noun's verbs; run() gets argv with the verb as argv[0] */
struct verb {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
};
int ctl_dispatch(struct ctl *ctl, const char *noun, const struct verb *verbs,
		 const char *usage, int argc, char **argv);

int cmd_backup(struct ctl *ctl, int argc, char **argv);
int cmd_config(struct ctl *ctl, int argc, char **argv);
int cmd_dataset(struct ctl *ctl, int argc, char **argv);
int cmd_doctor(struct ctl *ctl, int argc, char **argv);
int cmd_init(struct ctl *ctl, int argc, char **argv);
int cmd_logs(struct ctl *ctl, int argc, char **argv);
int cmd_report(struct ctl *ctl, int argc, char **argv);
int cmd_restore(struct ctl *ctl, int argc, char **argv);
int cmd_stats(struct ctl *ctl, int argc, char **argv);
int cmd_vacuum(struct ctl *ctl, int argc, char **argv);
int cmd_key(struct ctl *ctl, int argc, char **argv);
/* query SQL, describe NAME: through mcpd, as a model (cmd-query.c) */
int cmd_query(struct ctl *ctl, int argc, char **argv);
int cmd_describe(struct ctl *ctl, int argc, char **argv);
/*
 * Fetch `url` into a new temporary file (*ret_path, caller unlinks and
 * frees), sending the stored key of `key_provider` (or none) as a bearer
 * token; prints the error (download.c).
 */
int ctl_download(struct ctl *ctl, struct db *db, const char *url,
		 const char *key_provider, bool progress, char **ret_path);
/* dataset set NAME --column COL --description TEXT (cmd-dataset-column.c) */
int ctl_dataset_set_column(struct ctl *ctl, int argc, char **argv);
/*
 * Run `change` on dataset `name` in one write transaction that also
 * reindexes it for search and moves its version; errors are printed
 * (`change` may set *ret_err; -ENOENT from it is exit 3).  On EXIT_OK,
 * *ret_d is the dataset (caller destroys).  dataset-edit.c.
 */
int ctl_edit_dataset(struct ctl *ctl, const char *name,
		     int (*change)(struct db *db,
				   const struct dataset_info *d, void *arg,
				   char **ret_err),
		     void *arg, struct dataset_info **ret_d);
/* dataset index NAME COL... [--drop] (cmd-dataset-index.c) */
int ctl_dataset_index(struct ctl *ctl, int argc, char **argv);
/* dataset labels NAME --codebook F | --export (cmd-dataset-labels.c) */
int ctl_dataset_labels(struct ctl *ctl, int argc, char **argv);
int cmd_metadata(struct ctl *ctl, int argc, char **argv);
/*
 * dataset export NAME [--format csv|jsonl|sqlite] [--out F] [--where E]
 * (cmd-dataset-export.c)
 */
int ctl_dataset_export(struct ctl *ctl, int argc, char **argv);
/*
 * The rows of `st` into a new SQLite file `path` as table `table`,
 * replacing the file whole; prints the error (export-sqlite.c)
 */
int ctl_export_sqlite(sqlite3_stmt *st, const char *table, const char *path,
		      long long *ret_rows);
/*
 * The dataset name 'dataset add' takes from a file name or URL ("Sales
 * 2024.csv" -> "sales_2024"), or NULL when none can be made; caller frees
 * (dataset-name.c).
 */
char *ctl_dataset_name_from(const char *path);
/* dataset rename OLD NEW (cmd-dataset-rename.c) */
int ctl_dataset_rename(struct ctl *ctl, int argc, char **argv);

struct master_key;
/*
 * Load the master key (cmd-key.c), printing the error.  With `create`, a
 * missing key file is made, unless keys in `db` need the old one.
 */
int ctl_master_key(struct ctl *ctl, struct db *db, bool create,
		   struct master_key *ret);

#endif
