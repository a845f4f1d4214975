// Crashes of any kind, in Chromium: a real trap (wasm `unreachable`, no panic hook, as an allocation
// failure aborts) in each kind of worker the engine has, mid-run. Nothing here tells the page that a
// worker died: it must hear it itself (the worker's error event, its bootstrap's report) or notice it
// (the watchdog). Each time: the run rejects with an EngineError naming the worker, the engine restarts,
// the next run works, history keeps every run, and the crashed run is recorded with its finished tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSession, labRun } from './helpers.mjs';

const session = labSession();
/** The watchdog's time here (the page's test flag): half the lab's own, so that a healthy engine on a busy
 * machine always answers in it. */
const WATCHDOG_MS = 5000;

/** A lab whose page has the test flag (test fault kinds on, a short watchdog), errors collected. */
async function testLab(flag = { faults: true, watchdogMs: WATCHDOG_MS }) {
  const context = await session.browser.newContext();
  if (flag) await context.addInitScript((f) => (self.__concurrencyLabTest = f), flag);
  const page = await context.newPage();
  await page.goto(`${session.server.url}#playground`);
  await page.evaluate(() => window.lab.ready);
  return { context, page };
}

/** Runs `spec`; a rejection comes back with its name, message and the `result` it carried. */
function runCrashing(page, spec) {
  return page.evaluate(async (s) => {
    const t = performance.now();
    try {
      const r = await window.lab.run(s);
      return { resolved: true, statuses: r.tasks.map((t) => t.status) };
    } catch (e) {
      return { name: e.name, message: e.message, ms: performance.now() - t, result: e.result && { runId: e.result.runId, error: e.result.error, statuses: e.result.tasks.map((t) => t.status), value: e.result.value } };
    }
  }, spec);
}

/** Waits for the restarted engine, checks a clean run of the same mode, and returns the history. */
async function afterCrash(page, spec) {
  await page.waitForFunction(() => window.lab.status().state === 'ready', null, { timeout: 60_000 });
  const { faults, ...clean } = spec;
  const next = await labRun(page, clean);
  assert.ok(next.ok, `the next run works: ${JSON.stringify(next)}`);
  assert.equal(next.value, 216_816, 'primes below 3,000,000');
  return page.evaluate(() => window.lab.history());
}

test('a trap in any worker of the engine rejects the run naming it; restart; nothing lost; the crashed run recorded', async () => {
  const { context, page } = await testLab();
  const threads = await page.evaluate(() => window.lab.status().threads);
  assert.ok(threads >= 1, 'the threads build (the page is cross-origin isolated)');
  const first = await labRun(page, { workload: 'cpu-primes', mode: 'sequential', tasks: 2, size: 100_000 });
  assert.equal(first.value, 9592);
  // Seed 6 picks task 4 of 6 to trap. The tasks before it have run, and the page has heard of all of
  // them but the last to end (a record can still be on its way when the crash comes): at least 3.
  const workers = Math.min(2, threads);
  const kinds = [
    ['sequential', /^the engine worker died: .*RuntimeError: unreachable/],
    ['rayon', /^rayon pool thread \d+ died: .*RuntimeError: unreachable/],
    ['threads-gil', /^Python thread ThreadPool-\d died: .*RuntimeError: unreachable/],
    ['processes', /^process Process-\d died: .*RuntimeError: unreachable/],
  ];
  let runs = 1;
  for (const [mode, named] of kinds) {
    // One process: its tasks run in order, so the three before the trap have finished (with two, which of
    // tasks 3 and 4 ends first depends on how soon each process started).
    const spec = { workload: 'cpu-primes', mode, tasks: 6, size: 3_000_000, workers: mode === 'rayon' ? workers : mode === 'processes' ? 1 : 2, faults: { kind: 'trap', rate: 1 / 6, seed: 6 } };
    if (mode === 'sequential') delete spec.workers;
    const r = await runCrashing(page, spec);
    assert.equal(r.name, 'EngineError', `${mode}: ${JSON.stringify(r)}`);
    assert.match(r.message, named, mode);
    console.log(`# ${mode}: "${r.message}" after ${r.ms.toFixed(0)} ms`);
    assert.deepEqual(r.result.error.name, 'EngineError', mode);
    assert.equal(r.result.error.message, r.message);
    assert.equal(r.result.statuses.length, 6);
    assert.notEqual(r.result.statuses[4], 'ok', `${mode}: the trapped task never finished`);
    const ok = r.result.statuses.filter((s) => s === 'ok').length;
    assert.ok(ok >= 3, `${mode}: ${ok} finished tasks kept (${r.result.statuses})`);
    assert.ok(r.result.statuses.every((s) => s === 'ok' || s === 'cancelled'), `${mode}: ${r.result.statuses}`);
    const history = await afterCrash(page, spec);
    runs += 2;
    assert.equal(history.length, runs, `${mode}: every run is still there, the crashed one too`);
    const crashed = history.find((h) => h.runId === r.result.runId);
    assert.ok(crashed, `${mode}: the crashed run is in history`);
    assert.equal(crashed.error.name, 'EngineError');
    assert.match(crashed.error.message, named);
    assert.equal(crashed.tasks.filter((t) => t.status === 'ok').length, ok, `${mode}: with its finished tasks`);
    assert.equal(crashed.value, r.result.value);
  }
  assert.match((await page.evaluate(() => window.lab.status())).lastCrash, /process Process-\d died/);
  await context.close();
});

