#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcp/buf.h"
#include "mcp/log.h"
#include "mcp/paths.h"
#include "mcp/xalloc.h"
#include "sandbox.h"
#include "server.h"
#include "servable.h"
#include "worker.h"
#include "mcp/banned.h"

/* one message may be this long; longer lines are refused, not buffered */
#define LINE_MAX_BYTES (4u << 20)

struct server server;

static void session_finish(struct session *s)
{
	for (size_t i = 0; i < s->nsubs; i++) {
		free(s->subs[i]);
	}
	free(s->subs);
	free(s->client_name);
	free(s->client_version);
	pthread_mutex_destroy(&s->lock);
}

static const char usage_text[] =
	"usage: mcpd [--db PATH] [--log-level LEVEL] [--timeout-ms N]\n"
	"            [--max-rows N] [--max-bytes N] [--workers N]\n"
	"            [--memory-mb N] [--page-size N] [--version] [--help]\n"
	"\n"
	"An MCP server over stdio: reads JSON-RPC from stdin, answers on\n"
	"stdout, logs to stderr.  See mcpd(1).\n"
	"\n"
	"  --db PATH          catalog file (else $MCPD_DB, else\n"
	"                     $XDG_DATA_HOME/mcpd/catalog.db)\n"
	"  --log-level LEVEL  debug, info, warn, error or quiet (warn)\n"
	"  --timeout-ms N     wall-clock limit of one query\n"
	"  --max-rows N       rows one query returns at most\n"
	"  --max-bytes N      bytes one tool result holds at most\n"
	"  --memory-mb N      memory of one query worker process\n"
	"  --workers N        queries run at once, each in a worker (4)\n"
	"  --page-size N      items per page of the list methods (50)\n"
	"  --version          print the version and exit\n"
	"  --help             print this help and exit\n";

static void on_signal(int sig)
{
	/* async-signal-safe: one write to the stop pipe */
	server_request_stop();
}

static int parse_count(const char *opt, const char *s, int64_t min,
		       int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min) {
		fprintf(stderr, "mcpd: invalid value '%s' for %s\n", s, opt);
		fprintf(stderr, "see 'mcpd --help'\n");
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

enum {
	OPT_DB = 256,
	OPT_LOG_LEVEL,
	OPT_TIMEOUT,
	OPT_MAX_ROWS,
	OPT_MAX_BYTES,
	OPT_WORKERS,
	OPT_MEMORY_MB,
	OPT_PAGE_SIZE,
	OPT_VERSION,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
	{ "max-rows", required_argument, NULL, OPT_MAX_ROWS },
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "memory-mb", required_argument, NULL, OPT_MEMORY_MB },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct flags {
	int64_t timeout_ms, max_rows, max_bytes, memory_mb;
};

/* 0 to run, 1 to exit 0 (help, version), negative for a usage error */
static int parse_args(int argc, char **argv, struct flags *f)
{
	enum log_level level;
	int64_t v;
	int c;

	f->timeout_ms = f->max_rows = f->max_bytes = f->memory_mb = -1;
	server.opt.workers = 4;
	server.opt.page_size = 50;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hV", long_options, NULL)) !=
	       -1) {
		switch (c) {
		case OPT_DB:
			server.opt.db_path = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &level) < 0) {
				fprintf(stderr,
					"mcpd: invalid log level '%s'\n"
					"see 'mcpd --help'\n", optarg);
				return -EINVAL;
			}
			log_set_level(level);
			break;
		case OPT_TIMEOUT:
			if (parse_count("--timeout-ms", optarg, 1,
					&f->timeout_ms) < 0) {
				return -EINVAL;
			}
			break;
		case OPT_MAX_ROWS:
			if (parse_count("--max-rows", optarg, 1,
					&f->max_rows) < 0) {
				return -EINVAL;
			}
			break;
		case OPT_MAX_BYTES:
			if (parse_count("--max-bytes", optarg, 1,
					&f->max_bytes) < 0) {
				return -EINVAL;
			}
			break;
		case OPT_MEMORY_MB:
			if (parse_count("--memory-mb", optarg,
					WORKER_MIN_MEMORY_MB,
					&f->memory_mb) < 0) {
				return -EINVAL;
			}
			break;
		case OPT_WORKERS:
			if (parse_count("--workers", optarg, 1, &v) < 0) {
				return -EINVAL;
			}
			server.opt.workers = v > 64 ? 64 : (int)v;
			break;
		case OPT_PAGE_SIZE:
			if (parse_count("--page-size", optarg, 1, &v) < 0) {
				return -EINVAL;
			}
			server.opt.page_size = v > INT_MAX ? INT_MAX : (int)v;
			break;
		case OPT_VERSION:
		case 'V':
			printf("mcpd %s\n", MCPD_VERSION);
			return 1;
		case OPT_HELP:
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			fprintf(stderr, "mcpd: unknown option '%s'\n"
					"see 'mcpd --help'\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mcpd: unexpected argument '%s'\n"
				"see 'mcpd --help'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int setup_signals(void)
{
	struct sigaction sa;

	if (stop_init() < 0) {
		return -errno;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* a vanished client shows up as EPIPE, not as a dead server */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/*
 * Read stdin line by line until EOF or a stop (a signal, the catalog
 * replaced, stdout gone).  A line longer than the ceiling is skipped up to
 * its newline and answered with one error.  Returns true on EOF.
 */
static bool read_loop(void)
{
	bool eof = false;
	static char chunk[65536];
	struct buf line;
	bool skipping = false;

	buf_init(&line, LINE_MAX_BYTES);
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = stop_fd(), .events = POLLIN },
		};
		ssize_t n;
		char *p, *end;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			log_error("poll: %s", strerror(errno));
			break;
		}
		if (fds[1].revents) {
			log_info("stop requested: finishing");
			break;
		}
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			log_error("cannot read stdin: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			eof = true;
			break;
		}
		p = chunk;
		end = chunk + n;
		while (p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

			if (!skipping && buf_add(&line, p, len) < 0) {
				skipping = true;
				buf_reset(&line);
			}
			p += len;
			if (!nl) {
				break;
			}
			p++;
			if (skipping) {
				rpc_line_too_long();
				skipping = false;
			} else {
				rpc_handle_line(line.data ? line.data : "",
						line.len);
			}
			buf_reset(&line);
		}
	}
	/* a last message without a newline still counts */
	if (skipping) {
		rpc_line_too_long();
	} else if (line.len > 0) {
		rpc_handle_line(line.data, line.len);
	}
	buf_release(&line);
	return eof;
}

