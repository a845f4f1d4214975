// The built site on two kinds of host, in Chromium:
//  (a) the lab's own server (isolation headers, real latency endpoint): the threads build, no service worker;
//  (b) a plain static server with no custom headers, under a sub-path: isolation through the service
//      worker after one reload, `rayon` runs, and `api/delay` is simulated with the server's contract.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, shot, labRun } from './helpers.mjs';
import { describeLoad, loadClass, othersDuring } from './load.mjs';
import { startStaticServer, labReady } from './embed-helpers.mjs';
import { parseDelayQuery } from '../../server/delay-contract.mjs';
import { allWaitingAtOnce } from './rules.mjs';

let server, statik, browser;

before(async () => {
  [server, statik, browser] = await Promise.all([startServer(), startStaticServer('/course/lab/'), launch()]);
});
after(async () => {
  await browser?.close();
  await statik?.close();
  server?.close();
});

/** A fresh browser context (no service worker, no storage) with page errors collected. */
async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Documents loaded, counted at DOMContentLoaded: a reload can come before the first document's `load`
  // event (its scripts and wasm, which a busy machine slows), never before its DOMContentLoaded (the
  // reload is decided by boot.js, a deferred script, after the page's own fetches).
  let loads = 0;
  page.on('domcontentloaded', () => loads++);
  return { context, page, errors, loads: () => loads };
}

test('(a) served with headers: the embed runs the threads build, isolated by the headers, with no service worker', async () => {
  const { context, page, errors, loads } = await freshPage();
  await page.goto(`${server.url}embed.html?workload=cpu-primes&mode=rayon&tasks=4&size=1000000`);
  const status = await labReady(page);
  assert.equal(status.crossOriginIsolated, true);
  assert.equal(status.build, 'threads');
  assert.equal(status.network, 'real');
  assert.equal(await page.evaluate(() => window.labBoot.isolation), 'headers');
  assert.equal(loads(), 1, 'no reload');
  assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length)), 0, 'no service worker where the host isolates');
  const { load } = await othersDuring(async () => {
    await page.click('#run');
    await page.waitForFunction(() => /rayon: .* wall time/.test(document.querySelector('#result-summary').textContent));
  });
  assert.match(await page.textContent('#result-summary'), /threads side by side/);
  const [run] = await page.evaluate(() => window.lab.history().then((h) => h.slice(-1)));
  // One pool thread per core: with two or more, the 4 tasks are shared out (among which is rayon's choice)
  // where the machine is quiet; on a busy one a pool thread may get no core until the others are done.
  const lanes = new Set(run.tasks.map((t) => t.lane)).size;
  const least = loadClass(load) === 'quiet' ? Math.min(2, status.threads) : 1;
  assert.ok(lanes >= least && lanes <= status.threads, `rayon ran on ${lanes} of ${status.threads} pool threads; ${describeLoad(load)}`);
  assert.equal(await page.getAttribute('#timeline', 'data-mode'), 'rayon', 'its timeline is drawn');
  assert.deepEqual(errors, []);
  await context.close();
});

