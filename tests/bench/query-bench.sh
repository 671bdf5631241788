#!/bin/sh
# Large queries: mcpd's query tool against the sqlite3 shell, on the same
# catalog file, in the same run.  Each timing is a whole process (mcpd
# answering initialize plus one tools/call; the shell running the same
# SQL on the dataset's table), best of 5.
#
#   tests/bench/query-bench.sh [BUILD_DIR] [ROWS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
rows=${2:-1000000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/query-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
db=$tmp/catalog.db

awk -v n="$rows" 'BEGIN {
	print "id,grp,x,y,label"
	for (i = 1; i <= n; i++)
		printf "%d,g%d,%d,%.3f,item %d\n", i, i % 50, i % 1000, i / 7.0, i
}' > "$tmp/big.csv"
"$build/mcpctl/mcpctl" --db "$db" init --quiet
"$build/mcpctl/mcpctl" --db "$db" dataset add big --csv "$tmp/big.csv" --quiet
echo "dataset: $rows rows"

now() { date +%s.%N; }

# best NAME CMD...: best of 5 wall-clock runs of CMD, in seconds
best() {
	name=$1
	shift
	b=
	for run in 1 2 3 4 5; do
		t0=$(now)
		"$@" > "$tmp/out" 2>&1
		t1=$(now)
		b=$(echo "$t0 $t1 ${b:-}" | awk '{ d = $2 - $1; if ($3 == "" || d < $3) print d; else print $3 }')
	done
	echo "$name $b"
}

mcpd_query() {
	printf '%s\n' \
		'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":{\"sql\":\"$1\",\"max_rows\":$2}}}" |
		"$build/mcpd/mcpd" --db "$db" --max-rows 100000 --max-bytes 100000000 --timeout-ms 600000
}

run_case() {
	label=$1 sql=$2 limit=$3
	m=$(best mcpd mcpd_query "$sql" "$limit" | cut -d' ' -f2)
	grep -q '"isError":false' "$tmp/out" || { echo "mcpd failed on: $sql"; cat "$tmp/out" | cut -c1-300; exit 1; }
	tsql=$(echo "$sql" | sed 's/FROM big/FROM data_big/')
	s=$(best sqlite3 sqlite3 -csv "$db" "$tsql LIMIT $limit" | cut -d' ' -f2)
	echo "$label $m $s" | awk '{ printf "%-28s mcpd %.3f s   sqlite3 %.3f s   mcpd/sqlite3 %.2f\n", $1, $2, $3, $2 / $3 }'
}

run_case aggregate-by-group "SELECT grp, count(*), avg(y), sum(x) FROM big GROUP BY grp" 1000
run_case filter-and-sort "SELECT id, y FROM big WHERE x = 7 ORDER BY y DESC" 1000
run_case window-function "SELECT grp, max(r) FROM (SELECT grp, rank() OVER (PARTITION BY grp ORDER BY y) AS r FROM big) GROUP BY grp" 1000
run_case 100000-rows-out "SELECT id, grp, x, y, label FROM big" 100000
