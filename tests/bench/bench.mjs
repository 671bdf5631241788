/*
 * The benchmark behind tests/bench/run.sh: mcpd against the sqlite3 shell
 * and DuckDB on the same data, and against DBHub for the MCP-level
 * figures, in one run.  Prints one markdown table on stdout; progress on
 * stderr.
 *
 *   node bench.mjs CONFIG.json
 *
 * CONFIG (written by run.sh): { mcpd, mcpctl, node, dbhub, echo, tmp,
 *   runs, quick, sizes: [{ rows, csv, catalog, key_only }], wide: { csv,
 *   catalog } }
 *
 * Every figure is the median of `runs` runs (startup: of more spawns).
 * mcpd is driven over its stdio pipe by a raw JSON-RPC client that reads
 * each answer whole as bytes and parses or decodes it only when it must
 * (the shell's output is read and dropped the same way); the shell is
 * timed as a whole
 * process (its start is a millisecond); DuckDB runs in this process on an
 * in-memory copy loaded from the same CSV.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const RUNS = cfg.runs;
const say = (s) => process.stderr.write(`bench: ${s}\n`);

const { DuckDBInstance } = await import(pathToFileURL(join(here,
	'node_modules', '@duckdb', 'node-api', 'lib', 'index.js')));

/* ---- statistics ---------------------------------------------------- */

function quantile(xs, q) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const median = (xs) => quantile(xs, 0.5);
const now = () => Number(process.hrtime.bigint()) / 1e6; /* ms */

async function timed(fn, runs = RUNS) {
	const t = [];
	for (let i = 0; i < runs; i++) {
		const t0 = now();
		await fn();
		t.push(now() - t0);
	}
	return median(t);
}

function peakRssKb(pid) {
	try {
		const st = readFileSync(`/proc/${pid}/status`, 'utf8');
		return Number(st.match(/VmHWM:\s+(\d+)/)[1]);
	} catch {
		return NaN;
	}
}

/* the child processes of every thread of `pid` (workers are started by
 * several threads, and a task's children file lists only its own) */
function childrenOf(pid) {
	try {
		return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
			readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8')
				.trim().split(/\s+/).filter(Boolean)
				.map(Number));
	} catch {
		return [];
	}
}

/* ---- a raw JSON-RPC client over a child's stdio ------------------- */

class Rpc {
	constructor(command, args) {
		this.child = spawn(command, args, { stdio: ['pipe', 'pipe',
			'ignore'] });
		this.pending = new Map();
		this.next = 1;
		this.chunks = [];
		this.child.stdout.on('data', (d) => this.data(d));
		this.child.on('exit', () => {
			for (const p of this.pending.values()) {
				p.reject(new Error(`${command} exited`));
			}
		});
	}

	data(d) {
		let start = 0;
		for (;;) {
			const nl = d.indexOf(10, start);
			if (nl < 0) {
				this.chunks.push(d.subarray(start));
				return;
			}
			this.chunks.push(d.subarray(start, nl));
			/* bytes: a 17 MB answer is not decoded to a string */
			const line = Buffer.concat(this.chunks);
			this.chunks = [];
			start = nl + 1;
			this.line(line);
		}
	}

	line(line) {
		let id;
		if (this.pending.size === 1) {
			/* one call in flight: no need to parse a big answer */
			id = this.pending.keys().next().value;
		} else {
			/* mcpd puts the id first, DBHub last: look there */
			const re = /"id":(\d+)/;
			const m = re.exec(line.subarray(0, 256).toString()) ||
				re.exec(line.subarray(-256).toString()) ||
				re.exec(line.toString());
			if (!m) {
				return; /* a notification */
			}
			id = Number(m[1]);
		}
		if (!line.includes('"id"')) {
			return;
		}
		const p = this.pending.get(id);
		if (p) {
			this.pending.delete(id);
			p.resolve(line);
		}
	}

