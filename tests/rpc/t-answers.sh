#!/bin/bash
# What the model reads is short and self-correcting: a default page of
# rows (page_rows), long text cut in markdown but whole in
# structuredContent, reals at display_digits or `digits`, arguments a tool
# does not declare refused with a did-you-mean, range errors in words.
. "$MCPD_SOURCE_ROOT/tests/rpc/lib.sh"
fixture
sqlite3 "$TMP/catalog.db" "
	CREATE TABLE data_big (n INTEGER, x REAL, long TEXT);
	WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
		WHERE i < 250)
	INSERT INTO data_big SELECT i, i / 3.0,
		CASE i WHEN 1 THEN printf('%.500c', 'é') ELSE 'short' END
	FROM c;
	INSERT INTO datasets (name, source_kind, data_table, enabled,
		row_count) VALUES ('big', 'csv', 'data_big', 1, 250);
	UPDATE catalog_state SET generation = generation + 1;" ||
	fail "cannot add the big dataset"

# send the requests (tool name, arguments) and keep the results by id
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

run query '{"sql":"SELECT n, x FROM big"}' \
	query '{"sql":"SELECT n FROM big","max_rows":200}' \
	query '{"sql":"SELECT long FROM big WHERE n = 1"}' \
	query '{"sql":"SELECT x FROM big WHERE n = 2","digits":3}' \
	query '{"sql":"SELECT x FROM big WHERE n = 2","format":"csv"}' \
	query_many '{"queries":[{"sql":"SELECT 1","limit":2}]}' \
	query '{"sql":"SELECT 1","max_rows":0}' \
	sample_rows '{"dataset":"big","n":2,"format":"json"}'

t=$(text 1)
is "$(structured 1 .row_count)" 100 "the default page"
is "$(printf '%s\n' "$t" | grep -c '^| [0-9]')" 100 "markdown rows of a page"
has "$t" "Note: only the first 100 rows are shown of 250 (a page is 100 rows; max_rows asks for up to 1000). Page on with LIMIT 100 OFFSET 100" "the note says how to page on"
has "$t" "| 1 | 0.3333333 |" "reals at 7 significant digits"
is "$(structured 1 '.rows[0][1]')" 0.3333333333333333 "structuredContent keeps every digit"
is "$(structured 2 .row_count)" 200 "max_rows asks for more than a page"
t=$(text 3)
has "$t" "… (500 chars) |" "a long cell is cut in markdown, with its length"
is "$(printf '%s' "$t" | grep -o 'é' | wc -l)" 200 "200 characters are kept"
is "$(structured 3 '.rows[0][0] | length')" 500 "structuredContent keeps the whole text"
has "$(text 4)" "| 0.667 |" "digits: 3"
is "$(text 5)" "x
0.6666667" "CSV reads at 7 digits too"
is "$(text 6)" "unknown argument 'queries[0].limit'; did you mean 'max_rows'? Valid arguments: sql, max_rows, format." "an undeclared argument inside query_many"
is "$(text 7)" "argument 'max_rows' must be an integer between 1 and 1000 (the server's row limit)" "a range in words"
has "$(text 8)" '"x":0.3333333333333333' "the json format keeps every digit"

# describe_dataset: an estimated distinct count says so; text is cut to
# 40 characters; past the budget the other columns are named only
sqlite3 "$TMP/catalog.db" "
	UPDATE datasets SET row_count = 3000000 WHERE name = 'big';
	INSERT INTO dataset_columns (dataset_id, position, name,
		inferred_type, null_count, distinct_count, min_value, max_value,
		mean, sample_values) SELECT id, 0, 'n', 'INTEGER', 0, 2934570,
		1, 3000000, 1500000.5, NULL FROM datasets WHERE name = 'big';
	INSERT INTO dataset_columns (dataset_id, position, name,
		inferred_type, null_count, distinct_count, sample_values)
		SELECT id, 1, 'long', 'TEXT', 0, 2,
		json_array(printf('%.60c', 'x'), 'short') FROM datasets
		WHERE name = 'big';
	INSERT INTO dataset_columns (dataset_id, position, name,
		inferred_type, null_count, distinct_count)
		WITH RECURSIVE c(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM c
			WHERE i < 400)
		SELECT d.id, i, 'col_' || i, 'REAL', 0, 5 FROM datasets d, c
		WHERE d.name = 'big';
	UPDATE catalog_state SET generation = generation + 1;" ||
	fail "cannot profile the big dataset"
run describe_dataset '{"name":"big"}' \
	describe_dataset '{"name":"big","columns":["col_400","N"]}'
t=$(text 1)
has "$t" '| `n` | INTEGER | 0 | ≈2934570 (≈ all unique) | 1 … 3000000, mean 1500000 |' "an estimated distinct count is marked"
has "$t" "\"$(printf '%.40s' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)…\", \"short\"" "text samples cut at 40 characters"
has "$t" "more columns, by name: " "the columns past the budget are named"
has "$t" "or read mcpd://datasets/big/schema for all." "and the way to see them"
[ "${#t}" -le 4000 ] || fail "describe_dataset of 401 columns took ${#t} characters"
t=$(text 2)
has "$t" '| `col_400` | REAL | 0 | 5 |' "columns: one asked for"
has "$t" '| `n` | INTEGER |' "columns: names in any case"
case $t in *'`col_2`'*) fail "columns: a column not asked for" ;; esac
is "$(structured 2 '[.columns[].name]')" '["n","col_400"]' "columns: structuredContent too"

# a misspelt dataset gets a did-you-mean; a disabled one is never offered
run describe_dataset '{"name":"peple"}' sample_rows '{"dataset":"BIG"}' \
	weighted_stats '{"dataset":"hiden"}' describe_dataset '{"name":"hidden"}'
is "$(text 1)" "no dataset named 'peple'; call list_datasets to see the names. Did you mean 'people'?" "describe_dataset of a misspelt name"
has "$(text 2)" ". Did you mean 'big'?" "sample_rows of a name in capitals"
is "$(text 3)" "no dataset named 'hiden'; list_datasets shows the datasets there are" "a disabled dataset is never suggested"
is "$(text 4)" "no dataset named 'hidden'; call list_datasets to see the names" "a disabled dataset is missing"

# the settings: a smaller page and fewer digits for everyone
sqlite3 "$TMP/catalog.db" "
	INSERT INTO system_config (key, value) VALUES ('page_rows', '20'),
		('display_digits', '3');
	UPDATE catalog_state SET generation = generation + 1;" ||
	fail "cannot change the settings"
run query '{"sql":"SELECT n, x FROM big"}'
is "$(structured 1 .row_count)" 20 "page_rows 20"
has "$(text 1)" "| 1 | 0.333 |" "display_digits 3"
echo "ok"
