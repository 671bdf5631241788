#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "mcp/crypto.h"
#include "mcp/fdio.h"
#include "mcp/paths.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

#define KEY_MAGIC "mcpd-master-key-v1"
/* a key file is one short line; anything bigger is not one */
#define KEY_FILE_MAX 4096
#define PASSPHRASE_MAX 1024

int crypto_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

/* set the message and return the error, in one expression */
#define FAIL(r, ...) (*ret_err = xasprintf(__VA_ARGS__), (r))

/* the id names the key: a keyed hash of a constant, safe to store */
static void key_set_id(struct master_key *k)
{
	static const char what[] = "mcpd master key id";
	unsigned char h[8];

	crypto_generichash(h, sizeof(h), (const unsigned char *)what,
			   sizeof(what) - 1, k->key, sizeof(k->key));
	sodium_bin2hex(k->id, sizeof(k->id), h, sizeof(h));
}

static int derive(struct master_key *k, passphrase_fn ask, int confirm,
		  char **ret_err)
{
	char pass[PASSPHRASE_MAX];
	int r;

	if (!ask) {
		*ret_err = xstrdup("the master key needs a passphrase and "
				   "none can be read");
		return -EINVAL;
	}
	r = ask(pass, sizeof(pass), confirm);
	if (r < 0) {
		sodium_memzero(pass, sizeof(pass));
		*ret_err = xstrdup("cannot read the passphrase");
		return r;
	}
	if (!*pass) {
		*ret_err = xstrdup("empty passphrase");
		return -EINVAL;
	}
	r = crypto_pwhash(k->key, sizeof(k->key), pass, strlen(pass), k->salt,
			  k->opslimit, k->memlimit, crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(pass, sizeof(pass));
	if (r != 0) {
		*ret_err = xstrdup("cannot derive the master key from the "
				   "passphrase (out of memory?)");
		return -ENOMEM;
	}
	key_set_id(k);
	return 0;
}

/* parse the key line into `k`; -EINVAL on anything unexpected */
static int parse_line(char *line, struct master_key *k)
{
	char *save = NULL, *magic, *kind, *a, *b, *c;
	size_t n;

	magic = strtok_r(line, " \t\r\n", &save);
	kind = strtok_r(NULL, " \t\r\n", &save);
	if (!magic || !kind || strcmp(magic, KEY_MAGIC) != 0) {
		return -EINVAL;
	}
	a = strtok_r(NULL, " \t\r\n", &save);
	if (strcmp(kind, "raw") == 0) {
		if (!a || strtok_r(NULL, " \t\r\n", &save) ||
		    sodium_hex2bin(k->key, sizeof(k->key), a, strlen(a), NULL,
				   &n, NULL) != 0 || n != sizeof(k->key)) {
			return -EINVAL;
		}
		k->from_passphrase = 0;
		return 0;
	}
	if (strcmp(kind, "argon2id") != 0) {
		return -EINVAL;
	}
	b = strtok_r(NULL, " \t\r\n", &save);
	c = strtok_r(NULL, " \t\r\n", &save);
	if (!a || !b || !c || strtok_r(NULL, " \t\r\n", &save) ||
	    sodium_hex2bin(k->salt, sizeof(k->salt), c, strlen(c), NULL, &n,
			   NULL) != 0 || n != sizeof(k->salt)) {
		return -EINVAL;
	}
	k->opslimit = strtoull(a, NULL, 10);
	k->memlimit = (size_t)strtoull(b, NULL, 10);
	if (k->opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    k->opslimit > crypto_pwhash_OPSLIMIT_MAX ||
	    k->memlimit < crypto_pwhash_MEMLIMIT_MIN ||
	    k->memlimit > ((size_t)4 << 30)) {
		return -EINVAL;
	}
	k->from_passphrase = 1;
	return 0;
}

int master_key_load(const char *path, passphrase_fn ask,
		    struct master_key *ret, char **ret_err)
{
	char text[KEY_FILE_MAX + 1];
	struct master_key k = { 0 };
	struct stat st;
	ssize_t n;
	size_t len = 0;
	char *line = NULL, *save = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT) {
			return FAIL(r, "no master key file '%s'",
				    path);
		}
		*ret_err = xasprintf("cannot open key file '%s': %s", path,
				     strerror(-r));
		return r;
	}
	/* checked on the open file, so a swapped path cannot slip by */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return FAIL(-EINVAL,
			    "key file '%s' is not a regular file", path);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		*ret_err = xasprintf("key file '%s' is accessible by group "
				     "or others (mode %04o); refusing to "
				     "use it: run 'chmod 600 %s' and, since "
				     "others may have read it, "
				     "'mcpctl key rotate-master'",
				     path, (unsigned)(st.st_mode & 07777),
				     path);
		return -EPERM;
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return FAIL(-EPERM,
			    "key file '%s' belongs to another user", path);
	}
	while (len < KEY_FILE_MAX &&
	       (n = read(fd, text + len, KEY_FILE_MAX - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			r = -errno;
			close(fd);
			sodium_memzero(text, sizeof(text));
			*ret_err = xasprintf("cannot read key file '%s': %s",
					     path, strerror(-r));
			return r;
		}
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (*l != '#' && *l != '\0') {
			line = l;
			break;
		}
	}
	r = line ? parse_line(line, &k) : -EINVAL;
	sodium_memzero(text, sizeof(text));
	if (r < 0) {
		sodium_memzero(&k, sizeof(k));
		return FAIL(r, "key file '%s' is not an mcpd master "
			    "key file", path);
	}
	if (k.from_passphrase) {
		r = derive(&k, ask, 0, ret_err);
		if (r < 0) {
			sodium_memzero(&k, sizeof(k));
			return r;
		}
	} else {
		key_set_id(&k);
	}
	*ret = k;
	sodium_memzero(&k, sizeof(k));
	return 0;
}

