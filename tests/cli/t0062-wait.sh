#!/bin/sh
# --wait SECONDS: a writer waits that long for another's lock on the
# catalog, then exits 5 naming the holder, which mcpctl records in
# catalog_writers while it writes; a row left by a dead process is
# ignored.  The holders are real: sqlite3 in a transaction, and a
# second mcpctl importing a large file.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'a\n1\n' > "$tmp/s.csv"
"$MCPCTL" dataset add s --csv "$tmp/s.csv" --quiet

# wait_for_writer: until the catalog's write lock is taken (at most 10 s)
wait_for_lock() {
	i=0
	while [ $i -lt 200 ]; do
		sqlite3 "$MCPD_DB" ".timeout 0" "BEGIN IMMEDIATE; ROLLBACK;" \
			>/dev/null 2>&1 || return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# sqlite3 holds the lock for 3 s
(echo "BEGIN IMMEDIATE;"; sleep 3; echo "COMMIT;") | sqlite3 "$MCPD_DB" &
holder=$!
check "sqlite3 holds the lock" wait_for_lock
before=$(sqlite3 "$MCPD_DB" "SELECT title FROM datasets")
start=$(date +%s)
expect_status "--wait 1 on a locked catalog" 5 --wait 1 dataset set s --title x
took=$(($(date +%s) - start))
check "it waited about 1 s, not 5 ($took s)" test "$took" -le 2
expect_in "says the catalog is locked" "$tmp/err" "stayed locked for 1 s"
expect_in "the holder did not record itself" "$tmp/err" "a process that did not record itself"
expect_eq "nothing changed" "$(sqlite3 "$MCPD_DB" "SELECT title FROM datasets")" "$before"
expect_status "--wait 10 gets the lock once it is free" 0 dataset set s --title y --wait 10
expect_eq "and writes" "$(sqlite3 "$MCPD_DB" "SELECT title FROM datasets")" "y"
wait $holder

# a stale row of a process that is gone is not named
sh -c 'exit 0' &
dead=$!
wait $dead
sqlite3 "$MCPD_DB" "INSERT INTO catalog_writers VALUES ($dead, 'mcpctl gone', '2020-01-01T00:00:00Z')"
(echo "BEGIN IMMEDIATE;"; sleep 2; echo "COMMIT;") | sqlite3 "$MCPD_DB" &
holder=$!
wait_for_lock
expect_status "--wait 0" 5 dataset rm s --wait 0
expect_not_in "the dead writer is not named" "$tmp/err" "mcpctl gone"
wait $holder
sqlite3 "$MCPD_DB" "DELETE FROM catalog_writers"

# a second mcpctl holds the lock while it imports a large file
awk 'BEGIN { print "id,x,y,name"; for (i = 0; i < 300000; i++)
	printf "%d,%d,%.3f,n%d\n", i, i % 97, i / 7, i % 1000 }' > "$tmp/big.csv"
"$MCPCTL" dataset add big --csv "$tmp/big.csv" --quiet &
importer=$!
i=0
pid=
while [ $i -lt 600 ] && [ -z "$pid" ]; do
	pid=$(sqlite3 "$MCPD_DB" "SELECT pid FROM catalog_writers" 2>/dev/null)
	[ -n "$pid" ] || sleep 0.05
	i=$((i + 1))
done
expect_eq "the importer recorded itself" "$pid" "$importer"
expect_status "a writer meanwhile" 5 --wait 0.2 dataset set s --title z
expect_in "names the importer's pid" "$tmp/err" "by pid $importer ("
expect_in "and its command" "$tmp/err" "mcpctl dataset add big --csv $tmp/big.csv --quiet, since "
wait $importer
expect_eq "the import went on" "$?" 0
expect_eq "its row is gone after the commit" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM catalog_writers")" 0
expect_eq "the waiting writer changed nothing" \
	"$(sqlite3 "$MCPD_DB" "SELECT title FROM datasets WHERE name = 's'")" "y"

# a failed import clears its row too
printf 'a\n1\n"x\n' > "$tmp/bad.csv"
expect_status "a failed import" 1 dataset add bad --csv "$tmp/bad.csv"
printf 'b\n1\n' > "$tmp/other.csv"
expect_status "a failed append (rolled back)" 1 dataset add s --csv "$tmp/other.csv" --append
expect_eq "no row left" "$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM catalog_writers")" 0

expect_status "--wait takes seconds" 2 dataset list --wait soon
expect_in "in words" "$tmp/err" "--wait needs a number of seconds (0 to 86400), got 'soon'"

done_testing
