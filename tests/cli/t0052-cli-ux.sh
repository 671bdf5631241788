#!/bin/sh
# Help per verb, "mcpctl help", did-you-mean, aliases, global options on
# either side of the command, value errors in words, and dataset rm of
# several names.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'g,x\na,1\nb,2\n' > "$tmp/d.csv"
for n in alpha beta gamma delta; do
	"$MCPCTL" dataset add $n --csv "$tmp/d.csv" --quiet >/dev/null
done

# per-verb help: that verb's synopsis and one line per option
expect_status "dataset add --help" 0 dataset add --help
expect_in "add: its synopsis" "$tmp/out" "usage: mcpctl dataset add [NAME] --csv FILE|-"
expect_in "add: --csv explained" "$tmp/out" "--csv FILE"
expect_in "add: --null-value explained" "$tmp/out" "a cell reading STR is NULL"
check "add: not another verb's synopsis" sh -c "! grep -q 'dataset list' '$tmp/out'"
expect_status "dataset add -h after other words" 0 dataset add x --csv f -h
expect_in "-h works anywhere" "$tmp/out" "usage: mcpctl dataset add"
expect_status "dataset rm --help" 0 dataset rm --help
expect_in "rm: NAME..." "$tmp/out" "usage: mcpctl dataset rm [--force] NAME..."
expect_in "rm: --force explained" "$tmp/out" "-f, --force"
check "rm: no add options" sh -c "! grep -q -- '--csv' '$tmp/out'"
expect_status "backup --help" 0 backup --help
expect_in "backup: synopsis" "$tmp/out" "usage: mcpctl backup FILE [--force]"
expect_status "a value that looks like --help is a value" 0 \
	dataset set alpha --title --help
expect_eq "the title is '--help'" \
	"$(sqlite3 "$MCPD_DB" "SELECT title FROM datasets WHERE name = 'alpha'")" "--help"

# mcpctl help, without man: the same text
MCPCTL_NO_MAN=1 expect_status "help dataset rm" 0 help dataset rm
expect_in "help prints the verb's help" "$tmp/out" "usage: mcpctl dataset rm"
MCPCTL_NO_MAN=1 expect_status "help" 0 help
expect_in "help lists the commands" "$tmp/out" "  dataset add"
mkdir "$tmp/bin"
printf '#!/bin/sh\necho "man $*" > "%s/man-called"\n' "$tmp" > "$tmp/bin/man"
chmod +x "$tmp/bin/man"
PATH="$tmp/bin:$PATH" expect_status "help with man present" 0 help dataset
expect_eq "man opened mcpctl(1)" "$(cat "$tmp/man-called")" "man 1 mcpctl"
expect_status "help of no command" 2 help nosuch

# did-you-mean for commands, verbs and options
expect_status "a typo in the command" 2 datset list
expect_in "says so" "$tmp/err" "'datset' is not an mcpctl command"
expect_in "suggests dataset" "$tmp/err" "	dataset"
expect_status "a typo in the verb" 2 dataset lsit
expect_in "suggests list" "$tmp/err" "	list"
expect_status "a typo in an option" 2 dataset add x --csvv f
expect_in "names the option" "$tmp/err" "unknown option '--csvv' for 'dataset add'"
expect_in "suggests --csv" "$tmp/err" "	--csv"
check "never getopt's text" sh -c "! grep -q 'unrecognized' '$tmp/err'"
expect_status "a typo in a global option" 2 --jsn dataset list
expect_in "suggests --json" "$tmp/err" "	--json"
expect_status "an option of another verb" 2 dataset list --csv x
expect_in "says it does not go there" "$tmp/err" "--csv does not go with 'dataset list'"
expect_status "nothing near: no suggestion" 2 dataset add x --zzzzzzzz
check "no suggestion for it" sh -c "! grep -q 'did you mean' '$tmp/err'"

# aliases
expect_status "dataset ls" 0 dataset ls
expect_in "ls lists" "$tmp/out" "gamma"
expect_status "datasets list" 0 datasets list
expect_in "datasets lists" "$tmp/out" "gamma"
expect_status "dataset info" 0 dataset info alpha
expect_in "info shows" "$tmp/out" "name:        alpha"
expect_status "dataset remove" 0 dataset remove delta
expect_status "dataset delete of the removed one" 3 dataset delete delta

# global options before or after the command
expect_status "--json after the verb" 0 dataset list --json
expect_in "is JSON" "$tmp/out" '"name":'
expect_status "--db after the verb" 0 dataset list --db "$MCPD_DB"
expect_status "--db before the command" 0 --db "$MCPD_DB" dataset list
expect_status "--quiet after the verb" 0 dataset set alpha --title A --quiet
expect_eq "quiet prints nothing" "$(cat "$tmp/out")" ""

# a value that is not valid gets words, not getopt's
expect_status "config set max_rows -5" 2 config set max_rows -5
expect_in "in words" "$tmp/err" "max_rows needs a positive integer, got -5"
check "no getopt text" sh -c "! grep -q 'invalid option' '$tmp/err'"
expect_status "config set max_rows abc" 2 config set max_rows abc
expect_in "in words too" "$tmp/err" "max_rows needs a positive integer, got abc"

# --json numbers are numbers
expect_status "config list --json" 0 config list --json
expect_eq "max_rows a number" "$(jq '.max_rows | type' "$tmp/out")" '"number"'
expect_eq "default_format a string" "$(jq '.default_format | type' "$tmp/out")" '"string"'
expect_status "config set --json" 0 config set max_rows 77 --json
expect_eq "the new value a number" "$(jq -c '.max_rows' "$tmp/out")" 77
expect_status "config get --json" 0 config get max_rows --json
expect_eq "read back as a number" "$(jq -c '.max_rows' "$tmp/out")" 77

# dataset rm A B C: all or, with --force, those that exist; missing is 3
expect_status "rm two and a missing one" 3 dataset rm alpha nosuch beta
expect_in "names the missing one" "$tmp/err" "no dataset 'nosuch'"
expect_in "says nothing was removed" "$tmp/err" "nothing removed"
expect_eq "both still there" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM datasets WHERE name IN ('alpha', 'beta')")" 2
expect_status "rm --force: the others go, still exit 3" 3 \
	dataset rm --force alpha nosuch beta
expect_in "says which was missing" "$tmp/err" "no dataset 'nosuch'"
expect_in "says which went" "$tmp/out" "removed 'beta'"
expect_eq "alpha and beta gone" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM datasets WHERE name IN ('alpha', 'beta')")" 0
expect_eq "their tables too" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM sqlite_schema WHERE name IN ('data_alpha', 'data_beta')")" 0
"$MCPCTL" dataset add a1 --csv "$tmp/d.csv" --quiet >/dev/null
"$MCPCTL" dataset add a2 --csv "$tmp/d.csv" --quiet >/dev/null
expect_status "rm two, --json" 0 dataset rm a1 a2 --json
expect_eq "an array of two" "$(jq 'map(.result) | length' "$tmp/out")" 2
check "it is an array" sh -c "head -c 1 '$tmp/out' | grep -q '\\['"

# the words are right
printf 'only\n1\n' > "$tmp/one.csv"
expect_status "one row, one column" 0 dataset add one --csv "$tmp/one.csv"
expect_in "singular" "$tmp/out" "imported 'one': 1 row, 1 column in"

done_testing
