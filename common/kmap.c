#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "mcp/kmap.h"
#include "mcp/xalloc.h"

/* FNV-1a, then a final mix so that short binary keys spread */
static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void kmap_init(struct kmap *m)
{
	memset(m, 0, sizeof(*m));
}

void kmap_finish(struct kmap *m)
{
	free(m->slots);
	free(m->entries);
	free(m->bytes);
	kmap_init(m);
}

static void grow(struct kmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;

	free(m->slots);
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < m->n; i++) {
		size_t s = m->entries[i].hash & (cap - 1);

		while (m->slots[s]) {
			s = (s + 1) & (cap - 1);
		}
		m->slots[s] = (uint32_t)i + 1;
	}
}

static int64_t find(const struct kmap *m, const void *key, size_t len,
		    uint64_t h, size_t *ret_slot)
{
	size_t s;

	if (!m->cap) {
		return -1;
	}
	s = h & (m->cap - 1);
	while (m->slots[s]) {
		const struct kmap_entry *e = &m->entries[m->slots[s] - 1];

		if (e->hash == h && e->len == len &&
		    memcmp(m->bytes + e->off, key, len) == 0) {
			return m->slots[s] - 1;
		}
		s = (s + 1) & (m->cap - 1);
	}
	if (ret_slot) {
		*ret_slot = s;
	}
	return -1;
}

int64_t kmap_get(const struct kmap *m, const void *key, size_t len)
{
	return find(m, key, len, hash_bytes(key, len), NULL);
}

uint32_t kmap_put(struct kmap *m, const void *key, size_t len, bool *ret_new)
{
	uint64_t h = hash_bytes(key, len);
	size_t slot = 0;
	int64_t i = find(m, key, len, h, &slot);
	struct kmap_entry *e;

	if (i >= 0) {
		if (ret_new) {
			*ret_new = false;
		}
		return (uint32_t)i;
	}
	/* keep the table at most half full */
	if ((m->n + 1) * 2 > m->cap) {
		grow(m);
		find(m, key, len, h, &slot);
	}
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 64;
		m->entries = xrealloc(m->entries,
				      m->alloc * sizeof(*m->entries));
	}
	if (!m->bytes || m->nbytes + len > m->abytes) {
		if (!m->abytes) {
			m->abytes = 1024;
		}
		while (m->nbytes + len > m->abytes) {
			m->abytes = m->abytes ? m->abytes * 2 : 1024;
		}
		m->bytes = xrealloc(m->bytes, m->abytes);
	}
	e = &m->entries[m->n];
	e->hash = h;
	e->off = m->nbytes;
	e->len = (uint32_t)len;
	if (len) {
		memcpy(m->bytes + m->nbytes, key, len);
	}
	m->nbytes += len;
	m->slots[slot] = (uint32_t)m->n + 1;
	if (ret_new) {
		*ret_new = true;
	}
	return (uint32_t)m->n++;
}

const char *kmap_key(const struct kmap *m, uint32_t i, size_t *ret_len)
{
	*ret_len = m->entries[i].len;
	return m->bytes + m->entries[i].off;
}

static uint64_t hash_pair(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL) *
		     0xc2b2ae3d27d4eb4fULL;

	h ^= h >> 31;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	return h;
}

void imap_init(struct imap *m)
{
	memset(m, 0, sizeof(*m));
}

void imap_finish(struct imap *m)
{
	free(m->slots);
	free(m->keys);
	imap_init(m);
}

static void igrow(struct imap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;

	free(m->slots);
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < m->n; i++) {
		size_t s = hash_pair(m->keys[i].a, m->keys[i].b) & (cap - 1);

		while (m->slots[s]) {
			s = (s + 1) & (cap - 1);
		}
		m->slots[s] = (uint32_t)i + 1;
	}
}

static int64_t ifind(const struct imap *m, uint64_t a, uint64_t b,
		     size_t *ret_slot)
{
	size_t s;

	if (!m->cap) {
		return -1;
	}
	s = hash_pair(a, b) & (m->cap - 1);
	while (m->slots[s]) {
		const struct imap_key *k = &m->keys[m->slots[s] - 1];

		if (k->a == a && k->b == b) {
			return m->slots[s] - 1;
		}
		s = (s + 1) & (m->cap - 1);
	}
	if (ret_slot) {
		*ret_slot = s;
	}
	return -1;
}

int64_t imap_get(const struct imap *m, uint64_t a, uint64_t b)
{
	return ifind(m, a, b, NULL);
}

uint32_t imap_put(struct imap *m, uint64_t a, uint64_t b, bool *ret_new)
{
	size_t slot = 0;
	int64_t i = ifind(m, a, b, &slot);

	if (i >= 0) {
		if (ret_new) {
			*ret_new = false;
		}
		return (uint32_t)i;
	}
	if ((m->n + 1) * 2 > m->cap) {
		igrow(m);
		ifind(m, a, b, &slot);
	}
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 64;
		m->keys = xrealloc(m->keys, m->alloc * sizeof(*m->keys));
	}
	m->keys[m->n].a = a;
	m->keys[m->n].b = b;
	m->slots[slot] = (uint32_t)m->n + 1;
	if (ret_new) {
		*ret_new = true;
	}
	return (uint32_t)m->n++;
}
