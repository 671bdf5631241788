/*
 * Turns a conformance run into TAP: one line per scenario from the
 * checks.json files of its output directory, expected failures marked
 * TODO with their reason, then the suite's own verdict (its exit status
 * with --expected-failures) and its totals.
 *
 *   node conformance-tap.mjs OUTDIR EXPECTED_YML LOG EXIT_STATUS
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const [outdir, expectedPath, logPath, statusStr] = process.argv.slice(2);

/* the reasons are the comments above each entry */
const reasons = {};
let pending = [];
for (const line of readFileSync(expectedPath, 'utf8').split('\n')) {
	const c = line.match(/^\s*#\s?(.*)$/);
	const e = line.match(/^\s*-\s*([a-z0-9-]+)/);
	if (c) {
		pending.push(c[1]);
	} else if (e) {
		reasons[e[1]] = pending.join(' ');
		pending = [];
	} else {
		pending = [];
	}
}
const expected = new Set(parse(readFileSync(expectedPath, 'utf8'))
	?.server ?? []);

const scenarios = new Map();
for (const d of readdirSync(outdir).sort()) {
	const m = d.match(/^server-(.+)-\d{4}-\d\d-\d\dT/);
	if (!m) {
		continue;
	}
	const checks = JSON.parse(readFileSync(join(outdir, d, 'checks.json'),
		'utf8'));
	scenarios.set(m[1], checks);
}

let n = 0;
let bad = 0;
let passed = 0;
let failedChecks = 0;
let passedChecks = 0;
console.log('TAP version 13');
for (const [name, checks] of scenarios) {
	const fails = checks.filter((c) => c.status === 'FAILURE');
	passedChecks += checks.filter((c) => c.status === 'SUCCESS').length;
	failedChecks += fails.length;
	const ok = fails.length === 0;
	passed += ok;
	n++;
	if (expected.has(name)) {
		console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name} # TODO ` +
			`expected to fail: ${reasons[name] || 'no reason given'}`);
		if (ok) {
			bad++;
			console.log('# listed as an expected failure but passed: ' +
				'remove it from the list');
		}
	} else {
		console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
		if (!ok) {
			bad++;
			for (const f of fails) {
				console.log(`# ${f.id}: ${f.errorMessage ?? ''}`
					.slice(0, 400));
			}
		}
	}
}
for (const name of expected) {
	if (!scenarios.has(name)) {
		console.log(`# ${name} is listed but did not run`);
	}
}
n++;
const status = Number(statusStr);
console.log(`${status === 0 ? 'ok' : 'not ok'} ${n} - conformance exits ` +
	`${status} with the expected failures`);
if (status !== 0) {
	bad++;
}
const total = readFileSync(logPath, 'utf8').match(/Total: .*/);
console.log(`# scenarios: ${passed} passed, ${scenarios.size - passed} ` +
	`failed (${expected.size} listed as expected failures)`);
console.log(`# checks: ${passedChecks} passed, ${failedChecks} failed` +
	(total ? ` (suite: ${total[0]})` : ''));
console.log(`1..${n}`);
process.exitCode = bad ? 1 : 0;
