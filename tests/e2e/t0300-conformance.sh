#!/bin/sh
# The official conformance suite against mcpd.  The suite speaks only
# Streamable HTTP, so supergateway bridges it to mcpd's stdio; the bridge
# runs in its own process group and the whole group is killed afterwards
# (with --stateful it keeps a child per session for 30 minutes).
#
# conformance-expected-failures.yml lists the scenarios mcpd is expected to
# fail, each with its reason; a listed scenario that passes fails the run.
. "${MCPD_SOURCE_ROOT:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_need_node
e2e_tmpdir
e2e_catalog "$tmp/catalog.db"
mkdir "$tmp/home"
HOME=$tmp/home
export HOME

port=$("$NODE" -e '
	const s = require("net").createServer().listen(0, "127.0.0.1", () => {
		console.log(s.address().port);
		s.close();
	});')

# supergateway starts each session's child in a process group of its own
# and, on SIGTERM, stops those groups itself (SIGKILL after 5 s); the
# groups still alive after that are killed here, by their ids.
stop_bridge() {
	[ -n "${gw:-}" ] || return 0
	kids=$(ps -o pid= --ppid "$gw" 2>/dev/null || true)
	kill -TERM "-$gw" 2>/dev/null || true
	i=0
	while kill -0 "-$gw" 2>/dev/null && [ $i -lt 80 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "-$gw" 2>/dev/null || true
	for k in $kids; do
		kill -KILL "-$k" 2>/dev/null || true
	done
	gw=
}
e2e_cleanups=stop_bridge

# Run by a shell without job control, the background job shares our
# process group, so setsid makes it a group leader without forking and
# $! is the group id.
setsid supergateway --stdio "$MCPD --db $tmp/catalog.db" \
	--outputTransport streamableHttp --stateful --port "$port" \
	--healthEndpoint /healthz --logLevel info >"$tmp/bridge.log" 2>&1 &
gw=$!

i=0
until "$NODE" -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1),
	() => process.exit(1))' "http://127.0.0.1:$port/healthz"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "Bail out! supergateway did not start on port $port"
		sed 's/^/# /' "$tmp/bridge.log"
		exit 1
	fi
	sleep 0.1
done

status=0
conformance server --url "http://127.0.0.1:$port/mcp" -o "$tmp/out" \
	--expected-failures "$e2e_dir/conformance-expected-failures.yml" \
	>"$tmp/conformance.log" 2>&1 || status=$?
stop_bridge

"$NODE" "$e2e_dir/conformance-tap.mjs" "$tmp/out" \
	"$e2e_dir/conformance-expected-failures.yml" "$tmp/conformance.log" \
	"$status" || { sed -n '/SUMMARY/,$p' "$tmp/conformance.log" |
	sed 's/^/# /'; exit 1; }
