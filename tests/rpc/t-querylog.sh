#!/bin/bash
# Every tool call lands in query_logs, written by the background writer:
# client, tool, dataset, arguments, status, error, rows, bytes, duration.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
{
	echo "$INIT"
	echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_datasets","arguments":{}}}'
	echo '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"people"}}}'
	echo '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"hidden"}}}'
	echo '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"no_such_tool"}}'
	echo '{"jsonrpc":"2.0","id":5,"method":"tools/list"}'
} | "$MCPD" --db "$TMP/catalog.db" > "$TMP/stdout" 2> "$TMP/stderr" ||
	fail "mcpd exited with $?"
sqlite3 -separator '|' "$TMP/catalog.db" \
	"SELECT client_name, client_version, tool, coalesce(datasets, '-'),
		arguments, status, coalesce(error_text, '-'), rows_returned,
		bytes_returned > 0, duration_us > 0
	 FROM query_logs ORDER BY tool, datasets" > "$TMP/got" ||
	fail "cannot read query_logs"
cat > "$TMP/want" <<'ROWS'
rpc-test|9.9|describe_dataset|hidden|{"name":"hidden"}|error|no dataset named 'hidden'; call list_datasets to see the names|0|1|1
rpc-test|9.9|describe_dataset|people|{"name":"people"}|ok|-|1|1|1
rpc-test|9.9|list_datasets|-|{}|ok|-|2|1|1
ROWS
diff -u "$TMP/want" "$TMP/got" || fail "query_logs rows differ"
echo "ok"
