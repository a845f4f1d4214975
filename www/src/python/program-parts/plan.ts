// What a program is made from: the spec as the engine returns it, the options, and the plan every part
// of the program reads (the workload, the mode, whether it is async or makes requests, how it handles a
// failure, which tasks fail). The tasks that fail are computed here by the lab's own seeded shuffle, so
// the program's FAILING is the lab's.

/** A spec as the engine returns it from `validate` (API.md "The spec"). */
export interface ProgramSpec {
  workload: string;
  mode: string;
  tasks: number;
  size?: number;
  iterations?: number;
  latencyMs?: number;
  workers?: number;
  switchIntervalMs?: number;
  faults?: { kind: string; rate: number; seed: number };
  timeoutMs?: number;
  onError?: string;
  [field: string]: unknown;
}

export interface ProgramOptions {
  /** The lab's address: the program calls `<baseUrl>api/delay?ms=M&tag=ID`. Default `http://127.0.0.1:8080/`. */
  baseUrl?: string;
  /** The ids of the tasks that fail; by default computed from `spec.faults` as the lab does. */
  failing?: number[];
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/';

/** Python's default switch interval (`sys.getswitchinterval()`), in ms. */
export const DEFAULT_SWITCH_INTERVAL_MS = 5;

/** The workloads that call the lab's latency endpoint. */
const NETWORK_WORKLOADS = ['io-fetch', 'mixed-pipeline'];
/** The modes whose Python is an executor of threads (an interpreter each, under `interpreters`). */
export const THREAD_MODES = ['threads-gil', 'free-threaded', 'rayon', 'interpreters'];

/**
 * The tasks that fail: exactly `round(rate * tasks)` of them, picked by the lab's seeded shuffle
 * (src/core/faults.rs `Faults::failing`: SplitMix64 and a Fisher-Yates shuffle). Sorted ids.
 */
export function failingTasks(faults: { rate: number; seed: number }, tasks: number): number[] {
  const n = tasks;
  const k = Math.min(Math.round(faults.rate * tasks), n);
  const order = Array.from({ length: n }, (_, i) => i);
  const mask = (1n << 64n) - 1n;
  let state = BigInt(faults.seed) & mask;
  const next = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return z ^ (z >> 31n);
  };
  for (let i = n - 1; i >= 1; i--) {
    const j = Number(next() % BigInt(i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, k).sort((a, b) => a - b);
}

/** What every part of a program reads: the spec, and what follows from it. */
export interface Plan {
  spec: ProgramSpec;
  workload: string;
  mode: string;
  isAsync: boolean;
  network: boolean;
  onError: string;
  faultKind?: string;
  failing?: number[];
  timeout: boolean;
  baseUrl: string;
}

/** The plan for `spec`; an error names a workload or mode that has no Python program. */
export function plan(spec: ProgramSpec, options: ProgramOptions): Plan {
  const known = ['cpu-primes', 'cpu-mandelbrot', 'io-fetch', 'io-sleep', 'mixed-pipeline'];
  if (!known.includes(spec.workload)) throw new Error(`no Python program for workload "${spec.workload}"`);
  const modes = ['sequential', 'asyncio', 'processes', ...THREAD_MODES];
  if (!modes.includes(spec.mode)) throw new Error(`no Python program for mode "${spec.mode}"`);
  const network = NETWORK_WORKLOADS.includes(spec.workload);
  const io = network || spec.workload === 'io-sleep';
  // The engine keeps network faults only for workloads that make requests; `panic` applies to all.
  const faults = spec.faults && (spec.faults.kind === 'panic' || network) ? spec.faults : undefined;
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  return {
    spec,
    workload: spec.workload,
    mode: spec.mode,
    isAsync: spec.mode === 'asyncio',
    network,
    onError: spec.onError ?? 'raise',
    faultKind: faults?.kind,
    failing: faults ? [...(options.failing ?? failingTasks(faults, spec.tasks))].sort((a, b) => a - b) : undefined,
    timeout: io && typeof spec.timeoutMs === 'number',
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
  };
}

/** The switch interval a `threads-gil` program sets, in ms: only one that is not Python's default. */
export function switchInterval(p: Plan): number | undefined {
  const ms = p.spec.switchIntervalMs;
  return p.mode === 'threads-gil' && typeof ms === 'number' && ms !== DEFAULT_SWITCH_INTERVAL_MS ? ms : undefined;
}

/** `inputItems`: the integers each task receives, where they cross (`interpreters`); 0 elsewhere. */
export const inputItems = (p: Plan): number => (p.mode === 'interpreters' && typeof p.spec.inputItems === 'number' ? p.spec.inputItems : 0);
