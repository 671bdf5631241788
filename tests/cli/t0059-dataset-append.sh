#!/bin/sh
# dataset add NAME --csv F --append: the file's rows join the dataset in
# one transaction when its columns are the dataset's; otherwise exit 1,
# naming each column that differs, and the catalog as it was.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'id,region,amount\n1,north,1.5\n2,south,2\n' > "$tmp/jan.csv"
printf 'id,region,amount\n3,east,7\n4,,\n' > "$tmp/feb.csv"
"$MCPCTL" dataset add sales --csv "$tmp/jan.csv" --quiet

expect_status "append a month" 0 dataset add sales --csv "$tmp/feb.csv" --append
expect_in "says what it added" "$tmp/out" "appended 2 rows to 'sales' (now 4 rows)"
expect_eq "the rows are there" \
	"$(sqlite3 "$MCPD_DB" "SELECT group_concat(id || ':' || coalesce(region, '-') || ':' || coalesce(amount, '-'), ' ') FROM data_sales")" \
	"1:north:1.5 2:south:2.0 3:east:7.0 4:-:-"
expect_status "show" 0 dataset show sales --json
expect_eq "row count updated" "$(jq .rows "$tmp/out")" 4
expect_eq "profile updated: max" "$(jq '.columns[0].max' "$tmp/out")" 4
expect_eq "profile updated: nulls" "$(jq '.columns[1].null_count' "$tmp/out")" 1
expect_eq "version bumped" "$(jq .version "$tmp/out")" 2

before=$(db_hash "$MCPD_DB")
printf 'id,amount,region\n5,1,west\n' > "$tmp/order.csv"
expect_status "columns in another order" 1 dataset add sales --csv "$tmp/order.csv" --append
expect_in "names the moved column" "$tmp/err" "'amount' is column 3 in the dataset, 2 in the file"
printf 'id,region,total\nx,west,1\n' > "$tmp/other.csv"
expect_status "other columns and types" 1 dataset add sales --csv "$tmp/other.csv" --append
expect_in "a type that differs" "$tmp/err" "'id' is INTEGER in the dataset, TEXT in the file"
expect_in "a column missing" "$tmp/err" "'amount' is missing from the file"
expect_in "a column too many" "$tmp/err" "'total' is not in the dataset"
expect_eq "the catalog is as it was" "$(db_hash "$MCPD_DB")" "$before"

expect_status "a missing dataset" 3 dataset add nosuch --csv "$tmp/feb.csv" --append
expect_status "--append with --replace" 2 dataset add sales --csv "$tmp/feb.csv" --append --replace
expect_status "--append of a SQLite table" 2 dataset add t --sqlite "$tmp/x.db" --table t --append

printf 'id,region,amount\n5,west,3\n' > "$tmp/mar.csv"
expect_status "--json" 0 dataset add sales --csv "$tmp/mar.csv" --append --json
expect_eq "--json: appended" "$(jq .appended "$tmp/out")" 1
expect_eq "--json: rows now" "$(jq .rows "$tmp/out")" 5

expect_status "refresh would drop the appended rows" 1 dataset refresh sales
expect_in "refresh says why" "$tmp/err" "has rows appended from other files"
expect_eq "still 5 rows" "$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM data_sales")" 5

done_testing
