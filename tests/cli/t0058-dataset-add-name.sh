#!/bin/sh
# dataset add without NAME takes the name from the file (the table, for
# --sqlite), as a lower-case identifier, and says so.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'region,amount\nnorth,10\nsouth,20\n' > "$tmp/Sales 2024.csv"

expect_status "no NAME, a CSV" 0 dataset add --csv "$tmp/Sales 2024.csv"
expect_in "says the name it took" "$tmp/out" "added 'sales_2024' (from the file name)"
expect_status "the dataset is there" 0 dataset show sales_2024
expect_in "with its rows" "$tmp/out" "rows:        2"

gzip -c "$tmp/Sales 2024.csv" > "$tmp/2023-Q1 (final).CSV.gz"
expect_status "compressed, starting with a digit" 0 dataset add --csv "$tmp/2023-Q1 (final).CSV.gz" --json
expect_eq "extensions dropped, a letter first" "$(jq -r .name "$tmp/out")" "d_2023_q1_final"

cp "$tmp/Sales 2024.csv" "$tmp/order.csv"
expect_status "an SQL keyword" 0 dataset add --csv "$tmp/order.csv"
expect_in "gets a suffix" "$tmp/out" "added 'order_data'"

expect_status "the same file again" 4 dataset add --csv "$tmp/Sales 2024.csv"
expect_in "the derived name exists" "$tmp/err" "dataset 'sales_2024' already exists"
expect_status "--replace takes it" 0 dataset add --csv "$tmp/Sales 2024.csv" --replace --quiet
expect_eq "--quiet prints nothing" "$(cat "$tmp/out")" ""

expect_status "standard input has no name" 2 dataset add --csv - < "$tmp/order.csv"
expect_in "says why" "$tmp/err" "standard input has no file name"
expect_status "nothing to make a name of" 2 dataset add --csv "$tmp/---.csv"
expect_in "asks for NAME" "$tmp/err" "give NAME"

sqlite3 "$tmp/shop.db" "CREATE TABLE \"Web Orders\" (id INTEGER, total REAL); INSERT INTO \"Web Orders\" VALUES (1, 2.5)"
expect_status "--sqlite: from the table" 0 dataset add --sqlite "$tmp/shop.db" --table "Web Orders"
expect_in "says the table" "$tmp/out" "added 'web_orders' (from the table name)"

expect_status "a survey file" 0 dataset add --sav "$src/tests/data/readstat/survey.sav"
expect_in "named after it" "$tmp/out" "added 'survey' (from the file name)"
expect_status "--file too" 0 dataset add --file "$src/tests/data/readstat/countries.sav" --quiet
expect_status "as 'countries'" 0 dataset show countries

done_testing
