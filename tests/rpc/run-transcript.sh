#!/bin/bash
# Feed cases/NAME.in to mcpd on stdin and compare what it writes on stdout
# with cases/NAME.out.  Replies to concurrent requests may come in any
# order, so both sides are compared as sorted sets of lines (and batch
# replies with their elements sorted by id).  @VERSION@ in the expected
# file stands for mcpd's version.  cases/NAME.args, when present, holds
# extra mcpd arguments.
#
# The tool list grows as query tools are registered, so tools/list replies
# are compared on the two context tools this suite covers (list_datasets,
# describe_dataset), without nextCursor; the other tools have their own
# tests.
#
# usage: run-transcript.sh MKCATALOG NAME
set -u -o pipefail

mkcatalog=$1
name=$2
here=${MCPD_SOURCE_ROOT:?}/tests/rpc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$mkcatalog" "$tmp/catalog.db" "$here/fixture.sql" || exit 1
args=()
if [ -f "$here/cases/$name.args" ]; then
	read -r -a args < "$here/cases/$name.args"
fi

"${MCPD:?}" --db "$tmp/catalog.db" "${args[@]}" \
	< "$here/cases/$name.in" > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "mcpd exited with $rc; stderr:"
	cat "$tmp/stderr"
	exit 1
fi

normalise() {
	jq -c 'def pin: if (.result.tools? | type) == "array" then
			.result.tools |= map(select(.name == "list_datasets"
				or .name == "describe_dataset"))
			| del(.result.nextCursor)
		else . end;
		if type == "array" then map(pin) | sort_by(.id | tostring)
		else pin end' |
		LC_ALL=C sort
}

version=$("$MCPD" --version | cut -d' ' -f2)
sed "s/@VERSION@/$version/g" "$here/cases/$name.out" | normalise \
	> "$tmp/want" || { echo "bad expected file"; exit 1; }
if ! normalise < "$tmp/stdout" > "$tmp/got"; then
	echo "mcpd wrote something that is not JSON lines:"
	cat "$tmp/stdout"
	exit 1
fi
diff -u "$tmp/want" "$tmp/got"
