/*
 * worker: one query worker process (see worker.h for the protocol).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mcp/buf.h"
#include "mcp/clock.h"
#include "mcp/db.h"
#include "mcp/fdio.h"
#include "mcp/log.h"
#include "mcp/query.h"
#include "mcp/render.h"
#include "mcp/utf8cut.h"
#include "mcp/xalloc.h"
#include "tools/tool.h"
#include "servable.h"
#include "worker.h"
#include "mcp/banned.h"

/* a request line from the server is at most this long */
#define REQUEST_MAX (16u << 20)
/* what one tool result may hold before it is cut, whatever the limits */
#define TOOL_TEXT_MAX (16u << 20)
/* SQLite may use this share of the worker's memory; the rest is ours */
#define SQLITE_HEAP_SHARE 0.75
/* the nice value of a worker: below the server, which speaks MCP */
#define WORKER_NICE 10
/* the connections a worker opens at most (query_many runs up to 8) */
#define WORKER_CONNECTIONS 8

/*
 * The watchdog interrupts the running statements at the deadline, so
 * that even a long prepare or a finalizer is asked to stop from inside.
 * The server's kill a little later is what guarantees it.
 *
 * Arming and disarming are on every call's path, so they wake the
 * watchdog thread only when it must wait for an earlier moment than the
 * one it waits for (or for none): a deadline it wakes up at is only a
 * moment to look again at the current one.  A call thus costs no thread
 * switch beyond its own.
 */
struct watchdog {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct qpool *pool;
	struct timespec deadline;
	struct timespec waiting;        /* the moment the thread waits for */
	bool armed;
	bool sleeping;          /* waiting with no deadline */
	bool quit;
};

static struct watchdog dog = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return !before(&now, t);
}

static void *watchdog_main(void *arg)
{
	pthread_mutex_lock(&dog.lock);
	while (!dog.quit) {
		struct timespec until;

		if (!dog.armed) {
			dog.sleeping = true;
			pthread_cond_wait(&dog.cond, &dog.lock);
			dog.sleeping = false;
			continue;
		}
		until = dog.deadline;
		dog.waiting = until;
		if (pthread_cond_timedwait(&dog.cond, &dog.lock, &until) ==
		    ETIMEDOUT && dog.armed && passed(&dog.deadline)) {
			dog.armed = false;
			qpool_interrupt_all(dog.pool);
		}
	}
	pthread_mutex_unlock(&dog.lock);
	return NULL;
}

static void watchdog_arm(int64_t ms)
{
	pthread_mutex_lock(&dog.lock);
	clock_after_ms(CLOCK_REALTIME, ms, &dog.deadline);
	dog.armed = ms > 0;
	if (dog.armed && (dog.sleeping || before(&dog.deadline,
						  &dog.waiting))) {
		pthread_cond_signal(&dog.cond);
	}
	pthread_mutex_unlock(&dog.lock);
}

static void watchdog_disarm(void)
{
	pthread_mutex_lock(&dog.lock);
	dog.armed = false;
	pthread_mutex_unlock(&dog.lock);
}

/* the lines in one write: the server wakes once for them */
static void send_lines(struct iovec *iov, int n)
{
	if (fd_writev_all(STDOUT_FILENO, iov, n) < 0) {
		/* the server is gone: nothing left to serve */
		_exit(0);
	}
}

static void send_line(cJSON *msg)
{
	char *s = cJSON_PrintUnformatted(msg);
	struct iovec iov[2];

	if (!s) {
		_exit(WORKER_EXIT_OOM);
	}
	iov[0] = (struct iovec){ s, strlen(s) };
	iov[1] = (struct iovec){ "\n", 1 };
	send_lines(iov, 2);
	free(s);
}

static void worker_progress(void *ctx, double progress, double total,
			    const char *message)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddNumberToObject(m, "progress", progress);
	cJSON_AddNumberToObject(m, "total", total);
	if (message) {
		cJSON_AddStringToObject(m, "message", message);
	}
	send_line(m);
	cJSON_Delete(m);
}

static int64_t limit_of(const cJSON *limits, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(limits, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 1) {
		return def;
	}
	return v->valuedouble > 9e15 ? (int64_t)9e15 : (int64_t)v->valuedouble;
}

