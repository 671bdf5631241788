#!/bin/bash
# Protocol edges, checked on mcpd's raw output (jq would reformat numbers):
# ids and progress tokens echoed exactly as sent, \u0000 refused in ids and
# in any string, duplicate keys refused at any level (in batches too),
# strict JSON, the required clientCapabilities of 2026-07-28, a final
# progress notification for every call with a progressToken, cursors mcpd
# did not issue refused, and a cancel found by a numeric id as sent.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
start --timeout-ms 60000

# wait for a raw line containing the fixed string $1
has() {
	local deadline=$((SECONDS + ${2:-5}))

	while [ "$SECONDS" -le "$deadline" ]; do
		if grep -qF -- "$1" "$TMP/stdout"; then
			return 0
		fi
		sleep 0.05
	done
	echo "--- mcpd stdout so far:" >&2
	cut -c1-400 "$TMP/stdout" >&2
	fail "no line containing: $1"
}

lacks() {
	if grep -qF -- "$1" "$TMP/stdout"; then
		fail "unexpected line containing: $1"
	fi
}

send '{"jsonrpc":"2.0","id":9007199254740993,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"edges","version":"1"}}}'
has '{"jsonrpc":"2.0","id":9007199254740993,"result":{"protocolVersion":"2025-03-26"'

# numbers a double cannot hold come back as sent
send '{"jsonrpc":"2.0","id":9007199254740991,"method":"ping"}'
has '{"jsonrpc":"2.0","id":9007199254740991,"result":{}}'
send '{"jsonrpc":"2.0","id":1e400,"method":"ping"}'
has '{"jsonrpc":"2.0","id":1e400,"result":{}}'
send '{"jsonrpc":"2.0","id":-12.50E+3,"method":"ping"}'
has '{"jsonrpc":"2.0","id":-12.50E+3,"result":{}}'
send '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"no/such"}'
has '{"jsonrpc":"2.0","id":123456789012345678901234567890,"error":{"code":-32601'

# \u0000: in an id, in tool arguments, in a method name
send '{"jsonrpc":"2.0","id":"a\u0000b","method":"ping"}'
has '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: id must not contain \\u0000"}}'
send '{"jsonrpc":"2.0","id":"a","method":"ping"}'
has '{"jsonrpc":"2.0","id":"a","result":{}}'
send '{"jsonrpc":"2.0","id":"nul","method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"people\u0000; DROP"}}}'
has '{"jsonrpc":"2.0","id":"nul","error":{"code":-32602,"message":"Invalid params: a string must not contain \\u0000 (at params.arguments.name)"}}'
send '{"jsonrpc":"2.0","id":"nulm","method":"ping\u0000x"}'
has '{"jsonrpc":"2.0","id":"nulm","error":{"code":-32600,"message":"Invalid Request: a string must not contain \\u0000 (at method)"}}'
send '{"jsonrpc":"2.0","id":"nulk","method":"ping","params":{"a\u0000":1}}'
has '{"jsonrpc":"2.0","id":"nulk","error":{"code":-32602,"message":"Invalid params: a key must not contain \\u0000 (at params.a'
# a notification is never answered, even a refused one
send '{"jsonrpc":"2.0","method":"notifications/x","params":{"v":"\u0000"}}'

# duplicate keys, escaped or not, at any level; the same key in two
# objects is fine
send '{"jsonrpc":"2.0","id":"d1","method":"ping","method":"tools/list"}'
has '{"jsonrpc":"2.0","id":"d1","error":{"code":-32600,"message":"Invalid Request: duplicate key \"method\""}}'
send '{"jsonrpc":"2.0","id":"d2","method":"tools/call","params":{"name":"list_datasets","arguments":{"a":{"x":1,"\u0078":2}}}}'
has '{"jsonrpc":"2.0","id":"d2","error":{"code":-32600,"message":"Invalid Request: duplicate key \"x\" in params.arguments.a"}}'
send '{"jsonrpc":"2.0","id":"d3","id":"d4","method":"ping"}'
has '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: duplicate key \"id\""}}'
send '{"jsonrpc":"2.0","id":"d5","method":"ping","params":{"_meta":{"x":1},"x":{"x":{"x":1}}}}'
has '{"jsonrpc":"2.0","id":"d5","result":{}}'

# strict JSON
send '{"jsonrpc":"2.0","id":"s1","method":"ping",}'
send '{"jsonrpc":"2.0","id":01,"method":"ping"}'
send '{"jsonrpc":"2.0","id":"s3","method":"ping"} x'
sleep 0.3
n=$(grep -cF '"error":{"code":-32700' "$TMP/stdout")
[ "$n" -eq 3 ] || fail "$n parse errors for 3 lines that are not JSON"
lacks '"id":"s1"'

