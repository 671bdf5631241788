/*
 * Unit tests of common/sqlshape.c: literals, lists, comments, quoting and
 * case reduce so that one query with different values is one shape.
 */
#include <stdlib.h>

#include "mcp/sqlshape.h"
#include "tap.h"

static void shape_is(const char *sql, const char *want)
{
	char *got = sql_shape(sql);

	is_str(got, want, "shape of %s", sql);
	free(got);
}

int main(void)
{
	char *a, *b;

	shape_is("SELECT * FROM t WHERE x = 5", "select * from t where x = ?");
	shape_is("select *\n  from T\twhere X=7;", "select * from t where x=?");
	shape_is("SELECT 'it''s', x'00ff', 1.5e-3, .5, 0x1F FROM t",
		 "select ? from t");
	shape_is("SELECT a FROM t WHERE id IN (1, 2, 3, 4)",
		 "select a from t where id in (?)");
	shape_is("SELECT a FROM t WHERE id IN ('a','b')",
		 "select a from t where id in (?)");
	shape_is("SELECT \"Mixed Case\", [Br ackets], `Back` FROM \"T\"",
		 "select \"Mixed Case\", [Br ackets], `Back` from \"T\"");
	shape_is("SELECT \"a\"\"b\" FROM t", "select \"a\"\"b\" from t");
	shape_is("SELECT x -- the answer is 42\nFROM t /* 7 */ WHERE y > 3",
		 "select x from t where y > ?");
	shape_is("SELECT col1, t2.c3 FROM t2", "select col1, t2.c3 from t2");
	shape_is("SELECT x FROM t LIMIT 10 OFFSET 20",
		 "select x from t limit ? offset ?");
	shape_is("SELECT 'unterminated", "select ?");
	shape_is("/* unterminated", "");
	shape_is("", "");
	shape_is("SELECT 'é' || 'ü' AS ü", "select ? || ? as ü");

	a = sql_shape("SELECT region FROM survey WHERE age BETWEEN 18 AND 30");
	b = sql_shape("select region from survey where age between 65 and 99");
	is_str(a, b, "two queries with different values are one shape");
	free(a);
	free(b);
	return tap_done();
}
