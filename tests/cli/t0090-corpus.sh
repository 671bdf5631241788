#!/bin/sh
# The corpus of tests/data: real files from Debian packages and generated
# edge cases.  Each is imported as a new user would, and its types, row
# count, values and warnings are checked; the values against what R
# computed from the same files (tests/data/expected-r.txt).
. "$(dirname "$0")/lib.sh"

data="$src/tests/data"
"$MCPCTL" init --quiet >/dev/null

# r KEY: the value R computed
r() {
	awk -v k="$1" '$1 == k { sub(/^[^ ]* /, ""); print }' "$data/expected-r.txt"
}
q() {
	sqlite3 "$MCPD_DB" "$1"
}
# col DATASET COLUMN: inferred type|semantic type|original format|unit
col() {
	q "SELECT c.inferred_type || '|' || ifnull(c.semantic_type, '') || '|' ||
		ifnull(c.original_format, '') || '|' || ifnull(c.unit, '')
	   FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id
	   WHERE d.name = '$1' AND c.name = '$2'"
}
warning_of() {
	q "SELECT ifnull(c.type_warning, '') FROM dataset_columns c
	   JOIN datasets d ON d.id = c.dataset_id
	   WHERE d.name = '$1' AND c.name = '$2'"
}

# ---- real files ------------------------------------------------------

expect_status "penguins.csv (palmerpenguins)" 0 \
	dataset add penguins --csv "$data/real/penguins.csv"
expect_in "the dialect is printed" "$tmp/out" \
	"dialect: delimiter ',' (detected), quoting RFC 4180 (detected)"
expect_in "NA counts are printed" "$tmp/out" \
	"column 'bill_length_mm': 2 NA markers stored as NULL (2 'NA')"
expect_eq "rows" "$(q 'SELECT count(*) FROM data_penguins')" "$(r penguins.rows)"
expect_eq "NA is not a number: avg as R's mean(na.rm)" \
	"$(q "SELECT printf('%.6f', avg(bill_length_mm)) FROM data_penguins")" \
	"$(r penguins.bill_length_mm.mean)"
expect_eq "NA stored as NULL" \
	"$(q 'SELECT count(*) FROM data_penguins WHERE bill_length_mm IS NULL')" \
	"$(r penguins.bill_length_mm.na)"
expect_eq "body_mass_g sum" "$(q 'SELECT sum(body_mass_g) FROM data_penguins')" \
	"$(r penguins.body_mass_g.sum)"
expect_eq "bill_length_mm is REAL" "$(col penguins bill_length_mm)" "REAL|||"
expect_eq "NA counted in the profile" \
	"$(q "SELECT null_tokens FROM dataset_columns WHERE name = 'bill_length_mm'")" \
	'{"NA":2}'

expect_status "penguins_raw.csv: ISO dates, Yes/No" 0 \
	dataset add penguins_raw --csv "$data/real/penguins_raw.csv"
expect_eq "Date Egg is a date" "$(col penguins_raw 'Date Egg')" "DATE|date|YYYY-MM-DD|"
expect_eq "date min" "$(q 'SELECT min("Date Egg") FROM data_penguins_raw')" \
	"$(r penguins_raw.date_egg.min)"
expect_eq "date max" "$(q 'SELECT max("Date Egg") FROM data_penguins_raw')" \
	"$(r penguins_raw.date_egg.max)"
expect_eq "date comparison" \
	"$(q "SELECT count(*) FROM data_penguins_raw WHERE \"Date Egg\" >= '2008-01-01'")" \
	"$(r penguins_raw.date_egg.after_2008)"
expect_eq "Clutch Completion is a boolean" \
	"$(col penguins_raw 'Clutch Completion')" "INTEGER|boolean|Yes/No|1 = Yes, 0 = No"
expect_eq "Yes counted as 1" \
	"$(q 'SELECT sum("Clutch Completion") FROM data_penguins_raw')" \
	"$(r penguins_raw.clutch.yes)"
