#!/bin/sh
# Pagination over a catalog with more datasets than one page holds.
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
e2e_tmpdir
n=${MCPD_E2E_PAGES_DATASETS:-12}
e2e_run "$MCPCTL" --db "$tmp/catalog.db" init
i=1
while [ "$i" -le "$n" ]; do
	e2e_run "$MCPCTL" --db "$tmp/catalog.db" dataset add \
		"$(printf 'd%03d' "$i")" --csv "$fixtures/products.csv"
	i=$((i + 1))
done
# A small page makes a few datasets span pages; without the flag the
# default page size has to be smaller than the lists.
set --
if "$MCPD" --page-size 2 --version >/dev/null 2>&1; then
	set -- --page-size 2
fi
"$NODE" "$e2e_dir/sdk-pagination.mjs" "$tmp/catalog.db" "$n" "$@"
