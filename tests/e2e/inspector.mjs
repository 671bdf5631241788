/*
 * The official Inspector CLI against mcpd in each protocol era.
 *
 *   node inspector.mjs CONFIG_JSON
 *
 * CONFIG_JSON has the Claude Desktop shape with a server named "mcpd"; it
 * is how the Inspector gets server arguments that start with a dash.
 * Exit codes of mcp-inspector --cli: 0 ok, 1 error, 4 unreachable,
 * 5 tool error.
 */
import { execFile } from 'node:child_process';
import { Tap, assert } from './lib/tap.mjs';

const config = process.argv[2];
const t = new Tap();

function inspector(era, method, ...extra) {
	const args = ['--cli', '-q', '--format', 'json', '--config', config,
		'--server', 'mcpd', '--protocol-era', era, '--method', method,
		...extra];
	return new Promise((resolve) => {
		execFile('mcp-inspector', args, { encoding: 'utf8',
			timeout: 60000 }, (err, stdout, stderr) => {
			let json = null;
			try {
				json = JSON.parse(stdout);
			} catch {
				/* left null: the assertion shows stdout */
			}
			resolve({ code: err ? (err.code ?? 1) : 0, json, stdout,
				stderr, cmd: `mcp-inspector ${args.join(' ')}` });
		});
	});
}

/* asserts exit 0 and a result; returns the result */
function ok(r) {
	assert.equal(r.code, 0, `${r.cmd}\nexit ${r.code}\nstdout: ` +
		`${r.stdout.slice(0, 800)}\nstderr: ${r.stderr.slice(0, 800)}`);
	assert.ok(r.json && r.json.result, `no result: ${r.stdout.slice(0, 800)}`);
	return r.json.result;
}

const summary = {};
const eras = (process.env.MCPD_E2E_ERAS || 'legacy auto modern').split(' ');

for (const era of eras) {
	let failed = 0;
	const test = async (name, body) => {
		if (!await t.test(`${era}: ${name}`, body, { timeout: 90000 })) {
			failed++;
		}
	};

	let version = '';
	await test('initialize names mcpd and the era\'s revision', async () => {
		const res = ok(await inspector(era, 'initialize'));
		version = res.protocolVersion;
		assert.equal(res.serverInfo?.name, 'mcpd');
		const want = era === 'legacy' ? '2025-11-25' : '2026-07-28';
		assert.equal(res.protocolVersion, want);
		t.comment(`${era}: protocolVersion ${res.protocolVersion}`);
	});

	let tools = [];
	await test('tools/list', async () => {
		tools = ok(await inspector(era, 'tools/list')).tools;
		const names = tools.map((x) => x.name);
		assert.ok(names.includes('list_datasets'), names.join(' '));
		assert.ok(names.includes('describe_dataset'), names.join(' '));
		for (const tool of tools) {
			assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
		}
	});

	if (era === 'legacy') {
		await test('tools/list --strict: no schema portability errors',
			async () => {
				const r = await inspector(era, 'tools/list', '--strict');
				const m = r.stderr.match(/(\d+) errors?, (\d+) warnings?/);
				t.comment(`schema portability: ${m ? m[0] : 'no summary'}`);
				assert.equal(r.code, 0, r.stderr.slice(-1500));
			});
	}

	await test('tools/call list_datasets', async () => {
		const res = ok(await inspector(era, 'tools/call',
			'--tool-name', 'list_datasets'));
		assert.notEqual(res.isError, true);
		assert.match(JSON.stringify(res.content), /people/);
		assert.match(JSON.stringify(res.structuredContent), /people/);
	});

	await test('tools/call describe_dataset', async () => {
		const d = tools.find((x) => x.name === 'describe_dataset');
		const arg = Object.keys(d?.inputSchema?.properties ?? {})[0] ??
			'name';
		const res = ok(await inspector(era, 'tools/call', '--tool-name',
			'describe_dataset', '--tool-args-json',
			JSON.stringify({ [arg]: 'people' })));
		assert.match(JSON.stringify(res.content), /income/);
		const bad = await inspector(era, 'tools/call', '--tool-name',
			'describe_dataset', '--tool-args-json',
			JSON.stringify({ [arg]: 'no_such_dataset' }));
		assert.equal(bad.code, 5, `unknown dataset: exit ${bad.code}`);
	});

	await test('resources/list and resources/templates/list', async () => {
		const res = ok(await inspector(era, 'resources/list'));
		assert.ok(res.resources.some((r) =>
			r.uri === 'mcpd://datasets/people'));
		const tpl = ok(await inspector(era, 'resources/templates/list'));
		assert.ok(tpl.resourceTemplates.some((x) =>
			x.uriTemplate.startsWith('mcpd://datasets/')));
	});

	await test('resources/read context and schema', async () => {
		const res = ok(await inspector(era, 'resources/read', '--uri',
			'mcpd://datasets/people'));
		assert.match(res.contents[0].text, /income/);
		const sch = ok(await inspector(era, 'resources/read', '--uri',
			'mcpd://datasets/people/schema'));
		JSON.parse(sch.contents[0].text);
	});

	await test('prompts/list and prompts/get', async () => {
		const res = ok(await inspector(era, 'prompts/list'));
		const p = res.prompts.find((x) => x.name === 'explore_dataset');
		assert.ok(p, 'explore_dataset missing');
		const got = ok(await inspector(era, 'prompts/get',
			'--prompt-name', 'explore_dataset', '--prompt-args',
			`${p.arguments[0].name}=people`));
		assert.match(JSON.stringify(got.messages), /people/);
	});

	await test('--load: 500 query calls, 8 in flight, none lost or failed',
		async () => {
			const res = ok(await inspector(era, 'tools/call',
				'--tool-name', 'query', '--tool-args-json',
				JSON.stringify({ sql: 'SELECT count(*) AS n FROM people' }),
				'--load', '--load-requests', '500',
				'--load-concurrency', '8'));
			assert.equal(res.requests, 500);
			assert.equal(res.ok, 500, JSON.stringify(res.errorMessages));
			assert.equal(res.errors + res.toolErrors, 0);
			t.comment(`${era}: --load ${Math.round(res.throughput)} ` +
				`calls/s, p50 ${res.latencyMs.p50} ms, p99 ` +
				`${res.latencyMs.p99} ms`);
		});

	/* 2026-07-28 has no logging/setLevel */
	if (version && version < '2026-07-28') {
		await test('logging/setLevel', async () => {
			ok(await inspector(era, 'logging/setLevel', '--log-level',
				'debug'));
		});
	}

	summary[era] = failed ? `${failed} failed` : 'all passed';
}

t.comment(`Inspector per era: ${JSON.stringify(summary)}`);
t.done();
