/*
 * mcpd driven by the official TypeScript SDK client: every method of the
 * protocol core, the dataset tools, resources, prompts and completion.
 *
 *   node sdk-core.mjs CATALOG      (catalog with datasets people, cities)
 */
import { Tap, assert } from './lib/tap.mjs';
import { connect, textOf, pickArg, listAll } from './lib/mcpd.mjs';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const catalog = process.argv[2];
const t = new Tap();

let s;
try {
	s = await connect(catalog);
} catch (e) {
	t.bail(`cannot connect to mcpd: ${e.message}`);
}
const { client, spy } = s;
t.onFailure(() => {
	const err = s.stderr().trim();
	return err ? `mcpd stderr (tail):\n${err.slice(-2000)}` : '';
});

/* the JSON-RPC error code a rejected SDK request carried */
async function rpcError(promise) {
	try {
		await promise;
	} catch (e) {
		if (e instanceof McpError) {
			return e.code;
		}
		throw e;
	}
	throw new Error('expected a JSON-RPC error, got a result');
}

await t.test('initialize: negotiates 2025-11-25 and names the server',
	async () => {
		const init = spy.received.find((r) => r.m.id ===
			spy.sent.find((x) => x.m.method === 'initialize').m.id).m;
		assert.equal(init.result.protocolVersion, '2025-11-25');
		const info = client.getServerVersion();
		assert.equal(info.name, 'mcpd');
		assert.match(info.version, /^\d+\.\d+/);
	});

await t.test('initialize: capabilities for tools, resources, prompts, ' +
	'logging, completions', async () => {
	const caps = client.getServerCapabilities();
	for (const k of ['tools', 'resources', 'prompts', 'logging',
		'completions']) {
		assert.ok(caps[k], `capability ${k} missing: ` +
			JSON.stringify(caps));
	}
	assert.equal(caps.resources.subscribe, true, 'resources.subscribe');
	assert.equal(caps.resources.listChanged, true,
		'resources.listChanged');
});

await t.test('initialize: instructions tell the model what mcpd offers',
	async () => {
		const ins = client.getInstructions();
		assert.equal(typeof ins, 'string');
		assert.ok(ins.length > 40, `instructions too short: ${ins}`);
		assert.match(ins, /list_datasets|describe_dataset/);
	});

await t.test('ping answers an empty result', async () => {
	const r = await client.ping();
	assert.deepEqual(Object.keys(r).filter((k) => k !== '_meta'), []);
});

let tools = [];
await t.test('tools/list: every tool has inputSchema, outputSchema, ' +
	'readOnlyHint', async () => {
	({ items: tools } = await listAll(client, 'listTools', 'tools'));
	const names = tools.map((x) => x.name);
	for (const n of ['list_datasets', 'describe_dataset']) {
		assert.ok(names.includes(n), `${n} not in ${names}`);
	}
	assert.equal(new Set(names).size, names.length, 'duplicate names');
	for (const tool of tools) {
		assert.equal(tool.inputSchema?.type, 'object',
			`${tool.name} inputSchema`);
		assert.equal(tool.outputSchema?.type, 'object',
			`${tool.name} outputSchema`);
		assert.equal(tool.annotations?.readOnlyHint, true,
			`${tool.name} readOnlyHint`);
		assert.ok(tool.description && tool.description.length > 10,
			`${tool.name} description`);
		assert.ok(tool.title, `${tool.name} title`);
		/* an argument it does not declare is refused (args.c) */
		assert.equal(tool.inputSchema.additionalProperties, false,
			`${tool.name} additionalProperties`);
		/* never a dataset that may not exist in this catalog */
		assert.ok(!/apistrat/.test(JSON.stringify(tool)),
			`${tool.name} names an example dataset`);
	}
	t.comment(`tools: ${names.join(', ')}`);
});

