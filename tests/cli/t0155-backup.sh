#!/bin/sh
# mcpctl backup: a copy taken while three mcpd processes write log rows
# opens, passes integrity_check and holds the datasets; the original keeps
# every row the servers wrote.
. "$(dirname "$0")/lib.sh"
: "${MCPD:?MCPD must name the mcpd binary}"

"$MCPCTL" init --quiet >/dev/null
awk 'BEGIN { print "id,v"; for (i = 1; i <= 50000; i++) print i "," i * 3 }' > "$tmp/d.csv"
"$MCPCTL" dataset add alpha --csv "$tmp/d.csv" --quiet >/dev/null

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"load","version":"1"}}}'
{
	echo "$INIT"
	i=1
	while [ $i -le 150 ]; do
		printf '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT sum(v) FROM alpha WHERE id > %d"}}}\n' $i $i
		i=$((i + 1))
	done
} > "$tmp/calls"
for p in 1 2 3; do
	"$MCPD" --db "$MCPD_DB" < "$tmp/calls" > "$tmp/out$p" 2>&1 &
done
sleep 0.3
expect_status "backup under load" 0 backup "$tmp/copy.db"
wait
expect_in "says integrity ok" "$tmp/out" "integrity ok"
expect_eq "the copy passes integrity_check" \
	"$(sqlite3 "$tmp/copy.db" 'PRAGMA integrity_check')" ok
expect_eq "the copy has the dataset" \
	"$(sqlite3 "$tmp/copy.db" 'SELECT count(*) FROM data_alpha')" 50000
check "the copy stands alone (no -wal)" test ! -e "$tmp/copy.db-wal"
check "no temporary file is left" sh -c "! ls '$tmp'/copy.db.tmp-* 2>/dev/null"
expect_eq "the original has every row" \
	"$(sqlite3 "$MCPD_DB" 'SELECT count(*) FROM query_logs')" 450
expect_eq "mcpctl reads the copy" \
	"$("$MCPCTL" --db "$tmp/copy.db" dataset list --json | jq length)" 1
expect_status "an existing file is kept" 4 backup "$tmp/copy.db"
expect_status "unless --force" 0 backup "$tmp/copy.db" --force
expect_status "no file" 2 backup
expect_status "into a missing directory" 1 backup "$tmp/nodir/x.db"


# restore: refused while mcpd has the catalog open, then it puts the
# backup back (a dataset added since is gone) and the log rows with it
"$MCPCTL" dataset add later --csv "$tmp/d.csv" --quiet >/dev/null
mkfifo "$tmp/in"
"$MCPD" --db "$MCPD_DB" < "$tmp/in" > /dev/null 2>&1 &
mpid=$!
exec 7> "$tmp/in"
echo "$INIT" >&7
sleep 0.5
expect_status "restore while mcpd runs" 1 restore "$tmp/copy.db"
expect_in "says it is in use" "$tmp/err" "is in use (process $mpid)"
exec 7>&-
wait "$mpid"
expect_status "restore a file that is no catalog" 1 restore "$tmp/d.csv"
expect_status "restore" 0 restore "$tmp/copy.db"
expect_eq "the later dataset is gone" \
	"$("$MCPCTL" dataset list --json | jq -r 'map(.name) | join(",")')" alpha
expect_eq "integrity after restore" "$(sqlite3 "$MCPD_DB" 'PRAGMA integrity_check')" ok

# vacuum: incremental needs one full pass first; then frees pruned logs
expect_status "vacuum without auto_vacuum" 1 vacuum
expect_in "says what to run" "$tmp/err" "mcpctl vacuum --full"
expect_status "vacuum --full" 0 vacuum --full
expect_eq "incremental from now on" "$(sqlite3 "$MCPD_DB" 'PRAGMA auto_vacuum')" 2
sqlite3 "$MCPD_DB" "DELETE FROM data_alpha"
expect_status "vacuum" 0 vacuum --json
check "freed space" test "$(jq .freed "$tmp/out")" -gt 100000
expect_eq "no free pages left" "$(sqlite3 "$MCPD_DB" 'PRAGMA freelist_count')" 0

done_testing
