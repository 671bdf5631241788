/*
 * weighted_stats on the column cache against weighted_stats in SQL.
 *
 * mcpctl imports a generated table (NULLs in every column, zero weights,
 * ties, text with quotes, integer and real columns) and writes its column
 * cache.  First the kernel itself: it must answer every supported call,
 * refuse what it does not know (so that SQL answers), and ignore a cache
 * that is stale or damaged.  Then through mcpd: each call is answered with
 * the cache, then again with the cache set aside (the SQL path), and the
 * two answers must agree: the same text, and structuredContent equal to
 * 1e-12 relative in every number.
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

#include "mcp/colcache.h"
#include "mcp/dataset.h"
#include "mcp/db.h"
#include "mcp/wkernel.h"
#include "mcp/xalloc.h"
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

static cJSON *request(const char *method, const char *params)
{
	char *line = NULL;
	size_t cap = 0;
	int id = next_id++;

	fprintf(to_mcpd, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\","
		"\"params\":%s}\n", id, method, params);
	fflush(to_mcpd);
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

/* the result of weighted_stats with `args`, or NULL */
static cJSON *call(const char *args)
{
	char *params = xasprintf("{\"name\":\"weighted_stats\","
				 "\"arguments\":%s}", args);
	cJSON *r = request("tools/call", params);
	cJSON *result = cJSON_DetachItemFromObjectCaseSensitive(r, "result");

	free(params);
	cJSON_Delete(r);
	return result;
}

/* numbers equal to 1e-12 relative, of the same JSON kind; all else equal */
static bool same(const cJSON *a, const cJSON *b, char *where, size_t len)
{
	if (cJSON_IsRaw(a) || cJSON_IsRaw(b)) {
		double x, y;

		if (!cJSON_IsRaw(a) || !cJSON_IsRaw(b)) {
			snprintf(where, len, "raw against not raw");
			return false;
		}
		if (strcmp(a->valuestring, b->valuestring) == 0) {
			return true;
		}
		x = strtod(a->valuestring, NULL);
		y = strtod(b->valuestring, NULL);
		if ((strpbrk(a->valuestring, ".eE") == NULL) !=
		    (strpbrk(b->valuestring, ".eE") == NULL) ||
		    fabs(x - y) > 1e-12 * fmax(fabs(x), fabs(y))) {
			snprintf(where, len, "%s against %s", a->valuestring,
				 b->valuestring);
			return false;
		}
		return true;
	}
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
		double x = a->valuedouble, y = b->valuedouble;

		if (fabs(x - y) > 1e-12 * fmax(fabs(x), fabs(y))) {
			snprintf(where, len, "%.17g against %.17g", x, y);
			return false;
		}
		return true;
	}
	if ((a->type & 0xff) != (b->type & 0xff)) {
		snprintf(where, len, "JSON types differ");
		return false;
	}
	if (cJSON_IsArray(a) || cJSON_IsObject(a)) {
		const cJSON *x = a->child, *y = b->child;

		for (; x && y; x = x->next, y = y->next) {
			if (cJSON_IsObject(a) && strcmp(x->string, y->string)) {
				snprintf(where, len, "keys %s and %s",
					 x->string, y->string);
				return false;
			}
			if (!same(x, y, where, len)) {
				return false;
			}
		}
		if (x || y) {
			snprintf(where, len, "lengths differ");
			return false;
		}
		return true;
	}
	if (cJSON_IsString(a)) {
		if (strcmp(a->valuestring, b->valuestring) != 0) {
			snprintf(where, len, "'%.60s' against '%.60s'",
				 a->valuestring, b->valuestring);
			return false;
		}
	}
	return true;
}

