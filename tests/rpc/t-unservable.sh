#!/bin/bash
# A dataset served from its own SQLite file that mcpd can no longer serve
# (moved, overwritten) is left out of every list, with one warning in the
# server log, and comes back when the file does; describe_dataset says it
# is unavailable without naming the admin's paths.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
MCPCTL=${MCPCTL:?}
sqlite3 "$TMP/src.db" "CREATE TABLE t (zone TEXT, x INTEGER);
	INSERT INTO t VALUES ('north', 1), ('south', 2);"
"$MCPCTL" --db "$TMP/catalog.db" -q dataset add zones --sqlite "$TMP/src.db" \
	--table t --description "zones of the map" >/dev/null 2>&1 ||
	fail "mcpctl dataset add --sqlite failed"

names() {
	jq -c '[.result.structuredContent.datasets[].name]' "$TMP/match"
}

start --log-level info
send "$INIT"
send '{"jsonrpc":"2.0","method":"notifications/initialized"}'
expect '.id == "init"'
send '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_datasets"}}'
expect '.id == 1'
[ "$(names)" = '["people","sales","zones"]' ] || fail "before: $(names)"

mv "$TMP/src.db" "$TMP/src.moved"
expect '.method == "notifications/resources/list_changed"' 5
send '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_datasets"}}'
expect '.id == 2'
[ "$(names)" = '["people","sales"]' ] || fail "moved: still listed: $(names)"
send '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_datasets","arguments":{"query":"zones"}}}'
expect '.id == 3'
jq -e '.result.structuredContent.results == []' "$TMP/match" >/dev/null ||
	fail "search still finds it: $(cat "$TMP/match")"
send '{"jsonrpc":"2.0","id":4,"method":"resources/list"}'
expect '.id == 4'
jq -e '[.result.resources[].uri] | index("mcpd://datasets/zones") == null' \
	"$TMP/match" >/dev/null || fail "resources/list still has it"
send '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"zones"}}}'
expect '.id == 5'
jq -e '.result.isError and (.result.content[0].text | contains("unavailable"))' \
	"$TMP/match" >/dev/null || fail "describe: $(cat "$TMP/match")"
grep -q "$TMP" "$TMP/match" && fail "describe names the admin's path"

# overwritten by something that is no database: still out, warned once
printf 'not a database' >"$TMP/src.db"
sleep 1
rm "$TMP/src.db"
sleep 0.6
n=$(grep -c "dataset 'zones' is unavailable" "$TMP/stderr")
[ "$n" -eq 1 ] || fail "$n warnings, wanted one"
grep -q "dataset 'zones' is unavailable and left out of every list: cannot read" \
	"$TMP/stderr" || fail "the warning does not say why"

changes() {
	jq -c 'select(.method == "notifications/resources/list_changed")' \
		"$TMP/stdout" | wc -l
}
before=$(changes)
mv "$TMP/src.moved" "$TMP/src.db"
i=0
while [ "$(changes)" -le "$before" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ "$(changes)" -gt "$before" ] || fail "no list_changed when it came back"
send '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"list_datasets"}}'
expect '.id == 6'
[ "$(names)" = '["people","sales","zones"]' ] || fail "back: $(names)"
grep -q "dataset 'zones' is available again" "$TMP/stderr" ||
	fail "its return is not logged"
send '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT sum(x) AS s FROM zones"}}}'
expect '.id == 7'
jq -e '.result.structuredContent.rows[0][0] == 3 or .result.structuredContent.rows[0].s == 3' \
	"$TMP/match" >/dev/null || fail "query after its return: $(cat "$TMP/match")"
finish || fail "mcpd exited with an error"
echo "ok: unservable"
