#!/bin/sh
# One benchmark for everything: mcpd against the sqlite3 shell and DuckDB
# on the same generated data, and against DBHub for the MCP-level figures,
# in the same run.  Prints one markdown table (medians of RUNS runs).
#
#   tests/bench/run.sh [--quick]
#
# --quick: 10,000 rows and fewer calls; a smoke test that the harness
# runs (scripts/test.sh runs it), not a measurement.
# Environment: BUILD (default build-bench, set up as a release build when
# missing), SIZES (default "100000 1000000 10000000"), KEY_ONLY_ABOVE
# (sizes above it run only the weighted_stats rows without a filter and
# the rows-returned row; default 1000000), RUNS (default 3).
#
# Needs Node 22, DBHub and the MCP SDK (tests/e2e/setup-node.sh, run here
# when missing) and @duckdb/node-api, installed here into
# tests/bench/node_modules: a benchmark-only dependency, not in the build.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
bench=$src/tests/bench
quick=0
[ "${1:-}" = "--quick" ] && quick=1
build=${BUILD:-$src/build-bench}
case $build in /*) ;; *) build=$src/$build ;; esac
runs=${RUNS:-3}
if [ $quick = 1 ]; then
	sizes=${SIZES:-10000}
else
	sizes=${SIZES:-100000 1000000 10000000}
fi
key_only_above=${KEY_ONLY_ABOVE:-1000000}

say() { printf 'run.sh: %s\n' "$*" >&2; }

if [ ! -x "$build/mcpd/mcpd" ]; then
	say "building $build (release)"
	[ -d "$build" ] || meson setup "$build" --buildtype=release >&2
	ninja -C "$build" mcpd/mcpd mcpctl/mcpctl >&2
fi
node=$src/tests/e2e/.node/node_modules/.bin/node
dbhub=$src/tests/e2e/node_modules/@bytebase/dbhub/dist/index.js
if [ ! -x "$node" ] || [ ! -e "$dbhub" ]; then
	"$src/tests/e2e/setup-node.sh" >&2
fi
if [ ! -e "$bench/node_modules/@duckdb/node-api/package.json" ]; then
	say "installing @duckdb/node-api into tests/bench/node_modules"
	npm=$(dirname "$node")/npm
	[ -x "$npm" ] || npm=npm
	(cd "$bench" && PATH=$(dirname "$node"):$PATH "$npm" ci --no-audit \
		--no-fund >&2)
fi
command -v sqlite3 >/dev/null || { say "needs the sqlite3 shell"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcpd-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/echo-server" "$bench/echo-server.c"

# N rows, 13 columns, 50 groups, a weight; about 1% of income and of y
# empty (NULL), so left-out rows are part of the work
gen() {
	awk -v n="$1" 'BEGIN {
		srand(7)
		print "id,grp,region,sex,age,income,y,edu,city,flag,x,score,weight"
		split("north south east west", R, " ")
		split("none primary secondary tertiary doctorate", E, " ")
		for (i = 1; i <= n; i++) {
			inc = rand() < 0.01 ? "" : 10000 + int(rand() * 120000)
			y = rand() < 0.01 ? "" : sprintf("%.4f", rand() * 100)
			printf "%d,g%02d,%s,%s,%d,%s,%s,%s,c%03d,%d,%d,%.6f,%.3f\n",
				i, 1 + int(rand() * 50), R[1 + int(rand() * 4)],
				(rand() < 0.5 ? "f" : "m"), 18 + int(rand() * 70),
				inc, y, E[1 + int(rand() * 5)], int(rand() * 200),
				(rand() < 0.3), int(rand() * 1000), rand(),
				0.2 + rand() * 2
		}
	}'
}

json_sizes=
for n in $sizes; do
	say "generating $n rows"
	gen "$n" >"$tmp/people-$n.csv"
	key=false
	[ "$n" -gt "$key_only_above" ] && key=true
	"$build/mcpctl/mcpctl" --db "$tmp/cat-$n.db" init --quiet >/dev/null
	json_sizes="$json_sizes${json_sizes:+,}{\"rows\":$n,\"csv\":\"$tmp/people-$n.csv\",\"catalog\":\"$tmp/cat-$n.db\",\"table\":\"data_people\",\"key_only\":$key}"
done

# 200 columns, 1,000 rows, for describe_dataset
awk 'BEGIN {
	for (c = 1; c <= 200; c++) printf "%scol_%03d", (c > 1 ? "," : ""), c
	print ""
	for (i = 1; i <= 1000; i++) {
		for (c = 1; c <= 200; c++)
			printf "%s%s", (c > 1 ? "," : ""), (c % 3 ? i * c : "t" (i % 7))
		print ""
	}
}' >"$tmp/wide.csv"
"$build/mcpctl/mcpctl" --db "$tmp/wide.db" init --quiet >/dev/null
"$build/mcpctl/mcpctl" --db "$tmp/wide.db" dataset add wide --csv \
	"$tmp/wide.csv" --quiet >/dev/null

cat >"$tmp/config.json" <<JSON
{"mcpd":"$build/mcpd/mcpd","mcpctl":"$build/mcpctl/mcpctl","node":"$node",
 "dbhub":"$dbhub","echo":"$tmp/echo-server","tmp":"$tmp","runs":$runs,
 "quick":$([ $quick = 1 ] && echo true || echo false),
 "sizes":[$json_sizes],
 "wide":{"csv":"$tmp/wide.csv","catalog":"$tmp/wide.db"}}
JSON

echo "mcpd $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')," \
	"$(sqlite3 --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 shell /')," \
	"DuckDB $("$node" -p "require('$bench/node_modules/@duckdb/node-api/package.json').version")," \
	"DBHub $("$node" -p "require('$src/tests/e2e/node_modules/@bytebase/dbhub/package.json').version")," \
	"node $("$node" --version); $(nproc) CPUs:" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); " \
	"$(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
echo
"$node" "$bench/bench.mjs" "$tmp/config.json"
