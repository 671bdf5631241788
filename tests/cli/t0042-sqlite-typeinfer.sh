#!/bin/sh
# mcpctl dataset add --sqlite on tables without declared types, made by the
# sqlite3 shell's .import from the corpus: the CSV import's type rules,
# warnings when the table is read in place, the right numbers with
# --convert (checked against what R computed from the same files), and
# progress on a terminal.
. "$(dirname "$0")/lib.sh"

data="$src/tests/data"
"$MCPCTL" init --quiet >/dev/null

r() {
	awk -v k="$1" '$1 == k { sub(/^[^ ]* /, ""); print }' "$data/expected-r.txt"
}
q() {
	sqlite3 "$MCPD_DB" "$1"
}
# col DATASET COLUMN: inferred type|semantic type|format|unit|null tokens
col() {
	q "SELECT c.inferred_type || '|' || ifnull(c.semantic_type, '') || '|' ||
		ifnull(c.original_format, '') || '|' || ifnull(c.unit, '') || '|' ||
		ifnull(c.null_tokens, '')
	   FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id
	   WHERE d.name = '$1' AND c.name = '$2'"
}
warning_of() {
	q "SELECT ifnull(c.type_warning, '') FROM dataset_columns c
	   JOIN datasets d ON d.id = c.dataset_id
	   WHERE d.name = '$1' AND c.name = '$2'"
}

# money: declared without types; dates: the shell's own CREATE (all TEXT)
sqlite3 "$tmp/src.db" \
	"CREATE TABLE money (id, amount, share, signup, active, score)" \
	".mode csv" ".import --skip 1 $data/gen/money.csv money" \
	".import $data/gen/dates.csv dates" \
	"CREATE TABLE typed (n INTEGER, x REAL, s TEXT);
	 INSERT INTO typed VALUES (1, 1.5, 'a'), (2, 2.5, 'b')"
check "the shell stored text: sum(amount) is wrong there" \
	test "$(sqlite3 "$tmp/src.db" 'SELECT sum(amount) FROM money')" = "0.0"
src_hash=$(db_hash "$tmp/src.db")

# ---- read in place: loud warnings, nothing rewritten ---------------------

expect_status "untyped table in place" 0 \
	dataset add money --sqlite "$tmp/src.db" --table money
expect_in "warns about the currency column" "$tmp/err" \
	"column 'amount': looks numeric (currency USD) but is TEXT in the source file: 5 values like '\$4,175'"
expect_in "warns about the dates" "$tmp/err" \
	"column 'signup': looks like dates but is TEXT in the source file"
expect_in "warns about NA markers" "$tmp/err" \
	"column 'score': looks numeric but is TEXT in the source file: 2 values like '3.25' and NA markers or blanks"
expect_eq "amount stays TEXT, its reading recorded" "$(col money amount)" \
	"TEXT|number|\$1,234.5|currency USD|"
expect_eq "the warning is in the catalog" "$(warning_of money amount)" \
	"looks numeric (currency USD) but is TEXT in the source file: 5 values like '\$4,175'; SQL sums, compares and sorts them as text (mcpctl dataset add --convert stores them converted)"
expect_eq "served from the source table" \
	"$(q "SELECT data_table FROM datasets WHERE name = 'money'")" money
expect_eq "the source file is untouched" "$(db_hash "$tmp/src.db")" "$src_hash"
expect_status "show" 0 dataset show money
expect_in "show gives the warning" "$tmp/out" "looks numeric (currency USD) but is TEXT"

expect_status "the shell's all-TEXT table in place" 0 \
	dataset add dates --sqlite "$tmp/src.db" --table dates
expect_eq "ISO dates are right as text: no warning" "$(warning_of dates iso)" ""
expect_eq "ISO dates are dates" "$(col dates iso)" "TEXT|date|YYYY-MM-DD||"
expect_in "US dates are flagged" "$tmp/err" \
	"column 'us': looks like dates but is TEXT in the source file: 3 values like '01/31/2000'"
expect_in "ambiguous dates say so, as for CSV" "$tmp/err" \
	"column 'ambiguous': dates are ambiguous"

expect_status "declared types: no inference needed" 0 \
	dataset add typed --sqlite "$tmp/src.db" --table typed
check "no warnings" test ! -s "$tmp/err"
expect_eq "x is REAL" "$(col typed x)" "REAL||||"

