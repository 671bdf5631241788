#!/bin/bash
# The catalog on a filesystem that fills up (a 3 MB tmpfs made for the
# test; skipped where mounting is not allowed): an import that does not fit
# fails with a clear error and leaves the catalog as it was; with the disk
# full, mcpd keeps answering, says the query log cannot be written, and
# nothing stored is lost.
. "$MCPD_SOURCE_ROOT/tests/stress/lib.sh"

mkdir "$TMP/small"
if ! mount -t tmpfs -o size=3m,mode=0755 mcpd-test "$TMP/small" 2>/dev/null; then
	echo "skip: cannot mount a tmpfs here (needs root)"
	exit 77
fi
cleanup_hooks='umount "$TMP/small" 2>/dev/null'
export MCPD_DB="$TMP/small/catalog.db"

"$MCPCTL" init --quiet || fail "init"
make_csv "$TMP/base.csv" 1000
"$MCPCTL" dataset add base --csv "$TMP/base.csv" --quiet || fail "add base"
before=$(sqlite3 "$MCPD_DB" "SELECT sum(id), sum(value) FROM data_base")

# an import larger than the disk
make_csv "$TMP/huge.csv" 200000
"$MCPCTL" dataset add huge --csv "$TMP/huge.csv" --quiet 2>"$TMP/err"
rc=$?
[ "$rc" -ne 0 ] || fail "an import past the disk's size succeeded"
grep -qi "full" "$TMP/err" || fail "no clear message: $(cat "$TMP/err")"
echo "import on a full disk: exit $rc: $(head -n 1 "$TMP/err")"
why=$(consistent "$MCPD_DB") || fail "after the failed import: $why"
[ "$(sqlite3 "$MCPD_DB" "SELECT count(*) FROM datasets WHERE name = 'huge'")" = 0 ] ||
	fail "the failed import left a dataset"

# fill what is left, then serve
dd if=/dev/zero of="$TMP/small/filler" bs=64k 2>/dev/null
{
	echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"full","version":"1"}}}'
	for i in $(seq 50); do
		echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":{\"sql\":\"SELECT count(*) AS n, sum(id) FROM base WHERE id > $i\"}}}"
	done
} >"$TMP/calls"
"$MCPD" --db "$MCPD_DB" <"$TMP/calls" >"$TMP/out" 2>"$TMP/merr"
rc=$?
[ "$rc" -eq 0 ] || fail "mcpd exited with $rc on a full disk: $(tail -n 3 "$TMP/merr")"
answered=$(jq -c 'select(.id != 0 and .result.isError == false)' "$TMP/out" | wc -l)
[ "$answered" -eq 50 ] || fail "$answered of 50 calls answered on a full disk"
warned=$(grep -c "query log" "$TMP/merr")
echo "mcpd on a full disk: 50 of 50 calls answered; $warned query-log warnings: $(grep -m1 'query log' "$TMP/merr")"

rm -f "$TMP/small/filler"
after=$(sqlite3 "$MCPD_DB" "SELECT sum(id), sum(value) FROM data_base")
[ "$before" = "$after" ] || fail "stored rows changed: $before / $after"
why=$(consistent "$MCPD_DB") || fail "at the end: $why"
"$MCPCTL" dataset add again --csv "$TMP/base.csv" --quiet ||
	fail "no import once space is back"
echo "ok: full disk"
