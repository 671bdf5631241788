/*
 * http: POST requests with libcurl, many at once, retried with care.
 *
 * The caller fills struct http_req (http_req_init, then url, body and
 * headers) and hands an array to http_run(), which runs at most `jobs` of
 * them at once on one curl multi handle.  A request that times out or
 * gets 429 or 5xx is retried with exponential backoff and jitter, and
 * waits at least what Retry-After asks.  TLS is always verified; plain
 * http is allowed only to loopback; redirects are not followed; the
 * response has a size cap.
 *
 * Headers added with http_req_secret_header() are wiped (sodium_memzero)
 * when the request is finished, and no header ever appears in `error`.
 * Everything in a struct http_req belongs to it; http_req_finish()
 * releases it.
 */
#ifndef MCP_HTTP_H
#define MCP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp/buf.h"

struct http_req {
	char *url;
	char *body;             /* POST this; NULL: GET */
	void *headers;          /* struct curl_slist */
	void *user;             /* the caller's, untouched */
	/*
	 * -1 (http_req_init): the answer goes to `response`.  Else it is
	 * written to this file (rewound and truncated on a retry), capped at
	 * max_response all the same.
	 */
	int sink_fd;
	bool progress;          /* a byte count on stderr while it runs */
	uint64_t received;      /* bytes of the answer so far */

	/* results */
	int result;             /* 0: a 2xx answer; else negative errno */
	long status;            /* HTTP status of the last attempt, or 0 */
	int attempts;
	struct buf response;
	char *error;            /* transport error, for the user; or NULL */

	/* private to http.c */
	void *easy;
	int64_t wake_ms;
	bool running, done;
};

struct http_opts {
	long connect_timeout_ms;
	long timeout_ms;        /* one attempt, from connect to last byte */
	int max_retries;        /* attempts after the first */
	long backoff_ms;        /* first retry's wait before jitter */
	size_t max_response;
	int jobs;
	/* called once per request when it is done (progress) */
	void (*done)(struct http_req *r, void *ctx);
	void *ctx;
};

/* defaults: 10 s connect, 120 s total, 4 retries, 500 ms, 4 MiB, 4 jobs */
void http_opts_init(struct http_opts *o);

/* https://..., or http:// to 127.0.0.0/8, ::1 or localhost; 0 or -EINVAL */
int http_check_url(const char *url, char **ret_err);

void http_req_init(struct http_req *r);
void http_req_header(struct http_req *r, const char *line);
/* prefix + secret ("x-api-key: " K): a header wiped afterwards */
void http_req_secret_header(struct http_req *r, const char *prefix,
			    const char *secret);
void http_req_finish(struct http_req *r);

/* run every request to its end; -EIO only when curl cannot start */
int http_run(struct http_req **reqs, size_t n, const struct http_opts *o);

#endif