/* the calls both paths answer; the kernel answers every one */
static const char *const calls[] = {
	"{\"dataset\":\"t\",\"measure\":\"x\",\"by\":[\"grp\"]}",
	"{\"dataset\":\"t\",\"stat\":\"total\",\"measure\":\"r\","
	"\"by\":[\"grp\",\"k\"]}",
	"{\"dataset\":\"t\",\"stat\":\"count\",\"by\":[\"k\"]}",
	"{\"dataset\":\"t\",\"stat\":\"count\"}",
	"{\"dataset\":\"t\",\"stat\":\"count\",\"measure\":\"r\"}",
	"{\"dataset\":\"t\",\"measure\":\"r\"}",
	"{\"dataset\":\"t\",\"measure\":\"r\",\"where\":\"k > 100\"}",
	"{\"dataset\":\"t\",\"measure\":\"r\",\"by\":[\"grp\"],"
	"\"where\":\"k > 100\"}",
	"{\"dataset\":\"t\",\"stat\":\"quantile\",\"measure\":\"r\","
	"\"where\":\"k > 100\"}",
	"{\"dataset\":\"t\",\"stat\":\"percent\",\"measure\":\"lab\","
	"\"by\":[\"grp\"]}",
	"{\"dataset\":\"t\",\"stat\":\"percent\",\"measure\":\"k\"}",
	"{\"dataset\":\"t\",\"stat\":\"percent\",\"measure\":\"grp\","
	"\"by\":[\"k\"],\"unweighted\":true}",
	"{\"dataset\":\"t\",\"stat\":\"quantile\",\"measure\":\"x\","
	"\"by\":[\"grp\"],\"q\":[0,0.1,0.25,0.5,0.75,0.9,1]}",
	"{\"dataset\":\"t\",\"stat\":\"quantile\",\"measure\":\"r\","
	"\"by\":[\"k\",\"lab\"],\"q\":0.5}",
	"{\"dataset\":\"t\",\"stat\":\"quantile\",\"measure\":\"x\","
	"\"unweighted\":true,\"q\":[0.5,0.3]}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"weight\":\"r\","
	"\"by\":[\"lab\"]}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"by\":[\"grp\"],\"where\":"
	"\"k >= 2 AND grp IN ('b', 'c') OR lab = 'it''s'\"}",
	"{\"dataset\":\"t\",\"measure\":\"r\",\"by\":[\"k\"],\"where\":"
	"\"NOT (x BETWEEN 10 AND 50) OR r IS NULL\"}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"where\":"
	"\"grp IS NOT NULL AND lab <> 'plain' AND r < 0.5e1\"}",
	"{\"dataset\":\"t\",\"stat\":\"count\",\"where\":"
	"\"-3 < x AND k NOT IN (1, 3) AND \\\"r\\\" >= 2.5\"}",
	"{\"dataset\":\"t\",\"stat\":\"total\",\"measure\":\"x\","
	"\"where\":\"grp > 'b' AND grp <= 'd' AND k NOTNULL\"}",
	"{\"dataset\":\"t\",\"stat\":\"percent\",\"measure\":\"lab\","
	"\"where\":\"x NOT BETWEEN 20 AND 30 AND NOT grp = 'a'\"}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"where\":\"w = 0\"}",
	"{\"dataset\":\"t\",\"stat\":\"count\",\"measure\":\"mix\"}",
	"{\"dataset\":\"t\",\"stat\":\"quantile\",\"measure\":\"x\","
	"\"by\":[\"grp\"],\"where\":\"w = 0 OR k = 1\"}",
};

/* what the kernel leaves to SQL; mcpd must still answer them alike */
static const char *const refused[] = {
	"{\"dataset\":\"t\",\"measure\":\"x\",\"where\":\"lower(grp) = 'a'\"}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"where\":\"grp = 1\"}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"where\":\"x = '5'\"}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"where\":\"x > k\"}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"where\":\"lab LIKE 'p%'\"}",
	"{\"dataset\":\"t\",\"measure\":\"x\",\"by\":[\"r\"]}",
};

static const size_t ncalls = sizeof(calls) / sizeof(*calls);
static const size_t nrefused = sizeof(refused) / sizeof(*refused);

/* write the table: 3000 rows of every awkward kind */
static void write_csv(const char *path)
{
	static const char *const grp[] = { "a", "b", "c", "d", "", "e" };
	static const char *const lab[] = { "plain", "it's", "\"x,y\"", "",
					   "plain" };
	FILE *f = fopen(path, "w");
	uint64_t s = 42;

	fputs("id,grp,k,x,r,lab,mix,w\n", f);
	for (int i = 0; i < 3000; i++) {
		uint64_t v[8];

		for (int j = 0; j < 8; j++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			v[j] = s >> 33;
		}
		fprintf(f, "%d,%s,", i, grp[v[0] % 6]);
		if (v[1] % 17) {
			fprintf(f, "%d", (int)(v[1] % 5));
		}
		fputc(',', f);
		if (v[2] % 13) {
			fprintf(f, "%d", (int)(v[2] % 97) - 7);
		}
		fputc(',', f);
		if (v[3] % 11) {
			/* few distinct values: ties for the quantiles */
			fprintf(f, "%.2f", (double)(v[3] % 400) / 40);
		}
		fprintf(f, ",%s,", lab[v[4] % 5]);
		/* a column of numbers and words: left to SQL */
		if (i == 1500) {
			fputs("many", f);
		} else {
			fprintf(f, "%d", (int)(v[5] % 9));
		}
		fputc(',', f);
		if (v[6] % 23) {
			fprintf(f, "%.3f", v[6] % 7 == 0 ? 0.0
				: 0.1 + (double)(v[7] % 3000) / 1000);
		}
		fputc('\n', f);
	}
	fclose(f);
}

