// (c) The lab in an iframe of a course page on another origin (another port) that is not isolated:
//  - served by the lab's own server, in Chromium as it is: Document-Isolation-Policy isolates the frame,
//    the threads build runs there and rayon computes on several threads at once;
//  - served by a plain static server: the service worker's Document-Isolation-Policy does the same;
//  - the static site in Chromium without Document-Isolation-Policy: the frame falls back to the single
//    build, says why, offers its own tab (where rayon works), and processes still compute at once.
//  - a sandboxed frame that cannot start workers says so, with a link to a tab of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, shot } from './helpers.mjs';
import { describeLoad, loadClass, othersDuring } from './load.mjs';
import { startStaticServer, startHostServer, labFrame, labReady } from './embed-helpers.mjs';
import { parallelShare } from './rules.mjs';

let server, statik, host, browser, noDip;

before(async () => {
  [server, statik, host, browser, noDip] = await Promise.all([
    startServer(), startStaticServer('/course/lab/'), startHostServer(), launch(),
    // A browser without Document-Isolation-Policy (Firefox and Safari today, Chrome before 137).
    launch(['--disable-features=DocumentIsolationPolicy']),
  ]);
});
after(async () => {
  await Promise.all([browser?.close(), noDip?.close()]);
  await Promise.all([statik?.close(), host?.close()]);
  server?.close();
});

const CPU = { workload: 'cpu-primes', tasks: 8, size: 4_000_000 };
const PRIMES = { 4_000_000: 283_146, 8_000_000: 539_777 };
const hostUrl = (labUrl, extra = '') => `${host.origin}/host?src=${encodeURIComponent(labUrl)}${extra}`;

/** One run in the frame: its value checked, its tasks' times kept (for what ran at once). */
async function runIn(frame, spec) {
  const r = await frame.evaluate((s) => window.lab.run(s).then((r) => ({ wallMs: r.wallMs, value: r.value, tasks: r.tasks.map((t) => ({ lane: t.lane, startMs: t.startMs, endMs: t.endMs })) })), spec);
  assert.equal(r.value, PRIMES[spec.size], `pi(${spec.size})`);
  return r;
}

test('(c) in a non-isolated course page, the lab\'s own server: the frame is isolated (Document-Isolation-Policy) and rayon computes at once', async (t) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(hostUrl(`${server.url}embed.html?workload=cpu-primes&mode=rayon&tasks=8&size=4000000`));
  assert.equal(await page.evaluate(() => crossOriginIsolated), false, 'the course page is not isolated');
  const frame = await labFrame(page);
  const status = await frame.evaluate(() => window.lab.status());
  assert.equal(status.crossOriginIsolated, true);
  assert.equal(status.build, 'threads');
  assert.equal(await frame.evaluate(() => window.labBoot.framed), true);
  await t.test(`rayon computes on ${status.threads} pool thread${status.threads === 1 ? '' : 's'} at once in the frame`, async (st) => {
    if (status.threads < 2) return st.skip('one core, one pool thread: nothing runs in parallel');
    // What ran at once, from the run's record (how much faster that is here is the bench's figure).
    // On a busy machine a pool thread may get no core until the other is done: the rule is for a quiet one.
    const { value: r, load } = await othersDuring(() => runIn(frame, { ...CPU, mode: 'rayon' }));
    const share = parallelShare(r.tasks);
    console.log(`# in the frame: rayon ${r.wallMs.toFixed(0)} ms, two tasks or more at once ${(100 * share).toFixed(0)}% of the time; ${describeLoad(load)}`);
    if (loadClass(load) !== 'quiet') return st.skip(`not quiet (${describeLoad(load)}): what ran at once is judged on a quiet machine`);
    assert.ok(new Set(r.tasks.map((x) => x.lane)).size >= 2 && share >= 0.5, `rayon in the frame: two tasks at once only ${(100 * share).toFixed(0)}% of the time`);
  });
  await context.close();
});

test('(c) the static site in a course page, Chromium as it is: the service worker\'s Document-Isolation-Policy isolates the frame', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(hostUrl(`${statik.url}embed.html?workload=cpu-primes&mode=rayon&tasks=4&size=1000000`));
  const frame = await labFrame(page);
  const status = await frame.evaluate(() => window.lab.status());
  assert.equal(status.crossOriginIsolated, true);
  assert.equal(status.build, 'threads');
  assert.equal(await frame.evaluate(() => window.labBoot.isolation), 'service-worker');
  const { value: r, load } = await othersDuring(() => frame.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'rayon', tasks: 4, size: 1_000_000 }).then((r) => new Set(r.tasks.map((t) => t.lane)).size)));
  // One pool thread per core: with two or more, the 4 tasks are shared out (among which is rayon's choice)
  // where the machine is quiet; on a busy one a pool thread may get no core until the others are done.
  const least = loadClass(load) === 'quiet' ? Math.min(2, status.threads) : 1;
  assert.ok(r >= least && r <= status.threads, `rayon ran on ${r} of ${status.threads} pool threads; ${describeLoad(load)}`);
  await context.close();
});

