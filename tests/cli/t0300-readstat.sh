#!/bin/sh
# mcpctl dataset add --sav/--dta/--xpt/--file: SPSS, Stata and SAS files
# through ReadStat.  Every stored value is checked against what the
# `readstat FILE -` tool prints for the same file (its numbers, and its
# day counts turned into ISO dates here by SQLite); the labels against
# those tests/data/readstat/make.R wrote.  Broken files leave the catalog
# unchanged.
. "$(dirname "$0")/lib.sh"

data=$src/tests/data/readstat
"$MCPCTL" init --quiet >/dev/null

# values as text: 'NULL', or a number in its shortest form, or the text
norm() {
	echo "CASE WHEN $1 IS NULL THEN 'NULL' WHEN typeof($1) IN ('integer', 'real') THEN printf('%.15g', $1) ELSE $1 END"
}

# compare FORMAT DATASET DATE_EXPR DATETIME_EXPR INCOME_EXPR COLUMNS
# The readstat CSV is loaded as text; the expressions turn its raw
# numbers into what the import should have stored.
compare() {
	fmt=$1 ds=$2 born=$3 seen=$4 income=$5 cols=$6
	command -v readstat >/dev/null 2>&1 || {
		ok "# SKIP readstat tool missing"; return; }
	readstat "$data/survey.$fmt" - > "$tmp/$fmt.csv" 2>/dev/null
	exp=
	got=
	for c in $cols; do
		case $c in
		born) e="CASE WHEN born = '' THEN NULL ELSE $born END" ;;
		seen) e="CASE WHEN seen = '' THEN NULL ELSE $seen END" ;;
		income) e="CASE WHEN income = '' THEN NULL ELSE $income END" ;;
		town) e="nullif(town, '')" ;;
		*) e="CASE WHEN $c = '' THEN NULL ELSE CAST($c AS REAL) END" ;;
		esac
		exp="$exp${exp:+, }$(norm "($e)")"
		got="$got${got:+, }$(norm "$c")"
	done
	diff=$(sqlite3 :memory: <<SQL
.mode csv
.import $tmp/$fmt.csv raw
ATTACH '$MCPD_DB' AS cat;
CREATE TEMP TABLE want AS SELECT $exp FROM raw;
CREATE TEMP TABLE have AS SELECT $got FROM cat.data_$ds;
SELECT (SELECT count(*) FROM want), (SELECT count(*) FROM have),
	(SELECT count(*) FROM (SELECT * FROM want EXCEPT SELECT * FROM have)),
	(SELECT count(*) FROM (SELECT * FROM have EXCEPT SELECT * FROM want));
SQL
)
	expect_eq "$fmt: every value as readstat prints it (rows, rows, missing, extra)" \
		"$diff" "8,8,0,0"
}

q() {
	sqlite3 "$MCPD_DB" "$1"
}

# ---- SPSS ---------------------------------------------------------------
expect_status "import a .sav file" 0 dataset add s --sav "$data/survey.sav"
expect_in "rows and columns reported" "$tmp/out" "8 rows, 7 columns"
# SPSS counts seconds from 1582-10-14; 97 and 98 are user-missing codes
compare sav s \
	"date(CAST(born AS REAL) - 12219379200, 'unixepoch')" \
	"strftime('%Y-%m-%dT%H:%M:%S', CAST(seen AS REAL) - 12219379200, 'unixepoch')" \
	"CASE WHEN CAST(income AS REAL) IN (97, 98) THEN NULL ELSE CAST(income AS REAL) END" \
	"id race income bmi born seen town"
expect_eq "sav: declared types" \
	"$(q "SELECT group_concat(name || ' ' || declared_type, ', ') FROM (SELECT * FROM dataset_columns WHERE dataset_id = (SELECT id FROM datasets WHERE name = 's') ORDER BY position)")" \
	"id INTEGER, race INTEGER, income INTEGER, bmi REAL, born TEXT, seen TEXT, town TEXT"
expect_eq "sav: stored types follow" \
	"$(q "SELECT typeof(id), typeof(race), typeof(income), typeof(bmi), typeof(born), typeof(town) FROM data_s WHERE id = 1")" \
	"integer|integer|integer|real|text|text"
