/*
 * The query tools under the SDK client: one call of each (with answers
 * checked against the fixture files), progress notifications,
 * cancellation of a running query, and a slow query that does not hold
 * up ping.
 *
 *   node sdk-query.mjs CATALOG     (catalog with datasets people, cities)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tap, assert, waitFor, sleep } from './lib/tap.mjs';
import { connect, textOf, listAll } from './lib/mcpd.mjs';

const catalog = process.argv[2];
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const t = new Tap();

let s;
try {
	s = await connect(catalog);
} catch (e) {
	t.bail(`cannot connect to mcpd: ${e.message}`);
}
const { client, spy } = s;
t.onFailure(() => `mcpd stderr (tail):\n${s.stderr().slice(-2000)}`);

const { items: tools } = await listAll(client, 'listTools', 'tools');
const names = tools.map((x) => x.name);

/* 60^6 rows to count: far longer than any test waits for it */
const SLOW_SQL = 'SELECT count(*) AS n FROM people a, people b, people c, ' +
	'people d, people e, people f';

function call(name, args, opts) {
	return client.callTool({ name, arguments: args }, undefined, opts);
}

/* the fixture, read here to check mcpd's answers independently */
function csvRows(file) {
	const lines = readFileSync(join(fixtures, file), 'utf8').trim()
		.split('\n');
	const head = lines.shift().split(',');
	return lines.map((l) => Object.fromEntries(l.split(',')
		.map((v, i) => [head[i], v])));
}
const people = csvRows('people.csv');
const cities = csvRows('cities.csv');

function column(structured, name) {
	const i = structured.columns.findIndex((c) => c.name === name);
	assert.ok(i >= 0, `no column ${name} in ${JSON.stringify(
		structured.columns)}`);
	return i;
}

await t.test('tools/list has all seven tools', async () => {
	for (const n of ['list_datasets', 'describe_dataset', 'query',
		'sample_rows', 'search_datasets', 'query_many',
		'weighted_stats']) {
		assert.ok(names.includes(n), `${n} missing from ${names}`);
	}
});

await t.test('query: a GROUP BY over people, as a markdown table and ' +
	'structuredContent', async () => {
	const r = await call('query', { sql: 'SELECT region, count(*) AS n ' +
		'FROM people GROUP BY region ORDER BY region' });
	assert.notEqual(r.isError, true, textOf(r));
	assert.match(textOf(r), /\|\s*region\s*\|\s*n\s*\|/);
	const want = {};
	for (const p of people) {
		want[p.region] = (want[p.region] ?? 0) + 1;
	}
	const st = r.structuredContent;
	const got = Object.fromEntries(st.rows.map((row) =>
		[row[column(st, 'region')], row[column(st, 'n')]]));
	assert.deepEqual(got, want);
	assert.equal(st.truncated, false);
});

await t.test('query: a result cut by max_rows says so, with the total',
	async () => {
		const r = await call('query', { sql: 'SELECT * FROM people',
			max_rows: 3 });
		assert.notEqual(r.isError, true, textOf(r));
		assert.equal(r.structuredContent.rows.length, 3);
		assert.equal(r.structuredContent.truncated, true);
		assert.match(textOf(r), /60/, 'the note does not give the total');
	});

await t.test('query: a write is refused as a tool error', async () => {
	const r = await call('query', { sql: 'DELETE FROM people' });
	assert.equal(r.isError, true, textOf(r));
	const again = await call('query', { sql: 'SELECT count(*) AS n ' +
		'FROM people' });
	assert.deepEqual(again.structuredContent.rows, [[60]]);
});

await t.test('sample_rows: n rows of people', async () => {
	const r = await call('sample_rows', { dataset: 'people', n: 5,
		where: "region = 'north'" });
	assert.notEqual(r.isError, true, textOf(r));
	const st = r.structuredContent;
	const ir = column(st, 'region');
	assert.equal(st.rows.length, 5);
	assert.ok(st.rows.every((row) => row[ir] === 'north'));
	assert.match(textOf(r), /income/);
});

await t.test('search_datasets: finds people by a word of its description',
	async () => {
		const r = await call('search_datasets', { query: 'survey' });
		assert.notEqual(r.isError, true, textOf(r));
		const found = r.structuredContent.results.map((x) => x.name);
		assert.deepEqual(found, ['people']);
		const r2 = await call('search_datasets', { query: 'population' });
		assert.deepEqual(r2.structuredContent.results.map((x) => x.name),
			['cities']);
	});

await t.test('query_many: two queries over two datasets', async () => {
	const r = await call('query_many', { queries: [
		{ sql: 'SELECT count(*) AS n FROM people' },
		{ sql: 'SELECT sum(population) AS p FROM cities' },
		{ sql: 'SELECT * FROM no_such_table' },
	] });
	assert.notEqual(r.isError, true, textOf(r));
	const res = r.structuredContent.results;
	assert.equal(res.length, 3);
	assert.deepEqual(res[0].rows, [[60]]);
	assert.deepEqual(res[1].rows, [[cities.reduce((a, c) =>
		a + Number(c.population), 0)]]);
	assert.notEqual(res[2].status, 'ok');
});

