// What a learner sees of a chapter, checked as a rule (issue 23, items 2, 4 and 7), on the page of a test
// that runs the chapter anyway (tests/e2e/lesson.test.mjs runs each chapter from a fresh page): the rendered
// text of the chapter, its tables and its programs searched for the lab's own words (API fields, builds, the
// engine, source files), none of which may show outside a Details disclosure; an axe-core scan with no
// violation of any impact, before the run (1280 px light, 360 px dark) and after it (1280 and 360 px, light
// and dark), each with a screenshot (tests/out/learner-<n>-<chapter>-<width>-<scheme>.png); at 320, 360 and
// 1280 px nothing wider than the page and no text cut off; the lesson's code line by line, the program it
// runs whole, a legend naming only the kinds drawn, the timeline's word where threads outnumber cores.
// tests/e2e/learner-words.test.mjs proves the search for words can fail, and checks the status line, the
// Playground and the embed.
import assert from 'node:assert/strict';
import { OUT, painted, shot } from './helpers.mjs';
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
export function shownText(page, selector, exempt = true) {
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

/**
 * What does not fit: the page's own widths (it scrolls sideways if the first is the larger), elements past
 * its right edge (outside the scrolling boxes made for wide content), and text cut off: an element that
 * hides or clips its overflow and whose content is wider (or taller) than its box.
 */
export const overflow = (page) =>
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
export const overflows = (o) => o.scroll > o.client || o.wide.length > 0 || o.cut.length > 0;

/** Every axe-core violation, whatever its impact, in words for the test's failure. */
export const axeProblems = (a) => a.all.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.join(' ; ')}`);

/** LEARNER_SHOTS=parts: each full-page screenshot also in screen-high parts (…-part1.png, …), to look at closely. */
const LOOK = process.env.LEARNER_SHOTS === 'parts';
async function shotParts(page, name) {
  const { width, height } = await page.evaluate(() => ({ width: document.documentElement.clientWidth, height: document.documentElement.scrollHeight }));
  const part = width > 600 ? 1000 : 900;
  for (let y = 0, k = 1; y < height; y += part, k++) {
    await page.screenshot({ path: `${OUT}/${name}-part${k}.png`, fullPage: true, clip: { x: 0, y, width, height: Math.min(part, height - y) } });
  }
}

/** Checks a chapter as a learner first meets it, before its run; returns the problems and each scan's count of rules passed. */
export async function beforeRun(page, id) {
  const problems = [];
  const scans = [];
  // No transition half-way in a screenshot or under axe's contrast check.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  // Before its run (the chapter as a learner first meets it): axe, wide and light, narrow and dark.
  for (const [width, colorScheme] of [[1280, 'light'], [360, 'dark']]) {
    await page.setViewportSize({ width, height: 900 });
    await page.emulateMedia({ colorScheme });
    const a = await axeScan(page, `${id} before its run at ${width} px (${colorScheme})`);
    for (const v of axeProblems(a)) problems.push(`axe ${a.label}: ${v}`);
    scans.push(a.checked);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  return { problems, scans };
}

/**
 * Checks a chapter after its run (`n`: its place in the lesson, for the screenshots' names; `t`: the test,
 * for diagnostics); returns the problems and each scan's count of rules passed. Leaves the page at 320 px.
 */
export async function afterRun(page, id, n, t) {
  const problems = [];
  const scans = [];
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.waitForSelector('.chapter-timeline .tl-legend', { timeout: 10_000 }).catch(() => {});
  // Every row's Python open too: the programs are read as well.
  const closed = page.locator('.code-toggle[aria-expanded=false]');
  for (let k = 0; k < 30 && (await closed.count()) > 0; k++) await closed.first().click();
  const text = await shownText(page, '#lesson');
  const words = developerWords(text);
  // Closed again: the screenshots show the chapter as a learner first sees it after a run.
  const open = page.locator('.code-toggle[aria-expanded=true]');
  for (let k = 0; k < 30 && (await open.count()) > 0; k++) await open.first().click();
  t.diagnostic(`${id}: ${text.length} characters read; developer words: ${words.length}`);
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
  const drawn = [
    ...new Set(await page.$$eval('.chapter-timeline .tl-task', (bars) => bars.flatMap((b) => [...b.classList]))),
    ...Object.keys((await painted(page, '.chapter-timeline .tl-plot')).count).map((k) => `span-${k}`),
  ];
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
      await shot(page, `learner-${n}-${id}-${width}-${colorScheme}`);
      if (LOOK) await shotParts(page, `learner-${n}-${id}-${width}-${colorScheme}`);
      const a = await axeScan(page, `${id} at ${width} px (${colorScheme})`);
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
  return { problems, scans };
}
