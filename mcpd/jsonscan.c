#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "mcp/xalloc.h"
#include "server.h"
#include "mcp/banned.h"

/* as deep as cJSON goes (CJSON_NESTING_LIMIT); deeper fails both */
#define SCAN_DEPTH_MAX 1000
/* path segments named in an error message */
#define PATH_SHOWN 12

/* which object a scan is in: the paths whose numbers keep their text */
enum ctx { CTX_OTHER, CTX_MSG, CTX_PARAMS, CTX_META };

struct seg {
	size_t key_off;         /* decoded key in the arena, or SIZE_MAX */
	size_t key_len;
	size_t index;           /* array index when key_off is SIZE_MAX */
};

struct keyent {
	size_t obj;             /* 0: empty slot */
	size_t off, len;
	uint32_t hash;
};

struct scanner {
	const char *s;
	size_t len, pos;
	struct jsonscan_msg *cur;
	/* decoded keys of the whole line */
	char *arena;
	size_t arena_len, arena_cap;
	/* (object, key) pairs seen, open addressing */
	struct keyent *tab;
	size_t tab_cap, tab_used;
	size_t next_obj;
	struct seg path[SCAN_DEPTH_MAX + 1];
	int depth;
};

static int value(struct scanner *sc, enum ctx ctx, int field, bool in_params);

static void ws(struct scanner *sc)
{
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			break;
		}
		sc->pos++;
	}
}

static void path_text(const struct scanner *sc, char *out, size_t size)
{
	size_t n = 0;
	int first = sc->depth > PATH_SHOWN ? sc->depth - PATH_SHOWN : 0;

	out[0] = '\0';
	if (first > 0) {
		n += (size_t)snprintf(out, size, "...");
	}
	for (int i = first; i < sc->depth && n < size; i++) {
		const struct seg *g = &sc->path[i];

		if (g->key_off == SIZE_MAX) {
			n += (size_t)snprintf(out + n, size - n, "[%zu]",
					      g->index);
		} else {
			n += (size_t)snprintf(out + n, size - n, "%s%.*s",
					      n ? "." : "", (int)g->key_len,
					      sc->arena + g->key_off);
		}
	}
}