/*
 * Address space, not memory, is what an RLIMIT_AS (a worker's own limit,
 * a host's ulimit, prlimit --as) counts.  glibc reserves 64 MB of it for
 * each malloc arena, up to eight per core, and 8 MB for each thread's
 * stack: under a 300 MB limit the server's dozen threads could fail to
 * allocate with almost nothing allocated.  Two arenas and 2 MB stacks
 * (the deepest recursion, JSON nesting of 1,000, needs a fraction of it)
 * keep the reserve small.  Threads made later inherit the stack size;
 * processes spawned do not.  A query worker keeps the default stacks:
 * SQLite recurses on the queries it runs.
 */
static void small_address_space(bool worker)
{
	pthread_attr_t attr;

	mallopt(M_ARENA_MAX, 2);
	if (worker) {
		return;
	}
#ifndef __SANITIZE_ADDRESS__
	if (pthread_attr_init(&attr) == 0) {
		pthread_attr_setstacksize(&attr, (size_t)2 << 20);
		pthread_setattr_default_np(&attr);
		pthread_attr_destroy(&attr);
	}
#else
	(void)attr;
#endif
}

int main(int argc, char **argv)
{
	struct flags f;
	struct stat st;
	bool eof;
	char *err = NULL;
	int r, ret = 1;

	small_address_space(argc > 1 && strcmp(argv[1], WORKER_ARG) == 0);
	if (argc > 1 && strcmp(argv[1], WORKER_ARG) == 0) {
		/* a query worker keeps SQLite's memory accounting: its heap
		 * limit needs it */
		return worker_main(argc, argv);
	}
	log_init("mcpd", LOG_WARN);
	/* before any database opens: parallel queries must not share a mutex */
	query_library_init();
	r = parse_args(argc, argv, &f);
	if (r != 0) {
		/* --help and --version: a failed write is a failure */
		if (r > 0 && (fflush(stdout) != 0 || ferror(stdout))) {
			log_error("cannot write to stdout: %s", strerror(errno));
			return 1;
		}
		return r > 0 ? 0 : 2;
	}
	pthread_mutex_init(&server.session.lock, NULL);
	server.session.log_level = LEVEL_OFF;
	server.catalog_path = paths_catalog(server.opt.db_path);
	if (!server.catalog_path) {
		log_error("cannot find a home directory for the catalog; "
			  "use --db PATH");
		goto out;
	}
	/* SQLite would create an empty file: say what is missing instead */
	if (stat(server.catalog_path, &st) < 0) {
		log_error("cannot open catalog '%s': %s (create it with "
			  "'mcpctl init')", server.catalog_path,
			  strerror(errno));
		goto out;
	}
	server.catalog_dev = st.st_dev;
	server.catalog_ino = st.st_ino;
	r = db_open(server.catalog_path, DB_READONLY, &server.catalog, &err);
	if (r < 0) {
		log_error("%s", err);
		free(err);
		goto out;
	}
	servable_register(server.catalog);
	server.opt.fixed.timeout_ms = f.timeout_ms > 0 ? f.timeout_ms : 0;
	server.opt.fixed.max_rows = f.max_rows > 0 ? f.max_rows : 0;
	server.opt.fixed.max_bytes = f.max_bytes > 0 ? f.max_bytes : 0;
	server.opt.fixed.memory_mb = f.memory_mb > 0 ? f.memory_mb : 0;
	limits_reload(server.catalog);
	if (setup_signals() < 0) {
		log_error("cannot set up signal handling");
		goto out;
	}
	out_init(STDOUT_FILENO);
	/* one worker process per query at once, plus a warm spare */
	sandbox_init(server.catalog_path, server.opt.workers + 1);
	rpc_init();
	progress_ticker_start();
	watch_start();
	querylog_start(server.catalog_path);
	log_debug("serving catalog '%s'", server.catalog_path);

	eof = read_loop();

	/*
	 * Stop soon, whatever runs.  After EOF, everything queued is still
	 * answered, but each query gets at most SANDBOX_EOF_GRACE_MS from
	 * then on (sandbox.c), so a piped conversation of quick queries is
	 * answered in full and a long query never holds the exit.  After a
	 * signal, everything in flight is cancelled at once.
	 */
	atomic_store(&server.stopping, true);
	if (eof) {
		atomic_store(&server.input_closed_us, now_us());
		rpc_drain_for(INT32_MAX);
	} else {
		rpc_cancel_all();
	}
	sandbox_stop();
	rpc_finish();
	progress_ticker_stop();
	watch_stop();
	servable_reset();
	querylog_stop();
	ret = atomic_load(&server.out_broken) ||
			      atomic_load(&server.catalog_gone)
		      ? 1
		      : 0;
out:
	session_finish(&server.session);
	qpool_destroy(server.pool);
	db_close(server.catalog);
	free(server.catalog_path);
	return ret;
}
