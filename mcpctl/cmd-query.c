/*
 * mcpctl query SQL and mcpctl describe NAME: what a model gets from the
 * query and describe_dataset tools, for an admin without an MCP client.
 *
 * mcpctl never runs client SQL itself.  It starts mcpd, the same program
 * the hosts start, speaks MCP to it over a pipe (initialize, one
 * tools/call) and prints the tool's text, so the SQL goes through mcpd's
 * guard, its worker processes and the limits of 'mcpctl config'.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcp/banned.h"
#include "mcp/buf.h"
#include "mcp/paths.h"
#include "mcp/xalloc.h"
#include "mcpctl.h"

extern char **environ;

/* mcpd's answer is capped by max_response_bytes; this only bounds a bug */
#define ANSWER_MAX (256u << 20)

enum {
	OPT_FORMAT = 0x200,
	OPT_MAX_ROWS,
	OPT_AS_MODEL,
};

/*
 * The mcpd to start: $MCPD, else the one beside this mcpctl (installed
 * together in bin/, or the build tree's mcpd/mcpd), else mcpd on PATH.
 * Returns a string the caller frees.
 */
static char *find_mcpd(void)
{
	const char *env = getenv("MCPD");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		return xstrdup(env);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		const char *beside[] = { "mcpd", "../mcpd/mcpd" };
		char *dir;

		self[n] = '\0';
		dir = dirname(self);
		for (size_t i = 0; i < 2; i++) {
			char *p = xasprintf("%s/%s", dir, beside[i]);

			if (access(p, X_OK) == 0) {
				return p;
			}
			free(p);
		}
	}
	return xstrdup("mcpd");
}

/* the conversation: initialize, initialized, one tools/call (id 2) */
static char *requests(const char *tool, cJSON *args)
{
	cJSON *call = cJSON_CreateObject();
	cJSON *params = cJSON_AddObjectToObject(call, "params");
	char *line, *all;

	cJSON_AddStringToObject(call, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(call, "id", 2);
	cJSON_AddStringToObject(call, "method", "tools/call");
	cJSON_AddStringToObject(params, "name", tool);
	cJSON_AddItemToObject(params, "arguments", args);
	line = cJSON_PrintUnformatted(call);
	cJSON_Delete(call);
	all = xasprintf(
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
		"\"params\":{\"protocolVersion\":\"2025-06-18\","
		"\"capabilities\":{},\"clientInfo\":{\"name\":\"mcpctl\","
		"\"version\":\"%s\"}}}\n"
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
		"%s\n", MCPD_VERSION, line);
	free(line);
	return all;
}

/* true once the lines of `b` past *scanned hold the reply to id 2 */
static bool has_reply(const struct buf *b, size_t *scanned)
{
	const char *s = buf_str(b);
	const char *nl;

	while ((nl = memchr(s + *scanned, '\n', b->len - *scanned))) {
		char *line = xstrndup(s + *scanned, (size_t)(nl - s) - *scanned);
		cJSON *msg = cJSON_Parse(line);
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
		bool hit = cJSON_IsNumber(id) && id->valuedouble == 2;

		cJSON_Delete(msg);
		free(line);
		*scanned = (size_t)(nl - s) + 1;
		if (hit) {
			return true;
		}
	}
	return false;
}

/* run mcpd on `input`; its whole stdout in *ret (caller releases) */
static int converse(struct ctl *ctl, const char *input, struct buf *ret)
{
	char *mcpd = find_mcpd(), *db = paths_catalog(ctl->db_path);
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int status, code = EXIT_FAIL;
	pid_t pid = -1;
	char chunk[65536];
	char *args[6];
	size_t scanned = 0;
	ssize_t n;

	if (!db) {
		ctl_error("cannot find a home directory for the catalog; "
			  "use --db PATH or set MCPD_DB");
		free(mcpd);
		return EXIT_FAIL;
	}
	args[0] = mcpd;
	args[1] = "--db";
	args[2] = db;
	args[3] = "--log-level";
	args[4] = "error";
	args[5] = NULL;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		ctl_error("cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	errno = posix_spawnp(&pid, mcpd, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (errno) {
		ctl_error("cannot start '%s': %s (set MCPD to mcpd's path)",
			  mcpd, strerror(errno));
		pid = -1;
		goto out;
	}
	/* a few hundred bytes: they fit the pipe, so no reader is needed */
	signal(SIGPIPE, SIG_IGN);
	if (write(in[1], input, strlen(input)) < 0) {
		ctl_error("cannot talk to mcpd: %s", strerror(errno));
		goto out;
	}
	buf_init(ret, ANSWER_MAX);
	while ((n = read(out[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 || buf_add(ret, chunk, (size_t)n) < 0) {
			ctl_error("cannot read mcpd's answer");
			goto out;
		}
		/*
		 * stdin stays open until the call is answered: mcpd gives a
		 * query only a short grace once its client has gone
		 */
		if (in[1] >= 0 && has_reply(ret, &scanned)) {
			close(in[1]);
			in[1] = -1;
		}
	}
	code = EXIT_OK;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0) {
			close(in[i]);
		}
		if (out[i] >= 0) {
			close(out[i]);
		}
	}
	if (pid > 0) {
		if (code) {
			kill(pid, SIGKILL);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
		}
	}
	free(db);
	free(mcpd);
	return code;
}

/* print the reply to id 2: the text, or with --json the whole result */
static int print_reply(struct ctl *ctl, const struct buf *answer)
{
	char *text = xstrdup(answer->len ? buf_str(answer) : "");
	char *save = NULL;
	int code = EXIT_FAIL;
	bool found = false;

	for (char *line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		cJSON *msg = cJSON_Parse(line);
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
		const cJSON *res, *err, *content, *c;

		if (!cJSON_IsNumber(id) || id->valuedouble != 2) {
			cJSON_Delete(msg);
			continue;
		}
		found = true;
		err = cJSON_GetObjectItemCaseSensitive(msg, "error");
		res = cJSON_GetObjectItemCaseSensitive(msg, "result");
		if (err) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(err,
								"message");

			ctl_error("mcpd: %s", cJSON_IsString(m) ? m->valuestring
							       : "error");
			cJSON_Delete(msg);
			break;
		}
		code = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res,
				    "isError")) ? EXIT_FAIL : EXIT_OK;
		if (ctl->json) {
			ctl_print_json(cJSON_DetachItemFromObject(msg,
								  "result"));
			cJSON_Delete(msg);
			break;
		}
		content = cJSON_GetObjectItemCaseSensitive(res, "content");
		cJSON_ArrayForEach(c, content) {
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(c,
								"text");

			if (cJSON_IsString(t)) {
				/* the tool's text, to stdout even on error:
				 * it is what the model would read */
				fputs(t->valuestring, stdout);
				if (*t->valuestring &&
				    t->valuestring[strlen(t->valuestring) - 1]
				    != '\n') {
					putchar('\n');
				}
			}
		}
		cJSON_Delete(msg);
	}
	if (!found) {
		ctl_error("mcpd gave no answer");
	}
	free(text);
	return code;
}