test('(c) without Document-Isolation-Policy: the static site in a frame falls back to single, says why, links its own tab; processes compute at once', async (t) => {
  const context = await noDip.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const query = 'workload=cpu-primes&mode=rayon&tasks=8&size=4000000';
  await page.goto(hostUrl(`${statik.url}embed.html?${query}&parentOrigin=${encodeURIComponent(host.origin)}`));
  const frame = await labFrame(page);
  const status = await frame.evaluate(() => window.lab.status());
  assert.equal(status.crossOriginIsolated, false);
  assert.equal(status.build, 'single');
  assert.match(status.buildReason, /frame of a page that is not cross-origin isolated.*Document-Isolation-Policy/);
  assert.match(await frame.textContent('#status'), /Single build because .*frame of a page that is not cross-origin isolated/);
  // On screen, one sentence in the learner's words; the build and its reason behind Details.
  assert.match(await frame.innerText('#status .status-line'), /^Your browser: \d+ cores?, ready\. Some modes cannot run on this page: its threads cannot share memory/);
  assert.equal(await frame.isVisible('#status .status-items'), false, 'the build and its reason are behind Details');

  // rayon, free-threaded and interpreters: unavailable, with the reason, and a way to a tab of their own
  // (threads-gil runs here, its threads taking turns on one real thread: tests/e2e/single-threads-gil.test.mjs).
  const catalogue = await frame.evaluate(() => window.lab.workloads());
  const off = catalogue.modes.filter((m) => m.unavailable).map((m) => m.name).sort();
  assert.deepEqual(off, ['free-threaded', 'interpreters', 'rayon']);
  const note = frame.locator('#isolation-note');
  assert.match(await note.textContent(), /rayon is unavailable here: .*not cross-origin isolated/);
  assert.match(await note.innerText(), /^rayon cannot run on this page: its threads cannot share memory here\./, 'in the learner\'s words; the lab\'s behind Details');
  assert.equal(await frame.getAttribute('#run', 'disabled'), '', 'Run is off for a mode this frame cannot run');
  const link = note.locator('a', { hasText: 'Open the lab in its own tab' });
  assert.equal(await link.getAttribute('target'), '_blank');
  const href = new URL(await link.getAttribute('href'));
  assert.equal(href.searchParams.get('mode'), 'rayon', 'the same parameters');
  assert.equal(href.searchParams.get('size'), '4000000');
  assert.equal(href.searchParams.get('parentOrigin'), null, 'a tab has no parent');
  const refused = await frame.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'rayon', tasks: 2, size: 1000 }).then(() => null, (e) => ({ name: e.name, reason: e.reason })));
  assert.equal(refused?.name, 'Unavailable');
  await shot(page, 'embed-fallback');

  // Processes still run in parallel (each its own wasm instance and memory: no shared memory needed).
  // Twice the work of the rayon test: each run starts its processes afresh (~100 ms here).
  const work = { ...CPU, size: 8_000_000 };
  const cores = await frame.evaluate(() => navigator.hardwareConcurrency);
  await t.test(`processes compute at once in the single build on ${cores} core${cores === 1 ? '' : 's'}`, async (st) => {
    if (cores < 2) return st.skip('one core: two processes cannot run at once');
    // Whatever the load, both processes take tasks and some of them run at once (in series they would
    // not). How much of the time: on a quiet machine at least half; on a busy one a process may wait for
    // a core while the other works (49% with the two-at-a-time group's other file beside it).
    const { value: r, load } = await othersDuring(() => runIn(frame, { ...work, mode: 'processes', workers: 2 }));
    const share = parallelShare(r.tasks);
    console.log(`# single build in the frame: processes ${r.wallMs.toFixed(0)} ms, two tasks or more at once ${(100 * share).toFixed(0)}% of the time; ${describeLoad(load)}`);
    const lanes = new Set(r.tasks.map((x) => x.lane));
    assert.ok(lanes.size === 2 && share > 0, `processes in the single build: lanes ${[...lanes]}, at once ${(100 * share).toFixed(0)}% of the time`);
    if (loadClass(load) !== 'quiet') return st.skip(`not quiet (${describeLoad(load)}): how much ran at once is judged on a quiet machine`);
    assert.ok(lanes.size === 2 && share >= 0.5, `processes in the single build: two tasks at once only ${(100 * share).toFixed(0)}% of the time`);
  });

  // Its own tab can be isolated (the service worker, top level): rayon works there.
  const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
  const own = await labReady(tab);
  assert.equal(own.build, 'threads');
  assert.equal(own.crossOriginIsolated, true);
  assert.equal(new URL(tab.url()).searchParams.get('mode'), 'rayon');
  await tab.click('#run');
  await tab.waitForFunction(() => /rayon: .* threads side by side/.test(document.querySelector('#result-summary').textContent), null, { timeout: 20_000 });
  await context.close();
});

