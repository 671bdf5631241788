# Helpers for the stress suite: a fresh directory and catalog, a CSV of
# N rows, and one check that a catalog is consistent: SQLite's integrity
# and foreign key checks, and every dataset complete (its data table holds
# exactly row_count rows) or absent, with no data table left behind.
set -u
: "${MCPD:?}" "${MCPCTL:?}"
TMP=$(mktemp -d)
export MCPD_DB="$TMP/catalog.db"
export HOME="$TMP"
unset XDG_DATA_HOME
cleanup_hooks=
cleanup() {
	eval "$cleanup_hooks"
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# make_csv FILE ROWS
make_csv() {
	awk -v n="$2" 'BEGIN { print "id,region,value,w";
		for (i = 1; i <= n; i++)
			printf "%d,r%d,%.3f,%.2f\n", i, i % 7, i * 0.37, 1 + i % 3 }' >"$1"
}

# consistent DB: prints nothing and returns 0, or says what is wrong
consistent() {
	local db=$1 bad
	[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] ||
		{ echo "integrity_check failed"; return 1; }
	[ -z "$(sqlite3 "$db" 'PRAGMA foreign_key_check')" ] ||
		{ echo "foreign_key_check failed"; return 1; }
	# every catalog-held dataset is complete
	bad=$(sqlite3 "$db" "SELECT name, data_table, row_count FROM datasets
		WHERE source_kind = 'csv'" | while IFS='|' read -r n t c; do
		got=$(sqlite3 "$db" "SELECT count(*) FROM \"$t\"" 2>&1)
		[ "$got" = "$c" ] || echo "$n: $got rows, catalog says $c"
	done)
	[ -z "$bad" ] || { echo "$bad"; return 1; }
	# no data table without its dataset
	bad=$(sqlite3 "$db" "SELECT name FROM sqlite_schema WHERE type = 'table'
		AND name LIKE 'data\_%' ESCAPE '\' AND name NOT IN
		(SELECT data_table FROM datasets WHERE data_table IS NOT NULL)")
	[ -z "$bad" ] || { echo "orphan tables: $bad"; return 1; }
	return 0
}
