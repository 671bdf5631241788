#!/bin/sh
# mcpctl query and describe: what the model gets, through mcpd (its guard,
# workers and limits), never SQL run inside mcpctl.
. "$(dirname "$0")/lib.sh"
: "${MCPD:?MCPD must name the mcpd binary}"

"$MCPCTL" init --quiet >/dev/null
printf 'region,n\nnorth,1\nsouth,2\neast,3\n' > "$tmp/d.csv"
"$MCPCTL" dataset add regions --csv "$tmp/d.csv" --title "Regions" --quiet >/dev/null

# what mcpd tells a model for one tools/call, straight from the protocol
model_text() {
	printf '%s\n' \
		'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
		'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2}}" |
		"$MCPD" --db "$MCPD_DB" --log-level error |
		jq -j 'select(.id == 2) | .result.content[].text' | sed '$a\'
}

expect_status "describe --as-model" 0 describe regions --as-model
model_text describe_dataset '{"name":"regions"}' > "$tmp/want"
check "describe prints exactly the describe_dataset text" cmp "$tmp/out" "$tmp/want"
expect_in "it is the model's text" "$tmp/out" "Query as:"
expect_status "describe of a missing dataset" 1 describe nosuch
expect_in "the model's words for it" "$tmp/out" "no dataset named 'nosuch'"

expect_status "query" 0 query "SELECT region, n FROM regions ORDER BY n"
model_text query '{"sql":"SELECT region, n FROM regions ORDER BY n"}' > "$tmp/want"
check "query prints exactly the query text" cmp "$tmp/out" "$tmp/want"
expect_in "a markdown table" "$tmp/out" "| north | 1 |"
expect_status "query --format csv" 0 query --format csv "SELECT region FROM regions ORDER BY n"
expect_eq "csv" "$(head -n 2 "$tmp/out" | tr '\n' ' ')" "region north "
expect_status "query --max-rows 1" 0 query "SELECT n FROM regions ORDER BY n" --max-rows 1 --format csv
check "one row (and a note)" grep -q '^1$' "$tmp/out"
check "not the second" sh -c "! grep -q '^2$' '$tmp/out'"
expect_status "query --json: the tool result" 0 query "SELECT 1 AS one" --json
expect_in "content in it" "$tmp/out" '"content"'

# the guard: no writes, and the time limit of 'config', from outside
expect_status "a write is refused" 1 query "DELETE FROM regions"
expect_eq "nothing deleted" "$(sqlite3 "$MCPD_DB" 'SELECT count(*) FROM data_regions')" 3
"$MCPCTL" config set query_timeout_ms 300 --quiet
start=$(date +%s)
expect_status "a runaway query is stopped" 1 query \
	"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
expect_in "at the time limit" "$tmp/out" "time limit of 300 ms"
check "within seconds" test $(($(date +%s) - start)) -lt 10

expect_status "query without SQL" 2 query
expect_status "--max-rows in words" 2 query "SELECT 1" --max-rows 0
expect_in "says what it needs" "$tmp/err" "--max-rows needs a positive integer, got 0"
expect_status "--format checked" 2 query "SELECT 1" --format xml
MCPD=/nonexistent/mcpd expect_status "no mcpd: says so" 1 query "SELECT 1"
expect_in "names it" "$tmp/err" "cannot start '/nonexistent/mcpd'"
# the temporary storage cap of one query is a setting
spill="WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 20000) SELECT count(DISTINCT randomblob(1000)) AS n FROM r"
"$MCPCTL" config set query_timeout_ms 30000 --quiet
expect_status "query_temp_mb 1" 0 config set query_temp_mb 1
expect_status "20 MB of DISTINCT stops at a 1 MB cap" 1 query "$spill"
expect_in "says the cap and how to raise it" "$tmp/out" \
	"more than 1 MB of temporary storage"
expect_in "names the setting" "$tmp/out" "query_temp_mb"
expect_status "query_temp_mb 100" 0 config set query_temp_mb 100
expect_status "the same query under a 100 MB cap" 0 query "$spill"
expect_in "answers" "$tmp/out" "| 20000 |"
expect_status "query_temp_mb must be positive" 2 config set query_temp_mb 0

rm "$MCPD_DB"
expect_status "no catalog: mcpctl's words" 1 query "SELECT 1"
expect_in "run init" "$tmp/err" "mcpctl init"

done_testing
