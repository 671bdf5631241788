/*
 * mcpctl key: provider API keys, sealed in the catalog with a master key
 * that lives in a key file outside it (common/crypto.c, common/apikey.c).
 * A secret is read from stdin or a prompt that does not echo, never from
 * argv, and is never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "mcp/apikey.h"
#include "mcp/paths.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"
#include "mcpctl.h"

static const char usage[] =
	"usage: mcpctl key set PROVIDER [--label L]   (the key on stdin or "
	"a prompt)\n"
	"       mcpctl key list\n"
	"       mcpctl key rm PROVIDER [--label L]\n"
	"       mcpctl key check\n"
	"       mcpctl key rotate-master [--passphrase]\n"
	"\n"
	"The master key file is $MCPD_KEY_FILE, else\n"
	"$XDG_CONFIG_HOME/mcpd/master.key; a passphrase comes from\n"
	"$MCPD_KEY_PASSPHRASE, else a prompt.\n";

#define SECRET_MAX 8192

enum { OPT_LABEL = 0x200, OPT_PASSPHRASE };

static const char *arg_label;
static bool arg_passphrase;

static int args(struct ctl *ctl, int argc, char **argv, int npos)
{
	static const struct option longopts[] = {
		CTL_LONG_OPTIONS,
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "passphrase", no_argument, NULL, OPT_PASSPHRASE },
		{ NULL, 0, NULL, 0 },
	};
	char what[64];
	int c;

	snprintf(what, sizeof(what), "key %s ", argv[0]);
	arg_label = "default";
	arg_passphrase = false;
	optind = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		if (ctl_common_option(ctl, c, optarg)) {
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (c == OPT_LABEL && npos == 1) {
			arg_label = optarg;
		} else if (c == OPT_PASSPHRASE &&
			   strcmp(argv[0], "rotate-master") == 0) {
			arg_passphrase = true;
		} else {
			return ctl_usage_error(what, "unknown option");
		}
	}
	if (argc - optind != npos) {
		return ctl_usage_error(what, npos ? "expected PROVIDER"
						  : "expected no argument");
	}
	if (npos && apikey_check_provider(argv[optind]) < 0) {
		return ctl_usage_error(what, "invalid provider '%s': use "
				       "lower-case letters, digits and '-'",
				       argv[optind]);
	}
	if (apikey_check_label(arg_label) < 0) {
		return ctl_usage_error(what, "invalid label: use 1 to 64 "
				       "printable characters, no spaces");
	}
	return 0;
}

/* read a line from the terminal without echo; -ENXIO without one */
static int read_hidden(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	size_t len = 0;
	int fd, r = 0;
	char c;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		return -ENXIO;
	}
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return -ENXIO;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet) < 0) {
		close(fd);
		return -EIO;
	}
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0 || c == '\n') {
			break;
		}
		if (len + 1 >= size) {
			r = -E2BIG;
			continue;
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		r = r ? r : -EIO;
	}
	close(fd);
	sodium_memzero(&c, sizeof(c));
	return r;
}

/* the passphrase of a key file: $MCPD_KEY_PASSPHRASE, else a prompt */
static int ask_passphrase(char *buf, size_t size, int confirm)
{
	const char *env = getenv("MCPD_KEY_PASSPHRASE");
	char again[1024];
	int r;

	if (env && *env) {
		if (strlen(env) >= size) {
			return -E2BIG;
		}
		memcpy(buf, env, strlen(env) + 1);
		return 0;
	}
	r = read_hidden(confirm ? "New master passphrase: "
				: "Master passphrase: ", buf, size);
	if (r < 0 || !confirm) {
		return r;
	}
	r = read_hidden("Repeat it: ", again, sizeof(again));
	if (r == 0 && strcmp(buf, again) != 0) {
		fputs("mcpctl: the passphrases differ\n", stderr);
		r = -EINVAL;
	}
	sodium_memzero(again, sizeof(again));
	return r;
}