	request(method, params) {
		const id = this.next++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			this.child.stdin.write(JSON.stringify({ jsonrpc: '2.0',
				id, method, params }) + '\n');
		});
	}

	async init() {
		await this.request('initialize', { protocolVersion:
			'2025-11-25', capabilities: {}, clientInfo: {
				name: 'bench', version: '1' } });
		this.child.stdin.write(JSON.stringify({ jsonrpc: '2.0',
			method: 'notifications/initialized' }) + '\n');
		return this;
	}

	async call(name, args) {
		const line = await this.request('tools/call', { name,
			arguments: args });
		if (!line.includes('"result"') ||
		    line.includes('"isError":true')) {
			throw new Error(`${name} failed: ` +
				line.subarray(0, 400).toString());
		}
		return line;
	}

	close() {
		this.child.stdin.end();
		return new Promise((res) => {
			if (this.child.exitCode !== null) {
				res();
			} else {
				this.child.on('exit', res);
			}
		});
	}
}

const mcpdArgs = (catalog) => ['--db', catalog, '--timeout-ms', '600000',
	'--max-rows', '100000', '--max-bytes', '200000000'];
const dbhubArgs = (catalog) => [cfg.dbhub, '--transport', 'stdio', '--dsn',
	`sqlite://${catalog}`];

/* ---- the sqlite3 shell, a whole process per run ------------------- */

function shell(db, sql) {
	return new Promise((resolve, reject) => {
		const c = spawn('sqlite3', ['-csv', db, sql], { stdio: ['ignore',
			'pipe', 'pipe'] });
		let err = '';
		c.stdout.on('data', () => {});
		c.stderr.on('data', (d) => { err += d; });
		c.on('exit', (code) => code === 0 && !err ? resolve()
			: reject(new Error(`sqlite3: ${err} (${sql})`)));
	});
}

function run(cmd, args) {
	return new Promise((resolve, reject) => {
		const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
		let err = '';
		c.stderr.on('data', (d) => { err += d; });
		c.on('exit', (code) => code === 0 ? resolve()
			: reject(new Error(`${cmd} ${args.join(' ')}: ${err}`)));
	});
}

/* ---- the table ----------------------------------------------------- */

const rows = [];
const fmt = (ms) => {
	if (!Number.isFinite(ms)) {
		return '—';
	}
	if (ms >= 1000) {
		return `${(ms / 1000).toFixed(2)} s`;
	}
	if (ms >= 1) {
		return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
	}
	return `${(ms * 1000).toFixed(0)} µs`;
};
const ratio = (a, b) => Number.isFinite(a) && Number.isFinite(b) && b > 0
	? `${(a / b).toFixed(2)}×` : '—';

/* one row: times in ms (NaN: not measured); `text` overrides mcpd's cell */
function row(measure, size, m, s, d, h, text) {
	rows.push([measure, size, text ?? fmt(m), fmt(s), fmt(d), fmt(h),
		ratio(m, s), ratio(m, d), ratio(m, h)]);
	say(`${measure} [${size}]: mcpd ${text ?? fmt(m)}, sqlite3 ${fmt(s)}, ` +
		`duckdb ${fmt(d)}, dbhub ${fmt(h)}`);
}
function note(measure, size, text) {
	rows.push([measure, size, text, '—', '—', '—', '—', '—', '—']);
	say(`${measure} [${size}]: ${text}`);
}

/* ---- MCP level: startup, trivial calls, throughput ------------------ */

function startOnce(command, args) {
	const init = JSON.stringify({ jsonrpc: '2.0', id: 0, method:
		'initialize', params: { protocolVersion: '2025-11-25',
			capabilities: {}, clientInfo: { name: 'bench',
				version: '1' } } }) + '\n';
	return new Promise((resolve, reject) => {
		const t0 = now();
		const c = spawn(command, args, { stdio: ['pipe', 'pipe',
			'ignore'] });
		let done = false;
		c.stdout.on('data', (d) => {
			if (done || !d.includes('\n')) {
				return;
			}
			done = true;
			const ms = now() - t0;
			const rss = peakRssKb(c.pid);
			c.stdin.end();
			c.kill('SIGTERM');
			resolve({ ms, rss });
		});
		c.stdin.write(init);
		setTimeout(() => {
			if (!done) {
				c.kill('SIGKILL');
				reject(new Error(`${command}: no initialize answer`));
			}
		}, 300000);
	});
}

async function startup(command, args, n) {
	const ms = [];
	const rss = [];
	for (let i = 0; i < n; i++) {
		const r = await startOnce(command, args);
		ms.push(r.ms);
		rss.push(r.rss);
	}
	return { ms: median(ms), rss: median(rss) };
}

