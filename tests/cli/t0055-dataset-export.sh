#!/bin/sh
# mcpctl dataset export: every row, as CSV (read back by Python's csv
# module and compared with sqlite3's own CSV) or JSON lines, in constant
# memory, from an import or a registered SQLite file.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'name,n,note\nann,1,"a, ""quoted"" note"\nbob,2,\n"multi\nline",3.5,x\n' > "$tmp/d.csv"
"$MCPCTL" dataset add people --csv "$tmp/d.csv" --quiet >/dev/null

# same_csv A B: the same records, field for field (Python's csv module)
same_csv() {
	python3 -c 'import csv, sys
a = list(csv.reader(open(sys.argv[1], newline="")))
b = list(csv.reader(open(sys.argv[2], newline="")))
sys.exit(0 if a == b and len(a) > 1 else 1)' "$1" "$2"
}

expect_status "export as CSV" 0 dataset export people
sqlite3 -csv -header "$MCPD_DB" 'SELECT * FROM data_people' > "$tmp/want.csv"
check "the same records as sqlite3 -csv" same_csv "$tmp/out" "$tmp/want.csv"
cp "$tmp/out" "$tmp/exported.csv"
expect_status "imported again" 0 dataset add people2 --csv "$tmp/exported.csv" --quiet
expect_eq "and imported back: the same rows" \
	"$(sqlite3 "$MCPD_DB" 'SELECT count(*) FROM (SELECT * FROM data_people EXCEPT SELECT * FROM data_people2)')" 0

expect_status "export as JSON lines" 0 dataset export people --format jsonl
expect_eq "one object a line" "$(wc -l < "$tmp/out" | tr -d ' ')" 3
expect_eq "numbers are numbers, text is text" \
	"$(jq -c '[.name, .n]' "$tmp/out" | head -n 1)" '["ann",1]'
expect_eq "NULL is null" "$(jq -c '.note' "$tmp/out" | sed -n 2p)" null

expect_status "--out FILE" 0 dataset export people --out "$tmp/e.csv"
check "the file has the rows" same_csv "$tmp/e.csv" "$tmp/want.csv"
expect_in "the summary on stderr" "$tmp/err" "exported 'people': 3 rows to"

sqlite3 "$tmp/src.db" "CREATE TABLE t (id INTEGER, v TEXT); INSERT INTO t VALUES (1, 'x'), (2, NULL)"
"$MCPCTL" dataset add src --sqlite "$tmp/src.db" --table t --quiet >/dev/null
expect_status "export of a registered SQLite table" 0 dataset export src
sqlite3 -csv -header "$tmp/src.db" 'SELECT * FROM t' > "$tmp/want-src.csv"
check "its rows" same_csv "$tmp/out" "$tmp/want-src.csv"

expect_status "a missing dataset" 3 dataset export nosuch
expect_status "an unknown format" 2 dataset export people --format xml
expect_in "says which there are" "$tmp/err" "--format is csv, jsonl or sqlite"
expect_status "an unwritable --out" 1 dataset export people --out "$tmp/no/such/dir/f.csv"

# constant memory: 40 times the rows, about the same peak RSS
if [ -x /usr/bin/time ]; then
	awk 'BEGIN { print "a,b,c"; for (i = 0; i < 400000; i++) printf "%d,row %d,%d.5\n", i, i, i }' > "$tmp/big.csv"
	head -n 10001 "$tmp/big.csv" > "$tmp/small.csv"
	"$MCPCTL" dataset add big --csv "$tmp/big.csv" --quiet >/dev/null
	"$MCPCTL" dataset add small --csv "$tmp/small.csv" --quiet >/dev/null
	/usr/bin/time -f %M -o "$tmp/rss-small" "$MCPCTL" dataset export small > /dev/null
	/usr/bin/time -f %M -o "$tmp/rss-big" "$MCPCTL" dataset export big > "$tmp/big-out.csv"
	small=$(tail -n 1 "$tmp/rss-small")
	big=$(tail -n 1 "$tmp/rss-big")
	echo "# peak RSS: $small KB for 10000 rows, $big KB for 400000 rows"
	check "peak RSS within 20 MB of the small export" test "$big" -lt $((small + 20000))
	expect_eq "every row out" "$(wc -l < "$tmp/big-out.csv" | tr -d ' ')" 400001
else
	ok "# SKIP /usr/bin/time is missing"
fi

done_testing
