// The lesson's claims, measured in Chromium on this machine, through window.lab: as rules that hold on a
// busy machine as on a quiet one (who ran at once, who waited for whom). How much faster each mode is
// here is a figure of the machine: the benchmark measures it (bench/experiments/figures.mjs, "speedups",
// and the CPU and I/O tables), with the load beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSession, labRun } from './helpers.mjs';
import { allWaitingAtOnce, overlappingSpans, parallelShare } from './rules.mjs';

const session = labSession({ page: true });

const sum = (tasks, key) => tasks.reduce((a, t) => a + (t[key] ?? 0), 0);

test('CPU-bound: threads under the GIL and asyncio run one task\'s Python at a time; processes and rayon compute at once', async (t) => {
  const cores = await session.page.evaluate(() => navigator.hardwareConcurrency);
  const work = { workload: 'cpu-primes', tasks: 16, size: 7_000_000 };
  const runs = {};
  for (const mode of ['sequential', 'asyncio', 'threads-gil', 'processes', 'rayon']) {
    const r = await labRun(session.page, { ...work, mode });
    assert.ok(r.ok, `${mode}: ${JSON.stringify(r)}`);
    assert.equal(r.value, 476_648, `${mode} computes the same value`);
    runs[mode] = r;
  }
  console.log(`# CPU: ${Object.entries(runs).map(([m, r]) => `${m} ${r.wallMs.toFixed(0)} ms`).join(', ')}; processes ${(100 * parallelShare(runs.processes.tasks)).toFixed(0)}% and rayon ${(100 * parallelShare(runs.rayon.tasks)).toFixed(0)}% of the time two tasks or more at once`);

  // threads-gil: min(32, cores + 4) threads, and with more threads than tasks some have none; every one
  // took tasks, never two ran Python at once, and together they waited for the GIL longer than the run.
  const gil = runs['threads-gil'];
  assert.equal(new Set(gil.tasks.map((t) => t.lane)).size, Math.min(gil.spec.workers, work.tasks), 'every thread took tasks');
  assert.deepEqual(overlappingSpans(gil.tasks).slice(0, 3), [], 'two threads ran Python at once');
  assert.ok(sum(gil.tasks, 'gilWaitMs') > gil.wallMs, `GIL wait ${sum(gil.tasks, 'gilWaitMs')} ms in a ${gil.wallMs} ms run`);
  // asyncio: one thread, one coroutine at a time (no awaits to share on CPU work).
  assert.ok(runs.asyncio.tasks.every((x) => x.lane === 'event-loop'));
  assert.deepEqual(overlappingSpans(runs.asyncio.tasks).slice(0, 3), [], 'two coroutines computed at once');
  const proc = runs.processes;
  assert.ok(proc.tasks.some((t) => t.spans.some((s) => s.kind === 'start')), 'process start-up is on the timeline');
  assert.ok(proc.tasks.every((t) => t.spans.some((s) => s.kind === 'message')), 'messages are on the timeline');
  await t.test(`processes and rayon compute on ${cores} core${cores === 1 ? '' : 's'} at once`, (st) => {
    if (cores < 2) return st.skip('one core: nothing can run in parallel');
    for (const mode of ['processes', 'rayon']) {
      const share = parallelShare(runs[mode].tasks);
      assert.ok(new Set(runs[mode].tasks.map((x) => x.lane)).size >= 2, `${mode}: one lane`);
      assert.ok(share >= 0.5, `${mode}: two or more tasks at once only ${(100 * share).toFixed(0)}% of the time`);
    }
  });
});

test('I/O-bound, six 200 ms requests: asyncio, threads and processes wait at once; asyncio and threads take at most half the sequential time', async () => {
  const work = { workload: 'io-fetch', tasks: 6, latencyMs: 200 };
  const seq = await labRun(session.page, { ...work, mode: 'sequential' });
  const runs = {
    asyncio: await labRun(session.page, { ...work, mode: 'asyncio' }),
    'threads-gil': await labRun(session.page, { ...work, mode: 'threads-gil', workers: 6 }),
    processes: await labRun(session.page, { ...work, mode: 'processes', workers: 6 }),
  };
  console.log(`# I/O: sequential ${seq.wallMs.toFixed(0)} ms, ${Object.entries(runs).map(([m, r]) => `${m} ${r.wallMs.toFixed(0)} ms`).join(', ')}`);
  assert.ok(seq.wallMs >= 1199, `sequential: ${seq.wallMs} ms for six waits of 200 ms`);
  for (const [mode, r] of Object.entries(runs)) {
    assert.ok(r.ok, `${mode}: ${JSON.stringify(r)}`);
    assert.equal(r.value, 1200);
    assert.ok(r.tasks.every((t) => t.ioWaitMs >= 199));
  }
  // One event loop and six threads: the six requests are in flight at once, and the run takes one wait
  // (far from six: a busy machine cannot stretch 200 ms of CPU-free waiting to 600).
  for (const mode of ['asyncio', 'threads-gil']) {
    assert.ok(allWaitingAtOnce(runs[mode].tasks), `${mode}: the six requests were not all in flight at once`);
    assert.ok(runs[mode].wallMs <= seq.wallMs / 2, `${mode} took ${runs[mode].wallMs} ms vs sequential ${seq.wallMs} ms`);
  }
  // Six processes start one Worker each (their start-up is the bench's figure): their waits overlap.
  assert.ok(parallelShare(runs.processes.tasks) >= 0.5, `processes: two or more waiting at once only ${(100 * parallelShare(runs.processes.tasks)).toFixed(0)}% of the time`);
  const gil = runs['threads-gil'];
  assert.ok(gil.tasks.every((t) => (t.gilWaitMs ?? 0) < 20), `GIL waits under I/O: ${gil.tasks.map((t) => t.gilWaitMs)}`);
});

test('compare runs every mode on the same work and each computes the same value', async () => {
  // The smallest budget (the warm-up round and one counted round): this is about every mode's row, not the verdicts.
  const out = await session.page.evaluate(() => window.lab.compare({ workload: 'io-sleep', tasks: 4, latencyMs: 100 }, { budgetMs: 0, minRounds: 1 }));
  const modes = (await session.page.evaluate(() => window.lab.workloads())).modes.map((m) => m.name);
  assert.deepEqual(Object.keys(out).sort(), [...modes].sort());
  for (const [mode, r] of Object.entries(out)) {
    assert.ok(!r.error, `${mode}: ${JSON.stringify(r.error)}`);
    assert.equal(r.value, 400, mode);
    assert.equal(r.spec.mode, mode);
  }
  assert.ok(out.sequential.wallMs >= 399, `sequential: ${out.sequential.wallMs} ms for four sleeps of 100 ms`);
  assert.ok(allWaitingAtOnce(out.asyncio.tasks), 'asyncio: the four sleeps overlap');
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
