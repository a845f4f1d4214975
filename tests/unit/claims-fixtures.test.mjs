// `lab.claims` over recorded Compares (tests/unit/fixtures/compare-*.json, made by record-compares.mjs from
// real Compares in Chromium): the same Compare gives the same verdicts, measured text and reasons as when it
// was recorded, so a change of the verdicts' code that moves any of them shows here.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTs } from './load-ts.mjs';

const DIR = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'fixtures');
const FIXTURES = readdirSync(DIR).filter((f) => /^compare-.*\.json$/.test(f)).sort();

let v;
before(async () => {
  v = await loadTs('www/src/measure/verdicts.ts');
});

test('there are recorded Compares to check', () => {
  assert.ok(FIXTURES.length >= 3, FIXTURES.join());
});

for (const f of FIXTURES) {
  test(`${f}: lab.claims gives the recorded verdicts`, () => {
    const { outcome, claims } = JSON.parse(readFileSync(join(DIR, f), 'utf8'));
    const now = JSON.parse(JSON.stringify(v.claims(outcome)));
    assert.deepEqual(now, claims);
  });
}
