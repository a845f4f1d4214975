// The lesson as a path: the page opens on the lesson's chapters; each chapter's experiment, run from a
// fresh page through `lab.lesson.run(id)`, bears its claims out on this idle machine (never contradicts
// them on any), within 30 s; the chapter view after a click, screenshotted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asideTime, freshPage, labSession, shot } from './helpers.mjs';

const session = labSession();
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

for (const id of IDS) {
  test(`chapter ${id}: from a fresh page, its claims are borne out (never contradicted), within 30 s`, async () => {
    const { context, page, errors } = await fresh(`?chapter=${id}`);
    try {
      assert.equal(await page.getAttribute('article.chapter', 'data-chapter'), id);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      /** Runs the chapter as `lab.lesson.run` does; never contradicted, and on time. */
      const runChapter = async () => {
        const t0 = Date.now();
        const out = await page.evaluate((c) => window.lab.lesson.run(c), id);
        const took = Date.now() - t0;
        // Rounds set aside for a busy probe are not charged to a Compare's budget: they add their own time.
        const asideMs = Object.values(out.outcomes).reduce((ms, o) => ms + asideTime(Object.values(o).find((r) => r.measurement)), 0);
        assert.ok(took < 30_000 + asideMs, `${id} took ${took} ms (${asideMs} ms in rounds set aside)`);
        assert.ok(out.claims.length >= 1, `${id} decides claims`);
        for (const c of out.claims) assert.notEqual(c.verdict, 'not-borne-out', `${id}: ${c.id}: ${c.measured.text} ${c.why ?? ''}`);
        return out;
      };
      let out = await runChapter();
      // A claim left open only because its rounds fell on both sides of the line (a moment's hiccup of the
      // host in one round is enough) is what a learner runs again: one more run of the chapter, which must
      // then bear it out. A claim the model got wrong stays open (or contradicted) run after run.
      const straddled = out.claims.filter((c) => c.verdict === 'inconclusive' && c.undecided && !/busy/.test(c.why ?? ''));
      if (cores > 1 && straddled.length) {
        console.log(`# ${id}: run again, as a learner would: ${straddled.map((c) => `${c.id} ${c.measured.text}`).join('; ')}`);
        out = await runChapter();
      }
      // Borne out on an idle machine; where the lab's probe found the cores busy, or there is one core
      // (nothing can run at once), a claim may be left open, and says why.
      for (const c of out.claims) {
        if (c.verdict !== 'borne-out') assert.match(c.why ?? '', cores === 1 ? /one core/ : /busy/, `${id}: ${c.id} on this idle machine: ${c.measured.text} ${c.why ?? ''}`);
      }
      for (const { name, result } of out.results) {
        assert.match(name, /^[a-z0-9-]+\/[a-z-]+$/);
        assert.ok(result.wallMs > 0 || result.error, name);
      }
      // The chapter view, driven by a click as a learner would.
      await page.click('#chapter-run');
      await page.waitForSelector('article.chapter[data-state=done]', { timeout: 40_000 });
      const shown = await page.$$eval('.chapter-claims .claim', (els) => els.map((e) => e.dataset.verdict));
      assert.ok(shown.length >= 1 && !shown.includes('not-borne-out'), `${id}: ${shown}`);
      assert.match(await page.textContent('.chapter-timeline'), /ms on \d+ lane/, 'the timeline that shows why is drawn');
      assert.match(await page.textContent('.look-at'), /What to look at/);
      assert.match(await page.textContent('.cpython'), /CPython/);
      if (id === 'asyncio') assert.match(await page.textContent('.output'), /Start fetching\.\.\.[\s\S]*Done!/);
      if (id === 'api-calls' || id === 'asyncio') assert.match(await page.textContent('.lesson-code'), /asyncio\.run\(/);
      await shot(page, `lesson-${id}`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test('a chapter link runs nothing by itself; autorun=1 runs it', async () => {
  const { context, page } = await fresh('?chapter=api-calls');
  await page.waitForTimeout(500);
  assert.deepEqual(await page.evaluate(() => window.lab.history()), []);
  await page.goto(`${session.server.url}?chapter=api-calls&autorun=1`);
  await page.waitForSelector('article.chapter[data-state=done]', { timeout: 40_000 });
  assert.ok((await page.evaluate(() => window.lab.history())).length >= 2);
  await context.close();
});
