/*
 * Design-based standard errors through the real programs: mcpctl imports
 * the data of design-data/ and declares each dataset's sampling design,
 * mcpd is spawned on the catalog, and every case of design-expected.csv
 * (written by design.R with R's survey package) becomes a weighted_stats
 * call whose estimates must match R's to 1e-9 relative and whose standard
 * errors, interval limits and design effects must match to 1e-6.  Then
 * the design checks of mcpctl (each error names the stratum or PSU at
 * fault), and the design in words in dataset show and describe_dataset.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mcp/buf.h"
#include "mcp/csv.h"
#include "mcp/xalloc.h"
#include "tap.h"

static FILE *to_mcpd;
static FILE *from_mcpd;
static pid_t mcpd_pid;
static int next_id = 1;
static const char *mcpctl;
static const char *db;
static const char *datadir;

/* run mcpctl with `args` (NULL-terminated); its stdout+stderr in *out */
static int ctl(char **out, ...)
{
	char *argv[32];
	int argc = 0, status, fds[2];
	va_list ap;
	pid_t pid;
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;

	argv[argc++] = (char *)mcpctl;
	argv[argc++] = "--db";
	argv[argc++] = (char *)db;
	va_start(ap, out);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *))) {
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	if (pipe(fds) < 0) {
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) > 0) {
		buf_add(&b, chunk, (size_t)n);
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0) {
		buf_release(&b);
		return -1;
	}
	if (out) {
		*out = buf_detach(&b, NULL);
	} else {
		buf_release(&b);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *data(const char *name)
{
	return xasprintf("%s/%s.csv", datadir, name);
}

static int spawn_mcpd(const char *mcpd)
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

/* tools/call; the result object (owned by *ret_resp) or NULL */
static const cJSON *call_tool(const char *name, cJSON *args, cJSON **ret_resp)
{
	cJSON *params = cJSON_CreateObject();

	cJSON_AddStringToObject(params, "name", name);
	cJSON_AddItemToObject(params, "arguments", args);
	*ret_resp = request("tools/call", params);
	return cJSON_GetObjectItemCaseSensitive(*ret_resp, "result");
}

static const char *result_text(const cJSON *result)
{
	const cJSON *c = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(result, "content"), 0);

	c = cJSON_GetObjectItemCaseSensitive(c, "text");
	return cJSON_IsString(c) ? c->valuestring : "";
}

/* ---- the recorded cases ---- */

enum {
	F_CASE, F_DATASET, F_STAT, F_MEASURE, F_BY, F_WHERE, F_Q, F_LEVEL,
	F_CI, F_GROUP, F_CATEGORY, F_QV, F_ESTIMATE, F_SE, F_CI_LOW, F_CI_HIGH,
	F_DEFF, F_COUNT
};

struct row {
	char *f[F_COUNT];
};

static struct row *load_rows(const char *path, size_t *ret_n)
{
	struct csv_reader *rd = NULL;
	struct csv_record rec;
	struct row *rows = NULL;
	size_t n = 0, line = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0 || csv_reader_create(fd, path, NULL, &rd) < 0) {
		return NULL;
	}
	while ((r = csv_read(rd, &rec)) == 1) {
		if (line++ == 0) {
			continue;
		}
		if (rec.nfields != F_COUNT) {
			fprintf(stderr, "%s: a row with %zu fields\n", path,
				rec.nfields);
			break;
		}
		rows = xrealloc(rows, (n + 1) * sizeof(*rows));
		for (int i = 0; i < F_COUNT; i++) {
			rows[n].f[i] = xstrdup(rec.fields[i].data);
		}
		n++;
	}
	csv_reader_destroy(rd);
	close(fd);
	*ret_n = n;
	return rows;
}

static void add_list(cJSON *a, const char *key, const char *s, bool num)
{
	cJSON *arr = cJSON_AddArrayToObject(a, key);
	const char *p = s;

	while (*p) {
		size_t len = strcspn(p, ";");
		char *item = xstrndup(p, len);

		cJSON_AddItemToArray(arr, num ? cJSON_CreateNumber(
			strtod(item, NULL)) : cJSON_CreateString(item));
		free(item);
		p += len;
		if (*p == ';') {
			p++;
		}
	}
}

