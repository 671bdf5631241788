// A chat API on loopback for the metadata tests: it speaks OpenAI chat
// completions (POST .../chat/completions) and Anthropic messages
// (POST .../messages), and answers each request by the next step of a
// script, so a test can ask for rate limits, errors, slowness and bad
// answers in a known order.
//
//   node llm-stub.mjs DIR STEP...
//
// Steps: ok | invalid (not JSON) | incomplete (a column missing) |
// 429 (Retry-After: 1) | 429long (Retry-After: 3600) | 500 | 401 |
// huge (5 MiB) | slow:MS (then ok).  After the last step every request
// gets "ok".  GET /files/NAME serves $STUB_FILES/NAME (500 or the file).
// With STUB_TLS_KEY and STUB_TLS_CERT set it speaks https.
// The server writes its port to DIR/port
// and one JSON line per request to DIR/requests.log: the time, the path,
// the step, the model and a SHA-256 of the credential header (never the
// credential itself).
import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';

const [dir, ...steps] = process.argv.slice(2);
let n = 0;

// the column names the prompt lists, one "- \"name\" TYPE..." line each
function columnsOf(body) {
	const first = (body.messages || []).find((m) => m.role === 'user');
	const text = first ? String(first.content) : '';
	const names = [];
	for (const m of text.matchAll(/^- "((?:[^"\\]|\\.)*)" /gm)) {
		names.push(m[1]);
	}
	return names;
}

function answerDoc(body, complete) {
	const cols = columnsOf(body);
	if (!complete) {
		cols.pop();
	}
	return {
		summary: 'A household survey: one row per respondent.',
		columns: cols.map((c) => ({
			name: c,
			description: `Stub description of ${c}.`,
			unit: c === 'age' ? 'years' : null,
			semantic_type: c === 'weight' ? 'weight' : 'measure',
		})),
		example_questions: ['What is the weighted mean age by region?'],
		caveats: ['Stub caveat: weights are needed for estimates.'],
	};
}

function reply(res, path, body, text, toolInput) {
	res.setHeader('Content-Type', 'application/json');
	if (path.endsWith('/messages')) {
		const content = toolInput
			? [{ type: 'tool_use', id: 'toolu_1', name: 'dataset_metadata', input: toolInput }]
			: [{ type: 'text', text }];
		res.end(JSON.stringify({
			id: 'msg_1', type: 'message', role: 'assistant', model: body.model,
			content, stop_reason: toolInput ? 'tool_use' : 'end_turn',
			usage: { input_tokens: 1200, output_tokens: 300 },
		}));
		return;
	}
	res.end(JSON.stringify({
		id: 'chatcmpl-1', object: 'chat.completion', model: body.model,
		choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text } }],
		usage: { prompt_tokens: 1000, completion_tokens: 250, total_tokens: 1250 },
	}));
}

function error(res, status, message, headers = {}) {
	res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
	res.end(JSON.stringify({ error: { message, type: 'stub_error' } }));
}

// GET /files/NAME: the file NAME of $STUB_FILES (dataset add --url)
function get(req, res, step) {
	const cred = req.headers.authorization || '';
	appendFileSync(`${dir}/requests.log`, JSON.stringify({
		t: Date.now(), path: req.url, step,
		cred: cred ? createHash('sha256').update(cred).digest('hex') : null,
	}) + '\n');
	if (step === '500') {
		error(res, 500, 'try again');
		return;
	}
	const name = req.url.replace(/^.*\/files\//, '');
	try {
		const data = readFileSync(`${process.env.STUB_FILES}/${name.replace(/[^A-Za-z0-9._-]/g, '')}`);
		res.writeHead(200, { 'Content-Type': 'text/csv' });
		res.end(data);
	} catch {
		error(res, 404, 'no such file');
	}
}

const tls = process.env.STUB_TLS_KEY
	? { key: readFileSync(process.env.STUB_TLS_KEY), cert: readFileSync(process.env.STUB_TLS_CERT) }
	: null;
const handler = (req, res) => {
	let raw = '';
	req.on('data', (d) => { raw += d; });
	req.on('end', () => {
		const step = n < steps.length ? steps[n] : 'ok';
		n++;
		if (req.method === 'GET') {
			get(req, res, step);
			return;
		}
		let body = {};
		try {
			body = JSON.parse(raw);
		} catch {
			error(res, 400, 'request body is not JSON');
			return;
		}
		const cred = req.headers.authorization || req.headers['x-api-key'] || '';
		appendFileSync(`${dir}/requests.log`, JSON.stringify({
			t: Date.now(), path: req.url, step, model: body.model,
			cred: cred ? createHash('sha256').update(cred).digest('hex') : null,
			messages: (body.messages || []).length,
			format: body.response_format ? body.response_format.type : (body.tool_choice ? 'tool' : null),
		}) + '\n');
		const path = req.url;
		const anthropic = path.endsWith('/messages');
		const ok = () => {
			const doc = answerDoc(body, true);
			reply(res, path, body, JSON.stringify(doc), anthropic ? doc : null);
		};
		if (step === 'ok') {
			ok();
		} else if (step === 'invalid') {
			reply(res, path, body, 'Here is the metadata: {"summary": "oops"', null);
		} else if (step === 'incomplete') {
			const doc = answerDoc(body, false);
			reply(res, path, body, JSON.stringify(doc), anthropic ? doc : null);
		} else if (step === '429') {
			error(res, 429, 'Rate limit reached for requests', { 'Retry-After': '1' });
		} else if (step === '429long') {
			error(res, 429, 'Rate limit reached for requests', { 'Retry-After': '3600' });
		} else if (step === 'huge') {
			res.setHeader('Content-Type', 'application/json');
			res.end('"' + 'x'.repeat(5 << 20) + '"');
		} else if (step === '500') {
			error(res, 500, 'The server had an error processing your request');
		} else if (step === '401') {
			// real providers echo part of a wrong key; this one echoes all
			error(res, 401, `Incorrect API key provided: ${cred.replace(/^Bearer /, '')}`);
		} else if (step.startsWith('slow:')) {
			setTimeout(ok, Number(step.slice(5)));
		} else {
			error(res, 400, `unknown stub step ${step}`);
		}
	});
};
const server = tls ? createHttps(tls, handler) : createHttp(handler);

server.listen(0, '127.0.0.1', () => {
	writeFileSync(`${dir}/port.tmp`, String(server.address().port));
	// rename: the test never reads half a port number
	import('node:fs').then((fs) => fs.renameSync(`${dir}/port.tmp`, `${dir}/port`));
});
