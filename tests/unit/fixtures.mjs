// Recorded-looking Results for the front-end unit tests.

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The workers each mode runs with by default on 2 cores (sequential and asyncio have none). */
const DEFAULT_WORKERS = { 'threads-gil': 6, 'free-threaded': 6, interpreters: 6, processes: 2, rayon: 2 };

/**
 * A Result of `mode` whose counted rounds took `rounds` ms. `extra` overrides fields; its `spec` and
 * `machine` are merged into the defaults (`parallelism` lives in `machine`).
 */
export function result(mode, rounds, extra = {}) {
  const { spec, machine, ...rest } = extra;
  const wallMs = median(rounds);
  const tasks = 8;
  const lanes = DEFAULT_WORKERS[mode] ?? 1;
  const per = wallMs / Math.ceil(tasks / lanes);
  return {
    v: 1,
    runId: `${mode}-${Math.round(wallMs)}`,
    spec: { workload: 'cpu-primes', mode, tasks, workers: DEFAULT_WORKERS[mode], ...spec },
    build: 'threads',
    wallMs,
    endMs: wallMs,
    rounds,
    class: 'cpu',
    machine: { cores: 2, build: 'threads', browser: 'Chromium 156', parallelism: undefined, ...machine },
    tasks: Array.from({ length: tasks }, (_, id) => {
      const startMs = Math.floor(id / lanes) * per;
      return { id, lane: `${mode}-${id % lanes}`, startMs, endMs: startMs + per, status: 'ok', spans: [{ kind: 'run', startMs, endMs: startMs + per }] };
    }),
    labVersion: 'test',
    modelVersion: 'test',
    ...rest,
  };
}

/** Rounds of `mode` at `speedup` over the sequential rounds `seq` (round i against round i). */
export const at = (seq, speedups) => seq.map((ms, i) => ms / (Array.isArray(speedups) ? speedups[i] : speedups));

/** A small seeded PRNG (mulberry32), in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A Compare's `measurement` as the procedure records it for `n` counted rounds whose probes read
 * `readings`: one value for every probe, or the n + 1 probes in order (round i between probe i and i + 1,
 * the probe after one round being the next one's before it).
 */
export function probed(n, readings = 1.9) {
  const ps = Array.isArray(readings) ? readings : Array.from({ length: n + 1 }, () => readings);
  return { probes: ps.filter((p) => p !== null), roundProbes: Array.from({ length: n }, (_, i) => [ps[i], ps[i + 1]]) };
}
