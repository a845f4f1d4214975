// The page as a new learner meets it (issue 23): the chapter from the first frame with content (the rAF
// frames and Chromium's screencast pixels; the same for ?chapter=gil and #playground; the page shown again if
// main.js fails), a
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

// Cold pages here, whatever LAB_RETURNING says (npm test's files two at a time open the lab as a returning
// learner): a press of Run must land while the engine starts, and a new learner's first paint is the point.
delete process.env.LAB_RETURNING;
const session = labSession();

/** A fresh profile, with errors collected; nothing is awaited (the caller decides how far to load). */
async function freshContext(viewport = { width: 1280, height: 900 }, init, colorScheme = 'light') {
  const context = await session.browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  if (init) await page.addInitScript(init);
  return { context, page, errors };
}

/**
 * Before the page's scripts: every animation frame, what it shows (rAF runs just before each paint). A frame
 * whose body is hidden (the boot script's `lab-drawing`, while main.js draws) shows nothing but the background.
 */
function sampleFrames() {
  const frames = (window.__frames = []);
  const t0 = performance.now();
  const visible = (sel) => {
    const e = document.querySelector(sel);
    return !!e && e.getClientRects().length > 0 && e.checkVisibility({ visibilityProperty: true });
  };
  const tick = () => {
    if (document.body) {
      frames.push({
        t: Math.round(performance.now() - t0),
        content: getComputedStyle(document.body).visibility === 'visible',
        header: visible('header h1'),
        bootMessage: visible('#boot-message'),
        playground: visible('#playground'),
        chapter: visible('article.chapter') ? document.querySelector('article.chapter').dataset.chapter : null,
        claim: visible('.chapter-claim'),
        run: visible('#chapter-run'),
        engine: window.lab?.status().state ?? 'no lab yet',
      });
    }
    if (frames.length < 600) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/**
 * The frames Chromium paints (its screencast), as pixels: for each, whether anything but the background is
 * drawn in each of `rects` ({ name: {x, y, width, height} } in CSS pixels), and anywhere at all. Decoded in
 * a page of its own (createImageBitmap), so the lab's page is not touched.
 */
async function inkIn(decoder, frames, rects, viewportWidth) {
  return decoder.evaluate(async ([frames, rects, vw]) => {
    const out = [];
    for (const f of frames) {
      const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = canvas.getContext('2d');
      g.drawImage(bitmap, 0, 0);
      const { data, width, height } = g.getImageData(0, 0, bitmap.width, bitmap.height);
      const k = width / vw;
      const bg = [data[0], data[1], data[2]]; // the top-left corner: the page's background
      const inkAt = (x, y) => {
        const i = 4 * (y * width + x);
        return Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1]) + Math.abs(data[i + 2] - bg[2]) > 60;
      };
      const ink = (r) => {
        const x0 = Math.max(0, Math.floor(r.x * k)), x1 = Math.min(width, Math.ceil((r.x + r.width) * k));
        const y0 = Math.max(0, Math.floor(r.y * k)), y1 = Math.min(height, Math.ceil((r.y + r.height) * k));
        let n = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) n += inkAt(x, y);
        return n;
      };
      const where = {};
      for (const [name, r] of Object.entries(rects)) where[name] = ink(r);
      out.push({ t: f.t, any: ink({ x: 0, y: 0, width: vw, height: height / k }), ...where });
    }
    return out;
  }, [frames, rects, viewportWidth]);
}