test('a sandboxed frame that cannot start workers says so, with a link to the lab in its own tab', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(hostUrl(`${statik.url}embed.html?workload=io-sleep&mode=asyncio`, '&sandbox=allow-scripts%20allow-popups'));
  const frame = await (await page.waitForSelector('#lab')).contentFrame();
  await frame.waitForFunction(() => /cannot start its workers in this frame/.test(document.querySelector('#boot-message').textContent));
  const link = frame.locator('#boot-message a');
  assert.equal(await link.textContent(), 'Open the lab in its own tab');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match(await link.getAttribute('href'), /embed\.html\?workload=io-sleep&mode=asyncio$/);
  await context.close();
});

test('a browser without WebAssembly, or without module workers, gets a plain message instead of a blank page', async () => {
  const cases = [
    ['WebAssembly', () => delete globalThis.WebAssembly],
    // An old Worker that ignores its options never reads `type`: no module workers.
    ['module workers', () => { const W = globalThis.Worker; globalThis.Worker = function (url) { return new W(url); }; }],
  ];
  for (const [lacks, init] of cases) {
    const context = await browser.newContext();
    await context.addInitScript(init);
    const page = await context.newPage();
    await page.goto(`${server.url}embed.html?workload=io-sleep&mode=asyncio`);
    await page.waitForFunction(() => /cannot run in this browser/.test(document.querySelector('#boot-message').textContent));
    assert.match(await page.textContent('#boot-message'), new RegExp(`it lacks ${lacks}\\.`));
    assert.equal(await page.getAttribute('#boot-message', 'role'), 'alert');
    assert.equal(await page.evaluate(() => typeof window.lab), 'undefined', 'the module was never loaded');
    await context.close();
  }
});

test('(c) a chapter in a frame without Document-Isolation-Policy says what it cannot run: the free-threaded claim is inconclusive with the reason', async () => {
  const context = await noDip.newContext({ viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  await page.goto(hostUrl(`${statik.url}embed.html?chapter=free-threading&parentOrigin=${encodeURIComponent(host.origin)}`));
  const frame = await labFrame(page);
  assert.equal((await frame.evaluate(() => window.lab.status())).build, 'single');
  assert.equal(await frame.getAttribute('article.chapter', 'data-chapter'), 'free-threading');
  await frame.click('#chapter-run');
  await frame.waitForSelector('article.chapter[data-state=done]', { timeout: 40_000 });
  const claims = await frame.$$eval('.chapter-claims .claim', (els) => els.map((e) => ({ id: e.dataset.claim, verdict: e.dataset.verdict, text: e.textContent })));
  // The free-threaded build needs shared memory: its claim is left open, and says why.
  const free = claims.find((c) => c.id === 'free-threaded-cpu');
  assert.equal(free.verdict, 'inconclusive');
  assert.match(free.text, /free-threaded cannot run here: .*not cross-origin isolated/);
  assert.match(await frame.innerText('.chapter-claims .claim[data-claim=free-threaded-cpu] .why'), /^Why it is not decided: free-threaded cannot run on this page, so this claim is not tested here\.\s*Details$/);
  assert.match(await frame.textContent('[data-experiment=cpu-bound]'), /Unavailable/);
  assert.match(await frame.innerText('[data-experiment=cpu-bound]'), /Cannot run on this page: its threads need to share memory/);
  // What this frame can run still runs: threads under the GIL, taking turns on one thread, are never faster.
  assert.notEqual(claims.find((c) => c.id === 'threads-gil-cpu').verdict, 'not-borne-out');
  await shot(page, 'embed-chapter-no-dip');
  await context.close();
});
