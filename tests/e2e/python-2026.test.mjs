// Python's concurrency as it is in 2026 (issue: C code that releases the GIL, free-threaded 3.14t,
// subinterpreters), through window.lab, as rules read from each run's record: who held a GIL, what ran at
// once, what crossed between interpreters. How much faster each is on this machine is a figure the bench
// measures with the load beside it (bench/experiments/figures.mjs "speedups", python314.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshPage, labSession, painted, shot } from './helpers.mjs';
import { overlappingSpans, parallelShare } from './rules.mjs';

// One page for the runs through window.lab (none needs a fresh engine); the form's tests open their own.
const session = labSession({ page: true });
const total = (r, kind) => r.tasks.flatMap((t) => t.spans).filter((s) => s.kind === kind).reduce((a, s) => a + s.endMs - s.startMs, 0);
/** The `kind` spans of a run as intervals, one per span (for parallelShare). */
const spansOf = (r, kind) => r.tasks.flatMap((t) => t.spans.filter((s) => s.kind === kind));
const run = (page, spec) => page.evaluate((s) => window.lab.run(s), spec);

test('C code that releases the GIL runs on both threads at once; the same work as pure Python runs one thread at a time', async (t) => {
  const { page } = session;
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const base = { workload: 'cpu-primes', mode: 'threads-gil', tasks: 8, workers: 2 };
  const pure = await run(page, base);
  const c = await run(page, { ...base, releasesGil: true });
  console.log(`# pure Python ${pure.wallMs.toFixed(0)} ms, releasesGil ${c.wallMs.toFixed(0)} ms (the bench measures the speedup)`);
  assert.equal(pure.value, c.value, 'the same work, the same value');
  assert.equal(c.spec.releasesGil, true);
  // The timeline: the kernel without the GIL, the GIL held only at the call's ends.
  const nogil = total(c, 'run-nogil');
  assert.ok(nogil > 0 && total(c, 'run') < nogil / 10, `run-nogil ${nogil}, run ${total(c, 'run')}`);
  const gilWait = c.tasks.reduce((a, x) => a + (x.gilWaitMs ?? 0), 0);
  assert.ok(gilWait <= (2 * c.wallMs) / 5, `total GIL wait ${gilWait.toFixed(0)} ms over ${c.wallMs.toFixed(0)} ms`);
  // Pure Python: one thread at a time.
  assert.deepEqual(overlappingSpans(pure.tasks).slice(0, 3), [], 'two threads ran Python at once');
  if (cores < 2) return t.skip('one core: nothing parallel to see');
  const share = parallelShare(spansOf(c, 'run-nogil'));
  assert.ok(share >= 0.5, `the two threads' C code ran at once only ${(100 * share).toFixed(0)}% of the time`);
});

