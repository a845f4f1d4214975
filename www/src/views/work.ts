// What the views share about runs: which runs did the same work, speedups over a sequential baseline,
// the ideal speedup a mode could reach, and number formats. Pure functions: no DOM, no lab calls.

import type { ModeInfo, Spec, WorkloadInfo } from '../engine/protocol';
import type { Recorded } from '../lab-api';
import { BROWSER_CONNECTIONS_PER_HOST } from '../measure/verdicts';

/**
 * Spec fields that say *how* the work runs, not *what* it is: runs that differ only in these did the same
 * work and can be compared. (`switchIntervalMs` is filled in for `threads-gil` only, so it must not split
 * threads-gil from its sequential baseline.)
 */
const HOW_FIELDS = new Set(['mode', 'workers', 'switchIntervalMs']);

/** A key equal for runs that did the same work, whatever the mode. */
export function workKey(spec: Spec): string {
  const work = Object.entries(spec).filter(([k]) => !HOW_FIELDS.has(k));
  return JSON.stringify(work.sort(([a], [b]) => a.localeCompare(b)));
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

/** Logical cores the browser reports (what a pool of workers can really use at once). */
export const cores = () => Math.max(1, navigator.hardwareConcurrency || 1);

/**
 * Workloads whose requests go through the browser's HTTP stack, which opens at most 6 HTTP/1.1
 * connections per host: more requests than that go in waves of 6, whatever the mode (PYTHON-MODEL.md).
 */
const HTTP_WORKLOADS = new Set(['io-fetch']);
// One number for the whole lab: the verdicts hold it.
export { BROWSER_CONNECTIONS_PER_HOST };

/** Where the lab's requests go: a simulated network (the static site's service worker) has no limit. */
let network: string = 'real';
export const setNetwork = (kind: string | undefined) => {
  network = kind ?? 'real';
};

export const isHttp = (workload: string) => network === 'real' && HTTP_WORKLOADS.has(workload);

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
    const limit = isHttp(workload.name) ? BROWSER_CONNECTIONS_PER_HOST : Infinity;
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
  if (mode.name === 'sequential') return { x: 1, text: 'the baseline' };
  if (workload.class === 'cpu') {
    if (mode.name === 'asyncio') return { x: 1, text: 'one thread: no gain' };
    if (mode.name === 'threads-gil') return { x: 1, text: 'the GIL: one core' };
    const x = Math.min(workers ?? 1, ncores, tasks);
    return { x, text: mode.name === 'processes' ? `one core per process: ${x} cores` : `no GIL: ${x} cores` };
  }
  if (workload.class === 'io') {
    const x = idealSpeedup(workload, mode, spec, ncores);
    const why = mode.name === 'asyncio' ? 'every wait overlaps' : 'each worker waits on its own';
    return { x, text: `${why}${isHttp(workload.name) && tasks > BROWSER_CONNECTIONS_PER_HOST ? `, ${BROWSER_CONNECTIONS_PER_HOST} at a time per host` : ''}` };
  }
  if (mode.name === 'processes') return { text: 'fastest when computing dominates' };
  if (mode.name === 'asyncio') return { text: 'fastest when waiting dominates' };
  if (mode.name === 'threads-gil') return { text: 'overlaps the waits, not the computing' };
  return { text: 'overlaps both (native code)' };
}


export const fmtMs = (x: number) =>
  x >= 10_000 ? `${(x / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} s` : `${x.toLocaleString('en', { maximumFractionDigits: x < 100 ? 1 : 0 })} ms`;

export const fmtTimes = (x: number) => `${x.toFixed(2)}×`;

/** "io-sleep, 8 tasks, 200 ms each" and the like: what a spec did, in a few words. */
export function describeWork(spec: Spec): string {
  const parts = [String(spec.workload), `${spec.tasks} task${Number(spec.tasks) === 1 ? '' : 's'}`];
  if (spec.size !== undefined) parts.push(`size ${Number(spec.size).toLocaleString('en')}`);
  if (spec.latencyMs !== undefined) parts.push(`${spec.latencyMs} ms latency`);
  return parts.join(', ');
}
