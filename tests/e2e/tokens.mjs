/*
 * What the model reads, counted in tokens: tools/list with the server's
 * instructions, describe_dataset of ten shapes of dataset (3 to 300
 * columns), and the answers to a fixed set of 30 typical calls.  Tokens
 * are counted with js-tiktoken's o200k_base encoding (a real tokenizer;
 * Claude's differs a little, the trend is what matters).
 *
 *   node tokens.mjs CATALOG SIZES.json            check
 *   node tokens.mjs CATALOG SIZES.json --record   write SIZES.json
 *
 * Checking fails when an answer grew more than 10% over its recorded
 * size, or when tools/list with the instructions passes its budget.
 * The catalog holds people, cities, products and the shapes wide_N
 * (see t0500-tokens.sh).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { getEncoding } from 'js-tiktoken';
import { Tap, assert } from './lib/tap.mjs';
import { connect, textOf, listAll } from './lib/mcpd.mjs';

const [catalog, sizesPath, mode] = process.argv.slice(2);
const record = mode === '--record';
const enc = getEncoding('o200k_base');
const tokens = (s) => enc.encode(s).length;
/* growth over the recorded size that fails the check */
const GROWTH = 1.10;
/* tools/list plus the instructions, at most (issue 15) */
const LIST_BUDGET = 1200;
import { SHAPES } from './shapes.mjs';

/* the fixed question set: what a model typically asks, errors included */
const QUESTIONS = [
	['list_datasets', {}],
	['search_datasets', { query: 'income region' }],
	['describe_dataset', { name: 'people' }],
	['describe_dataset', { name: 'cities' }],
	['sample_rows', { dataset: 'people' }],
	['sample_rows', { dataset: 'cities', n: 3 }],
	['query', { sql: 'SELECT * FROM people' }],
	['query', { sql: 'SELECT region, count(*) AS n, avg(income) AS ' +
		'mean_income FROM people GROUP BY region' }],
	['query', { sql: 'SELECT avg(age), avg(income), stddev(income) ' +
		'FROM people' }],
	['query', { sql: 'SELECT city, population / area_km2 AS density ' +
		'FROM cities ORDER BY density DESC' }],
	['query', { sql: 'SELECT sex, wmean(income, weight) AS w, ' +
		'avg(income) AS u FROM people GROUP BY sex' }],
	['query', { sql: 'SELECT * FROM people', format: 'csv' }],
	['query', { sql: 'SELECT region, median(age) FROM people ' +
		'GROUP BY 1', format: 'json' }],
	['query', { sql: 'SELECT c0, c1, c2 FROM wide_300 LIMIT 5' }],
	['query', { sql: 'SELECT * FROM wide_20 LIMIT 20' }],
	['query_many', { queries: [
		{ sql: 'SELECT count(*) FROM people' },
		{ sql: 'SELECT count(*) FROM cities' },
		{ sql: 'SELECT avg(price) FROM products' }] }],
	['weighted_stats', { dataset: 'people', measure: 'income' }],
	['weighted_stats', { dataset: 'people', measure: 'income',
		by: ['region'] }],
	['weighted_stats', { dataset: 'people', stat: 'percent',
		measure: 'region' }],
	['weighted_stats', { dataset: 'people', stat: 'quantile',
		measure: 'age', q: [0.25, 0.5, 0.75] }],
	['weighted_stats', { dataset: 'people', stat: 'count',
		by: ['sex', 'region'] }],
	/* mistakes a model makes, and what it reads back */
	['query', { sql: 'SELECT incme FROM people' }],
	['query', { sql: 'SELECT * FROM peple' }],
	['query', { sql: 'SELECT region, count(*) FORM people GROUP BY 1' }],
	['query', { sql: 'DELETE FROM people' }],
	['query', { sql: 'SELECT 1', limit: 3 }],
	['weighted_stats', { dataset: 'people', measure: 'income',
		group_by: ['region'] }],
	['weighted_stats', { dataset: 'people', measure: 'region' }],
	['query', { sql: 'SELECT 1', max_rows: 0 }],
	['describe_dataset', { name: 'nosuch' }],
];

const t = new Tap();
let s;
try {
	s = await connect(catalog);
} catch (e) {
	t.bail(`cannot connect to mcpd: ${e.message}`);
}
const { client } = s;
t.onFailure(() => `mcpd stderr (tail):\n${s.stderr().slice(-2000)}`);

const measured = { tokenizer: 'js-tiktoken o200k_base', sizes: {} };
const recorded = record ? null : JSON.parse(readFileSync(sizesPath,
	'utf8'));

function measure(key, text) {
	measured.sizes[key] = tokens(text);
}

await t.test('tools/list with the instructions fits the budget',
	async () => {
		const { items } = await listAll(client, 'listTools', 'tools');
		const text = JSON.stringify({ tools: items }) +
			(client.getInstructions() ?? '');
		measure('tools/list+instructions', text);
		t.comment(`tools/list + instructions: ` +
			`${measured.sizes['tools/list+instructions']} tokens`);
		assert.ok(measured.sizes['tools/list+instructions'] <=
			LIST_BUDGET, `over ${LIST_BUDGET} tokens`);
	});

await t.test('describe_dataset of 10 shapes', async () => {
	for (const n of SHAPES) {
		const r = await client.callTool({ name: 'describe_dataset',
			arguments: { name: `wide_${n}` } });
		assert.ok(!r.isError, `wide_${n}: ${textOf(r)}`);
		measure(`describe wide_${n}`, textOf(r));
		/* describe_budget's default, in real tokens */
		assert.ok(measured.sizes[`describe wide_${n}`] <= 2000,
			`wide_${n}: ${measured.sizes[`describe wide_${n}`]} tokens`);
	}
}, { timeout: 120000 });

await t.test('the 30 typical calls', async () => {
	assert.equal(QUESTIONS.length, 30);
	for (const [i, [name, args]] of QUESTIONS.entries()) {
		const r = await client.callTool({ name, arguments: args });
		const key = `q${String(i + 1).padStart(2, '0')} ${name} ` +
			JSON.stringify(args);
		measure(key, textOf(r));
	}
}, { timeout: 120000 });

if (record) {
	writeFileSync(sizesPath, JSON.stringify(measured, null, '\t') + '\n');
	t.comment(`recorded ${Object.keys(measured.sizes).length} sizes in ` +
		sizesPath);
} else {
	await t.test('no answer grew more than 10% over its recorded size',
		async () => {
			const grown = [];
			for (const [k, n] of Object.entries(measured.sizes)) {
				const was = recorded.sizes[k];
				assert.ok(was !== undefined, `no recorded size for ` +
					`${k}; run with --record`);
				if (n > Math.ceil(was * GROWTH)) {
					grown.push(`${k}: ${was} -> ${n}`);
				}
			}
			assert.deepEqual(grown, []);
		});
}
let total = 0;
for (const [k, n] of Object.entries(measured.sizes)) {
	t.comment(`${String(n).padStart(6)}  ${k}`);
	total += n;
}
t.comment(`${String(total).padStart(6)}  total`);
await s.finish();
t.done();
