#!/bin/bash
# describe_dataset is served from the catalog's context cache: the first
# call renders and the log writer stores the rendering, the next is read
# back (cache_hit in query_logs) with the very same answer; any change to
# the dataset or to a setting that shapes the answer misses, and a
# rendering is never served for another version.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
MCPCTL=${MCPCTL:?}
DB="$TMP/catalog.db"
q() { sqlite3 "$DB" "$1"; }
ctl() { "$MCPCTL" --db "$DB" -q "$@" >/dev/null 2>&1 || fail "mcpctl $*"; }

# describe ID: one call to a fresh mcpd, its result in $TMP/r.ID
describe() {
	printf '%s\n' "$INIT" \
		'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
		"{\"jsonrpc\":\"2.0\",\"id\":$1,\"method\":\"tools/call\",\"params\":{\"name\":\"describe_dataset\",\"arguments\":{\"name\":\"people\"}}}" |
		"$MCPD" --db "$DB" 2>>"$TMP/stderr" |
		jq -c "select(.id == $1) | .result" >"$TMP/r.$1"
	[ -s "$TMP/r.$1" ] || fail "no answer to describe $1"
}
hit() { q "SELECT cache_hit FROM query_logs WHERE request_id = '$1'"; }

describe 1
[ "$(hit 1)" = 0 ] || fail "the first call was a hit"
[ "$(q 'SELECT count(*) FROM context_cache')" = 1 ] || fail "nothing cached"
describe 2
[ "$(hit 2)" = 1 ] || fail "the second call missed the cache"
cmp -s "$TMP/r.1" "$TMP/r.2" || fail "the cached answer differs"

# mcpd serves what the cache holds (a marker only the cache has)
q "UPDATE context_cache SET markdown = 'FROM THE CACHE'"
describe 3
jq -e '.content[0].text == "FROM THE CACHE"' "$TMP/r.3" >/dev/null ||
	fail "describe did not read the cache: $(cat "$TMP/r.3")"
send_resource() {
	printf '%s\n' "$INIT" \
		'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
		'{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"mcpd://datasets/people"}}' |
		"$MCPD" --db "$DB" 2>>"$TMP/stderr" | jq -r 'select(.id == 9) | .result.contents[0].text'
}
[ "$(send_resource)" = "FROM THE CACHE" ] || fail "the resource did not read the cache"

# a change to the dataset moves its version: the marker is never served
ctl dataset set people --column age --description "age in years"
describe 4
[ "$(hit 4)" = 0 ] || fail "a hit after the dataset changed"
jq -e '.content[0].text | contains("age in years")' "$TMP/r.4" >/dev/null ||
	fail "the new description is not shown"
describe 5
[ "$(hit 5)" = 1 ] || fail "the new rendering was not cached"

# a setting that shapes the answer is part of the key
ctl config set describe_budget 300
describe 6
[ "$(hit 6)" = 0 ] || fail "a hit after describe_budget changed"
cmp -s "$TMP/r.5" "$TMP/r.6" && fail "describe_budget did not change the answer"

# a rendering for an older version is not stored over a newer one
v=$(q "SELECT version FROM datasets WHERE name = 'people'")
q "UPDATE context_cache SET version = $((v - 1))"
describe 7
[ "$(hit 7)" = 0 ] || fail "a rendering of another version was served"

# a read-only catalog
# still answers (nothing cached, nothing lost)
chmod 444 "$DB"
describe 8
jq -e '.isError | not' "$TMP/r.8" >/dev/null || fail "read-only catalog: $(cat "$TMP/r.8")"
chmod 644 "$DB"
echo "ok: context cache"
