/*
 * A small TAP producer for the node-based e2e tests.
 *
 *   const t = new Tap();
 *   await t.test('ping answers', async () => { t.equal(...); });
 *   t.done();
 *
 * Each t.test() is one TAP line: "ok" when the body returns, "not ok" with
 * the error as a YAML-ish diagnostic when it throws.  Assertions inside a
 * body throw, so the first failing assertion names the failure.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

export class Tap {
	constructor() {
		this.n = 0;
		this.failed = 0;
		this.diagnostics = [];
		process.stdout.write('TAP version 13\n');
	}

	/* extra text shown under every failure (e.g. the server's stderr) */
	onFailure(fn) {
		this.diagnostics.push(fn);
	}

	comment(text) {
		for (const line of String(text).split('\n')) {
			process.stdout.write(`# ${line}\n`);
		}
	}

	async test(name, body, { timeout = 30000 } = {}) {
		this.n++;
		let timer;
		try {
			await Promise.race([
				body(),
				new Promise((_, reject) => {
					timer = setTimeout(() => reject(new Error(
						`timed out after ${timeout} ms`)), timeout);
				}),
			]);
			process.stdout.write(`ok ${this.n} - ${name}\n`);
			return true;
		} catch (err) {
			this.failed++;
			process.stdout.write(`not ok ${this.n} - ${name}\n`);
			const msg = err instanceof Error
				? (err.stack || err.message) : inspect(err);
			this.comment(msg.split('\n').slice(0, 12).join('\n'));
			if (err && err.code !== undefined) {
				this.comment(`code: ${inspect(err.code)}`);
			}
			for (const fn of this.diagnostics) {
				const extra = fn();
				if (extra) {
					this.comment(extra);
				}
			}
			return false;
		} finally {
			clearTimeout(timer);
		}
	}

	skip(name, reason) {
		this.n++;
		process.stdout.write(`ok ${this.n} - ${name} # SKIP ${reason}\n`);
	}

	bail(reason) {
		process.stdout.write(`Bail out! ${reason}\n`);
		process.exit(1);
	}

	done() {
		process.stdout.write(`1..${this.n}\n`);
		process.exitCode = this.failed ? 1 : 0;
	}
}

export { assert };

/* resolves with the value of fn() once it is truthy, polling every `step` ms */
export async function waitFor(fn, { timeout = 5000, step = 25,
	what = 'condition' } = {}) {
	const end = Date.now() + timeout;
	for (;;) {
		const v = await fn();
		if (v) {
			return v;
		}
		if (Date.now() > end) {
			throw new Error(`waited ${timeout} ms for ${what}`);
		}
		await new Promise((r) => setTimeout(r, step));
	}
}

export function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}
