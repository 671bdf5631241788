#!/bin/sh
# --help everywhere, and the help text agrees with mcpctl(1)'s SYNOPSIS.
. "$(dirname "$0")/lib.sh"

for cmd in "" "init" "dataset" "dataset add" "dataset list" "dataset show" \
	"dataset rm" "dataset set" "dataset refresh" "config" "config set"; do
	# shellcheck disable=SC2086
	expect_status "mcpctl $cmd --help" 0 $cmd --help
	expect_in "mcpctl $cmd --help prints usage" "$tmp/out" "usage: mcpctl"
done
expect_status "--version" 0 --version
expect_in "--version prints one" "$tmp/out" "mcpctl "
expect_status "no command" 2

# every command line of the man page's SYNOPSIS appears in -h
man="$src/man/mcpctl.1.scd"
"$MCPCTL" -h > "$tmp/help"
sed -n '/^# SYNOPSIS/,/^# /p' "$man" | sed -n 's/^\*mcpctl\* \[options\] \*\([a-z]*\)\*.*/\1/p' |
while read -r noun; do
	grep -q "^  $noun" "$tmp/help" && echo "ok - synopsis '$noun' in -h" ||
		echo "not ok - synopsis '$noun' missing from -h"
done > "$tmp/syn"
expect_eq "every SYNOPSIS noun is in -h" "$(grep -c '^not ok' "$tmp/syn")" 0
check "the SYNOPSIS lists nouns at all" test -s "$tmp/syn"

done_testing
