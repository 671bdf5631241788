#!/bin/sh
# Shell completion: the bash script from 'mcpctl completion bash' driven
# as bash drives it (COMP_WORDS, then compgen), and the zsh and fish
# scripts parse.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'g,x\na,1\n' > "$tmp/d.csv"
"$MCPCTL" dataset add sales --csv "$tmp/d.csv" --quiet >/dev/null
"$MCPCTL" dataset add survey --csv "$tmp/d.csv" --quiet >/dev/null
"$MCPCTL" completion bash > "$tmp/mcpctl.bash"
touch "$tmp/data-file.csv"

# comp WORDS...: what bash offers for the last word (sorted, one line)
comp() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_mcpctl
		[ ${#COMPREPLY[@]} -eq 0 ] ||
			printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' comp "$tmp/mcpctl.bash" "$MCPCTL" "$@"
}

expect_eq "commands" "$(comp da)" "dataset "
expect_eq "verbs" "$(comp dataset re)" "refresh rename "
expect_eq "every verb" "$(comp dataset '')" "add disable enable export index labels list refresh rename rm set show "
expect_eq "verbs after an alias of the noun" "$(comp datasets s)" "set show "
expect_eq "dataset names" "$(comp dataset show s)" "sales survey "
expect_eq "names after a verb alias" "$(comp dataset info s)" "sales survey "
expect_eq "several names for rm" "$(comp dataset rm sales s)" "sales survey "
expect_eq "one name for show" "$(comp dataset show sales '')" ""
expect_eq "options of the verb" "$(comp dataset add x --de)" "--decimal --delimiter --description "
expect_eq "global options too" "$(comp dataset list --j)" "--json "
expect_eq "an option's words" "$(comp logs export --format '')" "csv jsonl "
expect_eq "a file for --csv" "$(cd "$tmp" && comp dataset add x --csv data-f)" "data-file.csv "
expect_eq "names from the --db catalog" \
	"$(MCPD_DB=/nonexistent comp --db "$MCPD_DB" dataset rm sa)" "sales "
expect_eq "no catalog: no names, no noise" \
	"$(MCPD_DB=/nonexistent comp dataset rm sa 2>&1)" ""
expect_eq "help NOUN" "$(comp help datas)" "dataset "
expect_eq "help NOUN VERB" "$(comp help dataset a)" "add "
expect_eq "completion SHELL" "$(comp completion '')" "bash fish zsh "
expect_eq "--dataset of logs takes names" "$(comp logs --dataset su)" "survey "

expect_status "completion zsh" 0 completion zsh
expect_in "zsh: compdef" "$tmp/out" "#compdef mcpctl"
if command -v zsh >/dev/null; then
	cp "$tmp/out" "$tmp/_mcpctl"
	check "zsh parses it" zsh -n "$tmp/_mcpctl"
fi
expect_status "completion fish" 0 completion fish
expect_in "fish: complete" "$tmp/out" "complete -c mcpctl"
if command -v fish >/dev/null; then
	cp "$tmp/out" "$tmp/mcpctl.fish"
	check "fish parses it" fish -n "$tmp/mcpctl.fish"
fi
expect_status "no such shell" 2 completion tcsh
expect_in "says which there are" "$tmp/err" "bash, zsh and fish"

# meson install puts them where the shells look
if [ -n "${MCPD_BUILD_ROOT:-}" ]; then
	check "the built bash script is what mcpctl prints" \
		cmp "$MCPD_BUILD_ROOT/completions/mcpctl" "$tmp/mcpctl.bash"
	meson introspect --installed "$MCPD_BUILD_ROOT" > "$tmp/installed" 2>/dev/null
	expect_in "installed for bash" "$tmp/installed" "share/bash-completion/completions/mcpctl\""
	expect_in "installed for zsh" "$tmp/installed" "share/zsh/site-functions/_mcpctl\""
	expect_in "installed for fish" "$tmp/installed" "share/fish/vendor_completions.d/mcpctl.fish\""
fi

# every long option a command parses has a row in help-table.c, so that
# help, did-you-mean and completion know it
for f in "$src"/mcpctl/*.c "$src"/mcpctl/*.h; do
	sed -n 's/.*{ "\([a-z0-9-]*\)", \(no\|required\|optional\)_argument.*/\1/p' "$f"
done | sort -u > "$tmp/parsed"
grep -o '"[a-z0-9-]*", [0-9a-z'"'"']*, [A-Z"]' "$src/mcpctl/help-table.c" |
	sed 's/^"\([^"]*\)".*/\1/' | sort -u > "$tmp/table"
comm -23 "$tmp/parsed" "$tmp/table" | grep -v '^version$' > "$tmp/missing"
expect_eq "every parsed option is in help-table.c" "$(cat "$tmp/missing")" ""

done_testing
