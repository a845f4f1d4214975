// The lesson as a path: the page opens on the lesson's chapters; each chapter's experiments, run from a
// fresh page through the chapter view's button (and, for one chapter, `lab.lesson.run(id)`), bear its claims out
// where the machine is quiet (within 30 s), and never call them false however busy it is: how busy is read
// from the operating system during each run (./load.mjs), not from the lab; the chapter view, screenshotted;
// and on the same page, what a learner sees before and after the run (./learner-checks.mjs: no developer
// word, axe-core with no violation at 1280 and 360 px, light and dark, nothing cut from 320 px up).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { freshPage, labSession, shot } from './helpers.mjs';
import { asideMs, comparesOf, describeLoad, loadClass, machinesOf, othersDuring, shownClaims, verdictRule } from './load.mjs';
import { loadTs } from '../unit/load-ts.mjs';
import { afterRun, beforeRun } from './learner-checks.mjs';
import { assertCoresAtMost } from '../browsers/chapter.mjs';
import { noteEngine } from '../browsers/results.mjs';

const session = labSession();
/** The verdict module, for its rule on which claims need an idle machine. */
let verdicts;
/** Each chapter's claims, from the chapter catalogue the page reads. */
let claimsOf;
before(async () => {
  verdicts = await loadTs('www/src/measure/verdicts.ts');
  const { CHAPTERS } = await loadTs('www/src/lesson/chapters.ts');
  claimsOf = Object.fromEntries(CHAPTERS.map((c) => [c.id, c.claims]));
});
const fresh = (path = '') => freshPage(session.browser, session.server.url, path);

const IDS = ['threads-vs-processes', 'asyncio', 'gil', 'api-calls', 'throughput', 'numpy', 'free-threading', 'subinterpreters', 'convoy'];

