/*
 * sandbox: spawning, feeding and killing query workers (see sandbox.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcp/buf.h"
#include "mcp/clock.h"
#include "mcp/fdio.h"
#include "mcp/log.h"
#include "mcp/render.h"
#include "mcp/xalloc.h"
#include "server.h"
#include "sandbox.h"
#include "worker.h"
#include "mcp/banned.h"

extern char **environ;

/* the warm worker starts this long after mcpd, unless initialize is first */
#define WARM_AFTER_MS 200
/* how often a waiting call looks at its cancel flag */
#define POLL_SLICE_MS 20
/*
 * The worker's answer may be this much larger than max_bytes: JSON
 * escaping (at most 6 bytes for one) of text and structuredContent, plus
 * progress lines.
 */
#define ANSWER_SLACK (1u << 20)

struct wproc {
	pid_t pid;              /* 0: the slot is empty */
	int to;                 /* its stdin */
	int from;               /* its stdout */
	int64_t memory_mb;      /* the limit it was started with */
	bool busy;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static struct wproc *slots;
static int nslots;
static char *catalog;
static bool stopped;
static pthread_t warm_thread;
static bool warm_started;
static bool warm_now;
static pthread_cond_t warm_cond = PTHREAD_COND_INITIALIZER;

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* start a worker in `w` (empty); 0 or a negative errno */
static int spawn(struct wproc *w, int64_t memory_mb)
{
	int to[2] = { -1, -1 }, from[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char mb[32];
	char *argv[] = { "mcpd", WORKER_ARG, catalog, mb, NULL };
	pid_t pid;
	int rc;

	snprintf(mb, sizeof(mb), "%lld", (long long)memory_mb);
	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0) {
		rc = errno;
		close_fd(&to[0]);
		close_fd(&to[1]);
		return -rc;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, to[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, from[1], STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGINT);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	/* /proc/self/exe: this very binary, even if the file was replaced */
	rc = posix_spawn(&pid, "/proc/self/exe", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(to[0]);
	close(from[1]);
	if (rc != 0) {
		close(to[1]);
		close(from[0]);
		log_error("cannot start a query worker: %s", strerror(rc));
		return -rc;
	}
	w->pid = pid;
	w->to = to[1];
	w->from = from[0];
	w->memory_mb = memory_mb;
	w->busy = false;
	return 0;
}

/* kill and reap the worker in `w`; returns its wait status */
static int reap(struct wproc *w, bool kill_it)
{
	int status = 0;

	if (w->pid <= 0) {
		return 0;
	}
	if (kill_it) {
		kill(w->pid, SIGKILL);
	}
	close_fd(&w->to);
	close_fd(&w->from);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
	}
	w->pid = 0;
	return status;
}

static int idle_count(void)
{
	int n = 0;

	for (int i = 0; i < nslots; i++) {
		n += slots[i].pid > 0 && !slots[i].busy;
	}
	return n;
}

/* with the lock held: start one more worker if none is idle */
static void keep_spare(int64_t memory_mb)
{
	if (stopped || idle_count() > 0) {
		return;
	}
	for (int i = 0; i < nslots; i++) {
		if (slots[i].pid == 0) {
			spawn(&slots[i], memory_mb);
			return;
		}
	}
}

/*
 * The first worker starts once initialize is answered (or after
 * WARM_AFTER_MS): a worker's start (exec, opening the catalog) takes the
 * CPU the client's initialize answer needs.  A query that comes first
 * starts its own worker, or waits for this one under the lock.
 */
static void *warm_main(void *arg)
{
	struct query_limits l;
	struct timespec until;

	(void)arg;
	clock_after_ms(CLOCK_REALTIME, WARM_AFTER_MS, &until);
	pthread_mutex_lock(&lock);
	while (!warm_now && !stopped &&
	       pthread_cond_timedwait(&warm_cond, &lock, &until) == 0) {
	}
	pthread_mutex_unlock(&lock);
	limits_get(&l);
	pthread_mutex_lock(&lock);
	keep_spare(l.memory_mb);
	/*
	 * This thread lives until the stop: a worker's PR_SET_PDEATHSIG
	 * fires when the thread that started it ends, not the process.
	 */
	while (!stopped) {
		pthread_cond_wait(&warm_cond, &lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int sandbox_init(const char *catalog_path, int n)
{
	catalog = xstrdup(catalog_path);
	nslots = n < 2 ? 2 : n;
	slots = xcalloc((size_t)nslots, sizeof(*slots));
	for (int i = 0; i < nslots; i++) {
		slots[i].to = slots[i].from = -1;
	}
	warm_started = pthread_create(&warm_thread, NULL, warm_main,
				      NULL) == 0;
	return 0;
}

/* an idle worker started with `memory_mb`, marked busy; NULL if stopped */
static struct wproc *acquire(int64_t memory_mb)
{
	struct wproc *w = NULL;

	pthread_mutex_lock(&lock);
	while (!stopped) {
		for (int i = 0; i < nslots && !w; i++) {
			if (slots[i].pid > 0 && !slots[i].busy) {
				w = &slots[i];
			}
		}
		if (w && w->memory_mb != memory_mb) {
			/* the limit changed: this one is stale */
			reap(w, true);
			spawn(w, memory_mb);
		}
		if (!w) {
			for (int i = 0; i < nslots && !w; i++) {
				if (slots[i].pid == 0 &&
				    spawn(&slots[i], memory_mb) == 0) {
					w = &slots[i];
				}
			}
		}
		if (w && w->pid > 0) {
			w->busy = true;
			break;
		}
		w = NULL;
		pthread_cond_wait(&idle_cond, &lock);
	}
	if (w) {
		keep_spare(memory_mb);
	}
	pthread_mutex_unlock(&lock);
	return w;
}

static void release(struct wproc *w, bool kill_it, int *ret_status)
{
	struct query_limits l;
	int status = 0;

	limits_get(&l);
	pthread_mutex_lock(&lock);
	if (kill_it) {
		status = reap(w, true);
	}
	w->busy = false;
	keep_spare(l.memory_mb);
	pthread_cond_signal(&idle_cond);
	pthread_mutex_unlock(&lock);
	if (ret_status) {
		*ret_status = status;
	}
}

/*
 * After the client closed its input, a query gets SANDBOX_EOF_GRACE_MS
 * more (from the close, or from its own start if later): a piped
 * conversation of quick queries is still answered in full, and a long
 * query never holds the exit.
 */
static bool past_input_grace(int64_t start_us)
{
	int64_t closed = atomic_load(&server.input_closed_us);

	if (closed == 0) {
		return false;
	}
	return now_us() > (closed > start_us ? closed : start_us) +
				  SANDBOX_EOF_GRACE_MS * 1000;
}

enum wait_result {
	WAIT_DONE,
	WAIT_TIMEOUT,
	WAIT_INPUT_CLOSED,
	WAIT_CANCELLED,
	WAIT_TOO_BIG,
	WAIT_MALFORMED,         /* not what a worker writes */
	WAIT_DIED,
};

/* what the worker sent for one call */
struct answer {
	cJSON *meta;            /* the answer line */
	char *text;             /* the text as a JSON string literal */
	size_t text_len;
	char *structured;       /* structuredContent, or NULL */
	size_t structured_len;
};

/* forget the line that ends at `end`: the next one starts the buffer */
static void drop_line(struct buf *in, size_t end)
{
	size_t rest = in->len - end - 1;

	memmove(in->data, in->data + end + 1, rest);
	in->len = rest;
	in->data[rest] = '\0';
}

/*
 * The line that starts the buffer and ends at `end`, as the buffer's own
 * bytes (an answer of megabytes is not copied); what follows it moves to
 * a new buffer, at most one read's worth.
 */
static char *take_line(struct buf *in, size_t end, size_t *ret_len)
{
	struct buf rest;
	char *line;

	buf_init(&rest, in->max);
	buf_add(&rest, in->data + end + 1, in->len - end - 1);
	in->data[end] = '\0';
	in->len = end;
	line = buf_detach(in, NULL);
	*in = rest;
	*ret_len = end;
	return line;
}

/*
 * Read lines from the worker until its answer is complete: progress lines
 * go to the client as they come; the answer line, the text line and the
 * structured line after them are left in *ret.
 */
static enum wait_result wait_answer(struct wproc *w, struct tool_call *call,
				    int64_t deadline_us, size_t max_bytes,
				    struct answer *ret)
{
	int64_t start_us = now_us();
	struct buf in;
	enum wait_result res = WAIT_DIED;
	size_t searched = 0;    /* bytes known to hold no newline */

	buf_init(&in, max_bytes);
	for (;;) {
		struct pollfd pfd = { .fd = w->from, .events = POLLIN };
		int64_t left = deadline_us - now_us();
		char chunk[65536];
		ssize_t n;
		char *nl;

		if (cancel_raised(call->cancel)) {
			res = WAIT_CANCELLED;
			break;
		}
		if (left <= 0) {
			res = WAIT_TIMEOUT;
			break;
		}
		if (past_input_grace(start_us)) {
			res = WAIT_INPUT_CLOSED;
			break;
		}
		if (poll(&pfd, 1, left / 1000 < POLL_SLICE_MS
				       ? (int)(left / 1000) + 1
				       : POLL_SLICE_MS) <= 0) {
			continue;
		}
		n = read(w->from, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n <= 0) {
			res = WAIT_DIED;
			break;
		}
		if (buf_add(&in, chunk, (size_t)n) < 0) {
			res = WAIT_TOO_BIG;
			break;
		}
		/*
		 * Complete lines: progress, then the answer, its text and its
		 * structuredContent.  A long line is searched for its end once,
		 * not again with every chunk.
		 */
		while ((nl = memchr(in.data + searched, '\n',
				    in.len - searched))) {
			size_t end = (size_t)(nl - in.data);
			cJSON *msg;

			if (ret->meta && !ret->text) {
				ret->text = take_line(&in, end,
						      &ret->text_len);
				searched = 0;
				if (!cJSON_IsTrue(cJSON_GetObjectItem(
					    ret->meta, "structured"))) {
					res = WAIT_DONE;
					goto out;
				}
				continue;
			}
			if (ret->meta) {
				ret->structured = take_line(
					&in, end, &ret->structured_len);
				res = WAIT_DONE;
				goto out;
			}
			*nl = '\0';
			msg = cJSON_Parse(in.data);
			drop_line(&in, end);
			searched = 0;
			if (!msg) {
				res = WAIT_MALFORMED;
				goto out;
			}
			if (cJSON_HasObjectItem(msg, "progress")) {
				const cJSON *m = cJSON_GetObjectItem(msg,
								     "message");

				tool_progress(call,
					cJSON_GetNumberValue(
						cJSON_GetObjectItem(msg,
							"progress")),
					cJSON_GetNumberValue(
						cJSON_GetObjectItem(msg,
							"total")),
					cJSON_IsString(m) ? m->valuestring
							  : NULL);
				cJSON_Delete(msg);
				continue;
			}
			ret->meta = msg;
		}
		searched = in.len;
	}
out:
	buf_release(&in);
	return res;
}

/* the worker's status word as the server's own static string */
static const char *status_of(const char *s)
{
	static const char *const names[] = {
		"ok", "error", "denied", "timeout", "cancelled",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			return names[i];
		}
	}
	return "error";
}

static const char *json_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* fill the call from the worker's answer (its text checked already) */
static void take_answer(struct tool_call *call, struct answer *a)
{
	const char *status = json_string(a->meta, "status");
	const char *s;

	buf_reset(&call->text);
	call->is_error = cJSON_IsTrue(cJSON_GetObjectItem(a->meta,
							  "isError"));
	if (call->is_error) {
		/* an error is logged and said in words: read it as text */
		cJSON *t = cJSON_ParseWithLength(a->text, a->text_len);

		buf_addstr(&call->text, cJSON_IsString(t) ? t->valuestring
							  : "");
		cJSON_Delete(t);
	} else {
		/* passed on as it is, never unescaped and escaped again */
		call->text_json = a->text;
		call->text_json_bytes = (size_t)cJSON_GetNumberValue(
			cJSON_GetObjectItem(a->meta, "text_bytes"));
		a->text = NULL;
	}
	/* the status names are static strings of the server's own */
	call->log_status = status ? status_of(status) : NULL;
	if ((s = json_string(a->meta, "sql"))) {
		call->log_sql = xstrdup(s);
	}
	if ((s = json_string(a->meta, "datasets"))) {
		call->log_datasets = xstrdup(s);
	}
	call->log_rows = (int64_t)cJSON_GetNumberValue(
		cJSON_GetObjectItem(a->meta, "rows"));
	if (a->structured && utf8_valid(a->structured, a->structured_len)) {
		/* printed by the worker's cJSON: kept as it is, not reparsed */
		call->structured = render_raw_take(a->structured);
		a->structured = NULL;
	}
}

static void stopped_error(struct tool_call *call, enum wait_result res,
			  int status)
{
	const struct query_limits *l = call->limits;

	switch (res) {
	case WAIT_TIMEOUT:
		tool_error(call, "stopped: the query passed the time limit "
			   "of %lld ms. Narrow it with WHERE, aggregate with "
			   "GROUP BY, or add a LIMIT.\n",
			   (long long)l->timeout_ms);
		call->log_status = "timeout";
		break;
	case WAIT_CANCELLED:
		tool_error(call, "the query was cancelled");
		call->log_status = "cancelled";
		break;
	case WAIT_INPUT_CLOSED:
		tool_error(call, "stopped: the client closed its input while "
			   "the query ran\n");
		call->log_status = "cancelled";
		break;
	case WAIT_MALFORMED:
		tool_error(call, "stopped: the query worker's answer was "
			   "malformed; the server goes on");
		break;
	case WAIT_TOO_BIG:
		tool_error(call, "stopped: the answer passed the response "
			   "limit of %lld bytes",
			   (long long)l->max_bytes);
		break;
	default:
		if ((WIFEXITED(status) &&
		     WEXITSTATUS(status) == WORKER_EXIT_OOM) ||
		    (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV ||
					     WTERMSIG(status) == SIGABRT ||
					     WTERMSIG(status) == SIGBUS ||
					     WTERMSIG(status) == SIGKILL))) {
			tool_error(call, "stopped: the query passed the "
				   "memory limit of %lld MB. Aggregate, "
				   "select fewer or shorter values, or add "
				   "a LIMIT.", (long long)l->memory_mb);
		} else {
			tool_error(call, "stopped: the query worker failed "
				   "(status %d); the server goes on", status);
		}
		break;
	}
}

/* the worker died before saying what it ran: the log still shows it */
static void log_sql_of_args(struct tool_call *call)
{
	const cJSON *sql = cJSON_GetObjectItemCaseSensitive(call->args, "sql");
	const cJSON *queries = cJSON_GetObjectItemCaseSensitive(call->args,
								"queries");

	if (call->log_sql) {
		return;
	}
	if (cJSON_IsString(sql)) {
		call->log_sql = xstrdup(sql->valuestring);
	} else if (queries) {
		call->log_sql = cJSON_PrintUnformatted(queries);
	}
}

void sandbox_call(const struct tool_def *t, struct tool_call *call)
{
	const struct query_limits *l = call->limits;
	struct wproc *w;
	cJSON *req, *lim;
	struct answer answer = { 0 };
	char *line;
	enum wait_result res;
	int64_t deadline_us;
	int status = 0;
	int r;

	if (!slots) {
		tool_error(call, "query workers are not available");
		return;
	}
	w = acquire(l->memory_mb);
	if (!w) {
		tool_error(call, "the server is stopping");
		call->log_status = "cancelled";
		return;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "tool", t->name);
	/* a reference, not a copy: the request only lives to be printed */
	cJSON_AddItemReferenceToObject(req, "args", (cJSON *)call->args);
	lim = cJSON_AddObjectToObject(req, "limits");
	cJSON_AddNumberToObject(lim, "timeout_ms", (double)l->timeout_ms);
	cJSON_AddNumberToObject(lim, "max_rows", (double)l->max_rows);
	cJSON_AddNumberToObject(lim, "max_bytes", (double)l->max_bytes);
	cJSON_AddNumberToObject(lim, "memory_mb", (double)l->memory_mb);
	line = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	deadline_us = now_us() +
		      (l->timeout_ms + SANDBOX_KILL_GRACE_MS) * 1000;
	if (line) {
		/* the line and its newline in one write: one wakeup */
		struct iovec iov[2] = { { line, strlen(line) }, { "\n", 1 } };

		r = fd_writev_all(w->to, iov, 2);
	} else {
		r = -ENOMEM;
	}
	free(line);
	if (r < 0) {
		res = WAIT_DIED;
	} else {
		res = wait_answer(w, call, deadline_us,
				  (size_t)l->max_bytes * 8 + ANSWER_SLACK,
				  &answer);
	}
	/*
	 * The text goes into the reply as it is: a worker that wrote
	 * anything but one JSON string there is answered as a dead one,
	 * and killed.
	 */
	if (res == WAIT_DONE &&
	    !json_literal_valid(answer.text, answer.text_len)) {
		res = WAIT_MALFORMED;
	}
	release(w, res != WAIT_DONE, &status);
	if (res == WAIT_DONE) {
		take_answer(call, &answer);
	} else {
		stopped_error(call, res, status);
		log_sql_of_args(call);
	}
	cJSON_Delete(answer.meta);
	free(answer.text);
	free(answer.structured);
}

void sandbox_warm(void)
{
	pthread_mutex_lock(&lock);
	warm_now = true;
	pthread_cond_signal(&warm_cond);
	pthread_mutex_unlock(&lock);
}

void sandbox_stop(void)
{
	pthread_mutex_lock(&lock);
	stopped = true;
	pthread_cond_signal(&warm_cond);
	pthread_mutex_unlock(&lock);
	if (warm_started) {
		pthread_join(warm_thread, NULL);
		warm_started = false;
	}
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nslots; i++) {
		/* a busy worker's call sees EOF and answers at once */
		if (slots[i].pid > 0 && !slots[i].busy) {
			reap(&slots[i], true);
		} else if (slots[i].pid > 0) {
			kill(slots[i].pid, SIGKILL);
		}
	}
	pthread_cond_broadcast(&idle_cond);
	pthread_mutex_unlock(&lock);
}

int sandbox_live_workers(void)
{
	int n = 0;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < nslots; i++) {
		n += slots[i].pid > 0;
	}
	pthread_mutex_unlock(&lock);
	return n;
}
