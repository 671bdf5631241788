# Shared by the tNNNN-*.sh e2e scripts: finds Node >= 22.19, gives each
# test a fresh directory and catalog, and speaks TAP.
#
# Meson passes MCPD, MCPCTL and MCPD_SOURCE_ROOT; run by hand, set them
# yourself (see tests/e2e/README.md).

e2e_dir=${MCPD_SOURCE_ROOT:+$MCPD_SOURCE_ROOT/tests/e2e}
e2e_dir=${e2e_dir:-$(cd "$(dirname "$0")" && pwd)}
fixtures=$e2e_dir/fixtures

: "${MCPD:?MCPD must name the mcpd binary}"
: "${MCPCTL:?MCPCTL must name the mcpctl binary}"

# "ok" when $1 runs and is Node >= 22.19
node_ok() {
	"$1" -e '
		const [a, b] = process.versions.node.split(".").map(Number);
		process.stdout.write(a > 22 || (a === 22 && b >= 19) ? "ok" : "old");
	' 2>/dev/null || true
}

# Sets NODE and puts its directory and node_modules/.bin first on PATH.
# Skips the whole script when no Node 22 exists on this machine.
e2e_need_node() {
	NODE=
	for n in "${MCPD_E2E_NODE:-}" "$e2e_dir/.node/node_modules/.bin/node" \
		"$(command -v node 2>/dev/null || true)"; do
		if [ -n "$n" ] && [ "$(node_ok "$n")" = ok ]; then
			NODE=$n
			break
		fi
	done
	if [ -z "$NODE" ]; then
		echo "1..0 # SKIP Node >= 22.19 is not available" \
			"(run tests/e2e/setup-node.sh)"
		exit 0
	fi
	if [ ! -d "$e2e_dir/node_modules/@modelcontextprotocol/sdk" ]; then
		echo "Bail out! npm packages missing in $e2e_dir/node_modules" \
			"(run tests/e2e/setup-node.sh)"
		exit 1
	fi
	PATH=$(dirname "$NODE"):$e2e_dir/node_modules/.bin:$PATH
	export PATH NODE
}

# A fresh directory in $tmp, removed on exit unless MCPD_E2E_KEEP is set.
e2e_tmpdir() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcpd-e2e.XXXXXX")
	trap 'e2e_cleanup' EXIT
	trap 'exit 130' INT TERM
}

e2e_cleanup() {
	for f in ${e2e_cleanups:-}; do
		"$f" || true
	done
	if [ -n "${MCPD_E2E_KEEP:-}" ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}

# runs a command; on failure prints its output as TAP comments and bails out
e2e_run() {
	if ! out=$("$@" 2>&1); then
		echo "Bail out! failed: $*"
		printf '%s\n' "$out" | sed 's/^/# /'
		exit 1
	fi
}

# A catalog at $1 with datasets people (weighted by "weight") and cities.
e2e_catalog() {
	e2e_run "$MCPCTL" --db "$1" init
	e2e_run "$MCPCTL" --db "$1" dataset add people \
		--csv "$fixtures/people.csv" --weight weight \
		--title "People survey" \
		--description "A small weighted survey of people by region"
	e2e_run "$MCPCTL" --db "$1" dataset add cities \
		--csv "$fixtures/cities.csv" --title "Cities" \
		--description "Population and area of some European cities"
}
