/*
 * Unit tests of common/crypto.c, common/apikey.c, the URL rule of
 * common/http.c and the answer checks of common/metadata.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "mcp/apikey.h"
#include "mcp/crypto.h"
#include "mcp/db.h"
#include "mcp/http.h"
#include "mcp/llm.h"
#include "mcp/metadata.h"
#include "mcp/xalloc.h"
#include "tap.h"

static char *tmpdir;

static int fixed_passphrase(char *buf, size_t size, int confirm)
{
	snprintf(buf, size, "%s", "a passphrase");
	return 0;
}

static void test_seal(void)
{
	struct master_key k, other;
	unsigned char nonce[SEAL_NONCE_BYTES];
	unsigned char *ct = NULL;
	size_t ctlen = 0, len = 0;
	char *msg = NULL, *err = NULL;

	master_key_generate(NULL, &k, &err);
	master_key_generate(NULL, &other, &err);
	ok(strcmp(k.id, other.id) != 0, "two keys, two ids");
	is_int(crypto_seal(&k, "ad", "secret", 6, nonce, &ct, &ctlen), 0,
	       "seal");
	is_int(ctlen, 6 + SEAL_TAG_BYTES, "ciphertext has a tag");
	is_int(crypto_open(&k, "ad", ct, ctlen, nonce, &msg, &len), 0, "open");
	is_mem(msg, len, "secret", 6, "round trip");
	free(msg);
	msg = NULL;
	is_int(crypto_open(&other, "ad", ct, ctlen, nonce, &msg, &len),
	       -EBADMSG, "another key: refused");
	is_int(crypto_open(&k, "ae", ct, ctlen, nonce, &msg, &len), -EBADMSG,
	       "other associated data: refused");
	for (size_t i = 0; i < ctlen; i += 5) {
		int r;

		ct[i] ^= 0x01;
		r = crypto_open(&k, "ad", ct, ctlen, nonce, &msg, &len);
		ct[i] ^= 0x01;
		if (r != -EBADMSG) {
			ok(false, "flipped bit at byte %zu accepted", i);
			free(msg);
			msg = NULL;
		}
	}
	ok(msg == NULL, "every flipped byte refused");
	is_int(crypto_open(&k, "ad", ct, 3, nonce, &msg, &len), -EBADMSG,
	       "short ciphertext refused");
	free(ct);
	master_key_wipe(&k);
	master_key_wipe(&other);
}

static void test_key_file(void)
{
	char *path = xasprintf("%s/sub/master.key", tmpdir);
	struct master_key k, back;
	char *err = NULL;
	struct stat st;

	is_int(master_key_load(path, NULL, &back, &err), -ENOENT,
	       "missing key file");
	free(err);
	err = NULL;
	master_key_generate(NULL, &k, &err);
	is_int(master_key_save(path, &k, 0, &err), 0, "save");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	is_int(master_key_save(path, &k, 0, &err), -EEXIST,
	       "no overwrite without replace");
	free(err);
	err = NULL;
	is_int(master_key_load(path, NULL, &back, &err), 0, "load");
	is_mem((char *)back.key, sizeof(back.key), (char *)k.key,
	       sizeof(k.key), "same key back");
	is_str(back.id, k.id, "same id");
	chmod(path, 0640);
	is_int(master_key_load(path, NULL, &back, &err), -EPERM,
	       "group-readable refused");
	ok(err && strstr(err, "0640"), "the message names the mode");
	free(err);
	err = NULL;
	chmod(path, 0600);

	/* a passphrase key: same passphrase, same key */
	master_key_generate(fixed_passphrase, &k, &err);
	is_int(master_key_save(path, &k, 1, &err), 0, "save passphrase file");
	is_int(master_key_load(path, NULL, &back, &err), -EINVAL,
	       "no passphrase source: refused");
	free(err);
	err = NULL;
	is_int(master_key_load(path, fixed_passphrase, &back, &err), 0,
	       "load with the passphrase");
	is_str(back.id, k.id, "the passphrase gives the same key");

	FILE *f = fopen(path, "w");
	fputs("not a key\n", f);
	fclose(f);
	is_int(master_key_load(path, NULL, &back, &err), -EINVAL,
	       "garbage refused");
	free(err);
	master_key_wipe(&k);
	master_key_wipe(&back);
	free(path);
}

static void test_apikey(void)
{
	char *path = xasprintf("%s/keys.db", tmpdir);
	struct master_key k, other;
	struct db *db = NULL;
	char *err = NULL, *secret = NULL;
	size_t n = 0;

	db_open(path, DB_CREATE, &db, &err);
	master_key_generate(NULL, &k, &err);
	master_key_generate(NULL, &other, &err);
	is_int(apikey_store(db, &k, "openai", "default", "sk-1", 4, &err), 0,
	       "store");
	is_int(apikey_store(db, &k, "openai", "default", "sk-2", 4, &err), 0,
	       "replace");
	is_int(apikey_fetch(db, &k, "openai", "default", &secret, &err), 0,
	       "fetch");
	is_str(secret, "sk-2", "the replacement is what comes back");
	free(secret);
	secret = NULL;
	is_int(apikey_fetch(db, &other, "openai", "default", &secret, &err),
	       -EKEYREJECTED, "another master key");
	free(err);
	err = NULL;
	is_int(apikey_fetch(db, &k, "openai", "nope", &secret, &err), -ENOENT,
	       "no such label");
	free(err);
	err = NULL;
	db_exec(db, "UPDATE api_keys SET provider = 'anthropic'", NULL);
	is_int(apikey_fetch(db, &k, "anthropic", "default", &secret, &err),
	       -EBADMSG, "a renamed row does not decrypt");
	free(err);
	err = NULL;
	db_exec(db, "UPDATE api_keys SET provider = 'openai'", NULL);
	is_int(apikey_reseal_all(db, &k, &other, &n, &err), 0, "reseal");
	is_int(n, 1, "one key resealed");
	is_int(apikey_verify(db, &other, "openai", "default", &err), 0,
	       "opens with the new key");
	is_int(apikey_verify(db, &k, "openai", "default", &err),
	       -EKEYREJECTED, "not with the old one");
	free(err);
	err = NULL;
	is_int(apikey_reseal_all(db, &k, &other, &n, &err), -EKEYREJECTED,
	       "reseal with the wrong old key fails");
	free(err);
	err = NULL;
	is_int(apikey_verify(db, &other, "openai", "default", &err), 0,
	       "and changes nothing");
	is_int(apikey_remove(db, "openai", "default"), 0, "remove");
	is_int(apikey_remove(db, "openai", "default"), -ENOENT, "gone");
	is_int(apikey_check_provider("openai-compatible"), 0, "provider ok");
	is_int(apikey_check_provider("Open AI"), -EINVAL, "provider bad");
	is_int(apikey_check_label("a b"), -EINVAL, "label with a space");
	master_key_wipe(&k);
	master_key_wipe(&other);
	db_close(db);
	free(path);
}

