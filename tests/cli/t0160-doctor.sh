#!/bin/sh
# mcpctl doctor: a healthy catalog passes; a missing or changed source
# file, an unreadable registered SQLite file, a key file open to others
# and gaps in the query log are found, each with the command that fixes it.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'g,x\na,1\nb,2\n' > "$tmp/d.csv"
"$MCPCTL" dataset add alpha --csv "$tmp/d.csv" --quiet >/dev/null
sqlite3 "$tmp/src.db" "CREATE TABLE t (a); INSERT INTO t VALUES (1);"
"$MCPCTL" dataset add beta --sqlite "$tmp/src.db" --table t --quiet >/dev/null
export MCPD_KEY_FILE="$tmp/master.key"

expect_status "a healthy catalog" 0 doctor
expect_in "quick_check ran" "$tmp/out" "quick_check: ok"
expect_in "datasets read" "$tmp/out" "2 datasets: sources in place"
expect_status "--full" 0 doctor --full --json
expect_eq "integrity_check ran" "$(jq -r '.findings[] | select(.check == "integrity") | .detail' "$tmp/out")" "integrity_check: ok"
expect_eq "healthy" "$(jq -r .healthy "$tmp/out")" true

# a key file others can read
printf 'k' > "$MCPD_KEY_FILE"
chmod 644 "$MCPD_KEY_FILE"
expect_status "a world-readable key file" 1 doctor
expect_in "names it" "$tmp/out" "key file '$MCPD_KEY_FILE' is open to others (mode 0644)"
expect_in "with the fix" "$tmp/out" "fix: chmod 600 '$MCPD_KEY_FILE'"
chmod 600 "$MCPD_KEY_FILE"
expect_status "fixed" 0 doctor

# a source file changed, then gone
touch -d '2099-01-01' "$tmp/d.csv"
expect_status "a changed source" 1 doctor
expect_in "says changed" "$tmp/out" "source of 'alpha' changed since it was imported"
expect_in "fix: refresh" "$tmp/out" "fix: mcpctl dataset refresh alpha"
rm "$tmp/d.csv"
expect_status "a missing source file" 1 doctor --json
expect_eq "found as a warning" "$(jq -r '.findings[] | select(.check == "source") | .status' "$tmp/out")" warn
expect_in "names the file" "$tmp/out" "source of 'alpha' is gone: '$tmp/d.csv'"

# a registered SQLite file gone: the dataset cannot be served
mv "$tmp/src.db" "$tmp/src.moved"
expect_status "a missing SQLite source" 1 doctor --json
expect_eq "cannot be read" "$(jq -r '[.findings[] | select(.check == "dataset") | .status] | join(",")' "$tmp/out")" fail
mv "$tmp/src.moved" "$tmp/src.db"
printf 'g,x\na,1\nb,2\n' > "$tmp/d.csv"
touch -d '2000-01-01' "$tmp/d.csv"
expect_status "all back" 0 doctor

# a registered table that grew since its profile
sqlite3 "$tmp/src.db" "INSERT INTO t VALUES (2)"
expect_status "a stale profile" 1 doctor
expect_in "says so" "$tmp/out" "the profile of 'beta' counts 1 rows, the table has 2"
expect_in "with the fix" "$tmp/out" "fix: mcpctl dataset refresh beta"
expect_status "refresh" 0 dataset refresh beta
expect_status "fresh again" 0 doctor

# gaps in the log
sqlite3 "$MCPD_DB" "INSERT INTO query_logs (tool, status, lost_rows, lost_from, error_text)
	VALUES ('mcpd', 'lost', 5, '2026-01-01T00:00:00.000Z', '5 rows not logged')"
expect_status "a gap in the log" 1 doctor
expect_in "counts it" "$tmp/out" "5 calls were not logged"
expect_in "points at the rows" "$tmp/out" "mcpctl logs --status lost"

# a table past mcpd's limits (a trigger longer than its SQL length limit):
# plain sqlite3 reads it, mcpd leaves it out of every list
big=$(head -c 120000 /dev/zero | tr '\0' a)
sqlite3 "$tmp/big.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
"$MCPCTL" dataset add gamma --sqlite "$tmp/big.db" --table t --quiet >/dev/null
sqlite3 "$tmp/big.db" "CREATE TRIGGER big AFTER INSERT ON t BEGIN SELECT '$big'; END;"
expect_status "a source past mcpd's limits" 1 doctor
expect_in "unavailable, as mcpd sees it" "$tmp/out" \
	"dataset 'gamma' is unavailable: mcpd leaves it out of every list"
expect_in "with mcpd's reason" "$tmp/out" "string or blob too big"
"$MCPCTL" dataset rm gamma --force --quiet >/dev/null

# sharing: a private catalog needs nothing; a catalog shared with a group
# needs a setgid directory of that group and side files it can read
expect_in "the test catalog is private" "$tmp/out" "a private catalog (mode"
mkdir "$tmp/shared"
# the owner of a shared catalog is an ordinary user: SQLite run by root
# gives the side files the catalog's owner and group itself
as_nobody() {
	setpriv --reuid=65534 --regid=100 --clear-groups \
		env MCPD_KEY_FILE="$tmp/shared/no.key" "$MCPCTL" \
		--db "$tmp/shared/catalog.db" "$@" >"$tmp/out" 2>"$tmp/err"
}
if command -v setpriv >/dev/null && chown 65534:100 "$tmp/shared" 2>/dev/null; then
	chmod 2775 "$tmp/shared"
	chmod 755 "$tmp"
	as_nobody init --quiet
	as_nobody doctor
	expect_eq "a shared catalog set up as mcpd-catalog(5) says" $? 0
	expect_in "recognised as shared" "$tmp/out" "shared with group 100: setgid directory"
	printf x >"$tmp/shared/catalog.db-wal"
	chown 65534:0 "$tmp/shared/catalog.db-wal"
	chmod 600 "$tmp/shared/catalog.db-wal"
	as_nobody doctor
	expect_eq "a side file the group cannot read" $? 1
	expect_in "names it" "$tmp/out" "catalog.db-wal' (group 0, mode 0600) is not readable by the catalog's group 100"
	rm -f "$tmp/shared/catalog.db-wal"
	chmod g-s "$tmp/shared"
	as_nobody doctor
	expect_eq "a directory that is not setgid" $? 1
	expect_in "says what follows" "$tmp/out" "the WAL side files get the group of whoever creates them"
	expect_in "and the fix" "$tmp/out" "chmod g+s '$tmp/shared'"
	chmod 0777 "$tmp/shared"
	as_nobody doctor
	expect_eq "a directory anyone can write" $? 1
	expect_in "anyone can replace it" "$tmp/out" "anyone can change or replace the catalog"
	chmod 700 "$tmp"
else
	ok "# SKIP needs root and setpriv"
fi

done_testing