# a batch: each element on its own
send '[{"jsonrpc":"2.0","id":18446744073709551617,"method":"ping"},{"jsonrpc":"2.0","id":"b\u0000","method":"ping"},{"jsonrpc":"2.0","id":"b3","method":"ping","params":{"k":1,"k":2}},{"jsonrpc":"2.0","id":"b4","method":"ping"}]'
has '"id":18446744073709551617,"result":{}'
has '{"jsonrpc":"2.0","id":"b3","error":{"code":-32600,"message":"Invalid Request: duplicate key \"k\" in params"}}'
has '{"jsonrpc":"2.0","id":"b4","result":{}}'
grep -F '"id":18446744073709551617' "$TMP/stdout" |
	grep -qF '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: id must not contain \\u0000"}}' ||
	fail "the batch reply lacks the refused id"

# a final progress notification (progress = total), the token as sent
send '{"jsonrpc":"2.0","id":"pg","method":"tools/call","params":{"_meta":{"progressToken":12345678901234567890123},"name":"list_datasets"}}'
has '"id":"pg","result"'
has '"progressToken":12345678901234567890123'
grep -F '"progressToken":12345678901234567890123' "$TMP/stdout" | tail -n 1 |
	jq -e '.method == "notifications/progress" and .params.progress == .params.total and .params.total > 0' \
	> /dev/null || fail "no final progress notification"
# ... before the reply
first=$(grep -nF '"progressToken":12345678901234567890123' "$TMP/stdout" | head -n 1 | cut -d: -f1)
reply=$(grep -nF '"id":"pg","result"' "$TMP/stdout" | cut -d: -f1)
[ "$first" -lt "$reply" ] || fail "progress after the reply"

# cursors: only whole pages (50 by default) short of the end
send '{"jsonrpc":"2.0","id":"c1","method":"tools/list","params":{"cursor":"p1:3"}}'
has '{"jsonrpc":"2.0","id":"c1","error":{"code":-32602,"message":"Invalid params: invalid cursor"}}'
send '{"jsonrpc":"2.0","id":"c2","method":"resources/list","params":{"cursor":"p1:50"}}'
has '{"jsonrpc":"2.0","id":"c2","error":{"code":-32602,"message":"Invalid params: invalid cursor"}}'

# 2026-07-28: clientCapabilities is required
send '{"jsonrpc":"2.0","id":"m1","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}'
has '{"jsonrpc":"2.0","id":"m1","error":{"code":-32602,"message":"Invalid params: params._meta[\"io.modelcontextprotocol/clientCapabilities\"] (an object) is required in protocol version 2026-07-28"}}'
send '{"jsonrpc":"2.0","id":"m2","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":[]}}}'
has '{"jsonrpc":"2.0","id":"m2","error":{"code":-32602'
send '{"jsonrpc":"2.0","id":"m3","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
has '{"jsonrpc":"2.0","id":"m3","result":{"resultType":"complete"'

# a cancel finds a request by its numeric id as sent
send '{"jsonrpc":"2.0","id":"tools","method":"tools/list"}'
has '"id":"tools","result"'
if grep -F '"id":"tools","result"' "$TMP/stdout" | grep -qF '"name":"query"'; then
	slow='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
	arg=$(grep -F '"id":"tools","result"' "$TMP/stdout" |
		jq -r '.result.tools[] | select(.name == "query") | .inputSchema.required[0]')
	send "{\"jsonrpc\":\"2.0\",\"id\":7e400,\"method\":\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":{\"$arg\":\"$slow\"}}}"
	sleep 0.5
	send '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7e400}}'
	send '{"jsonrpc":"2.0","id":"after","method":"ping"}'
	has '"id":"after"'
	# the same id is free again once the query has stopped
	for i in $(seq 50); do
		send '{"jsonrpc":"2.0","id":7e400,"method":"ping"}'
		sleep 0.2
		if grep -qF '{"jsonrpc":"2.0","id":7e400,"result":{}}' \
			"$TMP/stdout"; then
			break
		fi
	done
	has '{"jsonrpc":"2.0","id":7e400,"result":{}}'
	finish || fail "mcpd exited with $?"
	status=$(sqlite3 "$TMP/catalog.db" \
		"SELECT status FROM query_logs WHERE tool = 'query'")
	[ "$status" = "cancelled" ] || fail "query_logs says '$status'"
	grep -F '"id":7e400,"result":{"content"' "$TMP/stdout" &&
		fail "the cancelled call was answered"
else
	finish || fail "mcpd exited with $?"
fi
echo "ok: protocol edges"
