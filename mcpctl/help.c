/*
 * --help, "mcpctl help" and the checks of argv against the command table
 * (help-table.c), run by main() before a command parses its options, so
 * that every command gets the same aliases, help and did-you-mean.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "mcp/banned.h"
#include "mcpctl.h"
#include "help.h"

extern char **environ;

struct alias {
	const char *from, *to;
};

static const struct alias noun_aliases[] = {
	{ "datasets", "dataset" },
	{ "keys", "key" },
	{ "log", "logs" },
	{ NULL, NULL },
};

/* verb aliases hold for every noun that has the target verb */
static const struct alias verb_aliases[] = {
	{ "ls", "list" },
	{ "remove", "rm" },
	{ "delete", "rm" },
	{ "del", "rm" },
	{ "info", "show" },
	{ NULL, NULL },
};

/* the first word of a command name, compared as a whole word */
static bool noun_is(const char *name, const char *noun)
{
	size_t n = strlen(noun);

	return strncmp(name, noun, n) == 0 && (name[n] == ' ' || !name[n]);
}

const struct help_cmd *help_find(const char *noun, const char *verb)
{
	size_t n = strlen(noun);

	for (const struct help_cmd *c = help_cmds; c->name; c++) {
		if (!noun_is(c->name, noun)) {
			continue;
		}
		if (!verb ? !c->name[n] : c->name[n] == ' ' &&
		    strcmp(c->name + n + 1, verb) == 0) {
			return c;
		}
	}
	return NULL;
}

bool help_noun_has_verbs(const char *noun)
{
	size_t n = strlen(noun);

	for (const struct help_cmd *c = help_cmds; c->name; c++) {
		if (noun_is(c->name, noun) && c->name[n] == ' ') {
			return true;
		}
	}
	return false;
}

bool help_opt_applies(const struct help_opt *o, const char *cmd)
{
	size_t n = strlen(cmd);
	const char *p = o->cmds;

	if (strcmp(p, "*") == 0) {
		return true;
	}
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, cmd, n) == 0) {
			return true;
		}
		p += len + (end ? 1 : 0);
	}
	return false;
}

const struct help_opt *help_opt_find(const char *cmd, const char *name)
{
	for (const struct help_opt *o = help_opts; o->name; o++) {
		if (strcmp(o->name, name) == 0 && help_opt_applies(o, cmd)) {
			return o;
		}
	}
	return NULL;
}

const char *help_noun_alias(const char *word)
{
	for (const struct alias *a = noun_aliases; a->from; a++) {
		if (strcmp(a->from, word) == 0) {
			return a->to;
		}
	}
	return word;
}

const char *help_verb_alias(const char *noun, const char *word)
{
	for (const struct alias *a = verb_aliases; a->from; a++) {
		if (strcmp(a->from, word) == 0 && help_find(noun, a->to)) {
			return a->to;
		}
	}
	return word;
}

static void print_usage_lines(FILE *f, const struct help_cmd *c, bool *first)
{
	const char *p = c->args;

	do {
		const char *end = strchr(p, '\n');
		int len = end ? (int)(end - p) : (int)strlen(p);

		fprintf(f, "%s mcpctl %s%s%.*s\n", *first ? "usage:" : "   or:",
			c->name, len ? " " : "", len, p);
		*first = false;
		p = end ? end + 1 : NULL;
	} while (p);
}

static void print_opt(FILE *f, const struct help_opt *o)
{
	char left[64];

	if (o->short_name) {
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name,
			 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	} else {
		snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	}
	/* a long list of words does not fit the column: it goes first */
	if (strlen(left) > 26) {
		fprintf(f, "  %s\n  %-26s %s\n", left, "", o->text);
	} else {
		fprintf(f, "  %-26s %s\n", left, o->text);
	}
}

static void print_globals(FILE *f)
{
	fputs("\nglobal options (before or after the command):\n", f);
	for (const struct help_opt *o = help_opts; o->name; o++) {
		if (strcmp(o->cmds, "*") == 0) {
			print_opt(f, o);
		}
	}
}

