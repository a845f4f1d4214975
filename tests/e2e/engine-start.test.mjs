// Starting the engine, when starting goes wrong (issue 22, item 2): an engine worker that dies as it
// starts, or starts and never answers, is tried again a few times and then given up, plainly: `lab.ready`
// rejects saying so and the page says it (boot), or the runs waiting for a restart reject with an
// EngineError and the status says the engine cannot start (after a crash). Nothing waits for ever and
// nothing restarts for ever. Firefox once deadlocked the engine worker as it started its thread pool:
// the restart after a crash never answered, and a chapter's run never settled.
//
// The engine worker is replaced, in the page, by a script that fails the way asked (an init script wraps
// `Worker`): `die` throws as it loads, `mute` loads and never answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSession } from './helpers.mjs';

const session = labSession();
/**
 * The watchdog's time in these tests (the page's test flag): a start that answers nothing fails after it.
 * Half the lab's own (10 s), and long enough that a healthy engine on a busy machine always answers in it:
 * `npm test` runs this file beside the files two at a time (it mostly waits for the watchdog).
 */
const WATCHDOG_MS = 5000;

/**
 * A fresh page whose engine workers, in the order the page makes them, behave as `plan` says ('ok',
 * 'die', 'mute'; the last entry repeats), with the test flag set. Does not wait for `lab.ready`.
 */
async function pageWith(plan) {
  const context = await session.browser.newContext();
  await context.addInitScript(
    ({ plan, watchdogMs }) => {
      window.__concurrencyLabTest = { faults: true, watchdogMs };
      const Native = window.Worker;
      window.__engineStarts = 0;
      const scripts = {
        die: 'throw new Error("test: this engine worker dies as it loads");',
        mute: 'self.addEventListener("message", () => {});',
      };
      window.Worker = class extends Native {
        constructor(url, options) {
          if (options?.name === 'the engine worker') {
            const how = plan[Math.min(window.__engineStarts++, plan.length - 1)];
            if (how !== 'ok') url = URL.createObjectURL(new Blob([scripts[how]], { type: 'text/javascript' }));
          }
          super(url, options);
        }
      };
    },
    { plan, watchdogMs: WATCHDOG_MS },
  );
  const page = await context.newPage();
  await page.goto(`${session.server.url}#playground`);
  return { context, page };
}

/** How `lab.ready` settles within `ms`: `{ settled: 'resolved' | 'rejected' | 'no', ... }`. */
const readyWithin = (page, ms) =>
  page.evaluate(
    (ms) =>
      Promise.race([
        window.lab.ready.then((s) => ({ settled: 'resolved', state: s.state }), (e) => ({ settled: 'rejected', name: e.name, message: e.message })),
        new Promise((r) => setTimeout(() => r({ settled: 'no' }), ms)),
      ]).then((out) => ({ ...out, starts: window.__engineStarts, status: window.lab.status() })),
    ms,
  );

test('an engine worker that dies at every start: lab.ready rejects saying so, after a few tries, and the page says it', async () => {
  const { context, page } = await pageWith(['die']);
  try {
    const out = await readyWithin(page, 60_000);
    assert.equal(out.settled, 'rejected', JSON.stringify(out));
    assert.match(out.message, /could not start/, out.message);
    assert.match(out.message, /dies as it loads/, 'the reason is kept');
    const starts = out.starts;
    assert.ok(starts >= 2 && starts <= 6, `${starts} starts (a few tries of each build, not an endless loop)`);
    await page.waitForTimeout(3 * WATCHDOG_MS);
    assert.equal(await page.evaluate(() => window.__engineStarts), starts, 'no start after giving up');
    assert.match(await page.textContent('#fatal'), /could not start/);
  } finally {
    await context.close();
  }
});

test('an engine worker that dies at its first start only: the next try starts the lab', async () => {
  const { context, page } = await pageWith(['die', 'ok']);
  try {
    const out = await readyWithin(page, 120_000);
    assert.equal(out.settled, 'resolved', JSON.stringify(out));
    assert.equal(out.status.state, 'ready');
    assert.equal(out.status.build, 'threads', 'the same build, tried again');
    const r = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'threads-gil', tasks: 2, size: 20_000, workers: 2 }));
    assert.equal(r.value, 2262);
  } finally {
    await context.close();
  }
});

