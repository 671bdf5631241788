/*
 * dataset add NAME --url URL [--key PROVIDER]: the file is fetched with
 * libcurl (common/http.c: TLS verified, plain http only to loopback,
 * retries, a size cap) into a temporary file, which the CSV importer then
 * reads like any other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "mcp/apikey.h"
#include "mcp/http.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"
#include "mcpctl.h"

/* a CSV bigger than this is better fetched first and added as a file */
#define DOWNLOAD_MAX ((size_t)4 << 30)

/* the stored key of `provider` as a Bearer header on `r` */
static int add_key(struct ctl *ctl, struct db *db, const char *provider,
		   struct http_req *r)
{
	struct master_key k;
	char *secret = NULL, *err = NULL;
	int rc;

	if (apikey_check_provider(provider) < 0) {
		ctl_error("invalid provider '%s'", provider);
		return -EINVAL;
	}
	if (ctl_master_key(ctl, db, false, &k) < 0) {
		return -EKEYREJECTED;
	}
	rc = apikey_fetch(db, &k, provider, "default", &secret, &err);
	master_key_wipe(&k);
	if (rc < 0) {
		ctl_error("%s", err);
		free(err);
		return rc;
	}
	http_req_secret_header(r, "Authorization: Bearer ", secret);
	sodium_memzero(secret, strlen(secret));
	free(secret);
	return 0;
}

int ctl_download(struct ctl *ctl, struct db *db, const char *url,
		 const char *key_provider, bool progress, char **ret_path)
{
	const char *dir = getenv("TMPDIR");
	struct http_req r, *rp = &r;
	struct http_opts o;
	char *path, *err = NULL;
	int fd, rc = -EIO;

	if (http_check_url(url, &err) < 0) {
		ctl_error("%s", err);
		free(err);
		return -EINVAL;
	}
	path = xasprintf("%s/mcpctl-url.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		ctl_error("cannot create a temporary file in '%s': %s",
			  dir && *dir ? dir : "/tmp", strerror(errno));
		free(path);
		return -errno;
	}
	http_req_init(&r);
	r.url = xstrdup(url);
	r.sink_fd = fd;
	r.progress = progress;
	if (key_provider && add_key(ctl, db, key_provider, &r) < 0) {
		goto out;
	}
	http_opts_init(&o);
	o.timeout_ms = 3600 * 1000L;
	o.max_response = DOWNLOAD_MAX;
	o.max_retries = 2;
	if (http_run(&rp, 1, &o) < 0) {
		ctl_error("cannot start libcurl");
		goto out;
	}
	if (progress) {
		fputc('\n', stderr);
	}
	if (r.result < 0) {
		ctl_error("cannot download '%s': %s (after %d attempt%s)", url,
			  r.error ? r.error : "failed", r.attempts,
			  r.attempts == 1 ? "" : "s");
		rc = r.result;
		goto out;
	}
	rc = 0;
out:
	http_req_finish(&r);
	close(fd);
	if (rc < 0) {
		unlink(path);
		free(path);
		return rc;
	}
	*ret_path = path;
	return 0;
}
