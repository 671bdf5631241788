/*
 * Unit tests of column type inference and dialect sniffing
 * (common/typeinfer.c, common/sniff.c): which values make which column,
 * what is stored, and what is said when a column is left as TEXT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/sniff.h"
#include "mcp/typeinfer.h"
#include "tap.h"

/* a column of `values` (NULL-terminated); returns it decided */
static void column(struct ti_column *c, const struct ti_options *o,
		   const char *const *values)
{
	ti_column_init(c);
	for (; *values; values++) {
		ti_column_add(c, o, *values, strlen(*values));
	}
	ti_column_decide(c, o, "col");
}

/* the stored form of `v` in a decided column, as text */
static const char *stored(const struct ti_column *c, const char *v)
{
	static char buf[80];
	struct ti_value tv;

	if (ti_convert(c, v, strlen(v), &tv) < 0) {
		return "(error)";
	}
	switch (tv.type) {
	case TI_V_INT:
		snprintf(buf, sizeof(buf), "%lld", (long long)tv.i);
		break;
	case TI_V_REAL:
		snprintf(buf, sizeof(buf), "%.15g", tv.d);
		break;
	case TI_V_TEXT:
		snprintf(buf, sizeof(buf), "%s", tv.text);
		break;
	default:
		return "(null)";
	}
	return buf;
}

static void kind(const char *what, const char *const *values,
		 const struct ti_options *o, enum ti_kind want)
{
	struct ti_column c;

	column(&c, o, values);
	ok(c.kind == want, "%s: %s (got %s)", what, ti_kind_name(want),
	   ti_kind_name(c.kind));
	ti_column_finish(&c);
}

static void converts(const char *what, const char *const *values,
		     const struct ti_options *o, const char *v,
		     const char *want)
{
	struct ti_column c;

	column(&c, o, values);
	is_str(stored(&c, v), want, "%s: '%s' stored as %s", what, v, want);
	ti_column_finish(&c);
}

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void sniffs(const char *what, const char *sample, char delim,
		   enum csv_quoting q)
{
	struct sniff_result r;

	sniff_dialect(sample, strlen(sample), false, 0, -1, &r);
	ok(r.delimiter == delim && r.quoting == q,
	   "%s: delimiter 0x%02x quoting %s (got 0x%02x %s)", what, delim,
	   sniff_quoting_name(q), r.delimiter, sniff_quoting_name(r.quoting));
}

