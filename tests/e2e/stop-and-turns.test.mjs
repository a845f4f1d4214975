// Every Stop honoured and the GIL's switch interval kept, at the largest settings the lab accepts (issue:
// nothing lost, nothing stuck). The CPU kernels work in chunks bounded in time whatever the size, so a
// Stop lands within 250 ms and a thread that holds the GIL while another waits lets go within one
// switch interval and a chunk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contestedTurns, freshPage, labSession, shot } from './helpers.mjs';

const session = labSession();
const MODES = ['sequential', 'asyncio', 'threads-gil', 'free-threaded', 'processes', 'rayon'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Starts `spec`, stops it `afterMs` later with lab.cancel(), and says how long the stop took. */
function runAndStop(page, spec, afterMs) {
  return page.evaluate(
    ({ spec, afterMs }) =>
      new Promise((resolve) => {
        let stoppedAt = 0;
        window.lab.run(spec).then(
          (r) => resolve({ name: 'finished', wallMs: r.wallMs }),
          (e) => resolve({ name: e.name, message: e.message, latencyMs: performance.now() - stoppedAt, statuses: e.result?.tasks.map((t) => t.status) }),
        );
        setTimeout(() => {
          stoppedAt = performance.now();
          window.lab.cancel();
        }, afterMs);
      }),
    { spec, afterMs },
  );
}

test('the largest accepted mandelbrot image and mixed work stop within 250 ms in every mode (median of 3)', async () => {
  const { context, page } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    // Every field at the largest value the lab accepts (the image as large as memory allows).
    const largest = (name) =>
      page.evaluate((name) => {
        const w = window.lab.workloads().workloads.find((x) => x.name === name);
        return Object.fromEntries(w.fields.map((f) => [f.name, f.max]));
      }, name);
    const specs = [
      { workload: 'cpu-mandelbrot', tasks: 8, ...(await largest('cpu-mandelbrot')) },
      { workload: 'mixed-pipeline', tasks: 8, ...(await largest('mixed-pipeline')), latencyMs: 0 },
    ];
    for (const spec of specs) {
      for (const mode of MODES) {
        const stops = [];
        for (let i = 0; i < 3; i++) {
          const r = await runAndStop(page, { ...spec, mode }, 500);
          assert.equal(r.name, 'AbortError', `${spec.workload} ${mode}: ${JSON.stringify(r)}`);
          assert.ok(r.statuses.includes('cancelled'), `${spec.workload} ${mode}: ${r.statuses}`);
          stops.push(r.latencyMs);
        }
        console.log(`# ${spec.workload} ${mode}: stopped in ${stops.map((x) => x.toFixed(0)).join(', ')} ms`);
        assert.ok(median(stops) < 250, `${spec.workload} under ${mode} took ${stops.map((x) => x.toFixed(0))} ms to stop`);
      }
    }
    // The engine is still fine afterwards: pi(20000) = 2262.
    const r = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'sequential', tasks: 2, size: 20000 }));
    assert.equal(r.value, 2262);
  } finally {
    await context.close();
  }
});

test('GIL turns at a 5 ms switch interval: p99 at most two intervals plus 2 ms, none over 25 ms, on every CPU workload', async () => {
  const { context, page } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    const defaults = await page.evaluate(() => Object.fromEntries(window.lab.workloads().workloads.map((w) => [w.name, Object.fromEntries(w.fields.map((f) => [f.name, f.default]))])));
    const cases = [
      { workload: 'cpu-primes', size: 12_000_000 },
      { workload: 'cpu-mandelbrot', ...defaults['cpu-mandelbrot'], iterations: defaults['cpu-mandelbrot'].iterations * 5 },
      { workload: 'mixed-pipeline', latencyMs: 5, size: 3_000_000 },
    ];
    for (const c of cases) {
      const spec = { ...c, mode: 'threads-gil', tasks: 4, workers: 4, switchIntervalMs: 5 };
      // The best of three runs (by p99): the lab bounds a turn by the interval and a chunk; another
      // program on the machine can only delay a thread's wake-up, never shorten a turn.
      let best;
      for (let i = 0; i < 3; i++) {
        const r = await page.evaluate((s) => window.lab.run(s), spec);
        const turns = contestedTurns(r);
        const p99 = turns[Math.min(turns.length - 1, Math.floor(turns.length * 0.99))];
        console.log(`# ${c.workload}: ${turns.length} contested turns in ${r.wallMs.toFixed(0)} ms, p50 ${median(turns).toFixed(2)}, p99 ${p99.toFixed(2)}, max ${turns.at(-1).toFixed(2)} ms`);
        if (!best || p99 < best.p99) best = { turns, p99 };
      }
      const { turns, p99 } = best;
      const worst = turns.at(-1);
      assert.ok(turns.length >= 20, `${c.workload}: only ${turns.length} contested turns`);
      assert.ok(p99 <= 2 * 5 + 2, `${c.workload}: p99 turn ${p99.toFixed(2)} ms`);
      assert.ok(worst <= 25, `${c.workload}: a turn of ${worst.toFixed(2)} ms`);
      // And one turn is about an interval: the threads do take turns, not run to the end.
      assert.ok(median(turns) >= 2 && median(turns) <= 8, `${c.workload}: median turn ${median(turns).toFixed(2)} ms`);
    }
  } finally {
    await context.close();
  }
});