int ctl_master_key(struct ctl *ctl, struct db *db, bool create,
		   struct master_key *ret)
{
	char *path = paths_key_file(NULL);
	char *err = NULL;
	char *sealed_by = NULL;
	int r;

	if (!path) {
		ctl_error("cannot find a home directory for the master key; "
			  "set MCPD_KEY_FILE");
		return -ENOENT;
	}
	if (crypto_init() < 0) {
		ctl_error("cannot initialise libsodium");
		free(path);
		return -EIO;
	}
	r = master_key_load(path, ask_passphrase, ret, &err);
	if (r == -ENOENT && create) {
		/* a missing key file is only new when no key needs it */
		sealed_by = apikey_master_id(db);
		if (sealed_by) {
			ctl_error("no master key file '%s', and the catalog's "
				  "keys were encrypted with master key %s; "
				  "restore that file or set MCPD_KEY_FILE",
				  path, sealed_by);
			goto out;
		}
		free(err);
		err = NULL;
		r = master_key_generate(NULL, ret, &err);
		if (r == 0) {
			r = master_key_save(path, ret, 0, &err);
		}
		if (r == 0 && !ctl->quiet) {
			fprintf(stderr, "mcpctl: created master key file "
				"'%s' (mode 0600); back it up: without it "
				"the stored keys are lost\n", path);
		}
		if (r < 0) {
			master_key_wipe(ret);
		}
	}
	if (r < 0 && err) {
		ctl_error("%s", err);
	}
out:
	free(sealed_by);
	free(err);
	free(path);
	return r;
}

/* the secret from a pipe or a prompt; printable ASCII, one line */
static int read_secret(const char *provider, char *buf, size_t size,
		       size_t *ret_len)
{
	size_t len = 0;
	int r = 0;

	if (isatty(STDIN_FILENO)) {
		char prompt[96];

		snprintf(prompt, sizeof(prompt), "API key for %s: ",
			 provider);
		r = read_hidden(prompt, buf, size);
		len = r == 0 ? strlen(buf) : 0;
	} else {
		ssize_t n;

		while (len + 1 < size &&
		       (n = read(STDIN_FILENO, buf + len,
				 size - 1 - len)) != 0) {
			if (n < 0) {
				if (errno == EINTR) {
					continue;
				}
				r = -errno;
				break;
			}
			len += (size_t)n;
		}
		if (len + 1 >= size) {
			r = -E2BIG;
		}
		while (len > 0 && (buf[len - 1] == '\n' ||
				   buf[len - 1] == '\r')) {
			len--;
		}
		buf[len] = '\0';
	}
	if (r < 0) {
		ctl_error(r == -E2BIG ? "the key is longer than %d bytes"
				      : "cannot read the key", SECRET_MAX);
		return r;
	}
	if (len == 0) {
		ctl_error("empty key: pipe it on stdin or type it at the "
			  "prompt");
		return -EINVAL;
	}
	/* it goes into an HTTP header: no line breaks, no controls */
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)buf[i] <= ' ' ||
		    (unsigned char)buf[i] >= 0x7f) {
			ctl_error("the key must be one line of printable "
				  "characters without spaces");
			return -EINVAL;
		}
	}
	*ret_len = len;
	return 0;
}

