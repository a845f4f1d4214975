// How many cores' worth of work a set of probe workers got from the machine, from what each of them did
// when (issue 22, item 6). Pure, no DOM: the probe's workers (../engine/probe-worker.ts) run `workFor`,
// the probe (../engine/probe.ts) reads their answers with `parallelismOf`; tests/unit/parallelism.test.mjs
// checks it on time-sliced samples.
//
// The rule: count only the work every worker did inside one common wall-clock window, and divide it by
// what one worker does alone in that time. Inside a window the machine cannot give more cores than it
// has, however its scheduler slices the workers, so the reading cannot exceed the cores really there.
// Summing each worker's own rate over its own span, as the probe once did, over-counts as soon as the
// spans do not overlap: four workers on two cores, two of them run while the other two wait for a core
// (or for their message to be handled), each pair at full speed in turn, read 4 (WebKitGTK's four workers
// read about 3 on two cores).

/** What one probe worker did: when it began and when each of its pieces of work ended, on the clock all
 * the lab's workers share (`performance.timeOrigin + performance.now()`), ms. */
export interface Worked {
  start: number;
  ends: number[];
}

/** The probe's piece of work: trial division below `n`, the kind of work the lab's CPU modes do. */
export function primesBelow(n: number): number {
  let count = 0;
  for (let k = 2; k < n; k++) {
    let prime = k % 2 !== 0 || k === 2;
    for (let d = 3; prime && d * d <= k; d += 2) if (k % d === 0) prime = false;
    if (prime) count++;
  }
  return count;
}

/** Pieces of `n` one after another until `ms` have passed on `clock` (at least one), each end noted. */
export function workFor(ms: number, n: number, clock: () => number): Worked & { count: number } {
  const start = clock();
  const ends: number[] = [];
  let count = 0;
  let t = start;
  do {
    count += primesBelow(n);
    t = clock();
    ends.push(t);
  } while (t - start < ms);
  return { start, ends, count };
}

/** The pieces `w` did by time `t`: its count of ends, straight between them (a piece is spread evenly
 * over the time it took, so a window's edge cuts a piece in proportion). */
export function doneBy(w: Worked, t: number): number {
  if (t <= w.start) return 0;
  let before = w.start;
  for (let i = 0; i < w.ends.length; i++) {
    const end = w.ends[i];
    if (t < end) return i + (end > before ? (t - before) / (end - before) : 1);
    before = end;
  }
  return w.ends.length;
}

/** Ms per piece of a worker that ran alone (its whole run). */
export function msPerPiece(w: Worked): number {
  const last = w.ends[w.ends.length - 1] ?? w.start;
  return w.ends.length ? (last - w.start) / w.ends.length : Infinity;
}

/** The common window must span at least this share of the whole run to be the one counted. */
export const MIN_OVERLAP = 0.5;

/**
 * The parallelism `runs` got: the pieces all of them did inside one window, times `solo` (ms per piece of
 * one worker alone), over the window's length. The window is the time every worker was running (the
 * last start to the first end); if that is short (a worker that started late, or finished early, because
 * the machine had no core for it), the whole run from the first start to the last end, where every piece
 * counts (a worker that waited then reads as the busy core it found). Either way no piece is counted that
 * ran outside the window, so the reading is at most the cores the machine gave (up to `solo`'s own error).
 */
export function parallelismOf(runs: Worked[], solo: number): number {
  if (!runs.length || !(solo > 0) || !Number.isFinite(solo)) return 0;
  const first = Math.min(...runs.map((r) => r.start));
  const last = Math.max(...runs.map((r) => r.ends[r.ends.length - 1] ?? r.start));
  let from = Math.max(...runs.map((r) => r.start));
  let to = Math.min(...runs.map((r) => r.ends[r.ends.length - 1] ?? r.start));
  if (!(to - from >= MIN_OVERLAP * (last - first)) || to <= from) [from, to] = [first, last];
  if (!(to > from)) return 0;
  const pieces = runs.reduce((sum, r) => sum + doneBy(r, to) - doneBy(r, from), 0);
  return (pieces * solo) / (to - from);
}
