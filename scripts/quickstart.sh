#!/bin/sh
# From a fresh Debian checkout to mcpd answering on the example dataset:
# installs what is missing, builds, onboards examples/survey.csv into
# build/quickstart/catalog.db, shows the dataset, then asks mcpd for its
# datasets over stdio the way an MCP host does.
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

export MCPD_DB="$PWD/build/quickstart/catalog.db"
mcpctl=build/mcpctl/mcpctl
mcpd=build/mcpd/mcpd

$mcpctl init
$mcpctl dataset add survey --csv examples/survey.csv --null-value NA \
	--weight weight --title "Household survey (example)" \
	--description "300 made-up respondents in four regions, with design weights" \
	--tags example,survey --replace --quiet
$mcpctl dataset show survey

echo
echo "--- mcpd answering over stdio: initialize, list_datasets, query, weighted_stats"
printf '%s\n' \
	'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"quickstart","version":"1"}}}' \
	'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_datasets","arguments":{}}}' \
	'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT region, count(*) AS n, round(sum(weight)) AS population FROM survey GROUP BY 1 ORDER BY 1"}}}' \
	'{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"weighted_stats","arguments":{"dataset":"survey","stat":"percent","measure":"smoker","by":["sex"]}}}' |
	$mcpd
echo
echo "catalog: $MCPD_DB"
echo
echo "For a host config (absolute paths; hosts may start mcpd from /):"
printf '{"mcpServers": {"mcpd": {"command": "%s",\n                         "args": ["--db", "%s"]}}}\n' \
	"$PWD/$mcpd" "$MCPD_DB"
echo "To put mcpd, mcpctl, the man pages and shell completion on the system:"
echo "  meson install -C build            (or: meson setup build --prefix ~/.local first)"
