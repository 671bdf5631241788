#!/bin/sh
# Design-based standard errors against the point estimate alone, in the
# same run: weighted_stats with se: false and with se: true on ROWS rows
# (default 10 million) with 1,000 PSUs in 50 strata.  Each timing is a
# whole mcpd process (initialize plus one tools/call), best of 3: wall
# clock, and CPU time (user + system), which a busy machine disturbs
# less; peak memory is that process's maximum resident set (GNU time's
# %M).
#
#   tests/bench/svy-bench.sh [BUILD_DIR] [ROWS]
#
# Use a release build (meson setup build --buildtype=release): the
# sanitizer build of the tests is several times slower.  Registering 10
# million rows (profile and design check) takes minutes; with
# SVY_BENCH_DIR=DIR the data is made in DIR once and kept for later runs.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
rows=${2:-10000000}
if [ -n "${SVY_BENCH_DIR:-}" ]; then
	tmp=$SVY_BENCH_DIR
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/svy-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
fi
db=$tmp/catalog.db

# 50 strata of 20 PSUs; unequal weights; a measure, a group and a filter
if [ ! -s "$db" ]; then
sqlite3 "$tmp/src.db" <<EOF
CREATE TABLE svy (stratum INTEGER, psu INTEGER, w REAL, x REAL, grp TEXT);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r
	WHERE i + 1 < $rows)
INSERT INTO svy SELECT (i % 1000) / 20, i % 1000,
	50 + (abs(random()) % 1000) / 10.0,
	1000 + (i % 1000) + (abs(random()) % 10000) / 100.0,
	'g' || (i % 7)
FROM r;
EOF
"$build/mcpctl/mcpctl" --db "$db" init --quiet
"$build/mcpctl/mcpctl" --db "$db" config set query_timeout_ms 600000 \
	--quiet
t0=$(date +%s.%N)
"$build/mcpctl/mcpctl" --db "$db" dataset add big --sqlite "$tmp/src.db" \
	--table svy --weight w --strata stratum --cluster psu
t1=$(date +%s.%N)
echo "dataset: $rows rows; registered with its design in" \
	"$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s"
fi

call() {
	printf '%s\n' \
		'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"weighted_stats\",\"arguments\":$1}}" |
		/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" \
			"$build/mcpd/mcpd" --db "$db" --timeout-ms 600000 \
			> "$tmp/out" 2>/dev/null
	grep -q '"isError":false' "$tmp/out" ||
		{ echo "mcpd failed on: $1"; cut -c1-400 "$tmp/out"; exit 1; }
	cat "$tmp/time"
}

# best ARGS: "seconds user system peak_kb", best wall time of 3
best() {
	: > "$tmp/runs"
	for run in 1 2 3; do
		call "$1" >> "$tmp/runs"
	done
	sort -n "$tmp/runs" | head -1
}

run_case() {
	label=$1 args=$2
	best "{$args,\"se\":false}" > "$tmp/p"
	best "{$args,\"se\":true}" > "$tmp/s"
	p=$(cat "$tmp/p")
	s=$(cat "$tmp/s")
	echo "$label $p $s" | awk '{
		printf "%-16s point %6.2f s (cpu %6.2f s) %4.0f MB   " \
			"se %6.2f s (cpu %6.2f s) %4.0f MB   " \
			"se/point %.2f (cpu %.2f)\n", $1, $2, $3 + $4, \
			$5 / 1024, $6, $7 + $8, $9 / 1024, $6 / $2, \
			($7 + $8) / ($3 + $4) }'
}

run_case mean '"dataset":"big","measure":"x"'
run_case mean-by-group '"dataset":"big","measure":"x","by":["grp"]'
run_case total-in-domain '"dataset":"big","stat":"total","measure":"x","where":"grp = '"'"'g3'"'"'"'
run_case percent '"dataset":"big","stat":"percent","measure":"grp"'
