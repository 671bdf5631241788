#!/bin/sh
# --json is one line on a pipe and indented on a terminal; --color
# auto|always|never and NO_COLOR decide the colors of dataset list's
# states and of warnings.  The terminal is a real pty, from script(1).
. "$(dirname "$0")/lib.sh"

esc=$(printf '\033')
"$MCPCTL" init --quiet >/dev/null
printf 'id,zip\n1,01234\n2,02345\n' > "$tmp/d.csv"
"$MCPCTL" dataset add live --csv "$tmp/d.csv" --quiet 2>/dev/null
"$MCPCTL" dataset add hidden --csv "$tmp/d.csv" --quiet 2>/dev/null
"$MCPCTL" dataset disable hidden --quiet

# on_tty CMD...: run mcpctl on a pseudo-terminal, its output in $tmp/tty
on_tty() {
	script -qec "$(printf '%s ' "$@")" /dev/null > "$tmp/tty" 2>&1 </dev/null
}

if ! command -v script >/dev/null; then
	ok "# SKIP script(1) is missing"
	done_testing
	exit
fi

expect_status "--json on a pipe" 0 dataset list --json
expect_eq "one line" "$(wc -l < "$tmp/out" | tr -d ' ')" 1
expect_eq "jq reads it" "$(jq -r ".[0].name" "$tmp/out")" hidden
on_tty "$MCPCTL" dataset show live --json
check "indented on a terminal" grep -q "^$(printf '\t')\"name\":" "$tmp/tty"
tr -d '\r' < "$tmp/tty" | jq -e '.name == "live"' > /dev/null
expect_eq "the same JSON" "$?" 0

# dataset list: the states in color
expect_status "a pipe: no color" 0 dataset list
expect_not_in "no escape codes" "$tmp/out" "$esc["
on_tty "$MCPCTL" dataset list
expect_in "a terminal: enabled in green" "$tmp/tty" "${esc}[32menabled"
expect_in "disabled dimmed" "$tmp/tty" "${esc}[2mdisabled"
on_tty NO_COLOR=1 "$MCPCTL" dataset list
expect_not_in "NO_COLOR: none" "$tmp/tty" "$esc["
on_tty "$MCPCTL" dataset list --color never
expect_not_in "--color never after the verb: none" "$tmp/tty" "$esc["
expect_status "--color always on a pipe" 0 --color always dataset list
expect_in "colored" "$tmp/out" "${esc}[32menabled"
NO_COLOR=1 expect_status "--color always wins over NO_COLOR" 0 dataset list --color always
expect_in "still colored" "$tmp/out" "${esc}[32menabled"
expect_eq "columns line up as without color" \
	"$(sed "s/$esc\[[0-9]*m//g" "$tmp/out")" "$("$MCPCTL" dataset list)"

# warnings on stderr
expect_status "a warning, --color always" 0 dataset add w --csv "$tmp/d.csv" --color always
expect_in "warning in yellow" "$tmp/err" "mcpctl: ${esc}[33mwarning:${esc}[0m column 'zip'"
expect_status "a warning, on a pipe" 0 dataset add w2 --csv "$tmp/d.csv"
expect_in "plain" "$tmp/err" "mcpctl: warning: column 'zip'"

expect_status "a bad --color" 2 --color sometimes dataset list
expect_in "in words" "$tmp/err" "--color takes auto, always or never, not 'sometimes'"

done_testing