test('free-threaded runs CPU work on both threads at once with no GIL wait, and spends its overhead', async (t) => {
  const { page } = session;
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const base = { workload: 'cpu-primes', tasks: 8, workers: 2 };
  const gil = await run(page, { ...base, mode: 'threads-gil' });
  const free = await run(page, { ...base, mode: 'free-threaded' });
  assert.equal(gil.value, free.value);
  assert.equal(free.spec.freeThreadedOverheadPct, 8);
  assert.equal(total(free, 'gil-wait'), 0, 'no GIL wait recorded');
  assert.ok(free.tasks.every((x) => !x.gilWaitMs));
  // The overhead never touches the value. That it is spent in the run's own CPU time is a rule tested
  // natively on a clock that moves only when read (src/core/mode/free_threaded.rs); how much time it costs
  // here is a figure, which the bench measures beside the machine's load ("free-threaded overhead 50%",
  // checked by its smoke run): two wall times compared here went the wrong way beside another test.
  const one = { ...base, mode: 'free-threaded', workers: 1, tasks: 4 };
  const plain = await run(page, { ...one, freeThreadedOverheadPct: 0 });
  const costly = await run(page, { ...one, freeThreadedOverheadPct: 50 });
  console.log(`# threads-gil ${gil.wallMs.toFixed(0)} ms, free-threaded ${free.wallMs.toFixed(0)} ms; one worker: no overhead ${plain.wallMs.toFixed(0)} ms, 50% ${costly.wallMs.toFixed(0)} ms`);
  assert.equal(costly.value, plain.value);
  assert.equal(costly.spec.freeThreadedOverheadPct, 50);
  // A bad value is named with its range.
  const err = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'free-threaded', freeThreadedOverheadPct: 80 }).catch((e) => ({ name: e.name, field: e.field, allowed: e.allowed })));
  assert.deepEqual(err, { name: 'SpecError', field: 'freeThreadedOverheadPct', allowed: '0..50' });
  if (cores < 2) return t.skip('one core: nothing parallel to see');
  const share = parallelShare(free.tasks);
  assert.ok(share >= 0.5, `free-threaded: two tasks at once only ${(100 * share).toFixed(0)}% of the time`);
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
    await page.waitForFunction(() => [...document.querySelectorAll('#timeline .tl-canvas')].some((c) => /(^| )run-nogil:/.test(c.dataset.kinds ?? '')), null, { timeout: 30_000 });
    await page.locator('#timeline').scrollIntoViewIfNeeded();
    await shot(page, 'releases-gil-timeline');
    const h = await page.evaluate(() => window.lab.history());
    assert.equal(h.at(-1).spec.releasesGil, true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('interpreters: CPU work at once, a start-up shorter than a process, and large data unpickled in each', async (t) => {
  const { page, errors } = session;
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const work = { workload: 'cpu-primes', tasks: 8 };
  const seq = await run(page, { ...work, mode: 'sequential' });
  const interp = await run(page, { ...work, mode: 'interpreters', workers: 2 });
  const proc = await run(page, { ...work, mode: 'processes', workers: 2 });
  assert.equal(interp.value, seq.value, 'every mode computes the same value');
  assert.equal(proc.value, seq.value);
  assert.equal(interp.spec.workers, 2);
  // Each interpreter thread starts its interpreter once (span `start`), and every task crosses both ways.
  const lanes = new Set(interp.tasks.map((x) => x.lane));
  const starts = (r) => r.tasks.flatMap((x) => x.spans.filter((s) => s.kind === 'start').map((s) => s.endMs - s.startMs));
  assert.equal(starts(interp).length, lanes.size, 'one start per interpreter');
  assert.ok([...lanes].every((l) => /^InterpreterPoolExecutor-0_\d+$/.test(l)), [...lanes].join());
  for (const x of interp.tasks) assert.equal(x.spans.filter((s) => s.kind === 'message').length, 2, `task ${x.id}: arguments in, result out`);
  // Its own GIL: no thread ever waits for another's.
  assert.ok(interp.tasks.every((x) => (x.gilWaitMs ?? 0) < 5), 'no GIL contention between interpreters');
  // Start-up: an interpreter (a fresh instance of a 5 KB module on a kept thread, about a millisecond)
  // against a process (a Worker and its own instance, tens of ms): an order no busy machine reverses.
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  assert.ok(median(starts(interp)) < median(starts(proc)), `interpreter start ${median(starts(interp)).toFixed(1)} ms vs process ${median(starts(proc)).toFixed(1)} ms`);
  // Mandelbrot's bands cross back whole: the same value, and the image's rows arrive.
  const m = { workload: 'cpu-mandelbrot', tasks: 4, size: 200 };
  const [ms, mi] = [await run(page, { ...m, mode: 'sequential' }), await run(page, { ...m, mode: 'interpreters' })];
  assert.equal(mi.value, ms.value);
  // Large data: 100,000 items to each of 4 tasks: threads share them, each interpreter receives its items
  // pickled (what that costs against threads is the bench's figure, python314.mjs "large data").
  const data = { workload: 'cpu-primes', tasks: 4, size: 100_000, inputItems: 100_000, workers: 4 };
  const threads = await run(page, { ...data, mode: 'threads-gil' });
  const crossing = await run(page, { ...data, mode: 'interpreters' });
  assert.equal(crossing.value, threads.value);
  assert.equal(crossing.spec.inputItems, 100_000);
  assert.equal(threads.spec.inputItems, undefined, 'nothing crosses between threads');
  assert.ok(crossing.tasks.every((x) => x.spans.filter((s) => s.kind === 'message').length === 2), 'each task\'s items crossed in, its result out');
  // Bad input names the field and its range.
  const err = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'interpreters', inputItems: -1 }).catch((e) => ({ name: e.name, field: e.field, allowed: e.allowed })));
  assert.deepEqual(err, { name: 'SpecError', field: 'inputItems', allowed: '0..1000000' });
  assert.deepEqual(errors, []);
  if (cores < 2) return t.skip('one core: nothing parallel to see');
  const share = parallelShare(interp.tasks);
  assert.ok(share >= 0.5, `interpreters: two tasks at once only ${(100 * share).toFixed(0)}% of the time`);
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
    // The finished run's drawing (data-live="false"), not the live one drawn as its first tasks finish
    // (caption "running… 1 task finished"), which a busy machine left on screen when this was read.
    await page.waitForFunction(() => {
      const el = document.querySelector('#timeline');
      return el?.dataset.mode === 'interpreters' && el.dataset.live === 'false';
    }, null, { timeout: 30_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#timeline .tl-canvas')].some((c) => /(^| )start:/.test(c.dataset.kinds ?? '')));
    assert.match(await page.textContent('.timeline-caption'), /100,000 items passed to each task, interpreters \(2 workers\)/);
    // A start-up or a message lasts a fraction of a millisecond: drawn at least 3 px wide, never lost.
    const drawn = await painted(page, '#timeline .tl-plot');
    for (const kind of ['start', 'message']) assert.ok(drawn.count[kind] > 0 && drawn.narrowest[kind] >= 3, `${kind}: ${JSON.stringify(drawn)}`);
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