int master_key_generate(passphrase_fn ask, struct master_key *ret,
			char **ret_err)
{
	struct master_key k = { 0 };
	int r;

	if (!ask) {
		randombytes_buf(k.key, sizeof(k.key));
		key_set_id(&k);
		*ret = k;
		sodium_memzero(&k, sizeof(k));
		return 0;
	}
	k.from_passphrase = 1;
	randombytes_buf(k.salt, sizeof(k.salt));
	k.opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	k.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	r = derive(&k, ask, 1, ret_err);
	if (r == 0) {
		*ret = k;
	}
	sodium_memzero(&k, sizeof(k));
	return r;
}

int master_key_save(const char *path, const struct master_key *k,
		    int replace, char **ret_err)
{
	char hex[MASTER_KEY_BYTES * 2 + 1];
	char text[256];
	char *tmp = NULL;
	int fd = -1, r, len;

	r = paths_make_parent(path);
	if (r < 0) {
		*ret_err = xasprintf("cannot create the directory of '%s': %s",
				     path, strerror(-r));
		return r;
	}
	if (k->from_passphrase) {
		sodium_bin2hex(hex, sizeof(hex), k->salt, sizeof(k->salt));
		len = snprintf(text, sizeof(text),
			       "# mcpd master key parameters: the key comes "
			       "from a passphrase\n"
			       KEY_MAGIC " argon2id %llu %zu %s\n",
			       k->opslimit, k->memlimit, hex);
	} else {
		sodium_bin2hex(hex, sizeof(hex), k->key, sizeof(k->key));
		len = snprintf(text, sizeof(text),
			       "# mcpd master key: keep this file private "
			       "(mode 0600) and backed up\n"
			       KEY_MAGIC " raw %s\n", hex);
	}
	sodium_memzero(hex, sizeof(hex));
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	/* 0600 from the first byte: never a moment with wider rights */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		r = -errno;
		*ret_err = xasprintf("cannot create key file '%s': %s", tmp,
				     strerror(-r));
		goto out;
	}
	r = fchmod(fd, 0600) < 0 ? -errno : 0;
	if (r == 0) {
		r = fd_write_all(fd, text, (size_t)len);
	}
	if (r == 0 && fsync(fd) < 0) {
		r = -errno;
	}
	if (close(fd) < 0 && r == 0) {
		r = -errno;
	}
	if (r < 0) {
		*ret_err = xasprintf("cannot write key file '%s': %s", tmp,
				     strerror(-r));
		unlink(tmp);
		goto out;
	}
	if (!replace) {
		/* link() fails when the name exists: no race with another */
		if (link(tmp, path) < 0) {
			r = -errno;
			*ret_err = r == -EEXIST
				? xasprintf("key file '%s' exists already",
					    path)
				: xasprintf("cannot create key file '%s': %s",
					    path, strerror(-r));
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		r = -errno;
		*ret_err = xasprintf("cannot replace key file '%s': %s", path,
				     strerror(-r));
		unlink(tmp);
	}
out:
	sodium_memzero(text, sizeof(text));
	free(tmp);
	return r;
}

void master_key_wipe(struct master_key *k)
{
	if (k) {
		sodium_memzero(k, sizeof(*k));
	}
}

int crypto_seal(const struct master_key *k, const char *ad,
		const void *msg, size_t len,
		unsigned char nonce[SEAL_NONCE_BYTES],
		unsigned char **ret_ct, size_t *ret_ctlen)
{
	unsigned char *ct = xmalloc(len + SEAL_TAG_BYTES);
	unsigned long long ctlen = 0;

	randombytes_buf(nonce, SEAL_NONCE_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		    ct, &ctlen, msg, len, (const unsigned char *)ad,
		    strlen(ad), NULL, nonce, k->key) != 0) {
		free(ct);
		return -EIO;
	}
	*ret_ct = ct;
	*ret_ctlen = (size_t)ctlen;
	return 0;
}

int crypto_open(const struct master_key *k, const char *ad,
		const unsigned char *ct, size_t ctlen,
		const unsigned char nonce[SEAL_NONCE_BYTES],
		char **ret_msg, size_t *ret_len)
{
	unsigned long long mlen = 0;
	char *m;

	if (ctlen < SEAL_TAG_BYTES) {
		return -EBADMSG;
	}
	m = xmalloc(ctlen - SEAL_TAG_BYTES + 1);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    (unsigned char *)m, &mlen, NULL, ct, ctlen,
		    (const unsigned char *)ad, strlen(ad), nonce,
		    k->key) != 0) {
		free(m);
		return -EBADMSG;
	}
	m[mlen] = '\0';
	*ret_msg = m;
	if (ret_len) {
		*ret_len = (size_t)mlen;
	}
	return 0;
}

void crypto_fingerprint(const void *secret, size_t len, char out[13])
{
	unsigned char h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof(h), secret, len, NULL, 0);
	sodium_bin2hex(out, 13, h, 6);
}
