# Shared by the tNNNN-*.sh mcpctl tests: TAP output, a fresh directory and
# catalog per test, and checks that keep exit statuses visible.
#
# Meson passes MCPCTL and MCPD_SOURCE_ROOT; by hand, set them yourself.

: "${MCPCTL:?MCPCTL must name the mcpctl binary}"
src=${MCPD_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcpctl-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export MCPD_DB="$tmp/catalog.db"
unset XDG_DATA_HOME
export HOME="$tmp/home"

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
}

# check NAME COMMAND...: passes when the command exits 0
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# run_ctl ARGS...: runs mcpctl, keeping stdout, stderr and status
run_ctl() {
	"$MCPCTL" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# expect_status NAME WANT ARGS...: runs mcpctl and checks the exit status
expect_status() {
	name=$1
	want=$2
	shift 2
	run_ctl "$@"
	if [ "$status" -eq "$want" ]; then
		ok "$name (exit $want)"
	else
		not_ok "$name: exit $status, wanted $want"
		sed 's/^/#   stderr: /' "$tmp/err"
	fi
}

# expect_in NAME FILE TEXT: FILE contains the fixed string TEXT
expect_in() {
	if grep -qF -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1: '$3' not in $2"
		sed 's/^/#   /' "$2" | head -20
	fi
}

# expect_not_in NAME FILE TEXT: FILE does not contain the fixed string TEXT
expect_not_in() {
	if grep -qF -- "$3" "$2"; then
		not_ok "$1: '$3' in $2"
		grep -F -- "$3" "$2" | sed 's/^/#   /' | head -5
	else
		ok "$1"
	fi
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1: got '$2', wanted '$3'"
	fi
}

# a hash of every table and the schema of a SQLite file
db_hash() {
	sqlite3 "$1" .sha3sum
}

# json_num KEY: the first number for "KEY" in $tmp/out (--json), at any
# depth
json_num() {
	jq -r --arg k "$1" 'first(.. | objects | select(has($k)) | .[$k]
		| numbers)' "$tmp/out" 2>/dev/null | head -n 1
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
