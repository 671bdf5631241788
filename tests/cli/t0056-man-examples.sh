#!/bin/sh
# Every example under EXAMPLES in mcpctl(1) runs, in order, in one
# catalog (as git runs its documentation's examples), so the page cannot
# drift from the program.  Paths under /srv/ become paths in the test
# directory; examples that need an LLM server are skipped, saying so.
. "$(dirname "$0")/lib.sh"
: "${MCPD:?MCPD must name the mcpd binary}"

mkdir -p "$tmp/bin" "$tmp/work" "$tmp/srv/backup"
ln -s "$MCPCTL" "$tmp/bin/mcpctl"
printf '#!/bin/sh\necho sk-test-0000000000000000\n' > "$tmp/bin/pass"
chmod +x "$tmp/bin/pass"
cp "$src/examples/survey.csv" "$tmp/work/survey.csv"
gzip -c "$src/examples/survey.csv" > "$tmp/work/big.csv.gz"
# a European export: two preamble lines, Windows-1252 text, gzip
printf 'Export 2024\nSystem X\nkundennr;name;umsatz\n00123;M\374ller;1.234,50\n00456;G\366tz;99,00\n' |
	gzip -c > "$tmp/work/export.csv.gz"
cp "$src/tests/wstats/design-data/nhanes.csv" "$tmp/work/nhanes.csv"
sqlite3 "$tmp/srv/sales.db" \
	"CREATE TABLE orders (id INTEGER, amount REAL); INSERT INTO orders VALUES (1, 9.5), (2, 3)"

# the blocks between ``` lines, scdoc's \\ turned back into \, one a file
sed -n '/^# EXAMPLES/,/^# SEE ALSO/p' "$src/man/mcpctl.1.scd" |
	awk -v dir="$tmp" '
		/^```/ { if (inblock) { inblock = 0 } else { inblock = 1; n++ } next }
		inblock { print > (dir "/example-" n ".sh") }
	'
check "the page has examples" test -f "$tmp/example-1.sh"

n=1
while [ -f "$tmp/example-$n.sh" ]; do
	f="$tmp/example-$n.sh"
	sed -i -e 's/\\\\/\\/g' -e "s|/srv/|$tmp/srv/|g" "$f"
	first=$(head -n 1 "$f")
	if grep -q 'metadata generate' "$f"; then
		ok "# SKIP example $n needs an LLM server: $first"
	else
		(cd "$tmp/work" && PATH="$tmp/bin:$PATH" bash -e "$f") \
			>"$tmp/out" 2>"$tmp/err"
		status=$?
		if [ "$status" -eq 0 ]; then
			ok "example $n: $first"
		else
			not_ok "example $n: $first (exit $status)"
			sed 's/^/#   /' "$f" "$tmp/err"
		fi
	fi
	n=$((n + 1))
done

done_testing
