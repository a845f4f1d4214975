// Shared set-up for the end-to-end tests: the lab's real server on a free port, Debian's Chromium
// driven by playwright-core, screenshots under tests/out/.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });

// Without the networking flags Chromium floods this closed network with refused connections.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** Starts `server/server.mjs` on a free port serving dist/; resolves to { url, close }. */
export function startServer(env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'server', 'server.mjs')], {
      env: { ...process.env, PORT: '0', LAB_ROOT: join(ROOT, 'dist'), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Concurrency Lab: (http:\/\/\S+)/);
      if (m) resolve({ url: m[1], close: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)));
  });
}

/**
 * Debian's Chromium. Where LAB_RETURNING names a file of the lab's kept settings (`tests/e2e/returning.mjs`
 * writes it: what a first visit calibrated and measured on this machine), every new context starts as a
 * returning learner's profile holding them, so its lab starts without calibrating again (issue 20, item 7:
 * `npm test` runs the files that check what a run did, never how fast, so; a cold start is what the files
 * that measure, and 5b, open). A key the page has written since is never overwritten.
 */
export async function launch(extraArgs = []) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
  if (process.env.LAB_RETURNING) asReturning(browser, JSON.parse(readFileSync(process.env.LAB_RETURNING, 'utf8')));
  return browser;
}

function asReturning(browser, kept) {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript((kept) => {
      try {
        for (const [k, v] of Object.entries(kept)) if (localStorage.getItem(k) === null) localStorage.setItem(k, v);
      } catch {
        // A frame without storage (a sandbox) starts cold, as it would for a learner.
      }
    }, kept);
    return context;
  };
  // browser.newPage is a context of its own that closes with its page.
  browser.newPage = async (options) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.once('close', () => context.close().catch(() => {}));
    return page;
  };
}

/**
 * A page of the lab with console errors and page errors collected. A plain address opens the playground
 * (`#playground`: the form, compare, sweep and results), where most tests work; the lesson view, which a
 * plain address opens for a learner, has tests of its own.
 */
export async function openLab(browser, url) {
  if (!url.includes('?') && !url.includes('#')) url = `${url}#playground`;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.evaluate(() => window.lab.ready);
  return { page, errors };
}

/**
 * A page of the lab in a fresh browser context (no storage, no cache: a cold engine that calibrates), with
 * errors collected, once `lab.ready`. `path` is relative to the server (a query, `#playground`, embed.html?...).
 */
export async function freshPage(browser, url, path = '', viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${url}${path}`);
  await page.evaluate(() => window.lab.ready);
  return { context, page, errors };
}

export const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

/** Runs a spec through window.lab; a rejection comes back as a plain object (name, message, field...). */
export function labRun(page, spec) {
  return page.evaluate(
    (s) => window.lab.run(s).then(
      (r) => ({ ok: true, ...r }),
      (e) => ({ ok: false, name: e.name, message: e.message, field: e.field, allowed: e.allowed, reason: e.reason, errors: e.errors }),
    ),
    spec,
  );
}

/**
 * The lab's server and a browser for one test file: started before its tests, stopped after them. With
 * `page: true` it also opens the lab (`page`, `errors`). The fields are set once `before` has run.
 */
export function labSession({ page = false, extraArgs = [] } = {}) {
  const session = {};
  before(async () => {
    [session.server, session.browser] = await Promise.all([startServer(), launch(extraArgs)]);
    if (page) Object.assign(session, await openLab(session.browser, session.server.url));
  });
  after(async () => {
    await session.browser?.close();
    session.server?.close();
  });
  return session;
}

/** The time of the rounds a Compare set aside (docs/API.md), which its budget does not count: their runs, and a second for each one's probe. */
export const asideTime = (r) => (r?.measurement?.setAside ?? []).reduce((ms, a) => ms + 1000 + Object.values(a.wallMs).reduce((x, y) => x + y, 0), 0);

/**
 * What the timeline under `selector` painted, as its drawing wrote it on each row's canvas
 * (www/src/views/timeline/paint.ts): segments per kind, the narrowest of each kind (CSS px), all segments.
 */
export function painted(page, selector = '#timeline') {
  return page.evaluate((sel) => {
    const count = {};
    const narrowest = {};
    let segments = 0;
    for (const c of document.querySelectorAll(`${sel} .tl-canvas`)) {
      for (const p of (c.dataset.kinds ?? '').split(' ').filter(Boolean)) {
        const [k, n] = p.split(':');
        count[k] = (count[k] ?? 0) + Number(n);
        segments += Number(n);
      }
      for (const p of (c.dataset.narrowest ?? '').split(' ').filter(Boolean)) {
        const [k, w] = p.split(':');
        narrowest[k] = Math.min(narrowest[k] ?? Infinity, Number(w));
      }
    }
    return { count, narrowest, segments };
  }, selector);
}

/**
 * In the page: the pixels of each row's canvas under `selector` in each of the kinds' colours (style.css's
 * `--run`, `--io`, `--gil`, `--msg`, `--start`), read from the canvas itself: what the learner sees, one
 * entry a row, with the bars in the window on that row and the kinds its drawing wrote. Any engine's
 * `evaluate(fn, arg)` runs it (tests/browsers/drivers.mjs).
 */
export function paintedPixelsIn(sel) {
  const root = document.querySelector(sel);
  const css = getComputedStyle(root);
  const rgb = (name) => {
    const hex = css.getPropertyValue(name).trim().replace('#', '');
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  };
  const colours = { run: rgb('--run'), io: rgb('--io'), gil: rgb('--gil'), msg: rgb('--msg'), start: rgb('--start') };
  return [...root.querySelectorAll('.tl-canvas')].map((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const n = Object.fromEntries(Object.keys(colours).map((k) => [k, 0]));
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 250) continue;
      for (const [k, [r, g, b]] of Object.entries(colours)) {
        if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 12) n[k]++;
      }
    }
    // The bars in the window on this row (one outside it is kept, off the plot, for the keyboard).
    const bars = c.parentElement.querySelectorAll('.tl-task:not(.off)').length;
    return { lane: c.closest('.tl-lane')?.dataset.lane ?? '', width: c.width, bars, kinds: c.dataset.kinds ?? '', ...n };
  });
}

/** {@link paintedPixelsIn} in a Playwright page. */
export const paintedPixels = (page, selector = '#timeline') => page.evaluate(paintedPixelsIn, selector);
