// The embed's messages are input too: random messages (fast-check, seeded) from the allowed origin either
// get an answer carrying their id (a result, or a lab:error naming what was wrong) or are ignored, and
// the lab keeps working afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startServer, launch } from './helpers.mjs';
import { startHostServer, labFrame } from './embed-helpers.mjs';

let server, host, browser;
before(async () => {
  [server, host, browser] = await Promise.all([startServer(), startHostServer(), launch()]);
});
after(async () => {
  await browser?.close();
  await host?.close();
  server?.close();
});

const small = fc.oneof(fc.integer({ min: -3, max: 4 }), fc.constantFrom('2', 'x', '', null, true, 1.5, [], {}));
const spec = fc.record(
  {
    workload: fc.constantFrom('cpu-primes', 'io-sleep', 'io-fetch', 'nope', 7, null),
    mode: fc.constantFrom('sequential', 'asyncio', 'threads-gil', 'rayon', 'processes', 'compare', 'x'),
    tasks: small,
    size: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constantFrom('big', -1)),
    latencyMs: fc.oneof(fc.integer({ min: -1, max: 30 }), fc.constantFrom('slow')),
    onError: fc.constantFrom('raise', 'task-group', 'ignore'),
    faults: fc.oneof(fc.constant(undefined), fc.record({ kind: fc.constantFrom('status', 'boom'), rate: fc.double({ min: -1, max: 2, noNaN: true }) })),
  },
  { requiredKeys: [] },
);
const message = fc.oneof(
  fc.record({ type: fc.constant('lab:run'), id: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), spec: fc.oneof(spec, fc.constantFrom(null, 'x', 3, [])) }),
  fc.record({ type: fc.constantFrom('lab:ready', 'lab:result', 'lab:nope', 'LAB:RUN', ''), id: fc.string({ maxLength: 4 }) }),
  fc.constantFrom(null, 'lab:run', 42, [], { type: 7 }),
);

test('random messages from the allowed origin are answered by id or ignored; the lab keeps working', async () => {
  const page = await browser.newPage();
  const frameErrors = [];
  page.on('pageerror', (e) => frameErrors.push(e.message));
  await page.goto(`${host.origin}/host?src=${encodeURIComponent(`${server.url}embed.html?workload=io-sleep&mode=asyncio&parentOrigin=${encodeURIComponent(host.origin)}`)}`);
  await labFrame(page);
  await page.waitForFunction(() => window.received.some((m) => m.data?.type === 'lab:ready'));
  for (const [i, m] of fc.sample(message, { numRuns: 40, seed: 7 }).entries()) {
    const id = m && typeof m === 'object' && !Array.isArray(m) && m.type === 'lab:run' ? `fuzz-${i}` : undefined;
    const sent = id ? { ...m, id } : m;
    const before = await page.evaluate(() => window.received.length);
    await page.evaluate((x) => window.send(x), sent);
    if (!id) continue;
    await page.waitForFunction(
      ([from, id]) => window.received.slice(from).some((r) => (r.data?.type === 'lab:result' || r.data?.type === 'lab:error') && r.data.id === id),
      [before, id],
      { timeout: 20_000 },
    );
    const reply = await page.evaluate(([from, id]) => window.received.slice(from).find((r) => r.data?.id === id).data, [before, id]);
    if (reply.type === 'lab:error') assert.ok(reply.message && reply.error?.name, JSON.stringify(reply));
  }
  const ok = { type: 'lab:run', id: 'after', spec: { workload: 'io-sleep', mode: 'asyncio', tasks: 2, latencyMs: 5 } };
  const before = await page.evaluate(() => window.received.length);
  await page.evaluate((x) => window.send(x), ok);
  await page.waitForFunction((from) => window.received.slice(from).some((r) => r.data?.type === 'lab:result' && r.data.id === 'after'), before, { timeout: 20_000 });
  assert.deepEqual(frameErrors, []);
});