async function latency(rpc, name, args, n) {
	for (let i = 0; i < 20; i++) {
		await rpc.call(name, args);
	}
	const lat = [];
	for (let i = 0; i < n; i++) {
		const t0 = now();
		await rpc.call(name, args);
		lat.push(now() - t0);
	}
	return { p50: median(lat), p99: quantile(lat, 0.99) };
}

async function throughput(rpc, name, args, conc, total) {
	let next = 0;
	const t0 = now();
	await Promise.all(Array.from({ length: conc }, async () => {
		while (next < total) {
			next++;
			await rpc.call(name, args);
		}
	}));
	return total / ((now() - t0) / 1000);
}

async function mcpLevel(catalog, table) {
	const size = 'any';
	const spawns = cfg.quick ? 5 : 20;
	const ncalls = cfg.quick ? 200 : 2000;
	say('startup');
	const sm = await startup(cfg.mcpd, mcpdArgs(catalog), spawns);
	const sh = await startup(cfg.node, dbhubArgs(catalog), cfg.quick ? 2
		: 5);
	/* the floor: a C program that answers at once, spawned the same way */
	const se = await startup(cfg.echo, [], spawns);
	row('startup to initialize answer', size, sm.ms, NaN, NaN, sh.ms);
	row('echo server in C, startup (floor)', size, se.ms, NaN, NaN, NaN);
	rows.push(['idle peak RSS', size, `${(sm.rss / 1024).toFixed(1)} MB`,
		'—', '—', `${(sh.rss / 1024).toFixed(1)} MB`, '—', '—',
		ratio(sm.rss, sh.rss)]);

	const m = await new Rpc(cfg.mcpd, mcpdArgs(catalog)).init();
	const h = await new Rpc(cfg.node, dbhubArgs(catalog)).init();
	const e = await new Rpc(cfg.echo, []).init();
	const one = { sql: 'SELECT 1' };
	say('trivial calls');
	const lm = await latency(m, 'query', one, ncalls);
	const lh = await latency(h, 'execute_sql', one, ncalls);
	const le = await latency(e, 'query', one, ncalls);
	row('trivial call `SELECT 1`, p50', size, lm.p50, NaN, NaN, lh.p50);
	row('trivial call `SELECT 1`, p99', size, lm.p99, NaN, NaN, lh.p99);
	rows.push(['echo server in C, same pipe (floor), p50 / p99', size,
		`${fmt(le.p50)} / ${fmt(le.p99)}`, '—', '—', '—', '—', '—', '—']);
	rows.push(['trivial call above the echo floor, p50', size,
		fmt(lm.p50 - le.p50), '—', '—', fmt(lh.p50 - le.p50), '—', '—',
		ratio(lm.p50 - le.p50, lh.p50 - le.p50)]);
	const ll = await latency(m, 'list_datasets', {}, ncalls);
	row('`list_datasets`, p50', size, ll.p50, NaN, NaN, NaN);
	for (const conc of [1, 8, 64]) {
		const total = cfg.quick ? 300 : 3000;
		const tm = await throughput(m, 'query', one, conc, total);
		const th = await throughput(h, 'execute_sql', one, conc,
			Math.round(total / 3));
		/* per-call time from calls per second, so ratios read alike */
		rows.push([`throughput, ${conc} in flight (calls/s)`, size,
			tm.toFixed(0), '—', '—', th.toFixed(0), '—', '—',
			ratio(1000 / tm, 1000 / th)]);
		say(`throughput ${conc}: mcpd ${tm.toFixed(0)}/s, dbhub ` +
			`${th.toFixed(0)}/s`);
	}
	const agg = `SELECT grp, count(*) AS n, avg(income) AS mean FROM ` +
		`%T GROUP BY grp`;
	const am = await timed(() => m.call('query', { sql:
		agg.replace('%T', 'people') }));
	const ah = await timed(() => h.call('execute_sql', { sql:
		agg.replace('%T', table) }));
	row('aggregate over the table via MCP', cfg.sizes[0].rows, am, NaN,
		NaN, ah);
	await Promise.all([m.close(), h.close(), e.close()]);
}

async function describeWide(wide) {
	const m = await new Rpc(cfg.mcpd, mcpdArgs(wide.catalog)).init();
	const l = await latency(m, 'describe_dataset', { name: 'wide' },
		cfg.quick ? 50 : 300);
	row('`describe_dataset`, 200 columns, p50', '1,000', l.p50, NaN, NaN,
		NaN);
	await m.close();
}

