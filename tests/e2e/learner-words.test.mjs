// The page speaks to a learner (issue 23, items 2, 4 and 7). Every chapter is run once, in one page, through
// the chapter list; after its run (tables, verdicts and timeline present) the rendered text of the chapter,
// its tables and the status line is searched for the lab's own words (API fields, builds, the engine, source
// files): none may show. The Details disclosures (the status's, a row's reason) are exempt, and the test
// proves the search can fail by finding those words inside the status's Details. Then each chapter, at
// 1280 px and 360 px, light and dark: a screenshot (tests/out/learner-<chapter>-<width>-<scheme>.png), an
// axe-core scan with no violation of any impact (also before the run), and at 320, 360 and 1280 px nothing
// wider than the page and no text cut off. The embed (one
// chapter; one compare) is searched the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, shot, OUT } from './helpers.mjs';
import { axeScan } from './axe.mjs';


/** The lab's own words: none may be on a learner's screen outside a Details disclosure. */
export const DEVELOPER_WORDS = [
  /\bthreads build\b/i,
  /\bsingle build\b/i,
  /\bBuild:/,
  /cross-origin isolated/i,
  /\bthread pool:/i,
  /\bengine\b/i,
  /\bwasm\b/i,
  /SharedArrayBuffer/,
  /\bAtomics\b/,
  /event-loop lag/i,
  /\bMain thread:/,
  /\b(latencyMs|freeThreadedOverheadPct|switchIntervalMs|blockingUs|cpuThreads|inputItems|releasesGil|onError|wallMs|timeoutMs|hardwareConcurrency|crossOriginIsolated)\b/,
  /\bsrc\/(core|web)\b/,
  /\.rs\b/,
  /PYTHON-MODEL/,
  /shared\/[A-Z]/,
  /\bLab spec\b/,
];

/** The developer words found in `text`, each with a little of the text around it. */
export function developerWords(text) {
  const found = [];
  for (const re of DEVELOPER_WORDS) {
    const m = re.exec(text);
    if (m) found.push(`${re}: …${text.slice(Math.max(0, m.index - 60), m.index + m[0].length + 30).replace(/\s+/g, ' ')}…`);
  }
  return found;
}

/** What a learner reads in `selector`: its rendered text (innerText), with every Details disclosure left out. */
function shownText(page, selector, exempt = true) {
  return page.evaluate(
    ([sel, exempt]) => {
      const root = document.querySelector(sel);
      if (!root) return '';
      const hidden = exempt ? [...root.querySelectorAll('.status-details, .more-details, .developer-details')] : [];
      const was = hidden.map((d) => d.style.display);
      for (const d of hidden) d.style.display = 'none';
      const text = root.innerText;
      hidden.forEach((d, i) => (d.style.display = was[i]));
      return text;
    },
    [selector, exempt],
  );
}

const scan = axeScan;

/**
 * What does not fit: the page's own widths (it scrolls sideways if the first is the larger), elements past
 * its right edge (outside the scrolling boxes made for wide content), and text cut off: an element that
 * hides or clips its overflow and whose content is wider (or taller) than its box.
 */
const overflow = (page) =>
  page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    const name = (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${[...e.classList].join('.')}`;
    const shown = [...document.querySelectorAll('body *')].filter((e) => e.getClientRects().length && e.checkVisibility({ visibilityProperty: true }) && !e.closest('.visually-hidden'));
    const wide = shown
      .filter((e) => e.getBoundingClientRect().right > client + 1 && !e.closest('.table-wrap, .timeline, pre, .convoy-figures'))
      .slice(0, 5)
      .map((e) => `${name(e)} (${Math.round(e.getBoundingClientRect().right)} px)`);
    // Hidden but for readers (1 px boxes: a card's header row) is not cut.
    const cut = shown
      .filter((e) => {
        const st = getComputedStyle(e);
        const hides = (o) => o === 'hidden' || o === 'clip';
        if (e.clientWidth <= 1 || e.clientHeight <= 1) return false;
        return (hides(st.overflowX) && e.scrollWidth > e.clientWidth + 1) || (hides(st.overflowY) && e.scrollHeight > e.clientHeight + 1);
      })
      .slice(0, 5)
      .map((e) => `${name(e)} (${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}): ${e.textContent.trim().slice(0, 50)}`);
    // A box that scrolls sideways (a wide table) may; the prose in it (a caption, a paragraph) must still be
    // read without scrolling: it is cut if it runs past the box's visible edge.
    for (const box of shown.filter((e) => /auto|scroll/.test(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)) {
      const edge = box.getBoundingClientRect().left + box.clientWidth;
      for (const t of box.querySelectorAll('caption, p, figcaption, h2, h3, h4')) {
        if (t.getClientRects().length && t.getBoundingClientRect().right > edge + 1 && cut.length < 5) cut.push(`${name(t)} runs past the scrolling ${name(box)} (${Math.round(t.getBoundingClientRect().right)} > ${Math.round(edge)} px): ${t.textContent.trim().slice(0, 50)}`);
      }
    }
    return { scroll: document.documentElement.scrollWidth, client, wide, cut };
  });
const overflows = (o) => o.scroll > o.client || o.wide.length > 0 || o.cut.length > 0;

/** Every axe-core violation, whatever its impact, in words for the test's failure. */
const axeProblems = (a) => a.all.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.join(' ; ')}`);

