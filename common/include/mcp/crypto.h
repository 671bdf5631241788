/*
 * crypto: the master key and the sealing of secrets with it (libsodium).
 *
 * The master key lives in a key file outside the catalog, a text file of
 * one line, either the key itself or the Argon2id parameters that turn a
 * passphrase into it:
 *
 *   mcpd-master-key-v1 raw <64 hex digits>
 *   mcpd-master-key-v1 argon2id <opslimit> <memlimit> <32 hex digits salt>
 *
 * Lines starting with '#' are comments.  The file must be a regular file
 * of the current user that neither group nor others may read or write;
 * anything else is refused before a byte is read.
 *
 * A struct master_key holds the key bytes and `id`, a keyed hash of the
 * key that names it without revealing it.  The caller owns it and wipes it
 * with master_key_wipe() (sodium_memzero) as soon as it is done.
 *
 * Functions return 0 or a negative errno and set *ret_err (caller frees)
 * to a message for the user on failure.
 */
#ifndef MCP_CRYPTO_H
#define MCP_CRYPTO_H

#include <stddef.h>

#define MASTER_KEY_BYTES 32
#define SEAL_NONCE_BYTES 24       /* XChaCha20-Poly1305 */
#define SEAL_TAG_BYTES 16

struct master_key {
	unsigned char key[MASTER_KEY_BYTES];
	char id[17];              /* 16 hex digits */
	/* how the key file gets it back: 0 raw, 1 Argon2id of a passphrase */
	int from_passphrase;
	unsigned char salt[16];
	unsigned long long opslimit;
	size_t memlimit;
};

/*
 * Where a passphrase comes from when the key file asks for one: fills
 * `buf` (NUL-terminated, at most `size` - 1 bytes) and returns 0, or a
 * negative errno.  `confirm` asks twice (a new passphrase).
 */
typedef int (*passphrase_fn)(char *buf, size_t size, int confirm);

/* sodium_init(); -EIO when libsodium cannot start */
int crypto_init(void);

/* -ENOENT (with *ret_err set) when the file does not exist */
int master_key_load(const char *path, passphrase_fn ask,
		    struct master_key *ret, char **ret_err);
/* a fresh random key, or one from a new passphrase when `ask` is set */
int master_key_generate(passphrase_fn ask, struct master_key *ret,
			char **ret_err);
/*
 * Write the key file for `k` (made by master_key_generate) with mode 0600:
 * to a temporary file beside `path`, then renamed over it, so that a
 * crash leaves the old file or the new one.  `replace` 0 fails with
 * -EEXIST when the file exists.
 */
int master_key_save(const char *path, const struct master_key *k,
		    int replace, char **ret_err);
void master_key_wipe(struct master_key *k);

/*
 * Seal `len` bytes of `msg` with `k`, binding `ad` (associated data):
 * writes a random nonce to `nonce` and returns the ciphertext (len +
 * SEAL_TAG_BYTES bytes, caller frees) in *ret_ct.
 */
int crypto_seal(const struct master_key *k, const char *ad,
		const void *msg, size_t len,
		unsigned char nonce[SEAL_NONCE_BYTES],
		unsigned char **ret_ct, size_t *ret_ctlen);
/*
 * The reverse: the plaintext in a new buffer (NUL-terminated, caller
 * wipes with sodium_memzero and frees), or -EBADMSG when the key, the
 * associated data or a byte of the ciphertext is not what sealed it.
 */
int crypto_open(const struct master_key *k, const char *ad,
		const unsigned char *ct, size_t ctlen,
		const unsigned char nonce[SEAL_NONCE_BYTES],
		char **ret_msg, size_t *ret_len);

/* a short name for a secret that does not reveal it: BLAKE2b-256, hex */
void crypto_fingerprint(const void *secret, size_t len, char out[13]);

#endif
