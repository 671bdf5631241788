#!/bin/sh
# Which files are catalogs: a foreign SQLite file is refused by every
# command and by mcpd and left byte for byte as it was; only 'mcpctl init'
# creates or upgrades a catalog; a directory, an empty file and '~' in
# --db and MCPD_DB; a catalog this user cannot write (file, directory,
# WAL side files) is still read by mcpctl and served by mcpd.
. "$(dirname "$0")/lib.sh"
: "${MCPD:?MCPD must name the mcpd binary}"

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
LIST='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_datasets","arguments":{}}}'
QUERY='{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT sum(n) AS s FROM d"}}}'

# serve DB [runner...]: one session of mcpd, stdout in $tmp/mout
serve() {
	db=$1
	shift
	printf '%s\n' "$INIT" "$LIST" "$QUERY" |
		"$@" "$MCPD" --db "$db" >"$tmp/mout" 2>"$tmp/merr"
	mstatus=$?
}

# --- a foreign SQLite file -------------------------------------------------
sqlite3 "$tmp/foreign.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
before=$(md5sum <"$tmp/foreign.db")
for cmd in "dataset list" "dataset show t" "config list" "init" \
	"dataset rm t" "config set query_timeout_ms 5"; do
	# shellcheck disable=SC2086
	expect_status "foreign file: $cmd is refused" 1 --db "$tmp/foreign.db" $cmd
	expect_in "foreign file: $cmd says why" "$tmp/err" \
		"'$tmp/foreign.db' is an SQLite database but not an mcpd catalog"
done
MCPD_DB="$tmp/foreign.db" run_ctl dataset list
expect_eq "through MCPD_DB too" "$status" 1
serve "$tmp/foreign.db"
expect_eq "mcpd refuses it" "$mstatus" 1
expect_in "mcpd says why" "$tmp/merr" \
	"'$tmp/foreign.db' is an SQLite database but not an mcpd catalog"
expect_eq "the file is unchanged" "$(md5sum <"$tmp/foreign.db")" "$before"
expect_eq "still in rollback mode" \
	"$(sqlite3 "$tmp/foreign.db" 'PRAGMA journal_mode')" delete
if [ -e "$tmp/foreign.db-wal" ]; then
	not_ok "no WAL file appeared"
else
	ok "no WAL file appeared"
fi

# Debian's proj.db, the file that was once converted by a mistyped MCPD_DB
if [ -r /usr/share/proj/proj.db ]; then
	cp /usr/share/proj/proj.db "$tmp/proj.db"
	before=$(md5sum <"$tmp/proj.db")
	MCPD_DB="$tmp/proj.db" run_ctl dataset list
	expect_eq "proj.db: dataset list refused" "$status" 1
	expect_in "proj.db: says why" "$tmp/err" "not an mcpd catalog"
	expect_status "proj.db: init refused" 1 --db "$tmp/proj.db" init
	expect_eq "proj.db unchanged" "$(md5sum <"$tmp/proj.db")" "$before"
else
	ok "# SKIP /usr/share/proj/proj.db is not installed"
fi

# --- an old catalog: only init upgrades it ----------------------------------
sed '/^-- migration 3$/,$d' "$src/schema.sql" >"$tmp/v2.sql"
printf 'PRAGMA user_version = 2;\n' >>"$tmp/v2.sql"
sqlite3 "$tmp/old.db" <"$tmp/v2.sql"
expect_eq "an old catalog at version 2" \
	"$(sqlite3 "$tmp/old.db" 'PRAGMA user_version')" 2
expect_status "dataset list does not upgrade it" 1 --db "$tmp/old.db" dataset list
expect_in "and says to run init" "$tmp/err" "run 'mcpctl init' to upgrade"
serve "$tmp/old.db"
expect_eq "mcpd refuses it" "$mstatus" 1
expect_in "mcpd says to run init" "$tmp/merr" "run 'mcpctl init' to upgrade"
expect_eq "still version 2" "$(sqlite3 "$tmp/old.db" 'PRAGMA user_version')" 2
expect_status "init upgrades it" 0 --db "$tmp/old.db" init
expect_status "then dataset list works" 0 --db "$tmp/old.db" dataset list

