// The lesson's claims, measured in Chromium on this machine, through window.lab. Margins are generous:
// these prove the effects are real, the benchmark measures how big they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSession, labRun } from './helpers.mjs';

const session = labSession({ page: true });

const sum = (tasks, key) => tasks.reduce((a, t) => a + (t[key] ?? 0), 0);

test('CPU-bound: threads under the GIL and asyncio gain nothing; processes and rayon use the cores', async (t) => {
  const cores = await session.page.evaluate(() => navigator.hardwareConcurrency);
  const work = { workload: 'cpu-primes', tasks: 16, size: 7_000_000 };
  await labRun(session.page, { ...work, mode: 'sequential', size: 2_000_000 }); // warm the JIT
  const best = {};
  const last = {};
  for (let round = 0; round < 2; round++) {
    for (const mode of ['sequential', 'asyncio', 'threads-gil', 'processes', 'rayon']) {
      const r = await labRun(session.page, { ...work, mode });
      assert.ok(r.ok, `${mode}: ${JSON.stringify(r)}`);
      assert.equal(r.value, 476_648, `${mode} computes the same value`);
      best[mode] = Math.min(best[mode] ?? Infinity, r.wallMs);
      last[mode] = r;
    }
  }
  const speedup = Object.fromEntries(Object.entries(best).map(([m, t]) => [m, best.sequential / t]));
  console.log(`# CPU speedups: ${JSON.stringify(Object.fromEntries(Object.entries(speedup).map(([m, s]) => [m, +s.toFixed(2)])))}`);
  assert.ok(speedup['threads-gil'] <= 1.15, `threads-gil ${speedup['threads-gil']}`);
  assert.ok(speedup.asyncio <= 1.15, `asyncio ${speedup.asyncio}`);
  await t.test(`processes and rayon are at least 1.4x faster on ${cores} core${cores === 1 ? '' : 's'}`, (st) => {
    if (cores < 2) return st.skip('one core: nothing can run in parallel, so there is no speedup to see');
    assert.ok(speedup.processes >= 1.4, `processes ${speedup.processes}`);
    assert.ok(speedup.rayon >= 1.4, `rayon ${speedup.rayon}`);
  });

  const gil = last['threads-gil'];
  // min(32, cores + 4) threads: with more threads than tasks, some have none.
  assert.equal(new Set(gil.tasks.map((t) => t.lane)).size, Math.min(gil.spec.workers, work.tasks), 'every thread took tasks');
  assert.ok(sum(gil.tasks, 'gilWaitMs') > gil.wallMs, `GIL wait ${sum(gil.tasks, 'gilWaitMs')} ms in a ${gil.wallMs} ms run`);
  const proc = last.processes;
  assert.ok(proc.tasks.some((t) => t.spans.some((s) => s.kind === 'start')), 'process start-up is on the timeline');
  assert.ok(proc.tasks.every((t) => t.spans.some((s) => s.kind === 'message')), 'messages are on the timeline');
});

test('I/O-bound, six 200 ms requests: asyncio, threads and processes each take at most half the sequential time', async () => {
  const work = { workload: 'io-fetch', tasks: 6, latencyMs: 200 };
  const seq = await labRun(session.page, { ...work, mode: 'sequential' });
  const runs = {
    asyncio: await labRun(session.page, { ...work, mode: 'asyncio' }),
    'threads-gil': await labRun(session.page, { ...work, mode: 'threads-gil', workers: 6 }),
    processes: await labRun(session.page, { ...work, mode: 'processes', workers: 6 }),
  };
  console.log(`# I/O: sequential ${seq.wallMs.toFixed(0)} ms, ${Object.entries(runs).map(([m, r]) => `${m} ${r.wallMs.toFixed(0)} ms`).join(', ')}`);
  for (const [mode, r] of Object.entries(runs)) {
    assert.ok(r.ok, `${mode}: ${JSON.stringify(r)}`);
    assert.equal(r.value, 1200);
    assert.ok(r.wallMs <= seq.wallMs / 2, `${mode} took ${r.wallMs} ms vs sequential ${seq.wallMs} ms`);
  }
  const gil = runs['threads-gil'];
  assert.ok(gil.tasks.every((t) => (t.gilWaitMs ?? 0) < 20), `GIL waits under I/O: ${gil.tasks.map((t) => t.gilWaitMs)}`);
  assert.ok(gil.tasks.every((t) => t.ioWaitMs >= 199));
});

test('compare runs every mode on the same work and each computes the same value', async () => {
  const out = await session.page.evaluate(() => window.lab.compare({ workload: 'io-sleep', tasks: 4, latencyMs: 100 }));
  const modes = (await session.page.evaluate(() => window.lab.workloads())).modes.map((m) => m.name);
  assert.deepEqual(Object.keys(out).sort(), [...modes].sort());
  for (const [mode, r] of Object.entries(out)) {
    assert.ok(!r.error, `${mode}: ${JSON.stringify(r.error)}`);
    assert.equal(r.value, 400, mode);
    assert.equal(r.spec.mode, mode);
  }
  assert.ok(out.sequential.wallMs >= 399 && out.asyncio.wallMs < 250);
});

test('the switch interval and worker counts are validated by name', async () => {
  const r = await labRun(session.page, { workload: 'cpu-primes', mode: 'threads-gil', switchIntervalMs: 500 });
  assert.equal(r.name, 'SpecError');
  assert.equal(r.field, 'switchIntervalMs');
  assert.equal(r.allowed, '0.1..100');
  const w = await labRun(session.page, { workload: 'cpu-primes', mode: 'processes', workers: 33 });
  assert.equal(w.field, 'workers');
  assert.equal(w.allowed, '1..32');
});

test('no errors reached the console', () => {
  assert.deepEqual(session.errors.filter((e) => !/deprecated parameters/.test(e)), []);
});
