// The browser side of the bench: Debian's Chromium driven by playwright-core, the lab's page with its
// engine (`window.lab`), a plain-JavaScript kernel in a Worker of the same page, and the page-side
// overheads (pool start-up, cold load, frame lag). Every time here is taken inside the browser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BENCH } from './paths.mjs';
import { childrenSettled } from '../../tests/e2e/load.mjs';

// Without the networking flags Chromium floods this closed network with refused connections
// (README.md, "How the tests drive each engine").
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

const JS_KERNELS = readFileSync(join(BENCH, 'kernels', 'kernels.js'), 'utf8');

/**
 * A browser on a profile kept on disk (`dir`), as a learner's: its HTTP cache, V8's code cache and the
 * site's storage outlive a close, so opening `dir` again is a returning visit. (A context of
 * `launchBrowser()` keeps its HTTP cache in memory, where Chromium keeps no file over a few MB.)
 */
export async function persistentProfile(dir) {
  const context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  // A learner opens the page in a browser already running: the browser's own start-up is not the page's.
  // Measured from a browser just launched, a returning visit's `lab.ready` read 705-867 ms where, with the
  // browser settled first, the same visits read 442-549 (tests/e2e/load.mjs, `childrenSettled`).
  await childrenSettled();
  return context;
}

export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return browser;
}

/** The lab page, ready to run, with a JS-kernel Worker beside the engine. */
export async function openLab(browser, url, rawWasm) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => typeof window.lab === 'object' && !!window.lab.ready, null, { polling: 50 });
  const status = await page.evaluate(() => window.lab.ready);
  // The engine's catalogue: the rules the report and the verdicts read (bench/run.mjs keeps it in meta).
  const catalogue = await page.evaluate(() => window.lab.workloads());
  await page.evaluate(async ([src, wasm]) => {
    const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { name: 'bench-js' });
    const call = (msg) =>
      new Promise((resolve, reject) => {
        worker.onmessage = ({ data }) => (data.ok ? resolve(data) : reject(new Error(data.message)));
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage(msg);
      });
    window.__benchJs = (spec, impl) => call({ spec, impl });
    window.__benchFetch = (tasks, latencyMs) => call({ fetch: { base: document.baseURI, tasks, latencyMs } });
    if (wasm) await call({ wasmBytes: new Uint8Array(wasm) });
    // Frame gaps on the main thread while a job runs: the page's own heartbeat keeps only the worst, so the
    // bench samples every requestAnimationFrame gap itself for p50/p99.
    window.__benchFrames = () => {
      const gaps = [];
      let last = performance.now();
      let on = true;
      const tick = (now) => {
        gaps.push(now - last);
        last = now;
        if (on) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      return () => {
        on = false;
        return gaps;
      };
    };
  }, [JS_KERNELS, rawWasm ? [...rawWasm] : null]);
  return { context, page, status, catalogue, errors };
}

/** One run through `window.lab.run`, timed by the engine (`wallMs`), with the frame gaps seen meanwhile. */
export async function labRun(page, spec) {
  const r = await page.evaluate(async (s) => {
    const stop = window.__benchFrames();
    window.lab.resetFrameLag();
    try {
      const res = await window.lab.run(s);
      // The result's arrival and its drawing belong to the job: its samples are read after a frame and
      // three heartbeat samples more (a band of the image drawn in slices, the timeline, the table).
      await new Promise((done) => requestAnimationFrame(() => {
        const n0 = window.lab.frameLag().samples;
        const t0 = performance.now();
        const poll = () => (window.lab.frameLag().samples >= n0 + 3 || performance.now() - t0 > 200 ? done() : setTimeout(poll, 2));
        poll();
      }));
      const gaps = stop();
      return {
        ok: true,
        wallMs: res.wallMs,
        value: res.value,
        error: res.error,
        spec: res.spec,
        build: res.build,
        class: res.class,
        machine: res.machine,
        network: res.network,
        gaps,
        // The page's event-loop lag samples (a MessageChannel every ~5 ms): not quantised to frames.
        loopLag: window.lab.frameLag().samplesMs,
        longTasksMs: window.lab.frameLag().longTasksMs,
        heartbeatMaxLagMs: window.lab.frameLag().maxMs,
        // Process start-up and message spans (the `processes` mode records them per task).
        spans: res.tasks.flatMap((t) => (t.spans || []).filter((sp) => sp.kind === 'start' || sp.kind === 'message').map((sp) => ({ task: t.id, ...sp }))),
        statuses: res.tasks.map((t) => t.status),
      };
    } catch (e) {
      stop();
      return { ok: false, name: e.name, message: e.message };
    }
  }, spec);
  if (!r.ok) throw new Error(`lab.run(${JSON.stringify(spec)}) failed: ${r.name}: ${r.message}`);
  if (r.error) throw new Error(`lab.run(${JSON.stringify(spec)}) raised ${r.error.name}: ${r.error.message}`);
  return r;
}