expect_eq "Delta 15 N mean" \
	"$(q "SELECT printf('%.6f', avg(\"Delta 15 N (o/oo)\")) FROM data_penguins_raw")" \
	"$(r penguins_raw.delta15n.mean)"

expect_status "challenge.csv (readr): types change after row 1000" 0 \
	dataset add challenge --csv "$data/real/challenge.csv"
expect_eq "x is REAL" "$(col challenge x)" "REAL|||"
expect_eq "x sum" "$(q "SELECT printf('%.6f', sum(x)) FROM data_challenge")" \
	"$(r challenge.x.sum)"
expect_eq "y is a date despite 1000 leading NA" "$(col challenge y)" \
	"DATE|date|YYYY-MM-DD|"
expect_eq "y dates" "$(q 'SELECT count(y) FROM data_challenge')" "$(r challenge.y.dates)"
expect_eq "y min" "$(q 'SELECT min(y) FROM data_challenge')" "$(r challenge.y.min)"
expect_eq "y max in the profile" \
	"$(q "SELECT max_value FROM dataset_columns WHERE name = 'y'")" "$(r challenge.y.max)"

expect_status "msft.csv (timeSeries): semicolons" 0 \
	dataset add msft --csv "$data/real/msft.csv"
expect_in "';' detected" "$tmp/out" "delimiter ';' (detected)"
expect_eq "rows" "$(q 'SELECT count(*) FROM data_msft')" "$(r msft.rows)"
expect_eq "Close mean" "$(q "SELECT printf('%.6f', avg(Close)) FROM data_msft")" \
	"$(r msft.close.mean)"
expect_eq "first date" "$(q 'SELECT min("%Y-%m-%d") FROM data_msft')" "$(r msft.first)"
expect_eq "last date" "$(q 'SELECT max("%Y-%m-%d") FROM data_msft')" "$(r msft.last)"

for z in gz xz zst; do
	expect_status "mtcars.csv.$z (vroom)" 0 \
		dataset add "mtcars_$z" --csv "$data/real/mtcars.csv.$z"
	expect_eq "mtcars.csv.$z mean mpg" \
		"$(q "SELECT printf('%.6f', avg(mpg)) FROM data_mtcars_$z")" \
		"$(r mtcars.mpg.mean)"
done
expect_in "compression is printed" "$tmp/out" "compression: zstd"
cp "$data/real/mtcars.csv.gz" "$tmp/no-suffix"
expect_status "gzip found by its magic bytes, not its name" 0 \
	dataset add mtcars_magic --csv "$tmp/no-suffix"
expect_status "gzip on standard input" 0 \
	dataset add money_stdin --csv - < "$data/gen/money.csv.gz"
expect_eq "stdin gzip amount" \
	"$(q "SELECT printf('%.6f', sum(amount)) FROM data_money_stdin")" \
	"$(r money.amount.sum)"
expect_status "bzip2 is refused" 1 dataset add bz --csv "$data/real/mtcars.csv.bz2"
expect_in "with the remedy" "$tmp/err" "decompress it with bunzip2 first"
expect_status "zip is refused" 1 dataset add zip --csv "$data/real/mtcars.csv.zip"
expect_in "with the remedy" "$tmp/err" "zip archive"

# ---- generated edge cases ---------------------------------------------

expect_status "eu-semicolon.csv: decimal comma" 0 \
	dataset add eu --csv "$data/gen/eu-semicolon.csv"
expect_eq "Preis sum (12,8 is 12.8)" \
	"$(q "SELECT printf('%.6f', sum(Preis)) FROM data_eu")" "$(r eu.preis.sum)"
expect_eq "Preis is a number" "$(col eu Preis)" "REAL|number|1.234,5|"
expect_eq "DD.MM.YYYY" "$(q 'SELECT min(Datum) FROM data_eu')" "$(r eu.datum.min)"
expect_eq "1.234 is 1234 where the file writes decimal commas" \
	"$(q 'SELECT sum(Menge) FROM data_eu')" "$(r eu.menge.sum)"
expect_in "and says so" "$tmp/err" "column 'Menge': values such as 1,234"
expect_eq "12,5 % is 12.5" \
	"$(q "SELECT printf('%.6f', sum(Anteil)) FROM data_eu")" "$(r eu.anteil.sum)"
expect_eq "percent unit" "$(col eu Anteil)" \
	"REAL|number|1.234,5%|percent, stored as 0-100"
expect_status "a semicolon file with --delimiter ','" 1 \
	dataset add eu2 --csv "$data/gen/eu-semicolon.csv" --delimiter ,
expect_in "says which delimiter to pass" "$tmp/err" "pass --delimiter ';'"
expect_status "--decimal . on it" 0 \
	dataset add eu3 --csv "$data/gen/eu-semicolon.csv" --decimal .
expect_eq "Preis is text then" "$(col eu3 Preis)" "TEXT|||"

expect_status "money.csv: currency, percent, dates, booleans" 0 \
	dataset add money --csv "$data/gen/money.csv"
expect_eq "\$4,175 sums" "$(q "SELECT printf('%.6f', sum(amount)) FROM data_money")" \
	"$(r money.amount.sum)"
expect_eq "currency unit" "$(col money amount)" "REAL|number|\$1,234.5|currency USD"
expect_eq "percent mean" "$(q "SELECT printf('%.6f', avg(share)) FROM data_money")" \
	"$(r money.share.mean)"
expect_eq "Jan 1 2000" "$(q 'SELECT min(signup) FROM data_money')" "$(r money.signup.min)"
expect_eq "Jan 1 2000 format" "$(col money signup)" "DATE|date|Mon D YYYY|"
expect_eq "TRUE/FALSE" "$(q 'SELECT sum(active) FROM data_money')" "$(r money.active.true)"
expect_eq "NA, N/A and - are NULL" \
	"$(q "SELECT printf('%.6f', avg(score)) FROM data_money")" "$(r money.score.mean)"
expect_eq "and counted" \
	"$(q "SELECT c.null_tokens FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = 'money' AND c.name = 'score'")" \
	'{"NA":1,"N/A":1,"-":1}'
expect_status "--no-default-nulls" 0 \
	dataset add money_raw --csv "$data/gen/money.csv" --no-default-nulls
expect_eq "score stays text" "$(col money_raw score)" "TEXT|||"
expect_status "--null-value with --no-default-nulls" 0 \
	dataset add money_nv --csv "$data/gen/money.csv" --no-default-nulls \
	--null-value NA --null-value N/A --null-value -
expect_eq "score is REAL again" "$(col money_nv score)" "REAL|||"

expect_status "money-mixed.csv: two currencies" 0 \
	dataset add mixed --csv "$data/gen/money-mixed.csv"
expect_eq "amount stays text" "$(col mixed amount)" "TEXT|||"
expect_in "with a warning" "$tmp/err" \
	"column 'amount': numbers in more than one currency"
expect_eq "TRUE with yes is not one boolean" "$(col mixed active)" "TEXT|||"

expect_status "dates.csv" 0 dataset add dates --csv "$data/gen/dates.csv"
for c in iso ymd_slash dmy_dot us euro month_first day_first; do
	expect_eq "$c: the same dates" \
		"$(q "SELECT group_concat($c) FROM data_dates")" \
		"2000-01-31,2004-02-29,1999-12-31"
done
expect_eq "MM/DD/YYYY max" "$(q 'SELECT max(us) FROM data_dates')" "$(r dates.us.max)"
expect_eq "DD/MM/YYYY min" "$(q 'SELECT min(euro) FROM data_dates')" "$(r dates.euro.min)"
expect_eq "ambiguous dates stay text" "$(col dates ambiguous)" "TEXT|||"
expect_in "with a warning that suggests --date-format" "$tmp/err" \
	"column 'ambiguous': dates are ambiguous"
expect_in "suggests --date-format" "$tmp/err" "--date-format DD/MM/YYYY"
expect_eq "offsets moved to UTC" \
	"$(q 'SELECT stamp FROM data_dates LIMIT 1')" "$(r dates.stamp.first)"
expect_eq "across midnight" \
	"$(q 'SELECT stamp FROM data_dates LIMIT 1 OFFSET 1')" "$(r dates.stamp.second)"
expect_eq "datetime type" "$(col dates local)" "DATETIME|datetime|YYYY-MM-DD HH:MM[:SS]|"
expect_eq "SQLite date functions work on them" \
	"$(q "SELECT strftime('%Y', max(local)) FROM data_dates")" 2004
expect_status "--date-format DD/MM/YYYY" 0 \
	dataset add dates2 --csv "$data/gen/dates.csv" --date-format DD/MM/YYYY
expect_eq "ambiguous read day first" \
	"$(q 'SELECT group_concat(ambiguous) FROM data_dates2')" \
	"2000-02-01,2004-04-03,1999-06-05"

expect_status "literal-quotes.tsv: TSV as Unix tools write it" 0 \
	dataset add tsvq --csv "$data/gen/literal-quotes.tsv"
expect_in "tab from the name, no quoting" "$tmp/out" \
	"dialect: delimiter TAB (from the file name), quoting none (detected)"
expect_eq "quotes kept as data" "$(q 'SELECT group_concat(note, "|") FROM data_tsvq')" \
	'5" wide|ok|"'
expect_status "backslash.csv" 0 dataset add bs --csv "$data/gen/backslash.csv"
expect_in "backslash escapes detected" "$tmp/out" "quoting backslash escapes (detected)"
expect_eq "escaped quotes" "$(q 'SELECT text FROM data_bs WHERE id = 1')" 'He said "hi"'
expect_eq "escaped backslash" "$(q 'SELECT text FROM data_bs WHERE id = 2')" 'C:\dir'

expect_status "latin1.csv" 1 dataset add latin --csv "$data/gen/latin1.csv"
expect_in "names the likely encoding" "$tmp/err" "look like Latin-1/Windows-1252"
expect_in "and the remedy" "$tmp/err" "pass --encoding cp1252"
expect_in "and the column" "$tmp/err" "field 1 ('name')"
expect_status "--encoding cp1252" 0 \
	dataset add latin --csv "$data/gen/latin1.csv" --encoding cp1252
expect_eq "converted" "$(q 'SELECT group_concat(name) FROM data_latin')" "José,Zoë"
expect_status "utf16.tsv: UTF-16 found by its byte order mark" 0 \
	dataset add utf16 --csv "$data/gen/utf16.tsv"
expect_eq "converted" "$(q 'SELECT group_concat(city) FROM data_utf16')" "München,Köln"
expect_eq "typed" "$(q 'SELECT sum(amount) FROM data_utf16')" 19

expect_status "preamble.csv without --skip" 1 \
	dataset add pre --csv "$data/gen/preamble.csv"
expect_in "suggests --skip" "$tmp/err" "pass --skip N"
expect_status "preamble.csv --skip 2" 0 \
	dataset add pre --csv "$data/gen/preamble.csv" --skip 2
expect_eq "header after the preamble" \
	"$(q 'SELECT sum(length) FROM data_pre')" 51.5

expect_status "noheader.csv" 0 dataset add nh --csv "$data/gen/noheader.csv"
expect_in "warns that the header is numeric" "$tmp/err" "pass --no-header"
expect_status "noheader.csv --no-header" 0 \
	dataset add nh --csv "$data/gen/noheader.csv" --no-header --replace
expect_eq "every row kept" "$(q 'SELECT count(*) || sum(column_1) FROM data_nh')" 312

expect_status "badrows.csv" 1 dataset add bad --csv "$data/gen/badrows.csv"
expect_in "the first error fails" "$tmp/err" "badrows.csv:3: expected 3 fields"
expect_status "--max-errors 1 is not enough" 1 dataset add bad \
	--csv "$data/gen/badrows.csv" --max-errors 1 --rejects "$tmp/rej.csv"
expect_in "says the limit" "$tmp/err" "more than --max-errors 1"
expect_status "--max-errors 2 --rejects" 0 dataset add bad \
	--csv "$data/gen/badrows.csv" --max-errors 2 --rejects "$tmp/rej.csv"
expect_eq "good rows kept" "$(q 'SELECT group_concat(id) FROM data_bad')" "1,3,5"
expect_eq "rejects: line, reason, fields" "$(sed -n 2p "$tmp/rej.csv")" \
	'3,"expected 3 fields (as in the header), found 2","2","b"'
expect_eq "both rejects" "$(wc -l < "$tmp/rej.csv")" 3
expect_status "--rejects alone" 2 dataset add bad2 \
	--csv "$data/gen/badrows.csv" --rejects "$tmp/rej2.csv"

expect_status "looks-numeric.csv" 0 dataset add looks --csv "$data/gen/looks-numeric.csv"
expect_eq "reading stays text" "$(col looks reading)" "TEXT|||"
expect_in "flagged" "$tmp/err" \
	"column 'reading': looks numeric: 90.9% of values read as numbers, 1 do not (e.g. 'n.d.')"
expect_in "leading zeros flagged" "$tmp/err" "column 'zip': looks numeric, but 10 values have leading zeros"
expect_eq "date-like flagged in the profile" "$(warning_of looks when)" \
	"looks like dates: 90.9% of values read as dates, 1 do not (e.g. 'soon'); kept as TEXT"
expect_status "dataset show names the flag" 0 dataset show looks
expect_in "show" "$tmp/out" "warning: looks numeric"
expect_status "--type reading=real" 1 dataset add looks2 \
	--csv "$data/gen/looks-numeric.csv" --type reading=real
expect_in "names the line and the column" "$tmp/err" \
	"looks-numeric.csv:4: column 'reading' (field 2): 'n.d.' is not a number"
expect_status "--type zip=integer" 0 dataset add looks3 \
	--csv "$data/gen/looks-numeric.csv" --type zip=integer --type id=text
expect_eq "codes as numbers when asked" "$(q 'SELECT sum(zip) FROM data_looks3')" \
	"$(awk -F, 'NR > 1 { s += $3 } END { print s }' "$data/gen/looks-numeric.csv")"
expect_eq "id as text when asked" "$(col looks3 id)" "TEXT|||"
expect_status "--type on a missing column" 1 dataset add looks4 \
	--csv "$data/gen/looks-numeric.csv" --type nope=integer
expect_status "--type with a bad type" 1 dataset add looks4 \
	--csv "$data/gen/looks-numeric.csv" --type zip=money

expect_status "thousands.csv: 1,234 in a comma file" 0 \
	dataset add th --csv "$data/gen/thousands.csv"
expect_eq "read as thousands" "$(q 'SELECT sum(amount) FROM data_th')" 3751
expect_in "with a warning" "$tmp/err" "pass --decimal , if that is wrong"
expect_status "--decimal ," 0 dataset add th2 --csv "$data/gen/thousands.csv" --decimal ,
expect_eq "read as decimals" "$(q "SELECT printf('%.3f', sum(amount)) FROM data_th2")" 20.734

expect_status "booleans.csv" 0 dataset add bools --csv "$data/gen/booleans.csv"
for c in tf letter upper; do
	expect_eq "$c" "$(q "SELECT group_concat($c) FROM data_bools")" "1,0,1"
done
expect_eq "yes/no in any case" "$(q "SELECT group_concat(yn) FROM data_bools")" "1,0,0"
expect_eq "a column of only f is a code" "$(col bools sexcode)" "TEXT|||"

expect_status "refresh reads it the same way again" 0 dataset refresh eu --json
expect_eq "the same sum" "$(q 'SELECT sum(Menge) FROM data_eu')" "$(r eu.menge.sum)"
expect_in "notes in --json" "$tmp/out" '"notes":'
expect_in "warnings in --json" "$tmp/out" "column 'Menge': values such as 1,234"
expect_status "refresh keeps --skip" 0 dataset refresh pre
expect_eq "still the same rows" "$(q 'SELECT count(*) FROM data_pre')" 2
expect_status "show --json has the typing fields" 0 dataset show money --json
expect_in "unit" "$tmp/out" '"unit":"currency USD"'
expect_in "null tokens" "$tmp/out" '"N/A":1'

# what the model reads: mcpd's describe_dataset
if [ -n "${MCPD:-}" ]; then
	printf '%s\n' \
		'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
		'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"looks"}}}' \
		'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"money"}}}' |
		"$MCPD" --db "$MCPD_DB" > "$tmp/rpc" 2>/dev/null
	expect_in "describe_dataset flags a numeric-looking TEXT column" "$tmp/rpc" \
		'`reading`: looks numeric: 90.9% of values read as numbers'
	expect_in "describe_dataset gives the currency" "$tmp/rpc" \
		'`amount`: number, written $1,234.5; currency USD'
	expect_in "structuredContent has the import object" "$tmp/rpc" \
		'"import":{"kind":"date","format":"Mon D YYYY"}'
fi

# wider than a SQLite table can be
awk 'BEGIN { for (r = 0; r < 2; r++) { for (i = 1; i <= 2100; i++)
	printf "%s%s", (i > 1 ? "," : ""), (r ? i : "c" i); print "" } }' > "$tmp/wide.csv"
