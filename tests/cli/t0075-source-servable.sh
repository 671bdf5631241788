#!/bin/sh
# A --sqlite source is checked with mcpd's own connection (its limits,
# defensive mode and guard) at registration, and refused with mcpd's
# reason when mcpd could not serve it; a registered source that later
# becomes unservable (moved, overwritten, corrupt) shows the state
# 'unavailable' in 'dataset list', and comes back when it is fixed.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null

# a trigger longer than mcpd's SQL length limit (100 KB), like proj.db's
big=$(head -c 120000 /dev/zero | tr '\0' a)
printf "CREATE TABLE t (x); INSERT INTO t VALUES (1);
CREATE TRIGGER big AFTER INSERT ON t BEGIN SELECT '%s'; END;
CREATE VIEW v AS SELECT x FROM t;\n" "$big" >"$tmp/big.sql"
sqlite3 "$tmp/big.db" <"$tmp/big.sql"
check "plain sqlite3 reads the file" sqlite3 "$tmp/big.db" "SELECT x FROM t"
expect_status "a table mcpd could not attach is refused" 1 \
	dataset add big --sqlite "$tmp/big.db" --table t
expect_in "with mcpd's reason" "$tmp/err" "under its limits"
expect_in "naming the limit" "$tmp/err" "string or blob too big"
expect_eq "nothing registered" \
	"$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM datasets")" 0
expect_status "a view of it is copied, so it is fine" 0 \
	dataset add bigview --sqlite "$tmp/big.db" --table v --quiet

if [ -r /usr/share/proj/proj.db ]; then
	expect_status "Debian's proj.db is refused" 1 \
		dataset add proj --sqlite /usr/share/proj/proj.db \
		--table unit_of_measure
	expect_in "proj.db: says why" "$tmp/err" "conversion_method_check_insert_trigger"
else
	ok "# SKIP /usr/share/proj/proj.db is not installed"
fi

# the state of a registered source over its life
sqlite3 "$tmp/src.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);"
expect_status "a servable table registers" 0 \
	dataset add src --sqlite "$tmp/src.db" --table t --quiet
state() {
	"$MCPCTL" --json dataset list |
		jq -r --arg n "$1" '.[] | select(.name == $n) | .state'
}
expect_eq "it is enabled" "$(state src)" enabled
expect_eq "a copied view stays enabled" "$(state bigview)" enabled
mv "$tmp/src.db" "$tmp/src.moved"
expect_eq "moved away: unavailable" "$(state src)" unavailable
run_ctl dataset list
expect_in "the table says so too" "$tmp/out" "unavailable"
printf 'not a database at all' >"$tmp/src.db"
expect_eq "overwritten: unavailable" "$(state src)" unavailable
cp "$tmp/big.db" "$tmp/src.db"
expect_eq "past mcpd's limits: unavailable" "$(state src)" unavailable
mv "$tmp/src.moved" "$tmp/src.db"
expect_eq "put back: enabled" "$(state src)" enabled
expect_status "disable it" 0 dataset disable src
mv "$tmp/src.db" "$tmp/src.moved"
expect_eq "disabled wins over unavailable" "$(state src)" disabled

done_testing
