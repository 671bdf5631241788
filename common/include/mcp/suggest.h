/*
 * suggest: "did you mean" for a name that does not exist.
 *
 * A model that misspells a column, a table or an argument fixes its next
 * call at once when the answer names the right spelling, as git does for
 * a mistyped command.  Names are compared without ASCII case and with
 * ' ', '_' and '-' taken as one; the closest by edit distance (a swap of
 * two neighbours counts once) wins when it is close enough, else a
 * candidate that is one of the word's '_'-separated parts (group_by ->
 * by).
 */
#ifndef MCP_SUGGEST_H
#define MCP_SUGGEST_H

#include <stddef.h>

/* the candidate meant by `word`, borrowed from `cands`, or NULL */
const char *suggest_closest(const char *word, const char *const *cands,
			    size_t n);
/* the edit distance of suggest_closest() (exported for its tests) */
size_t suggest_distance(const char *a, const char *b);

#endif