static void print_main(FILE *f)
{
	fputs("usage: mcpctl [--db PATH] [--json] [--quiet] COMMAND [ARGS]\n"
	      "\ncommands:\n", f);
	for (const struct help_cmd *c = help_cmds; c->name; c++) {
		fprintf(f, "  %-18s %s\n", c->name, c->summary);
	}
	print_globals(f);
	fputs("      --version              print the version\n"
	      "\n'mcpctl COMMAND --help' describes a command and its options;\n"
	      "'mcpctl help COMMAND' opens the manual page.\n", f);
}

void help_print(FILE *f, const char *noun, const char *verb)
{
	const struct help_cmd *c = noun ? help_find(noun, verb) : NULL;
	bool first = true;

	if (!noun) {
		print_main(f);
		return;
	}
	if (c) {
		print_usage_lines(f, c, &first);
	}
	if (!verb) {
		/* the noun's overview: every verb, then the noun's own options */
		for (const struct help_cmd *v = help_cmds; v->name; v++) {
			if (noun_is(v->name, noun) && v != c) {
				print_usage_lines(f, v, &first);
			}
		}
	}
	if (c) {
		fprintf(f, "\n%s\n", c->summary);
	} else {
		fputs("\n", f);
		for (const struct help_cmd *v = help_cmds; v->name; v++) {
			if (noun_is(v->name, noun)) {
				fprintf(f, "  %-18s %s\n", v->name +
					strlen(noun) + 1, v->summary);
			}
		}
	}
	if (c) {
		bool any = false;

		for (const struct help_opt *o = help_opts; o->name; o++) {
			if (strcmp(o->cmds, "*") == 0 ||
			    !help_opt_applies(o, c->name)) {
				continue;
			}
			if (!any) {
				fputs("\noptions:\n", f);
				any = true;
			}
			print_opt(f, o);
		}
	}
	print_globals(f);
	if (!c) {
		fprintf(f, "\n'mcpctl %s VERB --help' describes a verb.\n", noun);
	}
}

/* the candidates for a did-you-mean: nouns, or one noun's verbs */
static size_t words(const char *noun, const char **out, size_t max)
{
	static char nouns[64][24];
	size_t n = 0;

	for (const struct help_cmd *c = help_cmds; c->name && n < max; c++) {
		const char *sp = strchr(c->name, ' ');
		size_t len = sp ? (size_t)(sp - c->name) : strlen(c->name);
		bool seen = false;

		if (noun) {
			if (sp && noun_is(c->name, noun)) {
				out[n++] = sp + 1;
			}
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			seen = seen || (strlen(out[i]) == len &&
					strncmp(out[i], c->name, len) == 0);
		}
		if (!seen && len < sizeof(nouns[0]) && n < 64) {
			memcpy(nouns[n], c->name, len);
			nouns[n][len] = '\0';
			out[n] = nouns[n];
			n++;
		}
	}
	return n;
}

static int unknown_word(const char *noun, const char *word)
{
	const char *cands[64];
	size_t n = words(noun, cands, 64);

	if (noun) {
		ctl_error("'%s' is not a %s command", word, noun);
	} else {
		ctl_error("'%s' is not an mcpctl command", word);
	}
	if (!help_suggest(word, cands, n, "")) {
		fprintf(stderr, "see 'mcpctl %s%s--help'\n", noun ? noun : "",
			noun ? " " : "");
	}
	return EXIT_USAGE;
}

/* the option names that `cmd` takes, for the did-you-mean */
static int unknown_option(const char *cmd, const char *arg)
{
	const char *cands[128];
	char name[64];
	size_t n = 0;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg + 2, "="),
		 arg + 2);
	for (const struct help_opt *o = help_opts; o->name && n < 128; o++) {
		if (help_opt_applies(o, cmd)) {
			cands[n++] = o->name;
		}
	}
	ctl_error("unknown option '--%s' for '%s'", name, cmd);
	if (!help_suggest(name, cands, n, "--")) {
		fprintf(stderr, "see 'mcpctl %s --help'\n", cmd);
	}
	return EXIT_USAGE;
}

