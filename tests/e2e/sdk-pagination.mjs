/*
 * Pagination: with more datasets than fit on one page, every list comes
 * back whole by following nextCursor, with nothing twice.
 *
 *   node sdk-pagination.mjs CATALOG NDATASETS [MCPD ARGS...]
 */
import { Tap, assert } from './lib/tap.mjs';
import { connect, textOf, listAll } from './lib/mcpd.mjs';

const [catalog, nstr, ...args] = process.argv.slice(2);
const n = Number(nstr);
const ps = args.indexOf('--page-size');
const pageSize = ps >= 0 ? Number(args[ps + 1]) : 0;
const t = new Tap();

let s;
try {
	s = await connect(catalog, { args });
} catch (e) {
	t.bail(`cannot connect to mcpd: ${e.message}`);
}
const { client } = s;
t.onFailure(() => `mcpd stderr (tail):\n${s.stderr().slice(-2000)}`);
t.comment(`mcpd arguments: ${args.join(' ') || '(none)'}`);

await t.test(`resources/list over ${n} datasets takes several pages`,
	async () => {
		const { items, pages } = await listAll(client, 'listResources',
			'resources');
		const uris = items.map((r) => r.uri);
		assert.equal(new Set(uris).size, uris.length, 'duplicates');
		for (let i = 1; i <= n; i++) {
			const u = `mcpd://datasets/d${String(i).padStart(3, '0')}`;
			assert.ok(uris.includes(u), `${u} missing`);
		}
		assert.ok(pages > 1, `one page of ${uris.length} resources`);
		t.comment(`${uris.length} resources in ${pages} pages`);
	});

for (const [m, key] of [['listTools', 'tools'], ['listPrompts', 'prompts'],
	['listResourceTemplates', 'resourceTemplates']]) {
	await t.test(`${m}: following cursors gives a list without duplicates`,
		async () => {
			const { items, pages } = await listAll(client, m, key);
			const names = items.map((x) => x.name ?? x.uriTemplate);
			assert.ok(names.length > 0);
			assert.equal(new Set(names).size, names.length);
			if (pageSize && names.length > pageSize) {
				assert.ok(pages > 1, `${names.length} ${key} in one ` +
					`page of at most ${pageSize}`);
			}
			t.comment(`${names.length} ${key} in ${pages} pages`);
		});
}

await t.test('replaying a cursor gives the same page', async () => {
	const r = await client.listResources({});
	if (!r.nextCursor) {
		throw new Error('no nextCursor on the first page');
	}
	/* a cursor is opaque; replaying it must still work */
	const again = await client.listResources({ cursor: r.nextCursor });
	const twice = await client.listResources({ cursor: r.nextCursor });
	assert.deepEqual(again.resources.map((x) => x.uri),
		twice.resources.map((x) => x.uri));
});

await t.test('list_datasets shows all datasets', async () => {
	const r = await client.callTool({ name: 'list_datasets',
		arguments: {} });
	const text = JSON.stringify(r.structuredContent) + textOf(r);
	for (let i = 1; i <= n; i++) {
		assert.match(text, new RegExp(`d${String(i).padStart(3, '0')}`));
	}
});

await t.test('mcpd exits 0 when stdin closes', async () => {
	const { code, signal } = await s.finish();
	assert.deepEqual({ code, signal }, { code: 0, signal: null });
});

t.done();
