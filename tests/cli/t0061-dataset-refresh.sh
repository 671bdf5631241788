#!/bin/sh
# dataset refresh prints what changed and refuses a change of columns
# unless --allow-schema-change; a refresh or --replace keeps the weight,
# the design and the column descriptions while their columns exist, and
# says so on stderr when they do not.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'id,w,st,psu,note\n1,2,1,1,x\n2,3,1,2,y\n3,1,2,3,z\n4,1,2,4,z\n' > "$tmp/s.csv"
"$MCPCTL" dataset add s --csv "$tmp/s.csv" --weight w --strata st --cluster psu --quiet
"$MCPCTL" dataset set s --column note --description "free text" --quiet
"$MCPCTL" dataset set s --column id --description "respondent" --quiet

printf '5,1,2,4,z\n' >> "$tmp/s.csv"
expect_status "refresh, same columns" 0 dataset refresh s
expect_in "rows before and after" "$tmp/out" "rows: 4 -> 5 (+1)"
expect_not_in "no column change" "$tmp/out" "columns added"
expect_status "--json" 0 dataset refresh s --json
expect_eq "--json: rows_before" "$(jq .rows_before "$tmp/out")" 5
expect_eq "--json: no columns added" "$(jq -c .columns_added "$tmp/out")" "[]"

printf 'id,w,st,psu,note,extra\n1,2,1,1,x,a\n' > "$tmp/s.csv"
before=$(db_hash "$MCPD_DB")
expect_status "a column added is refused" 1 dataset refresh s
expect_in "names it" "$tmp/err" "the columns changed (added 'extra')"
expect_in "says how to accept it" "$tmp/err" "--allow-schema-change"
expect_eq "catalog unchanged" "$(db_hash "$MCPD_DB")" "$before"

expect_status "--allow-schema-change" 0 dataset refresh s --allow-schema-change
expect_in "rows down" "$tmp/out" "rows: 5 -> 1 (-4)"
expect_in "column added" "$tmp/out" "columns added: 'extra'"
expect_status "show" 0 dataset show s --json
expect_eq "description kept" "$(jq -r '.columns[] | select(.name == "id") | .description' "$tmp/out")" "respondent"
expect_eq "weight kept" "$(jq -r .weight "$tmp/out")" "w"
expect_eq "design kept" "$(jq -r .design.strata "$tmp/out")" "st"

# --replace from a file without the weight, the PSU and the noted column
printf 'id,st,other\n1,1,x\n2,2,y\n' > "$tmp/t.csv"
expect_status "--replace with columns gone" 0 dataset add s --csv "$tmp/t.csv" --replace
expect_in "the lost description is said" "$tmp/err" "warning: column 'note' is gone, and its description with it"
expect_in "the lost weight is said" "$tmp/err" "warning: the weight is removed: weight column 'w' is not a column"
expect_in "the lost design is said" "$tmp/err" "warning: the survey design is removed: its column 'psu' is gone"
expect_status "show" 0 dataset show s --json
expect_eq "description of a kept column kept" "$(jq -r '.columns[] | select(.name == "id") | .description' "$tmp/out")" "respondent"
expect_eq "no weight" "$(jq -r .weight "$tmp/out")" "null"
expect_eq "no design" "$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM dataset_designs")" 0

done_testing
