// (d) The embed's postMessage API (docs/CONTRACT.md "Embedding"), driven from host pages on other origins:
// the allowed origin commands it and hears back; a wrong origin, or a frame with no parentOrigin, is
// ignored; malformed messages get a lab:error naming the field; everyone hears lab:height.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch } from './helpers.mjs';
import { startHostServer, labFrame } from './embed-helpers.mjs';
import { allWaitingAtOnce } from './rules.mjs';

let server, hostA, hostB, browser, context;

before(async () => {
  [server, hostA, hostB, browser] = await Promise.all([startServer(), startHostServer(), startHostServer(), launch()]);
  context = await browser.newContext();
});
after(async () => {
  await browser?.close();
  await Promise.all([hostA?.close(), hostB?.close()]);
  server?.close();
});

/** A host page at `host` holding the embed with `query`; resolves once the frame's lab is ready. */
async function hostPage(host, query) {
  const page = await context.newPage();
  await page.goto(`${host.origin}/host?src=${encodeURIComponent(`${server.url}embed.html?${query}`)}`);
  const frame = await labFrame(page);
  return { page, frame };
}

/** Posts `msg` into the frame from the host page and waits for the lab's answer carrying `id` (or none). */
async function ask(page, msg, { id = msg?.id, timeout = 15_000 } = {}) {
  const before = await page.evaluate(() => window.received.length);
  await page.evaluate((m) => window.send(m), msg);
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const reply = await page.evaluate(
      ([from, id]) => window.received.slice(from).find((m) => m.data && (m.data.type === 'lab:result' || m.data.type === 'lab:error') && m.data.id === id),
      [before, id ?? null],
    );
    if (reply) return reply;
    await page.waitForTimeout(50);
  }
  return undefined;
}

const types = (page) => page.evaluate(() => window.received.map((m) => m.data?.type));

