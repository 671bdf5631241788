#!/bin/sh
# examples/claude_desktop_config.json is a working mcpd invocation, and
# packaging/mcpb/manifest.json is a bundle manifest that mcpb validates,
# packs around the built mcpd, and unpacks into a runnable server.
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
e2e_tmpdir
root=$(cd "$e2e_dir/../.." && pwd)
example=$root/examples/claude_desktop_config.json
manifest=$root/packaging/mcpb/manifest.json
mkdir "$tmp/home"
HOME=$tmp/home
export HOME
n=0

check() {
	n=$((n + 1))
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=1
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/# /'
	fi
}

echo "TAP version 13"

check "the example config names an absolute mcpd and an absolute --db" \
	"$NODE" -e '
	const c = JSON.parse(require("fs").readFileSync(process.argv[1]));
	const s = c.mcpServers.mcpd;
	const a = s.args;
	if (!s.command.startsWith("/") || !/\/mcpd$/.test(s.command))
		throw new Error("command " + s.command);
	const i = a.indexOf("--db");
	if (i < 0 || !a[i + 1].startsWith("/"))
		throw new Error("args " + a.join(" "));' "$example"

# the example with this build's paths drives a real mcpd under the Inspector
e2e_catalog "$tmp/catalog.db"
"$NODE" -e '
	const fs = require("fs");
	const c = JSON.parse(fs.readFileSync(process.argv[1]));
	const s = c.mcpServers.mcpd;
	s.command = process.argv[2];
	s.args[s.args.indexOf("--db") + 1] = process.argv[3];
	fs.writeFileSync(process.argv[4], JSON.stringify(c));
' "$example" "$MCPD" "$tmp/catalog.db" "$tmp/config.json"

check "the example config, with this build's paths, lists the datasets" \
	sh -c 'mcp-inspector --cli -q --format json --config "$1" --server mcpd \
		--method tools/call --tool-name list_datasets >"$2" &&
		grep -q people "$2" && grep -q cities "$2"' \
	sh "$tmp/config.json" "$tmp/list.json"

check "mcpb validate accepts packaging/mcpb/manifest.json" \
	mcpb validate "$manifest"

check "the manifest runs a binary with the catalog from user_config" \
	"$NODE" -e '
	const m = JSON.parse(require("fs").readFileSync(process.argv[1]));
	const c = m.server.mcp_config;
	if (m.server.type !== "binary") throw new Error("type");
	if (c.command !== "${__dirname}/" + m.server.entry_point)
		throw new Error("command " + c.command);
	if (c.args.join(" ") !== "--db ${user_config.catalog}")
		throw new Error("args " + c.args.join(" "));
	if (m.user_config.catalog.type !== "file") throw new Error("catalog");' \
	"$manifest"

mkdir -p "$tmp/stage/server"
cp "$manifest" "$tmp/stage/manifest.json"
cp "$MCPD" "$tmp/stage/server/mcpd"
check "mcpb pack builds a bundle around the built mcpd" \
	mcpb pack "$tmp/stage" "$tmp/mcpd.mcpb"

check "the unpacked bundle has an executable mcpd that serves the catalog" \
	sh -c 'mcpb unpack "$1" "$2" && test -x "$2/server/mcpd" &&
		printf "%s\n" "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}" |
		"$2/server/mcpd" --db "$3" | grep -q "\"serverInfo\""' \
	sh "$tmp/mcpd.mcpb" "$tmp/unpacked" "$tmp/catalog.db"

echo "1..$n"
exit "${failed:-0}"
