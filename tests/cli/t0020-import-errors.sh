#!/bin/sh
# Bad input: mcpctl exits non-zero, names the file, the line and the cause,
# and leaves every table of the catalog exactly as it was.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null
printf 'a,b\n1,2\n' > "$tmp/good.csv"
"$MCPCTL" dataset add keep --csv "$tmp/good.csv" --quiet >/dev/null
before=$(db_hash "$MCPD_DB")

# expect_bad NAME FILE LINE CAUSE [ARGS...]: exit 1, "FILE:LINE: ...CAUSE",
# catalog unchanged
expect_bad() {
	name=$1 file=$2 line=$3 cause=$4
	shift 4
	expect_status "$name" 1 dataset add bad --csv "$file" "$@"
	expect_in "$name: file and line named" "$tmp/err" "$file:$line:"
	expect_in "$name: cause named" "$tmp/err" "$cause"
	expect_eq "$name: catalog unchanged" "$(db_hash "$MCPD_DB")" "$before"
}

# a broken quote far down the file, after many good rows
awk 'BEGIN { print "id,name,v"; for (i = 1; i < 50000; i++) printf "%d,\"n%d\",%d\n", i, i, i; print "50000,\"broken,1"; for (i = 0; i < 10; i++) print "1,x,2" }' > "$tmp/quote.csv"
expect_bad "broken quote on line 50001" "$tmp/quote.csv" 50001 \
	"unterminated quoted field"

printf 'a,b,c\n1,2,3\n4,5\n6,7,8\n' > "$tmp/ragged.csv"
expect_bad "ragged row" "$tmp/ragged.csv" 3 "expected 3 fields"

printf 'a,b\n1,2\n3,\377\376\n' > "$tmp/utf8.csv"
expect_bad "invalid UTF-8" "$tmp/utf8.csv" 3 "UTF-8"

printf 'a,b\n1,"x"y\n' > "$tmp/after.csv"
expect_bad "text after a closing quote" "$tmp/after.csv" 2 "after closing quote"

printf 'a,b\n1,2\n' > "$tmp/w.csv"
expect_status "weight column that does not exist" 1 dataset add bad \
	--csv "$tmp/w.csv" --weight nope
expect_in "names the weight column" "$tmp/err" "'nope'"
expect_eq "catalog unchanged after a bad weight" "$(db_hash "$MCPD_DB")" "$before"
printf 'a,b\n1,x\n' > "$tmp/w2.csv"
expect_status "weight column that is not numeric" 1 dataset add bad \
	--csv "$tmp/w2.csv" --weight b
expect_in "says it is not numeric" "$tmp/err" "not numeric"

: > "$tmp/empty.csv"
expect_status "empty file" 1 dataset add bad --csv "$tmp/empty.csv"
expect_in "says a header is needed" "$tmp/err" "header"
expect_status "missing file" 1 dataset add bad --csv "$tmp/nope.csv"
expect_in "names the missing file" "$tmp/err" "$tmp/nope.csv"
expect_status "a directory" 1 dataset add bad --csv "$tmp"

# the catalog's file may not grow: the import fails inside its transaction
# and rolls back (the file-size limit stands in for a full disk)
awk 'BEGIN { print "a,b"; for (i = 0; i < 200000; i++) printf "%d,some text to fill pages %d\n", i, i }' > "$tmp/big.csv"
size_kb=$(( $(stat -c %s "$MCPD_DB") / 1024 + 64 ))
(
	trap '' XFSZ
	ulimit -f "$size_kb"
	"$MCPCTL" dataset add big --csv "$tmp/big.csv" >"$tmp/out" 2>"$tmp/err"
	echo $? > "$tmp/status"
)
expect_eq "a full disk fails the import" "$(cat "$tmp/status")" 1
expect_in "and says why" "$tmp/err" "big.csv"
expect_eq "catalog unchanged after a full disk" "$(db_hash "$MCPD_DB")" "$before"

expect_status "dataset name with upper case" 2 dataset add Bad --csv "$tmp/good.csv"
expect_in "says what a name may hold" "$tmp/err" "invalid dataset name"
expect_status "dataset name that is a keyword" 2 dataset add select --csv "$tmp/good.csv"
expect_status "dataset name starting with a digit" 2 dataset add 1x --csv "$tmp/good.csv"
expect_status "both --csv and --sqlite" 2 dataset add x --csv a --sqlite b --table t
expect_status "neither --csv nor --sqlite" 2 dataset add x
expect_status "--sqlite without --table" 2 dataset add x --sqlite "$tmp/good.csv"
expect_status "unknown option" 2 dataset add x --csv a --bogus
expect_in "usage errors point at --help" "$tmp/err" "see 'mcpctl dataset add --help'"
expect_status "two-character delimiter" 2 dataset add x --csv a --delimiter ';;'
expect_status "unknown command" 2 frobnicate
expect_status "unknown verb" 2 dataset frobnicate
expect_eq "catalog unchanged after all of it" "$(db_hash "$MCPD_DB")" "$before"

done_testing