/* ---- per size: SQL, weighted statistics, rows out ------------------- */

const FILTER = "age >= 30 AND region IN ('north', 'east')";

const SQL = {
	aggregate: 'SELECT grp, count(*), avg(income), sum(y) FROM %T ' +
		'GROUP BY grp',
	'filter-sort': 'SELECT id, y FROM %T WHERE x = 7 ORDER BY y DESC ' +
		'LIMIT 1000',
	window: 'SELECT grp, max(r) FROM (SELECT grp, rank() OVER ' +
		'(PARTITION BY grp ORDER BY y) AS r FROM %T) GROUP BY grp',
	'count-distinct': 'SELECT count(DISTINCT income) FROM %T',
};

/* the weighted statistics as plain SQL, for the shell and DuckDB */
function wsql(stat, filter) {
	const f = filter ? ` AND ${FILTER}` : '';
	switch (stat) {
	case 'mean':
	case 'total':
	case 'count': {
		const est = stat === 'mean'
			? 'sum(income * weight) / sum(weight)'
			: stat === 'total' ? 'sum(income * weight)'
				: 'sum(weight)';
		return `SELECT grp, ${est}, count(*), sum(weight) FROM %T ` +
			'WHERE income IS NOT NULL AND weight IS NOT NULL' +
			`${f} GROUP BY grp ORDER BY grp`;
	}
	case 'percent':
		return 'SELECT grp, edu, 100.0 * sum(weight) / ' +
			'sum(sum(weight)) OVER (PARTITION BY grp), count(*), ' +
			'sum(weight) FROM %T WHERE edu IS NOT NULL AND ' +
			`weight IS NOT NULL${f} GROUP BY grp, edu ` +
			'ORDER BY grp, edu';
	case 'median':
		return 'WITH s AS (SELECT grp, income AS x, sum(weight) OVER ' +
			'(PARTITION BY grp ORDER BY income ROWS UNBOUNDED ' +
			'PRECEDING) AS cw, sum(weight) OVER (PARTITION BY grp) ' +
			'AS tw FROM %T WHERE income IS NOT NULL AND weight > 0' +
			`${f}) SELECT grp, min(x) FILTER (WHERE cw >= 0.5 * tw) ` +
			'FROM s GROUP BY grp ORDER BY grp';
	}
	throw new Error(stat);
}

function wargs(stat, filter) {
	const a = { dataset: 'people', by: ['grp'] };
	if (stat === 'percent') {
		Object.assign(a, { stat, measure: 'edu' });
	} else if (stat === 'median') {
		Object.assign(a, { stat: 'quantile', measure: 'income', q: 0.5 });
	} else {
		Object.assign(a, { stat, measure: 'income' });
	}
	if (filter) {
		a.where = FILTER;
	}
	return a;
}

async function duckLoad(conn, csv) {
	await conn.run('DROP TABLE IF EXISTS people');
	await conn.run(`CREATE TABLE people AS SELECT * FROM read_csv('${csv}'` +
		', header = true)');
}

