#!/bin/bash
# mcpd against DBHub (npm @bytebase/dbhub) on the same SQLite file, in the
# same run: spawn-to-initialize-response time (median of 20), per-call
# latency and throughput of tools/call through the MCP SDK client.
#
#   tests/bench/mcp-bench.sh [BUILD_DIR] [ROWS]
#
# Needs tests/e2e/setup-node.sh to have run (Node 22, the SDK, DBHub).
# Both servers answer the same SQL over the same table: mcpd through its
# query tool (guard, limits, markdown rendering, query log), DBHub
# through execute_sql on the catalog file opened directly.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
rows=${2:-100000}
mcpd=$build/mcpd/mcpd
mcpctl=$build/mcpctl/mcpctl
e2e=$src/tests/e2e
node=$e2e/.node/node_modules/.bin/node
dbhub=$e2e/node_modules/@bytebase/dbhub/dist/index.js
for f in "$mcpd" "$mcpctl" "$node" "$dbhub"; do
	if [ ! -e "$f" ]; then
		echo "mcp-bench: missing $f (build first; run" \
			"tests/e2e/setup-node.sh)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcp-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

awk -v n="$rows" 'BEGIN {
	srand(11)
	print "id,region,sex,age,income,weight"
	split("north south east west", R, " ")
	for (i = 1; i <= n; i++)
		printf "%d,%s,%s,%d,%d,%.3f\n", i, R[1 + int(rand() * 4)],
			(rand() < 0.5 ? "f" : "m"), 18 + int(rand() * 70),
			10000 + int(rand() * 120000), 0.2 + rand() * 2
}' >"$tmp/people.csv"
"$mcpctl" --db "$tmp/catalog.db" init --quiet >/dev/null
"$mcpctl" --db "$tmp/catalog.db" dataset add people --csv "$tmp/people.csv" \
	--weight weight --quiet >/dev/null
table=$(sqlite3 "$tmp/catalog.db" \
	"SELECT data_table FROM datasets WHERE name = 'people'")

# a small answer that reads five rows, so the figures are about the
# server, not the SQL
sql_mcpd="SELECT id, region, age, income FROM people LIMIT 5"
sql_dbhub="SELECT id, region, age, income FROM $table LIMIT 5"
# an aggregate over every row, for the large-query line
agg_mcpd="SELECT region, count(*) AS n, avg(income) AS mean FROM people GROUP BY region"
agg_dbhub="SELECT region, count(*) AS n, avg(income) AS mean FROM $table GROUP BY region"

spec() { # name sql_mcpd sql_dbhub
	"$node" -e '
	const [mcpd, db, node, dbhub, smcpd, sdbhub] = process.argv.slice(1);
	console.log(JSON.stringify({
		runs: Number(process.env.RUNS || 20),
		calls: Number(process.env.CALLS || 500),
		concurrency: Number(process.env.CONCURRENCY || 8),
		total: Number(process.env.TOTAL || 2000),
		servers: [
			{ name: "mcpd", command: mcpd, args: ["--db", db],
			  tool: "query", arguments: { sql: smcpd } },
			{ name: "dbhub", command: node,
			  args: [dbhub, "--transport", "stdio",
				"--dsn", "sqlite://" + db],
			  tool: "execute_sql", arguments: { sql: sdbhub } },
		] }));' "$mcpd" "$tmp/catalog.db" "$node" "$dbhub" "$2" "$3" \
	>"$tmp/$1.json"
}

echo "$("$mcpd" --version 2>&1 | head -1), DBHub" \
	"$("$node" -p "require('$e2e/node_modules/@bytebase/dbhub/package.json').version"),"\
	"node $("$node" --version), $rows rows, $(nproc) CPUs"
echo
echo "== small query: $sql_mcpd"
spec small "$sql_mcpd" "$sql_dbhub"
"$node" "$src/tests/bench/mcp-bench.mjs" "$tmp/small.json"
echo
echo "== aggregate over all $rows rows: $agg_mcpd"
RUNS=${RUNS:-20} CALLS=${AGG_CALLS:-50} TOTAL=${AGG_TOTAL:-200} \
	spec agg "$agg_mcpd" "$agg_dbhub"
"$node" "$src/tests/bench/mcp-bench.mjs" "$tmp/agg.json"
