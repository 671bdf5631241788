#!/bin/sh
# dataset export --where EXPR (every format) and --format sqlite: the
# filter goes through mcpd's guard for filters, so it reads the dataset
# and nothing else; the SQLite file holds the table with its types; both
# stream in constant memory.  Results are compared with sqlite3's own.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'id,region,amount\n1,north,1.5\n2,south,2\n3,north,\n4,east,10\n' > "$tmp/s.csv"
"$MCPCTL" dataset add sales --csv "$tmp/s.csv" --quiet
"$MCPCTL" dataset add other --csv "$tmp/s.csv" --quiet
where="region = 'north' OR amount > 5"

expect_status "--where, CSV" 0 dataset export sales --where "$where"
sqlite3 -csv -header "$MCPD_DB" "SELECT * FROM data_sales WHERE $where" > "$tmp/want.csv"
check "the rows sqlite3 selects" cmp "$tmp/out" "$tmp/want.csv"
expect_status "--where, JSON lines" 0 dataset export sales --format jsonl --where "amount IS NULL"
expect_eq "one row, NULL as null" "$(cat "$tmp/out")" '{"id":3,"region":"north","amount":null}'

expect_status "--format sqlite" 0 dataset export sales --format sqlite --out "$tmp/x.db" --where "$where"
expect_in "summary on stderr" "$tmp/err" "exported 'sales': 3 rows to $tmp/x.db"
expect_eq "the table and its types" "$(sqlite3 "$tmp/x.db" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('sales')")" \
	"id INTEGER, region TEXT, amount REAL"
expect_eq "the same rows" "$(sqlite3 "$tmp/x.db" "SELECT * FROM sales")" \
	"$(sqlite3 "$MCPD_DB" "SELECT * FROM data_sales WHERE $where")"
expect_eq "one table only" "$(sqlite3 "$tmp/x.db" "SELECT count(*) FROM sqlite_schema")" 1
expect_status "again: replaces the file" 0 dataset export sales --format sqlite --out "$tmp/x.db" --quiet
expect_eq "all rows now" "$(sqlite3 "$tmp/x.db" "SELECT count(*) FROM sales")" 4
expect_status "--format sqlite needs --out" 2 dataset export sales --format sqlite

# the guard: the filter reads this dataset alone, and is one expression
for bad in "id IN (SELECT rowid FROM api_keys)" \
	"id IN (SELECT id FROM data_other)" \
	"EXISTS (SELECT 1 FROM sqlite_schema)" \
	"load_extension('x') IS NULL" \
	"1); DROP TABLE datasets; --" \
	"1 = 1 UNION SELECT * FROM data_other"; do
	expect_status "refused: $bad" 1 dataset export sales --where "$bad" --format sqlite --out "$tmp/bad.db"
	check "no file written" test ! -e "$tmp/bad.db"
done
expect_status "a key table, by name" 1 dataset export sales --where "id IN (SELECT rowid FROM api_keys)"
expect_in "the guard's reason" "$tmp/err" "not allowed: reading table api_keys"
expect_status "two statements" 1 dataset export sales --where "1); DROP TABLE datasets; --"
expect_in "is not one expression" "$tmp/err" "--where is not one SQL expression"
expect_eq "the catalog kept its tables" "$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM datasets")" 2

# a registered SQLite file
sqlite3 "$tmp/src.db" "CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')"
"$MCPCTL" dataset add reg --sqlite "$tmp/src.db" --table t --quiet
expect_status "registered, --where, sqlite" 0 dataset export reg --where "a >= 2" --format sqlite --out "$tmp/r.db"
expect_eq "its rows" "$(sqlite3 "$tmp/r.db" "SELECT group_concat(b) FROM reg")" "y,z"

# constant memory, filtered, into SQLite: 40 times the rows, same peak
if [ -x /usr/bin/time ]; then
	awk 'BEGIN { print "a,b,c"; for (i = 0; i < 400000; i++) printf "%d,row %d,%d.5\n", i, i, i }' > "$tmp/big.csv"
	head -n 10001 "$tmp/big.csv" > "$tmp/small.csv"
	"$MCPCTL" dataset add big --csv "$tmp/big.csv" --quiet >/dev/null
	"$MCPCTL" dataset add small --csv "$tmp/small.csv" --quiet >/dev/null
	# AddressSanitizer keeps 256 MB of freed memory in quarantine, which
	# SQLite's many small allocations fill: measure the program's own use
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
	export ASAN_OPTIONS
	/usr/bin/time -f %M -o "$tmp/rss-small" "$MCPCTL" dataset export small --where "a % 2 = 0" --format sqlite --out "$tmp/small.db" --quiet
	/usr/bin/time -f %M -o "$tmp/rss-big" "$MCPCTL" dataset export big --where "a % 2 = 0" --format sqlite --out "$tmp/big.db" --quiet
	small=$(tail -n 1 "$tmp/rss-small")
	big=$(tail -n 1 "$tmp/rss-big")
	echo "# peak RSS: $small KB for 10000 rows, $big KB for 400000 rows"
	check "peak RSS within 20 MB of the small export" test "$big" -lt $((small + 20000))
	expect_eq "every other row out" "$(sqlite3 "$tmp/big.db" "SELECT count(*) FROM big")" 200000
else
	ok "# SKIP /usr/bin/time is missing"
fi

done_testing