expect_eq "sav: non-ASCII text as UTF-8" \
	"$(q "SELECT town FROM data_s WHERE id = 8")" "Łódź"
expect_eq "sav: variable labels as file descriptions" \
	"$(q "SELECT file_description FROM dataset_columns WHERE name = 'bmi' AND dataset_id = (SELECT id FROM datasets WHERE name = 's')")" \
	"Body mass index (kg/m²)"
expect_eq "sav: value labels" \
	"$(q "SELECT group_concat(value || '=' || label || '/' || is_missing, ';') FROM (SELECT * FROM value_labels WHERE dataset_id = (SELECT id FROM datasets WHERE name = 's') ORDER BY column_name, value)")" \
	"97=Refused/1;98=Don't know/1;1=Mexican American/0;2=Non-Hispanic White/0;3=Non-Hispanic Black/0;4=Other/0"
expect_eq "sav: user-missing codes listed" \
	"$(q "SELECT missing_codes FROM dataset_columns WHERE name = 'income' AND dataset_id = (SELECT id FROM datasets WHERE name = 's')")" \
	"97, 98"
expect_eq "sav: source kind" "$(q "SELECT source_kind FROM datasets WHERE name = 's'")" sav
expect_eq "sav: profiled (null count of income)" \
	"$(q "SELECT null_count FROM dataset_columns WHERE name = 'income' AND dataset_id = (SELECT id FROM datasets WHERE name = 's')")" 2

# --keep-user-missing: the codes stay values, as readstat prints them
expect_status "--keep-user-missing" 0 dataset add sk --sav "$data/survey.sav" \
	--keep-user-missing
compare sav sk \
	"date(CAST(born AS REAL) - 12219379200, 'unixepoch')" \
	"strftime('%Y-%m-%dT%H:%M:%S', CAST(seen AS REAL) - 12219379200, 'unixepoch')" \
	"CAST(income AS REAL)" \
	"id race income bmi born seen town"
expect_eq "kept: 97 and 98 are values" \
	"$(q "SELECT count(*) FROM data_sk WHERE income IN (97, 98)")" 2
expect_eq "kept: no codes listed as stored NULL" \
	"$(q "SELECT ifnull(missing_codes, '-') FROM dataset_columns WHERE name = 'income' AND dataset_id = (SELECT id FROM datasets WHERE name = 'sk')")" "-"
expect_eq "kept: their labels are not marked missing" \
	"$(q "SELECT group_concat(value || '/' || is_missing) FROM value_labels WHERE column_name = 'income' AND dataset_id = (SELECT id FROM datasets WHERE name = 'sk')")" \
	"97/0,98/0"
expect_status "refresh keeps them" 0 dataset refresh sk
expect_eq "still values after refresh" \
	"$(q "SELECT count(*) FROM data_sk WHERE income IN (97, 98)")" 2
expect_status "--keep-user-missing is for survey files" 2 dataset add kc \
	--csv "$data/../gen/money.csv" --keep-user-missing

# ---- Stata --------------------------------------------------------------
expect_status "--file picks Stata from the bytes" 0 dataset add d \
	--file "$data/survey.dta"
expect_in "--file says what it picked" "$tmp/err" "as Stata .dta"
# %td counts days and %tc milliseconds from 1960-01-01; .a/.b are NULL
# (readstat prints them as empty fields)
compare dta d \
	"date((CAST(born AS REAL) - 3653) * 86400, 'unixepoch')" \
	"strftime('%Y-%m-%dT%H:%M:%S', CAST(seen AS REAL) / 1000 - 3653 * 86400, 'unixepoch')" \
	"CAST(income AS REAL)" \
	"id race income bmi born seen town"
expect_eq "dta: tagged missing labels" \
	"$(q "SELECT group_concat(value || '=' || label || '/' || is_missing, ';') FROM value_labels WHERE column_name = 'income' AND dataset_id = (SELECT id FROM datasets WHERE name = 'd')")" \
	".a=Refused/1;.b=Don't know/1"

