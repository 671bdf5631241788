/*
 * Unit tests of common/colstats.c: counts, ranges, exact and sketched
 * distinct counts, the most frequent values and the compensated mean.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mcp/colstats.h"
#include "tap.h"

static void add_str(struct colstats *c, const char *s)
{
	colstats_add(c, s, strlen(s));
}

int main(void)
{
	const struct colstats_entry *top[3];
	struct colstats c;
	bool exact = false;
	char buf[32];
	int64_t d;
	size_t n;

	colstats_init(&c);
	add_str(&c, "b");
	add_str(&c, "a");
	add_str(&c, "b");
	add_str(&c, "c");
	add_str(&c, "a");
	add_str(&c, "b");
	colstats_add_null(&c);
	is_int(c.values, 6, "values counted");
	is_int(c.nulls, 1, "nulls counted");
	is_int(colstats_distinct(&c, &exact), 3, "three distinct");
	ok(exact, "counted exactly");
	n = colstats_top(&c, 3, top);
	is_int((int64_t)n, 3, "three top values");
	ok(n == 3 && strcmp(top[0]->value, "b") == 0 && top[0]->count == 3,
	   "most frequent first");
	ok(n == 3 && strcmp(top[1]->value, "a") == 0 &&
	   strcmp(top[2]->value, "c") == 0, "then by value");
	is_int((int64_t)c.n_samples, 3, "samples are the first distinct values");
	ok(c.n_samples == 3 && strcmp(c.samples[0], "b") == 0 &&
	   strcmp(c.samples[1], "a") == 0, "in file order");
	colstats_finish(&c);

	colstats_init(&c);
	for (int i = 0; i < 100000; i++) {
		snprintf(buf, sizeof(buf), "value-%d", i % 50000);
		add_str(&c, buf);
	}
	d = colstats_distinct(&c, &exact);
	ok(!exact, "past the exact limit the count is an estimate");
	ok(d > 50000 * 0.95 && d < 50000 * 1.05,
	   "estimate within 5%% of 50000 (got %lld)", (long long)d);
	is_int((int64_t)colstats_top(&c, 3, top), 0, "no top values then");
	colstats_finish(&c);

	colstats_init(&c);
	add_str(&c, "x");
	{
		char long_value[COLSTATS_KEY_MAX + 2];

		memset(long_value, 'y', sizeof(long_value) - 1);
		long_value[sizeof(long_value) - 1] = '\0';
		add_str(&c, long_value);
	}
	d = colstats_distinct(&c, &exact);
	ok(!exact && d == 2, "a long value switches to the sketch (got %lld)",
	   (long long)d);
	colstats_finish(&c);

	colstats_init(&c);
	colstats_add_int(&c, -5);
	colstats_add_int(&c, 7);
	colstats_add_real(&c, 2.5);
	is_int(c.int_min, -5, "integer minimum");
	is_int(c.int_max, 7, "integer maximum");
	ok(c.num_min == -5 && c.num_max == 7, "number range");
	ok(fabs(colstats_mean(&c) - 1.5) < 1e-12, "mean");
	colstats_finish(&c);

	/* 1e16 + 1 + 1 + ... - 1e16: a plain sum loses every 1 */
	colstats_init(&c);
	colstats_add_real(&c, 1e16);
	for (int i = 0; i < 1000; i++) {
		colstats_add_real(&c, 1.0);
	}
	colstats_add_real(&c, -1e16);
	ok(fabs(colstats_mean(&c) * 1002 - 1000) < 1e-6,
	   "compensated sum keeps small terms (sum %.3f)",
	   colstats_mean(&c) * 1002);
	colstats_finish(&c);
	return tap_done();
}
