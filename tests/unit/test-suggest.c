/*
 * Unit tests of common/suggest.c: "did you mean" for names.
 */
#include <stdio.h>
#include <string.h>

#include "mcp/suggest.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check(const char *word, const char *const *cands, size_t n,
		  const char *want)
{
	const char *got = suggest_closest(word, cands, n);

	ok(want ? got && strcmp(got, want) == 0 : got == NULL,
	   "%s -> %s (got %s)", word, want ? want : "nothing",
	   got ? got : "nothing");
}

int main(void)
{
	static const char *const args[] = { "dataset", "stat", "measure",
					    "by", "where", "weight", "q",
					    "unweighted", "digits" };
	static const char *const cols[] = { "id", "Airport Name", "city",
					    "population_2020", "age" };

	is_int((int)suggest_distance("kitten", "sitting"), 3,
	       "kitten/sitting");
	is_int((int)suggest_distance("stype", "stpye"), 1,
	       "a swap of neighbours is one slip");
	is_int((int)suggest_distance("ABC", "abc"), 0, "case is ignored");
	is_int((int)suggest_distance("airport_name", "Airport Name"), 0,
	       "space and underscore are one");
	check("group_by", args, N(args), "by");
	check("wieght", args, N(args), "weight");
	check("Measure", args, N(args), "measure");
	check("limit", args, N(args), NULL);
	check("airport_name", cols, N(cols), "Airport Name");
	check("populaton_2020", cols, N(cols), "population_2020");
	check("AGE", cols, N(cols), "age");
	check("zzz", cols, N(cols), NULL);
	check("ag", cols, N(cols), "age");
	check("anything", cols, 0, NULL);
	return tap_done();
}
