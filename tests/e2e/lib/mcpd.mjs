/*
 * Starting mcpd under the official TypeScript SDK client.
 *
 * connect() spawns $MCPD --db CATALOG through StdioClientTransport, wrapped
 * in a transport that records every message both ways, so tests can check
 * what went over the wire (the negotiated version, that a cancelled request
 * got no response) and not only what the SDK made of it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from
	'@modelcontextprotocol/sdk/client/stdio.js';
import { execFile } from 'node:child_process';

export const MCPD = process.env.MCPD;
export const MCPCTL = process.env.MCPCTL;

if (!MCPD || !MCPCTL) {
	process.stdout.write('Bail out! MCPD and MCPCTL must be set\n');
	process.exit(1);
}

class SpyTransport {
	constructor(inner) {
		this.inner = inner;
		this.sent = [];
		this.received = [];
		this.unknownResponses = [];
		inner.onmessage = (m) => {
			this.received.push({ t: Date.now(), m });
			this.onmessage?.(m);
		};
		inner.onclose = () => this.onclose?.();
		inner.onerror = (e) => this.onerror?.(e);
	}
	start() { return this.inner.start(); }
	close() { return this.inner.close(); }
	send(m, opts) {
		this.sent.push({ t: Date.now(), m });
		return this.inner.send(m, opts);
	}
	get pid() { return this.inner.pid; }
	get stderr() { return this.inner.stderr; }
	/* responses that carried `id` */
	responsesTo(id) {
		return this.received.filter((r) => r.m.id === id &&
			('result' in r.m || 'error' in r.m)).map((r) => r.m);
	}
	notifications(method) {
		return this.received.filter((r) => r.m.method === method &&
			r.m.id === undefined).map((r) => r.m);
	}
	requestId(method, pred = () => true) {
		const s = this.sent.filter((r) => r.m.method === method &&
			pred(r.m));
		return s.length ? s[s.length - 1].m.id : undefined;
	}
}

/*
 * Returns { client, spy, stderr(), close() }.  `args` are extra mcpd
 * arguments after --db.
 */
export async function connect(catalog, { args = [], name = 'mcpd-e2e',
	capabilities = {}, env = {} } = {}) {
	/* the SDK passes only a few variables on; sanitizer settings too */
	const pass = {};
	for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS',
		'TMPDIR']) {
		if (process.env[k] !== undefined) {
			pass[k] = process.env[k];
		}
	}
	const inner = new StdioClientTransport({
		command: MCPD,
		args: ['--db', catalog, ...args],
		env: { ...pass, ...env },
		stderr: 'pipe',
	});
	let errText = '';
	inner.stderr.on('data', (d) => {
		errText += d.toString();
		if (errText.length > 20000) {
			errText = errText.slice(-20000);
		}
	});
	const spy = new SpyTransport(inner);
	const client = new Client({ name, version: '1.0.0' },
		{ capabilities });
	const errors = [];
	client.onerror = (e) => errors.push(e);
	await client.connect(spy);
	/* the SDK keeps the child private; its exit status matters here */
	const proc = inner._process;
	const exited = new Promise((resolve) => {
		if (!proc || proc.exitCode !== null) {
			resolve({ code: proc?.exitCode ?? null, signal: null });
			return;
		}
		proc.once('exit', (code, signal) => resolve({ code, signal }));
	});
	return {
		client,
		spy,
		errors,
		stderr: () => errText,
		close: () => client.close(),
		/*
		 * closes stdin (the SDK sends SIGTERM after 2 s, SIGKILL later)
		 * and resolves with mcpd's { code, signal }
		 */
		async finish() {
			await client.close();
			return exited;
		},
	};
}

/*
 * runs mcpctl --db CATALOG ARGS... in another process without blocking the
 * event loop; resolves with its stdout, rejects with its stderr
 */
export function mcpctl(catalog, ...args) {
	return new Promise((resolve, reject) => {
		execFile(MCPCTL, ['--db', catalog, ...args], { encoding: 'utf8' },
			(err, stdout, stderr) => {
				if (err) {
					reject(new Error(`mcpctl ${args.join(' ')} ` +
						`exited ${err.code}: ${stderr}`));
				} else {
					resolve(stdout);
				}
			});
	});
}

/* the concatenated text blocks of a CallToolResult or GetPromptResult */
export function textOf(result) {
	const blocks = result.content ??
		(result.messages ?? []).map((m) => m.content);
	return blocks.flat().filter((c) => c && c.type === 'text')
		.map((c) => c.text).join('\n');
}

/*
 * The name of the property of `schema` (a JSON Schema object) that best
 * matches one of `candidates`, else its first required property.
 */
export function pickArg(schema, candidates) {
	const props = Object.keys(schema?.properties ?? {});
	for (const c of candidates) {
		if (props.includes(c)) {
			return c;
		}
	}
	return (schema?.required ?? [])[0] ?? candidates[0];
}

/* every item of a paginated list: method is e.g. 'listTools', key 'tools' */
export async function listAll(client, method, key, { maxPages = 1000 } = {}) {
	const items = [];
	let cursor;
	let pages = 0;
	do {
		const r = await client[method](cursor ? { cursor } : {});
		items.push(...r[key]);
		cursor = r.nextCursor;
		pages++;
	} while (cursor && pages < maxPages);
	return { items, pages };
}
