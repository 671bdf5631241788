#!/bin/bash
# Instruction counts (valgrind --tool=callgrind) of mcpd answering a fixed
# request file, callgrind-requests.jsonl: initialize, every list, the two
# dataset tools, resources, prompts, completion, one call of each query
# tool, 60 queries and 100 pings.  Instruction counts hardly move between
# runs, so they show what a change costs where wall-clock time cannot.
#
#   tests/bench/callgrind-bench.sh [BUILD_DIR]
#
# Prints the instructions of a bare start (initialize, then EOF), of the
# whole file, the mean per request, and the functions that cost most.
# The hot-reload watcher wakes about once a second, so a slower machine
# counts a little more of it.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
mcpd=$build/mcpd/mcpd
mcpctl=$build/mcpctl/mcpctl
requests=$src/tests/bench/callgrind-requests.jsonl
fixtures=$src/tests/e2e/fixtures
command -v valgrind >/dev/null || { echo "callgrind-bench: needs valgrind" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/callgrind-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$mcpctl" --db "$tmp/catalog.db" init --quiet >/dev/null
"$mcpctl" --db "$tmp/catalog.db" dataset add people \
	--csv "$fixtures/people.csv" --weight weight \
	--description "A small weighted survey of people by region" \
	--quiet >/dev/null
"$mcpctl" --db "$tmp/catalog.db" dataset add cities \
	--csv "$fixtures/cities.csv" --quiet >/dev/null

# run NAME INPUT: callgrind over mcpd reading INPUT; prints the total Ir
run() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$1.out" \
		"$mcpd" --db "$tmp/catalog.db" <"$2" >"$tmp/$1.replies" \
		2>"$tmp/$1.log"
	sed -n 's/^\(summary\|totals\): *//p' "$tmp/$1.out" | head -n 1
}

head -n 2 "$requests" >"$tmp/start.jsonl"
start=$(run start "$tmp/start.jsonl")
all=$(run all "$requests")

nreq=$(grep -c '"id"' "$requests")
nrep=$(grep -c '"id"' "$tmp/all.replies" || true)
nerr=$(grep -c -E '^\{"jsonrpc":"2.0","id":[0-9]+,"error"|"isError":true\}\}$' \
	"$tmp/all.replies" || true)
if [ "$nrep" -ne "$nreq" ]; then
	echo "callgrind-bench: $nreq requests but $nrep replies" >&2
	tail -n 5 "$tmp/all.log" >&2
	exit 1
fi

awk -v s="$start" -v a="$all" -v n="$nreq" -v e="$nerr" 'BEGIN {
	printf "start (initialize, EOF):  %14.0f instructions\n", s
	printf "all %3d requests:         %14.0f instructions\n", n, a
	printf "per request, mean:        %14.0f instructions\n", (a - s) / (n - 1)
	printf "(%d of the replies are errors)\n", e
}'
echo
echo "functions with the most instructions of their own:"
callgrind_annotate "$tmp/all.out" 2>/dev/null | \
	sed -n '/^-*$/,$p' | grep -E '^ *[0-9,]+ ' | head -n "${TOP:-15}"
