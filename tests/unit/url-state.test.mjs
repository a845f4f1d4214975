// url-state.ts: the lab's URL read and written in one place; a link reads back as the state it was made from.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadTs } from './load-ts.mjs';

let u;
before(async () => {
  u = await loadTs('www/src/url-state.ts');
});

test('page parameters never reach the spec', () => {
  const link = u.parseLink('?workload=io-fetch&chapter=gil&autorun=1&t=120&run=abc&v=2&parentOrigin=https%3A%2F%2Fa.example&tasks=6');
  assert.deepEqual(link.spec, { workload: 'io-fetch', tasks: '6' });
  assert.deepEqual(link.page, { chapter: 'gil', autorun: '1', t: '120', run: 'abc', v: '2', parentOrigin: 'https://a.example' });
  for (const p of u.PAGE_PARAMS) assert.ok(!(p in link.spec), p);
  assert.equal(link.chapter, 'gil');
  assert.equal(link.autorun, true);
  assert.equal(link.compare, false);
});

test('mode=compare alone opens the compare view, with no mode in the spec', () => {
  const link = u.parseLink('?mode=compare');
  assert.deepEqual(link, { spec: {}, compare: true, autorun: false, page: {} });
  assert.equal(u.parseLink('mode=asyncio').compare, false);
  assert.deepEqual(u.parseLink('mode=asyncio').spec, { mode: 'asyncio' });
});

test('autorun only when it is 1', () => {
  assert.equal(u.parseLink('?autorun=1').autorun, true);
  for (const q of ['', '?autorun=0', '?autorun=true', '?autorun=', '?autorun']) assert.equal(u.parseLink(q).autorun, false, q);
  assert.deepEqual(u.parseLink('?autorun=1').spec, {});
});

test('chapter=gil is kept, and written first', () => {
  const link = u.parseLink('chapter=gil');
  assert.equal(link.chapter, 'gil');
  assert.deepEqual(link.spec, {});
  assert.equal(u.parseLink('?workload=x').chapter, undefined);
  assert.equal(u.linkFor({ spec: { workload: 'cpu-primes' }, chapter: 'gil' }), '?chapter=gil&workload=cpu-primes');
});

test('typos and dotted keys pass through as strings; a repeated key keeps its last value', () => {
  const link = u.parseLink('?workload=io-fetch&taks=3&faults.kind=status&faults.rate=0.5&tasks=2&tasks=9');
  assert.deepEqual(link.spec, { workload: 'io-fetch', taks: '3', 'faults.kind': 'status', 'faults.rate': '0.5', tasks: '9' });
  assert.equal(u.parseLink('?mode=compare&mode=asyncio').compare, false);
  assert.equal(u.parseLink('?mode=asyncio&mode=compare').spec.mode, undefined);
});

test('linkFor writes a stable order and leaves out what is empty', () => {
  const spec = { size: 600, tasks: 8, mode: 'threads-gil', workload: 'cpu-mandelbrot', iterations: 1000, timeoutMs: NaN, latencyMs: undefined, onError: '', x: null };
  assert.equal(u.linkFor({ spec }), '?workload=cpu-mandelbrot&mode=threads-gil&tasks=8&iterations=1000&size=600');
  assert.equal(u.linkFor({ spec: { workload: 'io-fetch', mode: 'asyncio' }, compare: true, autorun: true }), '?workload=io-fetch&mode=compare&autorun=1');
  assert.equal(u.linkFor({ spec: { workload: 'io-fetch' }, autorun: false }), '?workload=io-fetch');
  assert.equal(u.linkFor({ spec: {} }), '');
  // A nested faults object is written as the URL's dotted keys; page parameters in a spec are not spec fields.
  assert.equal(u.linkFor({ spec: { workload: 'io-fetch', faults: { kind: 'status', rate: 0.5 }, v: 2, chapter: 'gil' } }), '?workload=io-fetch&faults.kind=status&faults.rate=0.5');
  assert.equal(u.linkFor({ spec: { workload: 'io-fetch' }, page: { v: '2', t: '40' } }), '?workload=io-fetch&t=40&v=2');
  assert.equal(u.linkFor({ spec: { latencyMs: 200, releasesGil: true } }), '?latencyMs=200&releasesGil=true');
});

test('parseLink(linkFor(state)) is the state (property)', () => {
  const key = fc.oneof(
    fc.constantFrom('workload', 'mode', 'tasks', 'size', 'latencyMs', 'workers', 'faults.kind', 'faults.rate', 'onError', 'taks', '__proto__', 'a b', 'é&=?#'),
    fc.string({ minLength: 1, maxLength: 8 }),
  ).filter((k) => !u.PAGE_PARAMS.includes(k));
  const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(undefined));
  const state = fc.record(
    {
      spec: fc.dictionary(key, value, { maxKeys: 8 }),
      compare: fc.boolean(),
      chapter: fc.string({ maxLength: 10 }),
      autorun: fc.boolean(),
    },
    { requiredKeys: ['spec'] },
  );
  fc.assert(
    fc.property(state, (s) => {
      const back = u.parseLink(u.linkFor(s));
      const compare = Boolean(s.compare) || s.spec.mode === 'compare';
      const expected = {};
      for (const [k, v] of Object.entries(s.spec)) {
        if (v === undefined || (typeof v === 'number' && !Number.isFinite(v)) || String(v) === '') continue;
        if (k === 'mode' && compare) continue;
        Object.defineProperty(expected, k, { value: String(v), enumerable: true, writable: true, configurable: true });
      }
      assert.deepEqual(back.spec, expected);
      assert.equal(back.compare, compare);
      assert.equal(back.autorun, Boolean(s.autorun));
      assert.equal(back.chapter, s.chapter ? s.chapter : undefined);
      // The link is stable: writing what was read gives the same link.
      assert.equal(u.linkFor(back), u.linkFor(s));
    }),
    { numRuns: 500 },
  );
});
