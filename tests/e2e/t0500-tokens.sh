#!/bin/sh
# What the model reads, in tokens: tools/list, describe_dataset of ten
# shapes and 30 typical calls, against the sizes in docs/token-sizes.json.
# MCPD_TOKENS_RECORD=1 writes the sizes instead (after a deliberate change).
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
if [ ! -d "$e2e_dir/node_modules/js-tiktoken" ]; then
	echo "Bail out! js-tiktoken missing (run tests/e2e/setup-node.sh)"
	exit 1
fi
e2e_tmpdir
e2e_catalog "$tmp/catalog.db"
e2e_run "$MCPCTL" --db "$tmp/catalog.db" dataset add products \
	--csv "$fixtures/products.csv" --title "Products"
e2e_run "$NODE" "$e2e_dir/mkshapes.mjs" "$tmp"
for f in "$tmp"/wide_*.csv; do
	name=$(basename "$f" .csv)
	e2e_run "$MCPCTL" --db "$tmp/catalog.db" dataset add "$name" --csv "$f"
done
sizes=$e2e_dir/../../docs/token-sizes.json
if [ -n "${MCPD_TOKENS_RECORD:-}" ]; then
	"$NODE" "$e2e_dir/tokens.mjs" "$tmp/catalog.db" "$sizes" --record
else
	"$NODE" "$e2e_dir/tokens.mjs" "$tmp/catalog.db" "$sizes"
fi
