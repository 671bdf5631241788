#!/bin/bash
# Three mcpd serve mixed calls for STRESS_SECONDS (default 20) while
# mcpctl adds, refreshes, disables, enables and removes datasets, edits
# the config and takes backups underneath them.  Every request gets exactly one answer, none
# is a protocol error, every tool call is logged in query_logs, the admin
# commands all succeed, and the catalog passes integrity_check at the end.
. "$MCPD_SOURCE_ROOT/tests/stress/lib.sh"
SECONDS_RUN=${STRESS_SECONDS:-20}
NPROC=3

"$MCPCTL" init --quiet || fail "init"
make_csv "$TMP/a.csv" 3000
make_csv "$TMP/c.csv" 500
"$MCPCTL" dataset add a --csv "$TMP/a.csv" --weight w --quiet || fail "add a"
"$MCPCTL" dataset add b --csv "$TMP/a.csv" --quiet || fail "add b"

INIT='{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"stress","version":"1"}}}'

# client K: a mixed stream of requests until the deadline
client() {
	local k=$1 i=0 deadline=$((SECONDS + SECONDS_RUN))

	echo "$INIT"
	while [ "$SECONDS" -lt "$deadline" ]; do
		i=$((i + 1))
		cat <<REQ
{"jsonrpc":"2.0","id":"$k-$i-l","method":"tools/call","params":{"name":"list_datasets","arguments":{}}}
{"jsonrpc":"2.0","id":"$k-$i-d","method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"b"}}}
{"jsonrpc":"2.0","id":"$k-$i-q","method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT region, count(*) AS n, avg(value) FROM a GROUP BY region"}}}
{"jsonrpc":"2.0","id":"$k-$i-c","method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT count(*) FROM c"}}}
{"jsonrpc":"2.0","id":"$k-$i-r","method":"resources/list"}
{"jsonrpc":"2.0","id":"$k-$i-p","method":"ping"}
REQ
		sleep 0.1
	done
}

pids=
for k in $(seq "$NPROC"); do
	# the file exists before tail opens it: the background redirect
	# below may not have run yet when tail starts
	: >"$TMP/in$k"
	client "$k" >>"$TMP/in$k" &
	# the client writes as it goes: mcpd reads the growing file
	tail -f -n +1 --pid=$! "$TMP/in$k" |
		"$MCPD" --db "$MCPD_DB" >"$TMP/out$k" 2>"$TMP/err$k" &
	pids="$pids $!"
done

# the admin, meanwhile
ops=0 opfail=0
deadline=$((SECONDS + SECONDS_RUN))
admin() {
	ops=$((ops + 1))
	if ! "$MCPCTL" "$@" --quiet >/dev/null 2>>"$TMP/admin-err"; then
		opfail=$((opfail + 1))
		echo "  failed: mcpctl $*" >>"$TMP/admin-err"
	fi
}
n=0
while [ "$SECONDS" -lt "$deadline" ]; do
	n=$((n + 1))
	admin dataset add c --csv "$TMP/c.csv"
	admin dataset refresh a
	admin dataset disable b
	admin config set max_rows $((100 + n))
	admin dataset enable b
	admin dataset rm --force c
	admin backup "$TMP/backup.db" --force
done
wait $pids
for k in $(seq "$NPROC"); do
	[ -s "$TMP/err$k" ] && grep -v '^mcpd: \(info\|debug\)' "$TMP/err$k" | head -3
done

sent=0 answered=0 proto=0 toolerr=0 calls=0
for k in $(seq "$NPROC"); do
	s=$(grep -c '"id":' "$TMP/in$k")
	# one answer per id, none twice
	jq -r 'select(type == "object" and has("id")) | .id' "$TMP/out$k" |
		sort >"$TMP/ids$k"
	a=$(wc -l <"$TMP/ids$k")
	dup=$(uniq -d "$TMP/ids$k" | wc -l)
	[ "$dup" -eq 0 ] || fail "mcpd $k answered $dup ids twice"
	[ "$a" -eq "$s" ] || fail "mcpd $k answered $a of $s requests"
	p=$(jq -c 'select(type == "object" and has("error"))' "$TMP/out$k" | wc -l)
	t=$(jq -c 'select(type == "object" and .result.isError == true)' "$TMP/out$k" | wc -l)
	c=$(grep -c '"method":"tools/call"' "$TMP/in$k")
	sent=$((sent + s)) answered=$((answered + a)) proto=$((proto + p))
	toolerr=$((toolerr + t)) calls=$((calls + c))
done
logged=$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM query_logs")
why=$(consistent "$MCPD_DB") || fail "catalog: $why"
[ "$(sqlite3 "$TMP/backup.db" 'PRAGMA integrity_check')" = ok ] ||
	fail "the last backup is not intact"
echo "stress: $NPROC mcpd, ${SECONDS_RUN} s: $sent requests, $answered answered, $proto protocol errors, $toolerr tool errors (datasets changing underneath); $calls tool calls, $logged logged; $ops admin commands, $opfail failed; integrity ok"
[ "$proto" -eq 0 ] || fail "$proto protocol errors"
[ "$logged" -eq "$calls" ] || fail "$logged of $calls tool calls logged"
if [ "$opfail" -ne 0 ]; then
	cat "$TMP/admin-err" >&2
	fail "$opfail admin commands failed"
fi
echo "ok: stress"
