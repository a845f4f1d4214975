// The benchmark in its smoke form: tiny sizes, one repetition, every implementation (wasm in Chromium,
// native, plain JS, CPython) and every row, and one row in Firefox and in WebKit. It checks that each row is produced and that every
// implementation computes the same value for the same work. It asserts no speed goal: the figures the
// end-to-end tests no longer assert (bench/experiments/figures.mjs) are checked against bounds loose
// enough for a busy machine and tight enough that a 10x regression fails (BOUNDS below).
// Needs the built site (dist/), as `npm test` builds it first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Every row of bench/experiments/figures.mjs and the bound its smoke figure must keep ({ min, max }; null:
 * the row must only have a figure). The row's own definition must carry the same bound (it is printed in
 * the report), so loosening one means changing both. GIL: 10 switch intervals of 5 ms at the 90th
 * percentile (one repetition's few dozen waits; their 99th is their largest, which one scheduler slice
 * lost on a busy machine makes; the report gives the p99 and its goal of 2 intervals); a Stop: 10x its
 * 200 ms goal; a zoom step and the event-loop lag: 10x a frame; a long task: 10x the 50 ms line; a parallel
 * speedup: half of sequential (a busy machine leaves about 1x; a run 10x slower is 0.14x); the job after
 * the Stops: 3x the one before (work left running); interpreters' crossing: it costs at least 2x nothing.
 */
const GIL = { stat: 'p90', max: 50 };
const STOP = { max: 2000 };
const PARALLEL = { min: 0.5 };
const BOUNDS = {
  'gil-wait-after-switch native': GIL, 'gil-wake native': GIL,
  'gil-handover native': GIL, 'gil-turns cpu-primes native': GIL, 'gil-turns cpu-mandelbrot native': GIL, 'gil-turns mixed-pipeline native': GIL,
  'gil-handover wasm': GIL, 'gil-turns cpu-primes wasm': GIL, 'gil-turns cpu-mandelbrot wasm': GIL, 'gil-turns mixed-pipeline wasm': GIL,
  ...Object.fromEntries(['cpu-mandelbrot', 'mixed-pipeline'].flatMap((w) => ['sequential', 'asyncio', 'threads-gil', 'free-threaded', 'interpreters', 'processes', 'rayon'].map((m) => [`stop ${w} ${m}`, STOP]))),
  'stop io-sleep asyncio': STOP, 'stop io-sleep threads-gil': STOP, 'stop io-sleep rayon': STOP,
  'job after the stops': { max: 3 },
  'stop 1000 tasks': STOP,
  'stop thread start-up': STOP,
  'speedup rayon': PARALLEL, 'speedup processes': PARALLEL, 'speedup free-threaded': PARALLEL, 'speedup interpreters': PARALLEL, 'speedup releasesGil': PARALLEL,
  'speedup threads-gil': null, 'speedup asyncio': null,
  'free-threaded overhead 50%': { min: 1.05, max: 5 },
  'interpreters crossing native': { min: 2 }, 'interpreters crossing wasm': { min: 2 },
  'io-sleep 100 asyncio': { max: 3 },
  'zoom step worst': { max: 160 }, 'zoom step': { max: 160 },
  'longest main-thread task': { max: 500 },
  'event-loop lag p99': { max: 160 },
  'python gather': { max: 4 },
  'python model/real': { min: 0.25, max: 4 },
  'stop python': STOP,
};

