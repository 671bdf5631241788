#!/bin/sh
# The official Inspector CLI against mcpd with --protocol-era legacy, auto
# and modern.  Server arguments start with a dash, so they go through a
# --config file of the Claude Desktop shape.
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
e2e_tmpdir
e2e_catalog "$tmp/catalog.db"
cat >"$tmp/config.json" <<JSON
{ "mcpServers": { "mcpd": { "type": "stdio", "command": "$MCPD",
  "args": ["--db", "$tmp/catalog.db"] } } }
JSON
# the Inspector keeps state under HOME: keep it in the test directory
mkdir "$tmp/home"
# no desktop keychain in a test: keep the Inspector's secrets in memory
HOME=$tmp/home MCP_INSPECTOR_SECRET_STORE=memory "$NODE" "$e2e_dir/inspector.mjs" "$tmp/config.json"
