#!/bin/sh
# Builds the libFuzzer targets with clang (build-fuzz/, -Dfuzz=true) and
# runs each for FUZZ_SECONDS (default 15) from its committed corpus, so a
# crash the corpus does not cover shows up in CI.  Skipped without clang.
# New inputs go to a scratch directory, not to the corpus.
#   scripts/fuzz-smoke.sh [TARGET...]   (csv render guard rpc)
set -eu
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz-smoke: no clang, skipped"
	exit 0
fi
build=build-fuzz
if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Db_lundef=false >/dev/null
fi
secs=${FUZZ_SECONDS:-15}
targets=${*:-csv render guard rpc}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in $targets; do
	case $t in
	rpc) exe=tests/rpc/fuzz-rpc corpus=tests/rpc/corpus ;;
	*) exe=tests/fuzz/fuzz-$t corpus=tests/fuzz/corpus/$t ;;
	esac
	ninja -C "$build" "$exe" >/dev/null
	mkdir -p "$scratch/$t"
	echo "fuzz-smoke: $t for $secs s"
	# a fixed seed: the same inputs in every run, so a failure here is
	# reproducible (longer runs by hand find new ones)
	"$build/$exe" -seed=1 -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 \
		-print_final_stats=1 "$scratch/$t" "$corpus" 2>"$scratch/$t.log" ||
		{ tail -n 40 "$scratch/$t.log"; exit 1; }
	grep -E '^stat::number_of_executed_units' "$scratch/$t.log" || true
done
