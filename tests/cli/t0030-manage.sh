#!/bin/sh
# mcpctl dataset list, show, set, enable, disable, refresh, rm, and config:
# output, idempotence and exit codes.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'g,x,w\na,1,2.5\nb,2,1\na,3,0.5\n' > "$tmp/d.csv"
"$MCPCTL" dataset add alpha --csv "$tmp/d.csv" --quiet >/dev/null
"$MCPCTL" dataset add beta --csv "$tmp/d.csv" --weight w --quiet >/dev/null
gen() { sqlite3 "$MCPD_DB" 'SELECT generation FROM catalog_state'; }

expect_status "list" 0 dataset list
expect_in "list shows alpha" "$tmp/out" alpha
expect_status "list --json" 0 dataset list --json
expect_eq "list --json has both" "$(jq 'map(.name) | length' "$tmp/out")" 2
expect_status "global --json before the command" 0 --json dataset list
expect_in "is JSON too" "$tmp/out" '"rows":'

expect_status "show a missing dataset" 3 dataset show nope
expect_in "says which" "$tmp/err" "no dataset 'nope'"
expect_status "show" 0 dataset show beta
expect_in "show names the weight" "$tmp/out" "weight:      w"

g0=$(gen)
expect_status "set title, description, tags, weight" 0 dataset set alpha \
	--title "Alpha T" --description "About alpha" --tags x,y --weight w
expect_eq "title set" \
	"$(sqlite3 "$MCPD_DB" "SELECT title || '|' || description || '|' || tags || '|' || weight_column || '|' || version FROM datasets WHERE name = 'alpha'")" \
	"Alpha T|About alpha|x,y|w|2"
check "the catalog generation moved" test "$(gen)" -gt "$g0"
expect_eq "is_weight marks one column" \
	"$(sqlite3 "$MCPD_DB" "SELECT group_concat(c.name) FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = 'alpha' AND is_weight")" w
expect_status "set a text column as weight" 1 dataset set alpha --weight g
expect_status "clear the weight" 0 dataset set alpha --weight ''
expect_eq "weight cleared" \
	"$(sqlite3 "$MCPD_DB" "SELECT weight_column IS NULL FROM datasets WHERE name = 'alpha'")" 1
expect_status "search index follows edits" 0 dataset set alpha --description "zebra crossing"
expect_eq "found by description" \
	"$(sqlite3 "$MCPD_DB" "SELECT rowid FROM dataset_search WHERE dataset_search MATCH 'zebra'")" \
	"$(sqlite3 "$MCPD_DB" "SELECT id FROM datasets WHERE name = 'alpha'")"

expect_status "disable" 0 dataset disable alpha --json
expect_in "reports a change" "$tmp/out" '"changed":true'
expect_status "disable again" 0 dataset disable alpha --json
expect_in "reports no change" "$tmp/out" '"changed":false'
expect_eq "disabled in the catalog" \
	"$(sqlite3 "$MCPD_DB" "SELECT enabled FROM datasets WHERE name = 'alpha'")" 0
expect_status "enable" 0 dataset enable alpha
expect_status "enable a missing dataset" 3 dataset enable nope

printf 'g,x,w\na,1,2.5\nb,2,1\na,3,0.5\nc,4,1\n' > "$tmp/d.csv"
expect_status "refresh re-reads the file" 0 dataset refresh beta --json
expect_eq "refresh sees the new row" "$(json_num rows)" 4
expect_eq "refresh keeps the weight" \
	"$(sqlite3 "$MCPD_DB" "SELECT weight_column FROM datasets WHERE name = 'beta'")" w
expect_status "refresh a missing dataset" 3 dataset refresh nope

expect_status "rm" 0 dataset rm beta
expect_eq "rows table dropped" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM sqlite_schema WHERE name = 'data_beta'")" 0
expect_eq "columns removed" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM dataset_columns WHERE dataset_id NOT IN (SELECT id FROM datasets)")" 0
expect_eq "search entry removed" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM dataset_search WHERE rowid NOT IN (SELECT id FROM datasets)")" 0
expect_status "rm again" 3 dataset rm beta
expect_status "rm --force of a missing dataset: still not found" 3 dataset rm --force beta

expect_status "config list" 0 config list
expect_in "lists max_rows" "$tmp/out" max_rows
expect_status "config set" 0 config set max_rows 50
expect_status "config get" 0 config get max_rows
expect_eq "value stored" "$(cat "$tmp/out")" 50
expect_status "config set a bad value" 2 config set max_rows -4
expect_status "config set an unknown key" 2 config set bogus 1
expect_status "config get an unknown key" 3 config get bogus

done_testing
