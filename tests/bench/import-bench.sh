#!/bin/sh
# CSV import: mcpctl dataset add against the sqlite3 shell's .import, on
# the same generated file, in the same run, with the same kind of target
# (a fresh SQLite file in WAL mode).  Prints seconds and the ratio.
#
#   tests/bench/import-bench.sh [BUILD_DIR] [ROWS]
#
# .import only stores text in an untyped table; mcpctl also checks every
# record, infers types, stores typed values and profiles every column.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
rows=${2:-1000000}
mcpctl=$build/mcpctl/mcpctl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/import-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

awk -v n="$rows" 'BEGIN {
	print "id,grp,code,x,y,label,flag,n,ratio,note"
	for (i = 1; i <= n; i++)
		printf "%d,g%d,%05d,%d,%.3f,\"item %d, ok\",%s,%d,%.6f,%s\n",
			i, i % 17, i % 99999, i % 1000 - 500, i / 7.0, i,
			(i % 2 ? "yes" : "no"), i % 5, i / 1000003.0,
			(i % 10 == 0 ? "NA" : "fine")
}' > "$tmp/data.csv"
size=$(stat -c %s "$tmp/data.csv")
echo "file: $rows rows, 10 columns, $((size / 1000000)) MB"

now() { date +%s.%N; }
: > "$tmp/times"
for run in 1 2 3; do
	rm -f "$tmp"/m.db* "$tmp"/s.db*
	"$mcpctl" --db "$tmp/m.db" init --quiet >/dev/null
	sqlite3 "$tmp/s.db" 'PRAGMA journal_mode = WAL' >/dev/null
	t0=$(now)
	"$mcpctl" --db "$tmp/m.db" dataset add data --csv "$tmp/data.csv" \
		--null-value NA --quiet >/dev/null
	t1=$(now)
	sqlite3 "$tmp/s.db" -cmd '.mode csv' ".import $tmp/data.csv data"
	t2=$(now)
	echo "$t0 $t1 $t2" | awk -v run="$run" '{
		printf "run %d: mcpctl %.2f s   sqlite3 .import %.2f s\n",
			run, $2 - $1, $3 - $2 }'
	echo "$t0 $t1 $t2" >> "$tmp/times"
done
awk -v size="$size" '
	{ m = $2 - $1; s = $3 - $2
	  if (NR == 1 || m < bm) bm = m
	  if (NR == 1 || s < bs) bs = s }
	END { printf "best of 3: mcpctl %.2f s (%.0f MB/s), sqlite3 .import %.2f s (%.0f MB/s); mcpctl/sqlite3 = %.2f\n",
		bm, size / 1e6 / bm, bs, size / 1e6 / bs, bm / bs }' "$tmp/times"