static cJSON *case_args(const struct row *r)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "dataset", r->f[F_DATASET]);
	cJSON_AddStringToObject(a, "stat", r->f[F_STAT]);
	if (*r->f[F_MEASURE]) {
		cJSON_AddStringToObject(a, "measure", r->f[F_MEASURE]);
	}
	if (*r->f[F_BY]) {
		add_list(a, "by", r->f[F_BY], false);
	}
	if (*r->f[F_WHERE]) {
		cJSON_AddStringToObject(a, "where", r->f[F_WHERE]);
	}
	if (*r->f[F_Q]) {
		add_list(a, "q", r->f[F_Q], true);
	}
	if (*r->f[F_LEVEL]) {
		cJSON_AddNumberToObject(a, "level",
					strtod(r->f[F_LEVEL], NULL));
	}
	if (*r->f[F_CI]) {
		cJSON_AddStringToObject(a, "ci", r->f[F_CI]);
	}
	/* the weight-only dataset has no design: ask for the SEs */
	cJSON_AddTrueToObject(a, "se");
	return a;
}

static void cell_text(struct buf *b, const cJSON *v)
{
	if (cJSON_IsString(v) || cJSON_IsRaw(v)) {
		buf_addstr(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		buf_addf(b, "%.17g", v->valuedouble);
	} else {
		buf_addstr(b, "NA");
	}
}

static double cell_num(const cJSON *v)
{
	if (cJSON_IsRaw(v)) {
		return strtod(v->valuestring, NULL);
	}
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int column(const cJSON *s, const char *name)
{
	const cJSON *c;
	int i = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(s, "columns")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
			return i;
		}
		i++;
	}
	return -1;
}

/* the largest relative differences seen: estimates (0) and the rest (1) */
static double worst[2];

/* expected value vs got: rel tolerance, or both undefined */
static bool close_to(const char *want, double got, double tol)
{
	double w;

	if (!*want) {
		return isnan(got);
	}
	w = strtod(want, NULL);
	if (w != 0 && isfinite(got)) {
		double d = fabs(got - w) / fabs(w);
		int k = tol < 1e-7;

		worst[!k] = d > worst[!k] ? d : worst[!k];
	}
	return fabs(got - w) <= tol * fmax(fabs(w), 1e-300) ||
	       fabs(got - w) < 1e-300;
}

/* the answer row for an expected row, or NULL */
static const cJSON *find_row(const cJSON *s, const struct row *r, int nby,
			     int ccat)
{
	const cJSON *row;

	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(s, "rows")) {
		struct buf key = BUF_INIT;
		bool match;

		for (int i = 0; i < nby; i++) {
			if (i) {
				buf_addch(&key, '|');
			}
			cell_text(&key, cJSON_GetArrayItem(row, i));
		}
		match = strcmp(buf_str(&key), r->f[F_GROUP]) == 0;
		buf_release(&key);
		if (match && *r->f[F_CATEGORY]) {
			struct buf c = BUF_INIT;

			cell_text(&c, cJSON_GetArrayItem(row, ccat));
			match = strcmp(buf_str(&c), r->f[F_CATEGORY]) == 0;
			buf_release(&c);
		}
		if (match && *r->f[F_QV]) {
			match = cell_num(cJSON_GetArrayItem(row, ccat)) ==
				strtod(r->f[F_QV], NULL);
		}
		if (match) {
			return row;
		}
	}
	return NULL;
}

