#!/bin/bash
# Several hosts at once: three mcpd processes answer 200 calls each while
# mcpctl imports a dataset into the same catalog.  Every call lands in
# query_logs exactly once, under its process's session id, and nothing is
# counted lost.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
N=200
awk 'BEGIN { print "id,region,value"; for (i = 1; i <= 200000; i++)
	printf "%d,r%d,%d.5\n", i, i % 17, i }' > "$TMP/big.csv"
for p in 1 2 3; do
	{
		echo "$INIT"
		for i in $(seq 1 $N); do
			if [ $((i % 2)) = 0 ]; then
				echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT $p, $i, count(*) FROM people\"}}}"
			else
				echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"list_datasets\",\"arguments\":{}}}"
			fi
		done
	} > "$TMP/in$p"
done
"$MCPCTL" --db "$TMP/catalog.db" -q dataset add bulk --csv "$TMP/big.csv" \
	2> "$TMP/ctl.err" &
CTL=$!
pids=()
for p in 1 2 3; do
	"$MCPD" --db "$TMP/catalog.db" < "$TMP/in$p" > "$TMP/out$p" \
		2> "$TMP/err$p" &
	pids+=($!)
done
for p in 0 1 2; do
	wait "${pids[$p]}" || fail "mcpd $((p + 1)) exited with $?"
done
wait "$CTL" || { cat "$TMP/ctl.err" >&2; fail "mcpctl dataset add failed"; }
for p in 1 2 3; do
	n=$(jq -s 'map(select(.result.content)) | length' "$TMP/out$p")
	[ "$n" = $N ] || fail "mcpd $p answered $n calls of $N"
	if [ -s "$TMP/err$p" ]; then
		cat "$TMP/err$p" >&2
		fail "mcpd $p wrote to stderr"
	fi
done
q() { sqlite3 -separator '|' "$TMP/catalog.db" "$1"; }
got=$(q "SELECT count(*), count(DISTINCT session_id) FROM query_logs")
[ "$got" = "$((3 * N))|3" ] || fail "rows|sessions: $got, wanted $((3 * N))|3"
got=$(q "SELECT group_concat(n) FROM (SELECT count(*) AS n, count(DISTINCT request_id) AS d
	 FROM query_logs GROUP BY session_id HAVING d = n)")
[ "$got" = "$N,$N,$N" ] || fail "rows per session: $got"
got=$(q "SELECT count(*) FROM query_logs WHERE status = 'lost'")
[ "$got" = 0 ] || fail "$got loss summaries"
got=$(q "SELECT row_count FROM datasets WHERE name = 'bulk'")
[ "$got" = 200000 ] || fail "the import has $got rows"
echo "ok"
