#!/bin/sh
# mcpctl dataset add --sqlite: registers a table of another SQLite file,
# profiles it, and never writes that file.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
sqlite3 "$tmp/src.db" "CREATE TABLE \"sales 2024\" (region TEXT, amount, n INTEGER, w REAL);
	INSERT INTO \"sales 2024\" VALUES ('n', 1.5, 1, 2), ('s', 2, 2, 1), ('n', 3, NULL, 1);
	CREATE TABLE other (x);"
src_hash=$(db_hash "$tmp/src.db")
src_mtime=$(stat -c %Y "$tmp/src.db")

expect_status "register a table" 0 dataset add sales --sqlite "$tmp/src.db" \
	--table "sales 2024" --weight w --json
expect_eq "rows counted" "$(json_num rows)" 3
expect_status "show --json" 0 dataset show sales --json
expect_in "types come from the values" "$tmp/out" '"type":"REAL"'
expect_in "source kind" "$tmp/out" '"source_kind":"sqlite"'
expect_eq "source file unchanged" "$(db_hash "$tmp/src.db")" "$src_hash"
expect_eq "source file not touched" "$(stat -c %Y "$tmp/src.db")" "$src_mtime"
check "no journal left beside the source" test ! -e "$tmp/src.db-wal"

expect_status "a missing table" 1 dataset add bad --sqlite "$tmp/src.db" --table nope
expect_in "names the table" "$tmp/err" "nope"
expect_in "lists the tables the file has" "$tmp/err" "it has: other, sales 2024"
expect_status "a missing file" 1 dataset add bad --sqlite "$tmp/none.db" --table t
printf 'not sqlite at all\n' > "$tmp/text.db"
expect_status "a file that is not SQLite" 1 dataset add bad --sqlite "$tmp/text.db" --table t
expect_status "the catalog itself" 1 dataset add bad --sqlite "$MCPD_DB" --table datasets

sqlite3 "$tmp/src.db" "INSERT INTO \"sales 2024\" VALUES ('e', 9, 9, 1)"
expect_status "refresh re-profiles" 0 dataset refresh sales --json
expect_eq "new row counted" "$(json_num rows)" 4
expect_status "rm leaves the source alone" 0 dataset rm sales
expect_eq "source still has its rows" \
	"$(sqlite3 "$tmp/src.db" 'SELECT count(*) FROM "sales 2024"')" 4

done_testing