int main(void)
{
	struct ti_options o = { .delimiter = ',' };
	struct ti_options semi = { .delimiter = ';' };
	struct ti_options nonull = { .delimiter = ',', .no_default_nulls = true };
	struct ti_options dmy = { .delimiter = ',', .date_order = TI_DF_DMY };
	struct ti_column c;

	kind("integers", V("1", "-2", "30"), &o, TI_INTEGER);
	kind("integers and reals", V("1", "2.5"), &o, TI_REAL);
	kind("NA in numbers", V("1", "NA", "N/A", "-", ".", "#N/A", "NaN"),
	     &o, TI_INTEGER);
	kind("NA stays text without defaults", V("1", "NA"), &nonull, TI_TEXT);
	kind("only NA", V("NA", "NA"), &o, TI_TEXT);
	kind("spaces around numbers", V(" 1", "2 ", " 3 "), &o, TI_INTEGER);
	kind("codes", V("007", "012"), &o, TI_TEXT);
	kind("dollars", V("$4,175", "$12.50", "-$1,000"), &o, TI_NUMBER);
	kind("two currencies", V("$1", "€2"), &o, TI_TEXT);
	kind("percent", V("12.5%", "7%"), &o, TI_NUMBER);
	kind("percent on some values only", V("12.5%", "7"), &o, TI_TEXT);
	kind("bad grouping", V("1,23,456"), &o, TI_TEXT);
	kind("decimal comma", V("12,8", "3,5"), &o, TI_NUMBER);
	kind("ISO dates", V("2000-01-31", "1999-12-31"), &o, TI_DATE);
	kind("not a day", V("2000-02-30"), &o, TI_TEXT);
	kind("leap day", V("2000-02-29"), &o, TI_DATE);
	kind("no leap day in 1900", V("1900-02-29"), &o, TI_TEXT);
	kind("US dates", V("01/31/2000", "02/01/2000"), &o, TI_DATE);
	kind("ambiguous slashes", V("01/02/2000", "03/04/2000"), &o, TI_TEXT);
	kind("ambiguous slashes, --date-format", V("01/02/2000"), &dmy,
	     TI_DATE);
	kind("datetimes", V("2000-01-31 10:00", "2000-01-31"), &o,
	     TI_DATETIME);
	kind("booleans", V("true", "FALSE", "True"), &o, TI_BOOLEAN);
	kind("two spellings", V("true", "no"), &o, TI_TEXT);
	kind("one letter, one value", V("f", "f"), &o, TI_TEXT);

	converts("dollars", V("$4,175", "$1.5"), &o, "$4,175", "4175");
	converts("negative dollars", V("$4,175", "$1.5"), &o, "-$1,000",
		 "-1000");
	converts("sign after the symbol", V("$4,175", "$1.5"), &o, "$-5",
		 "-5");
	converts("euros after", V("12,50 €", "1.234,50 €"), &o, "1.234,50 €",
		 "1234.5");
	converts("pounds", V("£3", "£4"), &o, "£3", "3");
	converts("percent", V("12.5%", "7%"), &o, "12.5%", "12.5");
	converts("decimal comma", V("12,8", "3,5"), &o, "12,8", "12.8");
	converts("thousands with spaces", V("1 234,5", "3,5"), &o, "1 234,5",
		 "1234.5");
	converts("no-break space", V("1\xc2\xa0" "234,5", "3,5"), &o,
		 "1\xc2\xa0" "234,5", "1234.5");
	converts("1,234 in a ',' file", V("1,234", "17"), &o, "1,234", "1234");
	converts("1,234 in a ';' file", V("1,234", "17"), &semi, "1,234",
		 "1.234");
	converts("DD.MM.YYYY", V("31.01.2000"), &o, "31.01.2000",
		 "2000-01-31");
	converts("Jan 1 2000", V("Jan 1 2000"), &o, "Jan 1 2000",
		 "2000-01-01");
	converts("January 1, 2000", V("January 1, 2000"), &o,
		 "January 1, 2000", "2000-01-01");
	converts("1 Jan 2000", V("1 Jan 2000"), &o, "1 Jan 2000",
		 "2000-01-01");
	converts("01-Jan-2000", V("01-Jan-2000"), &o, "01-Jan-2000",
		 "2000-01-01");
	converts("offset to UTC", V("2000-01-01T01:30:00+02:00"), &o,
		 "2000-01-01T01:30:00+02:00", "1999-12-31 23:30:00");
	converts("Z", V("2000-01-01T01:30:00Z"), &o, "2000-01-01T01:30:00Z",
		 "2000-01-01 01:30:00");
	converts("+0530", V("2000-03-01 00:00:00+0530"), &o,
		 "2000-03-01 00:00:00+0530", "2000-02-29 18:30:00");
	converts("PM", V("01/31/2000 1:05 PM"), &o, "01/31/2000 1:05 PM",
		 "2000-01-31 13:05:00");
	converts("12 AM", V("01/31/2000 12:05 AM"), &o,
		 "01/31/2000 12:05 AM", "2000-01-31 00:05:00");
	converts("fractions of a second", V("2000-01-31 10:00:00.250"), &o,
		 "2000-01-31 10:00:00.250", "2000-01-31 10:00:00.250");
	converts("yes", V("Yes", "No"), &o, "Yes", "1");
	converts("t", V("t", "f"), &o, "f", "0");

	column(&c, &o, V("1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
			 "n.d."));
	ok(c.kind == TI_TEXT && c.warning &&
	   strstr(c.warning, "looks numeric: 90.9% of values read as "
		  "numbers, 1 do not (e.g. 'n.d.')"),
	   "a column 10/11 numeric says so (%s)", c.warning ? c.warning : "");
	ti_column_finish(&c);
	column(&c, &o, V("1", "2", "x", "y"));
	ok(c.kind == TI_TEXT && !c.warning, "a half-numeric column is quiet");
	ti_column_finish(&c);
	column(&c, &o, V("$1", "$2"));
	is_str(c.unit, "currency USD", "the currency is the unit");
	ti_column_finish(&c);
	column(&c, &o, V("1", "NA", "NA", "-"));
	ok(c.na[0] == 2 && c.na[7] == 1, "NA markers counted one by one");
	ti_column_finish(&c);

	ti_column_init(&c);
	ok(ti_column_force(&c, "date") == 0 && c.forced == TI_DATE,
	   "--type date");
	ok(ti_column_force(&c, "money") < 0, "--type money is refused");
	{
		const char *why = NULL;

		ok(ti_column_check(&c, &o, "2000-01-01", 10, &why) == 0,
		   "a date fits --type date");
		ok(ti_column_check(&c, &o, "soon", 4, &why) < 0 && why &&
		   strcmp(why, "not a date") == 0, "'soon' does not");
		ok(ti_column_check(&c, &o, "NA", 2, &why) == 0,
		   "NA fits anything");
	}
	ti_column_finish(&c);

	{
		/* the fast paths agree with the C library, bit for bit */
		unsigned long long x = 88172645463325252ull;
		int bad = 0, fast = 0;

		for (int i = 0; i < 200000; i++) {
			char buf[40];
			double a, b;
			int64_t n;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			snprintf(buf, sizeof(buf), "%s%llu.%0*llu",
				 x & 1 ? "-" : "", (x >> 8) % 100000000ull,
				 (int)(x % 9) + 1,
				 (x >> 20) % 1000000000ull % 1000000000ull);
			buf[(x >> 40) % 8 + 3 < strlen(buf) ?
			    (x >> 40) % 8 + 3 : strlen(buf)] = '\0';
			if (ti_fast_real(buf, strlen(buf), &a)) {
				fast++;
				b = strtod(buf, NULL);
				bad += memcmp(&a, &b, sizeof(a)) != 0;
			}
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)(x >> (x % 40)) * (x & 2 ? -1 : 1));
			if (ti_fast_int(buf, strlen(buf), &n)) {
				bad += n != strtoll(buf, NULL, 10);
			}
		}
		ok(bad == 0 && fast > 100000,
		   "fast number parsing matches strtod/strtoll (%d of %d "
		   "differ)", bad, fast);
		ok(!ti_fast_real("1e5", 3, &(double){ 0 }),
		   "exponents go to strtod");
		ok(!ti_fast_int("1234567890123456789", 19, &(int64_t){ 0 }),
		   "19 digits go to strtoll");
	}

	sniffs("commas", "a,b,c\n1,2,3\n4,5,6\n", ',', CSV_QUOTE_RFC4180);
	sniffs("semicolons with decimal commas",
	       "a;b;c\n1,5;2,5;3\n4;5,25;6\n", ';', CSV_QUOTE_RFC4180);
	sniffs("tabs", "a\tb\n1\t2\n", '\t', CSV_QUOTE_RFC4180);
	sniffs("pipes", "a|b|c\n1|2|3\n", '|', CSV_QUOTE_RFC4180);
	sniffs("commas inside quotes", "a;b\n\"1,2,3\";4\n\"5,6,7\";8\n",
	       ';', CSV_QUOTE_RFC4180);
	sniffs("a comma in text, tab-separated",
	       "name\tn\nSmith, J\t1\nDoe, A\t2\n", '\t', CSV_QUOTE_RFC4180);
	sniffs("backslash escapes", "a,b\n1,\"say \\\"hi\\\", ok\"\n2,x\n",
	       ',', CSV_QUOTE_BACKSLASH);
	sniffs("literal quotes in TSV", "a\tb\n5\" wide\t1\n\"x\" y\t2\n",
	       '\t', CSV_QUOTE_NONE);
	sniffs("a stray quote in a comma file stays RFC 4180",
	       "a,b\n1,\"x\"y\n", ',', CSV_QUOTE_RFC4180);
	return tap_done();
}
