// The convoy effect (issue 13): an I/O thread making short blocking calls beside a CPU-bound thread, under
// the GIL and without it, measured through window.lab: the rules (each call's I/O is followed by a wait
// for the GIL that a CPU-bound thread holds; a shorter interval shortens it; no GIL, no wait); how many
// times slower the I/O thread is, beside CPython's, is the bench's figure (bench/experiments/convoy.mjs).
// A mode that cannot run it is refused by name, and a Compare's row says why (the chapter from a fresh page:
// lesson.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshPage, labSession, shot } from './helpers.mjs';

const session = labSession();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
/** The I/O thread's total time: task 0, from its start to its end. */
const ioMs = (r) => r.tasks[0].endMs - r.tasks[0].startMs;

test('beside a CPU-bound thread the I/O thread waits for the GIL after each call under the GIL, less at 1 ms, and not at all without the GIL', async (t) => {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    const work = { workload: 'convoy', calls: 200, blockingUs: 100 };
    const runs = [];
    for (const s of [
      { ...work, mode: 'threads-gil', cpuThreads: 0 },
      { ...work, mode: 'threads-gil', cpuThreads: 1, switchIntervalMs: 5 },
      { ...work, mode: 'threads-gil', cpuThreads: 1, switchIntervalMs: 1 },
      { ...work, mode: 'free-threaded', cpuThreads: 1 },
    ]) runs.push(await page.evaluate((s) => window.lab.run(s), s));
    const [rAlone, r5, r1, rFree] = runs;
    for (const result of runs) {
      assert.equal(result.value, 200, 'the value is the calls made, in every mode');
      assert.equal(result.tasks[0].calls.length, 200, 'one latency per call');
      assert.ok(result.tasks.slice(1).every((x) => x.calls === undefined && x.value === 0), 'the CPU-bound threads make no calls');
    }
    assert.equal(r5.spec.tasks, 2, 'one task per thread');
    assert.equal(r5.spec.workers, 2);
    const p = (r, q) => [...r.tasks[0].calls].sort((a, b) => a - b)[Math.ceil(q * 200) - 1];
    t.diagnostic(
      `I/O thread: alone ${ioMs(rAlone).toFixed(1)} ms; beside a CPU thread at 5 ms ${ioMs(r5).toFixed(0)} ms (p50 ${p(r5, 0.5).toFixed(2)}, p99 ${p(r5, 0.99).toFixed(2)} ms), ` +
        `at 1 ms ${ioMs(r1).toFixed(0)} ms (p50 ${p(r1, 0.5).toFixed(2)} ms); free-threaded ${ioMs(rFree).toFixed(1)} ms (the bench compares them with CPython)`,
    );
    // The convoy: each call's I/O wait is followed by a wait for the GIL, which the CPU-bound thread took
    // meanwhile and gives back only when asked, a switch interval later. So most calls take at least the
    // interval (a busy machine can only lengthen them).
    const spans = r5.tasks[0].spans.filter((s) => s.kind === 'io-wait' || s.kind === 'gil-wait');
    const afterIo = spans.filter((s, i) => s.kind === 'gil-wait' && s.endMs - s.startMs > 1 && spans[i - 1]?.kind === 'io-wait').length;
    assert.ok(afterIo >= 100, `long GIL waits right after an I/O wait: ${afterIo}`);
    assert.ok(median(r5.tasks[0].calls) >= 5, `at 5 ms the median call took ${median(r5.tasks[0].calls).toFixed(2)} ms`);
    // (At 1 ms the median call is not asserted: in a held-core fresh-clone .ci/run it was 0.18 ms, the
    // CPU-bound thread's worker off the cores through each 0.1 ms call, so it never took the GIL and no
    // convoy formed, as in CPython. That a convoy forms whenever the CPU thread is ready is the native
    // tests' rule on the virtual clock; the 1 ms convoy's size is the bench's figure, convoy.mjs.)
    // A shorter interval shortens the convoy: 200 waits of about 1 ms against about 5 ms.
    assert.ok(ioMs(r1) < ioMs(r5), `at 1 ms ${ioMs(r1).toFixed(0)} ms vs at 5 ms ${ioMs(r5).toFixed(0)} ms`);
    // No GIL, no convoy: the I/O thread never waits for one.
    assert.ok(!rFree.tasks[0].gilWaitMs && !rFree.tasks[0].spans.some((s) => s.kind === 'gil-wait'), 'no GIL, no waits for it');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a mode that cannot run the convoy is refused by name; a Compare shows it as a row with the reason', async () => {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    const err = await page.evaluate(() => window.lab.run({ workload: 'convoy', mode: 'processes' }).catch((e) => ({ name: e.name, field: e.field, allowed: e.allowed, message: e.message })));
    assert.equal(err.name, 'SpecError');
    assert.equal(err.field, 'mode');
    assert.equal(err.allowed, 'sequential, threads-gil, free-threaded');
    assert.match(err.message, /processes/);
    const bad = await page.evaluate(() => window.lab.run({ workload: 'convoy', mode: 'threads-gil', blockingUs: 1 }).catch((e) => ({ field: e.field, allowed: e.allowed })));
    assert.deepEqual(bad, { field: 'blockingUs', allowed: '10..10000' });
    // The catalogue describes the fields, and which modes cannot run it.
    const convoy = await page.evaluate(() => window.lab.workloads().workloads.find((w) => w.name === 'convoy'));
    assert.deepEqual(convoy.fields.map((f) => [f.name, f.min, f.max, f.default]), [['calls', 1, 5000, 200], ['cpuThreads', 0, 8, 1], ['blockingUs', 10, 10000, 100]]);
    assert.ok(convoy.modes.find((m) => m.mode === 'processes').unsupported);
    assert.equal(convoy.modes.find((m) => m.mode === 'threads-gil').unsupported, null);
    const outcome = await page.evaluate(() => window.lab.compare({ workload: 'convoy', calls: 50 }, { modes: ['sequential', 'asyncio', 'threads-gil', 'processes'], budgetMs: 4000 }));
    assert.ok(outcome.sequential.wallMs > 0 && outcome['threads-gil'].wallMs > 0);
    for (const m of ['asyncio', 'processes']) assert.match(outcome[m].error.message, /runs under sequential, threads-gil, free-threaded/, m);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

// The convoy chapter from a fresh page (its claims judged by the load's rule, within 30 s, the per-call
// figures beside CPython's, the timeline) is lesson.test.mjs's run of the chapter, not a second run here.

test('the form shows that the convoy sets its own tasks and workers, warns before a long convoy, and its Compare predicts the convoy', async () => {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    await page.selectOption('#f-workload', 'convoy');
    await page.selectOption('#f-mode', 'threads-gil');
    // The engine replaces tasks and workers (one thread each): the form has no control for them, and says so.
    assert.equal(await page.locator('#f-tasks').count(), 0);
    assert.equal(await page.locator('#f-workers').count(), 0);
    assert.match(await page.textContent('#own-tasks'), /^Tasks and workers set by the workload.*cpuThreads \+ 1/);
    assert.match(await page.textContent('#sweep-hint'), /Nothing to sweep/);
    assert.equal(await page.isDisabled('#sweep'), true);
    await page.selectOption('#f-mode', 'sequential');
    assert.match(await page.textContent('#own-tasks'), /^Tasks set by the workload/);
    // Under the GIL each of 5,000 calls of 10 ms waits a switch interval more: about 75 s, announced.
    const est = await page.evaluate(() => window.lab.estimate({ workload: 'convoy', mode: 'threads-gil', calls: 5000, blockingUs: 10000 }));
    assert.ok(est > 60_000 && est < 100_000, `estimate ${est} ms`);
    await page.selectOption('#f-mode', 'threads-gil');
    await page.fill('#f-calls', '5000');
    await page.fill('#f-blockingUs', '10000');
    await page.waitForFunction(() => /should take about \d+ s/.test(document.querySelector('#run-estimate').textContent), null, { timeout: 10_000 });
    await page.click('#run');
    await page.click('#long-run-go'); // over a minute: the page asks first
    await page.waitForFunction(() => window.lab.status().state === 'busy');
    await page.click('#stop');
    await page.waitForFunction(() => window.lab.status().state === 'ready');
    // A small Compare: each row's prediction is the convoy's, a mode that cannot run it is named once, below.
    await page.fill('#f-calls', '50');
    await page.fill('#f-blockingUs', '100');
    await page.click('#compare');
    await page.waitForSelector('#compare-view[data-state=done]', { timeout: 120_000 });
    const predicted = (mode) => page.textContent(`#compare-view tr[data-mode="${mode}"] td.predicted`);
    assert.match(await predicted('sequential'), /the I\/O thread alone/);
    assert.match(await predicted('threads-gil'), /^0\.02×: each call waits about a switch interval \(5 ms\)/);
    assert.match(await predicted('free-threaded'), /^1\.00×: no GIL/);
    assert.match(await page.textContent('#compare-view tr[data-mode="processes"]'), /Not run: this work runs under sequential, threads-gil, free-threaded only/);
    const notes = await page.$$eval('#compare-view .note', (ps) => ps.map((p) => p.textContent));
    assert.ok(notes.some((n) => /^Not run: asyncio, interpreters, processes, rayon cannot run this work: its CPU-bound threads/.test(n)), notes.join('\n'));
    assert.ok(notes.some((n) => /^The convoy: each row's wall time is the I\/O thread's/.test(n)), notes.join('\n'));
    assert.ok(!notes.some((n) => /^Mixed work/.test(n)), 'not the generic mixed-work note');
    const claims = await page.$$eval('#compare-view .claim', (els) => els.map((e) => e.dataset.claim));
    assert.deepEqual(claims, ['convoy-effect', 'convoy-free-threaded']);
    assert.match(await page.textContent('#results'), /50 calls of 100 µs/);
    await shot(page, 'convoy-form-compare');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
