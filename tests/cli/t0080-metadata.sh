#!/bin/sh
# mcpctl metadata: generation against a chat API on loopback
# (llm-stub.mjs, OpenAI and Anthropic formats), retries and backoff,
# validation, timeouts, versions, edits, approval, and mcpd serving it.
. "$(dirname "$0")/lib.sh"

if ! command -v node > /dev/null 2>&1; then
	echo "1..0 # SKIP node is not installed (the stub server needs it)"
	exit 0
fi

unset XDG_CONFIG_HOME MCPD_KEY_PASSPHRASE
export MCPD_KEY_FILE="$tmp/master.key"
secret="sk-test-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
secret2="sk-ant-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
stub_pid=
trap '[ -n "$stub_pid" ] && kill "$stub_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

: > "$tmp/all"
run() {
	expect_status "$@"
	cat "$tmp/out" "$tmp/err" >> "$tmp/all"
}
sql() {
	sqlite3 "$MCPD_DB" "$1"
}

# stub STEP...: a fresh stub server answering by these steps
stub() {
	if [ -n "$stub_pid" ]; then
		kill "$stub_pid" 2>/dev/null
		wait "$stub_pid" 2>/dev/null
	fi
	rm -rf "$tmp/stub"
	mkdir "$tmp/stub"
	node "$src/tests/cli/llm-stub.mjs" "$tmp/stub" "$@" \
		2> "$tmp/stub.err" &
	stub_pid=$!
	i=0
	while [ ! -s "$tmp/stub/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	url="http://127.0.0.1:$(cat "$tmp/stub/port")/v1"
}
requests() {
	if [ -f "$tmp/stub/requests.log" ]; then
		wc -l < "$tmp/stub/requests.log" | tr -d ' '
	else
		echo 0
	fi
}
# field N KEY: KEY of the Nth request the stub saw
field() {
	sed -n "${1}p" "$tmp/stub/requests.log" |
		sed -n 's/.*"'"$2"'":"\{0,1\}\([^",}]*\).*/\1/p'
}
sha() {
	printf '%s' "$1" | sha256sum | cut -d' ' -f1
}

run "init" 0 init
run "add survey" 0 dataset add survey --csv "$src/examples/survey.csv" \
	--null-value NA --weight weight
printf '%s\n' "$secret" | "$MCPCTL" key set openai > /dev/null 2>&1
printf '%s\n' "$secret2" | "$MCPCTL" key set anthropic > /dev/null 2>&1

# --dry-run: the prompt, and nothing sent
stub ok
run "dry run" 0 metadata generate survey --base-url "$url" --model m --dry-run
expect_in "dry run prints the prompt" "$tmp/out" "--- user"
expect_in "the prompt lists the columns" "$tmp/out" '- "monthly_income" INTEGER'
expect_in "the prompt has sample rows" "$tmp/out" "The first 5 rows"
expect_in "the prompt has frequent values" "$tmp/out" '"Capital" (75)'
expect_in "the prompt carries the schema" "$tmp/out" '"semantic_type"'
expect_eq "dry run sends nothing" "$(requests)" 0

# OpenAI: a valid answer becomes version 1
run "generate (openai)" 0 metadata generate survey --provider openai --base-url "$url"
expect_in "says version 1" "$tmp/out" "metadata version 1 (draft)"
expect_eq "one request" "$(requests)" 1
expect_eq "openai path" "$(field 1 path)" "/v1/chat/completions"
expect_eq "structured output: json_schema" "$(field 1 format)" json_schema
expect_eq "the stored key as a Bearer token" "$(field 1 cred)" "$(sha "Bearer $secret")"
expect_eq "stored: provider, model, tokens, author" \
	"$(sql "SELECT provider, model, prompt_tokens, completion_tokens, status, author FROM llm_metadata WHERE version = 1")" \
	"openai|gpt-4o-mini|1000|250|draft|llm"
expect_eq "stored: an estimated cost" \
	"$(sql "SELECT printf('%.6f', cost_usd) FROM llm_metadata WHERE version = 1")" 0.000300
check "stored: the raw response" test \
	"$(sql "SELECT length(raw_response) FROM llm_metadata WHERE version = 1")" -gt 100
check "the key's last_used is stamped" test -n \
	"$(sql "SELECT last_used FROM api_keys WHERE provider = 'openai'")"

# 429 with Retry-After, then 500, then an answer
stub 429 500 ok
run "429 and 500 are retried" 0 metadata generate survey --provider openai --base-url "$url"
expect_eq "three requests" "$(requests)" 3
t1=$(field 1 t) t2=$(field 2 t) t3=$(field 3 t)
check "Retry-After: 1 honoured ($((t2 - t1)) ms)" test $((t2 - t1)) -ge 950
check "backoff before the second retry ($((t3 - t2)) ms)" test $((t3 - t2)) -ge 450

stub 500 500 500 500
run "500 until the retries run out" 1 metadata generate survey \
	--provider openai --base-url "$url" --retries 2
expect_eq "1 + 2 retries" "$(requests)" 3
expect_in "the error has status and message" "$tmp/err" \
	"HTTP 500: The server had an error processing your request (after 3 attempts)"

# malformed answers: retried once with the error, then a clear failure
stub invalid ok
run "an invalid answer is retried" 0 metadata generate survey --provider openai --base-url "$url"
expect_in "the retry is announced" "$tmp/err" "invalid answer (the answer is not a JSON object)"
expect_eq "two requests" "$(requests)" 2
expect_eq "the retry carries the bad answer and the error" "$(field 2 messages)" 4
stub invalid invalid
run "invalid twice fails" 1 metadata generate survey --provider openai --base-url "$url"
expect_in "invalid twice: says so" "$tmp/err" "the answer is invalid twice"
stub incomplete incomplete
run "a missing column fails" 1 metadata generate survey --provider openai --base-url "$url"
expect_in "names the missing column" "$tmp/err" 'column "weight" is not described'

# a slow server: the timeout, and no secret in the process's argv
stub slow:5000 slow:5000
"$MCPCTL" metadata generate survey --provider openai --base-url "$url" \
	--timeout 1 --retries 1 > "$tmp/out" 2> "$tmp/err" &
pid=$!
sleep 0.5
tr '\0' ' ' < "/proc/$pid/cmdline" > "$tmp/cmdline" 2>/dev/null
wait "$pid"
expect_eq "timed out (exit)" "$?" 1
cat "$tmp/out" "$tmp/err" >> "$tmp/all"
expect_in "the timeout is named" "$tmp/err" "no complete answer within 1000 ms (after 2 attempts)"
expect_in "argv was readable" "$tmp/cmdline" "metadata generate survey"
check "no secret in argv" sh -c "! grep -q -F '$secret' '$tmp/cmdline'"

# a Retry-After past the limit is a refusal; an answer past the cap too
stub 429long
run "Retry-After: 3600 is not waited for" 1 metadata generate survey \
	--provider openai --base-url "$url"
expect_in "says what the server asked" "$tmp/err" "the server asks to wait 3600 s"
stub huge
run "a 5 MiB answer is refused" 1 metadata generate survey --provider openai --base-url "$url"
expect_in "says the cap" "$tmp/err" "the answer is larger than 4194304 bytes"

# https: a certificate nobody vouches for is refused
if command -v openssl > /dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$tmp/tls.key" -out "$tmp/tls.crt" > /dev/null 2>&1; then
	STUB_TLS_KEY="$tmp/tls.key" STUB_TLS_CERT="$tmp/tls.crt" stub ok
	run "a self-signed certificate is refused" 1 metadata generate survey \
		--provider openai --base-url "https://localhost:$(cat "$tmp/stub/port")/v1" \
		--retries 0
	sed "s/^/# /" "$tmp/err"
	expect_in "says it is the certificate" "$tmp/err" "certificate"
	expect_eq "nothing reached the server" "$(requests)" 0
fi

# a provider that echoes the key back in its error
stub 401
run "401 fails at once" 1 metadata generate survey --provider openai --base-url "$url"
expect_eq "401 is not retried" "$(requests)" 1
expect_in "the provider's message is shown, key redacted" "$tmp/err" \
	"HTTP 401: Incorrect API key provided: [redacted]"

# Anthropic: messages API, forced tool, x-api-key
stub ok
run "generate (anthropic)" 0 metadata generate survey --provider anthropic --base-url "$url"
expect_eq "anthropic path" "$(field 1 path)" "/v1/messages"
expect_eq "structured output: a forced tool" "$(field 1 format)" tool
expect_eq "x-api-key carries the key" "$(field 1 cred)" "$(sha "$secret2")"
anth=$(sql "SELECT max(version) FROM llm_metadata")
expect_eq "anthropic tokens" \
	"$(sql "SELECT provider, prompt_tokens, completion_tokens FROM llm_metadata WHERE version = $anth")" \
	"anthropic|1200|300"

# openai-compatible: no key, --model required, loopback only for http
run "compatible needs --model" 2 metadata generate survey --base-url "$url"
stub ok
run "compatible without a key" 0 metadata generate survey --base-url "$url" --model llama3
expect_eq "no credential sent" "$(field 1 cred)" null
expect_eq "JSON mode" "$(field 1 format)" json_object
run "plain http elsewhere refused" 2 metadata generate survey \
	--base-url http://example.com/v1 --model m
expect_in "says loopback only" "$tmp/err" "allowed only to loopback"
run "no such dataset" 3 metadata generate nosuch --base-url "$url" --model m

# show, edit, approve
latest=$(sql "SELECT max(version) FROM llm_metadata")
run "metadata --help" 0 metadata --help
expect_in "help: usage" "$tmp/out" "usage: mcpctl metadata generate"
run "show" 0 metadata show survey
expect_in "show: lists the versions" "$tmp/out" "Versions:"
expect_in "show: the newest version" "$tmp/out" "metadata version $latest (draft)"
expect_in "show: a column with its unit and type" "$tmp/out" "weight [weight]"
run "show --version 1 --json" 0 metadata show survey --version 1 --json
expect_in "json: provider" "$tmp/out" '"provider":"openai"'
sed 's/A household survey: one row per respondent./Edited by hand./' \
	"$tmp/out" > "$tmp/edit.json"
run "show a version that does not exist" 3 metadata show survey --version 99
run "edit" 0 metadata edit survey --file "$tmp/edit.json"
edited=$(sql "SELECT max(version) FROM llm_metadata")
expect_eq "edit is a new human version" \
	"$(sql "SELECT author, summary, status FROM llm_metadata WHERE version = $edited")" \
	"human|Edited by hand.|draft"
sed 's/"name":"weight"/"name":"nosuch"/' "$tmp/edit.json" > "$tmp/bad.json"
run "an edit naming an unknown column fails" 1 metadata edit survey --file "$tmp/bad.json"
expect_in "the edit error names it" "$tmp/err" '"nosuch", which the dataset does not have'

run "approve version 1" 0 metadata approve survey --version 1
run "approve the edit" 0 metadata approve survey --version "$edited"
expect_eq "one approved version" \
	"$(sql "SELECT group_concat(version) FROM llm_metadata WHERE status = 'approved'")" "$edited"
expect_eq "column descriptions filled" \
	"$(sql "SELECT llm_description FROM dataset_columns WHERE name = 'region'")" \
	"Stub description of region."
expect_eq "the search index has them" \
	"$(sql "SELECT count(*) FROM dataset_search WHERE dataset_search MATCH 'stub'")" 1

# a human's description wins, and the next prompt builds on it
run "describe a column by hand" 0 dataset set survey --column smoker \
	--description "Smokes tobacco daily (self-reported)"
run "an unknown column" 3 dataset set survey --column nosuch --description x
run "a unit by hand" 0 dataset set survey --column monthly_income --unit "EUR per month"
expect_eq "stored as the column's unit" \
	"$(sql "SELECT unit FROM dataset_columns WHERE name = 'monthly_income'")" "EUR per month"
run "--unit alone needs --column" 2 dataset set survey --unit kg
run "dry run after the human edit" 0 metadata generate survey --base-url "$url" \
	--model m --dry-run
expect_in "the prompt quotes the human description" "$tmp/out" \
	'described by a human as: "Smokes tobacco daily (self-reported)"'

# mcpd serves the approved metadata
mcpd_describe() {
	printf '%s\n' \
		'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
		'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"describe_dataset","arguments":{"name":"survey"}}}' |
		"$MCPD" --db "$MCPD_DB" 2> /dev/null > "$tmp/mcpd.out"
}
if [ -n "${MCPD:-}" ]; then
	mcpd_describe
	expect_in "describe_dataset: the approved summary" "$tmp/mcpd.out" "Edited by hand."
	expect_in "the server instructions list the summary" "$tmp/mcpd.out" \
		'Datasets:\n- survey: Edited by hand.\n"'
	expect_in "describe_dataset: a column description" "$tmp/mcpd.out" \
		'"description":"Stub description of region.","description_source":"llm"'
	expect_in "describe_dataset: the semantic type" "$tmp/mcpd.out" '"semantic_type":"weight"'
	expect_in "describe_dataset: the human description wins" "$tmp/mcpd.out" \
		'"description":"Smokes tobacco daily (self-reported)","description_source":"human"'
	expect_in "describe_dataset: the unit set by hand" "$tmp/mcpd.out" \
		'`monthly_income`: EUR per month'
	run "serve none" 0 config set metadata_served none
	mcpd_describe
	check "metadata_served none: no summary" sh -c "! grep -q 'Edited by hand' '$tmp/mcpd.out'"
	sed 's/Edited by hand./A later draft./' "$tmp/edit.json" > "$tmp/draft.json"
	run "a newer draft" 0 metadata edit survey --file "$tmp/draft.json"
	mcpd_describe
	check "approved is still served" sh -c "! grep -q 'A later draft' '$tmp/mcpd.out'"
	run "serve latest" 0 config set metadata_served latest
	mcpd_describe
	expect_in "metadata_served latest: the newest draft" "$tmp/mcpd.out" "A later draft."
	run "serve approved" 0 config set metadata_served approved
fi

# --all runs the datasets concurrently and shows progress
run "add a second dataset" 0 dataset add survey2 --csv "$src/examples/survey.csv"
stub slow:500 slow:500
run "generate --all --jobs 2" 0 metadata generate --all --jobs 2 --base-url "$url" --model m
expect_eq "two requests" "$(requests)" 2
expect_in "progress on stderr" "$tmp/err" "[2/2]"
expect_in "survey2 described" "$tmp/out" "survey2: metadata version 1"
t1=$(field 1 t) t2=$(field 2 t)
check "the two requests overlapped ($((t2 - t1)) ms apart)" test $((t2 - t1)) -lt 400

# one dataset fails, the other is still stored; --json says which
stub ok 401
before=$(sql "SELECT count(*) FROM llm_metadata")
run "--all with one failure" 1 metadata generate --all --jobs 1 --base-url "$url" \
	--model m --json
expect_eq "one new version stored" "$(sql "SELECT count(*) FROM llm_metadata")" $((before + 1))
expect_in "json: the failure's error" "$tmp/out" '"error":'
expect_in "json: the success's version" "$tmp/out" '"prompt_tokens":1000'

# dataset add --url: fetched over HTTP, the stored key as a bearer token
export STUB_FILES="$src/examples"
mkdir "$tmp/dl"
export TMPDIR="$tmp/dl"
stub 500 ok
run "add --url (after one 500)" 0 dataset add fetched --url "$url/files/survey.csv" \
	--key openai --null-value NA --weight weight
expect_eq "the download was retried" "$(requests)" 2
expect_eq "the key went as a bearer token" "$(field 2 cred)" "$(sha "Bearer $secret")"
expect_eq "source is the URL" \
	"$(sql "SELECT source_kind, source_path, row_count FROM datasets WHERE name = 'fetched'")" \
	"url|$url/files/survey.csv|300"
expect_eq "same rows as the file" \
	"$(sql "SELECT sum(monthly_income) FROM data_fetched")" \
	"$(sql "SELECT sum(monthly_income) FROM data_survey")"
run "a missing file" 1 dataset add nofile --url "$url/files/nosuch.csv"
expect_in "says the status" "$tmp/err" "HTTP 404"
expect_eq "nothing added" "$(sql "SELECT count(*) FROM datasets WHERE name = 'nofile'")" 0
run "--url over plain http elsewhere" 1 dataset add far --url http://example.com/a.csv
expect_in "refused: loopback only" "$tmp/err" "allowed only to loopback"
run "--key without --url" 2 dataset add x --csv "$src/examples/survey.csv" --key openai
expect_eq "no temporary file left" "$(ls "$tmp/dl" | wc -l | tr -d ' ')" 0

# the secrets are in no output and not in the catalog
sqlite3 "$MCPD_DB" "PRAGMA wal_checkpoint" > /dev/null
for f in "$tmp/all" "$tmp/mcpd.out" "$MCPD_DB"; do
	[ -e "$f" ] || continue
	check "no secret in $(basename "$f")" sh -c \
		"! grep -a -q -F -e '$secret' -e '$secret2' '$f'"
done

done_testing