/* the first fault of a message is the one answered */
static void fault(struct scanner *sc, int code, bool id_bad,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fault(struct scanner *sc, int code, bool id_bad,
		  const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (!sc->cur || sc->cur->code) {
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0) {
		abort();
	}
	va_end(ap);
	sc->cur->code = code;
	sc->cur->message = text;
	sc->cur->id_bad = id_bad;
}

static void arena_put(struct scanner *sc, const char *p, size_t n)
{
	if (sc->arena_len + n > sc->arena_cap) {
		sc->arena_cap = (sc->arena_len + n) * 2 + 64;
		sc->arena = xrealloc(sc->arena, sc->arena_cap);
	}
	memcpy(sc->arena + sc->arena_len, p, n);
	sc->arena_len += n;
}

static void put_utf8(struct scanner *sc, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	arena_put(sc, b, n);
}

static int hex4(struct scanner *sc, uint32_t *ret)
{
	uint32_t v = 0;

	if (sc->len - sc->pos < 4) {
		return -EINVAL;
	}
	for (int i = 0; i < 4; i++) {
		char c = sc->s[sc->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9') {
			v |= (uint32_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			v |= (uint32_t)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			v |= (uint32_t)(c - 'A' + 10);
		} else {
			return -EINVAL;
		}
	}
	*ret = v;
	return 0;
}

/*
 * A string at sc->pos (on the quote).  With `decode`, its value is
 * appended to the arena.  *ret_nul says whether it holds \u0000.
 */
static int string(struct scanner *sc, bool decode, bool *ret_nul)
{
	*ret_nul = false;
	sc->pos++;
	while (sc->pos < sc->len) {
		size_t start = sc->pos;
		unsigned char c;

		while (sc->pos < sc->len && sc->s[sc->pos] != '"' &&
		       sc->s[sc->pos] != '\\' &&
		       (unsigned char)sc->s[sc->pos] >= 0x20) {
			sc->pos++;
		}
		if (decode) {
			arena_put(sc, sc->s + start, sc->pos - start);
		}
		if (sc->pos >= sc->len) {
			break;
		}
		c = (unsigned char)sc->s[sc->pos++];
		if (c == '"') {
			return 0;
		}
		if (c != '\\' || sc->pos >= sc->len) {
			return -EINVAL;
		}
		c = (unsigned char)sc->s[sc->pos++];
		if (c == 'u') {
			uint32_t cp, lo;

			if (hex4(sc, &cp) < 0) {
				return -EINVAL;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (sc->len - sc->pos < 6 ||
				    sc->s[sc->pos] != '\\' ||
				    sc->s[sc->pos + 1] != 'u') {
					return -EINVAL;
				}
				sc->pos += 2;
				if (hex4(sc, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff) {
					return -EINVAL;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return -EINVAL;
			}
			if (cp == 0) {
				*ret_nul = true;
			}
			if (decode) {
				put_utf8(sc, cp);
			}
			continue;
		}
		switch (c) {
		case '"': case '\\': case '/':
			break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		default:
			return -EINVAL;
		}
		if (decode) {
			arena_put(sc, (const char *)&c, 1);
		}
	}
	return -EINVAL;
}

static bool digit(const struct scanner *sc)
{
	return sc->pos < sc->len && sc->s[sc->pos] >= '0' &&
	       sc->s[sc->pos] <= '9';
}

/* RFC 8259 numbers only: the text may be echoed back verbatim */
static int number(struct scanner *sc)
{
	if (sc->pos < sc->len && sc->s[sc->pos] == '-') {
		sc->pos++;
	}
	if (!digit(sc)) {
		return -EINVAL;
	}
	if (sc->s[sc->pos++] != '0') {
		while (digit(sc)) {
			sc->pos++;
		}
	}
	if (sc->pos < sc->len && sc->s[sc->pos] == '.') {
		sc->pos++;
		if (!digit(sc)) {
			return -EINVAL;
		}
		while (digit(sc)) {
			sc->pos++;
		}
	}
	if (sc->pos < sc->len &&
	    (sc->s[sc->pos] == 'e' || sc->s[sc->pos] == 'E')) {
		sc->pos++;
		if (sc->pos < sc->len &&
		    (sc->s[sc->pos] == '+' || sc->s[sc->pos] == '-')) {
			sc->pos++;
		}
		if (!digit(sc)) {
			return -EINVAL;
		}
		while (digit(sc)) {
			sc->pos++;
		}
	}
	return 0;
}

static uint32_t fnv(const char *p, size_t n, size_t obj)
{
	uint32_t h = 2166136261u ^ (uint32_t)obj;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	}
	return h;
}

static void tab_grow(struct scanner *sc)
{
	struct keyent *old = sc->tab;
	size_t old_cap = sc->tab_cap;

	sc->tab_cap = old_cap ? old_cap * 2 : 64;
	sc->tab = xcalloc(sc->tab_cap, sizeof(*sc->tab));
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].obj) {
			continue;
		}
		for (j = old[i].hash & (sc->tab_cap - 1); sc->tab[j].obj;
		     j = (j + 1) & (sc->tab_cap - 1)) {
		}
		sc->tab[j] = old[i];
	}
	free(old);
}

/* false when the object already has this key */
static bool key_add(struct scanner *sc, size_t obj, size_t off, size_t len)
{
	uint32_t h = fnv(sc->arena + off, len, obj);
	size_t j;

	if ((sc->tab_used + 1) * 2 > sc->tab_cap) {
		tab_grow(sc);
	}
	for (j = h & (sc->tab_cap - 1); sc->tab[j].obj;
	     j = (j + 1) & (sc->tab_cap - 1)) {
		const struct keyent *e = &sc->tab[j];

		if (e->obj == obj && e->hash == h && e->len == len &&
		    memcmp(sc->arena + e->off, sc->arena + off, len) == 0) {
			return false;
		}
	}
	sc->tab[j] = (struct keyent){ obj, off, len, h };
	sc->tab_used++;
	return true;
}

static bool key_is(const struct scanner *sc, size_t off, size_t len,
		   const char *name)
{
	return len == strlen(name) && memcmp(sc->arena + off, name, len) == 0;
}

