#!/bin/sh
# A generated 1,000,000-row, 10-column CSV imports, and show --json
# reports every row and the inferred types (yes/no as a boolean).
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
awk 'BEGIN {
	print "id,grp,code,x,y,label,flag,n,ratio,note"
	for (i = 1; i <= 1000000; i++)
		printf "%d,g%d,%05d,%d,%.3f,\"item %d, ok\",%s,%d,%.6f,%s\n",
			i, i % 17, i % 99999, i % 1000 - 500, i / 7.0, i,
			(i % 2 ? "yes" : "no"), i % 5, i / 1000003.0,
			(i % 10 == 0 ? "NA" : "fine")
}' > "$tmp/big.csv"

expect_status "import 1,000,000 rows" 0 dataset add big --csv "$tmp/big.csv" \
	--null-value NA --quiet --json
expect_status "show --json" 0 dataset show big --json
expect_eq "1000000 rows" "$(json_num rows)" 1000000
types=$(jq -r '.columns[].type' "$tmp/out" | tr '\n' ' ')
# flag (yes/no) is a boolean, stored as 0/1
expect_eq "inferred types" "$types" \
	"INTEGER TEXT TEXT INTEGER REAL TEXT INTEGER INTEGER REAL TEXT "
expect_eq "yes/no stored as 1/0" \
	"$(sqlite3 "$MCPD_DB" 'SELECT sum(flag) FROM data_big')" 500000
expect_eq "NA became NULL" \
	"$(sqlite3 "$MCPD_DB" 'SELECT count(*) FROM data_big WHERE note IS NULL')" 100000
expect_eq "distinct count of grp" \
	"$(sqlite3 "$MCPD_DB" "SELECT distinct_count FROM dataset_columns WHERE name = 'grp'")" 17

done_testing
