#!/bin/sh
# Survey-file import: mcpctl dataset add --sav against the readstat tool
# converting the same file to CSV, in the same run.  Prints seconds and
# the ratio.  The .sav file is written by R's haven (r-cran-haven), which
# the bench needs and CI does not.
#
#   tests/bench/readstat-bench.sh [BUILD_DIR] [ROWS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
rows=${2:-1000000}
mcpctl=$build/mcpctl/mcpctl
for t in Rscript readstat; do
	command -v $t >/dev/null || { echo "readstat-bench: needs $t" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/readstat-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
Rscript - "$rows" <<'R'
suppressMessages(library(haven))
n <- as.integer(commandArgs(TRUE)[1])
set.seed(1)
write_sav(data.frame(
	id = seq_len(n),
	race = labelled(sample(1:4, n, TRUE),
		labels = c(A = 1, B = 2, C = 3, D = 4), label = "Race"),
	age = sample(18:90, n, TRUE),
	income = round(rnorm(n, 3000, 800), 2),
	wt = runif(n, 0.5, 3),
	born = as.Date("1940-01-01") + sample(0:25000, n, TRUE),
	town = sample(c("Zürich", "Malmö", "Kraków", "Łódź"), n, TRUE)),
	"big.sav")
R
"$mcpctl" --db catalog.db init --quiet >/dev/null
now() { date +%s.%N; }
t0=$(now)
"$mcpctl" --db catalog.db dataset add big --sav big.sav --quiet
t1=$(now)
readstat big.sav big.csv >/dev/null
t2=$(now)
echo "$rows rows, $(wc -c < big.sav) bytes" |
	awk -v a="$t0" -v b="$t1" -v c="$t2" '{
		printf "%s\nmcpctl --sav: %.2f s\nreadstat to CSV: %.2f s\nratio: %.2f\n",
			$0, b - a, c - b, (b - a) / (c - b) }'
