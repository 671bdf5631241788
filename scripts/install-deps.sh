#!/bin/sh
# Installs the Debian packages mcpd needs to build and test, when missing.
# Used by quickstart.sh and test.sh; safe to run again (does nothing then).
set -eu

pkgs="build-essential meson ninja-build pkg-config sqlite3 libsqlite3-dev
libcjson-dev libcurl4-openssl-dev libsodium-dev scdoc valgrind jq
clang libclang-rt-14-dev zlib1g-dev liblzma-dev libzstd-dev
libreadstat-dev readstat"
# a real browser renders mcpctl's HTML report in tests/cli/t0150-report.sh
# (that part is skipped without it); MCPD_NO_BROWSER=1 leaves it out
[ -n "${MCPD_NO_BROWSER:-}" ] || pkgs="$pkgs chromium"
# npm installs Node 22 and the MCP client packages for the end-to-end tests
command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo=sudo
else
	echo "install-deps: need root (or sudo) to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
