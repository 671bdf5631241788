#!/bin/bash
# 10,000 requests written at once, without waiting for replies: every one
# is answered exactly once, none lost, none duplicated.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
N=10000
{
	echo "$INIT"
	for ((i = 1; i <= N; i++)); do
		case $((i % 4)) in
		0) echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"ping\"}" ;;
		1) echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/list\"}" ;;
		2) echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"list_datasets\"}}" ;;
		3) echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"resources/list\"}" ;;
		esac
	done
} > "$TMP/input"
start_ns=$(date +%s%N)
"$MCPD" --db "$TMP/catalog.db" < "$TMP/input" > "$TMP/stdout" \
	2> "$TMP/stderr" || fail "mcpd exited with $?"
end_ns=$(date +%s%N)
jq -r 'select(.result) | .id' "$TMP/stdout" | grep -v '^init$' |
	sort -n > "$TMP/ids" || fail "replies are not JSON lines"
seq 1 "$N" > "$TMP/want"
diff -q "$TMP/want" "$TMP/ids" > /dev/null ||
	fail "ids answered differ from ids sent: $(diff "$TMP/want" "$TMP/ids" | head -5)"
[ "$(jq -c 'select(.error)' "$TMP/stdout" | wc -l)" -eq 0 ] ||
	fail "some requests got errors"
echo "ok: $N requests answered in $(((end_ns - start_ns) / 1000000)) ms"
