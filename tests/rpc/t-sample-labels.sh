#!/bin/bash
# sample_rows with labels: true shows each labelled code with its value
# label in the text ("2 (Non-Hispanic White)"), while structuredContent
# keeps the codes and lists the labels apart.  The dataset is a real
# import of tests/data/readstat/survey.sav (written by R's haven).
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
sav=$MCPD_SOURCE_ROOT/tests/data/readstat/survey.sav
"${MCPCTL:?}" --db "$TMP/catalog.db" init --quiet > /dev/null ||
	fail "mcpctl init"
"$MCPCTL" --db "$TMP/catalog.db" dataset add s --sav "$sav" --quiet ||
	fail "cannot import $sav"
printf 'id,race\n1,2\n' > "$TMP/plain.csv"
"$MCPCTL" --db "$TMP/catalog.db" dataset add p --csv "$TMP/plain.csv" \
	--quiet || fail "cannot import a CSV file"

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
run() {
	{
		echo "$INIT"
		local id=1
		while [ $# -ge 2 ]; do
			printf '{"jsonrpc":"2.0","id":%d,"method":"tools/call",' "$id"
			printf '"params":{"name":"%s","arguments":%s}}\n' "$1" "$2"
			shift 2
			id=$((id + 1))
		done
	} | "$MCPD" --db "$TMP/catalog.db" > "$TMP/stdout" 2> "$TMP/stderr" ||
		fail "mcpd exited with $?"
}
text() {
	jq -r "select(.id == $1) | .result.content[0].text" "$TMP/stdout"
}
structured() {
	jq -c "select(.id == $1) | .result.structuredContent | $2" \
		"$TMP/stdout"
}
is() {
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}
has() {
	case $1 in
	*"$2"*) ;;
	*) fail "$3: '$2' not in: $1" ;;
	esac
}
hasnt() {
	case $1 in
	*"$2"*) fail "$3: '$2' in: $1" ;;
	esac
}

run sample_rows '{"dataset":"s","n":3,"labels":true}' \
	sample_rows '{"dataset":"s","n":3}' \
	sample_rows '{"dataset":"s","n":8,"labels":true,"random":true,"format":"csv"}' \
	sample_rows '{"dataset":"s","labels":"yes"}' \
	sample_rows '{"dataset":"p","labels":true}' \
	sample_rows '{"dataset":"s","labels":true,"where":"race = 4","format":"json"}'

t=$(text 1)
has "$t" "| id | race | income | bmi | born | seen | town |" "labels: the columns are the dataset's"
has "$t" "| 1 | 1 (Mexican American) | 1200 | 21.5 |" "labels: a code with its label"
has "$t" "| 3 | 3 (Non-Hispanic Black) | NULL |" "labels: a missing code stays NULL"
hasnt "$t" "race label" "labels: no label column in the text"
is "$(structured 1 '[.rows[][1]]')" '[1,2,3]' "labels: structuredContent keeps the codes"
is "$(structured 1 '[.columns[].name]')" \
	'["id","race","income","bmi","born","seen","town"]' \
	"labels: structuredContent has the dataset's columns"
is "$(structured 1 .labels)" \
	'{"race":{"1":"Mexican American","2":"Non-Hispanic White","3":"Non-Hispanic Black"}}' \
	"labels: the labels of the codes shown, apart"

t=$(text 2)
has "$t" "| 1 | 1 | 1200 |" "by default the codes alone"
is "$(structured 2 .labels)" null "by default no labels in structuredContent"

# random rows: each row's label is its own code's (one statement)
text 3 | sed 1d | grep -v "^$" | while IFS=, read -r id race rest; do
	case $race in
	"1 (Mexican American)" | "2 (Non-Hispanic White)" | \
	"3 (Non-Hispanic Black)" | "4 (Other)") ;;
	*) fail "random csv: row $id has '$race'" ;;
	esac
done || exit 1
is "$(text 3 | sed 1d | grep -v "^$" | sort -n | cut -d, -f2 | tr '\n' ';')" \
	"1 (Mexican American);2 (Non-Hispanic White);3 (Non-Hispanic Black);4 (Other);2 (Non-Hispanic White);1 (Mexican American);3 (Non-Hispanic Black);2 (Non-Hispanic White);" \
	"random csv: the labels follow make.R's codes"
is "$(structured 3 '.labels.race | length')" 4 "random: four codes labelled"

is "$(jq -r 'select(.id == 4) | .result.isError' "$TMP/stdout")" true \
	"labels must be a boolean"
has "$(text 4)" "argument 'labels' must be true or false" "says so"

has "$(text 5)" "| 1 | 2 |" "a dataset without labels: codes as they are"
is "$(structured 5 .labels)" null "a dataset without labels: no labels"

has "$(text 6)" '"race":"4 (Other)"' "json text with a filter"
is "$(structured 6 '.rows[0][1]')" 4 "json: the code stays a number"

# a cut answer keeps its note
sqlite3 "$TMP/catalog.db" "
	INSERT OR REPLACE INTO system_config (key, value)
		VALUES ('max_response_bytes', '1400');
	UPDATE catalog_state SET generation = generation + 1;" ||
	fail "cannot change the settings"
run sample_rows '{"dataset":"s","n":8,"labels":true}'
is "$(structured 1 .truncated)" true "a small response limit cuts"
has "$(text 1)" "Note: only the first" "the cut note stays"
has "$(text 1)" "1 (Mexican American)" "and the labels are shown"
echo "ok"
