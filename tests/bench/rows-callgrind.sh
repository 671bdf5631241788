#!/bin/bash
# Instructions (valgrind --tool=callgrind) of a query worker answering
# "100,000 rows returned" and "aggregate" against the sqlite3 shell
# running the same SQL on the same catalog file and printing CSV.
# Instruction counts hardly move between runs, so the ratios hold on a
# shared machine where wall-clock time does not.
#
#   tests/bench/rows-callgrind.sh [BUILD_DIR] [ROWS]
#
# ROWS (default 1000000) rows of run.sh's 13-column table.  The worker
# is run alone (mcpd --query-worker, one request line on stdin), since
# valgrind cannot follow the server's spawn of /proc/self/exe; the
# server's own share of a call is measured by callgrind-bench.sh.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
rows=${2:-1000000}
mcpd=$build/mcpd/mcpd
mcpctl=$build/mcpctl/mcpctl
command -v valgrind >/dev/null || { echo "rows-callgrind: needs valgrind" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "rows-callgrind: needs sqlite3" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rows-callgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# the generator of run.sh, so the data is the benchmark's
eval "$(sed -n '/^gen() {/,/^}/p' "$src/tests/bench/run.sh")"
gen "$rows" >"$tmp/people.csv"
"$mcpctl" --db "$tmp/catalog.db" init --quiet >/dev/null
"$mcpctl" --db "$tmp/catalog.db" dataset add people --csv "$tmp/people.csv" \
	--weight weight --quiet >/dev/null

# instructions NAME CMD...: callgrind's total for one run of CMD
instructions() {
	local name=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$name.out" "$@" \
		>"$tmp/$name.stdout" 2>"$tmp/$name.log"
	sed -n 's/^\(summary\|totals\): *//p' "$tmp/$name.out" | head -n 1
}

# measure LABEL SQL-ON-THE-DATASET ARGS-JSON
measure() {
	local label=$1 sql=$2 args=$3 worker shell
	printf '{"tool":"query","args":%s,"limits":{"timeout_ms":600000,"max_rows":100000,"max_bytes":200000000,"memory_mb":4096}}\n' \
		"$args" >"$tmp/request"
	worker=$(instructions worker "$mcpd" --query-worker "$tmp/catalog.db" 4096 \
		<"$tmp/request")
	grep -q '"isError":false' "$tmp/worker.stdout" ||
		{ echo "rows-callgrind: the worker failed: $(head -c 300 "$tmp/worker.stdout")" >&2; exit 1; }
	shell=$(instructions shell sqlite3 -csv "$tmp/catalog.db" \
		"${sql//%T/data_people}")
	awk -v l="$label" -v w="$worker" -v s="$shell" \
		-v b="$(wc -c <"$tmp/worker.stdout")" \
		-v sb="$(wc -c <"$tmp/shell.stdout")" 'BEGIN {
		printf "| %s | %.3f G | %.3f G | %.2fx | %.1f MB | %.1f MB |\n",
			l, w / 1e9, s / 1e9, w / s, b / 1e6, sb / 1e6 }'
}

echo "| $rows rows | query worker | sqlite3 shell (CSV) | worker / shell | worker wrote | shell wrote |"
echo "|---|---:|---:|---:|---:|---:|"
measure "100,000 rows returned (markdown and structuredContent)" \
	"SELECT * FROM %T LIMIT 100000" \
	'{"sql":"SELECT * FROM people LIMIT 100000","max_rows":100000}'
measure "aggregate by group" \
	"SELECT grp, count(*), avg(income), sum(y) FROM %T GROUP BY grp" \
	'{"sql":"SELECT grp, count(*), avg(income), sum(y) FROM people GROUP BY grp"}'