static int object(struct scanner *sc, enum ctx ctx, bool in_params)
{
	size_t obj = ++sc->next_obj;

	sc->pos++;
	ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == '}') {
		sc->pos++;
		return 0;
	}
	for (;;) {
		size_t off = sc->arena_len, len;
		enum ctx sub = CTX_OTHER;
		int field = -1;
		bool nul, sub_params = in_params;

		if (sc->pos >= sc->len || sc->s[sc->pos] != '"' ||
		    string(sc, true, &nul) < 0) {
			return -EINVAL;
		}
		len = sc->arena_len - off;
		sc->path[sc->depth] = (struct seg){ off, len, 0 };
		if (nul) {
			char where[256];

			sc->depth++;
			path_text(sc, where, sizeof(where));
			sc->depth--;
			fault(sc, in_params ? RPC_INVALID_PARAMS
					    : RPC_INVALID_REQUEST,
			      ctx == CTX_MSG,
			      "%s: a key must not contain \\u0000 (at %s)",
			      in_params ? "Invalid params" : "Invalid Request",
			      where);
		} else if (!key_add(sc, obj, off, len)) {
			char where[256];

			path_text(sc, where, sizeof(where));
			fault(sc, RPC_INVALID_REQUEST,
			      ctx == CTX_MSG && key_is(sc, off, len, "id"),
			      "Invalid Request: duplicate key \"%.*s\"%s%s",
			      (int)(len > 64 ? 64 : len), sc->arena + off,
			      where[0] ? " in " : "", where);
		}
		if (ctx == CTX_MSG && key_is(sc, off, len, "id")) {
			field = JSONSCAN_ID;
		} else if (ctx == CTX_MSG && key_is(sc, off, len, "params")) {
			sub = CTX_PARAMS;
			sub_params = true;
		} else if (ctx == CTX_PARAMS &&
			   key_is(sc, off, len, "requestId")) {
			field = JSONSCAN_REQUEST_ID;
		} else if (ctx == CTX_PARAMS && key_is(sc, off, len, "_meta")) {
			sub = CTX_META;
		} else if (ctx == CTX_META &&
			   key_is(sc, off, len, "progressToken")) {
			field = JSONSCAN_PROGRESS;
		}
		ws(sc);
		if (sc->pos >= sc->len || sc->s[sc->pos] != ':') {
			return -EINVAL;
		}
		sc->pos++;
		ws(sc);
		sc->depth++;
		if (value(sc, sub, field, sub_params) < 0) {
			return -EINVAL;
		}
		sc->depth--;
		ws(sc);
		if (sc->pos >= sc->len) {
			return -EINVAL;
		}
		if (sc->s[sc->pos] == '}') {
			sc->pos++;
			return 0;
		}
		if (sc->s[sc->pos] != ',') {
			return -EINVAL;
		}
		sc->pos++;
		ws(sc);
	}
}

static int array(struct scanner *sc, bool in_params)
{
	size_t index = 0;

	sc->pos++;
	ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == ']') {
		sc->pos++;
		return 0;
	}
	for (;;) {
		sc->path[sc->depth] = (struct seg){ SIZE_MAX, 0, index++ };
		sc->depth++;
		if (value(sc, CTX_OTHER, -1, in_params) < 0) {
			return -EINVAL;
		}
		sc->depth--;
		ws(sc);
		if (sc->pos >= sc->len) {
			return -EINVAL;
		}
		if (sc->s[sc->pos] == ']') {
			sc->pos++;
			return 0;
		}
		if (sc->s[sc->pos] != ',') {
			return -EINVAL;
		}
		sc->pos++;
		ws(sc);
	}
}

static int literal(struct scanner *sc, const char *word)
{
	size_t n = strlen(word);

	if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, word, n) != 0) {
		return -EINVAL;
	}
	sc->pos += n;
	return 0;
}

static int value(struct scanner *sc, enum ctx ctx, int field, bool in_params)
{
	size_t start = sc->pos;
	bool nul;

	if (sc->depth > SCAN_DEPTH_MAX || sc->pos >= sc->len) {
		return -EINVAL;
	}
	switch (sc->s[sc->pos]) {
	case '{':
		return object(sc, ctx, in_params);
	case '[':
		return array(sc, in_params);
	case '"':
		if (string(sc, false, &nul) < 0) {
			return -EINVAL;
		}
		if (!nul) {
			return 0;
		}
		if (field == JSONSCAN_ID) {
			fault(sc, RPC_INVALID_REQUEST, true,
			      "Invalid Request: id must not contain \\u0000");
		} else {
			char where[256];

			path_text(sc, where, sizeof(where));
			fault(sc, in_params ? RPC_INVALID_PARAMS
					    : RPC_INVALID_REQUEST,
			      false,
			      "%s: a string must not contain \\u0000 (at %s)",
			      in_params ? "Invalid params" : "Invalid Request",
			      where);
		}
		return 0;
	case 't':
		return literal(sc, "true");
	case 'f':
		return literal(sc, "false");
	case 'n':
		return literal(sc, "null");
	default:
		if (number(sc) < 0) {
			return -EINVAL;
		}
		if (field >= 0 && sc->cur) {
			sc->cur->raw_off[field] = start;
			sc->cur->raw_len[field] = sc->pos - start;
		}
		return 0;
	}
}

