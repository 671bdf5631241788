#!/bin/sh
# mcpctl dataset index: an index the query planner uses, named in
# describe_dataset, rebuilt by a refresh, refused on a table served from
# its own file, and never readable by client SQL.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
awk 'BEGIN { print "id,region,year,amount"; for (i = 1; i <= 2000; i++)
	printf "%d,r%d,%d,%.2f\n", i, i % 7, 2000 + i % 20, i * 1.5 }' >"$tmp/s.csv"
"$MCPCTL" dataset add sales --csv "$tmp/s.csv" --quiet
plan() {
	sqlite3 "$MCPD_DB" "EXPLAIN QUERY PLAN SELECT sum(amount) FROM data_sales WHERE region = 'r3' AND year = 2005"
}
expect_status "index two columns" 0 dataset index sales region year
expect_in "says so" "$tmp/out" "sales: indexed on region, year"
plan >"$tmp/plan"
expect_in "the planner uses it" "$tmp/plan" "USING INDEX"
expect_eq "recorded" "$(sqlite3 "$MCPD_DB" "SELECT columns FROM dataset_indexes")" '["region","year"]'
expect_status "asking again changes nothing" 0 dataset index sales region year
expect_eq "still one" "$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM dataset_indexes")" 1
expect_status "a column that does not exist" 3 dataset index sales nosuch
expect_in "names it" "$tmp/err" "dataset 'sales' has no column 'nosuch'"
expect_status "a dataset that does not exist" 3 dataset index nosuch id

# what the model reads
describe() {
	"$MCPCTL" describe sales --as-model >"$tmp/d" 2>&1
}
describe
expect_in "describe_dataset names the index" "$tmp/d" \
	'- Indexed (fast filters): `region`, `year`'

# client SQL cannot read the record of it
"$MCPCTL" query "SELECT * FROM dataset_indexes" >"$tmp/q" 2>&1
expect_in "dataset_indexes is hidden" "$tmp/q" "no such table"

# a refresh builds the table anew, and the index with it
expect_status "refresh" 0 dataset refresh sales
plan >"$tmp/plan"
expect_in "the index is back after refresh" "$tmp/plan" "USING INDEX"
# a replace without the column leaves the index out, with a warning
awk 'BEGIN { print "id,region,amount"; for (i = 1; i <= 50; i++)
	printf "%d,r%d,%.2f\n", i, i % 7, i * 1.5 }' >"$tmp/s2.csv"
expect_status "replaced without year" 0 dataset add sales --csv "$tmp/s2.csv" --replace
expect_in "warns of the index left out" "$tmp/err" "indexes left out, their columns are gone"
expect_eq "no longer recorded" "$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM dataset_indexes")" 0

expect_status "index one column" 0 dataset index sales region
expect_status "drop it" 0 dataset index sales region --drop
expect_eq "gone from the catalog" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'data_sales'")" 0
expect_status "drop what is not there" 3 dataset index sales region --drop

# a table served in place from its own file
sqlite3 "$tmp/src.db" "CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x');"
"$MCPCTL" dataset add ext --sqlite "$tmp/src.db" --table t --quiet
h=$(sqlite3 "$tmp/src.db" .sha3sum)
expect_status "a served file is not indexed" 1 dataset index ext a
expect_in "says where to index it" "$tmp/err" "index the table there"
expect_eq "the file is untouched" "$(sqlite3 "$tmp/src.db" .sha3sum)" "$h"

done_testing
