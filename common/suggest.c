/*
 * suggest: the closest name to a misspelt one (see suggest.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp/suggest.h"
#include "mcp/xalloc.h"
#include "mcp/banned.h"

/* names longer than this are not compared (the table grows as a square) */
#define LONGEST 128

static int fold(unsigned char c)
{
	if (c == ' ' || c == '-') {
		return '_';
	}
	return tolower(c);
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *d, r;

	if (la > LONGEST || lb > LONGEST) {
		return (size_t)-1;
	}
	d = xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++) {
		D(i, 0) = i;
	}
	for (size_t j = 0; j <= lb; j++) {
		D(0, j) = j;
	}
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = fold((unsigned char)a[i - 1]);
			int cb = fold((unsigned char)b[j - 1]);

			D(i, j) = min3(D(i - 1, j) + 1, D(i, j - 1) + 1,
				       D(i - 1, j - 1) + (ca != cb));
			/* two neighbours swapped: one slip, not two */
			if (i > 1 && j > 1 &&
			    ca == fold((unsigned char)b[j - 2]) &&
			    cb == fold((unsigned char)a[i - 2]) &&
			    D(i - 2, j - 2) + 1 < D(i, j)) {
				D(i, j) = D(i - 2, j - 2) + 1;
			}
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

/* is `part` one of the '_'-separated parts of `word`? */
static int is_part(const char *word, const char *part)
{
	size_t n = strlen(part);

	if (n == 0) {
		return 0;
	}
	for (const char *p = word; *p;) {
		const char *end = p;

		while (*end && fold((unsigned char)*end) != '_') {
			end++;
		}
		if ((size_t)(end - p) == n && strncasecmp(p, part, n) == 0) {
			return 1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

const char *suggest_closest(const char *word, const char *const *cands,
			    size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, cands[i]);
		size_t lw = strlen(word), lc = strlen(cands[i]);
		size_t longer = lw > lc ? lw : lc;
		/* one slip in a short name, about one in three in a long */
		size_t allowed = longer < 6 ? 1 : longer / 3;

		if (d <= allowed && d < best_d) {
			best = cands[i];
			best_d = d;
		}
	}
	if (best) {
		return best;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_part(word, cands[i])) {
			return cands[i];
		}
	}
	return NULL;
}
