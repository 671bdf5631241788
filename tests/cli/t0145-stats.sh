#!/bin/sh
# mcpctl stats: exact nearest-rank percentiles (checked against sort and
# awk over the same durations), status counts, groups, query shapes and
# the datasets never queried.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'g,x\na,1\n' > "$tmp/d.csv"
for d in alpha beta gamma; do
	"$MCPCTL" dataset add $d --csv "$tmp/d.csv" --quiet >/dev/null
done
# 200 calls with scattered durations; every 10th an error, every 25th a
# timeout, and one lost-rows summary that must not count as a call
sqlite3 "$MCPD_DB" "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO query_logs (ts, tool, datasets, status, duration_us, rows_returned,
	bytes_returned, sql_text, session_id, client_name)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % 48) || ' hours'),
	CASE WHEN i % 2 THEN 'query' ELSE 'sample_rows' END,
	CASE WHEN i % 3 THEN 'alpha' ELSE 'alpha,beta' END,
	CASE WHEN i % 25 = 0 THEN 'timeout' WHEN i % 10 = 0 THEN 'error' ELSE 'ok' END,
	(i * 7919) % 100003, i, 10 * i,
	'SELECT * FROM alpha WHERE x = ' || i || ' AND g = ''v' || i || '''',
	's' || (i % 2), 'host-' || (i % 2)
FROM n;
INSERT INTO query_logs (tool, status, lost_rows, error_text)
	VALUES ('mcpd', 'lost', 7, '7 rows not logged');"

sqlite3 "$MCPD_DB" "SELECT duration_us FROM query_logs WHERE status != 'lost'" |
	sort -n > "$tmp/d"
rank() { awk -v p="$1" '{ v[NR] = $1 } END { k = int((p * NR + 99) / 100); if (k < 1) k = 1; print v[k] }' "$tmp/d"; }

expect_status "stats --json" 0 stats --json
j() { jq -r "$1" "$tmp/out"; }
expect_eq "calls exclude the loss summary" "$(j .calls)" 200
expect_eq "errors" "$(j .errors)" 16
expect_eq "timeouts" "$(j .timeouts)" 8
expect_eq "error rate (not ok)" "$(j .error_rate)" 0.12
expect_eq "lost rows" "$(j .lost_rows)" 7
expect_eq "p50 exact" "$(j .latency_us.p50)" "$(rank 50)"
expect_eq "p95 exact" "$(j .latency_us.p95)" "$(rank 95)"
expect_eq "p99 exact" "$(j .latency_us.p99)" "$(rank 99)"
expect_eq "max" "$(j .latency_us.max)" "$(tail -n 1 "$tmp/d")"
expect_eq "rows returned" "$(j .rows_returned)" 20100
expect_eq "bytes returned" "$(j .bytes_returned)" 201000
expect_eq "by tool" "$(j '.by.groups | map(.name + ":" + (.calls | tostring)) | join(",")')" \
	"query:100,sample_rows:100"
expect_eq "one shape for 200 literals" "$(j '.frequent | length')" 1
expect_eq "the shape" "$(j '.frequent[0].shape')" "select * from alpha where x = ? and g = ?"
expect_eq "never queried" "$(j '.unused_datasets | join(",")')" "gamma"
expect_eq "a histogram of every call" "$(j '[.histogram[].count] | add')" 200
expect_eq "a timeline of every call" "$(j '.timeline.counts | add')" 200
expect_eq "clients" "$(j '.clients | map(.name) | sort | join(",")')" "host-0,host-1"

# per-group percentiles, against sort and awk again
sqlite3 "$MCPD_DB" "SELECT duration_us FROM query_logs WHERE tool = 'query'" |
	sort -n > "$tmp/d"
expect_eq "p95 of one tool" "$(j '.by.groups[] | select(.name == "query") | .p95_us')" "$(rank 95)"

expect_status "stats --by dataset" 0 stats --by dataset --json
expect_eq "a call over two datasets counts for both" \
	"$(j '.by.groups | map(.name + ":" + (.calls | tostring)) | join(",")')" \
	"alpha:200,beta:66"
expect_status "stats --since 24h" 0 stats --since 24h --json
expect_eq "the window cuts" "$(j .calls)" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM query_logs WHERE status != 'lost' AND ts >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')")"
expect_status "stats --by day" 0 stats --by day --json
expect_eq "days" "$(j '.by.groups | length')" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(DISTINCT substr(ts, 1, 10)) FROM query_logs WHERE status != 'lost'")"

expect_status "stats as text" 0 stats
expect_in "calls line" "$tmp/out" "calls      200"
expect_in "never queried line" "$tmp/out" "datasets never queried: gamma"
check "no chart into a pipe" sh -c "! grep -q 'calls over time' '$tmp/out'"
expect_status "stats --chart" 0 stats --chart
expect_in "a Unicode chart" "$tmp/out" "█"
expect_status "stats --chart --ascii" 0 stats --chart --ascii
check "ASCII only" sh -c "! LC_ALL=C grep -q '[^ -~]' '$tmp/out'"
expect_status "stats --by nonsense" 2 stats --by nonsense

# an empty log
rm -f "$MCPD_DB"*
"$MCPCTL" init --quiet >/dev/null
expect_status "stats on an empty log" 0 stats --json
expect_eq "no calls" "$(j .calls)" 0
expect_status "stats text on an empty log" 0 stats --chart

done_testing
