#!/bin/bash
# mcpd's own retention: rows older than log_retention_days go, then the
# oldest rows while the log weighs more than log_max_mb; recent rows and
# the rows of this run stay.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
q() { sqlite3 -separator '|' "$TMP/catalog.db" "$1"; }
q "UPDATE system_config SET value = '30' WHERE key = 'log_retention_days';
   UPDATE system_config SET value = '1' WHERE key = 'log_max_mb';
   WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
   INSERT INTO query_logs (ts, row_bytes, tool, status, sql_text)
	SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-40 days', '+' || i || ' seconds'),
		300, 'query', 'ok', 'old ' || i FROM n;
   WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
   INSERT INTO query_logs (ts, row_bytes, tool, status, sql_text)
	SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 days', '+' || i || ' seconds'),
		1000, 'query', 'ok', 'recent ' || i || ' ' || hex(randomblob(400)) FROM n;" ||
	fail "cannot fill the log"
[ "$(q "SELECT sum(row_bytes) > 1048576 FROM query_logs")" = 1 ] ||
	fail "the filled log is not over 1 MB"
maxid=$(q "SELECT max(id) FROM query_logs")

start
send "$INIT"
expect '.id == "init"'
send '{"jsonrpc":"2.0","id":"now","method":"tools/call","params":{"name":"list_datasets","arguments":{}}}'
expect '.id == "now"'
deadline=$((SECONDS + 15))
while [ "$SECONDS" -le "$deadline" ]; do
	[ "$(q "SELECT sum(row_bytes) <= 1048576 * 9 / 10 FROM query_logs")" = 1 ] && break
	sleep 0.2
done
finish || fail "mcpd exited with $?"
got=$(q "SELECT count(*) FROM query_logs WHERE sql_text LIKE 'old %'")
[ "$got" = 0 ] || fail "$got rows past log_retention_days remain"
got=$(q "SELECT sum(row_bytes) <= 1048576 * 9 / 10 FROM query_logs")
[ "$got" = 1 ] || fail "the log still weighs $(q "SELECT sum(row_bytes) FROM query_logs") bytes"
# the oldest went first: what remains is the newest run of ids, unbroken
got=$(q "SELECT max(id) - min(id) + 1 = count(*), max(id) > $maxid FROM query_logs")
[ "$got" = "1|1" ] || fail "the oldest rows were not the ones deleted: $got"
got=$(q "SELECT count(*) FROM query_logs WHERE request_id = '\"now\"'")
[ "$got" = 1 ] || fail "this run's row is missing"
got=$(q "SELECT count(*) > 800 FROM query_logs WHERE sql_text LIKE 'recent %'")
[ "$got" = 1 ] || fail "too many recent rows went: $(q "SELECT count(*) FROM query_logs")"
echo "ok"