/** The plain-JavaScript kernel (or, with impl 'wasm', the raw wasm kernel), single-threaded, in a
 *  Worker of the same page; timed in the worker. */
export function jsRun(page, spec, impl = 'js') {
  return page.evaluate(([s, i]) => window.__benchJs(s, i), [spec, impl]);
}

/** T plain fetches at once from a Worker of the page: the browser's own floor for the lab's I/O. */
export function fetchRun(page, tasks, latencyMs) {
  return page.evaluate(([t, l]) => window.__benchFetch(t, l), [tasks, latencyMs]);
}

/**
 * Thread-pool start-up, measured inside a fresh module Worker of the lab's page: the threads build's
 * module loaded and instantiated (`default()`), then `initThreadPool(threads)` timed alone.
 */
export async function poolStart(page, threads) {
  return page.evaluate(async (n) => {
    const pkg = new URL('pkg/threads/concurrency_lab.js', document.baseURI).href;
    const src = `
      self.onmessage = async ({ data }) => {
        try {
          const t0 = performance.now();
          const mod = await import(data.pkg);
          await mod.default();
          const t1 = performance.now();
          await mod.initThreadPool(data.n);
          const t2 = performance.now();
          postMessage({ ok: true, instantiateMs: t1 - t0, poolMs: t2 - t1, isolated: self.crossOriginIsolated });
        } catch (e) { postMessage({ ok: false, message: String(e) }); }
      };`;
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
    const out = await new Promise((resolve) => {
      w.onmessage = ({ data }) => resolve(data);
      w.onerror = (e) => resolve({ ok: false, message: e.message || 'worker error' });
      w.postMessage({ pkg, n });
    });
    w.terminate();
    if (!out.ok) throw new Error(`pool start failed: ${out.message}`);
    return out;
  }, threads);
}

/** Waits for the page's `window.lab` (installed by a module script that may finish after the load
 *  event); on a timeout, says what the page shows. */
async function waitForLab(page, timeout = 20_000) {
  await page.waitForFunction(() => typeof window.lab === 'object' && !!window.lab.ready, null, { polling: 50, timeout }).catch(async (e) => {
    const state = await page
      .evaluate(() => JSON.stringify({ url: location.href, readyState: document.readyState, lab: typeof window.lab, boot: window.labBoot, text: document.body?.innerText.slice(0, 300) }))
      .catch((x) => `(no state: ${x.message})`);
    throw new Error(`${e.message.split('\n')[0]}; the page: ${state}`);
  });
}

/**
 * A fresh lab page: a new browser context (empty HTTP and code caches, no stored calibration, a new
 * engine), `lab.ready` awaited. Resolves to { page, status, catalogue, errors, close() }.
 */
export async function freshLab(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await waitForLab(page, 60_000);
    const { status, catalogue } = await page.evaluate(async () => ({ status: await window.lab.ready, catalogue: window.lab.workloads() }));
    return { page, status, catalogue, errors, close: () => context.close() };
  } catch (e) {
    await context.close();
    throw e;
  }
}

/**
 * Page load to first result on a cold cache: a new browser context (empty HTTP and code caches), the
 * lab's page, `lab.ready`, then one small run. Times are from the navigation's start.
 */
export async function coldLoad(browser, url, spec) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await waitForLab(page);
    return await page.evaluate(async (s) => {
      await window.lab.ready;
      const readyMs = performance.now();
      const r = await window.lab.run(s);
      return { readyMs, firstResultMs: performance.now(), value: r.value, build: r.build };
    }, spec);
  } finally {
    await context.close();
  }
}
