/*
 * --wait SECONDS: how long a writing mcpctl waits for another writer's
 * lock on the catalog (default 5 s, the busy timeout db_open() sets).
 * Past it, mcpctl exits with status 5 and names the holder as it
 * recorded itself in catalog_writers (common/writer.c).
 *
 * The exit is from inside SQLite's busy handler: the one place that
 * every statement of every command passes through when the catalog is
 * locked, so no caller has to tell a busy catalog apart from other
 * errors.  Nothing is half done then: mcpctl's changes are transactions,
 * and the waiting one never started.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mcp/banned.h"
#include "mcp/writer.h"
#include "mcpctl.h"

static double wait_seconds = 5;
static const char *catalog_path;
static double started;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int busy(void *arg, int count)
{
	double left, nap;
	char *holder;

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
	holder = writer_describe(catalog_path);
	ctl_error("the catalog '%s' is still locked after %g s, by %s; "
		  "nothing was changed (--wait SECONDS waits longer)",
		  catalog_path, wait_seconds,
		  holder ? holder : "a process that did not record itself "
		  "(mcpd, or another program such as sqlite3)");
	free(holder);
	fflush(stdout);
	exit(EXIT_BUSY);
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
	catalog_path = db->path;
	sqlite3_busy_handler(db->sql, busy, NULL);
}
