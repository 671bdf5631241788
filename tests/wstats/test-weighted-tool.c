/*
 * The weighted_stats tool through the real programs: mcpctl imports
 * survey.csv into a fresh catalog, mcpd is spawned on it with pipes for
 * stdin and stdout, and every case of expected.csv becomes a tools/call
 * whose structuredContent must match the values recorded from R's survey
 * package.  Then the answers around the numbers: what was left out,
 * percentages adding up to 100, and the errors (negative weights, unknown
 * columns, filters the guard refuses).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcp/xalloc.h"
#include "refcase.h"
#include "tap.h"

static FILE *to_mcpd;
static FILE *from_mcpd;
static pid_t mcpd_pid;
static int next_id = 1;

static int run_wait(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int spawn_mcpd(const char *mcpd, const char *db)
{
	int in[2], out[2];

	if (pipe(in) < 0 || pipe(out) < 0) {
		return -1;
	}
	mcpd_pid = fork();
	if (mcpd_pid < 0) {
		return -1;
	}
	if (mcpd_pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(mcpd, mcpd, "--db", db, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	to_mcpd = fdopen(in[1], "w");
	from_mcpd = fdopen(out[0], "r");
	return to_mcpd && from_mcpd ? 0 : -1;
}

/* send a request and return its response (caller deletes), or NULL */
static cJSON *request(const char *method, cJSON *params)
{
	cJSON *msg = cJSON_CreateObject();
	char *line = NULL;
	size_t cap = 0;
	char *text;
	int id = next_id++;

	cJSON_AddStringToObject(msg, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(msg, "id", id);
	cJSON_AddStringToObject(msg, "method", method);
	cJSON_AddItemToObject(msg, "params", params);
	text = cJSON_PrintUnformatted(msg);
	fprintf(to_mcpd, "%s\n", text);
	fflush(to_mcpd);
	free(text);
	cJSON_Delete(msg);
	/* notifications may come first; the response carries our id */
	while (getline(&line, &cap, from_mcpd) > 0) {
		cJSON *r = cJSON_Parse(line);
		const cJSON *rid = cJSON_GetObjectItemCaseSensitive(r, "id");

		if (cJSON_IsNumber(rid) && rid->valueint == id) {
			free(line);
			return r;
		}
		cJSON_Delete(r);
	}
	free(line);
	return NULL;
}

static void notify(const char *method)
{
	fprintf(to_mcpd, "{\"jsonrpc\":\"2.0\",\"method\":\"%s\"}\n", method);
	fflush(to_mcpd);
}

struct answer {
	cJSON *response;
	const cJSON *structured;
	const char *text;
	bool is_error;
};

static bool call_tool(cJSON *args, struct answer *ret)
{
	cJSON *params = cJSON_CreateObject();
	const cJSON *result, *content;

	cJSON_AddStringToObject(params, "name", "weighted_stats");
	cJSON_AddItemToObject(params, "arguments", args);
	memset(ret, 0, sizeof(*ret));
	ret->response = request("tools/call", params);
	result = cJSON_GetObjectItemCaseSensitive(ret->response, "result");
	if (!result) {
		return false;
	}
	ret->structured = cJSON_GetObjectItemCaseSensitive(result,
							   "structuredContent");
	content = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(result, "content"), 0);
	content = cJSON_GetObjectItemCaseSensitive(content, "text");
	ret->text = cJSON_IsString(content) ? content->valuestring : "";
	ret->is_error = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(result, "isError"));
	return true;
}

static void answer_finish(struct answer *a)
{
	cJSON_Delete(a->response);
}