/** LEARNER_SHOTS=parts: each full-page screenshot also in screen-high parts (…-part1.png, …), to look at closely. */
const LOOK = process.env.LEARNER_SHOTS === 'parts';
async function shotParts(page, name) {
  const { width, height } = await page.evaluate(() => ({ width: document.documentElement.clientWidth, height: document.documentElement.scrollHeight }));
  const part = width > 600 ? 1000 : 900;
  for (let y = 0, k = 1; y < height; y += part, k++) {
    await page.screenshot({ path: `${OUT}/${name}-part${k}.png`, fullPage: true, clip: { x: 0, y, width, height: Math.min(part, height - y) } });
  }
}

let server, browser;
before(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
});
after(async () => {
  await browser?.close();
  server?.close();
});

test('every chapter after its run: no developer word on screen outside Details; screenshots at 1280 and 360 px, light and dark; axe finds no violation (before and after the run); nothing overflows or is cut at 320, 360 and 1280 px', async (t) => {
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

  const chapters = await page.$$eval('.chapter-list a', (as) => as.map((a) => new URL(a.href).searchParams.get('chapter')));
  assert.equal(chapters.length, 9);
  // LEARNER_CHAPTERS=gil,convoy: only those (to look at one closely); npm test runs all nine.
  const only = process.env.LEARNER_CHAPTERS?.split(',');
  /** Each axe scan's count of rules that had something to check and passed: it did look. */
  const scans = [];
  const problems = [];
  const t0 = Date.now();
  for (const [i, id] of chapters.entries()) {
    if (only && !only.includes(id)) continue;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.locator('.chapter-list a').nth(i).click();
    await page.waitForSelector(`article.chapter[data-chapter="${id}"]`);
    // Before its run (the chapter as a learner first meets it): axe, wide and light, narrow and dark.
    for (const [width, colorScheme] of [[1280, 'light'], [360, 'dark']]) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme });
      const a = await scan(page, `${id} before its run at ${width} px (${colorScheme})`);
      for (const v of axeProblems(a)) problems.push(`axe ${a.label}: ${v}`);
      scans.push(a.checked);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
    const c0 = Date.now();
    await page.click('#chapter-run');
    await page.waitForSelector(`article.chapter[data-chapter="${id}"][data-state=done]`, { timeout: 120_000 });
    await page.waitForSelector('.chapter-timeline .tl-legend', { timeout: 10_000 }).catch(() => {});
    // Every row's Python open too: the programs are read as well.
    const closed = page.locator('.code-toggle[aria-expanded=false]');
    for (let k = 0; k < 30 && (await closed.count()) > 0; k++) await closed.first().click();
    const text = await shownText(page, '#lesson');
    const words = developerWords(text);
    // Closed again: the screenshots show the chapter as a learner first sees it after a run.
    const open = page.locator('.code-toggle[aria-expanded=true]');
    for (let k = 0; k < 30 && (await open.count()) > 0; k++) await open.first().click();
    t.diagnostic(`${id}: ran in ${((Date.now() - c0) / 1000).toFixed(1)} s; ${text.length} characters read; developer words: ${words.length}`);
    if (words.length) problems.push(`${id}: ${words.join(' | ')}`);
    // The page shows what it runs, as code, and mentions no control it does not show.
    if (/try both presets/i.test(text)) problems.push(`${id}: mentions presets the page does not show`);
    if (id === 'api-calls') {
      const quote = await page.innerText('.lesson-quote pre');
      if (quote.trim().split('\n').length !== 3) problems.push(`api-calls: the lesson's code is not shown line by line: ${JSON.stringify(quote)}`);
    }
    if (id === 'asyncio') {
      const ran = await page.innerText('.lesson-program pre');
      if (!/await asyncio\.gather\(\*\(fetch_data\(\) for _ in range\(8\)\)\)/.test(ran)) problems.push(`asyncio: the program of eight coroutines is not shown: ${ran}`);
      const starts = (await page.innerText('.output')).match(/Start fetching/g)?.length;
      if (starts !== 8) problems.push(`asyncio: ${starts} coroutines printed, not 8`);
    }
    // More threads than cores: the timeline says the operating system shares the cores.
    const lanes = await page.$$eval('.chapter-timeline .tl-lane:not(.tl-axis-row)', (ls) => ls.length);
    const machineCores = await page.evaluate(() => window.lab.status().capabilities.cores);
    const mode = await page.getAttribute('.chapter-timeline', 'data-mode');
    const parallel = ['free-threaded', 'interpreters', 'processes'].includes(mode) || id === 'numpy';
    const note = await page.locator('.chapter-timeline .cores-note').count();
    if (parallel && lanes > machineCores && note !== 1) problems.push(`${id}: ${lanes} lanes of ${mode} on ${machineCores} cores and no word that the cores are shared`);
    if (id === 'free-threading') t.diagnostic(`free-threading: ${lanes} lanes on ${machineCores} cores; cores note: ${note ? await page.innerText('.chapter-timeline .cores-note') : 'none'}`);
    // The timeline's legend names only the kinds of span it draws.
    const legend = await page.$$eval('.chapter-timeline .tl-legend .legend-item .swatch', (s) => s.map((x) => [...x.classList].find((c) => c.startsWith('span-') || c.startsWith('status-'))));
    const drawn = await page.$$eval('.chapter-timeline .tl-task', (bars) => [...new Set(bars.flatMap((b) => [...b.classList, ...[...b.querySelectorAll('[class*="span-"]')].flatMap((s) => [...s.classList])]).values())]);
    // Every kind drawn is named; and a run with no GIL in it (asyncio's I/O) names none of the GIL's kinds
    // (the legend used to list all ten, whatever the run).
    for (const kind of drawn) if (/^(span-|status-(error|timeout|cancelled))/.test(kind) && !legend.includes(kind)) problems.push(`${id}: the timeline draws ${kind}, which the legend does not name`);
    if (['asyncio', 'api-calls'].includes(id)) {
      const extra = legend.filter((k) => /span-(gil-wait|run-nogil|message|start)|status-/.test(k));
      if (extra.length) problems.push(`${id}: the legend names kinds this run does not have: ${extra.join(', ')}`);
    }
    // How to read the tables: said once, each table links to it.
    assert.equal(await page.locator('#lesson .reading-tables').count(), 1, `${id}: the wall-time note once`);
    assert.equal(await page.locator('#lesson .reading-link a[href="#chapter-reading"]').count(), await page.locator('#lesson .compare-table').count(), `${id}: a link from each table`);
    for (const [width, name] of [[1280, 'wide'], [360, 'narrow']]) {
      await page.setViewportSize({ width, height: 900 });
      for (const colorScheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme });
        await shot(page, `learner-${i + 1}-${id}-${width}-${colorScheme}`);
        if (LOOK) await shotParts(page, `learner-${i + 1}-${id}-${width}-${colorScheme}`);
        const a = await scan(page, `${id} at ${width} px (${colorScheme})`);
        for (const v of axeProblems(a)) problems.push(`axe ${a.label}: ${v}`);
        scans.push(a.checked);
      }
      const o = await overflow(page);
      if (overflows(o)) problems.push(`${id} at ${width} px: does not fit ${JSON.stringify(o)}`);
      // The time axis: no label over another.
      const ticks = await page.$$eval('.chapter-timeline .tl-axis .tick', (ts) => ts.map((x) => ({ text: x.textContent, ...x.getBoundingClientRect().toJSON() })));
      for (let k = 1; k < ticks.length; k++) if (ticks[k].left < ticks[k - 1].right) problems.push(`${id} at ${width} px: axis labels ${ticks[k - 1].text} and ${ticks[k].text} overlap`);
    }
    await page.setViewportSize({ width: 320, height: 900 });
    const o = await overflow(page);
    if (overflows(o)) problems.push(`${id} at 320 px: does not fit ${JSON.stringify(o)}`);
    t.diagnostic(`${id}: ${problems.length} problems so far`);
  }
  t.diagnostic(`nine chapters in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${scans.length} axe scans, each with ${Math.min(...scans)} to ${Math.max(...scans)} rules passed`);
  assert.ok(scans.length >= 6 && Math.min(...scans) >= 20, `the axe scans ran: ${scans}`);
  assert.deepEqual(problems, []);
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
