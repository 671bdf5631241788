#!/bin/bash
# A running mcpd notices what mcpctl does to the catalog, with no restart:
# list_changed notifications (legacy) or deliveries on a
# subscriptions/listen stream (2026-07-28), and the tools see the change.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
MCPCTL=${MCPCTL:?}
printf 'city,population\nOslo,709000\nBergen,291000\n' > "$TMP/cities.csv"
printf 'x,y\n1,2\n' > "$TMP/points.csv"

start
send "$INIT"
send '{"jsonrpc":"2.0","method":"notifications/initialized"}'
expect '.id == "init"'
send '{"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"mcpd://datasets/people"}}'
expect '.id == 1 and .result == {}'
send '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_datasets"}}'
expect '.id == 2'
jq -e '.result.structuredContent.datasets | map(.name) == ["people","sales"]' \
	"$TMP/match" > /dev/null || fail "unexpected datasets before the change"

t0=$(date +%s%N)
"$MCPCTL" --db "$TMP/catalog.db" -q dataset add cities \
	--csv "$TMP/cities.csv" > /dev/null 2>&1 ||
	fail "mcpctl dataset add failed"
expect '.method == "notifications/resources/list_changed"' 3
t1=$(date +%s%N)
expect '.method == "notifications/prompts/list_changed"'
send '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_datasets"}}'
expect '.id == 3'
jq -e '.result.structuredContent.datasets | map(.name) == ["cities","people","sales"]' \
	"$TMP/match" > /dev/null || fail "list_datasets does not show the new dataset"
jq -e '.result.content[0].text | contains("cities (2 rows, unweighted)")' \
	"$TMP/match" > /dev/null || fail "the text does not show the new dataset"
# nothing was subscribed for cities, and tools never change
[ "$(jq -c 'select(.method == "notifications/resources/updated")' "$TMP/stdout" | wc -l)" -eq 0 ] ||
	fail "an update was sent for a resource nobody subscribed to"
[ "$(jq -c 'select(.method == "notifications/tools/list_changed")' "$TMP/stdout" | wc -l)" -eq 0 ] ||
	fail "tools/list_changed sent though the tool list did not change"

"$MCPCTL" --db "$TMP/catalog.db" -q dataset disable people > /dev/null 2>&1 ||
	fail "mcpctl dataset disable failed"
expect '.method == "notifications/resources/updated" and .params.uri == "mcpd://datasets/people"' 3
send '{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"mcpd://datasets/people"}}'
expect '.id == 4 and .error.code == -32002'

# limits follow 'mcpctl config set' too (no notification: nothing listed
# changed)
send '{"jsonrpc":"2.0","id":6,"method":"tools/list"}'
expect '.id == 6'
if jq -e '.result.tools | map(.name) | index("query")' "$TMP/match" \
	> /dev/null; then
	"$MCPCTL" --db "$TMP/catalog.db" -q config set max_rows 1 \
		> /dev/null 2>&1 || fail "mcpctl config set failed"
	sleep 1
	send '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT city FROM cities ORDER BY city"}}}'
	expect '.id == 7'
	jq -e '.result.structuredContent.row_count == 1 and .result.structuredContent.truncated' \
		"$TMP/match" > /dev/null || fail "max_rows was not reloaded"
	# default_format is read once per catalog change, and again after one
	jq -e '.result.content[0].text | startswith("| city |")' \
		"$TMP/match" > /dev/null || fail "the default format is not markdown"
	"$MCPCTL" --db "$TMP/catalog.db" -q config set default_format csv \
		> /dev/null 2>&1 || fail "mcpctl config set failed"
	sleep 1
	send '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT city FROM cities ORDER BY city"}}}'
	expect '.id == 8'
	jq -e '.result.content[0].text | startswith("city\nBergen")' \
		"$TMP/match" > /dev/null || fail "default_format was not reloaded"
fi
finish || fail "mcpd exited with $?"
echo "ok: legacy notification after $(((t1 - t0) / 1000000)) ms (mcpctl included)"

# the same through subscriptions/listen
rm -f "$TMP/in"
start
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
send "{\"jsonrpc\":\"2.0\",\"id\":\"L\",\"method\":\"subscriptions/listen\",\"params\":{$META,\"notifications\":{\"resourcesListChanged\":true,\"resourceSubscriptions\":[\"mcpd://datasets/sales\"]}}}"
expect '.method == "notifications/subscriptions/acknowledged" and .params._meta["io.modelcontextprotocol/subscriptionId"] == "L"'
"$MCPCTL" --db "$TMP/catalog.db" -q dataset add points \
	--csv "$TMP/points.csv" > /dev/null 2>&1 ||
	fail "mcpctl dataset add failed"
expect '.method == "notifications/resources/list_changed" and .params._meta["io.modelcontextprotocol/subscriptionId"] == "L"' 3
"$MCPCTL" --db "$TMP/catalog.db" -q dataset rm --force sales \
	> /dev/null 2>&1 || fail "mcpctl dataset rm failed"
expect '.method == "notifications/resources/updated" and .params.uri == "mcpd://datasets/sales" and .params._meta["io.modelcontextprotocol/subscriptionId"] == "L"' 3
send "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{$META,\"name\":\"list_datasets\"}}"
expect '.id == 5'
jq -e '.result.structuredContent.datasets | map(.name) == ["cities","points"]' \
	"$TMP/match" > /dev/null || fail "list_datasets does not follow the catalog"
# the ack is the first message of the stream; the stream ends at EOF
first=$(jq -c 'select(.params._meta["io.modelcontextprotocol/subscriptionId"] == "L") | .method' "$TMP/stdout" | head -1)
[ "$first" = '"notifications/subscriptions/acknowledged"' ] ||
	fail "the acknowledgement was not first on the stream"
finish || fail "mcpd exited with $?"
jq -e -s 'map(select(.id == "L" and .result.resultType == "complete")) | length == 1' \
	"$TMP/stdout" > /dev/null || fail "the stream was not closed with a result"
echo "ok: subscriptions/listen"
