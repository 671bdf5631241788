/*
 * --wait SECONDS: how long a writing mcpctl waits for another writer's
 * lock on the catalog (default 5 s, the busy timeout db_open() sets).
 * Past it, the statement fails as SQLite's own busy timeout would make it
 * fail, the command reports its error and changes nothing (mcpctl's
 * changes are transactions), and main() turns the failure into exit
 * status 5 with the holder's name, as it recorded itself in
 * catalog_writers (common/writer.c).  The holder is read when the wait
 * ends, since it may be gone by the time the command returns.  A wait
 * that ran out while the command still succeeded (a WAL checkpoint kept
 * waiting by readers after a commit) is no failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mcp/banned.h"
#include "mcp/xalloc.h"
#include "mcp/writer.h"
#include "mcpctl.h"

static double wait_seconds = 5;
static double started;
static bool expired;
static char *holder;            /* when the wait ran out */
static char *catalog_path;      /* the catalog may be closed by then */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int busy(void *arg, int count)
{
	double left, nap;

	(void)arg;
	if (count == 0) {
		started = now();
	}
	left = wait_seconds - (now() - started);
	if (left > 0) {
		/* short naps first: most locks are held for milliseconds */
		nap = count < 10 ? 0.002 * (count + 1) : 0.05;
		nap = nap < left ? nap : left;
		nanosleep(&(struct timespec){
			.tv_sec = (time_t)nap,
			.tv_nsec = (long)((nap - (double)(time_t)nap) * 1e9),
		}, NULL);
		return 1;
	}
	/* another connection: this one must not be used from its handler */
	expired = true;
	free(holder);
	holder = writer_describe(catalog_path);
	return 0;
}

int ctl_busy_exit(int code)
{
	if (expired && code != EXIT_OK) {
		ctl_error("the catalog '%s' stayed locked for %g s, by %s; "
			  "nothing was changed (--wait SECONDS waits longer)",
			  catalog_path, wait_seconds,
			  holder ? holder : "a process that did not record "
			  "itself (mcpd, or another program such as sqlite3)");
		code = EXIT_BUSY;
	}
	free(holder);
	holder = NULL;
	return code;
}

int ctl_parse_wait(struct ctl *ctl, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0) || v > 86400) {
		return ctl_usage_error("", "--wait needs a number of seconds "
				       "(0 to 86400), got '%s'", arg);
	}
	ctl->wait = v;
	ctl->wait_given = true;
	return 0;
}

void ctl_busy_install(struct ctl *ctl, struct db *db)
{
	if (ctl->wait_given) {
		wait_seconds = ctl->wait;
	}
	free(catalog_path);
	catalog_path = xstrdup(db->path);
	sqlite3_busy_handler(db->sql, busy, NULL);
}
