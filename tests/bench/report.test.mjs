// The bench's report on made-up figures (no browser): the fidelity table takes the lab's verdicts from
// the lab's own verdict module (www/src/measure/verdicts.ts, bundled by bench/lib/lab-modules.mjs) and
// judges CPython against the same thresholds; the first-run goal reads the mode farthest from 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadVerdicts } from '../../bench/lib/lab-modules.mjs';
// The engine's catalogue as the bench records it from the lab it ran (meta.catalogue).
import { CATALOGUE } from '../unit/load-ts.mjs';
import { derive, markdown } from '../../bench/lib/report.mjs';
import { summarize } from '../../bench/lib/stats.mjs';

const machine = { cores: 2, build: 'threads', browser: 'Chromium' };
/** The machine's load during each repetition (bench/lib/load.mjs): nobody else using the cores, or another
 *  program holding more than one of the two. */
let othersCores = 0;
/** A bench row: repetitions' wall times, and (for the lab) what its last run reported, with the load. */
const row = (samples, run) => ({ samples, ...summarize(samples), values: [], metrics: {}, ...(run ? { run, workers: run.spec.workers ?? 1, loads: samples.map(() => ({ cores: 2, othersCores, loadAvg1m: 0 })) } : {}) });
const cpuRun = (mode, workers) => ({ spec: { workload: 'cpu-primes', mode, tasks: 8, size: 5_000_000, ...(workers ? { workers } : {}) }, class: 'cpu', machine });
const ioRun = (mode, workers) => ({ spec: { workload: 'io-fetch', mode, tasks: 20, latencyMs: 200, ...(workers ? { workers } : {}) }, class: 'io', machine, network: 'real' });

/** Lab and CPython rows of one CPU size, from per-mode speedups over sequential (one per repetition). */
function cpuCase(lab, py) {
  const seq = [600, 610, 590];
  const rows = { 'wasm:sequential': row(seq, cpuRun('sequential')), 'cpython:sequential': row(seq.map((x) => x * 10)) };
  for (const [mode, s] of Object.entries(lab)) rows[`wasm:${mode}`] = row(seq.map((x, i) => x / s[i]), cpuRun(mode, mode === 'asyncio' ? undefined : 2));
  for (const [mode, s] of Object.entries(py)) rows[`cpython:${mode}`] = row(seq.map((x, i) => (x * 10) / s[i]));
  return { kind: 'cpu', kernel: 'cpu-primes', size: 5_000_000, rows };
}

function results({ lab, py, firstRun }) {
  const ioSeq = [4000, 4010, 4005];
  const io = {
    kind: 'io',
    tasks: 20,
    latencyMs: 200,
    rows: {
      'wasm:sequential': row(ioSeq, ioRun('sequential')),
      'wasm:asyncio': row([820, 815, 818], ioRun('asyncio')),
      'wasm:threads-gil': row([830, 825, 840], ioRun('threads-gil', 6)),
      'wasm:processes': row([2100, 2050, 2000], ioRun('processes', 2)),
      'cpython:sequential': row(ioSeq),
      'cpython:aiohttp': row([212, 215, 213]),
      'cpython:threads': row([820, 830, 810]),
      'cpython:processes': row([2100, 2000, 2050]),
    },
  };
  return { cpu: [cpuCase(lab, py)], io: [io], overheads: {}, frames: {}, sizes: {}, errors: [], firstRun, meta: { date: '2026-01-01', profile: 'test', reps: {}, loadAvg1m: [], catalogue: CATALOGUE } };
}

