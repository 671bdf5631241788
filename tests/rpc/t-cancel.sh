#!/bin/bash
# A slow call does not hold up ping, reports progress each second when it
# carries a progressToken, and notifications/cancelled stops it: no
# response for the cancelled request, 'cancelled' in query_logs.
# Needs the query tool; skipped (77) while it is not registered.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
start --timeout-ms 60000
send "$INIT"
expect '.id == "init"'
send '{"jsonrpc":"2.0","id":"tools","method":"tools/list"}'
expect '.id == "tools"'
if ! jq -e '.result.tools | map(.name) | index("query")' "$TMP/match" \
	> /dev/null; then
	echo "skip: no query tool registered"
	exit 77
fi
arg=$(jq -r '.result.tools[] | select(.name == "query") | .inputSchema.required[0]' "$TMP/match")
slow='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
send "{\"jsonrpc\":\"2.0\",\"id\":\"slow\",\"method\":\"tools/call\",\"params\":{\"_meta\":{\"progressToken\":\"pt\"},\"name\":\"query\",\"arguments\":{\"$arg\":\"$slow\"}}}"
sleep 0.3
t0=$(date +%s%N)
send '{"jsonrpc":"2.0","id":"p","method":"ping"}'
expect '.id == "p"' 2
t1=$(date +%s%N)
expect '.method == "notifications/progress" and .params.progressToken == "pt" and .params.progress == 1' 3
expect '.method == "notifications/progress" and .params.progressToken == "pt" and .params.progress == 2' 3
send '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow","reason":"test"}}'
send '{"jsonrpc":"2.0","id":"after","method":"tools/call","params":{"name":"list_datasets"}}'
expect '.id == "after"'
finish || fail "mcpd exited with $?"
if jq -e -c 'select(.id == "slow")' "$TMP/stdout" > /dev/null; then
	fail "the cancelled request got a response"
fi
status=$(sqlite3 "$TMP/catalog.db" "SELECT status FROM query_logs WHERE tool = 'query'")
[ "$status" = "cancelled" ] || fail "query_logs says '$status', not cancelled"
echo "ok: ping answered during a slow query ($(((t1 - t0) / 1000000)) ms, polling included)"