static int key_set(struct ctl *ctl, int argc, char **argv)
{
	struct master_key k;
	char *secret = NULL, *err = NULL;
	char fp[13];
	size_t len = 0;
	struct db *db = NULL;
	int code = args(ctl, argc, argv, 1);
	const char *provider;

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	provider = argv[optind];
	secret = sodium_malloc(SECRET_MAX);
	if (!secret) {
		ctl_error("cannot allocate locked memory");
		return EXIT_FAIL;
	}
	code = EXIT_FAIL;
	if (read_secret(provider, secret, SECRET_MAX, &len) < 0) {
		goto out;
	}
	db = ctl_open(ctl, false);
	if (!db || ctl_master_key(ctl, db, true, &k) < 0) {
		goto out;
	}
	if (apikey_store(db, &k, provider, arg_label, secret, len,
			 &err) < 0) {
		ctl_error("%s", err);
	} else {
		crypto_fingerprint(secret, len, fp);
		if (ctl->json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "provider", provider);
			cJSON_AddStringToObject(o, "label", arg_label);
			cJSON_AddStringToObject(o, "fingerprint", fp);
			ctl_print_json(o);
		} else if (!ctl->quiet) {
			printf("stored key %s/%s (fingerprint %s)\n",
			       provider, arg_label, fp);
		}
		code = EXIT_OK;
	}
	master_key_wipe(&k);
out:
	/* sodium_free wipes the whole buffer before it lets go */
	sodium_free(secret);
	free(err);
	db_close(db);
	return code;
}

static int key_list(struct ctl *ctl, int argc, char **argv)
{
	sqlite3_stmt *st = NULL;
	struct db *db;
	cJSON *arr = NULL;
	int code = args(ctl, argc, argv, 0);
	int n = 0;

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	if (sqlite3_prepare_v2(db->sql, "SELECT provider, label, fingerprint, "
			       "created_at, last_used FROM api_keys ORDER BY "
			       "provider, label", -1, &st, NULL) != SQLITE_OK) {
		ctl_error("cannot read catalog: %s", sqlite3_errmsg(db->sql));
		db_close(db);
		return EXIT_FAIL;
	}
	if (ctl->json) {
		arr = cJSON_CreateArray();
	} else {
		printf("%-16s %-12s %-12s %-24s %s\n", "PROVIDER", "LABEL",
		       "FINGERPRINT", "CREATED", "LAST USED");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v[5];

		for (int i = 0; i < 5; i++) {
			v[i] = (const char *)sqlite3_column_text(st, i);
		}
		if (arr) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "provider", v[0]);
			cJSON_AddStringToObject(o, "label", v[1]);
			cJSON_AddStringToObject(o, "fingerprint", v[2]);
			cJSON_AddStringToObject(o, "created_at", v[3]);
			if (v[4]) {
				cJSON_AddStringToObject(o, "last_used", v[4]);
			} else {
				cJSON_AddNullToObject(o, "last_used");
			}
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-16s %-12s %-12s %-24s %s\n", v[0], v[1], v[2],
			       v[3], v[4] ? v[4] : "never");
		}
		n++;
	}
	sqlite3_finalize(st);
	if (arr) {
		ctl_print_json(arr);
	} else if (n == 0 && !ctl->quiet) {
		fputs("(no keys: see 'mcpctl key set --help')\n", stderr);
	}
	db_close(db);
	return EXIT_OK;
}

static int key_rm(struct ctl *ctl, int argc, char **argv)
{
	struct db *db;
	int code = args(ctl, argc, argv, 1);
	int r;

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	r = apikey_remove(db, argv[optind], arg_label);
	db_close(db);
	if (r == -ENOENT) {
		ctl_error("no key %s/%s", argv[optind], arg_label);
		return EXIT_NOT_FOUND;
	}
	if (r < 0) {
		ctl_error("cannot remove key %s/%s: %s", argv[optind],
			  arg_label, strerror(-r));
		return EXIT_FAIL;
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "provider", argv[optind]);
		cJSON_AddStringToObject(o, "label", arg_label);
		cJSON_AddStringToObject(o, "result", "removed");
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("removed key %s/%s\n", argv[optind], arg_label);
	}
	return EXIT_OK;
}

