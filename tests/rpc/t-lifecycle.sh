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
echo "ok"