# what the model reads
if [ -n "${MCPD:-}" ]; then
	printf '%s\n' \
		'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
		'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"money"}}}' |
		"$MCPD" --db "$MCPD_DB" > "$tmp/rpc" 2>/dev/null
	expect_in "describe_dataset warns the model" "$tmp/rpc" \
		"looks numeric (currency USD) but is TEXT in the source file: 5 values like '\$4,175'"
fi

# ---- --convert: the rows copied, converted ------------------------------

expect_status "--convert" 0 \
	dataset add money_c --sqlite "$tmp/src.db" --table money --convert
expect_in "says what it converted" "$tmp/out" \
	"column 'amount': number, written \$1,234.5, currency USD, stored converted"
check "no warnings" test ! -s "$tmp/err"
expect_eq "rows in the catalog" \
	"$(q "SELECT data_table FROM datasets WHERE name = 'money_c'")" data_money_c
expect_eq "\$4,175 sums as R sums it" \
	"$(q "SELECT printf('%.6f', sum(amount)) FROM data_money_c")" \
	"$(r money.amount.sum)"
expect_eq "percent mean" "$(q "SELECT printf('%.6f', avg(share)) FROM data_money_c")" \
	"$(r money.share.mean)"
expect_eq "Jan 1 2000 dates: min" "$(q 'SELECT min(signup) FROM data_money_c')" \
	"$(r money.signup.min)"
expect_eq "TRUE counted as 1" "$(q 'SELECT sum(active) FROM data_money_c')" \
	"$(r money.active.true)"
expect_eq "NA markers are NULL: mean" \
	"$(q "SELECT printf('%.6f', avg(score)) FROM data_money_c")" \
	"$(r money.score.mean)"
expect_eq "amount as a CSV import types it" "$(col money_c amount)" \
	"REAL|number|\$1,234.5|currency USD|"
expect_eq "NA counts recorded" "$(col money_c score)" 'REAL||||{"NA":1,"N/A":1,"-":1}'
expect_eq "the source file is still untouched" "$(db_hash "$tmp/src.db")" "$src_hash"

expect_status "--convert on the shell's all-TEXT table" 0 \
	dataset add dates_c --sqlite "$tmp/src.db" --table dates --convert
expect_eq "US dates max" "$(q 'SELECT max(us) FROM data_dates_c')" "$(r dates.us.max)"
expect_eq "European dates min" "$(q 'SELECT min(euro) FROM data_dates_c')" \
	"$(r dates.euro.min)"
expect_eq "zoned timestamps in UTC" \
	"$(q 'SELECT stamp FROM data_dates_c WHERE rowid = 1')" "$(r dates.stamp.first)"
expect_eq "a DATE column" "$(col dates_c us)" "DATE|date|MM/DD/YYYY||"

# refresh copies again, converted
sqlite3 "$tmp/src.db" "INSERT INTO money VALUES (6, '\$1,000', '1%', 'Jan 2 2000', 'TRUE', 'NA')"
expect_status "refresh" 0 dataset refresh money_c
expect_eq "the new row, converted" \
	"$(q "SELECT printf('%.6f', sum(amount)) FROM data_money_c")" \
	"$(awk -v s="$(r money.amount.sum)" 'BEGIN { printf "%.6f", s + 1000 }')"

expect_status "--convert with nothing to convert" 0 \
	dataset add typed_c --sqlite "$tmp/src.db" --table typed --convert
expect_in "says so" "$tmp/out" "nothing to convert: the table is read in place"
expect_eq "read in place" "$(q "SELECT data_table FROM datasets WHERE name = 'typed_c'")" typed
expect_status "--convert without --sqlite" 2 \
	dataset add bad --csv "$data/gen/money.csv" --convert

# ---- progress goes to a terminal only ----------------------------------

expect_status "stderr not a terminal" 0 \
	dataset add plain_one --sqlite "$tmp/src.db" --table money --convert
check "no progress when stderr is a file" test ! -s "$tmp/err"
if command -v script >/dev/null 2>&1; then
	script -qec "'$MCPCTL' dataset add tty_one --sqlite '$tmp/src.db' --table money --convert" \
		/dev/null > "$tmp/tty" 2>&1
	expect_in "progress of the scan on a terminal" "$tmp/tty" "reading: 100% 6 of 6 rows"
	expect_in "progress of the copy" "$tmp/tty" "copying: 100% 6 of 6 rows"
	script -qec "'$MCPCTL' dataset add tty_two --quiet --sqlite '$tmp/src.db' --table typed" \
		/dev/null > "$tmp/tty" 2>&1
	check "--quiet silences it" test ! -s "$tmp/tty"
fi

done_testing