# ---- SAS transport ------------------------------------------------------
expect_status "import a .xpt file" 0 dataset add x --xpt "$data/survey.xpt"
compare xpt x \
	"date((CAST(born AS REAL) - 3653) * 86400, 'unixepoch')" \
	"strftime('%Y-%m-%dT%H:%M:%S', CAST(seen AS REAL) - 3653 * 86400, 'unixepoch')" \
	"NULL" "id race bmi born seen"
expect_eq "xpt: dates are ISO 8601 text" \
	"$(q "SELECT born || ' ' || seen FROM data_x WHERE id = 1")" \
	"1950-03-01 2020-01-02T03:04:05"

# ---- SAS data set ---------------------------------------------------------
expect_status "--file picks SAS from the bytes" 0 dataset add b \
	--file "$data/survey.sas7bdat"
expect_in "--file says SAS" "$tmp/err" "as SAS .sas7bdat"
compare sas7bdat b \
	"date((CAST(born AS REAL) - 3653) * 86400, 'unixepoch')" \
	"NULL" "NULL" "id race bmi born town"

# ---- a legacy encoding: Stata 10 text in Windows-1252 ------------------
expect_status "import a Windows-1252 .dta file" 0 dataset add l \
	--dta "$data/legacy.dta"
expect_eq "legacy: text stored as UTF-8" \
	"$(q "SELECT group_concat(town, ';') FROM data_l")" \
	"Zürich;São Paulo;Genève;Kraków"
expect_eq "legacy: value labels stored as UTF-8" \
	"$(q "SELECT group_concat(value || '=' || label, ';') FROM (SELECT value, label FROM value_labels WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'l') ORDER BY value)")" \
	"1=Köln;2=Ærø;3=Malmö;4=Über 100 €"
expect_eq "legacy: variable labels stored as UTF-8" \
	"$(q "SELECT group_concat(file_description, ';') FROM (SELECT file_description FROM dataset_columns WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'l') ORDER BY position)")" \
	"Respondent;Town of résidence;Région"
if command -v readstat >/dev/null 2>&1; then
	readstat "$data/legacy.dta" - > "$tmp/legacy.csv" 2>/dev/null
	expect_eq "legacy: every value as readstat prints it" \
		"$(sqlite3 :memory: <<SQL
.mode csv
.import $tmp/legacy.csv raw
ATTACH '$MCPD_DB' AS cat;
SELECT (SELECT count(*) FROM raw), (SELECT count(*) FROM (
	SELECT CAST(id AS INTEGER), town, CAST(region AS INTEGER) FROM raw
	EXCEPT SELECT id, town, region FROM cat.data_l));
SQL
)" "4,0"
else
	ok "# SKIP readstat tool missing"
fi
if command -v extract_metadata >/dev/null 2>&1 &&
   command -v jq >/dev/null 2>&1; then
	extract_metadata "$data/legacy.dta" "$tmp/legacy.json" >/dev/null 2>&1
	expect_eq "legacy: labels as ReadStat's extract_metadata reads them" \
		"$(q "SELECT group_concat(value || '=' || label, ';') FROM (SELECT value, label FROM value_labels WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'l') ORDER BY value)")" \
		"$(jq -r '[.variables[] | select(.name == "region") |
			.categories[] | "\(.code)=\(.label)"] | join(";")' \
			"$tmp/legacy.json")"
else
	ok "# SKIP extract_metadata or jq missing"
fi

# ---- SAS: value labels from a format catalog ----------------------------
# labelled.sas7bdat and labelled.sas7bcat are written by ReadStat's own
# writers (make-sas7bcat.c); the region column has the format REGIONF.
expect_status "import a .sas7bdat with --catalog-file" 0 dataset add g \
	--sas7bdat "$data/labelled.sas7bdat" \
	--catalog-file "$data/labelled.sas7bcat"
expect_in "the import says which columns got labels" "$tmp/out" \
	"value labels for 1 column from the catalog"
glabels() {
	q "SELECT group_concat(column_name || ':' || value || '=' || label, ';') FROM (SELECT * FROM value_labels WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'g') ORDER BY column_name, value)"
}
expect_eq "catalog: the format's labels on its column" "$(glabels)" \
	"region:1=North;region:2=Süd;region:3=East;region:4=West"