/* does the kernel itself answer the call `json` (arguments as mcpd's)? */
static bool kernel_answers(struct db *db, struct dataset_info *ds,
			   const char *json, const char **why)
{
	static const char *const stats[] = { "mean", "total", "count",
					     "percent", "quantile" };
	cJSON *a = cJSON_Parse(json);
	const cJSON *v, *it;
	const char *by[8];
	double q[20];
	struct wk_request r = { .catalog_path = db->path, .ds = ds,
				.by = by, .q = q, .weight = "w" };
	struct wk_answer ans;
	int e;

	v = cJSON_GetObjectItemCaseSensitive(a, "measure");
	r.measure = cJSON_IsString(v) ? v->valuestring : NULL;
	r.stat = r.measure ? WK_MEAN : WK_COUNT;
	v = cJSON_GetObjectItemCaseSensitive(a, "stat");
	for (size_t i = 0; cJSON_IsString(v) && i < 5; i++) {
		if (strcmp(v->valuestring, stats[i]) == 0) {
			r.stat = (enum wk_stat)i;
		}
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(a, "by")) {
		by[r.nby++] = it->valuestring;
	}
	v = cJSON_GetObjectItemCaseSensitive(a, "where");
	r.where = cJSON_IsString(v) ? v->valuestring : NULL;
	v = cJSON_GetObjectItemCaseSensitive(a, "weight");
	r.weight = cJSON_IsString(v) ? v->valuestring : r.weight;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "unweighted"))) {
		r.weight = NULL;
	}
	v = cJSON_GetObjectItemCaseSensitive(a, "q");
	if (cJSON_IsNumber(v)) {
		q[r.nq++] = v->valuedouble;
	}
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(it, v) {
			q[r.nq++] = it->valuedouble;
		}
	}
	if (r.nq == 0) {
		q[r.nq++] = 0.5;
	}
	e = wkernel_run(&r, &ans, why);
	wkernel_answer_finish(&ans);
	cJSON_Delete(a);
	return e == 0;
}

static void check_kernel(const char *db_path)
{
	struct db *db = NULL;
	struct dataset_info *ds = NULL;
	char *err = NULL;
	struct wk_answer a;
	const char *why;
	const char *by[] = { "grp" };
	struct wk_request r = { .stat = WK_MEAN, .measure = "x", .by = by,
				.nby = 1, .weight = "w" };

	if (db_open(db_path, DB_READONLY, &db, &err) < 0 ||
	    dataset_lookup(db, "t", &ds) < 0) {
		ok(0, "open the catalog: %s", err ? err : "");
		free(err);
		db_close(db);
		return;
	}
	r.catalog_path = db->path;
	r.ds = ds;
	for (size_t i = 0; i < ncalls; i++) {
		bool yes;

		why = NULL;
		yes = kernel_answers(db, ds, calls[i], &why);
		ok(yes, "the kernel answers %s%s%s", calls[i], why ? ": " : "",
		   why ? why : "");
	}
	for (size_t i = 0; i < nrefused; i++) {
		bool yes = kernel_answers(db, ds, refused[i], &why);

		ok(!yes, "the kernel leaves %s to SQL (%s)", refused[i],
		   why ? why : "");
	}
	ok(wkernel_run(&r, &a, &why) == 0, "the kernel answers a mean by "
	   "group");
	ok(a.rows_in == 3000 && a.left_out > 0 && a.null_weight > 0,
	   "it counts rows in (%lld) and left out (%lld)",
	   (long long)a.rows_in, (long long)a.left_out);
	wkernel_answer_finish(&a);

	r.where = "k >= 2 AND (grp IN ('a', 'b') OR lab IS NULL)";
	ok(wkernel_run(&r, &a, &why) == 0, "a filter of comparisons, IN, "
	   "IS NULL, AND and OR runs in the kernel");
	wkernel_answer_finish(&a);
	r.where = "abs(k) > 1";
	ok(wkernel_run(&r, &a, &why) < 0 && why, "a function in the filter "
	   "is left to SQL (%s)", why ? why : "");
	r.where = "grp = 1";
	ok(wkernel_run(&r, &a, &why) < 0, "text against a number is left "
	   "to SQL");
	r.where = NULL;
	r.measure = "mix";
	ok(wkernel_run(&r, &a, &why) < 0, "a text measure of a mean is left "
	   "to SQL");
	r.measure = "x";

	/* another dataset's id: the kernel reads only the one it is given */
	ds->id++;
	ok(wkernel_run(&r, &a, &why) < 0, "no cache under another id");
	ds->id--;
	ds->version++;
	ok(wkernel_run(&r, &a, &why) < 0, "a cache of an older version is "
	   "ignored");
	ds->version--;
	{
		char *path = colcache_path(db->path, ds->id);
		char *copy = xasprintf("%s.bak", path);
		char *cmd = xasprintf("cp '%s' '%s'", path, copy);

		ok(system(cmd) == 0, "keep a copy of the cache");
		ok(truncate(path, 70000) == 0, "cut the cache short");
		ok(wkernel_run(&r, &a, &why) < 0, "a damaged cache is "
		   "ignored");
		ok(rename(copy, path) == 0, "cache restored");
		ok(wkernel_run(&r, &a, &why) == 0, "and used again");
		wkernel_answer_finish(&a);
		free(cmd);
		free(copy);
		free(path);
	}
	dataset_info_destroy(ds);
	db_close(db);
}