/*
 * The answer never holds more than max_bytes, whatever the tool built:
 * text cut on a character boundary, structuredContent left out when
 * there is no room for it (query_run already keeps both within bounds;
 * this is the backstop for every tool).
 */
static void send_answer(struct tool_call *call, int64_t max_bytes)
{
	cJSON *m = cJSON_CreateObject();
	struct buf literal = BUF_INIT;
	struct iovec iov[6];
	char *structured = NULL, *meta;
	size_t slen = 0;
	int n = 0;

	if (call->structured) {
		structured = cJSON_PrintUnformatted(call->structured);
		slen = structured ? strlen(structured) : 0;
	}
	if ((int64_t)call->text.len > max_bytes) {
		size_t keep = utf8_cut_len(buf_str(&call->text),
					   max_bytes > 200
						   ? (size_t)max_bytes - 200
						   : 0);

		call->text.len = keep;
		call->text.data[keep] = '\0';
		buf_addf(&call->text, "\n[cut: the answer passed the "
			 "response limit of %lld bytes]\n",
			 (long long)max_bytes);
	}
	if (structured &&
	    (int64_t)(slen + call->text.len) > max_bytes + 1024) {
		free(structured);
		structured = NULL;
		buf_addf(&call->text, "\n[structuredContent left out: it "
			 "passed the response limit of %lld bytes]\n",
			 (long long)max_bytes);
	}
	cJSON_AddBoolToObject(m, "isError", call->is_error);
	if (call->log_status) {
		cJSON_AddStringToObject(m, "status", call->log_status);
	}
	if (call->log_sql) {
		cJSON_AddStringToObject(m, "sql", call->log_sql);
	}
	if (call->log_datasets) {
		cJSON_AddStringToObject(m, "datasets", call->log_datasets);
	}
	cJSON_AddNumberToObject(m, "rows", (double)call->log_rows);
	cJSON_AddNumberToObject(m, "text_bytes", (double)call->text.len);
	cJSON_AddBoolToObject(m, "structured", structured != NULL);
	meta = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	if (!meta) {
		_exit(WORKER_EXIT_OOM);
	}
	/* escaped here once; the server puts it into its reply as it is */
	render_json_string_n(&literal, call->text.data ? call->text.data : "",
			     call->text.len);
	iov[n++] = (struct iovec){ meta, strlen(meta) };
	iov[n++] = (struct iovec){ "\n", 1 };
	iov[n++] = (struct iovec){ literal.data, literal.len };
	iov[n++] = (struct iovec){ "\n", 1 };
	if (structured) {
		iov[n++] = (struct iovec){ structured, slen };
		iov[n++] = (struct iovec){ "\n", 1 };
	}
	send_lines(iov, n);
	free(meta);
	buf_release(&literal);
	free(structured);
}

static void serve_one(struct db *catalog, struct qpool *pool,
		      const char *line)
{
	cJSON *req = cJSON_Parse(line);
	const cJSON *name, *args, *lim;
	const struct tool_def *t;
	struct query_limits limits;
	struct tool_call call;
	struct cancel never = CANCEL_INIT;

	name = cJSON_GetObjectItemCaseSensitive(req, "tool");
	args = cJSON_GetObjectItemCaseSensitive(req, "args");
	lim = cJSON_GetObjectItemCaseSensitive(req, "limits");
	t = cJSON_IsString(name) ? tool_find(name->valuestring) : NULL;
	memset(&call, 0, sizeof(call));
	buf_init(&call.text, TOOL_TEXT_MAX);
	limits.timeout_ms = limit_of(lim, "timeout_ms", 10000);
	limits.max_rows = limit_of(lim, "max_rows", 1000);
	limits.max_bytes = limit_of(lim, "max_bytes", 65536);
	limits.memory_mb = limit_of(lim, "memory_mb", 512);
	if (!t || !cJSON_IsObject(args)) {
		tool_error(&call, "the query worker got a malformed request");
	} else {
		call.args = args;
		call.catalog = catalog;
		call.pool = pool;
		call.limits = &limits;
		call.cancel = &never;
		call.progress_fn = worker_progress;
		watchdog_arm(limits.timeout_ms);
		t->run(&call);
		watchdog_disarm();
	}
	send_answer(&call, limits.max_bytes);
	tool_call_finish(&call);
	cJSON_Delete(req);
}