if command -v readstat >/dev/null 2>&1 &&
   command -v extract_metadata >/dev/null 2>&1 &&
   command -v jq >/dev/null 2>&1; then
	# the readstat tool applies the catalog when it converts; its .sav
	# output's labels, as extract_metadata reads them, are the reference
	readstat "$data/labelled.sas7bdat" "$data/labelled.sas7bcat" \
		"$tmp/g.sav" >/dev/null 2>&1
	extract_metadata "$tmp/g.sav" "$tmp/g.json" >/dev/null 2>&1
	expect_eq "catalog: labels as the readstat tool applies them" \
		"$(glabels)" \
		"$(jq -r '[.variables[] | select(.categories) | .name as $n |
			.categories[] | "\($n):\(.code | floor)=\(.label)"] |
			join(";")' "$tmp/g.json")"
else
	ok "# SKIP readstat, extract_metadata or jq missing"
fi
expect_status "refresh reads the catalog again" 0 dataset refresh g
expect_eq "catalog: labels survive a refresh" "$(glabels)" \
	"region:1=North;region:2=Süd;region:3=East;region:4=West"
expect_status "a catalog none of whose formats a column has" 0 dataset add \
	h --sas7bdat "$data/survey.sas7bdat" \
	--catalog-file "$data/labelled.sas7bcat"
expect_in "warns that no column got labels" "$tmp/err" \
	"no column has a format of the catalog"

# ---- refresh re-reads the file ------------------------------------------
expect_status "refresh a .sav dataset" 0 dataset refresh s
expect_eq "labels survive a refresh" \
	"$(q "SELECT count(*) FROM value_labels WHERE dataset_id = (SELECT id FROM datasets WHERE name = 's')")" 6

