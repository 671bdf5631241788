/*
 * kmap: an open-addressing hash from byte strings to dense indexes
 * 0, 1, 2, ... in order of first insertion, so callers keep the values in
 * arrays of their own indexed the same way.
 *
 * The map owns copies of the keys.  kmap_init() / kmap_finish() for an
 * embedded map.  Memory: about 24 bytes per key plus the key bytes.
 */
#ifndef MCP_KMAP_H
#define MCP_KMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kmap_entry {
	uint64_t hash;
	size_t off;             /* into bytes */
	uint32_t len;
};

struct kmap {
	uint32_t *slots;        /* index + 1, or 0 when empty */
	size_t cap;             /* a power of two */
	struct kmap_entry *entries;
	size_t n;
	size_t alloc;
	char *bytes;
	size_t nbytes;
	size_t abytes;
};

void kmap_init(struct kmap *m);
void kmap_finish(struct kmap *m);
/* the key's index; a new key gets the next one and *ret_new is true */
uint32_t kmap_put(struct kmap *m, const void *key, size_t len, bool *ret_new);
/* the key's index, or -1 */
int64_t kmap_get(const struct kmap *m, const void *key, size_t len);
/* the bytes of key `i` (not NUL-terminated) */
const char *kmap_key(const struct kmap *m, uint32_t i, size_t *ret_len);

/*
 * imap: the same for keys that are two 64-bit integers, without hashing
 * bytes: the hot path of the variance code, one lookup per row and unit.
 */
struct imap_key {
	uint64_t a;
	uint64_t b;
};

struct imap {
	uint32_t *slots;
	size_t cap;
	struct imap_key *keys;  /* by index */
	size_t n;
	size_t alloc;
};

void imap_init(struct imap *m);
void imap_finish(struct imap *m);
uint32_t imap_put(struct imap *m, uint64_t a, uint64_t b, bool *ret_new);
int64_t imap_get(const struct imap *m, uint64_t a, uint64_t b);

#endif
