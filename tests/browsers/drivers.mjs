// One small driver over the three browser engines the cross-browser suite runs in (issue 22, item 1):
// Chromium through playwright-core, Firefox ESR through puppeteer-core over WebDriver BiDi (no driver), and
// WebKitGTK's MiniBrowser through webdriverio in WebDriver classic mode, WebKitWebDriver started inside an
// Xvfb display of its own (README.md, "How the tests drive each engine"). A test
// sees the same six things in each: a fresh page (new storage) at a URL, `evaluate(fn, arg)` (a promise
// returned by `fn` is awaited), `evaluateIn(selector, fn, arg)` (the same in the iframe `selector` finds, of
// any origin: a course page's frame), `reload()`, `goto(url)` (same storage), `screenshot(file)`.
//
// Engines, by name (LAB_BROWSER): `chromium`, `firefox`, `webkit` (default settings: no SharedArrayBuffer
// to post, so the single build), `webkit-sab` (JavaScriptCore's useSharedArrayBuffer on in the driver's
// environment, as Safari under cross-origin isolation: the threads build).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CHROMIUM_ARGS } from '../e2e/helpers.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit', 'webkit-sab'];
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
/** Longest an `evaluate` may take (a chapter of the lesson on a busy machine). */
const EVALUATE_MS = 300_000;

/** The engine named `name`, started: `{ name, fresh(url), close() }`. */
export async function openEngine(name) {
  if (name === 'chromium') return chromium();
  if (name === 'firefox') return firefox();
  if (name === 'webkit' || name === 'webkit-sab') return webkit(name === 'webkit-sab');
  throw new Error(`LAB_BROWSER must be one of ${ENGINES.join(', ')}; got ${name}`);
}

async function chromium() {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    name: 'chromium',
    async fresh(url) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(EVALUATE_MS);
      await page.goto(url);
      return pageHandle(page, context);
    },
    close: () => browser.close(),
  };
}

/** A fresh page as the tests use it: playwright-core's and puppeteer-core's pages answer these alike. */
const pageHandle = (page, context) => ({
  evaluate: (fn, arg) => page.evaluate(fn, arg),
  // The frame is looked up afresh each time: it may have navigated (the service worker's one reload).
  evaluateIn: async (selector, fn, arg) => (await (await page.waitForSelector(selector)).contentFrame()).evaluate(fn, arg),
  reload: () => page.reload().then(() => undefined),
  goto: (url) => page.goto(url).then(() => undefined),
  screenshot: (file) => page.screenshot({ path: file, fullPage: true }).then(() => undefined),
  close: () => context.close(),
});

async function firefox() {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, protocolTimeout: EVALUATE_MS });
  return {
    name: 'firefox',
    async fresh(url) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(url);
      return pageHandle(page, context);
    },
    close: () => browser.close(),
  };
}

/** A free TCP port on loopback. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Waits until `port` on loopback accepts connections (a driver or display that has started). */
async function listening(port, what, ms = 20_000) {
  const { connect } = await import('node:net');
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} did not start listening on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An Xvfb display of its own (`-displayfd` says which number it took); resolves to `{ display, stop }`. */
function xvfb() {
  return new Promise((resolve, reject) => {
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdio[3].on('data', (d) => {
      out += d;
      const m = out.match(/^(\d+)\n/);
      if (m) resolve({ display: `:${m[1]}`, stop: () => child.kill() });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${err}`)));
  });
}

/** The X display `display` as a PNG at `file` (ImageMagick's `import`, installed by set-up). */
function capture(display, file) {
  return new Promise((resolve, reject) => {
    const child = spawn('import', ['-display', display, '-window', 'root', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`import exited with ${code}: ${err}`))));
  });
}

async function webkit(sharedArrayBuffer) {
  const { remote } = await import('webdriverio');
  const display = await xvfb();
  const env = { ...process.env, DISPLAY: display.display };
  // No GL compositor: under Xvfb it composites through Mesa's software GL (llvmpipe), which after the lab's
  // page opened kept the web process's main thread at a full core and llvmpipe's two threads at another for
  // 3-5 s (a blank page: nothing), so a fresh page's first runs took 760-1070 ms where the same run takes
  // 630: the lab's own work slowed by the test machine's missing GPU, which /proc counts as the browser's own
  // and no learner's Safari has. A Compare's first round was disturbed in most fresh pages (7 of 8 here),
  // and a chapter in the course frame was left open on a quiet machine (2 of 3 runs). Without it, 8 of 8.
  env.WEBKIT_DISABLE_COMPOSITING_MODE = '1';
  if (sharedArrayBuffer) env.JSC_useSharedArrayBuffer = '1';
  else delete env.JSC_useSharedArrayBuffer;
  // A driver of its own for each page (a new session is a new MiniBrowser with its own storage): a second
  // session asked of the same driver once waited for ever here. The driver, and the MiniBrowser it
  // starts, are one process group, ended together.
  let current;
  const end = async () => {
    const c = current;
    current = undefined;
    if (!c) return;
    // The 10 s bound's timer is cleared once the session is gone: left running it kept each file's node
    // process alive 10 s after its last test (30 s of each WebKitGTK run of the suite's three files).
    let timer;
    await Promise.race([c.session?.deleteSession().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    try {
      process.kill(-c.driver.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const session = async () => {
    const port = await freePort();
    const driver = spawn('WebKitWebDriver', [`--port=${port}`], { env, stdio: 'ignore', detached: true });
    current = { driver };
    await listening(port, 'WebKitWebDriver');
    current.session = await remote({
      hostname: '127.0.0.1',
      port,
      logLevel: 'error',
      // A MiniBrowser starts in about a second here; a session not made in a minute will not be.
      connectionRetryTimeout: 60_000,
      connectionRetryCount: 0,
      capabilities: {
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        'wdio:enforceWebDriverClassic': true,
      },
    });
    return current.session;
  };
  return {
    name: sharedArrayBuffer ? 'webkit-sab' : 'webkit',
    async fresh(url) {
      await end();
      let b;
      try {
        b = await session();
      } catch {
        // Once more, with a new driver.
        await end();
        b = await session();
      }
      const mine = current;
      await b.setTimeout({ script: EVALUATE_MS, pageLoad: 60_000 });
      await b.setWindowSize(1280, 900).catch(() => {});
      await b.url(url);
      return {
        // WebDriver classic awaits a promise the script returns.
        evaluate: (fn, arg) => b.execute(fn, arg),
        // WebDriver classic's Switch To Frame reaches a frame of any origin; back to the top afterwards.
        evaluateIn: async (selector, fn, arg) => {
          await b.switchFrame(await b.$(selector));
          try {
            return await b.execute(fn, arg);
          } finally {
            await b.switchFrame(null);
          }
        },
        reload: () => b.refresh(),
        goto: (url) => b.url(url).then(() => undefined),
        // The display itself (ImageMagick's `import`): WebKitWebDriver's own screenshot, with the GL
        // compositor off, never answered once a chapter had run (60 s, every time here; after a plain run
        // or a scroll it did). The window fills the display, so this is the page as a learner sees it.
        screenshot: (file) => capture(display.display, file),
        close: () => (current === mine ? end() : Promise.resolve()),
      };
    },
    async close() {
      await end();
      display.stop();
    },
  };
}