static cJSON *case_args(const struct refcase *c)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "dataset", "survey");
	cJSON_AddStringToObject(a, "stat", c->stat);
	if (c->measure[0]) {
		cJSON_AddStringToObject(a, "measure", c->measure);
	}
	if (c->nby) {
		cJSON *by = cJSON_AddArrayToObject(a, "by");

		for (size_t i = 0; i < c->nby; i++) {
			cJSON_AddItemToArray(by, cJSON_CreateString(c->by[i]));
		}
	}
	if (c->where[0]) {
		cJSON_AddStringToObject(a, "where", c->where);
	}
	if (c->nq) {
		cJSON_AddItemToObject(a, "q",
				      cJSON_CreateDoubleArray(c->q,
							      (int)c->nq));
	}
	if (c->unweighted) {
		cJSON_AddTrueToObject(a, "unweighted");
	}
	return a;
}

/* every group of a percent answer adds up to 100 */
static bool percent_sums(const cJSON *table, int nby, struct buf *why)
{
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(table, "rows");
	const cJSON *row;
	char *last = NULL;
	double sum = 0;
	bool pass = true;

	cJSON_ArrayForEach(row, rows) {
		const cJSON *est = cJSON_GetArrayItem(row, nby + 1);
		char *key = NULL;
		cJSON *g = cJSON_CreateArray();

		for (int i = 0; i < nby; i++) {
			cJSON_AddItemToArray(g, cJSON_Duplicate(
				cJSON_GetArrayItem(row, i), 1));
		}
		key = cJSON_PrintUnformatted(g);
		cJSON_Delete(g);
		if (last && strcmp(last, key) != 0) {
			if (fabs(sum - 100) > 1e-9) {
				buf_addf(why, "group %s adds up to %.17g\n",
					 last, sum);
				pass = false;
			}
			sum = 0;
		}
		free(last);
		last = key;
		sum += cJSON_IsNumber(est) ? est->valuedouble : NAN;
	}
	if (last && fabs(sum - 100) > 1e-9) {
		buf_addf(why, "group %s adds up to %.17g\n", last, sum);
		pass = false;
	}
	free(last);
	return pass;
}

static void check_cases(const struct refcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct refcase *c = &cases[i];
		struct answer a;
		struct buf why = BUF_INIT;
		bool pass;

		if (!call_tool(case_args(c), &a) || a.is_error) {
			ok(0, "%s: weighted_stats %s answers", c->id, c->stat);
			diag("%s", a.text ? a.text : "no response");
			answer_finish(&a);
			continue;
		}
		pass = refcase_check(c, a.structured, &why);
		ok(pass, "%s: weighted_stats %s %s%s%s%s matches R", c->id,
		   c->stat, c->measure, c->nby ? " by " : "",
		   c->nby ? c->by[0] : "", c->where[0] ? " (filtered)" : "");
		if (!pass) {
			printf("%s", buf_str(&why));
		}
		if (strcmp(c->stat, "percent") == 0) {
			buf_reset(&why);
			ok(percent_sums(a.structured, (int)c->nby, &why),
			   "%s: percentages add up to 100 in each group",
			   c->id);
			printf("%s", buf_str(&why));
		}
		buf_release(&why);
		answer_finish(&a);
	}
}

static cJSON *args_from(const char *json)
{
	cJSON *a = cJSON_Parse(json);

	if (!a) {
		fprintf(stderr, "bad test JSON: %s\n", json);
		exit(1);
	}
	return a;
}

/* a call that must fail with a message containing `want` */
static void check_error(const char *json, const char *want)
{
	struct answer a;

	call_tool(args_from(json), &a);
	ok(a.is_error && a.text && strstr(a.text, want),
	   "%s is refused: '%s'", json, want);
	if (!(a.is_error && a.text && strstr(a.text, want))) {
		diag("got%s: %s", a.is_error ? " an error" : "",
		     a.text ? a.text : "no response");
	}
	answer_finish(&a);
}

