#!/bin/sh
# Hot reload: mcpctl edits the catalog while the SDK client is connected.
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
e2e_tmpdir
e2e_catalog "$tmp/catalog.db"
"$NODE" "$e2e_dir/sdk-reload.mjs" "$tmp/catalog.db" "$fixtures/products.csv"
