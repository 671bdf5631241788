/*
 * Writes the CSV files of the describe_dataset shapes of tokens.mjs:
 * wide_N.csv with N columns of every kind a real file has (ids, codes,
 * categories, amounts, rates, dates, free text), from a fixed seed, so
 * every run measures the same data.
 *
 *   node mkshapes.mjs DIR
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHAPES } from './shapes.mjs';

const dir = process.argv[2];
let seed = 12345;
function rand() {
	/* a small LCG: the same numbers on every machine */
	seed = (seed * 1103515245 + 12345) % 2147483648;
	return seed / 2147483648;
}
const regions = ['north', 'south', 'east', 'west'];
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot',
	'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

function cell(kind, row) {
	switch (kind) {
	case 0: return String(row + 1);
	case 1: return regions[Math.floor(rand() * regions.length)];
	case 2: return (rand() * 1000).toFixed(6);
	case 3: return String(Math.floor(rand() * 100));
	case 4: return `2024-${String(1 + Math.floor(rand() * 12))
		.padStart(2, '0')}-${String(1 + Math.floor(rand() * 28))
		.padStart(2, '0')}`;
	case 5: return Array.from({ length: 3 + Math.floor(rand() * 8) },
		() => words[Math.floor(rand() * words.length)]).join(' ');
	default: return (rand()).toFixed(4);
	}
}

for (const n of SHAPES) {
	/* the widest is the issue's: few rows, very many columns */
	const rows = n >= 300 ? 11 : 200;
	const head = Array.from({ length: n }, (_, i) => `c${i}`);
	const lines = [head.join(',')];
	for (let r = 0; r < rows; r++) {
		lines.push(head.map((_, i) => cell(i % 7, r)).join(','));
	}
	writeFileSync(join(dir, `wide_${n}.csv`), lines.join('\n') + '\n');
}