// Each on a fresh profile: the first frame with anything in it is what the URL names, fully drawn. Today's
// main failed this: 40-100 ms of frames with the header over "Starting the lab…" came first.
for (const [path, expect, scheme] of [['', 'threads-vs-processes', 'light'], ['', 'threads-vs-processes', 'dark'], ['?chapter=gil', 'gil', 'light'], ['#playground', 'playground', 'light']]) {
  test(`the first paint (${path || 'no query'}, ${scheme}) is ${expect === 'playground' ? 'the Playground' : `chapter ${expect}, its claim and its button`}; nothing painted before it`, async () => {
    const { context, page, errors } = await freshContext(undefined, sampleFrames, scheme);
    const decoder = await context.newPage();
    try {
      // Chromium's own record of what it paints, frame by frame.
      const cdp = await context.newCDPSession(page);
      const painted = [];
      cdp.on('Page.screencastFrame', (f) => {
        painted.push({ t: f.metadata.timestamp, data: f.data });
        cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => {});
      });
      await cdp.send('Page.startScreencast', { format: 'png', everyNthFrame: 1 });
      await page.goto(`${session.server.url}${path}`, { waitUntil: 'load' });
      const atLoad = await page.evaluate(() => ({ engine: window.lab.status().state, note: document.querySelector('#chapter-run-note')?.textContent ?? null }));
      await page.screenshot({ path: `tests/out/nav-first-paint${path.replace(/\W+/g, '-')}-${scheme}.png` });
      await page.evaluate(() => window.lab.ready);
      await cdp.send('Page.stopScreencast');
      const frames = await page.evaluate(() => window.__frames);
      const paints = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('paint').map((p) => [p.name, Math.round(p.startTime)])));
      const first = frames.findIndex((f) => f.content);
      console.log(`# ${path || 'no query'} (${scheme}): engine ${atLoad.engine} at load; ${frames.length} frames sampled, ${first} with the body hidden (to ${frames[first]?.t} ms); paints ${JSON.stringify(paints)}; ${painted.length} screencast frames`);
      assert.ok(first >= 0, 'the page shows');
      assert.ok(paints['first-contentful-paint'] > 0, 'a contentful paint');
      // While hidden the page paints not even its background (style.css): Chromium's first paint is its first
      // contentful paint, the frame below.
      assert.equal(paints['first-paint'], paints['first-contentful-paint'], 'nothing painted before the content');
      // From the first frame with content, every frame shows what the URL names, whatever the engine does.
      for (const f of frames.slice(first)) {
        if (expect === 'playground') assert.ok(f.playground && !f.chapter && !f.bootMessage, JSON.stringify(f));
        else assert.ok(f.chapter === expect && f.claim && f.run && !f.playground && !f.bootMessage, JSON.stringify(f));
      }
      // And in pixels: the first screencast frame with anything drawn has the chapter's claim and button (or
      // the Playground's form) drawn in it, where they are once the page has loaded.
      const rect = (sel) => page.$eval(sel, (e) => e.getBoundingClientRect().toJSON());
      const rects = expect === 'playground' ? { form: await rect('#h-experiment') } : { claim: await rect('.chapter-claim'), run: await rect('#chapter-run') };
      const ink = await inkIn(decoder, painted, rects, 1280);
      const firstInk = ink.findIndex((f) => f.any > 0);
      console.log(`# ${path || 'no query'}: painted frames (ink overall / in ${Object.keys(rects)}): ${ink.map((f) => `${f.any}/${Object.keys(rects).map((n) => f[n]).join('/')}`).join(' ')}`);
      assert.ok(firstInk >= 0, 'a painted frame with content');
      for (const name of Object.keys(rects)) assert.ok(ink[firstInk][name] > 0, `the first painted frame with content draws the ${name}: ${JSON.stringify(ink[firstInk])}`);
      if (expect !== 'playground' && atLoad.engine !== 'ready') assert.match(atLoad.note ?? '', /still starting.*press now/, 'the button says why it waits');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test('the page hidden for its first frame shows again whatever goes wrong: main.js failing to load, or never arriving', async () => {
  const { context, page } = await freshContext();
  try {
    const shown = () => page.evaluate(() => getComputedStyle(document.body).visibility === 'visible' && !document.querySelector('#boot-message').hidden);
    // Refused: shown at once, with the boot line's way out.
    await page.route('**/main.js', (r) => r.abort());
    const t0 = Date.now();
    await page.goto(session.server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => getComputedStyle(document.body).visibility === 'visible', null, { timeout: 2000 });
    const refused = Date.now() - t0;
    assert.ok(await shown(), 'the boot line shows');
    // Never answered: shown after the boot script's 3 s.
    await page.unroute('**/main.js');
    await page.route('**/main.js', () => {});
    const t1 = Date.now();
    await page.goto(session.server.url, { waitUntil: 'domcontentloaded' });
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).visibility), 'hidden', 'hidden while main.js loads');
    await page.waitForFunction(() => getComputedStyle(document.body).visibility === 'visible', null, { timeout: 6000 });
    const hung = Date.now() - t1;
    console.log(`# main.js refused: shown after ${refused} ms; never answered: shown after ${hung} ms`);
    assert.ok(await shown());
    assert.ok(hung >= 2900, `not before the 3 s (${hung} ms)`);
    await page.screenshot({ path: 'tests/out/nav-first-paint-no-main.png' });
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