await t.test('weighted_stats: weighted mean of income by region, with ' +
	'the unweighted n, matches the fixture', async () => {
	const r = await call('weighted_stats', { dataset: 'people',
		stat: 'mean', measure: 'income', by: ['region'] });
	assert.notEqual(r.isError, true, textOf(r));
	const want = {};
	for (const p of people) {
		const g = (want[p.region] ??= { sw: 0, swx: 0, n: 0 });
		g.sw += Number(p.weight);
		g.swx += Number(p.weight) * Number(p.income);
		g.n++;
	}
	const st = r.structuredContent;
	const ir = column(st, 'region');
	const ie = column(st, 'estimate');
	const inn = column(st, 'n');
	assert.equal(st.rows.length, Object.keys(want).length);
	for (const row of st.rows) {
		const w = want[row[ir]];
		assert.ok(w, `unexpected group ${row[ir]}`);
		assert.equal(row[inn], w.n, `n of ${row[ir]}`);
		const mean = w.swx / w.sw;
		assert.ok(Math.abs(row[ie] - mean) < 1e-6 * mean,
			`${row[ir]}: ${row[ie]} != ${mean}`);
	}
	assert.match(textOf(r), /north/);
});

/* the notifications/progress on the wire for the request with `id` */
function progressOf(id) {
	return spy.received.filter((r) =>
		r.m.method === 'notifications/progress' &&
		r.m.params.progressToken === id);
}

/* progress values increase and never pass the total */
function checkProgress(p) {
	for (let i = 1; i < p.length; i++) {
		assert.ok(p[i].m.params.progress > p[i - 1].m.params.progress,
			'progress must increase');
	}
	for (const x of p) {
		const { progress, total } = x.m.params;
		assert.equal(typeof progress, 'number');
		assert.ok(total === undefined || progress <= total);
	}
}

await t.test('progress: a quick call with a progressToken has no progress ' +
	'after its result', async () => {
	const r = await call('query_many', { queries: [
		{ sql: 'SELECT 1 AS one' }, { sql: 'SELECT 2 AS two' }] },
	{ onprogress: () => {} });
	assert.notEqual(r.isError, true);
	const id = spy.requestId('tools/call', (m) =>
		m.params.name === 'query_many' && m.params._meta?.progressToken !==
			undefined);
	await sleep(200);
	const p = progressOf(id);
	const resp = spy.received.findIndex((x) => x.m.id === id &&
		'result' in x.m);
	for (const x of p) {
		assert.ok(spy.received.indexOf(x) < resp, 'progress after the ' +
			'result');
	}
	checkProgress(p);
	t.comment(`progress notifications for a quick call: ${p.length}`);
});

await t.test('a slow query does not hold up ping', async () => {
	const ac = new AbortController();
	const slow = call('query', { sql: SLOW_SQL }, { signal: ac.signal })
		.catch(() => null);
	await sleep(200);
	const t0 = performance.now();
	await client.ping();
	const ms = performance.now() - t0;
	ac.abort('test over');
	await slow;
	assert.ok(ms < 200, `ping took ${ms.toFixed(1)} ms`);
	t.comment(`ping during a slow query: ${ms.toFixed(2)} ms`);
});

await t.test('progress: a long query reports progress while it runs',
	async () => {
		const ac = new AbortController();
		const slow = call('query', { sql: `${SLOW_SQL} WHERE 'long' <> ''` },
			{ signal: ac.signal, onprogress: () => {} })
			.catch(() => null);
		await sleep(100);
		const id = spy.requestId('tools/call', (m) =>
			JSON.stringify(m.params).includes('long'));
		try {
			await waitFor(() => progressOf(id).length > 1, { timeout: 5000,
				what: 'two notifications/progress during a 5 s query' });
		} finally {
			ac.abort('test over');
			await slow;
		}
		checkProgress(progressOf(id));
	}, { timeout: 20000 });

function sqlite(db, sql) {
	return new Promise((resolve) => {
		execFile('sqlite3', [db, sql], (err, out) =>
			resolve(err ? null : out.trim()));
	});
}

await t.test('cancellation: notifications/cancelled stops the query and ' +
	'it gets no response', async () => {
	const marker = `cancel-${process.pid}`;
	const ac = new AbortController();
	const t0 = performance.now();
	const p = call('query', { sql: `${SLOW_SQL} WHERE '${marker}' <> ''` },
		{ signal: ac.signal, onprogress: () => {} });
	await sleep(300);
	const id = spy.requestId('tools/call', (m) =>
		JSON.stringify(m.params).includes(marker));
	ac.abort('the user gave up');
	await assert.rejects(p);
	const cancel = spy.sent.find((r) =>
		r.m.method === 'notifications/cancelled' &&
		r.m.params.requestId === id);
	assert.ok(cancel, 'the SDK sent no notifications/cancelled');
	/* the server is free again at once, and never answers the request */
	await client.ping();
	await sleep(1500);
	assert.deepEqual(spy.responsesTo(id), [],
		'a cancelled request got a response');
	const late = progressOf(id).filter((x) => x.t >= cancel.t);
	assert.deepEqual(late.map((x) => x.m), [],
		'progress for a cancelled request');
	const ms = performance.now() - t0;
	assert.ok(ms < 8000, `took ${ms} ms`);
	const status = await waitFor(() => sqlite(catalog,
		'SELECT status FROM query_logs WHERE sql_text LIKE ' +
		`'%${marker}%'`), { timeout: 5000, what: 'the query_logs row' });
	assert.equal(status, 'cancelled');
}, { timeout: 20000 });

await t.test('the SDK saw no stray message', async () => {
	/*
	 * The SDK handles notifications a microtask later than responses, so
	 * a progress notification read in the same chunk as its response
	 * finds its handler gone; that race is the SDK's, not a stray message.
	 */
	const stray = s.errors.map(String).filter((e) =>
		!/progress notification for an unknown token/.test(e));
	assert.deepEqual(stray, []);
});

await t.test('mcpd exits 0 when stdin closes', async () => {
	const { code, signal } = await s.finish();
	assert.deepEqual({ code, signal }, { code: 0, signal: null });
});

t.done();
