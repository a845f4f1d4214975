// The changes between a shown program and what runs in the browser's CPython, and the scaling of CPU work
// for the interpreter (www/src/python/real/adapt.ts): pure, in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';
import { recordedProgram } from './programs-fixture.mjs';

const { adaptForBrowser, scaledSize, roundTwo, whyTheyDiffer, cannotRun, noteScaling } = await loadTs('www/src/python/real/adapt.ts');
const { lessonSnippets } = await loadTs('www/src/python/programs.ts');
// The engine writes the programs (src/core/python); node has no engine: the recorded ones.
const pythonProgram = recordedProgram;

test("aiohttp is the only change to the lesson's API snippet where the browser has stack switching", () => {
  const src = lessonSnippets.concurrentApiCalls({ urls: ['api/delay?ms=200&call=1', 'api/delay?ms=200&call=2'] });
  const { code, changes } = adaptForBrowser(src, { jspi: true });
  assert.deepEqual(changes.map((c) => [c.line, c.before, c.after]), [[2, 'import aiohttp', 'import lab_aiohttp as aiohttp']]);
  assert.equal(code, src.replace('import aiohttp\n', 'import lab_aiohttp as aiohttp\n'));
});

test('without stack switching a trailing asyncio.run(...) becomes a top-level await, also under the main guard', () => {
  const snippet = lessonSnippets.fetchData({ seconds: 0.3 });
  const a = adaptForBrowser(snippet, { jspi: false });
  assert.match(a.code, /\nawait fetch_data\(\)\n$/);
  assert.equal(a.changes.length, 1);
  assert.match(a.changes[0].why, /stack switching/);
  const program = pythonProgram({ workload: 'io-sleep', mode: 'asyncio', tasks: 4, latencyMs: 100 });
  const b = adaptForBrowser(program, { jspi: false });
  assert.match(b.code, /if __name__ == "__main__":\n    await main\(\)\n$/);
  // An asyncio.run that is not the program's last statement is left alone (it cannot become an await).
  const c = adaptForBrowser('import asyncio\nasyncio.run(f())\nprint(1)\n', { jspi: false });
  assert.deepEqual(c.changes, []);
  // The sequential programs' urllib goes through the browser's blocking request.
  const d = adaptForBrowser(pythonProgram({ workload: 'io-fetch', mode: 'sequential', tasks: 2, latencyMs: 10 }), { jspi: true });
  assert.deepEqual(d.changes.map((x) => x.after), ['import lab_urllib as urllib']);
});

test('CPU work is scaled along the cost model to about a second of interpreted Python', () => {
  // 600 ms in the model at N = 4,500,000, time ~ N^1.4, CPython 70x slower: N for 1 s.
  const n = scaledSize(4_500_000, 600, 1.4, 70, 2);
  const pythonMs = 600 * 70 * (n / 4_500_000) ** 1.4;
  assert.ok(pythonMs > 800 && pythonMs < 1250, `N = ${n}: ${pythonMs} ms`);
  assert.equal(scaledSize(1000, 1, 1.4, 70, 2), 1000, 'small work is not scaled');
  assert.equal(scaledSize(4_500_000, 600, 1.4, 70, 500_000), 500_000, 'never below the minimum');
  assert.equal(roundTwo(123_456), 120_000);
  assert.equal(roundTwo(57), 57);
  const text = noteScaling('TASKS = 8\nN = 94000  # count the primes below N\n', 'cpu-primes', 4_500_000, 94_000, 70, false, 600);
  assert.match(text, /# Scaled for real Python in the page: the lab ran N = 4500000 \(about 0\.6 s in its compiled kernel\)\.\n#[^\n]*70 times[^\n]*\n# so N = 94000[^\n]*\nN = 94000/);
});

test('the page says why real CPython and the model differ only beyond the spread', () => {
  assert.equal(whyTheyDiffer('io-fetch', 'asyncio', 1.1, 220, 200), undefined);
  assert.match(whyTheyDiffer('cpu-primes', 'sequential', 68, 950, 14), /68 times here/);
  assert.match(whyTheyDiffer('io-sleep', 'asyncio', 1.5, 300, 200), /100 ms more/);
  assert.match(cannotRun('threads-gil'), /can't start new thread/);
  assert.match(cannotRun('processes'), /_multiprocessing/);
  assert.equal(cannotRun('asyncio'), undefined);
});
