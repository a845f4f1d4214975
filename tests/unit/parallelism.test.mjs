// The parallelism probe's arithmetic (www/src/measure/parallelism.ts, issue 22, item 6) on a simulated
// machine whose operating system time-slices the workers (./machine-sim.mjs): it reads at most the cores
// the machine has, however the workers are scheduled, and the cores free when they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';
import { simulate } from './machine-sim.mjs';

const p = await loadTs('www/src/measure/parallelism.ts');
const PIECE = 0.3;
const solo = p.msPerPiece(simulate({ cores: 2, workers: [{ ms: 30, pieceMs: PIECE }] })[0]);
const workers = (k, ms = 30, startAt = () => 0) => Array.from({ length: k }, (_, i) => ({ ms, pieceMs: PIECE, startAt: startAt(i) }));
/** What summing each worker's own rate over its own span reads (the probe's old arithmetic). */
const perWorker = (runs) => runs.reduce((sum, r) => sum + Math.min(1, solo / p.msPerPiece(r)), 0);

test('a worker alone: its time per piece', () => {
  assert.ok(Math.abs(solo - PIECE) < 0.02, String(solo));
});

test('four workers on two cores read two, however the cores are sliced between them', () => {
  // Fair slices of 4 ms, of 1 ms, and two workers first then the other two (their messages handled only
  // once a core is free): the last is where adding each worker's own rate reads four.
  for (const [policy, slice] of [['fair', 4], ['fair', 1], ['fair', 7], ['fifo', 4]]) {
    const runs = simulate({ cores: 2, workers: workers(4), policy, slice });
    const read = p.parallelismOf(runs, solo);
    assert.ok(read <= 2.05 && read >= 1.85, `${policy} ${slice} ms: read ${read}`);
  }
  const fifo = simulate({ cores: 2, workers: workers(4), policy: 'fifo' });
  assert.ok(perWorker(fifo) >= 3.9, `the sum of each worker's own rate reads ${perWorker(fifo)}: the over-count this rule removes`);
  // Three workers on two cores, and one that starts 12 ms late.
  const three = p.parallelismOf(simulate({ cores: 2, workers: workers(3), slice: 4 }), solo);
  assert.ok(three <= 2.05 && three >= 1.85, `three workers: ${three}`);
  const late = simulate({ cores: 2, workers: workers(4, 30, (i) => (i === 3 ? 12 : 0)), slice: 4 });
  const lateRead = p.parallelismOf(late, solo);
  assert.ok(lateRead <= 2.05 && lateRead >= 1.7, `one worker late: ${lateRead}`);
});

test('an idle machine reads its cores; a core another program holds reads as taken', () => {
  const idle = p.parallelismOf(simulate({ cores: 2, workers: workers(2) }), solo);
  assert.ok(idle >= 1.95 && idle <= 2.02, `idle: ${idle}`);
  const four = p.parallelismOf(simulate({ cores: 4, workers: workers(4) }), solo);
  assert.ok(four >= 3.9 && four <= 4.04, `four idle cores: ${four}`);
  // Two workers and a program that holds a core, time-sliced on two cores: two thirds of a core each.
  const held = p.parallelismOf(simulate({ cores: 2, workers: workers(2, 60), others: 1, slice: 4 }), solo);
  assert.ok(held > 1.2 && held < 1.45, `a held core: ${held}`);
  // Two programs: each worker gets half a core.
  const two = p.parallelismOf(simulate({ cores: 2, workers: workers(2, 60), others: 2, slice: 4 }), solo);
  assert.ok(two > 0.9 && two < 1.1, `two other programs: ${two}`);
});

test('a window cut through a piece counts the piece in proportion; bad input reads 0', () => {
  const w = { start: 0, ends: [1, 2, 4] };
  assert.equal(p.doneBy(w, 0), 0);
  assert.equal(p.doneBy(w, 1.5), 1.5);
  assert.equal(p.doneBy(w, 3), 2.5);
  assert.equal(p.doneBy(w, 9), 3);
  // Coarse clocks: two ends at the same instant.
  assert.equal(p.doneBy({ start: 0, ends: [1, 1, 2] }, 1.5), 2.5);
  assert.equal(p.parallelismOf([], 1), 0);
  assert.equal(p.parallelismOf([w], 0), 0);
  assert.equal(p.parallelismOf([w], Infinity), 0);
});

test('workFor works at least the time asked, in whole pieces, each end noted', () => {
  let now = 0;
  const clock = () => (now += 0.4);
  const r = p.workFor(3, 100, clock);
  assert.equal(r.count, 25 * r.ends.length);
  assert.ok(r.ends.at(-1) - r.start >= 3);
  assert.deepEqual(r.ends, [...r.ends].sort((a, b) => a - b));
  assert.equal(p.primesBelow(200_000), 17_984);
});
