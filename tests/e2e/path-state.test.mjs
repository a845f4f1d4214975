// State you can trust, and the finished embed: share links that reproduce what is on screen (and run
// nothing by themselves), history speedups that never change after later runs, every bad link parameter
// named by its label, the timeline drawn while a run goes, no main-thread task over 50 ms during a job,
// embed.html at 700x500 and 360 px, and axe on the lesson views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { freshPage, labSession, shot } from './helpers.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const session = labSession();
const fresh = (path = '', viewport) => freshPage(session.browser, session.server.url, path, viewport);

async function axe(page, label) {
  await page.evaluate(AXE);
  const bad = await page.evaluate(() =>
    window.axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
      .then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join('; ')}`)),
  );
  assert.deepEqual(bad, [], label);
}

test('a share link reproduces the playground exactly (every field, workers too), runs nothing, and a reload adds no rows', async () => {
  const { context, page } = await fresh('#playground');
  await page.selectOption('#f-workload', 'io-sleep');
  await page.selectOption('#f-mode', 'threads-gil');
  await page.fill('#f-tasks', '5');
  await page.fill('#f-latencyMs', '40');
  await page.fill('#f-workers', '3');
  await page.locator('#f-workers').dispatchEvent('change');
  await page.click('#run');
  await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 1);
  await page.click('#share');
  const link = await page.inputValue('#share-link');
  const url = new URL(link);
  assert.deepEqual(
    Object.fromEntries(url.searchParams),
    { workload: 'io-sleep', mode: 'threads-gil', tasks: '5', latencyMs: '40', onError: 'raise', workers: '3' },
    link,
  );
  await page.keyboard.press('Escape');
  const other = await context.newPage();
  await other.goto(link);
  await other.evaluate(() => window.lab.ready);
  for (const [sel, v] of [['#f-workload', 'io-sleep'], ['#f-mode', 'threads-gil'], ['#f-tasks', '5'], ['#f-latencyMs', '40'], ['#f-workers', '3']]) {
    assert.equal(await other.inputValue(sel), v, sel);
  }
  await other.waitForTimeout(400);
  assert.equal((await other.evaluate(() => window.lab.history())).length, 1, 'opening the link ran nothing');
  await other.reload();
  await other.evaluate(() => window.lab.ready);
  await other.waitForFunction(() => document.querySelectorAll('#results tbody tr').length >= 1);
  await other.waitForTimeout(300);
  assert.equal(await other.locator('#results tbody tr').count(), 1, 'a reload never duplicates rows');

  // A chapter's link is its chapter.
  await page.click('#tab-lesson');
  await page.click('.chapter-list a >> text=The GIL explained');
  await page.click('#quick-share');
  assert.equal(new URL(await page.inputValue('#share-link')).search, '?chapter=gil');
  await context.close();
});

test("a result's speedup stays what it was when recorded, whatever runs later", async () => {
  const { context, page } = await fresh('#playground');
  const spec = { workload: 'io-sleep', tasks: 4, latencyMs: 60 };
  await page.evaluate((s) => window.lab.run({ ...s, mode: 'sequential' }), spec);
  await page.evaluate((s) => window.lab.run({ ...s, mode: 'asyncio' }), spec);
  const before = await page.$$eval('#results tbody tr', (rows) => rows.map((r) => r.children[7].textContent));
  // A later sequential run of the same work (its wall time differs a little) must not rewrite the older rows.
  await page.evaluate((s) => window.lab.run({ ...s, mode: 'sequential' }), spec);
  const h = await page.evaluate(() => window.lab.history());
  const after = await page.$$eval('#results tbody tr', (rows) => rows.map((r) => r.children[7].textContent));
  assert.deepEqual(after.slice(0, 2), before);
  assert.equal(after[1], `${(h[0].wallMs / h[1].wallMs).toFixed(2)}×`, 'against the sequential run recorded before it');
  assert.equal(after[2], '1.00×', 'the new sequential row is its own baseline');

  // Clear results, then Undo: exactly what was cleared comes back.
  await page.click('#clear-results');
  await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 0);
  assert.deepEqual(await page.evaluate(() => window.lab.history()), []);
  await page.click('#undo-clear');
  await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 3);
  assert.deepEqual((await page.evaluate(() => window.lab.history())).map((r) => r.runId), h.map((r) => r.runId));
  await context.close();
});

test('every bad link parameter is named by its label with its allowed values; an unknown mode is named, not replaced', async () => {
  const { context, page } = await fresh('?workload=cpu-mandelbrot&mode=nope&tasks=0&size=99999&taks=3');
  await page.waitForSelector('#form-error:not([hidden])');
  const text = await page.textContent('#form-error');
  assert.match(text, /Mode must be one of sequential, asyncio/);
  assert.match(text, /Tasks must be a whole number in 1\.\.1000 \(got 0\)/);
  assert.match(text, /Image size \(px\) must be a whole number in 16\.\.5792/);
  assert.match(text, /unknown field "taks"/);
  for (const name of ['mode', 'tasks', 'size']) assert.equal(await page.getAttribute(`[name="${name}"]`, 'aria-invalid'), 'true', name);
  const err = await page.evaluate(() => window.lab.validate({ workload: 'nope', mode: 'sequential', tasks: 'x' }).catch((e) => ({ errors: e.errors })));
  assert.deepEqual(err.errors.map((e) => e.field), ['workload', 'tasks']);
  assert.ok(err.errors.every((e) => e.label && e.allowed));
  // The range shown is the range accepted.
  const hint = await page.textContent('#h-size');
  assert.match(hint, /16\.\.5,792/);
  await context.close();
});

test('the timeline is drawn while a run goes; no main-thread task over 50 ms during a job', async () => {
  // Measured twice at most: on a 2-core machine whose cores the jobs' workers fill, the host can hold the
  // page's thread back once, and a task of 20 ms then ends 60 ms later. Lab work on the main thread would
  // make long tasks in every attempt, so the test still fails on it.
  const attempts = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const { context, page } = await fresh('#playground');
    await page.evaluate(() => window.lab.resetFrameLag());
    const seenLive = page.waitForSelector('#timeline[data-live=true]', { timeout: 20_000 });
    // The Results stay in the page: handing one to the test would make Playwright serialise it on the main
    // thread, in the same task as the run's end (a Result with its events takes it past 50 ms).
    const run = page.evaluate(() => window.lab.run({ workload: 'cpu-mandelbrot', mode: 'threads-gil', tasks: 24 }).then(() => undefined));
    await seenLive;
    assert.match(await page.textContent('#timeline .timeline-caption'), /running… \d+ tasks? finished/);
    await run;
    await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'processes' }).then(() => undefined));
    const lag = await page.evaluate(() => window.lab.frameLag());
    await context.close();
    assert.ok(lag.samples > 50, `event-loop lag samples: ${lag.samples}`);
    const long = lag.longTasksMs.filter((ms) => ms > 50);
    console.log(`# event-loop lag during the jobs: p99 ${lag.p99Ms.toFixed(1)} ms, max ${lag.maxMs.toFixed(1)} ms over ${lag.samples} samples; tasks over 50 ms: ${long.map((ms) => ms.toFixed(0)).join(', ') || 'none'}`);
    attempts.push(long);
    if (long.length === 0) break;
  }
  assert.deepEqual(attempts.at(-1), [], `main-thread tasks over 50 ms in every attempt: ${JSON.stringify(attempts)}`);
});

