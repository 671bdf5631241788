/*
 * logrow: what the query log keeps of a call's texts.  Secrets never
 * reach the catalog, and no single call can make the log grow by more
 * than a few tens of KiB, whatever the client sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "mcp/xalloc.h"
#include "querylog.h"
#include "mcp/banned.h"

void logrow_text_init(struct logrow_text *t, char *s)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	size_t len, cut;

	memset(t, 0, sizeof(*t));
	if (!s) {
		return;
	}
	len = strlen(s);
	crypto_hash_sha256(digest, (const unsigned char *)s, len);
	sodium_bin2hex(t->hash, sizeof(t->hash), digest, sizeof(digest));
	t->len = (int64_t)len;
	if (len > LOGROW_TEXT_MAX) {
		/* back up to the start of a UTF-8 character */
		cut = LOGROW_TEXT_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
			cut--;
		}
		s[cut] = '\0';
		t->text = xrealloc(s, cut + 1);
	} else {
		t->text = s;
	}
}

void logrow_text_finish(struct logrow_text *t)
{
	free(t->text);
	t->text = NULL;
}

bool logrow_secret_name(const char *name)
{
	static const char *const words[] = {
		"key", "token", "secret", "passw", "auth", "credential",
		"cookie", "bearer", NULL,
	};
	size_t n = strlen(name);

	for (size_t w = 0; words[w]; w++) {
		size_t wl = strlen(words[w]);

		for (size_t i = 0; i + wl <= n; i++) {
			if (strncasecmp(name + i, words[w], wl) == 0) {
				return true;
			}
		}
	}
	return false;
}

static void mask(cJSON *node)
{
	cJSON *child = node->child, *next;

	for (; child; child = next) {
		next = child->next;
		if (child->string && logrow_secret_name(child->string)) {
			cJSON *rep = cJSON_CreateString("***");

			/* the name moves over; child is freed, next was read */
			rep->string = child->string;
			child->string = NULL;
			cJSON_ReplaceItemViaPointer(node, child, rep);
		} else {
			mask(child);
		}
	}
}

char *logrow_mask_args(const char *json)
{
	cJSON *root = cJSON_Parse(json);
	char *out;

	if (!root) {
		return xstrdup("\"***\"");
	}
	mask(root);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out) {
		abort();
	}
	return out;
}

int64_t logrow_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void logrow_format_ts(int64_t ms, char *buf, size_t size)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char day[24];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", day, (int)(ms % 1000));
}