test('fidelity: the lab side is claims() of the verdict module, CPython is judged on the same thresholds', async () => {
  const v = await loadVerdicts();
  assert.equal(typeof v.claims, 'function');
  assert.ok(v.NO_SPEEDUP_BELOW > 1 && v.USES_CORES_FROM > 1);
  // threads-gil gains in every round on the lab's side (a defect), CPython's threads do not: DISAGREE.
  const r = results({
    lab: { 'threads-gil': [1.9, 2.0, 1.95], processes: [1.6, 1.7, 1.65], asyncio: [0.99, 1.0, 1.01] },
    py: { threads: [0.89, 0.9, 0.88], processes: [1.57, 1.6, 1.5], asyncio: [1.0, 0.98, 1.0] },
  });
  const d = derive(r, {}, v);
  const by = (cls, mode) => d.fidelity.find((f) => f.class === cls && f.mode === mode);
  assert.equal(by('cpu', 'threads-gil').claim, 'threads-gil-cpu');
  assert.equal(by('cpu', 'threads-gil').labVerdict, 'not-borne-out');
  assert.equal(by('cpu', 'threads-gil').cpythonVerdict, 'borne-out');
  assert.equal(by('cpu', 'threads-gil').verdict, 'DISAGREE');
  assert.equal(by('cpu', 'threads-gil').threshold, v.NO_SPEEDUP_BELOW);
  assert.equal(by('cpu', 'processes').verdict, 'agree');
  assert.equal(by('cpu', 'processes').threshold, v.USES_CORES_FROM);
  assert.equal(by('cpu', 'asyncio').verdict, 'agree');

  // The lab's verdicts are exactly the module's on the same outcome (each round's probes: both cores free).
  const c = r.cpu[0];
  const m = (id) => ({ ...c.rows[id].run, wallMs: c.rows[id].median, rounds: c.rows[id].samples, measurement: { roundProbes: c.rows[id].samples.map(() => [2, 2]) } });
  const direct = v.claims({ sequential: m('wasm:sequential'), 'threads-gil': m('wasm:threads-gil'), processes: m('wasm:processes'), asyncio: m('wasm:asyncio') });
  for (const claim of direct.filter((x) => ['threads-gil-cpu', 'processes-cpu', 'asyncio-cpu'].includes(x.id))) {
    assert.equal(d.fidelity.find((f) => f.claim === claim.id).labVerdict, claim.verdict, claim.id);
  }

  // I/O: halfway to the lab run's ioIdeal (20 tasks, 6 connections per host: 4 waves, 5x -> 3x).
  const io = by('io', 'asyncio');
  assert.equal(io.claim, 'asyncio-io');
  assert.equal(io.threshold, 1 + (v.ioIdeal({ ...r.io[0].rows['wasm:asyncio'].run, wallMs: 818 }) - 1) / 2);
  assert.equal(io.threshold, 3);
  assert.equal(io.verdict, 'agree');
  assert.equal(by('io', 'threads-gil').verdict, 'agree');
  assert.equal(by('io', 'processes').claim, null);
  assert.match(by('io', 'processes').verdict, /^n\/a/);
  assert.match(markdown({ ...r, derived: d }), /\*\*DISAGREE\*\*/);

  // The same rounds while another program held more than a core: the lab's probes read busy, so a claim
  // the load can turn is not refuted (inconclusive, saying why), and nothing disagrees.
  othersCores = 1.3;
  try {
    const busy = derive(results({
      lab: { 'threads-gil': [1.9, 2.0, 1.95], processes: [1.6, 1.7, 1.65], asyncio: [0.99, 1.0, 1.01] },
      py: { threads: [0.89, 0.9, 0.88], processes: [1.57, 1.6, 1.5], asyncio: [1.0, 0.98, 1.0] },
    }), {}, v);
    const gil = busy.fidelity.find((f) => f.class === 'cpu' && f.mode === 'threads-gil');
    assert.equal(gil.labVerdict, 'inconclusive');
    assert.match(gil.why, /busy/);
    assert.equal(gil.verdict, 'inconclusive');
  } finally {
    othersCores = 0;
  }
});

test('first-run goal: the mode farthest from 1 decides; within 10% is met', async () => {
  const v = await loadVerdicts();
  const mode = (ratios) => ({ ratios, ...summarize(ratios), pages: ratios.map((ratio) => ({ ratio, size: 5_000_000, wallMs: [600 * ratio, 600, 600, 600, 600] })) });
  const lab = { 'threads-gil': [1, 1, 1] };
  const py = { threads: [0.9, 0.9, 0.9] };
  const base = { workload: 'cpu-primes', pages: 3, runs: 5, unavailable: {}, errors: [], loadAvg1m: [0.5, 0.5, 0.5] };
  const goalOf = (firstRun) => derive(results({ lab, py, firstRun }), {}, v).goals.find((g) => g.goal.startsWith('first run'));
  const met = goalOf({ ...base, modes: { sequential: mode([1.01, 1.02, 0.99]), rayon: mode([1.08, 1.05, 1.2]) } });
  assert.equal(met.figure, 1.08);
  assert.equal(met.met, true);
  const missed = goalOf({ ...base, modes: { sequential: mode([1.01, 1.02, 0.99]), processes: mode([1.3, 1.2, 1.25]) } });
  assert.equal(missed.figure, 1.25);
  assert.equal(missed.met, false);
  assert.equal(goalOf(undefined).met, null);
});
