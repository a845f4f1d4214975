// The benchmark in its smoke form: tiny sizes, one repetition, every implementation (wasm in Chromium,
// native, plain JS, CPython) and every row. It checks that each row is produced and that every
// implementation computes the same value for the same work. No test here asserts a speed goal.
// Needs the built site (dist/), as `npm test` builds it first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the bench runs every implementation on the same work and they agree', { timeout: 240_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-bench-'));
  try {
    const run = spawnSync(process.execPath, [join(ROOT, 'bench', 'run.mjs'), '--smoke', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, `bench exited with ${run.status}:\n${run.stderr.slice(-4000)}`);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(r.errors, []);

    // CPU: both kernels, at least three sizes each; each size has every implementation it should.
    const browserIds = ['wasm:sequential', 'wasm:asyncio', 'wasm:threads-gil', 'wasm:processes', 'wasm:rayon', 'native:sequential', 'native:rayon', 'js:sequential', 'wasm-kernel:sequential'];
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
    for (const b of ['threads', 'single']) assert.ok(r.sizes[b].gzip > 0 && r.sizes[b].raw > r.sizes[b].gzip);
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
    assert.equal(r.derived.goals.length, 12);
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
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
