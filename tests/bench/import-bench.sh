#!/bin/sh
# CSV import: mcpctl dataset add against the sqlite3 shell's .import, on
# the same generated files, in the same run, with the same kind of target
# (a fresh SQLite file in WAL mode).  Prints seconds and the ratio.
#
#   tests/bench/import-bench.sh [BUILD_DIR] [ROWS]
#
# Two files: "plain" (integers, reals, codes, quoted text, yes/no, NA) and
# "typed" (US dates, ISO timestamps with offsets, "$1,234.56" amounts,
# percentages and NA markers), the formats type inference converts.
# .import only stores text in an untyped table; mcpctl also sniffs the
# dialect, checks every record, infers types, converts and stores typed
# values and profiles every column.
#
# BASELINE=/path/to/older/mcpctl adds a third timing, to compare builds.
# With GNU time installed (/usr/bin/time) the CPU seconds (user + system)
# are reported too: on a shared, loaded machine they are the steadier
# figure.
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
}' > "$tmp/plain.csv"
awk -v n="$rows" 'BEGIN {
	print "id,day,stamp,amount,share,score,region"
	for (i = 1; i <= n; i++)
		printf "%d,%02d/%02d/%d,%d-%02d-%02dT%02d:%02d:00+02:00,\"$%d,%03d.%02d\",%.1f%%,%s,%s\n",
			i, i % 12 + 1, i % 28 + 1, 1990 + i % 30,
			2000 + i % 20, i % 12 + 1, i % 28 + 1, i % 24, i % 60,
			i % 900 + 1, i % 1000, i % 100, (i % 1000) / 10.0,
			(i % 9 == 0 ? "NA" : sprintf("%.2f", i / 13.0)),
			(i % 3 ? "north" : "south")
}' > "$tmp/typed.csv"

now() { date +%s.%N; }
# cpu FILE COMMAND...: run it, appending its user + system seconds to FILE
cpu() {
	out=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f "%U %S" -o "$tmp/cpu.one" "$@"
		awk '{ print $1 + $2 }' "$tmp/cpu.one" >> "$out"
	else
		"$@"
	fi
}
bench() {
	file=$1
	size=$(stat -c %s "$tmp/$file.csv")
	echo "$file.csv: $rows rows, $((size / 1000000)) MB"
	: > "$tmp/times"
	: > "$tmp/cpu.m"
	: > "$tmp/cpu.s"
	: > "$tmp/cpu.b"
	for run in 1 2 3; do
		rm -rf "$tmp"/m.db* "$tmp"/s.db* "$tmp"/b.db*
		"$mcpctl" --db "$tmp/m.db" init --quiet >/dev/null
		sqlite3 "$tmp/s.db" 'PRAGMA journal_mode = WAL' >/dev/null
		t0=$(now)
		cpu "$tmp/cpu.m" "$mcpctl" --db "$tmp/m.db" dataset add data \
			--csv "$tmp/$file.csv" --null-value NA --quiet \
			>/dev/null 2>&1
		t1=$(now)
		cpu "$tmp/cpu.s" sqlite3 "$tmp/s.db" -cmd '.mode csv' \
			".import $tmp/$file.csv data"
		t2=$(now)
		t3=$t2
		if [ -n "${BASELINE:-}" ]; then
			"$BASELINE" --db "$tmp/b.db" init --quiet >/dev/null
			cpu "$tmp/cpu.b" "$BASELINE" --db "$tmp/b.db" dataset add data \
				--csv "$tmp/$file.csv" --null-value NA \
				--quiet >/dev/null 2>&1
			t3=$(now)
		fi
		echo "$t0 $t1 $t2 $t3" | awk -v run="$run" '{
			printf "  run %d: mcpctl %.2f s   sqlite3 .import %.2f s",
				run, $2 - $1, $3 - $2
			if ($4 > $3) printf "   baseline %.2f s", $4 - $3
			printf "\n" }'
		echo "$t0 $t1 $t2 $t3" >> "$tmp/times"
	done
	awk -v size="$size" '
		{ m = $2 - $1; s = $3 - $2; b = $4 - $3
		  if (NR == 1 || m < bm) bm = m
		  if (NR == 1 || s < bs) bs = s
		  if (NR == 1 || b < bb) bb = b }
		END { printf "  best of 3: mcpctl %.2f s (%.0f MB/s), sqlite3 .import %.2f s (%.0f MB/s); mcpctl/sqlite3 = %.2f",
			bm, size / 1e6 / bm, bs, size / 1e6 / bs, bm / bs
		      if (bb > 0) printf "; baseline %.2f s, mcpctl/baseline = %.2f", bb, bm / bb
		      printf "\n" }' "$tmp/times"
	if [ -s "$tmp/cpu.m" ]; then
		paste -d ' ' "$tmp/cpu.m" "$tmp/cpu.s" |
		awk -v b="$(sort -n "$tmp/cpu.b" | head -n 1)" '
			{ if (NR == 1 || $1 < m) m = $1
			  if (NR == 1 || $2 < s) s = $2 }
			END { printf "  CPU, best of 3: mcpctl %.2f s, sqlite3 .import %.2f s; mcpctl/sqlite3 = %.2f", m, s, m / s
			      if (b != "") printf "; baseline %.2f s, mcpctl/baseline = %.2f", b, m / b
			      printf "\n" }'
	fi
}
bench plain
bench typed