static void test_urls(void)
{
	static const struct {
		const char *url;
		int want;
	} cases[] = {
		{ "https://api.openai.com/v1", 0 },
		{ "http://127.0.0.1:8080/v1", 0 },
		{ "http://127.1.2.3/v1", 0 },
		{ "http://localhost:11434/v1", 0 },
		{ "http://[::1]:8000/v1", 0 },
		{ "http://example.com/v1", -EINVAL },
		{ "http://127.0.0.1.evil.com/v1", -EINVAL },
		{ "http://localhost.evil.com/", -EINVAL },
		{ "http://user@127.0.0.1/", -EINVAL },
		{ "ftp://127.0.0.1/", -EINVAL },
		{ "file:///etc/passwd", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;

		is_int(http_check_url(cases[i].url, &err), cases[i].want,
		       "url %s", cases[i].url);
		free(err);
	}
}

static void test_validate(void)
{
	char *path = xasprintf("%s/meta.db", tmpdir);
	struct db *db = NULL;
	cJSON *doc = NULL;
	char *err = NULL;
	static const char good[] =
		"```json\n{\"summary\": \"s\", \"columns\": ["
		"{\"name\": \"a\", \"description\": \"d\", \"unit\": null, "
		"\"semantic_type\": \"count\"},"
		"{\"name\": \"b\", \"description\": \"d\", \"unit\": \"kg\", "
		"\"semantic_type\": \"measure\"}],"
		"\"example_questions\": [\"q\"], \"caveats\": []}\n```";

	db_open(path, DB_CREATE, &db, &err);
	db_exec(db, "INSERT INTO datasets (id, name, source_kind, data_table) "
		"VALUES (1, 'd', 'csv', 'data_d');"
		"INSERT INTO dataset_columns (dataset_id, position, name) "
		"VALUES (1, 0, 'a'), (1, 1, 'b')", NULL);
	is_int(metadata_validate(db, 1, good, &doc, &err), 0,
	       "a fenced valid answer");
	cJSON_Delete(doc);
	doc = NULL;
#define BAD(text, what, msg) do { \
		is_int(metadata_validate(db, 1, text, &doc, &err), -EINVAL, \
		       what); \
		ok(err && strstr(err, msg), what ": says '%s'", msg); \
		free(err); \
		err = NULL; \
	} while (0)
	BAD("{\"summary\": \"s\"", "truncated JSON", "not a JSON object");
	BAD("{\"summary\": \"\", \"columns\": []}", "empty summary",
	    "\"summary\"");
	BAD("{\"summary\": \"s\", \"columns\": [{\"name\": \"a\", "
	    "\"description\": \"d\", \"semantic_type\": \"count\"}], "
	    "\"example_questions\": [\"q\"], \"caveats\": []}",
	    "a missing column", "column \"b\" is not described");
	BAD("{\"summary\": \"s\", \"columns\": [{\"name\": \"z\", "
	    "\"description\": \"d\", \"semantic_type\": \"count\"}]}",
	    "an unknown column", "does not have");
	BAD("{\"summary\": \"s\", \"columns\": [{\"name\": \"a\", "
	    "\"description\": \"d\", \"semantic_type\": \"bogus\"}]}",
	    "an unknown semantic type", "semantic_type");
	BAD("{\"summary\": \"s\", \"columns\": [{\"name\": \"a\", "
	    "\"description\": \"d\", \"semantic_type\": \"count\"}, "
	    "{\"name\": \"a\", \"description\": \"d\", "
	    "\"semantic_type\": \"count\"}]}", "a column twice",
	    "described twice");
	ok(llm_cost_estimate("gpt-4o-mini", 1000000, 0) == 0.15,
	   "cost: gpt-4o-mini input price");
	ok(llm_cost_estimate("my-local-model", 10, 10) < 0,
	   "cost: unknown model");
	db_close(db);
	free(path);
}

int main(void)
{
	char tmpl[] = "/tmp/test-crypto.XXXXXX";
	char *cmd;

	if (crypto_init() < 0 || !mkdtemp(tmpl)) {
		return 99;
	}
	tmpdir = tmpl;
	test_seal();
	test_key_file();
	test_apikey();
	test_urls();
	test_validate();
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0) {
		diag("cannot remove %s", tmpdir);
	}
	free(cmd);
	return tap_done();
}