expect_status "2100 columns" 1 dataset add wide --csv "$tmp/wide.csv"
expect_in "says the limit and why" "$tmp/err" "a SQLite table holds at most"

# ---- quantiles in the profile, against R's quantile() ----------------

# quantiles DATASET COLUMN: p5 p25 p50 p75 p95 as R prints them above
quantiles() {
	q "SELECT printf('%.6f %.6f %.6f %.6f %.6f',
		quantiles->>'p5', quantiles->>'p25', quantiles->>'p50',
		quantiles->>'p75', quantiles->>'p95')
	   FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id
	   WHERE d.name = '$1' AND c.name = '$2'"
}
expect_eq "penguins body_mass_g quantiles as R" \
	"$(quantiles penguins body_mass_g)" "$(r penguins.body_mass_g.quantiles)"
expect_eq "NA left out of the quantiles, as na.rm" \
	"$(quantiles penguins bill_length_mm)" "$(r penguins.bill_length_mm.quantiles)"
expect_eq "quantiles of converted money, not of the text" \
	"$(quantiles money amount)" "$(r money.amount.quantiles)"
expect_eq "challenge x quantiles" \
	"$(quantiles challenge x)" "$(r challenge.x.quantiles)"
expect_eq "exact below 10,000 values: not marked estimated" \
	"$(q "SELECT count(*) FROM dataset_columns WHERE quantiles->>'estimated'")" 0
