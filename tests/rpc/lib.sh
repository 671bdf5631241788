# Helpers for the scripted rpc tests: a fixture catalog, a running mcpd on
# a pair of pipes, and waiting for a reply that matches a jq filter.
#
# Each test sources this file with MKCATALOG set (the first argument).
set -u -o pipefail

MKCATALOG=${1:?usage: TEST MKCATALOG}
HERE=${MCPD_SOURCE_ROOT:?}/tests/rpc
TMP=$(mktemp -d)
MCPD_PID=
cleanup() {
	if [ -n "$MCPD_PID" ]; then
		kill "$MCPD_PID" 2> /dev/null
		wait "$MCPD_PID" 2> /dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$TMP/stderr" ]; then
		echo "--- mcpd stderr:" >&2
		cat "$TMP/stderr" >&2
	fi
	exit 1
}

fixture() {
	"$MKCATALOG" "$TMP/catalog.db" "$HERE/fixture.sql" ||
		fail "cannot build the fixture catalog"
}

# start mcpd in the background; write with send, read with expect
start() {
	mkfifo "$TMP/in"
	"${MCPD:?}" --db "$TMP/catalog.db" "$@" < "$TMP/in" \
		> "$TMP/stdout" 2> "$TMP/stderr" &
	MCPD_PID=$!
	exec 7> "$TMP/in"
	: > "$TMP/seen"
}

send() {
	printf '%s\n' "$1" >&7
}

# close stdin and wait for a clean exit; prints the exit status
finish() {
	exec 7>&-
	wait "$MCPD_PID"
	local rc=$?
	MCPD_PID=
	return $rc
}

# wait up to $2 seconds (default 5) for a stdout line matching jq filter $1
expect() {
	local filter=$1 timeout=${2:-5}
	local deadline=$((SECONDS + timeout))

	while [ "$SECONDS" -le "$deadline" ]; do
		# a partial last line makes jq fail after printing what matched
		jq -c "select($filter)" "$TMP/stdout" 2> /dev/null |
			tail -n 1 > "$TMP/match"
		if [ -s "$TMP/match" ]; then
			return 0
		fi
		sleep 0.05
	done
	echo "--- mcpd stdout so far:" >&2
	cut -c1-300 "$TMP/stdout" >&2
	fail "no message matching '$filter' within ${timeout}s"
}

INIT='{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"rpc-test","version":"9.9"}}}'