await t.test('describe_dataset columns: just those, in full', async () => {
	const r = await client.callTool({ name: 'describe_dataset',
		arguments: { name: 'people', columns: ['AGE'] } });
	assert.equal(r.isError, false, textOf(r));
	assert.match(textOf(r), /^\| `age` \| INTEGER \| 0 \| /m);
	assert.doesNotMatch(textOf(r), /`income`/);
	assert.deepEqual(r.structuredContent.columns.map((c) => c.name),
		['age']);
});

await t.test('an undeclared argument is refused with a did-you-mean',
	async () => {
		const r = await client.callTool({ name: 'describe_dataset',
			arguments: { name: 'people', colums: ['age'] } });
		assert.equal(r.isError, true);
		assert.match(textOf(r), /^unknown argument 'colums'; did you /);
		assert.match(textOf(r), /did you mean 'columns'\? Valid /);
		const l = await client.callTool({ name: 'list_datasets',
			arguments: { verbose: true } });
		assert.equal(textOf(l), "unknown argument 'verbose'. It takes " +
			'no arguments.');
	});

await t.test('tools/call list_datasets: text and structuredContent',
	async () => {
		/* the SDK checks structuredContent against outputSchema */
		const r = await client.callTool({ name: 'list_datasets',
			arguments: {} });
		assert.notEqual(r.isError, true, textOf(r));
		const text = textOf(r);
		assert.match(text, /people/);
		assert.match(text, /cities/);
		assert.ok(r.structuredContent, 'structuredContent missing');
		const js = JSON.stringify(r.structuredContent);
		assert.match(js, /"people"/);
		assert.match(js, /"cities"/);
	});

await t.test('tools/call describe_dataset: columns, weight, statistics',
	async () => {
		const tool = tools.find((x) => x.name === 'describe_dataset');
		const arg = pickArg(tool.inputSchema, ['name', 'dataset']);
		const r = await client.callTool({ name: 'describe_dataset',
			arguments: { [arg]: 'people' } });
		assert.notEqual(r.isError, true, textOf(r));
		const text = textOf(r);
		for (const col of ['region', 'age', 'income', 'weight']) {
			assert.match(text, new RegExp(col), `column ${col}`);
		}
		assert.match(text, /weight/i);
		assert.match(text, /60/, 'row count 60 not mentioned');
		const js = JSON.stringify(r.structuredContent);
		assert.match(js, /"income"/);
		assert.match(js, /"weight"/);
	});

await t.test('tools/call describe_dataset on an unknown dataset is a tool ' +
	'error', async () => {
	const tool = tools.find((x) => x.name === 'describe_dataset');
	const arg = pickArg(tool.inputSchema, ['name', 'dataset']);
	const r = await client.callTool({ name: 'describe_dataset',
		arguments: { [arg]: 'no_such_dataset' } });
	assert.equal(r.isError, true);
	assert.match(textOf(r), /no_such_dataset/);
});

await t.test('tools/call with a missing required argument is a tool error',
	async () => {
		const r = await client.callTool({ name: 'describe_dataset',
			arguments: {} });
		assert.equal(r.isError, true, JSON.stringify(r));
	});

await t.test('tools/call of an unknown tool is an error', async () => {
	let r;
	try {
		r = await client.callTool({ name: 'no_such_tool',
			arguments: {} });
	} catch (e) {
		assert.ok(e instanceof McpError, String(e));
		assert.equal(e.code, -32602);
		return;
	}
	assert.equal(r.isError, true, JSON.stringify(r));
});

let resources = [];
await t.test('resources/list: context and schema of each dataset',
	async () => {
		({ items: resources } = await listAll(client, 'listResources',
			'resources'));
		const uris = resources.map((r) => r.uri);
		assert.ok(uris.includes('mcpd://datasets/people'), uris.join(' '));
		assert.ok(uris.includes('mcpd://datasets/cities'), uris.join(' '));
		for (const r of resources) {
			assert.ok(r.name, `${r.uri} has no name`);
			assert.ok(r.mimeType, `${r.uri} has no mimeType`);
		}
	});

