#!/bin/bash
# Loss is counted, never silent: while another connection holds the
# catalog's write lock for longer than mcpd holds rows (10 s), mcpd keeps
# answering, then writes one summary row ("N rows not logged between T1
# and T2: reason") once it can write again, and says so on stderr.  With
# root, the same for a catalog mcpd may only read (mcpd runs as nobody).
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
q() { sqlite3 -separator '|' "$TMP/catalog.db" "$1"; }
# wait up to $2 s for query $1 to print $3
wait_for() {
	local deadline=$((SECONDS + $2))
	while [ "$SECONDS" -le "$deadline" ]; do
		[ "$(q "$1")" = "$3" ] && return 0
		sleep 0.1
	done
	fail "'$1' did not give '$3' within $2 s (got '$(q "$1")')"
}
call() {
	send "{\"jsonrpc\":\"2.0\",\"id\":\"$1\",\"method\":\"tools/call\",\"params\":{\"name\":\"list_datasets\",\"arguments\":{}}}"
	expect ".id == \"$1\"" 5
}

start
send "$INIT"
expect '.id == "init"'
call before
wait_for "SELECT count(*) FROM query_logs" 5 1

# hold the write lock for 13 s
mkfifo "$TMP/lockin"
sqlite3 "$TMP/catalog.db" < "$TMP/lockin" > /dev/null 2>&1 &
LOCK_PID=$!
exec 8> "$TMP/lockin"
echo "BEGIN IMMEDIATE; UPDATE catalog_state SET generation = generation;" >&8
sleep 0.5
for i in 1 2 3 4 5; do
	call "locked$i"
done
sleep 12.5
echo "ROLLBACK;" >&8
exec 8>&-
wait "$LOCK_PID"

# the summary comes without waiting for another call
wait_for "SELECT count(*) FROM query_logs WHERE status = 'lost'" 5 1
call after
finish || fail "mcpd exited with $?"
got=$(q "SELECT lost_rows, error_text LIKE '5 rows not logged between % and %: the catalog stayed locked',
	 lost_from < ts, tool FROM query_logs WHERE status = 'lost'")
[ "$got" = "5|1|1|mcpd" ] || fail "summary row: $got"
got=$(q "SELECT group_concat(request_id) FROM (SELECT request_id FROM query_logs
	 WHERE status != 'lost' ORDER BY id)")
[ "$got" = '"before","after"' ] || fail "rows written: $got"
grep -q 'counting the rows not logged' "$TMP/stderr" ||
	fail "no warning on stderr when logging failed"
grep -q '5 rows not logged between' "$TMP/stderr" ||
	fail "no summary on stderr"

# a catalog mcpd can only read: it serves, and counts what it lost
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	ro=$TMP/ro
	mkdir "$ro"
	cp "$TMP/catalog.db" "$ro/catalog.db"
	sqlite3 "$ro/catalog.db" "DELETE FROM query_logs"
	chmod 755 "$TMP" "$ro"
	chmod 644 "$ro/catalog.db"
	# a reader of a WAL file needs its -wal and -shm: a root connection
	# keeps them there (0644, as the file) while mcpd runs
	mkfifo "$TMP/holdin"
	sqlite3 "$ro/catalog.db" < "$TMP/holdin" > /dev/null 2>&1 &
	HOLD_PID=$!
	exec 9> "$TMP/holdin"
	echo "SELECT count(*) FROM datasets;" >&9
	for _ in $(seq 50); do
		[ -e "$ro/catalog.db-shm" ] && break
		sleep 0.1
	done
	{
		echo "$INIT"
		for i in 1 2 3; do
			echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"list_datasets\",\"arguments\":{}}}"
		done
	} | setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MCPD" --db "$ro/catalog.db" > "$TMP/ro.out" 2> "$TMP/ro.err"
	rc=$?
	exec 9>&-
	wait "$HOLD_PID"
	[ "$rc" = 0 ] ||
		{ cat "$TMP/ro.err" >&2; fail "mcpd on a read-only catalog exited with $rc"; }
	n=$(jq -s 'map(select(.result.content)) | length' "$TMP/ro.out")
	[ "$n" = 3 ] || fail "read-only catalog: $n answers of 3"
	grep -q "3 rows not logged between .*: .*read-only" "$TMP/ro.err" ||
		{ cat "$TMP/ro.err" >&2; fail "read-only catalog: loss not counted on stderr"; }
	echo "ok (read-only catalog too)"
fi
echo "ok"