static void check_notes(void)
{
	struct answer a;
	const cJSON *v;

	call_tool(args_from("{\"dataset\":\"survey\",\"stat\":\"mean\","
			    "\"measure\":\"income\"}"), &a);
	ok(!a.is_error && strstr(a.text, "Rows used: 370 of 400; 30 left "
				 "out (28 with no income, 2 with no "
				 "weight)"),
	   "the answer says how many rows were left out and why");
	v = cJSON_GetObjectItemCaseSensitive(a.structured, "rows_left_out");
	is_int(cJSON_IsNumber(v) ? v->valueint : -1, 30,
	       "structuredContent.rows_left_out");
	v = cJSON_GetObjectItemCaseSensitive(a.structured, "weight");
	ok(cJSON_IsString(v) && strcmp(v->valuestring, "wt") == 0,
	   "the dataset's weight column is the default weight");
	ok(strstr(a.text, "Weighted mean of income in survey (weight: wt)")
		   != NULL, "the answer names the weight");
	answer_finish(&a);

	/* no default weight: unweighted, and said so */
	call_tool(args_from("{\"dataset\":\"noweight\",\"measure\":\"x\"}"),
		  &a);
	ok(!a.is_error && strstr(a.text, "has no weight column"),
	   "a dataset without a weight column is estimated unweighted, "
	   "with a note");
	answer_finish(&a);

	/* an explicit weight column overrides the dataset's */
	call_tool(args_from("{\"dataset\":\"noweight\",\"measure\":\"x\","
			    "\"weight\":\"w\",\"where\":\"w >= 0\"}"), &a);
	v = cJSON_GetArrayItem(cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(a.structured, "rows"), 0), 0);
	ok(!a.is_error && cJSON_IsNumber(v) &&
		   fabs(v->valuedouble - (1 * 1 + 2 * 3 + 3 * 0) / 4.0) < 1e-12,
	   "'weight' names the weight column");
	answer_finish(&a);
}

static double cell(const struct answer *a, int row, int col)
{
	const cJSON *v = cJSON_GetArrayItem(cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(a->structured, "rows"), row),
		col);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void check_edges(void)
{
	struct answer a;
	const cJSON *rows, *col;

	call_tool(args_from("{\"dataset\":\"odd\",\"measure\":\"val\","
			    "\"by\":[\"grp\\\"x\"]}"), &a);
	rows = cJSON_GetObjectItemCaseSensitive(a.structured, "rows");
	col = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
		a.structured, "columns"), 0);
	col = cJSON_GetObjectItemCaseSensitive(col, "name");
	ok(!a.is_error && cJSON_GetArraySize(rows) == 3 &&
		   cJSON_IsString(col) && strcmp(col->valuestring,
						 "grp\"x") == 0,
	   "a by column with a quote in its name keeps its name");
	ok(cJSON_IsNull(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 0))
		   && cell(&a, 0, 1) == 7 && cell(&a, 1, 1) == 5.0 / 3,
	   "the empty group comes first, as null, and a's mean is 5/3");
	/* the model reads 7 digits; structuredContent kept every one */
	ok(strstr(a.text, "| 1.666667 |") && !strstr(a.text, "1.6666666"),
	   "the markdown shows 5/3 at 7 significant digits");
	answer_finish(&a);

	call_tool(args_from("{\"dataset\":\"odd\",\"measure\":\"val\","
			    "\"by\":[\"grp\\\"x\"],\"digits\":3}"), &a);
	ok(!a.is_error && strstr(a.text, "| 1.67 |") &&
		   cell(&a, 1, 1) == 5.0 / 3,
	   "digits: 3 shows 1.67, structuredContent still 5/3");
	answer_finish(&a);

	call_tool(args_from("{\"dataset\":\"odd\",\"measure\":\"val\","
			    "\"where\":\"val > 100\"}"), &a);
	ok(!a.is_error && isnan(cell(&a, 0, 0)) && cell(&a, 0, 1) == 0 &&
		   strstr(a.text, "Rows used: 0 of 0 that pass the filter"),
	   "no rows pass the filter: estimate null, n 0");
	answer_finish(&a);

	call_tool(args_from("{\"dataset\":\"odd\",\"stat\":\"quantile\","
			    "\"measure\":\"val\",\"q\":[0,1]}"), &a);
	ok(!a.is_error && cell(&a, 0, 1) == 1 && cell(&a, 1, 1) == 7,
	   "quantiles 0 and 1 are the smallest and largest values");
	answer_finish(&a);

	call_tool(args_from("{\"dataset\":\"odd\",\"stat\":\"count\","
			    "\"unweighted\":true}"), &a);
	ok(!a.is_error && cell(&a, 0, 0) == 4 && cell(&a, 0, 2) == 4 &&
		   strstr(a.text, "Unweighted count"),
	   "unweighted: every row weighs 1");
	answer_finish(&a);
}