static void check_cases(const struct row *rows, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, nrows;
		cJSON *resp = NULL;
		const cJSON *result, *s;
		struct buf why = BUF_INIT;
		int nby = 0, ce, cse, clo, chi, cdeff;
		const char *p;

		while (j < n && strcmp(rows[j].f[F_CASE], rows[i].f[F_CASE])
				== 0) {
			j++;
		}
		for (p = rows[i].f[F_BY]; *p; p++) {
			nby += *p == ';';
		}
		nby += *rows[i].f[F_BY] != '\0';
		result = call_tool("weighted_stats", case_args(&rows[i]),
				   &resp);
		s = cJSON_GetObjectItemCaseSensitive(result,
						     "structuredContent");
		if (!s || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
				result, "isError"))) {
			ok(0, "%s: weighted_stats on %s answers",
			   rows[i].f[F_CASE], rows[i].f[F_DATASET]);
			diag("%s", result ? result_text(result) : "nothing");
			cJSON_Delete(resp);
			i = j;
			continue;
		}
		ce = column(s, "estimate");
		cse = column(s, "se");
		clo = column(s, "ci_low");
		chi = column(s, "ci_high");
		cdeff = column(s, "deff");
		nrows = (size_t)cJSON_GetArraySize(
			cJSON_GetObjectItemCaseSensitive(s, "rows"));
		if (nrows != j - i) {
			buf_addf(&why, "# %zu rows, R has %zu\n", nrows, j - i);
		}
		for (size_t k = i; k < j; k++) {
			const struct row *r = &rows[k];
			const cJSON *got = find_row(s, r, nby, nby);

			if (!got) {
				buf_addf(&why, "# no row for group '%s' %s%s\n",
					 r->f[F_GROUP], r->f[F_CATEGORY],
					 r->f[F_QV]);
				continue;
			}
#define CHECK(col, field, tol) \
	do { \
		double g_ = cell_num(cJSON_GetArrayItem(got, col)); \
		if (!close_to(r->f[field], g_, tol)) { \
			buf_addf(&why, "# group '%s' %s%s: %s %.17g, R %s\n", \
				 r->f[F_GROUP], r->f[F_CATEGORY], \
				 r->f[F_QV], #field, g_, r->f[field]); \
		} \
	} while (0)
			CHECK(ce, F_ESTIMATE, 1e-9);
			CHECK(cse, F_SE, 1e-6);
			CHECK(clo, F_CI_LOW, 1e-6);
			CHECK(chi, F_CI_HIGH, 1e-6);
			CHECK(cdeff, F_DEFF, 1e-6);
#undef CHECK
		}
		ok(why.len == 0, "%s: %s %s%s%s on %s matches R", 
		   rows[i].f[F_CASE], rows[i].f[F_STAT], rows[i].f[F_MEASURE],
		   nby ? " by " : "", rows[i].f[F_BY], rows[i].f[F_DATASET]);
		if (why.len) {
			printf("%s", buf_str(&why));
		}
		buf_release(&why);
		cJSON_Delete(resp);
		i = j;
	}
}

/* ---- the datasets and the design checks ---- */

