// What the views share about runs: which runs did the same work, speedups over a sequential baseline,
// the ideal speedup a mode could reach, and number formats. Pure functions: no DOM, no lab calls.

import type { ModeInfo, Spec, WorkloadInfo } from '../engine/protocol';
import type { Recorded } from '../lab/lab-api';
import { CONVOY_INTERVAL_MS, DATA_HEAVY_ITEMS } from '../measure/verdicts';
import { connectionsPerHost, usesNetwork } from '../rules';
import { labCores } from '../capabilities';

/**
 * Spec fields that say *how* the work runs, not *what* it is: runs that differ only in these did the same
 * work and can be compared. (`switchIntervalMs` is filled in for `threads-gil` only, so it must not split
 * threads-gil from its sequential baseline.)
 */
const HOW_FIELDS = new Set(['mode', 'workers', 'switchIntervalMs']);

/** Each spec's key, made once: a run's spec never changes once recorded, and the views ask for it per row
 *  of the history after every run (the table's speedups, the claims), hundreds of times. */
const keys = new WeakMap<Spec, string>();

/** A key equal for runs that did the same work, whatever the mode. */
export function workKey(spec: Spec): string {
  let key = keys.get(spec);
  if (key === undefined) {
    const work = Object.entries(spec).filter(([k]) => !HOW_FIELDS.has(k));
    key = JSON.stringify(work.sort(([a], [b]) => a.localeCompare(b)));
    keys.set(spec, key);
  }
  return key;
}

/** A run that measured what it set out to: not cut short by Stop and not raised. */
export const complete = (r: Recorded) => !r.cancelled && !r.error;

/**
 * The sequential run `r` is measured against: the latest complete one of the same work, by the same model
 * of Python, recorded no later than `r` (so a later run never changes an older row's speedup).
 */
export function baselineOf(records: readonly Recorded[], r: Recorded): Recorded | undefined {
  const key = workKey(r.spec);
  const at = records.indexOf(r);
  for (let i = (at >= 0 ? at : records.length - 1); i >= 0; i--) {
    const x = records[i];
    if (x.spec.mode === 'sequential' && complete(x) && workKey(x.spec) === key && (x.modelVersion ?? 1) === (r.modelVersion ?? 1)) return x;
  }
  return undefined;
}

/**
 * Speedup of `r` as it was when recorded: a Compare's entry keeps the median of its rounds' speedups over
 * that Compare's sequential rounds; a single run, over the sequential baseline it had then.
 */
export function speedupOf(records: readonly Recorded[], r: Recorded): number | undefined {
  if (r.speedup !== undefined) return r.speedup;
  const base = baselineOf(records, r);
  return base && !r.cancelled && r.wallMs > 0 ? base.wallMs / r.wallMs : undefined;
}

/** The cores the lab counts on this visit: measured by its probe, at most what the browser reports (capabilities/). */
export const cores = () => labCores();

// One number for the whole lab: the engine's catalogue holds it.
export { connectionsPerHost };

/** Where the lab's requests go: a simulated network (the static site's service worker) has no limit. */
let network: string = 'real';
export const setNetwork = (kind: string | undefined) => {
  network = kind ?? 'real';
};

/**
 * Whether a workload's requests go through the browser's HTTP stack (the catalogue says which make
 * requests), which opens at most `connectionsPerHost()` HTTP/1.1 connections per host: more requests than
 * that go in waves, whatever the mode (PYTHON-MODEL.md).
 */
export const isHttp = (workload: string) => network === 'real' && usesNetwork(workload);

/** How many workers a run of `mode` had: the spec's value, else the mode's default (Python's). */
export function workersOf(mode: ModeInfo, spec: Spec): number | undefined {
  if (!mode.workers) return undefined;
  const n = Number(spec.workers);
  return Number.isFinite(n) && n > 0 ? n : mode.workers.default;
}

/**
 * The best speedup over sequential this mode could reach with no overhead and no GIL, or undefined
 * where it depends (mixed work: the waits overlap like I/O, the computing like CPU work).
 * CPU work: as many tasks run at once as there are workers and cores; a mode without workers runs on
 * one thread. I/O work: every wait overlaps (an event loop, or one per worker), in waves when the
 * browser's connection limit or the worker count is below the number of tasks.
 */
export function idealSpeedup(workload: WorkloadInfo, mode: ModeInfo, spec: Spec, ncores: number): number | undefined {
  const tasks = Math.max(1, Number(spec.tasks) || 1);
  const workers = workersOf(mode, spec);
  if (mode.name === 'sequential') return 1;
  if (workload.class === 'cpu') return workers ? Math.min(workers, ncores, tasks) : 1;
  if (workload.class === 'io') {
    const limit = isHttp(workload.name) ? connectionsPerHost() : Infinity;
    const atOnce = Math.min(tasks, workers ?? tasks, limit);
    return tasks / Math.ceil(tasks / atOnce);
  }
  return undefined;
}

/**
 * What the lesson predicts for a mode on this work, beside what was measured: a speedup (when the lesson
 * gives one) and its reason in a few words. Not the hardware's ideal: threads under the GIL and asyncio
 * are predicted no gain on CPU work, however many cores there are.
 */