async function perSize(s, duck) {
	const n = s.rows.toLocaleString('en-US');
	const table = s.table;
	const tsql = (q) => q.replaceAll('%T', table);
	const dsql = (q) => q.replaceAll('%T', 'people');
	const importRuns = s.rows >= 5e6 ? 1 : RUNS;

	say(`${n} rows: import`);
	const im = await timed(() => run(cfg.mcpctl, ['--db', s.catalog,
		'dataset', 'add', 'people', '--csv', s.csv, '--weight', 'weight',
		'--replace', '--quiet']), importRuns);
	const is = await timed(async () => {
		await run('rm', ['-f', `${cfg.tmp}/shell-import.db`]);
		await run('sqlite3', [`${cfg.tmp}/shell-import.db`, '.import ' +
			`--csv ${s.csv} people`]);
	}, importRuns);
	const id = await timed(() => duckLoad(duck, s.csv), importRuns);
	row('import the CSV', n, im, is, id, NaN);
	await run('rm', ['-f', `${cfg.tmp}/shell-import.db`]);

	const m = await new Rpc(cfg.mcpd, mcpdArgs(s.catalog)).init();
	const both = async (label, tool, args, sql) => {
		const tm = await timed(() => m.call(tool, args));
		const ts = await timed(() => shell(s.catalog, tsql(sql)));
		const td = await timed(async () => (await duck.runAndReadAll(
			dsql(sql))).getRows());
		row(label, n, tm, ts, td, NaN);
	};
	if (!s.key_only) {
		for (const [k, q] of Object.entries(SQL)) {
			await both(`\`query\` ${k}`, 'query', { sql: dsql(q) }, q);
		}
	}
	const out = Math.min(s.rows, 100000).toLocaleString('en-US');
	await both(`\`query\` ${out} rows returned`, 'query', { sql:
		'SELECT * FROM people LIMIT 100000', max_rows: 100000 },
	'SELECT * FROM %T LIMIT 100000');
	for (const stat of ['mean', 'total', 'count', 'percent', 'median']) {
		for (const filter of [false, true]) {
			if (s.key_only && filter) {
				continue;
			}
			await both(`\`weighted_stats\` ${stat} by group` +
				(filter ? ', filtered' : ''), 'weighted_stats',
			wargs(stat, filter), wsql(stat, filter));
		}
	}
	if (!s.key_only) {
		/* the same calls with the column cache set aside: SQL */
		const { renameSync } = await import('node:fs');
		renameSync(`${s.catalog}.cols`, `${s.catalog}.off`);
		for (const stat of ['mean', 'median']) {
			const tm = await timed(() => m.call('weighted_stats',
				wargs(stat, false)));
			row(`\`weighted_stats\` ${stat} by group, SQL path ` +
				'(no column cache)', n, tm, NaN, NaN, NaN);
		}
		renameSync(`${s.catalog}.off`, `${s.catalog}.cols`);
		const q = { sql: dsql(SQL.aggregate) };
		const seq = await timed(async () => {
			for (let i = 0; i < 4; i++) {
				await m.call('query', q);
			}
		});
		const par = await timed(() => m.call('query_many', { queries:
			[q, q, q, q] }));
		rows.push(['`query_many` of 4 aggregates / 4 `query` in a row',
			n, `${fmt(par)} / ${fmt(seq)}`, '—', '—', '—',
			`${(seq / par).toFixed(2)}× faster`, '—', '—']);
		say(`query_many: ${fmt(par)} against ${fmt(seq)}`);
	}
	const kids = childrenOf(m.child.pid).map(peakRssKb)
		.filter(Number.isFinite);
	const srv = peakRssKb(m.child.pid);
	rows.push(['peak RSS: server / largest query worker', n,
		`${(srv / 1024).toFixed(0)} MB / ${(Math.max(0, ...kids) /
			1024).toFixed(0)} MB`, '—', '—', '—', '—', '—', '—']);
	await m.close();
}

/* ---- main ----------------------------------------------------------- */

const { loadavg } = await import('node:os');
const loadStart = loadavg()[0];
const inst = await DuckDBInstance.create(':memory:');
const duck = await inst.connect();
const t0 = now();
const first = cfg.sizes[0];
await run(cfg.mcpctl, ['--db', first.catalog, 'dataset', 'add', 'people',
	'--csv', first.csv, '--weight', 'weight', '--quiet']);
await mcpLevel(first.catalog, first.table);
await describeWide(cfg.wide);
for (const s of cfg.sizes) {
	await perSize(s, duck);
}
const duckRss = process.resourceUsage().maxRSS;

const head = ['measure', 'rows', 'mcpd', 'sqlite3 shell', 'DuckDB', 'DBHub',
	'mcpd / sqlite3', 'mcpd / DuckDB', 'mcpd / DBHub'];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map((_, i) => i < 2 ? '---' : '---:').join('|')}|`);
for (const r of rows) {
	console.log(`| ${r.join(' | ')} |`);
}
console.log('');
console.log(`Medians of ${RUNS} runs (imports of 5 million rows or more: ` +
	`one run); startup: median of ${cfg.quick ? 5 : 20} spawns (DBHub ` +
	`${cfg.quick ? 2 : 5}).  Ratios below 1× favour mcpd.  DuckDB ran in ` +
	`the benchmark's Node process (peak RSS of that process: ` +
	`${(duckRss / 1024).toFixed(0)} MB).  Total time ` +
	`${((now() - t0) / 1000).toFixed(0)} s; load average ` +
	`${loadStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at ` +
	'the end.');
inst.closeSync?.();
process.exit(0);
