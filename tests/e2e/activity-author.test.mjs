// For course authors (issue 24, items 5 and 6): author.html picks a chapter and an activity, previews it
// live, gives the iframe snippet (with `allow`, no host script needed) and shows the SPLICE messages the
// preview sends, answering its getState as a platform would (a reload of the preview restores). And the
// embed an author can trust: a frame sandboxed without allow-same-origin, served by the lab's own server,
// shows its message and a link to its own tab within 2 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, shot } from './helpers.mjs';
import { startHostServer } from './embed-helpers.mjs';
import { axeScan } from './axe.mjs';

let server, host, browser;

before(async () => {
  [server, host, browser] = await Promise.all([startServer(), startHostServer(), launch()]);
});
after(async () => {
  await browser?.close();
  await host?.close();
  server?.close();
});

test('author.html: pick, preview, copy the snippet, watch the SPLICE messages; the preview restores on reload', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${server.url}author.html?chapter=gil`);
  const snippet = () => page.inputValue('#author-snippet');
  assert.match(await snippet(), /embed\.html\?chapter=gil&amp;activity=predict"/);
  assert.match(await snippet(), /allow="cross-origin-isolated"/);
  assert.doesNotMatch(await snippet(), /<script/, 'no host script needed');
  await page.selectOption('#author-scoring', 'correct');
  assert.match(await snippet(), /chapter=gil&amp;activity=predict&amp;scoring=correct/);
  await page.fill('#author-origin', 'https://course.example.org');
  await page.dispatchEvent('#author-origin', 'change');
  assert.match(await snippet(), /parentOrigin=https%3A%2F%2Fcourse\.example\.org/);
  assert.match(await page.textContent('#author-host-notes'), /Canvas and Moodle do not speak SPLICE/);

  // The preview (without parentOrigin, as a SPLICE platform has it) asks for its state; the page answers.
  const frame = await (await page.waitForSelector('#author-preview')).contentFrame();
  await page.waitForFunction(() => /SPLICE\.getState/.test(document.querySelector('#author-messages').textContent), null, { timeout: 30_000 });
  const preview = () => page.frames().find((f) => f.url().includes('embed.html?chapter=gil'));
  await page.waitForFunction(() => true);
  const f = preview() ?? frame;
  await f.waitForSelector('fieldset[data-question="threads-help"]', { timeout: 60_000 });
  // The activity settled before the click: the course's answer to getState applied and the engine ready
  // (each draws the questions again, and a line added above them moves the box under the pointer: once,
  // beside a busy test, the click landed as they were drawn again and the box stayed unchecked).
  await f.waitForFunction(() => /answered the lab's request/.test(document.querySelector('.activity-storage')?.textContent ?? ''), null, { timeout: 30_000 });
  await f.evaluate(() => window.lab.ready.then(() => undefined));
  await f.check('#q-threads-help-0');
  await page.waitForFunction(() => /SPLICE\.reportScoreAndState/.test(document.querySelector('#author-messages').textContent), null, { timeout: 3000 });
  assert.match(await page.textContent('#author-messages'), /"threads-help": "yes"/);
  const { bad } = await axeScan(page, 'author.html');
  console.log(`# axe author.html: ${bad.length} serious/critical`);
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.join(', ')}`), []);
  await shot(page, 'activity-author');
  // Reloading the preview: the page sends back what it stored, and the answer is there with no run.
  await f.evaluate(() => location.reload());
  await page.waitForFunction(() => document.querySelectorAll('#author-messages li').length > 0);
  const g = await (async () => {
    for (let i = 0; i < 100; i++) {
      const x = preview();
      try {
        if (x && (await x.evaluate(() => !!document.querySelector('#q-threads-help-0')))) return x;
      } catch {
        /* reloading */
      }
      await page.waitForTimeout(200);
    }
    throw new Error('the preview did not come back');
  })();
  await g.waitForFunction(() => window.lab?.activity?.()?.answers['threads-help'] === 'yes', null, { timeout: 10_000 });
  // The answer's box checked, read in the page at once (the view may draw its questions again as the state
  // arrives: a lookup, then a read, once found the box between the two gone on a busy machine).
  await g.waitForFunction(() => document.querySelector('#q-threads-help-0')?.checked === true, null, { timeout: 10_000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a frame sandboxed without allow-same-origin, from the lab\'s own server: its message and a link within 2 s', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const src = `${server.url}embed.html?chapter=gil&activity=predict`;
  const t0 = Date.now();
  await page.goto(`${host.origin}/host?src=${encodeURIComponent(src)}&sandbox=allow-scripts%20allow-popups`);
  const frame = await (await page.waitForSelector('#lab')).contentFrame();
  await frame.waitForFunction(() => /cannot start its workers in this frame/.test(document.querySelector('#boot-message')?.textContent ?? ''), null, { timeout: 2000 });
  const ms = Date.now() - t0;
  console.log(`# sandboxed frame: its message after ${ms} ms`);
  assert.ok(ms < 2000, `${ms} ms`);
  const link = frame.locator('#boot-message a');
  assert.equal(await link.textContent(), 'Open the lab in its own tab');
  assert.match(await link.getAttribute('href'), /embed\.html\?chapter=gil&activity=predict$/);
  await shot(page, 'activity-sandboxed');
  await context.close();
});