static struct jsonscan_msg *msg_add(struct jsonscan *js, size_t *cap)
{
	if (js->nmsgs == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		js->msgs = xrealloc(js->msgs, *cap * sizeof(*js->msgs));
	}
	memset(&js->msgs[js->nmsgs], 0, sizeof(js->msgs[0]));
	return &js->msgs[js->nmsgs++];
}

static int scan(struct scanner *sc, struct jsonscan *js)
{
	size_t cap = 0;

	ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == '[') {
		js->batch = true;
		sc->pos++;
		ws(sc);
		if (sc->pos < sc->len && sc->s[sc->pos] == ']') {
			sc->pos++;
			return 0;
		}
		for (;;) {
			/* paths in messages are named from the message */
			sc->cur = msg_add(js, &cap);
			if (value(sc, CTX_MSG, -1, false) < 0) {
				return -EINVAL;
			}
			ws(sc);
			if (sc->pos >= sc->len) {
				return -EINVAL;
			}
			if (sc->s[sc->pos] == ']') {
				sc->pos++;
				return 0;
			}
			if (sc->s[sc->pos] != ',') {
				return -EINVAL;
			}
			sc->pos++;
			ws(sc);
		}
	}
	sc->cur = msg_add(js, &cap);
	return value(sc, CTX_MSG, -1, false);
}

int jsonscan_line(const char *s, size_t len, struct jsonscan *ret)
{
	/*
	 * path[] (24 KB) is written before it is read: zeroing it for every
	 * line was most of a small request's parsing.
	 */
	struct scanner *sc = xmalloc(sizeof(*sc));
	struct jsonscan js = { 0 };
	int r;

	memset(sc, 0, offsetof(struct scanner, path));
	sc->depth = 0;

	sc->s = s;
	sc->len = len;
	/* never NULL: keys point into it, even when they are all empty */
	sc->arena_cap = 64;
	sc->arena = xmalloc(sc->arena_cap);
	r = scan(sc, &js);
	if (r == 0) {
		ws(sc);
		if (sc->pos != sc->len) {
			r = -EINVAL;
		}
	}
	free(sc->arena);
	free(sc->tab);
	free(sc);
	if (r < 0) {
		jsonscan_release(&js);
		return r;
	}
	*ret = js;
	return 0;
}

void jsonscan_release(struct jsonscan *js)
{
	for (size_t i = 0; i < js->nmsgs; i++) {
		free(js->msgs[i].message);
	}
	free(js->msgs);
	js->msgs = NULL;
	js->nmsgs = 0;
}

static void put_raw(cJSON *obj, const char *key, const char *s, size_t off,
		    size_t len)
{
	cJSON *old = cJSON_GetObjectItemCaseSensitive(obj, key);
	char *text;

	if (!len || !cJSON_IsNumber(old)) {
		return;
	}
	text = xstrndup(s + off, len);
	cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateRaw(text));
	free(text);
}

void jsonscan_apply(const struct jsonscan_msg *m, const char *s, cJSON *msg)
{
	cJSON *params, *meta;

	if (!cJSON_IsObject(msg)) {
		return;
	}
	put_raw(msg, "id", s, m->raw_off[JSONSCAN_ID], m->raw_len[JSONSCAN_ID]);
	params = cJSON_GetObjectItemCaseSensitive(msg, "params");
	if (!cJSON_IsObject(params)) {
		return;
	}
	put_raw(params, "requestId", s, m->raw_off[JSONSCAN_REQUEST_ID],
		m->raw_len[JSONSCAN_REQUEST_ID]);
	meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
	if (cJSON_IsObject(meta)) {
		put_raw(meta, "progressToken", s,
			m->raw_off[JSONSCAN_PROGRESS],
			m->raw_len[JSONSCAN_PROGRESS]);
	}
}
