#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>

#include <curl/curl.h>
#include <sodium.h>

#include "mcp/http.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/* a Retry-After longer than this is a refusal, not a pause */
#define RETRY_AFTER_MAX_MS 60000
#define BACKOFF_MAX_MS 30000

void http_opts_init(struct http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 120000;
	o->max_retries = 4;
	o->backoff_ms = 500;
	o->max_response = 4 << 20;
	o->jobs = 4;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool loopback_host(const char *h, size_t n)
{
	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(h, "[::1]", 5) == 0)) {
		return true;
	}
	if (n < 4 || strncmp(h, "127.", 4) != 0) {
		return false;
	}
	for (size_t i = 4; i < n; i++) {
		if (!isdigit((unsigned char)h[i]) && h[i] != '.') {
			return false;
		}
	}
	return true;
}

int http_check_url(const char *url, char **ret_err)
{
	const char *host, *end;

	if (strncasecmp(url, "https://", 8) == 0) {
		return 0;
	}
	if (strncasecmp(url, "http://", 7) != 0) {
		*ret_err = xasprintf("'%s' is not an http or https URL", url);
		return -EINVAL;
	}
	host = url + 7;
	if (strchr(host, '@')) {
		end = NULL;
	} else if (*host == '[') {
		end = strchr(host, ']');
		end = end ? end + 1 : NULL;
	} else {
		end = host + strcspn(host, ":/?#");
	}
	if (!end || !loopback_host(host, (size_t)(end - host))) {
		*ret_err = xasprintf("plain http is allowed only to loopback "
				     "(127.0.0.1, ::1, localhost); use https "
				     "for '%s'", url);
		return -EINVAL;
	}
	return 0;
}

void http_req_init(struct http_req *r)
{
	memset(r, 0, sizeof(*r));
	r->sink_fd = -1;
}

void http_req_header(struct http_req *r, const char *line)
{
	struct curl_slist *l = curl_slist_append(r->headers, line);

	if (!l) {
		abort();
	}
	r->headers = l;
}

void http_req_secret_header(struct http_req *r, const char *prefix,
			    const char *secret)
{
	size_t n = strlen(prefix) + strlen(secret) + 1;
	char *line = sodium_malloc(n);

	if (!line) {
		abort();
	}
	snprintf(line, n, "%s%s", prefix, secret);
	http_req_header(r, line);
	sodium_free(line);
}

void http_req_finish(struct http_req *r)
{
	struct curl_slist *l;

	if (!r) {
		return;
	}
	/* curl keeps its own copies: wipe those too */
	for (l = r->headers; l; l = l->next) {
		sodium_memzero(l->data, strlen(l->data));
	}
	curl_slist_free_all(r->headers);
	if (r->easy) {
		curl_easy_cleanup(r->easy);
	}
	free(r->url);
	free(r->body);
	free(r->error);
	buf_release(&r->response);
	memset(r, 0, sizeof(*r));
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct http_req *r = arg;
	size_t len = size * n;

	/* a short count makes curl stop with CURLE_WRITE_ERROR */
	if (r->sink_fd < 0) {
		return buf_add(&r->response, p, len) < 0 ? 0 : len;
	}
	if (r->received == UINT64_MAX ||
	    (r->response.max && r->received + len > r->response.max)) {
		return 0;
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(r->sink_fd, p + done, len - done);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			r->received = UINT64_MAX;   /* a disk error, not the cap */
			return 0;
		}
		done += (size_t)w;
	}
	r->received += len;
	return len;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	static int64_t last;
	int64_t now = now_ms();

	if (now - last >= 200 && dlnow > 0) {
		last = now;
		fprintf(stderr, "\rdownloading: %.1f MB", (double)dlnow / 1e6);
	}
	return 0;
}

