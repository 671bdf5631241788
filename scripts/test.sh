#!/bin/sh
# Runs every test: installs what is missing (Debian packages, then Node 22
# and the official MCP clients from npm), builds with AddressSanitizer and
# UndefinedBehaviorSanitizer and warnings as errors, and runs the whole
# meson test suite (unit, cli, rpc, guard, wstats, e2e, fuzz, stress), then
# the containment suite on a plain build, each libFuzzer target briefly
# (scripts/fuzz-smoke.sh) and a smoke run of the benchmark
# (tests/bench/run.sh --quick).
#   scripts/test.sh [meson test arguments, e.g. --suite cli]
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh
tests/e2e/setup-node.sh

build=build-test
if [ ! -d "$build" ]; then
	meson setup "$build" -Db_sanitize=address,undefined -Dwerror=true \
		-Db_lundef=false >/dev/null
fi
ninja -C "$build"
# leaks are bugs too; abort on the first UBSan report
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
[ $# -eq 0 ] || exit 0

# A query worker's memory limit is an address-space limit, which a
# sanitized build cannot set (the sanitizer reserves terabytes): the
# containment suite, and both programs under prlimit --as (t-memcap), run
# once more on a plain build, where it holds.
plain=build-plain
if [ ! -d "$plain" ]; then
	meson setup "$plain" -Dwerror=true >/dev/null
fi
ninja -C "$plain" mcpd/mcpd mcpctl/mcpctl tests/guard/test-containment
meson test -C "$plain" --no-rebuild --print-errorlogs containment t-memcap

# The libFuzzer targets, briefly, from their committed corpora (clang).
scripts/fuzz-smoke.sh

{
	# the benchmark harness still runs end to end (a smoke test, not a
	# measurement: a sanitized build on a small table)
	echo "bench: tests/bench/run.sh --quick"
	BUILD=$build ASAN_OPTIONS=detect_leaks=0 tests/bench/run.sh --quick \
		>"$build/bench-quick.md"
	tail -n 3 "$build/bench-quick.md"
}
