#!/bin/sh
# The query tools, progress and cancellation under the SDK client.
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
e2e_tmpdir
e2e_catalog "$tmp/catalog.db"
"$NODE" "$e2e_dir/sdk-query.mjs" "$tmp/catalog.db"