expect_eq "TEXT columns have none" \
	"$(q "SELECT count(*) FROM dataset_columns WHERE inferred_type = 'TEXT' AND quantiles IS NOT NULL")" 0

sqlite3 "$tmp/penguins.db" "ATTACH '$MCPD_DB' AS c; CREATE TABLE p AS SELECT * FROM c.data_penguins"
expect_status "the same rows as an SQLite source" 0 \
	dataset add penguins_sq --sqlite "$tmp/penguins.db" --table p
expect_eq "its quantiles, from a scan of the table, as R" \
	"$(quantiles penguins_sq body_mass_g)" "$(r penguins.body_mass_g.quantiles)"

expect_status "dataset show penguins" 0 dataset show penguins
expect_in "shows the quantiles under a numeric column" "$tmp/out" \
	"quantiles: p5 3150, p25 3550, p50 4050, p75 4750, p95 5650"
printf 'id,v\n1,1500000.5\n2,2500000.25\n' >"$tmp/millions.csv"
"$MCPCTL" dataset add millions --csv "$tmp/millions.csv" --quiet
expect_status "dataset show of millions" 0 dataset show millions
expect_in "a mean of millions in full" "$tmp/out" " 2000000 "
expect_not_in "never %g's exponent" "$tmp/out" "e+0"

done_testing