# ---- label() in client SQL, through mcpd ---------------------------------
# query SQL: the text mcpd answers to one query tool call
query() {
	jq -cn --arg sql "$1" '{jsonrpc: "2.0", id: 2, method: "tools/call",
		params: {name: "query", arguments: {sql: $sql}}}' > "$tmp/req"
	{
		echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
		cat "$tmp/req"
	} | "$MCPD" --db "$MCPD_DB" 2>/dev/null |
		jq -r 'select(.id == 2) | .result.content[0].text'
}
if [ -n "${MCPD:-}" ] && command -v jq >/dev/null 2>&1; then
	query "SELECT race, label('s', 'race', race) AS r, count(*) AS n
		FROM s GROUP BY race ORDER BY race" > "$tmp/q"
	expect_in "label() names the codes" "$tmp/q" \
		"| 2 | Non-Hispanic White | 3 |"
	query "SELECT label('s', 'income', 97.0) AS a, label('s', 'race', 9) AS b,
		label('d', 'income', NULL) AS c" > "$tmp/q"
	expect_in "label(): a real code, an unlabelled value, NULL" "$tmp/q" \
		"| Refused | 9 | NULL |"
	query "SELECT * FROM value_labels" > "$tmp/q"
	expect_in "the labels table stays hidden" "$tmp/q" \
		"no such table: value_labels"
	expect_status "disable a labelled dataset" 0 dataset disable s
	query "SELECT label('s', 'race', 1) AS a" > "$tmp/q"
	expect_in "label() does not read a disabled dataset" "$tmp/q" "| 1 |"
	expect_status "enable it again" 0 dataset enable s
	# describe_dataset: labels in front of the model
	describe() {
		jq -cn --arg n "$1" '{jsonrpc: "2.0", id: 2, method: "tools/call",
			params: {name: "describe_dataset", arguments: {name: $n}}}' \
			> "$tmp/req"
		{
			echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
			cat "$tmp/req"
		} | "$MCPD" --db "$MCPD_DB" 2>/dev/null |
			jq -r 'select(.id == 2) | .result.content[0].text'
	}
	describe s > "$tmp/q"
	expect_in "describe_dataset: value labels of a column" "$tmp/q" \
		"- \`race\` (Race/ethnicity): 1 Mexican American · 2 Non-Hispanic White · 3 Non-Hispanic Black · 4 Other"
	expect_in "describe_dataset: missing codes stored as NULL" "$tmp/q" \
		"97 Refused · 98 Don't know: stored as NULL"
	expect_in "describe_dataset: the variable label describes" "$tmp/q" \
		"| Body mass index (kg/m²) |"
	expect_status "a human description" 0 dataset set s --column bmi \
		--description "BMI, measured"
	describe s > "$tmp/q"
	expect_in "a human description wins over the file's" "$tmp/q" \
		"| BMI, measured |"
	expect_status "import a long label set" 0 dataset add c \
		--sav "$data/countries.sav"
	describe c > "$tmp/q"
	expect_in "a long label set is cut with a count" "$tmp/q" \
		"12 Country 12 … (30 labels in all: resource mcpd://datasets/c/labels/country)"
	read_resource() {
		{
			echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
			jq -cn --arg u "$1" '{jsonrpc: "2.0", id: 2,
				method: "resources/read", params: {uri: $u}}'
		} | "$MCPD" --db "$MCPD_DB" 2>/dev/null |
			jq -r 'select(.id == 2) |
				(.result.contents[0].text // .error.message)'
	}
	read_resource mcpd://datasets/c/labels/country > "$tmp/q"
	expect_in "the labels resource has the whole set" "$tmp/q" \
		"| 30 | Country 30 | no |"
	read_resource mcpd://datasets/s/labels/income > "$tmp/q"
	expect_in "the labels resource marks missing codes" "$tmp/q" \
		"| 97 | Refused | yes |"
	read_resource mcpd://datasets/s/labels/town > "$tmp/q"
	expect_in "a column without labels: not found" "$tmp/q" \
		"Resource not found"
	# weighted_stats: labels beside the group codes (the weight is id,
	# so race 1 is (21.5 * 1 + 19.5 * 6) / 7)
	tool() {
		jq -cn --arg n "$1" --argjson a "$2" '{jsonrpc: "2.0", id: 2,
			method: "tools/call", params: {name: $n, arguments: $a}}' \
			> "$tmp/req"
		{
			echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
			cat "$tmp/req"
		} | "$MCPD" --db "$MCPD_DB" 2>/dev/null |
			jq -r 'select(.id == 2) | .result.content[0].text'
	}
	tool weighted_stats '{"dataset": "s", "stat": "mean", "measure": "bmi",
		"by": ["race"], "weight": "id"}' > "$tmp/q"
	expect_in "weighted_stats: a label column" "$tmp/q" \
		"| race | estimate | n | weight_sum | race label |"
	expect_in "weighted_stats: groups carry their labels" "$tmp/q" \
		"| 1 | 19.78571 | 2 | 7 | Mexican American |"
	tool weighted_stats '{"dataset": "s", "stat": "percent", "measure": "race",
		"unweighted": true}' > "$tmp/q"
	expect_in "weighted_stats: percent categories carry labels" "$tmp/q" \
		"| 2 | 37.5 | 3 | 3 | Non-Hispanic White |"
	tool weighted_stats '{"dataset": "s", "stat": "count", "by": ["race"],
		"unweighted": true, "labels": false}' > "$tmp/q"
	expect_in "weighted_stats: labels false leaves them out" "$tmp/q" \
		"| race | estimate | n | weight_sum |"
else
	ok "# SKIP label() needs mcpd and jq"
fi

# ---- codebooks ---------------------------------------------------------
expect_status "export a survey file's labels" 0 dataset labels s --export
expect_in "export: a variable label" "$tmp/out" "race,,Race/ethnicity"
expect_in "export: a value label" "$tmp/out" "race,2,Non-Hispanic White"
printf 'id,name\n1,a\n2,b\n' > "$tmp/p.csv"
expect_status "a CSV dataset" 0 dataset add p --csv "$tmp/p.csv"
cat > "$tmp/codebook.csv" <<'CSV'
column,value,label
id,,"The id, really"
id,1,One
id,2.5,Two and a half
name,a,"Say ""A"""
CSV
expect_status "import a codebook" 0 dataset labels p --codebook "$tmp/codebook.csv"
expect_status "export it again" 0 dataset labels p --export
check "the codebook round trip is exact" cmp -s "$tmp/out" "$tmp/codebook.csv"
expect_eq "codebook labels are typed" \
	"$(q "SELECT group_concat(typeof(value), ' ') FROM (SELECT value FROM value_labels WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'p') ORDER BY value)")" \
	"integer real text"