test('(b) a static host with no headers, under a sub-path: one reload, isolated by the service worker, rayon runs', async () => {
  const { context, page, errors, loads } = await freshPage();
  await page.goto(statik.url);
  const status = await labReady(page);
  assert.equal(loads(), 2, 'exactly one reload');
  assert.equal(status.crossOriginIsolated, true);
  assert.equal(status.build, 'threads');
  assert.equal(await page.evaluate(() => window.labBoot.isolation), 'service-worker');
  assert.equal(await page.evaluate(() => new URL(navigator.serviceWorker.controller.scriptURL).pathname), '/course/lab/sw.js');

  const r = await labRun(page, { workload: 'cpu-primes', mode: 'rayon', tasks: 4, size: 1_000_000 });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value, 78_498);
  assert.equal(r.build, 'threads');
  const lanes = new Set(r.tasks.map((t) => t.lane)).size;
  assert.ok(lanes >= Math.min(2, status.threads) && lanes <= status.threads, `rayon ran on ${lanes} of ${status.threads} pool threads`);
  assert.equal(r.network, undefined, 'CPU work is not labelled with a network');

  // Another visit in the same tab: the worker serves it at once; no further reload.
  await page.reload();
  await labReady(page);
  assert.equal(loads(), 3, 'a reload of the page by the learner, and no extra one');
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('(b) on the static host, io-fetch is labelled simulated and the endpoint keeps the server\'s contract', async () => {
  const { context, page, errors } = await freshPage();
  await page.goto(`${statik.url}?workload=io-fetch&mode=asyncio&tasks=8&latencyMs=200`);
  const status = await labReady(page);
  assert.equal(status.network, 'simulated');
  assert.match(status.networkReason, /connections per host does not apply/);
  assert.match(await page.textContent('#status'), /Network: simulated.*Simulated network: there is no latency server/s);
  assert.match(await page.innerText('#status .status-line'), /Web requests are simulated in your browser/);

  await page.click('#run');
  const row = page.locator('#results tbody tr').last();
  await row.waitFor();
  assert.equal(await row.getAttribute('data-network'), 'simulated');
  assert.match(await row.textContent(), /simulated network/);
  const [last] = await page.evaluate(() => window.lab.history().then((h) => h.slice(-1)));
  assert.equal(last.network, 'simulated');
  assert.equal(last.value, 1600, 'every task got its delayMs back');
  // 8 requests at once: no waves of 6 (no connection is opened), so all eight wait at once (with a real
  // server the last two would start as the first six end); how close to one latency is a figure.
  assert.ok(last.wallMs >= 199, `asyncio took ${last.wallMs} ms`);
  assert.ok(allWaitingAtOnce(last.tasks), 'the eight simulated requests were all in flight at once');
  const seq = await labRun(page, { workload: 'io-fetch', mode: 'sequential', tasks: 3, latencyMs: 100 });
  assert.ok(seq.ok && seq.network === 'simulated' && seq.wallMs >= 299, JSON.stringify({ wall: seq.wallMs, network: seq.network }));

  // The same 400 bodies as the server, from the same module, for every malformed query.
  for (const q of ['ms=abc', 'ms=10001', '', 'ms=-1', 'ms=1.5', 'ms=1&ms=2', 'ms=5&fail=boom', 'ms=5&fail=status&fail=hang']) {
    const fromSw = await page.evaluate(async (q) => {
      const r = await fetch(`api/delay?${q}`, { cache: 'no-store' });
      return { status: r.status, body: await r.json(), simulated: r.headers.get('x-lab-network'), cache: r.headers.get('cache-control') };
    }, q);
    const real = await fetch(`${server.url}api/delay?${q}`);
    assert.equal(fromSw.status, 400, q);
    assert.equal(fromSw.simulated, 'simulated');
    assert.equal(fromSw.cache, 'no-store');
    assert.deepEqual(fromSw.body, await real.json(), `${q}: the same body as the server`);
    assert.deepEqual(fromSw.body, parseDelayQuery(new URLSearchParams(q)).body);
  }
  // fail=status answers 503 after the delay; reset is a network error; hang never answers (until aborted).
  const faults = await page.evaluate(async () => {
    const t0 = performance.now();
    const status = await fetch('api/delay?ms=120&fail=status', { cache: 'no-store' });
    const statusMs = performance.now() - t0;
    const reset = await fetch('api/delay?ms=10&fail=reset', { cache: 'no-store' }).then(() => 'answered', (e) => e.name);
    const t1 = performance.now();
    const hang = await fetch('api/delay?ms=0&fail=hang', { cache: 'no-store', signal: AbortSignal.timeout(400) }).then(() => 'answered', (e) => e.name);
    return { status: status.status, body: await status.json(), statusMs, reset, hang, hangMs: performance.now() - t1 };
  });
  assert.equal(faults.status, 503);
  assert.deepEqual(faults.body, { error: 'Service Unavailable (injected fault)', status: 503 });
  assert.ok(faults.statusMs >= 119, `the 503 came after ${faults.statusMs} ms`);
  assert.equal(faults.reset, 'TypeError', 'a reset is a network error');
  assert.equal(faults.hang, 'TimeoutError');
  assert.ok(faults.hangMs >= 399, 'a hang waits until the client gives up');

  // Injected faults through the engine behave as against the real endpoint.
  const base = { workload: 'io-fetch', mode: 'asyncio', tasks: 6, latencyMs: 100, timeoutMs: 800, onError: 'return-exceptions' };
  for (const [kind, status] of [['status', 'error'], ['reset', 'error'], ['hang', 'timeout']]) {
    const f = await labRun(page, { ...base, faults: { kind, rate: 0.5, seed: 11 } });
    assert.ok(f.ok, JSON.stringify(f));
    assert.equal(f.tasks.filter((t) => t.status === status).length, 3, `${kind}: exactly 3 of 6 fail`);
  }
  await shot(page, 'embed-static-host');
  assert.deepEqual(errors, []);
  await context.close();
});

test('(b) a static host that sends COOP/COEP itself but has no endpoint: isolated at once, then one reload for the simulated endpoint', async () => {
  const withHeaders = await startStaticServer('/lab/', {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  });
  try {
    const { context, page, errors, loads } = await freshPage();
    await page.goto(`${withHeaders.url}embed.html?workload=io-fetch&mode=asyncio&tasks=4&latencyMs=50`);
    // The first load is isolated by the host and starts at once; the probe finds no endpoint, so the
    // service worker is installed and the page reloads once to be served by it.
    // (A busy machine slows the service worker's install: the wait is long, since only the count is judged.)
    for (let i = 0; loads() < 2 && i < 600; i++) await page.waitForTimeout(100);
    const now = await labReady(page);
    assert.equal(loads(), 2, 'one reload');
    assert.equal(now.build, 'threads');
    assert.equal(now.network, 'simulated');
    await page.click('#run');
    await page.waitForFunction(() => /simulated network/.test(document.querySelector('#result-summary').textContent));
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await withHeaders.close();
  }
});
