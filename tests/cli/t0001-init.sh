#!/bin/sh
# mcpctl init: creates the catalog and its directories, is idempotent,
# finds the catalog by --db, $MCPD_DB, $XDG_DATA_HOME, ~/.local/share, and
# refuses a catalog written by a newer schema.
. "$(dirname "$0")/lib.sh"

expect_status "init creates nested directories" 0 --db "$tmp/a/b/c.db" init
check "catalog file exists" test -f "$tmp/a/b/c.db"
expect_in "init names the catalog" "$tmp/out" "$tmp/a/b/c.db"
expect_status "init again is harmless" 0 --db "$tmp/a/b/c.db" init
expect_status "init --json" 0 init --json
expect_in "init --json gives the schema version" "$tmp/out" '"schema_version"'
check "MCPD_DB is used" test -f "$MCPD_DB"
expect_eq "catalog runs in WAL mode" \
	"$(sqlite3 "$MCPD_DB" 'PRAGMA journal_mode')" wal

(unset MCPD_DB; XDG_DATA_HOME="$tmp/xdg" "$MCPCTL" init --quiet >/dev/null)
check "XDG_DATA_HOME/mcpd/catalog.db" test -f "$tmp/xdg/mcpd/catalog.db"
(unset MCPD_DB; XDG_DATA_HOME= "$MCPCTL" init --quiet >/dev/null)
check "empty XDG_DATA_HOME counts as unset" \
	test -f "$HOME/.local/share/mcpd/catalog.db"

expect_status "a missing catalog is an error for other commands" 1 \
	--db "$tmp/none.db" dataset list
expect_in "the error says to run init" "$tmp/err" "mcpctl init"
check "and nothing was created" test ! -e "$tmp/none.db"

sqlite3 "$tmp/a/b/c.db" 'PRAGMA user_version = 99'
expect_status "a newer catalog is refused" 1 --db "$tmp/a/b/c.db" dataset list
expect_in "the error says it is newer" "$tmp/err" "newer than this build"

printf 'not a database, just text\n%.0s' $(seq 1 200) > "$tmp/junk.db"
expect_status "a file that is not a catalog is refused" 1 \
	--db "$tmp/junk.db" dataset list
expect_in "the error names the file" "$tmp/err" "$tmp/junk.db"

done_testing