test('the bench runs every implementation on the same work and they agree', { timeout: 540_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-bench-'));
  try {
    const run = spawnSync(process.execPath, [join(ROOT, 'bench', 'run.mjs'), '--smoke', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, `bench exited with ${run.status}:\n${run.stderr.slice(-4000)}`);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(r.errors, []);

    // CPU: both kernels, at least three sizes each; each size has every implementation it should.
    const browserIds = ['wasm:sequential', 'wasm:asyncio', 'wasm:threads-gil', 'wasm:processes', 'wasm:rayon', 'native:sequential', 'native:rayon', 'native-plain:sequential', 'js:sequential', 'wasm-kernel:sequential'];
    const pythonIds = ['cpython:sequential', 'cpython:threads', 'cpython:processes', 'cpython:asyncio'];
    for (const kernel of ['cpu-primes', 'cpu-mandelbrot']) {
      const cases = r.cpu.filter((c) => c.kernel === kernel);
      assert.ok(cases.length >= 3, `${kernel}: ${cases.length} sizes`);
      assert.ok(cases.some((c) => browserIds.concat(pythonIds).every((id) => c.rows[id])), `${kernel}: no size shared by all four implementations`);
      for (const c of cases) {
        assert.ok(Number.isInteger(c.value) && c.value > 0, `${kernel} ${c.size}: value ${c.value}`);
        for (const [id, row] of Object.entries(c.rows)) {
          assert.equal(row.n, 1, `${kernel} ${c.size} ${id}: ${row.n} figures`);
          assert.ok(row.values.every((v) => v === c.value), `${kernel} ${c.size} ${id}: ${row.values} != ${c.value}`);
        }
      }
    }
    // Known answers, so that agreeing on a wrong value cannot pass: pi(100000) and the split.
    assert.equal(r.cpu.find((c) => c.kernel === 'cpu-primes' && c.size === 100_000).value, 9592);

    // I/O: every lab mode and every CPython counterpart; the value is T x L.
    assert.ok(r.io.length >= 1);
    for (const c of r.io) {
      assert.equal(c.value, c.tasks * c.latencyMs);
      for (const id of ['wasm:sequential', 'wasm:asyncio', 'wasm:threads-gil', 'wasm:processes', 'js:fetch', 'cpython:sequential', 'cpython:threads', 'cpython:processes', 'cpython:aiohttp']) {
        assert.equal(c.rows[id]?.n, 1, `io T=${c.tasks} ${id}`);
      }
    }

    // Overheads, sizes, frame lag, and the report's derived tables and goals.
    for (const id of ['pool-start', 'process-start', 'cold-load', 'python-in-page-load', 'cpython-pool-fork', 'cpython-pool-spawn']) {
      assert.ok(Number.isFinite(r.overheads[id]?.median), `overhead ${id}`);
    }
    assert.ok(Number.isFinite(r.overheads['process-start'].metrics.roundTripMs.median));
    for (const b of ['threads', 'single', 'program']) assert.ok(r.sizes[b].gzip > 0 && r.sizes[b].raw > r.sizes[b].gzip);
    for (const mode of ['sequential', 'asyncio', 'threads-gil', 'processes', 'rayon']) assert.ok(r.derived.lag[`cpu-primes ${mode}`], `frame lag for ${mode}`);
    // First run on a fresh page (bench/experiments/first-run.mjs), in its smoke form: one page, two runs
    // of one mode; only that it yields a finite ratio.
    const first = r.derived.firstRun.filter((f) => !f.unavailable);
    assert.ok(first.length >= 1, 'no first-run figure');
    for (const f of first) assert.ok(Number.isFinite(f.median) && f.median > 0, `first-run ratio for ${f.mode}: ${f.median}`);
    // The fidelity table's lab verdicts come from the lab's verdict module.
    for (const f of r.derived.fidelity.filter((f) => f.claim && !f.verdict.startsWith('n/a'))) {
      assert.ok(['borne-out', 'not-borne-out', 'inconclusive'].includes(f.labVerdict), `${f.class} ${f.mode}: ${f.labVerdict}`);
    }
    assert.equal(r.derived.goals.length, 13);
    for (const g of r.derived.goals) assert.ok(Number.isFinite(g.figure), `goal without a figure: ${g.goal}`);
    assert.ok(r.derived.fidelity.length >= 6);
    assert.ok(r.meta.chromium && r.meta.cores && r.meta.python);
    assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /### Goals/);
    // The convoy effect beside CPython (bench/experiments/convoy.mjs): every row has the lab's figure, and
    // CPython's where 3.11 can run it.
    for (const [id, row] of Object.entries(r.convoy.runs)) {
      assert.ok(Number.isFinite(row.lab?.ioMs), `convoy ${id}: the lab's figure`);
      if (id !== 'free-threaded') assert.ok(Number.isFinite(row.cpython?.ioMs), `convoy ${id}: CPython's figure`);
    }
    assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /## The convoy effect/);
    // The figures the end-to-end tests no longer assert: every row, with the machine's load beside it,
    // within its bound.
    const rows = Object.fromEntries(r.figures.rows.map((x) => [x.id, x]));
    assert.deepEqual(Object.keys(rows).sort(), Object.keys(BOUNDS).sort(), 'the figures\' rows');
    for (const [id, bound] of Object.entries(BOUNDS)) {
      const row = rows[id];
      assert.ok(Number.isFinite(row.figure), `${id}: no figure`);
      assert.ok(row.load.loadAvg1m.length >= 1 && row.load.othersCores.every(Number.isFinite), `${id}: the load beside it`);
      if (!bound) continue;
      assert.deepEqual({ stat: row.limit.stat, min: row.limit.min, max: row.limit.max }, { stat: bound.stat, min: bound.min, max: bound.max }, `${id}: the report states the bound checked here`);
      const shown = `${id}: ${bound.stat ?? row.stat} ${row.checked} ${row.unit} (load average ${row.load.loadAvg1m}, others ${row.load.othersCores} cores)`;
      if (bound.min !== undefined) assert.ok(row.checked >= bound.min, `${shown}, below ${bound.min}`);
      if (bound.max !== undefined) assert.ok(row.checked <= bound.max, `${shown}, over ${bound.max}`);
    }
    assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /## Figures the tests no longer assert/);
    // The browser rows in every engine (bench/experiments/engines.mjs), in their smoke form: one row in each
    // engine beside Chromium, ready timed, the same value as Chromium's, the lag during it sampled.
    for (const name of ['firefox', 'webkit-sab']) {
      const e = r.engines.engines[name];
      assert.ok(e?.ready && Number.isFinite(e.ready.readyMs), `${name}: lab.ready's mark`);
      const row = e.rows['cpu-primes sequential'];
      assert.equal(row?.n, 1, `${name}: the row's figure`);
      assert.deepEqual(row.values, [r.cpu.find((c) => c.kernel === 'cpu-primes' && c.size === 20_000).value], `${name}: the value Chromium's rows agree on`);
      assert.ok(row.lagSummary.n >= 1 && Number.isFinite(row.lagSummary.p99), `${name}: the lag during the row`);
    }
    assert.deepEqual(r.engines.errors, []);
    assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /## Every engine/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