test('the allowed origin: lab:ready, lab:run -> lab:result with its id, lab:compare, lab:cancel, and lab:height', async () => {
  const { page, frame } = await hostPage(hostA, `workload=io-sleep&mode=asyncio&parentOrigin=${encodeURIComponent(hostA.origin)}`);
  await page.waitForFunction(() => window.received.some((m) => m.data?.type === 'lab:ready'));
  const ready = await page.evaluate(() => window.received.find((m) => m.data.type === 'lab:ready'));
  assert.equal(ready.origin, new URL(server.url).origin);
  assert.equal(ready.data.status.build, 'threads');
  assert.equal(ready.data.status.state, 'ready');

  const heights = await page.evaluate(() => window.received.filter((m) => m.data.type === 'lab:height').map((m) => m.data));
  assert.ok(heights.length >= 1 && heights.every((h) => Number.isInteger(h.height) && h.height > 100 && Object.keys(h).length === 2), JSON.stringify(heights));

  const run = await ask(page, { type: 'lab:run', id: 'r1', spec: { workload: 'io-sleep', mode: 'asyncio', tasks: 3, latencyMs: 50 } });
  assert.equal(run?.data.type, 'lab:result', JSON.stringify(run));
  assert.equal(run.data.result.spec.mode, 'asyncio');
  assert.equal(run.data.result.tasks.length, 3);
  // Three sleeps of 50 ms under asyncio: at least one sleep, all three at once.
  assert.ok(run.data.result.wallMs >= 49, `${run.data.result.wallMs} ms`);
  assert.ok(allWaitingAtOnce(run.data.result.tasks), 'the three sleeps overlap');
  // The frame shows the run too, and announces it.
  assert.match(await frame.textContent('#result-summary'), /asyncio: .* wall time/);
  assert.match(await frame.textContent('#announce'), /asyncio took/);

  // String values, as in a URL, go to the engine, which validates them; a number id is echoed.
  const str = await ask(page, { type: 'lab:run', id: 7, spec: { workload: 'cpu-primes', mode: 'rayon', tasks: '4', size: '100000' } });
  assert.equal(str?.data.type, 'lab:result');
  assert.equal(str.data.result.value, 9592);
  // Titled in the learner's words: the workload's title (as the catalogue gives it), then the one mode.
  const label = await frame.evaluate(() => window.lab.workloads().workloads.find((w) => w.name === 'cpu-primes').title);
  assert.match(label, /prime/i);
  assert.equal(await frame.textContent('#experiment-title'), `${label} · rayon`, "a host's run of one mode is titled as one mode");

  const bad = await ask(page, { type: 'lab:run', id: 'bad', spec: { workload: 'io-sleep', mode: 'asyncio', tasks: 0 } });
  assert.equal(bad?.data.type, 'lab:error');
  assert.equal(bad.data.error.name, 'SpecError');
  assert.equal(bad.data.error.field, 'tasks');
  assert.equal(bad.data.error.allowed, '1..1000');
  assert.match(bad.data.message, /Tasks/, "the field by its label");
  assert.equal(await frame.isVisible('#spec-error'), false, "the host's own error goes to the host, not on the learner's screen");

  // A Compare takes rounds until its claims are decided or its budget is spent (a busy machine's set-aside
  // rounds are not charged to it): the answer may take a while.
  const cmp = await ask(page, { type: 'lab:compare', id: 'c1', spec: { workload: 'io-sleep', tasks: 2, latencyMs: 20 } }, { timeout: 120_000 });
  assert.equal(cmp?.data.type, 'lab:result');
  const modes = await frame.evaluate(() => window.lab.workloads().modes.map((m) => m.name));
  assert.deepEqual(Object.keys(cmp.data.result).sort(), [...modes].sort());
  for (const m of modes) assert.ok(cmp.data.result[m].wallMs >= 19, `${m}: ${JSON.stringify(cmp.data.result[m]).slice(0, 200)}`);
  assert.equal(await frame.getAttribute('#compare-view', 'data-state'), 'done', 'the frame shows the compare');
  // The verdicts come with it (waits of 20 ms: borne out or inconclusive, never refuted).
  assert.deepEqual(cmp.data.claims.map((c) => c.id).sort(), ['asyncio-io', 'threads-io']);
  for (const c of cmp.data.claims) assert.notEqual(c.verdict, 'not-borne-out', JSON.stringify(c));

  // Cancel: a long run stops at once and its caller hears an AbortError carrying what was done.
  const t0 = Date.now();
  await page.evaluate(() => window.send({ type: 'lab:run', id: 'long', spec: { workload: 'io-sleep', mode: 'sequential', tasks: 4, latencyMs: 5000 } }));
  await frame.waitForFunction(() => window.lab.status().state === 'busy');
  const cancelled = await ask(page, { type: 'lab:cancel' }, { id: 'long' });
  assert.equal(cancelled?.data.type, 'lab:error');
  assert.equal(cancelled.data.error.name, 'AbortError');
  assert.ok(cancelled.data.error.result.tasks.some((t) => t.status === 'cancelled'));
  assert.ok(Date.now() - t0 < 4000, 'stopped well before the first 5 s sleep ended');
  await page.close();
});

test('malformed messages from the allowed origin get a lab:error naming the field; other libraries\' messages are ignored', async () => {
  const { page } = await hostPage(hostA, `workload=io-sleep&mode=asyncio&parentOrigin=${encodeURIComponent(hostA.origin)}`);
  const cases = [
    [{ type: 'lab:run', id: 's1' }, 'spec'],
    [{ type: 'lab:run', id: 's2', spec: [1, 2] }, 'spec'],
    [{ type: 'lab:compare', id: 's3', spec: 'workload=io-sleep' }, 'spec'],
    [{ type: 'lab:jump', id: 's4' }, 'type'],
    [{ id: 's5', spec: {} }, 'type'],
  ];
  for (const [msg, field] of cases) {
    const reply = await ask(page, msg);
    assert.equal(reply?.data.type, 'lab:error', JSON.stringify(msg));
    assert.equal(reply.data.error.field, field, JSON.stringify(msg));
    assert.equal(reply.data.error.name, 'SpecError');
  }
  const badId = await ask(page, { type: 'lab:run', id: { nested: true }, spec: {} }, { id: null });
  assert.equal(badId?.data.error.field, 'id');
  const notAnObject = await ask(page, 'run please', { id: null });
  assert.equal(notAnObject?.data.error.field, 'type');
  // A message of another library on the same page: not for the lab, no answer.
  const n = (await types(page)).length;
  await page.evaluate(() => window.send({ type: 'webpackOk', id: 'x' }));
  await page.waitForTimeout(300);
  // The frame's size goes to any parent (lab:height, and SPLICE's lti.frameResize, which has no type).
  const sizes = await page.evaluate((from) => window.received.slice(from).filter((m) => m.data?.type !== 'lab:height' && m.data?.subject !== 'lti.frameResize').length, n);
  assert.equal(sizes, 0);
  await page.close();
});

