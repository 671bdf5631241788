#!/bin/sh
# mcpctl logs: the rows a real mcpd wrote, shown, filtered, followed,
# exported (CSV read back by sqlite3, JSON lines by jq) and pruned.
. "$(dirname "$0")/lib.sh"
: "${MCPD:?MCPD must name the mcpd binary}"

"$MCPCTL" init --quiet >/dev/null
printf 'g,x\na,1\nb,2\na,3\n' > "$tmp/d.csv"
"$MCPCTL" dataset add alpha --csv "$tmp/d.csv" --quiet >/dev/null
"$MCPCTL" dataset add beta --csv "$tmp/d.csv" --quiet >/dev/null

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cli-test","version":"1"}}}'
call() { # ID SQL
	printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"query","arguments":{"sql":%s}}}\n' "$1" "$2"
}
{
	echo "$INIT"
	call 1 '"SELECT g, count(*) FROM alpha GROUP BY g"'
	call 2 '"SELECT x FROM beta WHERE x = 2"'
	call 3 '"SELECT nope FROM alpha"'
	call 4 '"SELECT * FROM sqlite_schema"'
	# a quote, a comma and a newline: CSV must quote them
	cat <<'JSON'
{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT 'a,\"b\"' AS q\nFROM alpha"}}}
JSON
	call 6 '"SELECT 1 FROM alpha"'
} | "$MCPD" --db "$MCPD_DB" >"$tmp/mcpd.out" 2>"$tmp/mcpd.err"
check "mcpd answered" test "$(grep -c '"result"' "$tmp/mcpd.out")" -eq 7

expect_status "logs" 0 logs
expect_eq "one line per call" "$(wc -l < "$tmp/out")" 6
expect_in "shows the client" "$tmp/out" "cli-test"
expect_in "shows the SQL" "$tmp/out" "SELECT g, count(*) FROM alpha GROUP BY g"
check "no color into a pipe" sh -c "! grep -q \"$(printf '\033')\" '$tmp/out'"
# on a terminal (script(1) gives one): colors, unless NO_COLOR
if command -v script >/dev/null 2>&1; then
	esc=$(printf '\033')
	script -qec "'$MCPCTL' logs --status ok --tail 1" /dev/null > "$tmp/tty" 2>&1
	check "colors on a terminal" grep -q "${esc}\[32mok" "$tmp/tty"
	NO_COLOR=1 script -qec "'$MCPCTL' logs --status ok --tail 1" /dev/null > "$tmp/tty" 2>&1
	check "no colors under NO_COLOR" sh -c "! grep -q '${esc}\[3' '$tmp/tty'"
	expect_in "still the row" "$tmp/tty" "cli-test"
fi
expect_status "logs --tail 2" 0 logs --tail 2
expect_eq "two lines" "$(wc -l < "$tmp/out")" 2
expect_in "the last row last" "$tmp/out" \
	"$(sqlite3 "$MCPD_DB" 'SELECT sql_text FROM query_logs ORDER BY id DESC LIMIT 1')"
expect_status "logs --status error" 0 logs --status error --jsonl
expect_eq "only the error" "$(jq -r .request_id "$tmp/out")" 3
expect_status "logs --status denied" 0 logs --status denied --jsonl
expect_eq "only the denied one" "$(jq -r .request_id "$tmp/out")" 4
expect_status "logs --dataset beta" 0 logs --dataset beta --jsonl
expect_eq "only beta" "$(jq -r .request_id "$tmp/out")" 2
expect_status "logs --json" 0 logs --json
expect_eq "a JSON array of 6" "$(jq length "$tmp/out")" 6
expect_eq "with the session id" "$(jq -r '.[0].session_id | length' "$tmp/out")" 32
expect_status "--since in the future" 0 logs --since 2999-01-01 --jsonl
expect_eq "nothing" "$(wc -c < "$tmp/out")" 0
expect_status "--since 1h" 0 logs --since 1h --jsonl
expect_eq "everything" "$(wc -l < "$tmp/out")" 6
expect_status "a bad --since" 2 logs --since yesterday
expect_status "a bad --status" 2 logs --status fine
expect_status "an unknown verb" 2 logs frobnicate

# export: CSV read back by sqlite3, JSON lines by jq
expect_status "export csv" 0 logs export --format csv --out "$tmp/x.csv"
sqlite3 "$tmp/x.db" ".import --csv $tmp/x.csv x"
expect_eq "CSV has every row" "$(sqlite3 "$tmp/x.db" 'SELECT count(*) FROM x')" 6
expect_eq "CSV keeps quotes, commas and newlines" \
	"$(sqlite3 "$tmp/x.db" "SELECT sql_text FROM x WHERE request_id = '5'")" \
	"$(sqlite3 "$MCPD_DB" "SELECT sql_text FROM query_logs WHERE request_id = '5'")"
expect_eq "CSV hashes match" \
	"$(sqlite3 "$tmp/x.db" "SELECT group_concat(sql_hash) FROM x")" \
	"$(sqlite3 "$MCPD_DB" "SELECT group_concat(sql_hash) FROM query_logs")"
expect_status "export jsonl to stdout" 0 logs export --format jsonl
expect_eq "JSON lines, one per row" "$(jq -s length "$tmp/out")" 6
expect_eq "fields survive" "$(jq -r 'select(.request_id == "1") | .rows_returned' "$tmp/out")" 2
expect_status "export needs a format" 2 logs export
expect_status "export --format xml" 2 logs export --format xml

# --follow prints what a running mcpd logs afterwards
"$MCPCTL" logs --follow --jsonl --tail 0 >"$tmp/follow" 2>&1 &
fpid=$!
# wait until it has the catalog open (a loaded machine can take seconds to
# start it), then a little longer for it to note where the log ends
i=0
while [ $i -lt 100 ] && ! ls -l /proc/$fpid/fd 2>/dev/null | grep -q "$MCPD_DB"; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.5
{ echo "$INIT"; call 7 '"SELECT 7777 FROM alpha"'; } |
	"$MCPD" --db "$MCPD_DB" >/dev/null 2>&1
i=0
while [ $i -lt 50 ] && ! grep -q 7777 "$tmp/follow"; do
	sleep 0.1
	i=$((i + 1))
done
kill "$fpid"
wait "$fpid"
expect_in "--follow shows the new call" "$tmp/follow" "SELECT 7777 FROM alpha"
expect_eq "and only it" "$(jq -s length "$tmp/follow")" 1

# prune: back-date two rows, then only they go
sqlite3 "$MCPD_DB" "UPDATE query_logs SET ts = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-40 days') WHERE request_id IN ('1', '2')"
expect_status "prune --older-than 30d" 0 logs prune --older-than 30d
expect_in "says how many" "$tmp/out" "deleted 2 log rows"
expect_eq "the rest stay" "$(sqlite3 "$MCPD_DB" 'SELECT group_concat(request_id) FROM (SELECT request_id FROM query_logs ORDER BY 0 + request_id)')" "3,4,5,6,7"
expect_status "prune needs an age" 2 logs prune
expect_status "prune with a bad age" 2 logs prune --older-than soon

done_testing
