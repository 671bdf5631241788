/*
 * Startup, per-call latency and throughput of MCP servers over stdio,
 * measured the same way for each, in one run.
 *
 *   node mcp-bench.mjs SPEC.json
 *
 * SPEC: { "runs": 20, "calls": 500, "concurrency": 8, "total": 2000,
 *         "servers": [ { "name", "command", "args", "tool",
 *                        "arguments" }, ... ] }
 * The first server is the reference for the ratios.
 *
 * startup: from spawn() to the first byte of the initialize response,
 *          with the initialize request written right after spawn (what a
 *          host does); median of `runs` fresh processes.  Peak RSS
 *          (VmHWM) is read from /proc after the response.
 * latency: `calls` sequential tools/call through the SDK Client.
 * throughput: `total` calls with `concurrency` in flight.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/* the SDK installed for the e2e tests (tests/e2e/setup-node.sh) */
const sdk = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e',
	'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'esm');
const { Client } = await import(pathToFileURL(join(sdk, 'client',
	'index.js')));
const { StdioClientTransport } = await import(pathToFileURL(join(sdk,
	'client', 'stdio.js')));

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const runs = spec.runs ?? 20;
const ncalls = spec.calls ?? 500;
const conc = spec.concurrency ?? 8;
const total = spec.total ?? 2000;

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize',
	params: { protocolVersion: '2025-11-25', capabilities: {},
		clientInfo: { name: 'mcp-bench', version: '1' } } }) + '\n';

function quantile(xs, q) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const median = (xs) => quantile(xs, 0.5);

function peakRssKb(pid) {
	try {
		const st = readFileSync(`/proc/${pid}/status`, 'utf8');
		return Number(st.match(/VmHWM:\s+(\d+)/)[1]);
	} catch {
		return NaN;
	}
}

/* one cold start: ms to the initialize response, and peak RSS in kB */
function startOnce(srv) {
	return new Promise((resolve, reject) => {
		const t0 = process.hrtime.bigint();
		const child = spawn(srv.command, srv.args, {
			stdio: ['pipe', 'pipe', 'ignore'] });
		let done = false;
		child.on('error', reject);
		child.stdout.on('data', (d) => {
			if (done || !d.includes('\n')) {
				return;
			}
			done = true;
			const ms = Number(process.hrtime.bigint() - t0) / 1e6;
			const rss = peakRssKb(child.pid);
			child.stdin.end();
			child.kill('SIGTERM');
			resolve({ ms, rss });
		});
		child.stdin.write(INIT);
		setTimeout(() => {
			if (!done) {
				child.kill('SIGKILL');
				reject(new Error(`${srv.name}: no initialize response`));
			}
		}, 30000);
	});
}

async function startup(srv) {
	const ms = [];
	const rss = [];
	for (let i = 0; i < runs; i++) {
		const r = await startOnce(srv);
		ms.push(r.ms);
		rss.push(r.rss);
		await new Promise((res) => setTimeout(res, 20));
	}
	return { median: median(ms), min: Math.min(...ms),
		max: Math.max(...ms), rss: median(rss) };
}

async function calls(srv) {
	const transport = new StdioClientTransport({ command: srv.command,
		args: srv.args, stderr: 'ignore' });
	const client = new Client({ name: 'mcp-bench', version: '1' });
	await client.connect(transport);
	const req = { name: srv.tool, arguments: srv.arguments };
	const first = await client.callTool(req);
	if (first.isError) {
		throw new Error(`${srv.name}: ${JSON.stringify(first.content)}`);
	}
	for (let i = 0; i < 20; i++) {
		await client.callTool(req);
	}
	const lat = [];
	for (let i = 0; i < ncalls; i++) {
		const t0 = process.hrtime.bigint();
		const r = await client.callTool(req);
		lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
		if (r.isError) {
			throw new Error(`${srv.name}: call ${i} failed`);
		}
	}
	let next = 0;
	let errors = 0;
	const t0 = process.hrtime.bigint();
	await Promise.all(Array.from({ length: conc }, async () => {
		while (next < total) {
			next++;
			const r = await client.callTool(req);
			errors += r.isError ? 1 : 0;
		}
	}));
	const secs = Number(process.hrtime.bigint() - t0) / 1e9;
	await client.close();
	return { p50: median(lat), p95: quantile(lat, 0.95),
		p99: quantile(lat, 0.99), rps: total / secs, errors };
}

const results = [];
for (const srv of spec.servers) {
	process.stderr.write(`${srv.name}: startup x${runs}...\n`);
	const st = await startup(srv);
	process.stderr.write(`${srv.name}: ${ncalls} calls, then ${total} ` +
		`at concurrency ${conc}...\n`);
	const c = await calls(srv);
	results.push({ name: srv.name, ...st, ...c });
}

const f = (x, d = 2) => Number.isFinite(x) ? x.toFixed(d) : '-';
const ref = results[0];
const rows = [['server', 'startup ms (median)', 'min', 'max', 'peak RSS MB',
	'call p50 ms', 'p95', 'p99', 'calls/s', 'errors']];
for (const r of results) {
	rows.push([r.name, f(r.median), f(r.min), f(r.max), f(r.rss / 1024, 1),
		f(r.p50, 3), f(r.p95, 3), f(r.p99, 3), f(r.rps, 0),
		String(r.errors)]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) =>
	r[i].length)));
for (const r of rows) {
	console.log(r.map((c, i) => c.padStart(widths[i])).join('  '));
}
for (const r of results.slice(1)) {
	console.log(`${r.name} / ${ref.name}: startup ` +
		`${f(r.median / ref.median, 1)}x, call p50 ` +
		`${f(r.p50 / ref.p50, 1)}x, throughput ` +
		`${f(ref.rps / r.rps, 1)}x lower`);
}
console.log(`(startup: median of ${runs} spawns to the initialize ` +
	`response; latency: ${ncalls} sequential calls; throughput: ${total} ` +
	`calls, ${conc} in flight)`);