# --- an empty file, a directory, a missing file -----------------------------
: >"$tmp/empty.db"
expect_status "an empty file is not a catalog yet" 1 --db "$tmp/empty.db" dataset list
expect_in "and init is named" "$tmp/err" "create it with 'mcpctl init'"
expect_eq "the empty file stays empty" "$(wc -c <"$tmp/empty.db")" 0
mkdir "$tmp/dir"
expect_status "a directory is refused" 1 --db "$tmp/dir" dataset list
expect_in "with its own message" "$tmp/err" "'$tmp/dir' is a directory"
expect_status "init into a directory is refused" 1 --db "$tmp/dir" init
serve "$tmp/dir"
expect_eq "mcpd refuses a directory" "$mstatus" 1
expect_in "mcpd says it is a directory" "$tmp/merr" "'$tmp/dir' is a directory"

# --- '~' in --db and MCPD_DB ------------------------------------------------
mkdir -p "$HOME"
expect_status "init --db '~/c.db'" 0 --db '~/c.db' init --quiet
check "it is in \$HOME" test -f "$HOME/c.db"
MCPD_DB='~/c.db' run_ctl dataset list
expect_eq "MCPD_DB='~/c.db' works" "$status" 0
serve '~/c.db'
expect_eq "mcpd --db '~/c.db' serves" "$mstatus" 0
check "no literal ~ directory" test ! -e "./~"

# --- a catalog this user cannot write ---------------------------------------
# root writes anything: drop to nobody for the reader, if we can
ro=$tmp/ro
mkdir "$ro"
printf 'g,n\na,1\nb,2\n' >"$tmp/d.csv"
"$MCPCTL" --db "$ro/catalog.db" init --quiet
"$MCPCTL" --db "$ro/catalog.db" dataset add d --csv "$tmp/d.csv" --quiet
as_reader=""
if [ "$(id -u)" -eq 0 ]; then
	if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		as_reader="setpriv --reuid=65534 --regid=65534 --clear-groups"
	fi
fi
if [ "$(id -u)" -eq 0 ] && [ -z "$as_reader" ]; then
	ok "# SKIP cannot drop root to test a read-only catalog"
else
	chmod 755 "$tmp"
	cp "$tmp/d.csv" "$ro/d.csv"
	for mode in "file" "dir"; do
		# file: the directory is writable but the file is not;
		# dir: neither, and the WAL side files are missing
		if [ "$mode" = file ]; then
			chmod 1777 "$ro"
		else
			chmod 555 "$ro"
		fi
		chmod 444 "$ro/catalog.db"
		rm -f "$ro/catalog.db-wal" "$ro/catalog.db-shm"
		before=$(md5sum <"$ro/catalog.db")
		$as_reader env HOME=/tmp "$MCPCTL" --db "$ro/catalog.db" \
			dataset list >"$tmp/out" 2>"$tmp/err"
		expect_eq "read-only $mode: dataset list works" "$?" 0
		expect_in "read-only $mode: it lists d" "$tmp/out" "d"
		$as_reader env HOME=/tmp "$MCPCTL" --db "$ro/catalog.db" \
			config list >"$tmp/out" 2>"$tmp/err"
		expect_eq "read-only $mode: config list works" "$?" 0
		$as_reader env HOME=/tmp "$MCPCTL" --db "$ro/catalog.db" \
			dataset rm d >"$tmp/out" 2>"$tmp/err"
		expect_eq "read-only $mode: dataset rm fails" "$?" 1
		expect_in "read-only $mode: and says why" "$tmp/err" "readonly"
		# shellcheck disable=SC2086
		serve "$ro/catalog.db" $as_reader env HOME=/tmp
		expect_eq "read-only $mode: mcpd exits 0" "$mstatus" 0
		expect_in "read-only $mode: mcpd lists datasets" "$tmp/mout" \
			'"id":2,"result":{"content":[{"type":"text","text":"1 dataset'
		expect_in "read-only $mode: mcpd answers queries" "$tmp/mout" \
			'| 3 |'
		expect_eq "read-only $mode: logging off, said once" \
			"$(grep -c 'query logging is off' "$tmp/merr")" 1
		expect_eq "read-only $mode: the catalog is unchanged" \
			"$(md5sum <"$ro/catalog.db")" "$before"
	done
	chmod 755 "$ro"
	chmod 644 "$ro/catalog.db"
fi

done_testing
