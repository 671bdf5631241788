/*
 * mcpctl's command line described once: every command with its synopsis
 * and every option with one line of text (help-table.c).  The table feeds
 * --help, "mcpctl help", the did-you-mean for unknown words and options,
 * and shell completion, so a new option appears in all four by adding one
 * row.  The strings are static; nothing here allocates for the caller.
 */
#ifndef MCPCTL_HELP_H
#define MCPCTL_HELP_H

#include <stdbool.h>
#include <stdio.h>

struct ctl;

/* what a positional argument or an option's value completes to */
enum help_complete {
	HC_NONE = 0,
	HC_DATASET,     /* a dataset name from the catalog */
	HC_FILE,        /* a path */
	HC_WORDS,       /* the '|'-separated words of the option's arg */
	HC_NOUN,        /* a command word (for "help") */
	HC_SHELL,       /* bash, zsh or fish */
};

struct help_cmd {
	const char *name;       /* "dataset add", or "backup" for one word */
	const char *args;       /* after the name; '\n' between alternatives */
	enum help_complete positional;
	const char *summary;    /* one line */
};

struct help_opt {
	const char *cmds;       /* "dataset add,dataset set"; "*": every one */
	const char *name;       /* without the dashes */
	char short_name;        /* or 0 */
	const char *arg;        /* NULL for a flag; the value's name */
	enum help_complete value;
	const char *text;       /* one line */
};

extern const struct help_cmd help_cmds[];       /* ends with name NULL */
extern const struct help_opt help_opts[];       /* ends with name NULL */

/* the command "noun verb" (verb may be NULL), or NULL */
const struct help_cmd *help_find(const char *noun, const char *verb);
/* true when the noun has verbs ("dataset"), false for "backup" */
bool help_noun_has_verbs(const char *noun);
/* true when option `name` (no dashes) belongs to `cmd` or to every one */
bool help_opt_applies(const struct help_opt *o, const char *cmd);
/* the row of option `name` for `cmd`, or NULL */
const struct help_opt *help_opt_find(const char *cmd, const char *name);
/* the canonical word for an alias ("ls" -> "list"), else `word` */
const char *help_noun_alias(const char *word);
const char *help_verb_alias(const char *noun, const char *word);

/* the usage of one command (or of a whole noun) with its options */
void help_print(FILE *f, const char *noun, const char *verb);

/*
 * Check argv (noun first) against the table before the command runs:
 * aliases are replaced in argv, --help prints that command's help, an
 * unknown word or option gets a did-you-mean.  Returns -1 to go on, else
 * the exit code.
 */
int help_check_argv(int argc, char **argv);

/* an unknown option before the command, with a did-you-mean; returns 2 */
int help_unknown_global(const char *arg);

/* "mcpctl help [NOUN [VERB]]" */
int cmd_help(struct ctl *ctl, int argc, char **argv);

/* edit distance, for the did-you-mean (help-suggest.c) */
int help_distance(const char *a, const char *b);
/* print "did you mean ...?" for `word` among `n` candidates; true if any */
bool help_suggest(const char *word, const char *const *cands, size_t n,
		  const char *prefix);

/* "mcpctl completion bash|zsh|fish" and its --complete helper */
int cmd_completion(struct ctl *ctl, int argc, char **argv);

#endif
