/*
 * mcpctl completion: the shell scripts are thin; each asks
 * "mcpctl completion --complete -- WORDS..." for the candidates of the
 * last word, so bash, zsh and fish complete alike, from the command table
 * (help-table.c) and the catalog's dataset names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcpctl.h"
#include "help.h"

static const char bash_script[] =
	"# bash completion for mcpctl (mcpctl completion bash)\n"
	"_mcpctl() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} out\n"
	"\tout=$(\"${COMP_WORDS[0]}\" completion --complete -- \\\n"
	"\t\t\"${COMP_WORDS[@]:1:COMP_CWORD}\" 2>/dev/null) || return\n"
	"\tif [[ $out == :files ]]; then\n"
	"\t\tcompopt -o filenames 2>/dev/null\n"
	"\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	"\telse\n"
	"\t\tlocal IFS=$'\\n'\n"
	"\t\tCOMPREPLY=($(compgen -W \"$out\" -- \"$cur\"))\n"
	"\tfi\n"
	"}\n"
	"complete -F _mcpctl mcpctl\n";

static const char zsh_script[] =
	"#compdef mcpctl\n"
	"# zsh completion for mcpctl (mcpctl completion zsh)\n"
	"local -a cands\n"
	"cands=(\"${(@f)$(${words[1]} completion --complete -- "
	"\"${(@)words[2,CURRENT]}\" 2>/dev/null)}\")\n"
	"cands=(${cands:#})\n"
	"if [[ ${cands[1]} == :files ]]; then\n"
	"\t_files\n"
	"else\n"
	"\tcompadd -a cands\n"
	"fi\n";

static const char fish_script[] =
	"# fish completion for mcpctl (mcpctl completion fish)\n"
	"function __mcpctl_complete\n"
	"\tset -l cur (commandline -ct)\n"
	/* quoted: an empty current word stays a word */
	"\tset -l words (commandline -opc) \"$cur\"\n"
	"\tset -l out ($words[1] completion --complete -- $words[2..-1] "
	"2>/dev/null)\n"
	"\tif test \"$out\" = :files\n"
	"\t\t__fish_complete_path (commandline -ct)\n"
	"\telse\n"
	"\t\tprintf '%s\\n' $out\n"
	"\tend\n"
	"end\n"
	"complete -c mcpctl -f -a '(__mcpctl_complete)'\n";

static void put(const char *cur, const char *word, size_t len)
{
	if (len >= strlen(cur) && strncmp(word, cur, strlen(cur)) == 0) {
		printf("%.*s\n", (int)len, word);
	}
}

static void put_str(const char *cur, const char *word)
{
	if (strlen(word) >= strlen(cur) &&
	    strncmp(word, cur, strlen(cur)) == 0) {
		fputs(word, stdout);
		fputc('\n', stdout);
	}
}

/* the '|'-separated words of an option's value, "csv|jsonl" */
static void put_words(const char *cur, const char *list)
{
	while (*list) {
		size_t len = strcspn(list, "|");

		put(cur, list, len);
		list += len + (list[len] == '|');
	}
}

static void put_datasets(struct ctl *ctl, const char *cur)
{
	struct db *db = ctl_open(ctl, false);
	sqlite3_stmt *st = NULL;

	if (!db) {
		return;
	}
	if (sqlite3_prepare_v2(db->sql, "SELECT name FROM datasets "
			       "ORDER BY name", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			put_str(cur, (const char *)sqlite3_column_text(st, 0));
		}
	}
	sqlite3_finalize(st);
	db_close(db);
}

/* the nouns, or one noun's verbs */
static void put_commands(const char *cur, const char *noun)
{
	const char *last = "";
	size_t last_len = 0;

	for (const struct help_cmd *c = help_cmds; c->name; c++) {
		const char *sp = strchr(c->name, ' ');
		size_t len = sp ? (size_t)(sp - c->name) : strlen(c->name);

		if (noun) {
			if (sp && strlen(noun) == len &&
			    strncmp(c->name, noun, len) == 0) {
				put_str(cur, sp + 1);
			}
		} else if (len != last_len || strncmp(last, c->name, len)) {
			/* the table keeps a noun's verbs together */
			put(cur, c->name, len);
			last = c->name;
			last_len = len;
		}
	}
}