test('a plain address opens on the lesson: chapters in its order, the quick bar, nothing run', async () => {
  const { context, page, errors } = await fresh();
  assert.deepEqual((await page.evaluate(() => window.lab.lesson.chapters())).map((c) => c.id), IDS);
  assert.equal(await page.isVisible('#lesson'), true);
  assert.equal(await page.isVisible('#playground'), false);
  assert.equal(await page.isVisible('#quick-compare'), true);
  assert.equal(await page.isVisible('#quick-workload'), true);
  assert.equal(await page.getAttribute('article.chapter', 'data-chapter'), 'threads-vs-processes');
  assert.deepEqual(await page.evaluate(() => window.lab.history()), [], 'opening the page runs nothing');
  await shot(page, 'lesson-first-screen');
  // The playground is one click away and keeps its form.
  await page.click('#tab-playground');
  await page.waitForSelector('#f-workload', { state: 'visible', timeout: 5_000 });
  assert.equal(await page.isVisible('#lesson'), false, 'one view at a time');
  await page.click('#tab-lesson');
  assert.equal(await page.isVisible('article.chapter'), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an unknown chapter is a SpecError naming the field and the ids; the page says so and shows the first', async () => {
  const { context, page } = await fresh('?chapter=nope');
  const err = await page.evaluate(() => window.lab.lesson.run('nope').catch((e) => ({ name: e.name, field: e.field, allowed: e.allowed })));
  assert.deepEqual(err, { name: 'SpecError', field: 'chapter', allowed: IDS.join(', ') });
  assert.match(await page.textContent('#link-error'), /chapter must be one of threads-vs-processes, asyncio/);
  assert.equal(await page.getAttribute('article.chapter', 'data-chapter'), 'threads-vs-processes');
  await context.close();
});

/** One run of a chapter judged against the machine's load as the operating system saw it; reported either way. */
function judge(t, id, how, claims, machines, load, tookMs, setAsideMs) {
  const rule = verdictRule({ claims, machines, load, needsIdle: verdicts.NEEDS_IDLE_MACHINE, busyShare: verdicts.BUSY_SHARE });
  t.diagnostic(`${id}, ${how}: ${describeLoad(load)} (${rule.cls}); probes ${machines.map((m) => m.probes.join(' ')).join(' | ')}; ${claims.map((c) => `${c.id} ${c.verdict}`).join(', ')}; ${tookMs} ms`);
  assert.deepEqual(rule.problems, [], `${id}, ${how}, ${describeLoad(load)}: ${rule.problems.join('; ')}`);
  // Within 30 s (and the rounds set aside, which no budget counts) where nothing else slowed it down.
  if (loadClass(load) === 'quiet') assert.ok(tookMs < 30_000 + setAsideMs, `${id}, ${how}: took ${tookMs} ms on a quiet machine (${setAsideMs} ms in rounds set aside)`);
  return rule;
}

// Each chapter once, as a learner runs it: a fresh page, the chapter's button, the verdicts it shows and
// the timeline that shows why. (Each chapter used to run twice, through `lab.lesson.run` and then the
// button; both go through the same lesson/run.ts, so the API's own path is tested once, below, on a
// chapter of each kind's neighbour, and the suite spends its time on chapters, not on repeats.)
for (const id of IDS) {
  test(`chapter ${id}: from a fresh page, its button's run bears its claims out on a quiet machine (within 30 s) and never calls them false`, async (t) => {
    const { context, page, errors } = await fresh(`?chapter=${id}`);
    try {
      assert.equal(await page.getAttribute('article.chapter', 'data-chapter'), id);
      // What a learner sees, before the run and after it (./learner-checks.mjs): no developer word, axe-core
      // with no violation, nothing cut or past the edge; each problem named, all asserted at the end.
      const before = await beforeRun(page, id);
      const t0 = Date.now();
      const { value: shown, load } = await othersDuring(async () => {
        await page.click('#chapter-run');
        await page.waitForSelector('article.chapter[data-state=done]', { timeout: 180_000 });
        return shownClaims(page);
      });
      const took = Date.now() - t0;
      assert.ok(claimsOf[id].length >= 1, `${id} tests claims`);
      assert.deepEqual(shown.map((c) => c.id).sort(), [...claimsOf[id]].sort(), 'the view shows the chapter\'s claims');
      // Each Compare of the run, from the rows it recorded (one per mode, sharing its measurement).
      const { rows, machines } = comparesOf(await page.evaluate(() => window.lab.history()));
      const rule = judge(t, id, 'the chapter\'s button', shown, machines, load, took, rows.reduce((ms, r) => ms + asideMs(r), 0));
      // No engine restart, and the cores the page counts at most the machine's (as the cross-browser suite
      // checks in the other engines; its gil chapter from a fresh page in Chromium is this test's, and the
      // browser table's Chromium line is noted here).
      const status = await page.evaluate(() => window.lab.status());
      assert.equal(status.lastCrash, undefined, 'no engine restart');
      await assertCoresAtMost(status, `after the ${id} chapter`);
      if (id === 'gil') {
        const gil = { verdicts: Object.fromEntries(shown.map((c) => [c.id, c.verdict])), load: rule.cls };
        noteEngine('chromium', { gil, gilPages: [gil] });
      }
      assert.match(await page.textContent('.chapter-timeline'), /ms on \d+ lane/, 'the timeline that shows why is drawn');
      assert.match(await page.textContent('.look-at'), /What to look at/);
      assert.match(await page.textContent('.cpython'), /CPython/);
      // The mixed presets are sized for this machine: about 0.6 s of computing, where nothing else slows it down.
      if (id === 'throughput' && loadClass(load) === 'quiet') {
        const sequential = (await page.evaluate(() => window.lab.history())).filter((r) => r.spec.mode === 'sequential');
        assert.equal(sequential.length, 2, 'both presets ran sequentially');
        for (const r of sequential) assert.ok(r.wallMs <= 2200, `${r.spec.preset ?? JSON.stringify(r.spec)}: sequential ${r.wallMs} ms`);
      }
      if (id === 'convoy') {
        // The chapter's budget keeps it within 30 s, however slow the machine (its own claims in their order,
        // the per-call figures beside CPython's, why, and the note that the I/O is not a browser fetch).
        assert.ok(took < 30_000, `convoy took ${took} ms`);
        assert.deepEqual(shown.map((c) => c.id), ['convoy-effect', 'convoy-interval', 'convoy-free-threaded']);
        const calls = await page.$$eval('table.convoy-calls tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
        assert.equal(calls.length, 4);
        for (const r of calls) assert.match(r[1], /\d+(\.\d)? ms$/, `the I/O thread's total: ${r}`);
        assert.match(calls[1][4], /196 ms, p99 5\.30 ms/);
        assert.match(calls[1][5], /\d×$/);
        assert.match(await page.textContent('.convoy-why'), /retakes it at once/);
        assert.match(await page.textContent('.lesson-note'), /not a browser fetch/);
      }
      if (id === 'asyncio') assert.match(await page.textContent('.output'), /Start fetching\.\.\.[\s\S]*Done!/);
      if (id === 'api-calls' || id === 'asyncio') assert.match(await page.textContent('.lesson-code'), /asyncio\.run\(/);
      await shot(page, `lesson-${id}`);
      const after = await afterRun(page, id, IDS.indexOf(id) + 1, t);
      const scans = [...before.scans, ...after.scans];
      assert.ok(scans.length === 6 && Math.min(...scans) >= 20, `the axe scans looked (rules passed in each): ${scans}`);
      assert.deepEqual([...before.problems, ...after.problems], []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

// The API's own path, as a host page runs a chapter: the cheapest chapter (`api-calls`, one Compare of I/O),
// since the button's run above goes through the same lesson/run.ts for every chapter.
test('lab.lesson.run, as a host page runs a chapter: its results by name, its claims judged by the same rule', async (t) => {
  const { context, page, errors } = await fresh('?chapter=api-calls');
  try {
    const t0 = Date.now();
    const { value: out, load } = await othersDuring(() => page.evaluate(() => window.lab.lesson.run('api-calls')));
    const aside = Object.values(out.outcomes).reduce((ms, o) => ms + asideMs(Object.values(o).find((r) => r.measurement)), 0);
    assert.deepEqual(out.claims.map((c) => c.id).sort(), [...claimsOf['api-calls']].sort());
    judge(t, 'api-calls', 'lab.lesson.run', out.claims, machinesOf(out), load, Date.now() - t0, aside);
    assert.ok(out.results.length >= 2, `${out.results.length} results`);
    for (const { name, result } of out.results) {
      assert.match(name, /^[a-z0-9-]+\/[a-z-]+$/);
      assert.ok(result.wallMs > 0 || result.error, name);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

// A chapter link runs nothing by itself and autorun=1 runs it: path-state.test.mjs (what a link does, never how
// fast: it runs two at a time with the other such files).
