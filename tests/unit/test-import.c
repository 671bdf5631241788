/*
 * Unit tests of the import's type classification and of dataset names
 * and identifier quoting (common/import.c, common/ident.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/ident.h"
#include "mcp/import.h"
#include "tap.h"

static void classify(const char *s, enum import_type want)
{
	static const char *const names[] = { "NULL", "INTEGER", "REAL",
					     "TEXT" };
	enum import_type got = import_classify(s, strlen(s));

	ok(got == want, "'%s' is %s (got %s)", s, names[want], names[got]);
}

int main(void)
{
	const char *why = NULL;
	char *q;

	classify("", IMPORT_NULL);
	classify("0", IMPORT_INTEGER);
	classify("-0", IMPORT_INTEGER);
	classify("42", IMPORT_INTEGER);
	classify("-17", IMPORT_INTEGER);
	classify("+5", IMPORT_INTEGER);
	classify("9223372036854775807", IMPORT_INTEGER);
	classify("-9223372036854775808", IMPORT_INTEGER);
	classify("9223372036854775808", IMPORT_TEXT);
	classify("12345678901234567890123", IMPORT_TEXT);
	classify("007", IMPORT_TEXT);
	classify("02139", IMPORT_TEXT);
	classify("0.5", IMPORT_REAL);
	classify("-0.5", IMPORT_REAL);
	classify(".5", IMPORT_REAL);
	classify("5.", IMPORT_REAL);
	classify("1e10", IMPORT_REAL);
	classify("1.5E-3", IMPORT_REAL);
	classify("1e400", IMPORT_TEXT);
	classify("1e", IMPORT_TEXT);
	classify(".", IMPORT_TEXT);
	classify("-", IMPORT_TEXT);
	classify(" 5", IMPORT_TEXT);
	classify("5 ", IMPORT_TEXT);
	classify("0x1F", IMPORT_TEXT);
	classify("inf", IMPORT_TEXT);
	classify("nan", IMPORT_TEXT);
	classify("1,000", IMPORT_TEXT);
	classify("12a", IMPORT_TEXT);
	classify("2024-01-02", IMPORT_TEXT);

	is_int(ident_dataset_name_check("survey_2024", &why), 0, "valid name");
	is_int(ident_dataset_name_check("a", &why), 0, "one letter");
	is_int(ident_dataset_name_check("", &why), -EINVAL, "empty");
	is_int(ident_dataset_name_check("Survey", &why), -EINVAL, "upper case");
	is_int(ident_dataset_name_check("1abc", &why), -EINVAL, "digit first");
	is_int(ident_dataset_name_check("_x", &why), -EINVAL, "underscore first");
	is_int(ident_dataset_name_check("a-b", &why), -EINVAL, "dash");
	is_int(ident_dataset_name_check("a b", &why), -EINVAL, "space");
	is_int(ident_dataset_name_check("select", &why), -EINVAL, "keyword");
	ok(why && strstr(why, "keyword"), "the reason names the keyword rule");
	is_int(ident_dataset_name_check("sqlite_x", &why), -EINVAL, "sqlite_");
	is_int(ident_dataset_name_check(
		"a23456789012345678901234567890123456789012345678901234567890123",
		&why), 0, "63 characters");
	is_int(ident_dataset_name_check(
		"a234567890123456789012345678901234567890123456789012345678901234",
		&why), -EINVAL, "64 characters");
	is_int(ident_dataset_name_check("caf\xc3\xa9", &why), -EINVAL,
	       "non-ASCII");

	q = ident_quoted("plain");
	is_str(q, "\"plain\"", "quoted");
	free(q);
	q = ident_quoted("a\"b\"\"; DROP TABLE x; --");
	is_str(q, "\"a\"\"b\"\"\"\"; DROP TABLE x; --\"", "quotes doubled");
	free(q);
	q = ident_data_table("survey");
	is_str(q, "data_survey", "data table name");
	free(q);
	return tap_done();
}