test('a run expected to take more than a minute is announced as it starts, and stays stoppable', async () => {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    // The estimate follows the calibration: the defaults take about 0.6 s; a thousand tasks of ten
    // million numbers each, about 1e10 trial divisions, far more than a minute.
    const small = await page.evaluate(() => window.lab.estimate({ workload: 'cpu-primes', mode: 'sequential' }));
    assert.ok(small > 200 && small < 2_000, `the defaults: ${small} ms`);
    const huge = await page.evaluate(() => window.lab.estimate({ workload: 'mixed-pipeline', mode: 'asyncio', tasks: 1000, size: 10_000_000 }));
    assert.ok(huge > 600_000, `a huge run: ${huge} ms`);
    const bad = await page.evaluate(() => window.lab.estimate({ workload: 'cpu-primes', mode: 'sequential', tasks: 0 }).catch((e) => ({ name: e.name, field: e.field })));
    assert.deepEqual(bad, { name: 'SpecError', field: 'tasks' });
    await page.selectOption('#f-workload', 'mixed-pipeline');
    await page.selectOption('#f-mode', 'asyncio');
    await page.fill('#f-tasks', '1000');
    await page.fill('#f-size', '10000000');
    await page.click('#run');
    await page.waitForSelector('#run-estimate:not([hidden])', { timeout: 10_000 });
    assert.match(await page.textContent('#run-estimate'), /should take about \d+ (min|h)/);
    await shot(page, 'long-run-estimate');
    // From the Stop to the run's end as the lab reports it (drawing the 1,000 stopped tasks comes after).
    const stoppedIn = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const t = performance.now();
          window.lab.onRunEnd(() => resolve(performance.now() - t));
          window.lab.cancel();
        }),
    );
    // A thousand requests in flight are aborted and a thousand-task Result is built: 110 to 290 ms here
    // (the 250 ms bound of the tests above is for the largest work of 8 tasks).
    console.log(`# a 1,000-task run stopped in ${stoppedIn.toFixed(0)} ms`);
    assert.ok(stoppedIn < 600, `stopped in ${stoppedIn.toFixed(0)} ms`);
    await page.waitForSelector('#run-estimate', { state: 'hidden' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a Stop while a run starts its threads is heard at once; the next run works', async () => {
  const { context, page } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    // A fresh engine has no Python threads yet: 32 must start (a Web Worker each) before the run can.
    const r = await page.evaluate(
      () =>
        new Promise((resolve) => {
          let t = 0;
          window.lab.run({ workload: 'io-fetch', mode: 'threads-gil', tasks: 100, latencyMs: 5000, workers: 32 }).then(
            () => resolve({ name: 'finished' }),
            (e) => resolve({ name: e.name, latencyMs: performance.now() - t, statuses: [...new Set(e.result?.tasks.map((x) => x.status))] }),
          );
          setTimeout(() => {
            t = performance.now();
            window.lab.cancel();
          }, 60);
        }),
    );
    assert.equal(r.name, 'AbortError');
    assert.deepEqual(r.statuses, ['cancelled']);
    assert.ok(r.latencyMs < 250, `stopped in ${r.latencyMs.toFixed(0)} ms`);
    const next = await page.evaluate(() => window.lab.run({ workload: 'io-sleep', mode: 'threads-gil', tasks: 4, latencyMs: 50, workers: 4 }));
    assert.equal(next.tasks.length, 4);
    assert.ok(next.tasks.every((t) => t.status === 'ok'));
  } finally {
    await context.close();
  }
});