await t.test('resources/templates/list: a template for dataset URIs',
	async () => {
		const { items } = await listAll(client, 'listResourceTemplates',
			'resourceTemplates');
		const tpl = items.map((x) => x.uriTemplate);
		assert.ok(tpl.some((u) => /^mcpd:\/\/datasets\/\{[a-z_]+\}$/
			.test(u)), tpl.join(' '));
	});

await t.test('resources/read mcpd://datasets/people: markdown context',
	async () => {
		const r = await client.readResource({
			uri: 'mcpd://datasets/people' });
		assert.equal(r.contents.length, 1);
		const c = r.contents[0];
		assert.equal(c.uri, 'mcpd://datasets/people');
		assert.equal(c.mimeType, 'text/markdown');
		assert.match(c.text, /people/i);
		assert.match(c.text, /income/);
	});

await t.test('resources/read mcpd://datasets/people/schema: JSON',
	async () => {
		const r = await client.readResource({
			uri: 'mcpd://datasets/people/schema' });
		const c = r.contents[0];
		assert.equal(c.mimeType, 'application/json');
		const schema = JSON.parse(c.text);
		const js = JSON.stringify(schema);
		for (const col of ['id', 'region', 'sex', 'age', 'income',
			'weight']) {
			assert.match(js, new RegExp(`"${col}"`), `column ${col}`);
		}
	});

await t.test('resources/read of an unknown URI is an error', async () => {
	const code = await rpcError(client.readResource({
		uri: 'mcpd://datasets/no_such_dataset' }));
	assert.ok(code === -32002 || code === -32602, `code ${code}`);
});

await t.test('resources/subscribe and unsubscribe', async () => {
	const a = await client.subscribeResource({
		uri: 'mcpd://datasets/people' });
	assert.ok(a && typeof a === 'object');
	const b = await client.unsubscribeResource({
		uri: 'mcpd://datasets/people' });
	assert.ok(b && typeof b === 'object');
});

let prompts = [];
await t.test('prompts/list: explore_dataset(name), compare_datasets(a, b)',
	async () => {
		({ items: prompts } = await listAll(client, 'listPrompts',
			'prompts'));
		const ex = prompts.find((p) => p.name === 'explore_dataset');
		const cmp = prompts.find((p) => p.name === 'compare_datasets');
		assert.ok(ex, 'explore_dataset missing');
		assert.ok(cmp, 'compare_datasets missing');
		assert.equal(ex.arguments.filter((a) => a.required).length, 1);
		assert.equal(cmp.arguments.filter((a) => a.required).length, 2);
	});

function promptArgs(name, values) {
	const p = prompts.find((x) => x.name === name);
	const args = {};
	p.arguments.filter((a) => a.required).forEach((a, i) => {
		args[a.name] = values[i];
	});
	return args;
}

await t.test('prompts/get explore_dataset(people)', async () => {
	const r = await client.getPrompt({ name: 'explore_dataset',
		arguments: promptArgs('explore_dataset', ['people']) });
	assert.ok(r.messages.length >= 1);
	assert.equal(r.messages[0].role, 'user');
	assert.match(textOf(r) + JSON.stringify(r.messages), /people/);
});

await t.test('prompts/get compare_datasets(people, cities)', async () => {
	const r = await client.getPrompt({ name: 'compare_datasets',
		arguments: promptArgs('compare_datasets', ['people', 'cities']) });
	const all = JSON.stringify(r.messages);
	assert.match(all, /people/);
	assert.match(all, /cities/);
});

await t.test('prompts/get with an unknown dataset or prompt is -32602',
	async () => {
		const c1 = await rpcError(client.getPrompt({
			name: 'no_such_prompt', arguments: {} }));
		assert.equal(c1, -32602);
		const c2 = await rpcError(client.getPrompt({
			name: 'explore_dataset', arguments: {} }));
		assert.equal(c2, -32602);
	});

