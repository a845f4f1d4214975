// Python's concurrency as it is in 2026 (issue: C code that releases the GIL, free-threaded 3.14t):
// measured through window.lab, medians of 3 where timing decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshPage, labSession, shot } from './helpers.mjs';

const session = labSession();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const total = (r, kind) => r.tasks.flatMap((t) => t.spans).filter((s) => s.kind === kind).reduce((a, s) => a + s.endMs - s.startMs, 0);

/** Runs each spec three times, interleaved; the median wall time of each, and its last Result. */
async function medians(page, specs) {
  const walls = specs.map(() => []);
  const last = [];
  for (let i = 0; i < 3; i++) {
    for (const [k, s] of specs.entries()) {
      const r = await page.evaluate((s) => window.lab.run(s), s);
      walls[k].push(r.wallMs);
      last[k] = r;
    }
  }
  return specs.map((_, k) => ({ wallMs: median(walls[k]), result: last[k] }));
}

test('C code that releases the GIL scales on threads; the same work as pure Python does not', async (t) => {
  const { context, page } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const base = { workload: 'cpu-primes', mode: 'threads-gil', tasks: 8, workers: 2 };
    const [pure, c] = await medians(page, [base, { ...base, releasesGil: true }]);
    assert.equal(pure.result.value, c.result.value, 'the same work, the same value');
    assert.equal(c.result.spec.releasesGil, true);
    // The timeline: the kernel without the GIL, the GIL held only at the call's ends.
    const nogil = total(c.result, 'run-nogil');
    assert.ok(nogil > 0 && total(c.result, 'run') < nogil / 10, `run-nogil ${nogil}, run ${total(c.result, 'run')}`);
    const gilWait = c.result.tasks.reduce((a, t) => a + (t.gilWaitMs ?? 0), 0);
    assert.ok(gilWait <= (2 * c.result.wallMs) / 5, `total GIL wait ${gilWait.toFixed(0)} ms over ${c.result.wallMs.toFixed(0)} ms`);
    if (cores < 2) return t.skip('one core: nothing parallel to measure');
    assert.ok(pure.wallMs / c.wallMs >= 1.5, `releasesGil ${c.wallMs.toFixed(0)} ms vs pure Python ${pure.wallMs.toFixed(0)} ms`);
  } finally {
    await context.close();
  }
});

test('free-threaded runs CPU work in parallel with no GIL wait, and costs one thread its overhead', async (t) => {
  const { context, page } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const base = { workload: 'cpu-primes', tasks: 8, workers: 2 };
    const [gil, free] = await medians(page, [{ ...base, mode: 'threads-gil' }, { ...base, mode: 'free-threaded' }]);
    assert.equal(gil.result.value, free.result.value);
    assert.equal(free.result.spec.freeThreadedOverheadPct, 8);
    assert.equal(total(free.result, 'gil-wait'), 0, 'no GIL wait recorded');
    assert.ok(free.result.tasks.every((t) => !t.gilWaitMs));
    // The overhead is real CPU time: one worker, 50% overhead against none.
    const one = { ...base, mode: 'free-threaded', workers: 1, tasks: 2 };
    const [plain, costly] = await medians(page, [{ ...one, freeThreadedOverheadPct: 0 }, { ...one, freeThreadedOverheadPct: 50 }]);
    const ratio = costly.wallMs / plain.wallMs;
    assert.ok(ratio > 1.3 && ratio < 1.8, `50% overhead: ${ratio.toFixed(2)}x`);
    // A bad value is named with its range.
    const err = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'free-threaded', freeThreadedOverheadPct: 80 }).catch((e) => ({ name: e.name, field: e.field, allowed: e.allowed })));
    assert.deepEqual(err, { name: 'SpecError', field: 'freeThreadedOverheadPct', allowed: '0..50' });
    if (cores < 2) return t.skip('one core: nothing parallel to measure');
    assert.ok(gil.wallMs / free.wallMs >= 1.5, `free-threaded ${free.wallMs.toFixed(0)} ms vs threads-gil ${gil.wallMs.toFixed(0)} ms`);
  } finally {
    await context.close();
  }
});