static int setup(struct http_req *r, const struct http_opts *o)
{
	CURL *e = curl_easy_init();

	if (!e) {
		return -ENOMEM;
	}
	r->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	if (r->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	if (r->progress) {
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mcpctl/" MCPD_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	return 0;
}

/* full jitter on the upper half: waits of [d/2, d] */
static int64_t backoff(const struct http_opts *o, int attempt)
{
	int64_t d = o->backoff_ms;

	for (int i = 1; i < attempt && d < BACKOFF_MAX_MS; i++) {
		d *= 2;
	}
	if (d > BACKOFF_MAX_MS) {
		d = BACKOFF_MAX_MS;
	}
	return d / 2 + (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1));
}

static void set_error(struct http_req *r, char *msg)
{
	free(r->error);
	r->error = msg;
}

/* one attempt ended: done, or schedule the next */
static void finished(struct http_req *r, CURLcode code,
		     const struct http_opts *o)
{
	bool retry = false;
	curl_off_t after = 0;
	int64_t wait;

	r->status = 0;
	if (code == CURLE_OK) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
		if (r->status >= 200 && r->status < 300) {
			r->result = 0;
			set_error(r, NULL);
			r->done = true;
			return;
		}
		retry = r->status == 429 || r->status >= 500;
		r->result = -EPROTO;
		set_error(r, xasprintf("HTTP %ld", r->status));
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		retry = true;
		r->result = -ETIMEDOUT;
		set_error(r, xasprintf("no complete answer within %ld ms",
				       o->timeout_ms));
	} else if (code == CURLE_WRITE_ERROR && r->received == UINT64_MAX) {
		r->result = -EIO;
		set_error(r, xasprintf("cannot write the download: %s",
				       strerror(errno)));
	} else if (code == CURLE_WRITE_ERROR) {
		r->result = -E2BIG;
		set_error(r, xasprintf("the answer is larger than %zu bytes",
				       o->max_response));
	} else {
		r->result = -EIO;
		set_error(r, xstrdup(curl_easy_strerror(code)));
	}
	if (!retry || r->attempts > o->max_retries) {
		r->done = true;
		return;
	}
	wait = backoff(o, r->attempts);
	if (curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &after) ==
		    CURLE_OK && after > 0) {
		if (after * 1000 > RETRY_AFTER_MAX_MS) {
			set_error(r, xasprintf("HTTP %ld, and the server asks "
					       "to wait %lld s",
					       r->status, (long long)after));
			r->done = true;
			return;
		}
		if (after * 1000 > wait) {
			wait = after * 1000;
		}
	}
	r->wake_ms = now_ms() + wait;
}

static void start(CURLM *m, struct http_req *r, const struct http_opts *o)
{
	buf_release(&r->response);
	buf_init(&r->response, o->max_response);
	r->received = 0;
	if (r->sink_fd >= 0) {
		/* a retry starts the file over */
		if (ftruncate(r->sink_fd, 0) < 0 ||
		    lseek(r->sink_fd, 0, SEEK_SET) < 0) {
			r->received = UINT64_MAX;
		}
	}
	r->attempts++;
	r->running = true;
	curl_multi_add_handle(m, r->easy);
}

int http_run(struct http_req **reqs, size_t n, const struct http_opts *o)
{
	CURLM *m;
	size_t left = 0;
	int running = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		return -EIO;
	}
	m = curl_multi_init();
	if (!m) {
		curl_global_cleanup();
		return -EIO;
	}
	for (size_t i = 0; i < n; i++) {
		struct http_req *r = reqs[i];

		r->done = r->running = false;
		r->attempts = 0;
		r->wake_ms = 0;
		if (!r->easy && setup(r, o) < 0) {
			r->result = -ENOMEM;
			set_error(r, xstrdup("cannot start a request"));
			r->done = true;
			if (o->done) {
				o->done(r, o->ctx);
			}
			continue;
		}
		left++;
	}
	while (left > 0) {
		int64_t now = now_ms(), next = -1;
		CURLMsg *msg;
		int queued, still = 0;
		bool ended = false;

		for (size_t i = 0; i < n; i++) {
			struct http_req *r = reqs[i];

			if (r->done || r->running) {
				continue;
			}
			if (r->wake_ms <= now && running < o->jobs) {
				start(m, r, o);
				running++;
			} else if (r->wake_ms > now &&
				   (next < 0 || r->wake_ms < next)) {
				next = r->wake_ms;
			}
		}
		curl_multi_perform(m, &still);
		while ((msg = curl_multi_info_read(m, &queued))) {
			struct http_req *r = NULL;

			if (msg->msg != CURLMSG_DONE) {
				continue;
			}
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&r);
			curl_multi_remove_handle(m, msg->easy_handle);
			r->running = false;
			running--;
			ended = true;
			finished(r, msg->data.result, o);
			if (r->done) {
				left--;
				if (o->done) {
					o->done(r, o->ctx);
				}
			} else if (next < 0 || r->wake_ms < next) {
				next = r->wake_ms;
			}
		}
		if (left == 0) {
			break;
		}
		if (ended) {
			/* a free slot: start the next request first */
			continue;
		}
		/* sleep until a socket moves or a backoff ends */
		{
			int64_t t = 1000;

			if (next >= 0) {
				t = next - now_ms();
				t = t < 0 ? 0 : t > 1000 ? 1000 : t;
			}
			curl_multi_poll(m, NULL, 0, (int)t, NULL);
		}
	}
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return 0;
}
