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
  for (const q of samples) {
    if (q.mode === 'compare') q.mode = 'asyncio'; // compare would run every mode: not this test's subject
    const search = new URLSearchParams(q).toString();
    await page.goto(`${session.server.url}?${search}`);
    await page.evaluate(() => window.lab.ready);
    // Either the link's values were accepted, or the error names one of its parameters.
    const verdict = await page.evaluate(async () => {
      await new Promise((r) => setTimeout(r, 150));
      const error = document.querySelector('#form-error');
      return { shown: !error.hidden, text: error.textContent };
    });
    if (verdict.shown) {
      assert.ok(Object.keys(q).some((k) => verdict.text.includes(k.split('.')[0])) || /workload|mode/.test(verdict.text), `${search}: ${verdict.text}`);
    }
    assert.equal(await page.locator('#run').isVisible(), true);
  }
  // After all that, the lab still runs.
  const r = await page.evaluate(() => window.lab.run({ workload: 'io-sleep', mode: 'asyncio', tasks: 2, latencyMs: 5 }));
  assert.equal(r.value, 10);
  assert.deepEqual(errors, []);
});
