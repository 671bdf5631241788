#!/bin/sh
# mcpctl dataset rename OLD NEW keeps the settings, the column texts and
# the log history, and the rows answer under the new name through mcpd.
. "$(dirname "$0")/lib.sh"
: "${MCPD:?MCPD must name the mcpd binary}"

"$MCPCTL" init --quiet >/dev/null
printf 'g,x,w\na,1,2\nb,2,1\n' > "$tmp/d.csv"
"$MCPCTL" dataset add old --csv "$tmp/d.csv" --weight w --title "The T" \
	--tags p,q --quiet >/dev/null
"$MCPCTL" dataset add taken --csv "$tmp/d.csv" --quiet >/dev/null
"$MCPCTL" dataset set old --column x --description "the x" --quiet >/dev/null
"$MCPCTL" query "SELECT count(*) FROM old" >/dev/null
id=$(sqlite3 "$MCPD_DB" "SELECT id FROM datasets WHERE name = 'old'")

expect_status "rename" 0 dataset rename old fresh
expect_in "says so" "$tmp/out" "renamed 'old' to 'fresh'"
expect_eq "same id, title, weight, tags" \
	"$(sqlite3 "$MCPD_DB" "SELECT id || '|' || title || '|' || weight_column || '|' || tags FROM datasets WHERE name = 'fresh'")" \
	"$id|The T|w|p,q"
expect_eq "the column text kept" \
	"$(sqlite3 "$MCPD_DB" "SELECT description FROM dataset_columns WHERE dataset_id = $id AND name = 'x'")" "the x"
expect_eq "the rows' table follows" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM data_fresh")" 2
expect_status "the old name is gone" 3 dataset show old
expect_status "logs of the new name: the call made under the old" 0 \
	logs --dataset fresh --jsonl
expect_eq "one call" "$(grep -c '"tool":"query"' "$tmp/out")" 1
expect_status "the model queries it by the new name" 0 \
	query "SELECT sum(x) FROM fresh" --format csv
expect_in "its rows" "$tmp/out" "3"
expect_status "and describe says the new name" 0 describe fresh
expect_in "FROM fresh" "$tmp/out" "FROM fresh"
expect_status "--replace after a rename" 0 dataset add fresh --csv "$tmp/d.csv" --replace --quiet
expect_eq "still one table of rows" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 'data_*'")" 2

expect_status "onto an existing name" 4 dataset rename fresh taken
expect_status "a missing one" 3 dataset rename nosuch other
expect_status "an invalid new name" 2 dataset rename fresh "Bad Name"
expect_status "one name only" 2 dataset rename fresh

done_testing