test('a wrong origin, or a frame with no parentOrigin, is ignored; lab:height still reaches any parent', async () => {
  // Host B holds a frame that allows only A.
  const { page, frame } = await hostPage(hostB, `workload=io-sleep&mode=asyncio&parentOrigin=${encodeURIComponent(hostA.origin)}`);
  const runsBefore = (await frame.evaluate(() => window.lab.history())).length;
  const reply = await ask(page, { type: 'lab:run', id: 'evil', spec: { workload: 'io-sleep', mode: 'asyncio', tasks: 1, latencyMs: 10 } }, { timeout: 1500 });
  assert.equal(reply, undefined, 'no answer to a wrong origin');
  const bad = await ask(page, { type: 'lab:run', id: 'evil2' }, { timeout: 500 });
  assert.equal(bad, undefined, 'not even an error');
  assert.equal((await frame.evaluate(() => window.lab.history())).length, runsBefore, 'nothing ran');
  const heard = await types(page);
  assert.ok(heard.includes('lab:height'), 'the height goes to any parent');
  assert.ok(!heard.includes('lab:ready'), 'lab:ready goes to the allowed origins only');

  // No parentOrigin at all: nobody commands it.
  const none = await hostPage(hostA, 'workload=io-sleep&mode=asyncio');
  assert.equal(await ask(none.page, { type: 'lab:run', id: 'x', spec: { workload: 'io-sleep', mode: 'asyncio', tasks: 1, latencyMs: 10 } }, { timeout: 1500 }), undefined);
  assert.ok(!(await types(none.page)).includes('lab:ready'));

  // Wildcards and paths are not origins: named on the page, and ignored.
  const wild = await hostPage(hostA, `workload=io-sleep&mode=asyncio&parentOrigin=*,${encodeURIComponent(`${hostA.origin}/course`)}`);
  const text = await wild.frame.textContent('#spec-error');
  assert.match(text, /parentOrigin: "\*" is not a full origin/);
  assert.match(text, /parentOrigin: ".*\/course" is not a full origin/);
  assert.equal(await ask(wild.page, { type: 'lab:run', id: 'w', spec: { workload: 'io-sleep', mode: 'asyncio', tasks: 1, latencyMs: 10 } }, { timeout: 1000 }), undefined);
  await Promise.all([page.close(), none.page.close(), wild.page.close()]);
});

test('the URL configures the embed; a bad parameter is named, and "Open in the full lab" carries the same parameters', async () => {
  const { page, frame } = await hostPage(hostA, 'workload=cpu-primes&mode=processes&tasks=3000&size=500000&parentOrigin=' + encodeURIComponent(hostA.origin));
  await frame.waitForFunction(() => !document.querySelector('#spec-error').hidden);
  assert.match(await frame.textContent('#spec-error'), /Tasks must be a whole number in 1\.\.1000/);
  assert.equal(await frame.getAttribute('#run', 'disabled'), '');
  const full = new URL(await frame.getAttribute('#open-full', 'href'));
  assert.equal(full.pathname, '/index.html');
  assert.equal(full.search, '?workload=cpu-primes&mode=processes&tasks=3000&size=500000');
  assert.equal(await frame.getAttribute('#open-full', 'target'), '_blank');
  await page.close();
});
