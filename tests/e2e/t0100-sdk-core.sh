#!/bin/sh
# The SDK client through the protocol core, tools, resources, prompts,
# completion and logging.
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
e2e_tmpdir
e2e_catalog "$tmp/catalog.db"
"$NODE" "$e2e_dir/sdk-core.mjs" "$tmp/catalog.db"