static void add_datasets(void)
{
	char *st = data("apistrat"), *c1 = data("apiclus1");
	char *c2 = data("apiclus2"), *nh = data("nhanes");
	static const char *const rules[] = {
		"remove", "certainty", "adjust", "average",
	};
	char *out = NULL;

	/*
	 * R reads sch_wide as a factor with labels Yes and No; the importer
	 * would store it as a 0/1 boolean, so the groups are kept as text to
	 * compare with R's labels.
	 */
#define YES_NO_AS_TEXT "--type", "sch_wide=text"
	is_int(ctl(NULL, "-q", "init", NULL), 0, "mcpctl init");
	is_int(ctl(NULL, "-q", "dataset", "add", "strat", "--csv", st,
		   YES_NO_AS_TEXT,
		   "--weight", "pw", "--strata", "stype", "--fpc", "fpc",
		   NULL), 0, "add strat: stratified, with fpc");
	is_int(ctl(NULL, "-q", "dataset", "add", "strat_nofpc", "--csv", st,
		   YES_NO_AS_TEXT,
		   "--weight", "pw", "--strata", "stype", NULL), 0,
	       "add strat_nofpc: stratified, no fpc");
	is_int(ctl(NULL, "-q", "dataset", "add", "wonly", "--csv", st,
		   YES_NO_AS_TEXT,
		   "--weight", "pw", NULL), 0, "add wonly: weights only");
	is_int(ctl(NULL, "-q", "dataset", "add", "clus1", "--csv", c1,
		   YES_NO_AS_TEXT,
		   "--weight", "pw", "--cluster", "dnum", "--fpc", "fpc",
		   NULL), 0, "add clus1: one-stage cluster with fpc");
	is_int(ctl(NULL, "-q", "dataset", "add", "clus2", "--csv", c2,
		   YES_NO_AS_TEXT,
		   "--weight", "pw", "--cluster", "dnum", "--cluster2", "snum",
		   "--fpc", "fpc1", "--fpc2", "fpc2", NULL), 0,
	       "add clus2: two-stage cluster");
	/* without --nest the PSU ids 1, 2 repeat across strata */
	is_int(ctl(&out, "dataset", "add", "nhanes", "--csv", nh, "--weight",
		   "WTMEC2YR", "--strata", "SDMVSTRA", "--cluster", "SDMVPSU",
		   NULL), 1, "a PSU id in two strata without --nest fails");
	ok(out && strstr(out, "PSU '1' is in stratum '83' and in stratum "
			 "'84'") && strstr(out, "--nest"),
	   "the error names the PSU and both strata, and says --nest");
	free(out);
	is_int(ctl(&out, "dataset", "set", "nhanes", "--strata", "SDMVSTRA",
		   "--cluster", "SDMVPSU", "--nest", NULL), 0,
	       "set nhanes: stratified cluster, nested");
	ok(out && strstr(out, "stratified cluster sample: 15 strata, 31 "
			 "PSUs, weights WTMEC2YR"),
	   "set prints the design in words");
	free(out);
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		char *name = xasprintf("lonely_%s", rules[i]);

		is_int(ctl(NULL, "-q", "dataset", "add", name, "--csv", nh,
			   "--weight", "WTMEC2YR", "--strata", "lstra",
			   "--cluster", "SDMVPSU", "--nest", "--lonely-psu",
			   rules[i], NULL), 0, "add %s", name);
		free(name);
	}
	is_int(ctl(&out, "dataset", "add", "lonely_fail", "--csv", nh,
		   "--weight", "WTMEC2YR", "--strata", "lstra", "--cluster",
		   "SDMVPSU", "--nest", NULL), 1,
	       "a lonely PSU under the default rule fails");
	ok(out && strstr(out, "stratum '75") &&
		   strstr(out, "has only one PSU"),
	   "the error names the stratum with the lonely PSU");
	free(out);
	is_int(ctl(&out, "dataset", "set", "strat", "--fpc", "api00", NULL),
	       1, "an fpc that varies within a stratum fails");
	ok(out && strstr(out, "the fpc varies within stratum 'E'"),
	   "the error names the stratum");
	free(out);
	is_int(ctl(&out, "dataset", "set", "wonly", "--strata", "stype",
		   "--fpc", "meals", NULL), 1,
	       "an fpc below the sample size fails");
	ok(out && strstr(out, "stratum"), "the error names the stratum");
	free(out);
	is_int(ctl(&out, "dataset", "set", "wonly", "--strata", "nosuch",
		   NULL), 1, "a design column that does not exist fails");
	ok(out && strstr(out, "'nosuch' is not a column"), "and says so");
	free(out);
	is_int(ctl(&out, "dataset", "set", "wonly", "--lonely-psu",
		   "sometimes", NULL), 2, "an unknown lonely-PSU rule is a "
	       "usage error");
	free(out);
	is_int(ctl(&out, "dataset", "set", "clus2", "--fpc2", "", NULL), 1,
	       "a two-stage design with --fpc but no --fpc2 fails");
	ok(out && strstr(out, "needs --fpc2"), "and says why");
	free(out);
	is_int(ctl(NULL, "-q", "dataset", "add", "gone", "--csv", st,
		   "--weight", "pw", "--strata", "stype", NULL), 0,
	       "add a dataset with a design");
	is_int(ctl(&out, "--json", "dataset", "show", "gone", NULL), 0,
	       "dataset show --json");
	ok(out && strstr(out, "\"strata\":\"stype\"") &&
		   strstr(out, "\"strata_count\":3"),
	   "--json gives the design's parts and counts");
	free(out);
	is_int(ctl(NULL, "-q", "dataset", "set", "gone", "--no-design", NULL),
	       0, "--no-design");
	is_int(ctl(&out, "--json", "dataset", "show", "gone", NULL), 0,
	       "dataset show --json after --no-design");
	ok(out && strstr(out, "\"design\":null"), "the design is gone");
	free(out);
	is_int(ctl(&out, "dataset", "show", "nhanes", NULL), 0,
	       "dataset show");
	ok(out && strstr(out, "design:      stratified cluster sample: 15 "
			 "strata, 31 PSUs, weights WTMEC2YR"),
	   "dataset show prints the design in words");
	free(out);
	is_int(ctl(&out, "dataset", "show", "wonly", NULL), 0,
	       "dataset show, no design");
	ok(out && strstr(out, "design:      none"), "says there is none");
	free(out);
	free(st);
	free(c1);
	free(c2);
	free(nh);
}