int main(void)
{
	const char *src = getenv("MCPD_SOURCE_ROOT");
	const char *mcpd = getenv("MCPD");
	const char *mcpctl = getenv("MCPCTL");
	char dir[] = "/tmp/wstats-tool-XXXXXX";
	char *db = NULL, *csv = NULL, *expected = NULL, *small = NULL;
	char *odd = NULL;
	struct refcase *cases = NULL;
	size_t ncases = 0;
	cJSON *init, *resp;
	FILE *f;
	int status;

	if (!src || !mcpd || !mcpctl) {
		printf("1..0 # SKIP MCPD, MCPCTL and MCPD_SOURCE_ROOT are not "
		       "set\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	csv = xasprintf("%s/tests/wstats/survey.csv", src);
	expected = xasprintf("%s/tests/wstats/expected.csv", src);
	if (!mkdtemp(dir) || refcase_load(expected, &cases, &ncases) < 0) {
		ok(0, "setup");
		return tap_done();
	}
	db = xasprintf("%s/catalog.db", dir);
	small = xasprintf("%s/small.csv", dir);
	f = fopen(small, "w");
	fputs("x,w\n1,1\n2,3\n3,0\n4,-2\n5,-1\n", f);
	fclose(f);
	/* a header with a quote in it: names are quoted, never pasted */
	odd = xasprintf("%s/odd.csv", dir);
	f = fopen(odd, "w");
	fputs("grp\"x,val,wt\na,1,2\na,3,1\nb,5,1\n,7,1\n", f);
	fclose(f);
	{
		char *init_db[] = { (char *)mcpctl, "--db", db, "-q", "init",
				    NULL };
		char *add[] = { (char *)mcpctl, "--db", db, "-q", "dataset",
				"add", "survey", "--csv", csv, "--weight",
				"wt", NULL };
		char *add_neg[] = { (char *)mcpctl, "--db", db, "-q",
				    "dataset", "add", "neg", "--csv", small,
				    "--weight", "w", NULL };
		char *add_now[] = { (char *)mcpctl, "--db", db, "-q",
				    "dataset", "add", "noweight", "--csv",
				    small, NULL };

		is_int(run_wait(init_db), 0, "mcpctl init");
		is_int(run_wait(add), 0, "mcpctl dataset add survey");
		is_int(run_wait(add_neg), 0, "mcpctl dataset add neg");
		char *add_odd[] = { (char *)mcpctl, "--db", db, "-q",
				    "dataset", "add", "odd", "--csv", odd,
				    "--weight", "wt", NULL };

		is_int(run_wait(add_now), 0, "mcpctl dataset add noweight");
		is_int(run_wait(add_odd), 0, "mcpctl dataset add odd");
	}
	if (spawn_mcpd(mcpd, db) < 0) {
		ok(0, "spawn mcpd");
		return tap_done();
	}
	init = args_from("{\"protocolVersion\":\"2025-06-18\","
			 "\"capabilities\":{},\"clientInfo\":{\"name\":"
			 "\"test-weighted-tool\",\"version\":\"1\"}}");
	resp = request("initialize", init);
	ok(cJSON_GetObjectItemCaseSensitive(resp, "result") != NULL,
	   "initialize");
	cJSON_Delete(resp);
	notify("notifications/initialized");

	check_cases(cases, ncases);
	{
		/* the same cases through SQL: the column cache set aside */
		char *cols = xasprintf("%s.cols", db);
		char *off = xasprintf("%s.off", db);

		ok(rename(cols, off) == 0, "column cache set aside");
		check_cases(cases, ncases);
		ok(rename(off, cols) == 0, "column cache back");
		free(cols);
		free(off);
	}
	check_notes();
	check_edges();

	check_error("{\"dataset\":\"neg\",\"measure\":\"x\"}",
		    "negative value in 2 rows");
	check_error("{\"dataset\":\"neg\",\"measure\":\"x\",\"where\":"
		    "\"x <> 5\"}", "negative value in 1 row that pass");
	check_error("{\"dataset\":\"survey\",\"measure\":\"incme\"}",
		    "'incme' is not a column of dataset 'survey'; did you "
		    "mean 'income'? Its columns are: id, region");
	check_error("{\"dataset\":\"survey\",\"measure\":\"zzz\"}",
		    "'zzz' is not a column of dataset 'survey'; its "
		    "columns are: id, region");
	check_error("{\"dataset\":\"survey\",\"measure\":\"income\","
		    "\"by\":[\"regio\"]}", "by column 'regio'");
	check_error("{\"dataset\":\"survey\",\"measure\":\"income\","
		    "\"weight\":\"wait\"}", "weight 'wait'");
	check_error("{\"dataset\":\"survey\",\"stat\":\"median\","
		    "\"measure\":\"income\"}", "argument 'stat' must be one");
	check_error("{\"dataset\":\"survey\",\"stat\":\"mean\"}",
		    "needs a 'measure'");
	check_error("{\"dataset\":\"survey\",\"stat\":\"quantile\","
		    "\"measure\":\"income\",\"q\":1.5}", "argument 'q'");
	check_error("{\"dataset\":\"survey\",\"stat\":\"quantile\","
		    "\"measure\":\"income\",\"q\":[]}", "argument 'q'");
	check_error("{\"dataset\":\"survey\",\"stat\":\"percent\","
		    "\"measure\":\"region\",\"by\":[\"region\"]}",
		    "cannot also be a by column");
	check_error("{\"dataset\":\"nosuch\",\"measure\":\"x\"}",
		    "no dataset named 'nosuch'");
	/* a TEXT measure says what to ask instead, not what SQL said */
	check_error("{\"dataset\":\"survey\",\"measure\":\"region\"}",
		    "region is TEXT; use stat: percent");
	/* an undeclared argument is refused, never silently ignored */
	check_error("{\"dataset\":\"survey\",\"measure\":\"income\","
		    "\"group_by\":[\"region\"]}",
		    "unknown argument 'group_by'; did you mean 'by'? Valid "
		    "arguments: dataset, stat");
	check_error("{\"dataset\":\"survey\",\"measure\":\"income\","
		    "\"digits\":0}", "argument 'digits' must be between 1 "
		    "and 17");
	/* the filter goes through the guard: one expression, datasets only */
	check_error("{\"dataset\":\"survey\",\"measure\":\"income\","
		    "\"where\":\"1) UNION SELECT 1, 2, 3, 4 --\"}",
		    "argument 'where'");
	check_error("{\"dataset\":\"survey\",\"measure\":\"income\","
		    "\"where\":\"(SELECT count(*) FROM datasets) > 0\"}",
		    "argument 'where'");
	check_error("{\"dataset\":\"survey\",\"measure\":\"income\","
		    "\"where\":\"1; DROP TABLE data_survey\"}",
		    "argument 'where'");

	fclose(to_mcpd);
	fclose(from_mcpd);
	waitpid(mcpd_pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "mcpd exits 0 at the end of its input");

	refcase_free(cases, ncases);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0) {
			diag("could not remove %s", dir);
		}
		free(cmd);
	}
	free(db);
	free(csv);
	free(small);
	free(odd);
	free(expected);
	return tap_done();
}
