#!/bin/sh
# mcpctl key: sealed API keys, the master key file, tampering, rotation.
. "$(dirname "$0")/lib.sh"

unset XDG_CONFIG_HOME MCPD_KEY_PASSPHRASE
export MCPD_KEY_FILE="$tmp/keys/master.key"
secret="sk-test-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
secret2="sk-ant-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

# every output of every command, scanned for the secret at the end
: > "$tmp/all"
run() {
	expect_status "$@"
	cat "$tmp/out" "$tmp/err" >> "$tmp/all"
}
# set_key NAME PROVIDER SECRET [ARGS...]: the secret on stdin
set_key() {
	name=$1 provider=$2 s=$3
	shift 3
	printf '%s\n' "$s" | "$MCPCTL" key set "$provider" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	status=$?
	cat "$tmp/out" "$tmp/err" >> "$tmp/all"
	expect_eq "$name (exit)" "$status" 0
}
random_key_file() {
	printf 'mcpd-master-key-v1 raw %s\n' \
		"$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" > "$1"
	chmod 600 "$1"
}
sql() {
	sqlite3 "$MCPD_DB" "$1"
}

run "init" 0 init
run "key --help" 0 key --help
expect_in "help: usage" "$tmp/out" "usage: mcpctl key set"
run "key with no verb" 2 key
run "list with no keys" 0 key list
check "no key file before a key is stored" test ! -e "$MCPD_KEY_FILE"

set_key "set openai from a pipe" openai "$secret"
expect_in "set prints the fingerprint" "$tmp/out" "fingerprint"
check "key file created" test -f "$MCPD_KEY_FILE"
expect_eq "key file mode 0600" "$(stat -c %a "$MCPD_KEY_FILE")" 600
expect_eq "key directory mode 0700" "$(stat -c %a "$tmp/keys")" 700
set_key "set anthropic/work" anthropic "$secret2" --label work

run "list" 0 key list
fp=$(printf '%s' "$secret" | b2sum -l 256 | cut -c1-12)
expect_in "list shows the BLAKE2b fingerprint" "$tmp/out" "$fp"
expect_in "list shows the label" "$tmp/out" "work"
run "list --json" 0 key list --json
expect_in "json has last_used" "$tmp/out" '"last_used"'
run "check opens every key" 0 key check
expect_in "check: openai ok" "$tmp/out" "ok openai/default"
expect_in "check: anthropic ok" "$tmp/out" "ok anthropic/work"
run "check --json" 0 key check --json
expect_eq "json: two keys ok" "$(jq '[.. | objects | select(.ok == true)] | length' "$tmp/out")" 2

# on a terminal: a prompt that does not echo (script(1) makes the pty)
if command -v script > /dev/null 2>&1 && command -v timeout > /dev/null 2>&1; then
	(sleep 1; printf '%s\n' "$secret-tty") |
		timeout 20 script -qec "'$MCPCTL' key set openai --label tty" \
		/dev/null > "$tmp/tty" 2>&1
	expect_eq "set from a terminal (exit)" "$?" 0
	expect_in "the terminal shows the prompt" "$tmp/tty" "API key for openai:"
	check "the terminal does not show the key" sh -c "! grep -q -F -- '$secret' '$tmp/tty'"
	cat "$tmp/tty" >> "$tmp/all"
	run "the key typed at the prompt is stored" 0 key rm openai --label tty
fi

# usage: no secret in argv, one-line printable secrets only
run "set with a second argument" 2 key set openai extra
run "label with a space" 2 key set openai --label "a b"
run "bad provider" 2 key set OpenAI
printf 'line1\nline2\n' | "$MCPCTL" key set openai --label two \
	>"$tmp/out" 2>"$tmp/err"
expect_eq "a two-line secret is refused" "$?" 1
printf '' | "$MCPCTL" key set openai --label empty >"$tmp/out" 2>"$tmp/err"
expect_eq "an empty secret is refused" "$?" 1

# the key file: group or other access is refused
chmod 640 "$MCPD_KEY_FILE"
run "group-readable key file refused" 1 key check
expect_in "the refusal says why" "$tmp/err" "accessible by group or others (mode 0640)"
chmod 604 "$MCPD_KEY_FILE"
run "other-readable key file refused" 1 key check
chmod 600 "$MCPD_KEY_FILE"
run "check passes again at 0600" 0 key check

# a wrong master key is named as such
cp "$MCPD_KEY_FILE" "$tmp/good.key"
random_key_file "$tmp/wrong.key"
MCPD_KEY_FILE="$tmp/wrong.key" run "wrong master key" 1 key check
expect_in "wrong key: says so" "$tmp/err" "wrong master key"

# tampering: a flipped ciphertext byte, swapped rows, a copied row
orig=$(sql "SELECT hex(ciphertext) FROM api_keys WHERE provider = 'openai'")
first=$(printf '%s' "$orig" | cut -c1)
rest=$(printf '%s' "$orig" | cut -c2-)
if [ "$first" = 0 ]; then flip=1; else flip=0; fi
sql "UPDATE api_keys SET ciphertext = X'$flip$rest' WHERE provider = 'openai'"
run "flipped ciphertext byte detected" 1 key check
expect_in "flipped: says the row changed" "$tmp/err" "openai/default (row 1) does not decrypt: the row was changed"
expect_in "flipped: the other key still opens" "$tmp/out" "ok anthropic/work"
sql "UPDATE api_keys SET ciphertext = X'$orig' WHERE provider = 'openai'"
run "restored row opens" 0 key check

