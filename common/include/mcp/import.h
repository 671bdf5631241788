/*
 * import: turning a CSV file into a dataset, and registering a table of an
 * existing SQLite file.
 *
 * A CSV import reads the file twice.  The first pass checks every record
 * (field count, quoting, UTF-8) and infers each column's type from the
 * whole column; nothing is written during it, so a broken line 3,000,001
 * leaves the catalog untouched.  The second pass creates the typed table
 * and inserts the rows, inside one transaction together with the datasets
 * and dataset_columns rows and the profile.  Standard input ("-") is first
 * copied to an unlinked temporary file so it can be read twice.
 *
 * On failure *ret_err says what went wrong and where ("FILE:LINE: cause").
 */
#ifndef MCP_IMPORT_H
#define MCP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp/db.h"

struct import_options {
	const char *name;               /* dataset name, already checked */
	const char *path;               /* CSV path or "-"; SQLite file */
	const char *table;              /* --sqlite: table inside the file */
	bool convert;                   /* --sqlite: copy the rows, with the
					 * types inferred for text columns */
	char delimiter;                 /* 0: ',' */
	const char *const *null_values; /* extra NULL markers */
	size_t n_null_values;
	const char *title;
	const char *description;
	const char *weight;
	const char *tags;
	bool replace;                   /* replace an existing dataset */
	bool append;                    /* CSV: add rows to an existing
					 * dataset of the same columns */
	bool same_columns;              /* replacing: fail unless the column
					 * names stay the same */
	const char *source_url;         /* the CSV at `path` came from here:
					 * source_kind 'url' */
	bool progress;                  /* progress on stderr */
	/* CSV dialect, encoding and typing; zero means "detect/default" */
	int quoting;                    /* 0 detect, else 1 + csv_quoting */
	const char *encoding;           /* iconv name; UTF-8 when NULL */
	bool no_header;                 /* columns are column_1, ... */
	uint64_t skip;                  /* leading lines dropped */
	int64_t max_errors;             /* bad records skipped, at most */
	const char *rejects;            /* where skipped records go */
	bool no_default_nulls;          /* NA, N/A, ... stay text */
	char decimal;                   /* '.' or ',' forced */
	int date_order;                 /* 0, or TI_DF_MDY / TI_DF_DMY */
	const char *const *types;       /* "COLUMN=kind" overrides */
	size_t n_types;
	const char *catalog_file;       /* .sas7bdat: its SAS format catalog
					 * (.sas7bcat) of value labels */
	bool keep_user_missing;         /* survey files: user-defined
					 * missing codes stay values */
};

struct import_rename {
	int position;
	char *from;                     /* header in the file */
	char *to;                       /* column name used */
};

struct import_report {
	int64_t dataset_id;
	int64_t rows;
	int columns;
	uint64_t bytes;
	double seconds;
	struct import_rename *renames;  /* headers that had to change */
	size_t n_renames;
	bool replaced;
	char **notes;                   /* what was detected and done */
	size_t n_notes;
	char **warnings;                /* what may surprise */
	size_t n_warnings;
	int64_t rejected;               /* records skipped (--max-errors) */
};

void import_report_finish(struct import_report *r);

/* -EEXIST when the dataset exists and !replace */
int import_csv(struct db *db, const struct import_options *opt,
	       struct import_report *ret, char **ret_err);
int import_sqlite(struct db *db, const struct import_options *opt,
		  struct import_report *ret, char **ret_err);

/*
 * Survey files through ReadStat (import-readstat.c): `format` is "sav",
 * "dta", "xpt" or "sas7bdat", or NULL to pick it from the file's first
 * bytes.  A file whose first bytes say another format is refused.
 * Variable labels become the columns' file descriptions, value labels
 * rows of value_labels; system and user-defined missing values are NULL.
 * A .sas7bdat file's value labels come from opt->catalog_file, matched
 * by each variable's format name; refresh reads the same catalog again.
 */
int import_readstat(struct db *db, const struct import_options *opt,
		    const char *format, struct import_report *ret,
		    char **ret_err);
/* the format the first bytes of `path` show, or NULL */
const char *import_readstat_sniff(const char *path);
/* "SPSS .sav" for "sav"; NULL for an unknown format */
const char *import_readstat_describe(const char *format);

/*
 * Re-read a dataset from its source (CSV), or re-profile it (SQLite);
 * with `same_columns`, a source whose column names changed is refused
 * (-EINVAL) and the catalog left as it was.
 */
int import_refresh(struct db *db, const char *name, bool progress,
		   bool same_columns,
		   struct import_report *ret, char **ret_err);

/* make `weight` (a numeric column) the dataset's weight; in a transaction */
int import_set_weight(struct db *db, int64_t id, const char *weight,
		      char **ret_err);

/* the types the CSV import infers; exposed for unit tests */
enum import_type {
	IMPORT_NULL,
	IMPORT_INTEGER,
	IMPORT_REAL,
	IMPORT_TEXT,
};
enum import_type import_classify(const char *s, size_t len);

#endif
