#!/bin/bash
# mcpctl and mcpd under an address-space limit (prlimit --as), as a host's
# ulimit or a container would set it.  An import that does not fit fails
# with a clear message and leaves the catalog as it was; one that fits
# succeeds.  mcpd started below query_memory_mb says so once, keeps the
# lower limit for its query workers, answers a query that needs more with
# an error, and goes on answering and logging.
# A sanitized build cannot run under such a limit (the sanitizer reserves
# terabytes of address space): skipped there; scripts/test.sh runs it on
# the plain build.
. "$MCPD_SOURCE_ROOT/tests/stress/lib.sh"

if ldd "$MCPD" | grep -q 'libasan\|libclang_rt.asan'; then
	echo "skip: a sanitized build cannot run under prlimit --as"
	exit 77
fi
command -v prlimit >/dev/null || { echo "skip: no prlimit"; exit 77; }
mb() { echo $(($1 * 1024 * 1024)); }

"$MCPCTL" init --quiet || fail "init"
make_csv "$TMP/a.csv" 1000
"$MCPCTL" dataset add a --csv "$TMP/a.csv" --quiet || fail "add a"
# text of many distinct values: the profile and the page cache need room
awk 'BEGIN { print "id,g,value,t"; for (i = 0; i < 300000; i++)
	printf "%d,g%d,%.3f,text %d\n", i, i % 100, i * 0.37, i }' >"$TMP/big.csv"
before=$(sqlite3 "$MCPD_DB" .sha3sum)

prlimit --as="$(mb 40)" "$MCPCTL" dataset add big --csv "$TMP/big.csv" \
	--quiet 2>"$TMP/err"
rc=$?
echo "import under 40 MB: exit $rc: $(cat "$TMP/err")"
[ "$rc" -eq 1 ] || fail "exit $rc, wanted 1 (not a crash)"
# malloc failing says so; SQLite failing names the file and line
grep -q '^mcpctl: out of memory .*the catalog is as it was\|^mcpctl: .*big.csv:[0-9]*: .*out of memory' "$TMP/err" ||
	fail "no clear message: $(cat "$TMP/err")"
[ "$(sqlite3 "$MCPD_DB" .sha3sum)" = "$before" ] ||
	fail "the catalog changed"
prlimit --as="$(mb 256)" "$MCPCTL" dataset add big --csv "$TMP/big.csv" \
	--quiet || fail "the same import under 256 MB failed"
[ "$(sqlite3 "$MCPD_DB" "SELECT row_count FROM datasets WHERE name = 'big'")" = 300000 ] ||
	fail "the import under 256 MB is incomplete"

# mcpd under 300 MB, below the default query_memory_mb of 512
cols=$(for i in $(seq 600); do printf '%shex(randomblob(499999)) AS c%d' \
	"${i#1}" "$i"; done | sed 's/^[0-9]*hex/hex/; s/\([0-9]\)hex/\1, hex/g')
INIT='{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"memcap","version":"1"}}}'
mkfifo "$TMP/in"
prlimit --as="$(mb 300)" "$MCPD" --db "$MCPD_DB" <"$TMP/in" >"$TMP/out" \
	2>"$TMP/mcpd-err" &
pid=$!
exec 7>"$TMP/in"
answered() {
	local i=0
	while [ $i -lt 200 ]; do
		jq -e "select(.id == \"$1\")" "$TMP/out" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "no answer to $1"
}
call() {
	printf '{"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"query","arguments":{"sql":"%s"}}}\n' \
		"$1" "$2" >&7
	answered "$1"
}
echo "$INIT" >&7
answered init
call hungry "SELECT $cols"
call after "SELECT count(*) AS n, sum(value) AS s FROM big"
call again "SELECT count(*) AS n FROM a"
exec 7>&-
wait $pid
rc=$?
[ "$rc" -eq 0 ] || fail "mcpd exited $rc"
hungry=$(jq -r 'select(.id == "hungry") | .result.content[0].text' "$TMP/out")
echo "the hungry query under 300 MB: $hungry"
# one answer: -s, so that jq -e looks at it, not at the last line
answer() { jq -sc --arg id "$1" 'map(select(.id == $id))[0]' "$TMP/out"; }
answer hungry | jq -e '.result.isError' >/dev/null ||
	fail "the hungry query did not fail"
answer after | jq -e '.result.structuredContent.rows[0] | (.[0] // .n) == 300000' \
	>/dev/null || fail "no answer after it: $(answer after)"
answer again | jq -e '.result.isError | not' >/dev/null ||
	fail "the third call failed"
n=$(grep -c 'memory limit of 300 MB, below query_memory_mb' "$TMP/mcpd-err")
[ "$n" -eq 1 ] || fail "$n notes of the lower limit, wanted one: $(cat "$TMP/mcpd-err")"
grep -q 'cannot limit' "$TMP/mcpd-err" && fail "workers complain: $(cat "$TMP/mcpd-err")"
logged=$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM query_logs WHERE tool = 'query'")
[ "$logged" -eq 3 ] || fail "$logged of 3 calls logged"
why=$(consistent "$MCPD_DB") || fail "catalog: $why"
echo "ok: memcap"
