#!/bin/bash
# A line over the 4 MiB ceiling is dropped up to its newline, answered
# with one -32600 (id null), and the server keeps serving.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
{
	echo "$INIT"
	printf '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'
	head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'a'
	printf '"}}\n'
	echo '{"jsonrpc":"2.0","id":2,"method":"ping"}'
	# just under the ceiling is still served
	printf '{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":"'
	head -c $((4 * 1024 * 1024 - 100)) /dev/zero | tr '\0' 'b'
	printf '"}}\n'
} > "$TMP/input"
"$MCPD" --db "$TMP/catalog.db" < "$TMP/input" > "$TMP/stdout" \
	2> "$TMP/stderr" || fail "mcpd exited with $?"
[ "$(wc -l < "$TMP/stdout")" -eq 4 ] || fail "expected 4 replies"
grep -qx '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: message exceeds the size limit"}}' \
	"$TMP/stdout" || fail "no size-limit error"
grep -qx '{"jsonrpc":"2.0","id":2,"result":{}}' "$TMP/stdout" ||
	fail "ping after the long line not answered"
grep -qx '{"jsonrpc":"2.0","id":3,"result":{}}' "$TMP/stdout" ||
	fail "a line just under the ceiling was refused"
echo "ok"
