#!/bin/sh
# mcpctl dataset add --csv: types inferred from whole columns, headers kept
# as the file has them, NULL markers, stdin, delimiters, BOM and CRLF,
# --replace, and the example dataset.
. "$(dirname "$0")/lib.sh"

"$MCPCTL" init --quiet >/dev/null

cat > "$tmp/a.csv" <<'CSV'
id,score,zip,label,order,first name,,score,ratio
1,3.5,02139,"Smith, J",x,Ann,e1,10,1
2,NA,10001,"say ""hi""",y,Bo,e2,11,2.5
3,4,00501,"two
lines",z,Cy,e3,12,-3e2
CSV
expect_status "import a CSV" 0 dataset add people --csv "$tmp/a.csv" \
	--null-value NA --title "People" --tags "a, b" --json
expect_eq "rows reported" "$(json_num rows)" 3
expect_in "empty header is renamed" "$tmp/out" '"to":"column_7"'
expect_in "duplicate header is renamed" "$tmp/out" '"to":"score_2"'

expect_status "show --json" 0 dataset show people --json
cp "$tmp/out" "$tmp/show.json"
col_type() {
	# the "type" of column "$1" in show --json
	jq -r --arg c "$1" '.columns[] | select(.name == $c) | .type' \
		"$tmp/show.json"
}
expect_eq "integer column" "$(col_type id)" INTEGER
expect_eq "NA does not stop a REAL column" "$(col_type score)" REAL
expect_eq "leading zeros keep codes as TEXT" "$(col_type zip)" TEXT
expect_eq "exponents are REAL" "$(col_type ratio)" REAL
expect_eq "a keyword header works" "$(col_type order)" TEXT
expect_eq "NA stored as NULL" \
	"$(sqlite3 "$MCPD_DB" 'SELECT count(*) FROM data_people WHERE score IS NULL')" 1
expect_eq "quoted comma kept" \
	"$(sqlite3 "$MCPD_DB" 'SELECT label FROM data_people WHERE id = 1')" "Smith, J"
expect_eq "doubled quotes kept" \
	"$(sqlite3 "$MCPD_DB" 'SELECT label FROM data_people WHERE id = 2')" 'say "hi"'
expect_eq "embedded newline kept" \
	"$(sqlite3 "$MCPD_DB" "SELECT instr(label, char(10)) > 0 FROM data_people WHERE id = 3")" 1
expect_eq "header with a space is a column" \
	"$(sqlite3 "$MCPD_DB" 'SELECT group_concat("first name") FROM data_people')" "Ann,Bo,Cy"
expect_eq "integers are stored as integers" \
	"$(sqlite3 "$MCPD_DB" 'SELECT typeof(id) || typeof(zip) FROM data_people LIMIT 1')" "integertext"
expect_eq "tags are cleaned" \
	"$(sqlite3 "$MCPD_DB" "SELECT tags FROM datasets WHERE name = 'people'")" "a,b"

expect_status "adding it again without --replace" 4 dataset add people --csv "$tmp/a.csv"
expect_in "says it exists" "$tmp/err" "already exists"
printf 'id,v\n7,8\n' > "$tmp/b.csv"
expect_status "--replace" 0 dataset add people --csv "$tmp/b.csv" --replace --json
expect_in "replaced is reported" "$tmp/out" '"replaced":true'
expect_eq "old rows are gone" \
	"$(sqlite3 "$MCPD_DB" 'SELECT count(*) || sum(v) FROM data_people')" "18"
expect_eq "the title survives a replace" \
	"$(sqlite3 "$MCPD_DB" "SELECT title FROM datasets WHERE name = 'people'")" People

printf '\357\273\277a;b\r\n1;x y\r\n2;z\r\n' | {
	"$MCPCTL" dataset add semi --csv - --delimiter ';' --json >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/status"
}
expect_eq "stdin with BOM, CRLF and ';'" "$(cat "$tmp/status")" 0
expect_eq "BOM is not part of the first header" \
	"$(sqlite3 "$MCPD_DB" "SELECT c.name FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = 'semi' AND position = 0")" a
expect_eq "CR is not part of the last field" \
	"$(sqlite3 "$MCPD_DB" "SELECT b FROM data_semi WHERE a = 1")" "x y"

printf 'a\tb\n1\t2\n' > "$tmp/t.tsv"
expect_status "tab delimiter" 0 dataset add tabs --csv "$tmp/t.tsv" --delimiter tab
printf 'h1,h2\n' > "$tmp/h.csv"
expect_status "a header-only file is an empty dataset" 0 dataset add empty --csv "$tmp/h.csv"

expect_status "the example dataset" 0 dataset add survey \
	--csv "$src/examples/survey.csv" --null-value NA --weight weight --json
expect_eq "example has 300 rows" "$(json_num rows)" 300
expect_status "show the example" 0 dataset show survey
expect_in "weight column is marked" "$tmp/out" "(weight)"
expect_in "top values of a category" "$tmp/out" '"Capital"'

# progress goes to a terminal only
expect_status "import with stderr not a terminal" 0 dataset add quiet_one --csv "$src/examples/survey.csv"
check "no progress when stderr is a file" test ! -s "$tmp/err"
if command -v script >/dev/null 2>&1; then
	script -qec "'$MCPCTL' dataset add tty_one --csv '$src/examples/survey.csv'" \
		/dev/null > "$tmp/tty" 2>&1
	expect_in "progress with rows and MB/s on a terminal" "$tmp/tty" "MB/s"
	expect_in "and cleared when done" "$tmp/tty" "$(printf '\r\033[K')"
	script -qec "'$MCPCTL' dataset add tty_two --quiet --csv '$src/examples/survey.csv'" \
		/dev/null > "$tmp/tty" 2>&1
	check "--quiet silences it" test ! -s "$tmp/tty"
fi

done_testing