/* an option of some other verb of `noun`: that verb's parser says so */
static bool noun_knows(const char *noun, const char *name)
{
	for (const struct help_opt *o = help_opts; o->name; o++) {
		if (strcmp(o->name, name) != 0) {
			continue;
		}
		for (const struct help_cmd *c = help_cmds; c->name; c++) {
			if (noun_is(c->name, noun) &&
			    help_opt_applies(o, c->name)) {
				return true;
			}
		}
	}
	return false;
}

int help_unknown_global(const char *arg)
{
	if (strncmp(arg, "--", 2) == 0) {
		const char *cands[] = { "db", "json", "quiet", "help",
					"version" };
		char name[64];

		snprintf(name, sizeof(name), "%.*s",
			 (int)strcspn(arg + 2, "="), arg + 2);
		ctl_error("unknown option '%s'", arg);
		if (help_suggest(name, cands, 5, "--")) {
			return EXIT_USAGE;
		}
		fputs("see 'mcpctl --help'\n", stderr);
		return EXIT_USAGE;
	}
	return ctl_usage_error("", "unknown option '%s'", arg);
}

int help_check_argv(int argc, char **argv)
{
	const char *noun = help_noun_alias(argv[0]);
	const char *verb = NULL;
	char cmd[64];
	int i = 1;

	argv[0] = (char *)noun;
	if (!help_find(noun, NULL) && !help_noun_has_verbs(noun)) {
		return unknown_word(NULL, noun);
	}
	if (help_noun_has_verbs(noun) && argc > 1 && argv[1][0] != '-') {
		const struct help_cmd *own = help_find(noun, NULL);

		argv[1] = (char *)help_verb_alias(noun, argv[1]);
		if (help_find(noun, argv[1])) {
			verb = argv[1];
			i = 2;
		} else if (!own || own->positional == HC_NONE) {
			return unknown_word(noun, argv[1]);
		}
	}
	snprintf(cmd, sizeof(cmd), "%s%s%s", noun, verb ? " " : "",
		 verb ? verb : "");
	for (; i < argc; i++) {
		const char *a = argv[i];
		const struct help_opt *o;
		char name[64];

		if (strcmp(a, "--") == 0) {
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help_print(stdout, noun, verb);
			return EXIT_OK;
		}
		if (strncmp(a, "--", 2) != 0) {
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(a + 2, "="),
			 a + 2);
		o = help_opt_find(cmd, name);
		if (o) {
			/* skip the value, which may well start with dashes */
			i += o->arg && !strchr(a, '=');
		} else if (help_find(noun, verb) && noun_knows(noun, name)) {
			char what[66];

			snprintf(what, sizeof(what), "%s ", cmd);
			return ctl_usage_error(what, "--%s does not go with "
					       "'%s'", name, cmd);
		} else if (help_find(noun, verb)) {
			return unknown_option(cmd, a);
		}
	}
	return -1;
}

/* man(1) on mcpctl's page; false when man is missing or fails */
static bool run_man(void)
{
	char *args[] = { "man", "1", "mcpctl", NULL };
	pid_t pid;
	int status;

	fflush(stdout);
	if (posix_spawnp(&pid, "man", NULL, NULL, args, environ) != 0) {
		return false;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return false;
		}
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int cmd_help(struct ctl *ctl, int argc, char **argv)
{
	/* argv holds the arguments after "help" */
	const char *noun = argc > 0 ? help_noun_alias(argv[0]) : NULL;
	const char *verb = argc > 1 ? argv[1] : NULL;

	(void)ctl;
	if (argc > 2) {
		return ctl_usage_error("help ", "unexpected argument '%s'",
				       argv[2]);
	}
	if (noun && !help_find(noun, NULL) && !help_noun_has_verbs(noun)) {
		return unknown_word(NULL, noun);
	}
	if (verb) {
		verb = help_verb_alias(noun, verb);
		if (!help_find(noun, verb)) {
			return unknown_word(noun, verb);
		}
	}
	/* MCPCTL_NO_MAN: the text, as where man is missing (tests, scripts) */
	if (!getenv("MCPCTL_NO_MAN") && run_man()) {
		return EXIT_OK;
	}
	help_print(stdout, noun, verb);
	return EXIT_OK;
}