static void compare(const char *const *list, size_t n, const char *db,
		    bool kernel_answers)
{
	cJSON **with = xcalloc(n, sizeof(*with));
	char *cols = xasprintf("%s.cols", db);
	char *off = xasprintf("%s.off", db);

	for (size_t i = 0; i < n; i++) {
		with[i] = call(list[i]);
	}
	ok(rename(cols, off) == 0, "column cache set aside");
	for (size_t i = 0; i < n; i++) {
		cJSON *sql = call(list[i]);
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
				sql, "content"), 0), "text");
		const cJSON *tk = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
				with[i], "content"), 0), "text");
		char where[200] = "";
		bool eq = with[i] && sql && !cJSON_IsTrue(
			cJSON_GetObjectItemCaseSensitive(sql, "isError")) &&
			same(cJSON_GetObjectItemCaseSensitive(with[i],
				"structuredContent"),
			     cJSON_GetObjectItemCaseSensitive(sql,
				"structuredContent"), where, sizeof(where));

		ok(eq, "%s %s: both paths give the same numbers",
		   kernel_answers ? "kernel" : "refused", list[i]);
		if (!eq) {
			diag("%s", where);
		}
		ok(cJSON_IsString(ts) && cJSON_IsString(tk) &&
		   strcmp(ts->valuestring, tk->valuestring) == 0,
		   "... and the same text");
		cJSON_Delete(sql);
		cJSON_Delete(with[i]);
	}
	ok(rename(off, cols) == 0, "column cache back");
	free(with);
	free(cols);
	free(off);
}

int main(void)
{
	const char *mcpd = getenv("MCPD");
	const char *mcpctl = getenv("MCPCTL");
	char dir[] = "/tmp/wkernel-XXXXXX";
	char *db, *csv;
	cJSON *init;
	int status;

	if (!mcpd || !mcpctl) {
		printf("1..0 # SKIP MCPD and MCPCTL are not set\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	db = xasprintf("%s/catalog.db", dir);
	csv = xasprintf("%s/t.csv", dir);
	write_csv(csv);
	{
		char *init_db[] = { (char *)mcpctl, "--db", db, "-q", "init",
				    NULL };
		char *add[] = { (char *)mcpctl, "--db", db, "-q", "dataset",
				"add", "t", "--csv", csv, "--weight", "w",
				NULL };
		char *path = colcache_path(db, 1);

		is_int(run_wait(init_db), 0, "mcpctl init");
		is_int(run_wait(add), 0, "mcpctl dataset add t");
		ok(access(path, R_OK) == 0, "the import wrote %s", path);
		free(path);
	}
	check_kernel(db);
	if (spawn_mcpd(mcpd, db) < 0) {
		ok(0, "spawn mcpd");
		return tap_done();
	}
	init = request("initialize", "{\"protocolVersion\":\"2025-06-18\","
		       "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
		       "\"version\":\"1\"}}");
	ok(init != NULL, "initialize");
	cJSON_Delete(init);
	fputs("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"
	      "initialized\"}\n", to_mcpd);
	compare(calls, ncalls, db, true);
	compare(refused, nrefused, db, false);
	fclose(to_mcpd);
	fclose(from_mcpd);
	waitpid(mcpd_pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mcpd exits 0");
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0) {
			diag("could not remove %s", dir);
		}
		free(cmd);
	}
	free(db);
	free(csv);
	return tap_done();
}