static void check_answers(void)
{
	cJSON *resp = NULL;
	const cJSON *r;

	r = call_tool("describe_dataset",
		      cJSON_Parse("{\"name\":\"nhanes\"}"), &resp);
	ok(r && strstr(result_text(r), "Sampling design: stratified cluster "
		       "sample: 15 strata, 31 PSUs, weights WTMEC2YR"),
	   "describe_dataset gives the design in words");
	cJSON_Delete(resp);

	r = call_tool("weighted_stats", cJSON_Parse(
		"{\"dataset\":\"wonly\",\"measure\":\"api00\","
		"\"se\":true}"), &resp);
	ok(r && strstr(result_text(r), "declares no sampling design") &&
		   strstr(result_text(r), "svydesign(ids = ~1, weights = ~pw)"),
	   "weights only: the answer says which formula it used");
	cJSON_Delete(resp);

	r = call_tool("weighted_stats", cJSON_Parse(
		"{\"dataset\":\"wonly\",\"measure\":\"api00\"}"), &resp);
	ok(r && column(cJSON_GetObjectItemCaseSensitive(r,
			"structuredContent"), "se") < 0,
	   "no design: no se unless asked");
	cJSON_Delete(resp);

	r = call_tool("weighted_stats", cJSON_Parse(
		"{\"dataset\":\"nhanes\",\"measure\":\"HI_CHOL\"}"), &resp);
	ok(r && column(cJSON_GetObjectItemCaseSensitive(r,
			"structuredContent"), "se") >= 0 &&
		   strstr(result_text(r), "16 degrees of freedom"),
	   "a design: se by default, df = PSUs - strata");
	ok(r && strstr(result_text(r), "Rows used: 7846 of 8591; 745 left "
		       "out (745 with no HI_CHOL)"),
	   "the answer says how many rows were left out and why");
	cJSON_Delete(resp);

	r = call_tool("weighted_stats", cJSON_Parse(
		"{\"dataset\":\"nhanes\",\"measure\":\"HI_CHOL\","
		"\"level\":1.5}"), &resp);
	ok(r && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError"))
		   && strstr(result_text(r), "argument 'level'"),
	   "a level outside (0, 1) is refused");
	cJSON_Delete(resp);
}

int main(void)
{
	const char *src = getenv("MCPD_SOURCE_ROOT");
	const char *mcpd = getenv("MCPD");
	char dir[] = "/tmp/wstats-design-XXXXXX";
	char *expected = NULL, *dbpath = NULL, *ddir = NULL;
	struct row *rows = NULL;
	size_t nrows = 0;
	cJSON *resp;
	int status;

	mcpctl = getenv("MCPCTL");
	if (!src || !mcpd || !mcpctl) {
		printf("1..0 # SKIP MCPD, MCPCTL and MCPD_SOURCE_ROOT are not "
		       "set\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	expected = xasprintf("%s/tests/wstats/design-expected.csv", src);
	ddir = xasprintf("%s/tests/wstats/design-data", src);
	datadir = ddir;
	rows = load_rows(expected, &nrows);
	if (!mkdtemp(dir) || !rows) {
		ok(0, "setup");
		return tap_done();
	}
	ok(nrows >= 40, "design-expected.csv has %zu rows", nrows);
	dbpath = xasprintf("%s/catalog.db", dir);
	db = dbpath;
	add_datasets();
	if (spawn_mcpd(mcpd) < 0) {
		ok(0, "spawn mcpd");
		return tap_done();
	}
	resp = request("initialize", cJSON_Parse(
		"{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
		"\"clientInfo\":{\"name\":\"test-design\",\"version\":\"1\"}}"));
	ok(cJSON_GetObjectItemCaseSensitive(resp, "result") != NULL,
	   "initialize");
	cJSON_Delete(resp);
	fprintf(to_mcpd, "{\"jsonrpc\":\"2.0\",\"method\":"
		"\"notifications/initialized\"}\n");
	fflush(to_mcpd);

	check_cases(rows, nrows);
	diag("largest relative difference from R: estimates %.2g, se, "
	     "interval limits and deff %.2g", worst[0], worst[1]);
	check_answers();

	fclose(to_mcpd);
	fclose(from_mcpd);
	waitpid(mcpd_pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "mcpd exits 0 at the end of its input");
	for (size_t i = 0; i < nrows; i++) {
		for (int k = 0; k < F_COUNT; k++) {
			free(rows[i].f[k]);
		}
	}
	free(rows);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0) {
			diag("could not remove %s", dir);
		}
		free(cmd);
	}
	free(dbpath);
	free(ddir);
	free(expected);
	return tap_done();
}