test('an engine that stops responding mid-run is caught by the watchdog and replaced', async () => {
  const { context, page } = await testLab();
  // The stall spins on the engine worker's own thread: no error, no report, no answer.
  const spec = { workload: 'cpu-primes', mode: 'sequential', tasks: 6, size: 3_000_000, faults: { kind: 'stall', rate: 1 / 6, seed: 6 } };
  const r = await runCrashing(page, spec);
  assert.equal(r.name, 'EngineError', JSON.stringify(r));
  assert.match(r.message, /^the engine stopped responding: no answer for \d+ s during a run$/);
  assert.ok(r.ms >= WATCHDOG_MS && r.ms < WATCHDOG_MS + 8000, `caught after ${r.ms.toFixed(0)} ms`);
  assert.deepEqual(r.result.statuses.slice(0, 3), ['ok', 'ok', 'ok']);
  assert.deepEqual(r.result.statuses.slice(4), ['cancelled', 'cancelled']);
  const history = await afterCrash(page, spec);
  assert.deepEqual(history.map((h) => h.error?.name ?? 'ok'), ['EngineError', 'ok']);
  await context.close();
});

test("a process's panic keeps the finished tasks; the core decides what Pool.map starts", async () => {
  const { context, page } = await testLab();
  const spec = { workload: 'cpu-primes', mode: 'processes', tasks: 6, size: 3_000_000, workers: 1, faults: { kind: 'panic', rate: 1 / 6, seed: 6 } };
  const r = await runCrashing(page, spec);
  assert.equal(r.name, 'EngineError');
  assert.match(r.message, /^the lab engine panicked in process Process-1: injected panic in task 4 /);
  // (Once, beside the files two at a time, tasks 2 and 3 came back cancelled here: the whole rejection is
  // in the message, to find why if it happens again.)
  assert.deepEqual(r.result.statuses.slice(0, 3), ['ok', 'ok', 'ok'], JSON.stringify(r));
  assert.deepEqual(r.result.statuses.slice(4), ['cancelled', 'cancelled'], JSON.stringify(r));
  await afterCrash(page, spec);
  // Executor.map's rule, applied by the core to the processes too: the first failure in task order
  // raises; with one worker, nothing after it starts.
  const map = await labRun(page, { workload: 'io-fetch', mode: 'processes', tasks: 5, latencyMs: 20, workers: 1, faults: { kind: 'status', rate: 0.2, seed: 6 } });
  assert.ok(map.ok, JSON.stringify(map));
  const failed = map.tasks.findIndex((t) => t.status === 'error');
  assert.equal(map.error.taskId, failed);
  assert.ok(map.tasks.slice(0, failed).every((t) => t.status === 'ok'));
  assert.ok(map.tasks.slice(failed + 1).every((t) => t.status === 'cancelled'), map.tasks.map((t) => t.status).join());
  await context.close();
});

test('without the page\'s test flag the test kinds are refused, naming the field', async () => {
  const { context, page } = await testLab(null);
  const r = await labRun(page, { workload: 'cpu-primes', mode: 'sequential', faults: { kind: 'trap', rate: 0.5 } });
  assert.equal(r.name, 'SpecError');
  assert.equal(r.field, 'faults.kind');
  assert.equal(r.allowed, 'status, reset, hang, panic');
  const kinds = await page.evaluate(() => window.lab.workloads().errors.faults.map((f) => f.name));
  assert.deepEqual(kinds, ['status', 'reset', 'hang', 'panic']);
  await context.close();
});
