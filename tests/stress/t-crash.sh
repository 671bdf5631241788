#!/bin/bash
# kill -9 in the middle of writes, 20 times each: mcpctl during imports
# and refreshes, and mcpd while its query log is being written.  After
# every kill the catalog passes integrity and foreign key checks, each
# dataset is complete or absent, and mcpctl and mcpd still work.
. "$MCPD_SOURCE_ROOT/tests/stress/lib.sh"
ROUNDS=${CRASH_ROUNDS:-20}

"$MCPCTL" init --quiet || fail "init"
make_csv "$TMP/base.csv" 2000
make_csv "$TMP/big.csv" 400000
"$MCPCTL" dataset add base --csv "$TMP/base.csv" --quiet || fail "add base"

killed=0 finished=0
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) -eq 1 ]; then
		"$MCPCTL" dataset add "big$i" --csv "$TMP/big.csv" --quiet &
	else
		# refresh reads the file again: make it the big one
		cp "$TMP/big.csv" "$TMP/base.csv"
		"$MCPCTL" dataset refresh base --quiet &
	fi
	pid=$!
	# somewhere in the import, which takes longer than this on any build
	sleep "0.$(printf "%03d" $((20 + RANDOM % 380)))"
	if kill -9 "$pid" 2>/dev/null; then
		killed=$((killed + 1))
	else
		finished=$((finished + 1))
	fi
	wait "$pid" 2>/dev/null
	why=$(consistent "$MCPD_DB") || fail "after mcpctl kill $i: $why"
done
"$MCPCTL" dataset list >/dev/null || fail "dataset list after the kills"
n=$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM datasets")
echo "mcpctl: $ROUNDS rounds, $killed killed mid-import, $finished finished first; $n datasets, all complete"
[ "$killed" -gt 0 ] || fail "no mcpctl was killed mid-import: nothing tested"

# mcpd: kill -9 while tool calls are being logged
calls=0
{
	echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"crash","version":"1"}}}'
	for j in $(seq 200); do
		echo "{\"jsonrpc\":\"2.0\",\"id\":$j,\"method\":\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT region, count(*) FROM base GROUP BY region\"}}}"
	done
} >"$TMP/calls.jsonl"
mkfifo "$TMP/in"
for i in $(seq "$ROUNDS"); do
	"$MCPD" --db "$MCPD_DB" <"$TMP/in" >"$TMP/out" 2>/dev/null &
	pid=$!
	exec 8>"$TMP/in"
	cat "$TMP/calls.jsonl" >&8
	sleep "0.$(printf '%03d' $((200 + RANDOM % 700)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	exec 8>&-
	calls=$((calls + $(grep -c '"result"' "$TMP/out")))
	why=$(consistent "$MCPD_DB") || fail "after mcpd kill $i: $why"
done
logged=$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM query_logs")
echo "mcpd: $ROUNDS kills while logging; $calls calls answered, $logged logged before the kills; catalog consistent"
printf '%s\n' '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"crash","version":"1"}}}' \
	'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_datasets","arguments":{}}}' |
	"$MCPD" --db "$MCPD_DB" 2>/dev/null | grep -q '"id":1,"result"' ||
	fail "mcpd does not serve after the kills"
echo "ok: crash"