export function lessonPrediction(workload: WorkloadInfo, mode: ModeInfo, spec: Spec, ncores: number): { x?: number; text: string } {
  const tasks = Math.max(1, Number(spec.tasks) || 1);
  const workers = workersOf(mode, spec);
  if (workload.name === 'convoy') return convoyPrediction(mode, spec);
  if (mode.name === 'sequential') return { x: 1, text: 'the baseline' };
  const releasesGil = spec.releasesGil === true || spec.releasesGil === 'true';
  if (workload.class === 'cpu') {
    if (mode.name === 'asyncio') return { x: 1, text: 'one thread: no gain' };
    const x = Math.min(workers ?? 1, ncores, tasks);
    if (mode.name === 'threads-gil') return releasesGil ? { x, text: `C code that releases the GIL: ${x} cores` } : { x: 1, text: 'the GIL: one core' };
    if (mode.name === 'processes') return { x, text: `one core per process: ${x} cores` };
    if (mode.name === 'free-threaded') {
      // Its single-thread cost is part of the prediction (the 3.14 docs' figure unless the spec sets one).
      const pct = Number(spec.freeThreadedOverheadPct ?? mode.fields?.find((f) => f.name === 'freeThreadedOverheadPct')?.default ?? 0);
      return { x: x / (1 + pct / 100), text: `no GIL: ${x} cores, each thread ${pct}% slower` };
    }
    if (mode.name === 'interpreters') {
      const items = Number(spec.inputItems) || 0;
      if (items >= DATA_HEAVY_ITEMS) return { text: `${items.toLocaleString('en')} items pickled into each task: slower than threads-gil` };
      return { x, text: `a GIL each: ${x} cores, once started` };
    }
    return { x, text: `native code, no Python: ${x} cores (the ceiling)` };
  }
  if (workload.class === 'io') {
    const x = idealSpeedup(workload, mode, spec, ncores);
    const why = mode.name === 'asyncio' ? 'every wait overlaps' : 'each worker waits on its own';
    return { x, text: `${why}${isHttp(workload.name) && tasks > connectionsPerHost() ? `, ${connectionsPerHost()} at a time per host` : ''}` };
  }
  if (mode.name === 'processes') return { text: 'fastest when computing dominates' };
  if (mode.name === 'asyncio') return { text: 'fastest when waiting dominates' };
  if (mode.name === 'threads-gil') return { text: releasesGil ? 'overlaps the waits and the C code' : 'overlaps the waits, not the computing' };
  if (mode.name === 'free-threaded') return { text: 'overlaps both: no GIL' };
  if (mode.name === 'interpreters') return { text: 'overlaps both: a GIL each' };
  return { text: 'overlaps both (native code, no Python)' };
}

/**
 * The convoy: each run's wall time is the I/O thread's (the CPU-bound threads stop when it is done), and
 * sequential is that thread alone, so the "speedup" is below 1x by as much as the others hold it up. Under
 * the GIL each call waits about a switch interval to take the GIL back (CPython 3.11 here: 1015 ms for
 * 200 calls of 100 µs at 5 ms, 34 ms alone).
 */
function convoyPrediction(mode: ModeInfo, spec: Spec): { x?: number; text: string } {
  if (mode.name === 'sequential') return { x: 1, text: 'the I/O thread alone: the baseline' };
  if (!(Number(spec.cpuThreads ?? 1) > 0)) return { x: 1, text: 'no CPU-bound thread: as alone' };
  if (mode.name === 'free-threaded') return { x: 1, text: 'no GIL: the calls wait for nothing' };
  if (mode.name !== 'threads-gil') return { text: 'runs on threads only' };
  const interval = Number(spec.switchIntervalMs ?? CONVOY_INTERVAL_MS);
  const call = Number(spec.blockingUs ?? 100) / 1000;
  return { x: call / (call + interval), text: `each call waits about a switch interval (${interval} ms) to take the GIL back` };
}


// Made once: `toLocaleString` with options makes a formatter on every call, and a live timeline formats
// a few numbers for every bar's label on every redraw (7.6 ms of one 13.7 ms main-thread task, traced).
const upTo1 = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const upTo0 = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
export const fmtMs = (x: number) => (x >= 10_000 ? `${upTo1.format(x / 1000)} s` : `${(x < 100 ? upTo1 : upTo0).format(x)} ms`);

export const fmtTimes = (x: number) => `${x.toFixed(2)}×`;

/** "io-sleep, 8 tasks, 200 ms each" and the like: what a spec did, in a few words. */
export function describeWork(spec: Spec): string {
  const parts = [String(spec.workload)];
  // A workload that sets its own tasks has none in the form's spec (the run's spec has them).
  if (spec.tasks !== undefined) parts.push(`${spec.tasks} task${Number(spec.tasks) === 1 ? '' : 's'}`);
  if (spec.size !== undefined) parts.push(`size ${Number(spec.size).toLocaleString('en')}`);
  if (spec.latencyMs !== undefined) parts.push(`${spec.latencyMs} ms latency`);
  if (spec.calls !== undefined) parts.push(`${Number(spec.calls).toLocaleString('en')} calls of ${spec.blockingUs ?? '?'} µs`);
  if (spec.cpuThreads !== undefined) parts.push(`${spec.cpuThreads} CPU-bound thread${Number(spec.cpuThreads) === 1 ? '' : 's'}`);
  if (Number(spec.inputItems) > 0) parts.push(`${Number(spec.inputItems).toLocaleString('en')} items passed to each task`);
  return parts.join(', ');
}