/* open every key with the master key, printing one line each */
static int key_check(struct ctl *ctl, int argc, char **argv)
{
	sqlite3_stmt *st = NULL;
	struct master_key k;
	struct db *db;
	cJSON *arr = NULL;
	int code = args(ctl, argc, argv, 0);
	int bad = 0;

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	if (ctl_master_key(ctl, db, false, &k) < 0) {
		db_close(db);
		return EXIT_FAIL;
	}
	if (ctl->json) {
		arr = cJSON_CreateArray();
	}
	if (sqlite3_prepare_v2(db->sql, "SELECT provider, label FROM api_keys "
			       "ORDER BY provider, label", -1, &st,
			       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *p = (const char *)sqlite3_column_text(st,
									  0);
			const char *l = (const char *)sqlite3_column_text(st,
									  1);
			char *err = NULL;

			int r = apikey_verify(db, &k, p, l, &err);

			if (r < 0) {
				ctl_error("%s", err);
				bad++;
			}
			if (arr) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "provider", p);
				cJSON_AddStringToObject(o, "label", l);
				cJSON_AddBoolToObject(o, "ok", r == 0);
				cJSON_AddItemToArray(arr, o);
			} else if (r == 0 && !ctl->quiet) {
				printf("ok %s/%s\n", p, l);
			}
			free(err);
		}
	}
	sqlite3_finalize(st);
	if (arr) {
		ctl_print_json(arr);
	}
	master_key_wipe(&k);
	db_close(db);
	return bad ? EXIT_FAIL : EXIT_OK;
}

static int key_rotate_master(struct ctl *ctl, int argc, char **argv)
{
	struct master_key old, new;
	char *path = NULL, *next = NULL, *err = NULL;
	struct db *db;
	size_t n = 0;
	int code = args(ctl, argc, argv, 0);

	if (code) {
		return code < 0 ? EXIT_OK : code;
	}
	db = ctl_open(ctl, false);
	if (!db) {
		return EXIT_FAIL;
	}
	code = EXIT_FAIL;
	if (ctl_master_key(ctl, db, false, &old) < 0) {
		db_close(db);
		return EXIT_FAIL;
	}
	path = paths_key_file(NULL);
	next = xasprintf("%s.new", path);
	if (master_key_generate(arg_passphrase ? ask_passphrase : NULL, &new,
				&err) < 0) {
		goto out_old;
	}
	/*
	 * The new key reaches the disk before any row needs it, and replaces
	 * the old file only after the rows changed: a crash in between leaves
	 * master.key.new, which the error about the key id points to.
	 */
	if (master_key_save(next, &new, 1, &err) < 0) {
		goto out;
	}
	if (apikey_reseal_all(db, &old, &new, &n, &err) < 0) {
		unlink(next);
		goto out;
	}
	if (rename(next, path) < 0) {
		err = xasprintf("the keys now need the master key in '%s', "
				"which cannot be renamed to '%s': %s", next,
				path, strerror(errno));
		goto out;
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "keys", (double)n);
		cJSON_AddStringToObject(o, "master_key_id", new.id);
		ctl_print_json(o);
	} else if (!ctl->quiet) {
		printf("re-encrypted %zu key%s with new master key %s\n", n,
		       n == 1 ? "" : "s", new.id);
	}
	code = EXIT_OK;
out:
	master_key_wipe(&new);
out_old:
	master_key_wipe(&old);
	if (err) {
		ctl_error("%s", err);
	}
	free(err);
	free(next);
	free(path);
	db_close(db);
	return code;
}

int cmd_key(struct ctl *ctl, int argc, char **argv)
{
	static const struct verb verbs[] = {
		{ "check", key_check },
		{ "list", key_list },
		{ "rm", key_rm },
		{ "rotate-master", key_rotate_master },
		{ "set", key_set },
		{ NULL, NULL },
	};

	/* sodium_malloc() and the random numbers need it first */
	if (crypto_init() < 0) {
		ctl_error("cannot initialise libsodium");
		return EXIT_FAIL;
	}
	return ctl_dispatch(ctl, "key", verbs, usage, argc, argv);
}
