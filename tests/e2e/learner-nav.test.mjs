// The page as a new learner meets it (issue 23): the chapter from the first frame (no playground first), a
// press of Run while the engine starts that runs once it is ready, a chapter's progress with the time left,
// chapters as browser history entries (Back, Forward, the scroll position), a row's timeline brought into
// view with the focus, a chapter's last verdicts and the list's badges back after a reload (from the
// history), the chapter and its button in the first 780 px at 360 px (the chapter list a menu, the replay
// dialog within the width), and a run estimated over a minute that asks before it starts (`lab.run` from a
// script is never held). Each in a fresh Chromium profile; screenshots under tests/out/ (nav-*.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSession, shot } from './helpers.mjs';
import { shownClaims } from './load.mjs';

const session = labSession();

/** A fresh profile, with errors collected; nothing is awaited (the caller decides how far to load). */
async function freshContext(viewport = { width: 1280, height: 900 }, init) {
  const context = await session.browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  if (init) await page.addInitScript(init);
  return { context, page, errors };
}

/** Before the page's scripts: every animation frame, what it shows (rAF runs just before each paint). */
function sampleFrames() {
  const frames = (window.__frames = []);
  const t0 = performance.now();
  const visible = (sel) => {
    const e = document.querySelector(sel);
    return !!e && e.getClientRects().length > 0 && (!e.checkVisibility || e.checkVisibility());
  };
  const tick = () => {
    if (document.body) {
      frames.push({
        t: Math.round(performance.now() - t0),
        playground: visible('#playground'),
        startingEngine: [...document.querySelectorAll('#fields p, #sweep-hint')].some((p) => p.textContent.includes('Starting the engine') && p.getClientRects().length > 0),
        chapter: document.querySelector('article.chapter')?.dataset.chapter ?? null,
        claim: visible('.chapter-claim'),
        run: visible('#chapter-run'),
        engine: window.lab?.status().state ?? 'no lab yet',
      });
    }
    if (frames.length < 600) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

test('the first frame with content is chapter 1, its claim and its button; no playground, ever', async () => {
  const { context, page, errors } = await freshContext(undefined, sampleFrames);
  try {
    await page.goto(session.server.url, { waitUntil: 'load' });
    // At `load` (main.js has run, the engine still starting), before any wait: the chapter is on screen.
    const atLoad = await page.evaluate(() => ({ engine: window.lab.status().state, chapter: document.querySelector('article.chapter')?.dataset.chapter, note: document.querySelector('#chapter-run-note')?.textContent ?? null }));
    await page.screenshot({ path: 'tests/out/nav-first-paint.png' });
    await page.evaluate(() => window.lab.ready);
    const frames = await page.evaluate(() => window.__frames);
    console.log(`# at load: engine ${atLoad.engine}; ${frames.length} frames sampled, the first at ${frames[0]?.t} ms; ${frames.findIndex((f) => f.chapter)} before the chapter's; first with the chapter at ${frames.find((f) => f.chapter)?.t} ms, engine ready in frame at ${frames.find((f) => f.engine === 'ready')?.t} ms`);
    assert.equal(atLoad.chapter, 'threads-vs-processes');
    assert.ok(frames.length > 0);
    assert.deepEqual(frames.filter((f) => f.playground || f.startingEngine), [], 'no frame shows the playground or its "Starting the engine…"');
    // Every frame before the chapter shows nothing but the header and the boot line; from the first frame
    // with the chapter, its claim and its Run button are shown, whatever the engine is doing.
    const first = frames.findIndex((f) => f.chapter);
    assert.ok(first >= 0, 'the chapter appears');
    for (const f of frames.slice(first)) assert.ok(f.chapter === 'threads-vs-processes' && f.claim && f.run, JSON.stringify(f));
    if (atLoad.engine !== 'ready') assert.match(atLoad.note ?? '', /still starting.*press now/, 'the button says why it waits');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Run pressed while the engine starts runs once it is ready; the progress says what runs and the time left; Timeline, reload', async () => {
  const { context, page, errors } = await freshContext();
  try {
    await page.goto(`${session.server.url}?chapter=api-calls`, { waitUntil: 'load' });
    // The press and the engine's state in one task: the press comes before the engine is ready.
    const pressed = await page.evaluate(() => {
      const state = window.lab.status().state;
      document.querySelector('#chapter-run').click();
      return { state, status: document.querySelector('.chapter-status').textContent };
    });
    console.log(`# pressed Run with the engine ${pressed.state}`);
    if (pressed.state === 'starting') assert.match(pressed.status, /Waiting for the lab to start/);
    // Every text the chapter's status shows while it runs.
    await page.evaluate(() => {
      const seen = (window.__statuses = []);
      const box = document.querySelector('.chapter-status');
      new MutationObserver(() => seen.push({ text: box.textContent, left: box.dataset.leftMs ?? '' })).observe(box, { childList: true, characterData: true, subtree: true, attributes: true });
    });
    await page.waitForSelector('article.chapter[data-state=done]', { timeout: 90_000 });
    const statuses = await page.evaluate(() => window.__statuses);
    const running = statuses.filter((s) => s.text.startsWith('Running:'));
    console.log(`# ${running.length} progress texts, e.g. "${running[Math.floor(running.length / 2)]?.text}"`);
    assert.ok(running.some((s) => /^Running: The experiment \(.+\): round \d+, \S+ running\. (About \d+ s left|Almost done)\.$/.test(s.text)), running.map((s) => s.text).join('\n'));
    const lefts = running.map((s) => Number(s.left)).filter((n) => n > 0);
    assert.ok(lefts.length >= 2, `the time left is told as rounds go: ${lefts}`);
    assert.ok(lefts.at(-1) < lefts[0], `and it goes down: ${lefts[0]} ms, then ${lefts.at(-1)} ms`);
    await shot(page, 'nav-chapter-done');

    // A row's Timeline: the chapter's timeline comes into view, with the focus on its heading.
    await page.evaluate(() => scrollTo(0, 0));
    await page.click('.chapter-experiment tr[data-mode="sequential"] .show-timeline');
    const where = await page.evaluate(() => ({ focus: document.activeElement.id, top: document.querySelector('#chapter-timeline-title').getBoundingClientRect().top, box: document.querySelector('.chapter-timeline').getBoundingClientRect().top, h: innerHeight }));
    assert.equal(where.focus, 'chapter-timeline-title');
    assert.ok(where.top >= 0 && where.box < where.h - 100, `the timeline is in view: its heading at ${where.top} px, its lanes at ${where.box} px of ${where.h}`);
    await page.screenshot({ path: 'tests/out/nav-timeline-in-view.png' });

    // A reload: the chapter's verdicts and the list's badge come back, from the history.
    const claims = await shownClaims(page);
    const badge = await page.textContent('.chapter-list a[aria-current] .chapter-done');
    assert.ok(claims.length > 0);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('.chapter-claims .claim', { timeout: 15_000 });
    assert.deepEqual(await shownClaims(page), claims, 'the same verdicts, with their evidence');
    assert.equal(await page.textContent('.chapter-list a[aria-current] .chapter-done'), badge);
    assert.equal(await page.getAttribute('article.chapter', 'data-state'), 'done');
    await shot(page, 'nav-chapter-reloaded');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('chapters are history entries: Back after Next returns to the chapter and its scroll; Compare from a chapter says where it goes', async () => {
  const { context, page, errors } = await freshContext();
  try {
    // A short window, so that Next is well down the page and its scroll position is something to restore.
    await page.setViewportSize({ width: 1280, height: 480 });
    await page.goto(session.server.url);
    await page.evaluate(() => window.lab.ready);
    const entries = await page.evaluate(() => history.length);
    await page.locator('.chapter-next').scrollIntoViewIfNeeded();
    const y = await page.evaluate(() => scrollY);
    assert.ok(y > 100, `the Next button is down the page (${y})`);
    await page.click('.chapter-next');
    assert.equal(await page.getAttribute('article.chapter', 'data-chapter'), 'asyncio');
    assert.match(page.url(), /\?chapter=asyncio$/);
    assert.equal(await page.evaluate(() => history.length), entries + 1, 'Next adds a history entry');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'chapter-title');
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('article.chapter')?.dataset.chapter === 'threads-vs-processes');
    assert.match(page.url(), /\?chapter=threads-vs-processes$/);
    assert.ok(Math.abs((await page.evaluate(() => scrollY)) - y) <= 2, 'the scroll position comes back');
    await page.goForward();
    await page.waitForFunction(() => document.querySelector('article.chapter')?.dataset.chapter === 'asyncio');
    // The chapter list is a step too.
    await page.click('.chapter-list a[href="?chapter=gil"]');
    assert.equal(await page.getAttribute('article.chapter', 'data-chapter'), 'gil');
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('article.chapter')?.dataset.chapter === 'asyncio');

    // "Compare all modes" in the bar says it opens the Playground; Back returns to the chapter.
    assert.equal(await page.textContent('#quick-compare'), 'Compare all modes in the Playground');
    const said = await page.evaluate(() => {
      const said = [];
      new MutationObserver(() => said.push(document.querySelector('#announce').textContent)).observe(document.querySelector('#announce'), { childList: true, characterData: true, subtree: true });
      document.querySelector('#quick-compare').click();
      return new Promise((resolve) => setTimeout(() => (window.lab.cancel(), resolve(said)), 50)); // the Compare itself is not under test
    });
    await page.waitForSelector('#playground', { state: 'visible' });
    assert.ok(said.some((t) => /^Opened the Playground.*Back returns to 2\. /.test(t)), said.join(' | '));
    await page.waitForFunction(() => window.lab.status().state === 'ready');
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('article.chapter')?.dataset.chapter === 'asyncio' && !document.querySelector('#lesson').hidden);
    assert.equal(await page.isVisible('#playground'), false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('at 360 px: the claim and its Run button within the first 780 px; the chapter list is a menu; the replay dialog fits', async () => {
  const { context, page, errors } = await freshContext({ width: 360, height: 780 });
  try {
    await page.goto(session.server.url, { waitUntil: 'load' });
    await page.screenshot({ path: 'tests/out/nav-360-first-screen.png' });
    const bottom = (sel) => page.$eval(sel, (e) => e.getBoundingClientRect().bottom + scrollY);
    const claim = await bottom('.chapter-claim');
    const run = await bottom('#chapter-run');
    console.log(`# at 360 px: the claim ends at ${claim} px, the Run button at ${run} px`);
    assert.ok(claim <= 780 && run <= 780, `claim ${claim}, run ${run}`);
    // The list: closed, opened from the keyboard.
    assert.equal(await page.isVisible('.chapter-list'), false);
    await page.focus('.chapter-menu');
    await page.keyboard.press('Enter');
    assert.equal(await page.isVisible('.chapter-list'), true);
    await page.screenshot({ path: 'tests/out/nav-360-menu.png' });
    await page.keyboard.press('Enter');
    assert.equal(await page.isVisible('.chapter-list'), false);
    for (const id of ['asyncio', 'gil', 'api-calls', 'throughput', 'numpy', 'free-threading', 'subinterpreters', 'convoy']) {
      await page.goto(`${session.server.url}?chapter=${id}`, { waitUntil: 'load' });
      const b = await bottom('#chapter-run');
      assert.ok(b <= 780, `${id}: Run ends at ${b} px`);
    }
    // The replay dialog: every control within the screen's width.
    await page.goto(`${session.server.url}#playground`);
    await page.evaluate(() => window.lab.ready);
    await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'threads-gil', tasks: 2, size: 20000 }));
    await page.click('#timeline .tl-replay');
    await page.waitForSelector('#replay-dialog[open] #replay-pace');
    const over = await page.$$eval('#replay-dialog select, #replay-dialog button, #replay-dialog label', (els) =>
      els.filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > innerWidth + 0.5).map((e) => `${e.id || e.textContent}: ${Math.round(e.getBoundingClientRect().right)}`),
    );
    await page.screenshot({ path: 'tests/out/nav-360-replay.png' });
    assert.deepEqual(over, [], 'nothing in the replay dialog past the right edge');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a run estimated over a minute asks before it starts; the estimate follows the form; lab.run is never held', async () => {
  const { context, page, errors } = await freshContext();
  try {
    await page.goto(`${session.server.url}#playground`);
    await page.evaluate(() => window.lab.ready);
    await page.selectOption('#f-workload', 'cpu-primes');
    await page.selectOption('#f-mode', 'sequential');
    await page.waitForSelector('#run-estimate:not([hidden])');
    assert.match(await page.textContent('#run-estimate'), /should take about [\d.]+ s on this machine\.$/);
    await page.fill('#f-size', '2000000000');
    await page.waitForFunction(() => /about \d+ (min|h)/.test(document.querySelector('#run-estimate').textContent));
    await shot(page, 'nav-long-estimate');
    const ran = () => page.evaluate(() => window.lab.history().then((h) => h.length));
    await page.click('#run');
    await page.waitForSelector('#long-run-dialog[open]');
    assert.match(await page.textContent('#long-run-text'), /about \d+ (min|h) on this machine/);
    await page.screenshot({ path: 'tests/out/nav-long-run-dialog.png' });
    assert.notEqual(await page.evaluate(() => window.lab.status().state), 'busy', 'nothing runs while it asks');
    await page.click('#long-run-change');
    await page.waitForFunction(() => document.activeElement.id === 'f-size'); // changing the size: the focus is on it
    await page.waitForTimeout(300);
    assert.equal(await ran(), 0, 'nothing ran');
    // Going on: it runs (and stops as any run does).
    await page.click('#run');
    await page.waitForSelector('#long-run-dialog[open]');
    await page.click('#long-run-go');
    await page.waitForFunction(() => window.lab.status().state === 'busy');
    await page.evaluate(() => new Promise((resolve) => (window.lab.onRunEnd(resolve), window.lab.cancel())));
    // A script is not asked.
    const scripted = await page.evaluate(async () => {
      const p = window.lab.run({ workload: 'cpu-primes', mode: 'sequential', size: 2_000_000_000 }).catch((e) => e.name);
      await new Promise((r) => setTimeout(r, 300));
      const out = { state: window.lab.status().state, dialog: document.querySelector('#long-run-dialog').open };
      window.lab.cancel();
      return { ...out, end: await p };
    });
    assert.deepEqual(scripted, { state: 'busy', dialog: false, end: 'AbortError' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
