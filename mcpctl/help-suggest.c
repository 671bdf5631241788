/*
 * The did-you-mean of unknown words and options: the candidates nearest
 * by edit distance, as git's help.c suggests commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/banned.h"
#include "help.h"

/* Damerau-Levenshtein (optimal string alignment): a swap costs one */
int help_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	int d[32][32];

	if (n >= 32 || m >= 32) {
		return 99;
	}
	for (size_t i = 0; i <= n; i++) {
		d[i][0] = (int)i;
	}
	for (size_t j = 0; j <= m; j++) {
		d[0][j] = (int)j;
	}
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			int cost = a[i - 1] != b[j - 1];
			int best = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < best) {
				best = d[i][j - 1] + 1;
			}
			if (d[i - 1][j - 1] + cost < best) {
				best = d[i - 1][j - 1] + cost;
			}
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best) {
				best = d[i - 2][j - 2] + 1;
			}
			d[i][j] = best;
		}
	}
	return d[n][m];
}

/*
 * Near enough to suggest: a typo or two (fewer for short words), or the
 * start of the candidate ("--desc" for "--description").
 */
static int score(const char *word, const char *cand)
{
	size_t wl = strlen(word);
	int d = help_distance(word, cand);
	int limit = wl <= 3 ? 1 : wl <= 6 ? 2 : 3;

	if (wl >= 2 && strncmp(cand, word, wl) == 0) {
		return 0;
	}
	return d <= limit ? d : -1;
}

bool help_suggest(const char *word, const char *const *cands, size_t n,
		  const char *prefix)
{
	int best = 99;
	size_t hits = 0;

	for (size_t i = 0; i < n; i++) {
		int s = score(word, cands[i]);

		if (s >= 0 && s < best) {
			best = s;
		}
	}
	if (best == 99) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		hits += score(word, cands[i]) == best;
	}
	fputs(hits == 1 ? "did you mean this?\n"
			: "did you mean one of these?\n", stderr);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		if (score(word, cands[i]) != best) {
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			dup = dup || strcmp(cands[j], cands[i]) == 0;
		}
		if (!dup) {
			fprintf(stderr, "\t%s%s\n", prefix, cands[i]);
		}
	}
	return true;
}
