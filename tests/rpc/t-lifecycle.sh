#!/bin/bash
# Command line, a missing catalog, EOF with work in flight, SIGTERM.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture

"$MCPD" --version > "$TMP/out" || fail "--version exited $?"
grep -q '^mcpd [0-9]' "$TMP/out" || fail "--version printed $(cat "$TMP/out")"
"$MCPD" --help > "$TMP/out" || fail "--help exited $?"
grep -q '^usage: mcpd' "$TMP/out" || fail "--help has no usage line"
"$MCPD" --no-such-option < /dev/null > "$TMP/out" 2> "$TMP/err"
[ $? -eq 2 ] || fail "an unknown option should exit 2"
[ ! -s "$TMP/out" ] || fail "an unknown option wrote to stdout"
"$MCPD" --max-rows zero < /dev/null 2> "$TMP/err"
[ $? -eq 2 ] || fail "a bad --max-rows should exit 2"

"$MCPD" --db "$TMP/none.db" < /dev/null > "$TMP/out" 2> "$TMP/err"
[ $? -eq 1 ] || fail "a missing catalog should exit 1"
grep -q "cannot open catalog '$TMP/none.db'" "$TMP/err" ||
	fail "unclear message for a missing catalog: $(cat "$TMP/err")"
[ ! -e "$TMP/none.db" ] || fail "mcpd created a catalog file"
[ ! -s "$TMP/out" ] || fail "mcpd wrote to stdout without a catalog"

# EOF right after a burst: everything sent is still answered, exit 0
{
	echo "$INIT"
	for i in 1 2 3 4 5 6 7 8; do
		echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"describe_dataset\",\"arguments\":{\"name\":\"people\"}}}"
	done
} | "$MCPD" --db "$TMP/catalog.db" > "$TMP/out" 2> "$TMP/err" ||
	fail "EOF should mean exit 0"
[ "$(jq -c 'select(.result.isError == false)' "$TMP/out" | wc -l)" -eq 8 ] ||
	fail "calls in flight at EOF were not all answered"

# SIGTERM: clean exit 0, nothing half-written
start
send "$INIT"
expect '.id == "init"'
kill -TERM "$MCPD_PID"
wait "$MCPD_PID"
rc=$?
MCPD_PID=
[ "$rc" -eq 0 ] || fail "SIGTERM should mean exit 0, got $rc"
jq -c . "$TMP/stdout" > /dev/null || fail "stdout is not JSON lines"

# ms since $1 (date +%s%N)
elapsed_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}
SLOW='{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"query","arguments":{"sql":"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r"}}}'

# a signal while a query runs: the query is cancelled, exit 0 within 1 s,
# no worker left behind
exec 7>&-
rm -f "$TMP/in"
for sig in TERM INT; do
	start --timeout-ms 30000
	send "$INIT"
	expect '.id == "init"'
	send "$SLOW"
	sleep 0.5
	t0=$(date +%s%N)
	kill -"$sig" "$MCPD_PID"
	wait "$MCPD_PID"
	rc=$?
	ms=$(elapsed_ms "$t0")
	MCPD_PID=
	[ "$rc" -eq 0 ] || fail "SIG$sig during a query should mean exit 0, got $rc"
	[ "$ms" -lt 1000 ] || fail "SIG$sig during a query: exit took $ms ms"
	echo "# SIG$sig during a 30 s query: exit 0 in $ms ms"
	exec 7>&-
	rm -f "$TMP/in"
done
pgrep -f -- "--query-worker $TMP/" > /dev/null && fail "a worker outlived mcpd"

# EOF while a query runs: the same, after a short grace for quick calls
start --timeout-ms 30000
send "$INIT"
expect '.id == "init"'
send "$SLOW"
sleep 0.5
t0=$(date +%s%N)
finish || fail "EOF during a query should mean exit 0"
ms=$(elapsed_ms "$t0")
[ "$ms" -lt 1000 ] || fail "EOF during a query: exit took $ms ms"
echo "# EOF during a 30 s query: exit 0 in $ms ms"
rm -f "$TMP/in"

# the catalog replaced under a running mcpd: it stops with a message,
# never serving the deleted file
start
send "$INIT"
expect '.id == "init"'
cp "$TMP/catalog.db" "$TMP/new.db"
mv "$TMP/new.db" "$TMP/catalog.db"
t0=$(date +%s%N)
wait "$MCPD_PID"
rc=$?
MCPD_PID=
exec 7>&-
[ "$rc" -eq 1 ] || fail "a replaced catalog should mean exit 1, got $rc"
grep -q "deleted or replaced" "$TMP/stderr" ||
	fail "no message about the replaced catalog: $(cat "$TMP/stderr")"
echo "# catalog replaced: mcpd stopped after $(elapsed_ms "$t0") ms"
echo "ok"