static int run_tool(struct ctl *ctl, const char *tool, cJSON *args)
{
	struct buf answer = BUF_INIT;
	struct db *db = ctl_open(ctl, false);
	char *input;
	int code;

	/* mcpctl's own words for a missing catalog, before mcpd's */
	if (!db) {
		cJSON_Delete(args);
		return EXIT_FAIL;
	}
	db_close(db);
	input = requests(tool, args);
	code = converse(ctl, input, &answer);

	if (code == EXIT_OK) {
		code = print_reply(ctl, &answer);
	}
	buf_release(&answer);
	free(input);
	return code;
}

/* options and the one positional argument; -1 after --help */
static int parse(struct ctl *ctl, int argc, char **argv, const char *what,
		 const char **ret_arg, const char **ret_format,
		 const char **ret_max_rows)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "max-rows", required_argument, NULL, OPT_MAX_ROWS },
		{ "as-model", no_argument, NULL, OPT_AS_MODEL },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	/* argv[-1] is the noun: getopt skips argv[0] */
	while ((c = getopt_long(argc + 1, argv - 1, "hq", longopts, NULL)) !=
	       -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		switch (c) {
		case OPT_FORMAT:
			if (!ret_format) {
				goto bad;
			}
			*ret_format = optarg;
			break;
		case OPT_MAX_ROWS:
			if (!ret_max_rows) {
				goto bad;
			}
			*ret_max_rows = optarg;
			break;
		case OPT_AS_MODEL:
			break;
		default:
			goto bad;
		}
	}
	if (argc + 1 - optind != 1) {
		return ctl_usage_error(what, argc + 1 - optind < 1
				       ? "missing argument"
				       : "one argument only (quote the SQL)");
	}
	*ret_arg = argv[optind - 1];
	return 0;
bad:
	return ctl_usage_error(what, "unknown option '%s'", argv[optind - 2]);
}

int cmd_query(struct ctl *ctl, int argc, char **argv)
{
	const char *sql = NULL, *format = NULL, *max_rows = NULL;
	cJSON *args;
	int code = parse(ctl, argc, argv, "query ", &sql, &format, &max_rows);
	long long n = 0;
	char *end;

	if (code) {
		return code;
	}
	if (format && strcmp(format, "markdown") && strcmp(format, "csv") &&
	    strcmp(format, "json")) {
		return ctl_usage_error("query ", "--format is markdown, csv "
				       "or json, not '%s'", format);
	}
	if (max_rows) {
		n = strtoll(max_rows, &end, 10);
		if (end == max_rows || *end || n <= 0) {
			return ctl_usage_error("query ", "--max-rows needs a "
					       "positive integer, got %s",
					       max_rows);
		}
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "sql", sql);
	if (format) {
		cJSON_AddStringToObject(args, "format", format);
	}
	if (max_rows) {
		cJSON_AddNumberToObject(args, "max_rows", (double)n);
	}
	return run_tool(ctl, "query", args);
}

int cmd_describe(struct ctl *ctl, int argc, char **argv)
{
	const char *name = NULL;
	cJSON *args;
	int code = parse(ctl, argc, argv, "describe ", &name, NULL, NULL);

	if (code) {
		return code;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", name);
	return run_tool(ctl, "describe_dataset", args);
}