for (const [width, height] of [[700, 500], [360, 640]]) {
  test(`embed.html at ${width}x${height}: the claim and Run first, the caption right, every column in view, no storage error text`, async () => {
    const { context, page } = await fresh('embed.html?workload=io-fetch&mode=compare&latencyMs=100', { width, height });
    assert.equal(await page.isVisible('#run'), true);
    assert.match(await page.textContent('#embed-claims'), /asyncio runs many waiting tasks/);
    const runBox = await page.locator('#run').boundingBox();
    assert.ok(runBox.y + runBox.height <= height, 'Run is on the first screen');
    await shot(page, `embed-${width}-first`);
    await page.click('#run');
    await page.waitForSelector('#compare-view[data-state=done]', { timeout: 60_000 });
    assert.match(await page.textContent('#compare-view caption'), /^io-fetch, 8 tasks, 100 ms latency: every mode/);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scrolling');
    // Every row's Timeline button lies inside the frame.
    const right = await page.$$eval('#compare-view .show-timeline', (bs) => Math.max(...bs.map((b) => b.getBoundingClientRect().right)));
    assert.ok(right <= width, `Timeline buttons end at ${right} px`);
    assert.doesNotMatch(await page.textContent('body'), /denied|DOMException|UnknownError/);
    await shot(page, `embed-${width}-compare`);
    await context.close();
  });
}

test('embed.html?chapter=gil embeds one chapter; a host run of one mode is titled as one mode', async () => {
  const { context, page } = await fresh('embed.html?chapter=gil', { width: 700, height: 500 });
  assert.equal(await page.getAttribute('article.chapter', 'data-chapter'), 'gil');
  assert.equal(await page.locator('.chapter-list').count(), 0, 'one chapter alone');
  assert.match(await page.textContent('#experiment-title'), /The GIL explained/);
  await axe(page, 'embedded chapter');
  await context.close();
});

test('axe: the lesson view and a chapter after its run, no serious or critical issues', async () => {
  const { context, page } = await fresh('?chapter=api-calls');
  await axe(page, 'lesson view');
  await page.click('#chapter-run');
  await page.waitForSelector('article.chapter[data-state=done]', { timeout: 40_000 });
  await axe(page, 'chapter after its run');
  await context.close();
});