static void put_value(struct ctl *ctl, const char *cur,
		      enum help_complete what, const char *arg)
{
	switch (what) {
	case HC_DATASET:
		put_datasets(ctl, cur);
		break;
	case HC_FILE:
		puts(":files");
		break;
	case HC_WORDS:
		put_words(cur, arg);
		break;
	case HC_SHELL:
		put_words(cur, "bash|zsh|fish");
		break;
	case HC_NOUN:
		put_commands(cur, NULL);
		break;
	case HC_NONE:
		break;
	}
}

static int complete(struct ctl *ctl, int n, char **w)
{
	const char *noun = NULL, *verb = NULL, *cur = n ? w[n - 1] : "";
	const struct help_opt *pending = NULL;
	const struct help_cmd *c;
	char cmd[64];
	int npos = 0;

	for (int i = 0; i < n - 1; i++) {
		const char *a = w[i];

		snprintf(cmd, sizeof(cmd), "%s%s%s", noun ? noun : "",
			 verb ? " " : "", verb ? verb : "");
		if (strncmp(a, "--", 2) == 0 && a[2]) {
			char name[64];
			const struct help_opt *o;

			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(a + 2, "="), a + 2);
			o = help_opt_find(cmd, name);
			if (!o || !o->arg || strchr(a, '=')) {
				continue;
			}
			if (strcmp(name, "db") == 0 && i + 1 < n - 1) {
				ctl->db_path = w[i + 1];
			}
			if (i + 1 == n - 1) {
				pending = o;
			}
			i++;
		} else if (a[0] == '-' && a[1]) {
			continue;
		} else if (!noun) {
			noun = help_noun_alias(a);
		} else if (!verb && npos == 0 && help_noun_has_verbs(noun) &&
			   help_find(noun, help_verb_alias(noun, a))) {
			verb = help_verb_alias(noun, a);
		} else {
			npos++;
		}
	}
	snprintf(cmd, sizeof(cmd), "%s%s%s", noun ? noun : "",
		 verb ? " " : "", verb ? verb : "");
	if (pending) {
		put_value(ctl, cur, pending->value, pending->arg);
		return EXIT_OK;
	}
	if (cur[0] == '-') {
		for (const struct help_opt *o = help_opts; o->name; o++) {
			if (help_opt_applies(o, cmd) ||
			    strcmp(o->cmds, "*") == 0) {
				char opt[64];

				snprintf(opt, sizeof(opt), "--%s", o->name);
				put_str(cur, opt);
			}
		}
		return EXIT_OK;
	}
	if (!noun) {
		put_commands(cur, NULL);
		return EXIT_OK;
	}
	c = help_find(noun, verb);
	if (!verb && help_noun_has_verbs(noun) && (!c || npos == 0)) {
		put_commands(cur, noun);
		return EXIT_OK;
	}
	if (!c) {
		return EXIT_OK;
	}
	if (c->positional == HC_NOUN) {
		/* help NOUN VERB */
		if (npos == 0) {
			put_commands(cur, NULL);
		} else if (npos == 1) {
			for (int i = n - 2; i >= 0; i--) {
				if (w[i][0] != '-') {
					put_commands(cur, help_noun_alias(w[i]));
					break;
				}
			}
		}
		return EXIT_OK;
	}
	/* one NAME, unless the synopsis says NAME... */
	if (npos == 0 || strstr(c->args, "...")) {
		put_value(ctl, cur, c->positional, NULL);
	}
	return EXIT_OK;
}

/* argv holds the arguments after "completion" */
int cmd_completion(struct ctl *ctl, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "--complete") == 0) {
		int i = 1;

		i += i < argc && strcmp(argv[i], "--") == 0;
		return complete(ctl, argc - i, argv + i);
	}
	if (argc != 1) {
		return ctl_usage_error("completion ",
				       "name a shell: bash, zsh or fish");
	}
	if (strcmp(argv[0], "bash") == 0) {
		fputs(bash_script, stdout);
	} else if (strcmp(argv[0], "zsh") == 0) {
		fputs(zsh_script, stdout);
	} else if (strcmp(argv[0], "fish") == 0) {
		fputs(fish_script, stdout);
	} else {
		return ctl_usage_error("completion ",
				       "no completion for shell '%s'; "
				       "there is bash, zsh and fish", argv[0]);
	}
	return EXIT_OK;
}