/*
 * Lower the limits before anything is allocated.  Address space is what
 * bounds every allocation (ours, SQLite's, the C library's); sanitizer
 * builds reserve terabytes of shadow memory, so there only SQLite's heap
 * limit applies.
 */
static void lower_limits(int64_t memory_mb)
{
	int64_t bytes = memory_mb << 20;
	struct rlimit now;

	/*
	 * Started under a lower limit already (prlimit --as, a host's
	 * ulimit): that one holds, and the server said so once at startup.
	 */
	if (getrlimit(RLIMIT_AS, &now) == 0 && now.rlim_max != RLIM_INFINITY &&
	    (int64_t)now.rlim_max < bytes) {
		bytes = (int64_t)now.rlim_max;
	}
	sqlite3_hard_heap_limit64((sqlite3_int64)((double)bytes *
						  SQLITE_HEAP_SHARE));
#if !defined(__SANITIZE_ADDRESS__) && !defined(MCPD_NO_RLIMIT_AS)
	{
		struct rlimit rl = { .rlim_cur = (rlim_t)bytes,
				     .rlim_max = (rlim_t)bytes };

		if (setrlimit(RLIMIT_AS, &rl) < 0) {
			log_warn("cannot limit the worker's memory: %s",
				 strerror(errno));
		}
	}
#endif
	/*
	 * Queries yield the CPU to the server: ping, list_datasets and
	 * cancellation stay instant while every core runs a query.
	 */
	if (setpriority(PRIO_PROCESS, 0, WORKER_NICE) < 0) {
		log_warn("cannot lower the worker's priority: %s",
			 strerror(errno));
	}
	/* a crash leaves no core: it may hold dataset rows */
	{
		struct rlimit none = { 0, 0 };

		setrlimit(RLIMIT_CORE, &none);
	}
}

int worker_main(int argc, char **argv)
{
	struct db *catalog = NULL;
	struct qpool *pool = NULL;
	pthread_t dog_thread;
	struct buf line;
	char *err = NULL;
	char *end;
	int64_t memory_mb;

	log_init("mcpd worker", LOG_WARN);
	if (argc != 4) {
		log_error("usage: mcpd " WORKER_ARG " CATALOG MEMORY_MB");
		return 2;
	}
	memory_mb = strtoll(argv[3], &end, 10);
	if (*end || memory_mb < WORKER_MIN_MEMORY_MB) {
		memory_mb = WORKER_MIN_MEMORY_MB;
	}
	/*
	 * Die with the server, even one killed with SIGKILL (the server's
	 * threads that start workers live as long as it does).
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1) {
		return 0;
	}
	xalloc_set_exit_status(WORKER_EXIT_OOM);
	lower_limits(memory_mb);
	if (db_open(argv[2], DB_READONLY, &catalog, &err) < 0 ||
	    qpool_create(argv[2], WORKER_CONNECTIONS, &pool, &err) < 0) {
		log_error("%s", err ? err : "cannot open the catalog");
		free(err);
		db_close(catalog);
		return 1;
	}
	/* no file checks here: the server lists, a worker only answers */
	servable_register(catalog);
	dog.pool = pool;
	if (pthread_create(&dog_thread, NULL, watchdog_main, NULL) != 0) {
		log_error("cannot start the watchdog thread");
		return 1;
	}
	buf_init(&line, REQUEST_MAX);
	for (;;) {
		char chunk[65536];
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
		char *p, *nl;

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		p = chunk;
		while ((nl = memchr(p, '\n', (size_t)(chunk + n - p)))) {
			if (buf_add(&line, p, (size_t)(nl - p)) < 0) {
				log_error("request over %u bytes", REQUEST_MAX);
				return 1;
			}
			serve_one(catalog, pool, buf_str(&line));
			buf_reset(&line);
			p = nl + 1;
		}
		if (buf_add(&line, p, (size_t)(chunk + n - p)) < 0) {
			log_error("request over %u bytes", REQUEST_MAX);
			return 1;
		}
	}
	pthread_mutex_lock(&dog.lock);
	dog.quit = true;
	pthread_cond_signal(&dog.cond);
	pthread_mutex_unlock(&dog.lock);
	pthread_join(dog_thread, NULL);
	buf_release(&line);
	qpool_destroy(pool);
	db_close(catalog);
	return 0;
}