before=$(db_hash "$MCPD_DB")
printf 'column,value,label\nid,1,Uno\nnope,1,x\n' > "$tmp/bad-codebook.csv"
expect_status "a codebook naming a missing column" 1 dataset labels p \
	--codebook "$tmp/bad-codebook.csv"
expect_in "says where" "$tmp/err" "bad-codebook.csv:3: the dataset has no column 'nope'"
expect_eq "a bad codebook changes nothing" "$(db_hash "$MCPD_DB")" "$before"

# ---- broken files leave the catalog unchanged ---------------------------
before=$(db_hash "$MCPD_DB")
size=$(wc -c < "$data/survey.sav")
head -c $((size - 40)) "$data/survey.sav" > "$tmp/cut.sav"
head -c 700 "$data/survey.dta" > "$tmp/cut.dta"
printf 'a,b\n1,2\n' > "$tmp/plain.csv"
bad() {
	what=$1 why=$2
	shift 2
	expect_status "$what: refused" 1 "$@"
	expect_in "$what: says why" "$tmp/err" "$why"
	expect_eq "$what: catalog unchanged" "$(db_hash "$MCPD_DB")" "$before"
}
bad "truncated .sav" "truncated or damaged" dataset add t --sav "$tmp/cut.sav"
bad "truncated .dta" "row 1: cannot read as Stata .dta" \
	dataset add t --dta "$tmp/cut.dta"
bad "a .dta given as --sav" \
	"expected SPSS .sav, but its first bytes are those of a Stata .dta file" \
	dataset add t --sav "$data/survey.dta"
bad "a CSV given as --file" "not an SPSS, Stata or SAS file" \
	dataset add t --file "$tmp/plain.csv"
# the file says UTF-8 but holds a Latin-1 byte: same length, bad text
LC_ALL=C sed 's/Z\xc3\xbcrich/Z\xfc rich/' "$data/survey.sav" > "$tmp/latin1.sav"
bad "text that is not UTF-8" \
	"row 1: text that is not valid in the encoding the file declares" \
	dataset add t --sav "$tmp/latin1.sav"
bad "zero rows" "the file has no rows" dataset add t --sav "$data/empty.sav"
bad "an encoding ReadStat cannot convert" \
	"charset.sav: the file's text is in an encoding that cannot be converted to UTF-8 (Unsupported character set: 12345)" \
	dataset add t --sav "$data/charset.sav"
# --catalog-file given files that are not SAS format catalogs
bad "an SPSS file as --catalog-file" \
	"survey.sas7bdat: --catalog-file $data/survey.sav: cannot read as a SAS format catalog (.sas7bcat)" \
	dataset add t --sas7bdat "$data/survey.sas7bdat" \
	--catalog-file "$data/survey.sav"
bad "a SAS data file as --catalog-file" \
	"no value labels in it; is it a SAS format catalog (.sas7bcat)?" \
	dataset add t --sas7bdat "$data/survey.sas7bdat" \
	--catalog-file "$data/survey.sas7bdat"
bad "a missing --catalog-file" "cannot open --catalog-file '$tmp/none.sas7bcat'" \
	dataset add t --sas7bdat "$data/survey.sas7bdat" \
	--catalog-file "$tmp/none.sas7bcat"
bad "--catalog-file with a file --file reads as .sav" \
	"--catalog-file goes with a SAS .sas7bdat file, not SPSS .sav" \
	dataset add t --file "$data/survey.sav" --catalog-file "$data/survey.sav"
expect_status "--catalog-file with --sav" 2 dataset add t \
	--sav "$data/survey.sav" --catalog-file "$data/survey.sav"
expect_in "says what it goes with" "$tmp/err" \
	"--catalog-file goes with --sas7bdat (or --file) only"
bad "replacing with a broken file" "truncated or damaged" \
	dataset add s --replace --sav "$tmp/cut.sav"
expect_status "two formats at once" 2 dataset add t --sav "$data/survey.sav" \
	--dta "$data/survey.dta"

done_testing
