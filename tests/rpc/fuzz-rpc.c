/*
 * fuzz-rpc: the JSON-RPC reader and every method behind it, fed arbitrary
 * bytes.  Each input is split into lines and handed to rpc_handle_line()
 * as mcpd's reader would; the replies go to /dev/null.  After each input
 * the harness waits for the workers, closes listen streams and forgets the
 * session, so inputs do not depend on each other.
 *
 * Built twice: with tests/fuzz/fuzz-replay.c to replay tests/rpc/corpus in
 * every build, and with -fsanitize=fuzzer under -Dfuzz=true (clang).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp/db.h"
#include "mcp/log.h"
#include "mcp/xalloc.h"
#include "methods/methods.h"
#include "server.h"
#include "servable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct server server;

/* a catalog small enough to build for every run of the harness */
static const char fixture[] =
	"CREATE TABLE data_people (id INTEGER, region TEXT, w REAL);"
	"INSERT INTO data_people VALUES (1, 'north', 1.5), (2, 'south', 0.5);"
	"INSERT INTO datasets (name, title, source_kind, data_table, "
	" weight_column, row_count) VALUES "
	" ('people', 'People', 'csv', 'data_people', 'w', 2);"
	"INSERT INTO dataset_columns (dataset_id, position, name, "
	" inferred_type, top_values) VALUES "
	" (1, 0, 'id', 'INTEGER', NULL),"
	" (1, 1, 'region', 'TEXT', '[[\"north\",1],[\"south\",1]]'),"
	" (1, 2, 'w', 'REAL', 'not json');";

static void setup(void)
{
	char dir[] = "/tmp/fuzz-rpc-XXXXXX";
	struct db *db = NULL;
	char *err = NULL;
	int null_fd;

	log_init("fuzz-rpc", LOG_QUIET);
	if (!mkdtemp(dir)) {
		abort();
	}
	server.catalog_path = xasprintf("%s/catalog.db", dir);
	if (db_open(server.catalog_path, DB_CREATE, &db, &err) < 0 ||
	    db_exec(db, fixture, &err) < 0) {
		fprintf(stderr, "fuzz-rpc: %s\n", err);
		abort();
	}
	db_close(db);
	if (db_open(server.catalog_path, DB_READONLY, &server.catalog,
		    &err) < 0) {
		fprintf(stderr, "fuzz-rpc: %s\n", err);
		abort();
	}
	servable_register(server.catalog);
	pthread_mutex_init(&server.session.lock, NULL);
	server.session.log_level = LEVEL_OFF;
	server.opt.workers = 2;
	server.opt.page_size = 1;
	limits_reload(server.catalog);
	server.opt.limits.timeout_ms = 200;
	if (qpool_create(server.catalog_path, 2, &server.pool, &err) < 0) {
		fprintf(stderr, "fuzz-rpc: %s\n", err);
		abort();
	}
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0) {
		abort();
	}
	out_init(null_fd);
	rpc_init();
	progress_ticker_start();
}

static void session_reset(void)
{
	struct session *s = &server.session;

	subscriptions_close_all();
	pthread_mutex_lock(&s->lock);
	s->initialized = false;
	s->proto = PROTO_NONE;
	s->log_level = LEVEL_OFF;
	free(s->client_name);
	free(s->client_version);
	s->client_name = s->client_version = NULL;
	for (size_t i = 0; i < s->nsubs; i++) {
		free(s->subs[i]);
	}
	free(s->subs);
	s->subs = NULL;
	s->nsubs = 0;
	pthread_mutex_unlock(&s->lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *p = (const char *)data;
	const char *end = p + size;

	if (!ready) {
		setup();
		ready = 1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* as the reader does: the bytes, NUL-terminated */
		char *line = xmalloc(len + 1);

		memcpy(line, p, len);
		line[len] = '\0';
		rpc_handle_line(line, len);
		free(line);
		p += len + (nl ? 1 : 0);
	}
	rpc_drain();
	session_reset();
	return 0;
}