test('the form offers each mode its own fields; the timeline draws C code that released the GIL', async () => {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    await page.selectOption('#f-workload', 'cpu-primes');
    await page.selectOption('#f-mode', 'free-threaded');
    assert.equal(await page.inputValue('#f-freeThreadedOverheadPct'), '8');
    await page.selectOption('#f-mode', 'threads-gil');
    assert.equal(await page.isVisible('#f-freeThreadedOverheadPct'), false);
    await page.check('#f-releasesGil');
    await page.fill('#f-tasks', '4');
    await page.fill('#f-size', '2000000');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('#timeline .span-run-nogil').length > 0, null, { timeout: 30_000 });
    await page.locator('#timeline').scrollIntoViewIfNeeded();
    await shot(page, 'releases-gil-timeline');
    const h = await page.evaluate(() => window.lab.history());
    assert.equal(h.at(-1).spec.releasesGil, true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('interpreters: CPU work in parallel, a start-up shorter than a process, and slow when large data crosses', async (t) => {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const work = { workload: 'cpu-primes', tasks: 8 };
    const [seq, interp, proc] = await medians(page, [
      { ...work, mode: 'sequential' },
      { ...work, mode: 'interpreters', workers: 2 },
      { ...work, mode: 'processes', workers: 2 },
    ]);
    assert.equal(interp.result.value, seq.result.value, 'every mode computes the same value');
    assert.equal(interp.result.spec.workers, 2);
    // Each interpreter thread starts its interpreter once (span `start`), and every task crosses both ways.
    const lanes = new Set(interp.result.tasks.map((x) => x.lane));
    const starts = (r) => r.tasks.flatMap((x) => x.spans.filter((s) => s.kind === 'start').map((s) => s.endMs - s.startMs));
    assert.equal(starts(interp.result).length, lanes.size, 'one start per interpreter');
    assert.ok([...lanes].every((l) => /^InterpreterPoolExecutor-0_\d+$/.test(l)), [...lanes].join());
    for (const x of interp.result.tasks) assert.equal(x.spans.filter((s) => s.kind === 'message').length, 2, `task ${x.id}: arguments in, result out`);
    // Its own GIL: no thread ever waits for another's.
    assert.ok(interp.result.tasks.every((x) => (x.gilWaitMs ?? 0) < 5), 'no GIL contention between interpreters');
    // Start-up: an interpreter (a fresh instance on a kept thread) against a process (a Worker and its own instance).
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    assert.ok(median(starts(interp.result)) < median(starts(proc.result)), `interpreter start ${median(starts(interp.result)).toFixed(1)} ms vs process ${median(starts(proc.result)).toFixed(1)} ms`);
    // Mandelbrot's bands cross back whole: the same value, and the image's rows arrive.
    const m = { workload: 'cpu-mandelbrot', tasks: 4, size: 200 };
    const [ms, mi] = [await page.evaluate((s) => window.lab.run(s), { ...m, mode: 'sequential' }), await page.evaluate((s) => window.lab.run(s), { ...m, mode: 'interpreters' })];
    assert.equal(mi.value, ms.value);
    // Large data: 100,000 items to each of 4 tasks with little work: threads share it, interpreters unpickle it.
    const data = { workload: 'cpu-primes', tasks: 4, size: 100_000, inputItems: 100_000, workers: 4 };
    const [threads, crossing] = await medians(page, [{ ...data, mode: 'threads-gil' }, { ...data, mode: 'interpreters' }]);
    assert.equal(crossing.result.spec.inputItems, 100_000);
    assert.equal(threads.result.spec.inputItems, undefined, 'nothing crosses between threads');
    assert.ok(crossing.wallMs > threads.wallMs, `with 100,000 items crossing: interpreters ${crossing.wallMs.toFixed(1)} ms, threads ${threads.wallMs.toFixed(1)} ms`);
    // Bad input names the field and its range.
    const err = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'interpreters', inputItems: -1 }).catch((e) => ({ name: e.name, field: e.field, allowed: e.allowed })));
    assert.deepEqual(err, { name: 'SpecError', field: 'inputItems', allowed: '0..1000000' });
    assert.deepEqual(errors, []);
    if (cores < 2) return t.skip('one core: nothing parallel to measure');
    assert.ok(seq.wallMs / interp.wallMs >= 1.4, `interpreters ${interp.wallMs.toFixed(0)} ms vs sequential ${seq.wallMs.toFixed(0)} ms`);
  } finally {
    await context.close();
  }
});

test('interpreters in the playground: the items field, and a timeline whose start-up and messages are in sight and in the legend', async () => {
  const { context, page, errors } = await freshPage(session.browser, session.server.url, '#playground');
  try {
    await page.selectOption('#f-workload', 'cpu-primes');
    await page.selectOption('#f-mode', 'interpreters');
    assert.match(await page.textContent('label[for=f-inputItems]'), /Items passed to each task/);
    await page.fill('#f-tasks', '4');
    await page.fill('#f-size', '400000');
    await page.fill('#f-workers', '2');
    await page.fill('#f-inputItems', '100000');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#timeline')?.dataset.mode === 'interpreters', null, { timeout: 30_000 });
    await page.waitForSelector('#timeline .span-start');
    assert.match(await page.textContent('.timeline-caption'), /100,000 items passed to each task, interpreters \(2 workers\)/);
    // A start-up or a message lasts a fraction of a millisecond: drawn at least 3 px wide, never lost.
    for (const kind of ['start', 'message']) {
      const widths = await page.$$eval(`#timeline .tl-task .span-${kind}`, (els) => els.map((e) => e.getBoundingClientRect().width));
      assert.ok(widths.length > 0 && widths.every((w) => w >= 3), `${kind}: ${widths}`);
    }
    const legend = await page.textContent('#timeline .tl-legend');
    assert.match(legend, /message \(pickled task or result\)/);
    assert.match(legend, /start-up \(a process or an interpreter\)/);
    // The lanes of one pool differ only in their number: a long name keeps it in sight when cut.
    const tails = await page.$$eval('#timeline .lane-name .lane-tail', (els) => els.map((e) => e.textContent));
    assert.deepEqual(tails, ['-0_0', '-0_1']);
    await page.locator('#timeline').scrollIntoViewIfNeeded();
    await shot(page, 'interpreters-timeline');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