sql "CREATE TEMP TABLE s AS SELECT * FROM api_keys;
     UPDATE api_keys SET ciphertext = (SELECT ciphertext FROM s WHERE s.id <> api_keys.id),
                         nonce = (SELECT nonce FROM s WHERE s.id <> api_keys.id)"
run "swapped ciphertexts both fail" 1 key check
expect_eq "swapped: two errors" "$(grep -c 'does not decrypt' "$tmp/err")" 2
sql "CREATE TEMP TABLE s AS SELECT * FROM api_keys;
     UPDATE api_keys SET ciphertext = (SELECT ciphertext FROM s WHERE s.id <> api_keys.id),
                         nonce = (SELECT nonce FROM s WHERE s.id <> api_keys.id)"
run "swapped back" 0 key check

sql "UPDATE api_keys SET label = 'other' WHERE provider = 'openai'"
run "a relabelled row fails" 1 key check
sql "UPDATE api_keys SET label = 'default' WHERE provider = 'openai'"
sql "INSERT INTO api_keys (provider, label, ciphertext, nonce, fingerprint, master_id)
     SELECT provider, 'copy', ciphertext, nonce, fingerprint, master_id
     FROM api_keys WHERE provider = 'openai'"
run "a copied row fails" 1 key check
expect_in "copied: the copy is named" "$tmp/err" "openai/copy"
run "rm the copy" 0 key rm openai --label copy
run "rm it again: not found" 3 key rm openai --label copy

# rotate-master: every key opens with the new key, none with another
run "rotate-master" 0 key rotate-master
expect_in "rotate counts the keys" "$tmp/out" "re-encrypted 2 keys"
expect_eq "new key file mode 0600" "$(stat -c %a "$MCPD_KEY_FILE")" 600
check "the key file changed" sh -c "! cmp -s '$tmp/good.key' '$MCPD_KEY_FILE'"
check "no temporary file left" test ! -e "$MCPD_KEY_FILE.new"
run "every key opens with the new master key" 0 key check
MCPD_KEY_FILE="$tmp/good.key" run "the old master key opens none" 1 key check
expect_eq "old key: both keys refused" "$(grep -c 'wrong master key' "$tmp/err")" 2
MCPD_KEY_FILE="$tmp/wrong.key" run "a random master key opens none" 1 key check
MCPD_KEY_FILE="$tmp/good.key" run "rotate with the old key refused" 1 key rotate-master
run "keys intact after the refused rotation" 0 key check

# a missing key file is not silently replaced while keys need it
mv "$MCPD_KEY_FILE" "$tmp/saved.key"
printf '%s\n' "$secret" | "$MCPCTL" key set openai --label third \
	>"$tmp/out" 2>"$tmp/err"
expect_eq "set without the key file fails" "$?" 1
expect_in "it names the master key it needs" "$tmp/err" "were encrypted with master key"
check "no new key file was made" test ! -e "$MCPD_KEY_FILE"
mv "$tmp/saved.key" "$MCPD_KEY_FILE"

# a passphrase through Argon2id instead of a stored key
MCPD_KEY_PASSPHRASE="correct horse battery" run "rotate to a passphrase" 0 \
	key rotate-master --passphrase
expect_in "key file holds Argon2id parameters" "$MCPD_KEY_FILE" "argon2id"
check "key file holds no raw key" sh -c "! grep -q ' raw ' '$MCPD_KEY_FILE'"
MCPD_KEY_PASSPHRASE="correct horse battery" run "keys open with the passphrase" 0 key check
MCPD_KEY_PASSPHRASE="wrong horse" run "a wrong passphrase opens none" 1 key check
expect_in "wrong passphrase: wrong master key" "$tmp/err" "wrong master key"
MCPD_KEY_PASSPHRASE="correct horse battery" run "rotate back to a key file" 0 key rotate-master
run "keys open without a passphrase" 0 key check

# the secret is nowhere: not in any output, not in the catalog's bytes
sqlite3 "$MCPD_DB" "PRAGMA wal_checkpoint" > /dev/null
for f in "$tmp/all" "$MCPD_DB" "$MCPD_DB-wal" "$MCPD_KEY_FILE"; do
	[ -e "$f" ] || continue
	check "no secret in $(basename "$f")" sh -c \
		"! grep -a -q -F -e '$secret' -e '$secret2' '$f'"
done
check "the catalog holds ciphertext" test \
	"$(sql "SELECT count(*) FROM api_keys WHERE length(ciphertext) > 16")" -eq 2

run "rm" 0 key rm anthropic --label work
run "list after rm" 0 key list
check "rm removed it" sh -c "! grep -q anthropic '$tmp/out'"

done_testing
