#!/bin/bash
# The complete query_logs row: N calls give N rows with one session id
# (128 random bits in hex) for the process, the request id, the protocol
# revision and the client, from initialize or from a 2026-07-28 request's
# _meta.  SQL over 16 KiB is kept cut, with its whole length and SHA-256;
# an argument named like a secret is stored as "***".
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
command -v sha256sum > /dev/null || { echo "skip: no sha256sum"; exit 77; }
fixture
N=25
# a 20,000-byte statement: a long list of literals, then a multi-byte tail
big="SELECT count(*) FROM people WHERE id IN ($(seq -s, 1 4000 | cut -c1-19960))"
big="$big OR region = 'é'"
printf '%s' "$big" > "$TMP/big.sql"
{
	echo "$INIT"
	for i in $(seq 1 $N); do
		case $((i % 3)) in
		0) echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT region FROM people WHERE id = $i\"}}}" ;;
		1) echo "{\"jsonrpc\":\"2.0\",\"id\":\"r$i\",\"method\":\"tools/call\",\"params\":{\"name\":\"describe_dataset\",\"arguments\":{\"name\":\"people\"}}}" ;;
		2) echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT nope FROM people\"}}}" ;;
		esac
	done
	jq -cn --rawfile sql "$TMP/big.sql" \
		'{jsonrpc:"2.0",id:"big",method:"tools/call",params:{name:"query",arguments:{sql:$sql}}}'
	echo '{"jsonrpc":"2.0","id":"secret","method":"tools/call","params":{"name":"list_datasets","arguments":{"api_key":"sk-live-123","opts":{"Auth_Token":"tok-456","depth":2}}}}'
	echo '{"jsonrpc":"2.0","id":"modern","method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"meta-host","version":"7.1"},"io.modelcontextprotocol/clientCapabilities":{}},"name":"list_datasets","arguments":{}}}'
} | "$MCPD" --db "$TMP/catalog.db" > "$TMP/stdout" 2> "$TMP/stderr" ||
	fail "mcpd exited with $?"

q() { sqlite3 -separator '|' "$TMP/catalog.db" "$1"; }

rows=$(q "SELECT count(*) FROM query_logs")
[ "$rows" = $((N + 3)) ] || fail "$rows rows, wanted $((N + 3))"
sessions=$(q "SELECT count(DISTINCT session_id) FROM query_logs")
[ "$sessions" = 1 ] || fail "$sessions session ids, wanted 1"
sid=$(q "SELECT session_id FROM query_logs LIMIT 1")
[[ $sid =~ ^[0-9a-f]{32}$ ]] || fail "session id '$sid' is not 128 bits of hex"

# every call's request id is there once, with its own status
got=$(q "SELECT request_id || ':' || status FROM query_logs
	 WHERE request_id NOT IN ('\"big\"', '\"secret\"', '\"modern\"')
	 ORDER BY id" | sort)
want=$(for i in $(seq 1 $N); do
	case $((i % 3)) in
	0) echo "$i:ok" ;;
	1) echo "\"r$i\":ok" ;;
	2) echo "$i:error" ;;
	esac
done | sort)
[ "$got" = "$want" ] || fail "request ids and statuses differ: $(diff <(echo "$want") <(echo "$got"))"

# client and revision: from initialize, or from the request's _meta
got=$(q "SELECT DISTINCT protocol || ' ' || client_name || ' ' || client_version
	 FROM query_logs WHERE request_id != '\"modern\"'")
[ "$got" = "2025-11-25 rpc-test 9.9" ] || fail "legacy rows say '$got'"
got=$(q "SELECT protocol || ' ' || client_name || ' ' || client_version
	 FROM query_logs WHERE request_id = '\"modern\"'")
[ "$got" = "2026-07-28 meta-host 7.1" ] || fail "the _meta row says '$got'"

# the other fields of a query row
got=$(q "SELECT tool, datasets, sql_text, rows_returned, bytes_returned > 0,
		duration_us > 0, cache_hit, sql_len, length(sql_hash)
	 FROM query_logs WHERE request_id = '3'")
[ "$got" = "query|people|SELECT region FROM people WHERE id = 3|1|1|1|0|38|64" ] ||
	fail "query row: $got"
got=$(q "SELECT error_text IS NOT NULL FROM query_logs WHERE request_id = '2'")
[ "$got" = 1 ] || fail "the failed query has no error text"

# the 16 KiB cap, with the whole length and hash
want_len=$(wc -c < "$TMP/big.sql")
want_hash=$(sha256sum < "$TMP/big.sql" | cut -d' ' -f1)
got=$(q "SELECT length(CAST(sql_text AS BLOB)), sql_len, sql_hash,
		substr(sql_text, 1, 40) = substr('$(head -c 40 "$TMP/big.sql")', 1, 40)
	 FROM query_logs WHERE request_id = '\"big\"'")
[ "$got" = "16384|$want_len|$want_hash|1" ] ||
	fail "big statement: got '$got', wanted 16384|$want_len|$want_hash|1"
got=$(q "SELECT args_len > 16384, length(CAST(arguments AS BLOB)) <= 16384
	 FROM query_logs WHERE request_id = '\"big\"'")
[ "$got" = "1|1" ] || fail "big arguments: $got"

# secrets, at any depth, never reach the catalog
got=$(q "SELECT arguments FROM query_logs WHERE request_id = '\"secret\"'")
[ "$got" = '{"api_key":"***","opts":{"Auth_Token":"***","depth":2}}' ] ||
	fail "secret arguments stored as '$got'"
if grep -a -q -e 'sk-live-123' -e 'tok-456' "$TMP"/catalog.db*; then
	fail "a secret reached the catalog file"
fi
echo "ok"
