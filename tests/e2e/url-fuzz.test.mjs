// The URL is input too: random query strings (fast-check, seeded) never break the page. Each either fills
// the form or shows a SpecError naming the bad parameter, and the page keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { labSession } from './helpers.mjs';

const session = labSession();

const names = ['workload', 'mode', 'tasks', 'size', 'latencyMs', 'workers', 'iterations', 'switchIntervalMs', 'timeoutMs', 'onError', 'faults.kind', 'faults.rate', 'faults.seed', 'v', 'bogus'];
const values = fc.oneof(
  fc.constantFrom('cpu-primes', 'io-fetch', 'io-sleep', 'cpu-mandelbrot', 'mixed-pipeline', 'asyncio', 'threads-gil', 'processes', 'rayon', 'sequential', 'status', 'task-group', 'compare'),
  fc.integer({ min: -5, max: 3_000_000_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.string({ maxLength: 8 }),
);
const query = fc.dictionary(fc.constantFrom(...names), values, { maxKeys: 6 });

test('random query strings never break the page', async () => {
  const page = await session.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const samples = fc.sample(query, { numRuns: 25, seed: 20261125 });
  const outcomes = { ok: 0, error: 0 };
  // Page parameters (here `v`) never reach spec validation; the rest of the query does.
  for (const q of samples) {
    if (q.mode === 'compare') q.mode = 'asyncio'; // compare would run every mode: not this test's subject
    if (Object.keys(q).every((k) => k === 'v')) q.workload = 'io-sleep'; // only page parameters: the lesson opens
    const search = new URLSearchParams(q).toString();
    await page.goto(`${session.server.url}?${search}`);
    await page.evaluate(() => window.lab.ready);
    // The page says when it has checked the link; the engine's own verdict on the same spec decides what
    // the page must show: nothing, or every bad field by its label.
    await page.waitForFunction(() => document.body.dataset.link);
    const seen = await page.evaluate(async () => {
      const error = document.querySelector('#form-error');
      const expected = await window.lab.validate(JSON.parse(document.body.dataset.linkSpec)).then(
        () => null,
        (e) => e.errors ?? [{ label: e.field, message: e.message }],
      );
      return { state: document.body.dataset.link, shown: !error.hidden, text: error.textContent, expected };
    });
    assert.equal(seen.state, seen.expected === null ? 'ok' : 'error', `${search}: the page's check said ${seen.state}, the engine ${JSON.stringify(seen.expected)}`);
    assert.equal(seen.shown, seen.expected !== null, `${search}: shown ${seen.shown}, engine ${JSON.stringify(seen.expected)}`);
    for (const e of seen.expected ?? []) assert.ok(seen.text.includes(e.message), `${search}: "${e.message}" in "${seen.text}"`);
    assert.equal(await page.locator('#run').isVisible(), true);
    outcomes[seen.state]++;
  }
  // The seeded sample holds links of both kinds, so both assertions above were made.
  assert.ok(outcomes.ok >= 1 && outcomes.error >= 1, `links checked: ${JSON.stringify(outcomes)}`);
  // After all that, the lab still runs.
  const r = await page.evaluate(() => window.lab.run({ workload: 'io-sleep', mode: 'asyncio', tasks: 2, latencyMs: 5 }));
  assert.equal(r.value, 10);
  assert.deepEqual(errors, []);
});