await t.test('completion/complete: prompt argument completes dataset names',
	async () => {
		const argName = prompts.find((p) => p.name === 'explore_dataset')
			.arguments[0].name;
		const r = await client.complete({
			ref: { type: 'ref/prompt', name: 'explore_dataset' },
			argument: { name: argName, value: 'pe' },
		});
		assert.deepEqual(r.completion.values, ['people']);
		const all = await client.complete({
			ref: { type: 'ref/prompt', name: 'explore_dataset' },
			argument: { name: argName, value: '' },
		});
		assert.deepEqual([...all.completion.values].sort(),
			['cities', 'people']);
	});

await t.test('completion/complete: a column argument completes the ' +
	'columns of the dataset named in context', async () => {
	const p = prompts.find((x) => x.name === 'explore_dataset');
	const col = p.arguments.find((a) => /column/.test(a.name));
	assert.ok(col, `explore_dataset has no column argument: ${
		JSON.stringify(p.arguments)}`);
	const r = await client.complete({
		ref: { type: 'ref/prompt', name: 'explore_dataset' },
		argument: { name: col.name, value: 'in' },
		context: { arguments: { [p.arguments[0].name]: 'people' } },
	});
	assert.deepEqual(r.completion.values, ['income']);
});

await t.test('completion/complete: resource template completes dataset ' +
	'names', async () => {
	const { items } = await listAll(client, 'listResourceTemplates',
		'resourceTemplates');
	const tpl = items.find((x) => /^mcpd:\/\/datasets\/\{[a-z_]+\}$/
		.test(x.uriTemplate));
	const v = tpl.uriTemplate.match(/\{([a-z_]+)\}/)[1];
	const r = await client.complete({
		ref: { type: 'ref/resource', uri: tpl.uriTemplate },
		argument: { name: v, value: 'ci' },
	});
	assert.deepEqual(r.completion.values, ['cities']);
});

await t.test('logging/setLevel debug, then notifications/message arrive',
	async () => {
		const before = spy.notifications('notifications/message').length;
		await client.setLoggingLevel('debug');
		await client.callTool({ name: 'list_datasets', arguments: {} });
		await new Promise((r) => setTimeout(r, 300));
		const msgs = spy.notifications('notifications/message')
			.slice(before);
		assert.ok(msgs.length > 0, 'no notifications/message at debug');
		for (const m of msgs) {
			assert.ok(['debug', 'info', 'notice', 'warning', 'error',
				'critical', 'alert', 'emergency']
				.includes(m.params.level), JSON.stringify(m));
			assert.ok('data' in m.params);
		}
		await client.setLoggingLevel('emergency');
	});

await t.test('logging/setLevel with an unknown level is -32602', async () => {
	const code = await rpcError(client.request({ method: 'logging/setLevel',
		params: { level: 'loud' } },
	(await import('@modelcontextprotocol/sdk/types.js')).EmptyResultSchema));
	assert.equal(code, -32602);
});

await t.test('an invalid cursor is -32602 on every list', async () => {
	for (const m of ['listTools', 'listResources',
		'listResourceTemplates', 'listPrompts']) {
		const code = await rpcError(client[m]({
			cursor: 'not-a-cursor-mcpd-made' }));
		assert.equal(code, -32602, m);
	}
});

await t.test('an unknown method is -32601', async () => {
	const { EmptyResultSchema } = await import(
		'@modelcontextprotocol/sdk/types.js');
	const code = await rpcError(client.request({ method: 'no/such',
		params: {} }, EmptyResultSchema));
	assert.equal(code, -32601);
});

await t.test('the SDK saw no stray message', async () => {
	assert.deepEqual(s.errors.map(String), []);
});

await t.test('mcpd exits 0 when stdin closes', async () => {
	const { code, signal } = await s.finish();
	assert.deepEqual({ code, signal }, { code: 0, signal: null });
});

t.done();
