#!/bin/sh
# Rows still queued at exit get a bounded time to reach the catalog: with
# the write lock held elsewhere, SIGTERM ends mcpd within a few seconds,
# and the rows it could not write are counted on stderr, not dropped in
# silence.  Without the lock, every queued row is written before exit,
# and the write-ahead log is left empty.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
q() { sqlite3 "$TMP/catalog.db" "$1"; }
call() {
	send "{\"jsonrpc\":\"2.0\",\"id\":\"$1\",\"method\":\"tools/call\",\"params\":{\"name\":\"list_datasets\",\"arguments\":{}}}"
	expect ".id == \"$1\"" 5
}

mkfifo "$TMP/lockin"
sqlite3 "$TMP/catalog.db" < "$TMP/lockin" > /dev/null 2>&1 &
LOCK_PID=$!
exec 8> "$TMP/lockin"
echo "BEGIN IMMEDIATE; UPDATE catalog_state SET generation = generation;" >&8
sleep 0.3
start
send "$INIT"
expect '.id == "init"'
for i in 1 2 3; do
	call "c$i"
done
t0=$(date +%s%N)
kill -TERM "$MCPD_PID"
wait "$MCPD_PID"
MCPD_PID=
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "# exit took $ms ms with the catalog locked"
[ "$ms" -lt 5000 ] || fail "mcpd took $ms ms to exit"
grep -q '3 rows not logged between .*: mcpd was exiting' "$TMP/stderr" ||
	fail "the rows lost at exit were not counted"
echo "ROLLBACK;" >&8
exec 8>&-
wait "$LOCK_PID"
[ "$(q "SELECT count(*) FROM query_logs")" = 0 ] || fail "rows appeared anyway"

# unlocked: SIGTERM right after the replies still writes every row
: > "$TMP/stdout"
rm -f "$TMP/in"
start
send "$INIT"
expect '.id == "init"'
for i in 1 2 3 4 5; do
	call "d$i"
done
kill -TERM "$MCPD_PID"
wait "$MCPD_PID"
MCPD_PID=
# and leaves the write-ahead log empty: the next start reads none of it
[ ! -s "$TMP/catalog.db-wal" ] ||
	fail "the WAL holds $(stat -c %s "$TMP/catalog.db-wal") bytes after exit"
[ "$(q "SELECT count(*) FROM query_logs")" = 5 ] ||
	fail "$(q "SELECT count(*) FROM query_logs") rows of 5 after SIGTERM"
echo "ok"
