// The page speaks to a learner (issue 23, item 2): the status line is one sentence, the lab's own words (API
// fields, builds, the engine, source files) behind its Details, where the search finds them (so the search
// can fail); the Playground's tables and the embed (one chapter; one compare) show none of those words
// outside a Details disclosure. Every chapter is checked the same way, and with axe-core, screenshots and
// widths from 320 px, on the pages tests/e2e/lesson.test.mjs runs it on (./learner-checks.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, shot } from './helpers.mjs';
import { developerWords, shownText } from './learner-checks.mjs';

let server, browser;
before(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
});
after(async () => {
  await browser?.close();
  server?.close();
});

test('the status: one sentence on screen; the lab\'s words behind its Details, where the search finds them (so the search can fail)', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${server.url}?chapter=threads-vs-processes`);
  await page.evaluate(() => window.lab.ready);

  // The status: one sentence on screen; the lab's words are behind Details, where the search finds them.
  await page.waitForFunction(() => /ready\./.test(document.querySelector('#status .status-line')?.textContent ?? ''));
  const line = await page.innerText('#status .status-line');
  assert.match(line, /^Your browser: \d+ cores?, ready\./);
  assert.deepEqual(developerWords(await shownText(page, 'header')), [], 'the header, Details left out');
  assert.equal(await page.isVisible('#status .status-items'), false, 'the Details are closed');
  await page.click('#status .status-details > summary');
  const inside = developerWords(await shownText(page, '#status', false));
  assert.ok(inside.length >= 3, `the search finds the lab's words inside Details (it can fail): ${inside.join(' | ')}`);
  assert.ok(inside.some((w) => w.includes('Build:')) && inside.some((w) => /cross-origin/i.test(w)), inside.join(' | '));
  await page.click('#status .status-details > summary');
  assert.deepEqual(errors, []);
  await context.close();
});

test("the Playground's tables (a compare, the results): no developer word outside its developer details, where the Rust's paths are", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}?workload=io-sleep&tasks=4&latencyMs=50#playground`);
  await page.evaluate(() => window.lab.ready);
  await page.click('#compare');
  await page.waitForSelector('#compare-view[data-state=done]', { timeout: 120_000 });
  for (const sel of ['#compare-view', '#results']) assert.deepEqual(developerWords(await shownText(page, sel)), [], sel);
  assert.match(await page.innerText('#results thead'), /Threads/);
  assert.match(await page.innerText('#results tbody tr:last-child'), /side by side|taking turns on one/);
  // The Rust is there for developers, behind its disclosure: the search finds its paths once it is open.
  await page.click('#compare-view .developer-details > summary');
  const inside = developerWords(await shownText(page, '#compare-view', false));
  assert.ok(inside.some((w) => w.includes('src')), `the developer details hold the Rust's paths: ${inside.join(' | ')}`);
  await context.close();
});

test('the embed (a chapter; a compare): no developer word on screen outside Details', async () => {
  const context = await browser.newContext({ viewport: { width: 700, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}embed.html?chapter=api-calls`);
  await page.evaluate(() => window.lab.ready);
  await page.click('#chapter-run');
  await page.waitForSelector('article.chapter[data-state=done]', { timeout: 120_000 });
  assert.deepEqual(developerWords(await shownText(page, 'body')), [], 'the embed with a chapter');
  await shot(page, 'learner-embed-chapter');

  await page.goto(`${server.url}embed.html?workload=io-fetch&mode=compare&tasks=4&latencyMs=50`);
  await page.evaluate(() => window.lab.ready);
  await page.click('#run');
  await page.waitForSelector('#compare-view[data-state=done]', { timeout: 120_000 });
  await page.locator('#compare-view tr[data-mode=asyncio] .show-timeline').click();
  await page.waitForSelector('#result-summary:not(:empty)');
  assert.deepEqual(developerWords(await shownText(page, 'body')), [], 'the embed with a compare');
  assert.match(await page.innerText('#result-summary'), /^asyncio: .* wall time/);
  await shot(page, 'learner-embed-compare');
  await context.close();
});