test('an engine worker that never answers as it starts is given up by the watchdog', async () => {
  const { context, page } = await pageWith(['mute']);
  try {
    const out = await readyWithin(page, 60_000);
    assert.equal(out.settled, 'rejected', JSON.stringify(out));
    assert.match(out.message, /could not start/);
    assert.match(out.message, /stopped responding/);
  } finally {
    await context.close();
  }
});

test('after a crash mid-run, restarts that fail: the crashed run and the next one reject, and the status says the engine stopped', async () => {
  const { context, page } = await pageWith(['ok', 'die']);
  try {
    assert.equal((await readyWithin(page, 120_000)).settled, 'resolved');
    const out = await page.evaluate(async () => {
      const settle = (p) =>
        Promise.race([
          p.then((r) => ({ ok: true, value: r.value }), (e) => ({ ok: false, name: e.name, message: e.message })),
          new Promise((r) => setTimeout(() => r({ ok: false, name: 'still waiting after 60 s' }), 60_000)),
        ]);
      // Task 4 of 6 traps (seed 6): the engine worker dies under the run.
      const crashed = await settle(window.lab.run({ workload: 'cpu-primes', mode: 'sequential', tasks: 6, size: 3_000_000, faults: { kind: 'trap', rate: 1 / 6, seed: 6 } }));
      for (let i = 0; i < 600 && window.lab.status().state !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 100));
      const startsWhenStopped = window.__engineStarts;
      // The next run asks for the engine again: one more round of tries, which die too.
      const next = await settle(window.lab.run({ workload: 'cpu-primes', mode: 'sequential', tasks: 2, size: 20_000 }));
      return { crashed, next, startsWhenStopped, status: window.lab.status(), starts: window.__engineStarts };
    });
    assert.equal(out.crashed.name, 'EngineError', JSON.stringify(out));
    assert.equal(out.next.name, 'EngineError', `the next run rejects, it does not wait for ever: ${JSON.stringify(out)}`);
    assert.match(out.next.message, /could not start/, 'it says why: the start failed');
    assert.match(out.status.lastCrash, /could not start/, JSON.stringify(out.status));
    assert.equal(out.status.state, 'stopped', `the status says the engine is stopped, not restarting for ever: ${JSON.stringify(out)}`);
    assert.equal(out.startsWhenStopped, 4, 'the first start, then three tries of the restart');
    assert.equal(out.starts, 7, 'the next run: three more tries, then it gave up again');
    assert.match(await page.textContent('#status'), /could not restart.*next run tries again/s, 'the page says it too');
    // With nothing more to do, nothing starts: the status stays `stopped`.
    await page.waitForTimeout(3 * WATCHDOG_MS);
    assert.equal(await page.evaluate(() => window.__engineStarts), out.starts, 'no start while nothing asks');
    assert.equal(await page.evaluate(() => window.lab.status().state), 'stopped');
  } finally {
    await context.close();
  }
});

test('a stopped engine starts again for the next run: a learner\'s Run is the "try again"', async () => {
  // ok, then a crash, then three restarts that die (stopped), then a start that works.
  const { context, page } = await pageWith(['ok', 'die', 'die', 'die', 'ok']);
  try {
    assert.equal((await readyWithin(page, 120_000)).settled, 'resolved');
    const out = await page.evaluate(async () => {
      const settle = (p) => p.then((r) => ({ ok: true, value: r.value }), (e) => ({ ok: false, name: e.name, message: e.message }));
      const crashed = await settle(window.lab.run({ workload: 'cpu-primes', mode: 'sequential', tasks: 6, size: 3_000_000, faults: { kind: 'trap', rate: 1 / 6, seed: 6 } }));
      // The restart's three tries die; wait until the status says so.
      for (let i = 0; i < 600 && window.lab.status().state !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 100));
      const stopped = window.lab.status().state;
      const again = await settle(window.lab.run({ workload: 'cpu-primes', mode: 'sequential', tasks: 2, size: 20_000 }));
      return { crashed, stopped, again, status: window.lab.status(), starts: window.__engineStarts };
    });
    assert.equal(out.crashed.name, 'EngineError', JSON.stringify(out));
    assert.equal(out.stopped, 'stopped', JSON.stringify(out));
    assert.deepEqual(out.again, { ok: true, value: 2262 }, JSON.stringify(out));
    assert.equal(out.status.state, 'ready', JSON.stringify(out.status));
    assert.equal(out.starts, 5, 'one fresh start, asked for by the run');
  } finally {
    await context.close();
  }
});
