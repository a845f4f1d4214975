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
