/*
 * Hot reload: with mcpd connected, mcpctl changes the catalog in another
 * process; the list_changed notifications arrive and the lists follow.
 *
 *   node sdk-reload.mjs CATALOG PRODUCTS_CSV
 */
import { Tap, assert, waitFor } from './lib/tap.mjs';
import { connect, mcpctl, textOf, listAll } from './lib/mcpd.mjs';

const [catalog, csv] = process.argv.slice(2);
const t = new Tap();

let s;
try {
	s = await connect(catalog);
} catch (e) {
	t.bail(`cannot connect to mcpd: ${e.message}`);
}
const { client, spy } = s;
t.onFailure(() => `mcpd stderr (tail):\n${s.stderr().slice(-2000)}`);

const LIST_CHANGED = ['notifications/resources/list_changed',
	'notifications/tools/list_changed',
	'notifications/prompts/list_changed'];

function changedSince(n) {
	return spy.received.slice(n).filter((r) =>
		LIST_CHANGED.includes(r.m.method));
}

async function datasetNames() {
	const r = await client.callTool({ name: 'list_datasets',
		arguments: {} });
	return JSON.stringify(r.structuredContent ?? textOf(r));
}

await t.test('before: list_datasets does not show products', async () => {
	const names = await datasetNames();
	assert.match(names, /people/);
	assert.doesNotMatch(names, /products/);
});

await t.test('mcpctl dataset add while connected: list_changed within 3 s',
	async () => {
		const n = spy.received.length;
		const t0 = Date.now();
		await mcpctl(catalog, 'dataset', 'add', 'products', '--csv', csv);
		const tAdded = Date.now();
		const got = await waitFor(() => {
			const c = changedSince(n);
			return c.some((r) => r.m.method ===
				'notifications/resources/list_changed') && c;
		}, { timeout: 3000, what: 'notifications/resources/list_changed' });
		const first = got[0].t;
		t.comment(`mcpctl took ${tAdded - t0} ms; notification ` +
			`${first - tAdded} ms after it returned: ` +
			[...new Set(got.map((r) => r.m.method))].join(', '));
	}, { timeout: 15000 });

await t.test('after: list_datasets and resources/list show products',
	async () => {
		assert.match(await datasetNames(), /products/);
		const { items } = await listAll(client, 'listResources',
			'resources');
		assert.ok(items.some((r) => r.uri === 'mcpd://datasets/products'));
		const c = await client.readResource({
			uri: 'mcpd://datasets/products' });
		assert.match(c.contents[0].text, /price/);
	});

await t.test('completion knows the new dataset', async () => {
	const { prompts } = await client.listPrompts();
	const p = prompts.find((x) => x.name === 'explore_dataset');
	const r = await client.complete({
		ref: { type: 'ref/prompt', name: 'explore_dataset' },
		argument: { name: p.arguments[0].name, value: 'pro' },
	});
	assert.deepEqual(r.completion.values, ['products']);
});

await t.test('a subscribed resource gets notifications/resources/updated',
	async () => {
		await client.subscribeResource({ uri: 'mcpd://datasets/cities' });
		const n = spy.received.length;
		await mcpctl(catalog, 'dataset', 'disable', 'cities');
		await waitFor(() => spy.received.slice(n).some((r) =>
			r.m.method === 'notifications/resources/updated' &&
			r.m.params?.uri === 'mcpd://datasets/cities'),
		{ timeout: 3000, what: 'notifications/resources/updated' });
		await client.unsubscribeResource({ uri: 'mcpd://datasets/cities' });
	}, { timeout: 15000 });

await t.test('mcpctl dataset disable: gone from list_datasets', async () => {
	await waitFor(async () => !/cities/.test(await datasetNames()),
		{ timeout: 3000, what: 'cities to disappear' });
	const code = await client.readResource({
		uri: 'mcpd://datasets/cities' }).then(() => 0, (e) => e.code);
	assert.ok(code === -32002 || code === -32602, `read gave ${code}`);
}, { timeout: 15000 });

await t.test('mcpctl dataset rm: list_changed and gone', async () => {
	const n = spy.received.length;
	await mcpctl(catalog, 'dataset', 'rm', 'products');
	await waitFor(() => changedSince(n).length > 0,
		{ timeout: 3000, what: 'list_changed after rm' });
	assert.doesNotMatch(await datasetNames(), /products/);
}, { timeout: 15000 });

await t.test('the server still answers ping', async () => {
	await client.ping();
});

await t.test('mcpd exits 0 when stdin closes', async () => {
	const { code, signal } = await s.finish();
	assert.deepEqual({ code, signal }, { code: 0, signal: null });
});

t.done();
