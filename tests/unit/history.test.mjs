// The history's pure parts: the stored result's budget (spans merged below a pixel, kinds never mixed),
// record keys that sort by time, merging the previous schema's array once, the table's markers, and the
// transactions that write a run (the normal write and a hidden page's) against a stand-in object store.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadTs } from './load-ts.mjs';

let b, rec, mk;
before(async () => {
  [b, rec, mk] = await Promise.all([loadTs('www/src/engine/budget.ts'), loadTs('www/src/history/records.ts'), loadTs('www/src/history/markers.ts')]);
});

const totals = (spans) => {
  const t = {};
  for (const s of spans) t[s.kind] = (t[s.kind] ?? 0) + (s.endMs - s.startMs);
  return t;
};

/** A task's spans as threads-gil makes them: run and gil-wait in turns, with io-wait now and then. */
const spansArb = fc.array(fc.record({ kind: fc.constantFrom('run', 'gil-wait', 'io-wait'), len: fc.double({ min: 0.001, max: 30, noNaN: true }), gap: fc.double({ min: 0, max: 2, noNaN: true }) }), { maxLength: 300 }).map((xs) => {
  let t = 0;
  return xs.map(({ kind, len, gap }) => {
    const s = { kind, startMs: t + gap, endMs: t + gap + len };
    t = s.endMs;
    return s;
  });
});

test('coalesced spans: each kind keeps its total time, no span mixes kinds, spans long enough to see are kept', () => {
  fc.assert(
    fc.property(spansArb, fc.double({ min: 0.01, max: 50, noNaN: true }), (spans, res) => {
      const out = b.coalesceSpans(spans, res);
      const before = totals(spans);
      const after = totals(out);
      assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort(), 'no kind appears or disappears');
      // Stored times keep three decimals: each merged span's length is within a microsecond.
      for (const k of Object.keys(before)) assert.ok(Math.abs(after[k] - before[k]) <= 1e-3 * out.length + 1e-9, `${k}: ${after[k]} vs ${before[k]}`);
      for (const s of spans) if (s.endMs - s.startMs >= res) assert.ok(out.some((o) => o.kind === s.kind && o.startMs === s.startMs && o.endMs === s.endMs), 'a visible span is kept as it is');
      for (let i = 1; i < out.length; i++) assert.ok(out[i].startMs >= out[i - 1].endMs - 1e-3, 'spans stay one after another');
      assert.ok(out.length <= spans.length);
    }),
  );
});

test('coalescing turns many short turns into one span per kind per pixel', () => {
  // 1000 GIL turns of 1 ms (0.6 run, 0.4 wait) over 1 s; a pixel is 10 ms here.
  const spans = [];
  for (let i = 0; i < 1000; i++) {
    spans.push({ kind: 'run', startMs: i, endMs: i + 0.6 }, { kind: 'gil-wait', startMs: i + 0.6, endMs: i + 1 });
  }
  const out = b.coalesceSpans(spans, 10);
  assert.ok(out.length <= 2 * 101, `${out.length} spans`);
  assert.deepEqual(new Set(out.map((s) => s.kind)), new Set(['run', 'gil-wait']));
  const t = totals(out);
  assert.ok(Math.abs(t.run - 600) < 1e-6 && Math.abs(t['gil-wait'] - 400) < 1e-6);
});

/** A Result with `tasks` tasks of `turns` GIL turns each (1 ms per turn). */
function bigResult(tasks, turns) {
  return {
    v: 2, runId: 'r1', spec: { workload: 'cpu-primes', mode: 'threads-gil', tasks }, wallMs: turns, endMs: turns, value: 7, modelVersion: 2,
    tasks: Array.from({ length: tasks }, (_, id) => ({
      id, lane: `thread-${id}`, startMs: 0, endMs: turns, status: 'ok', gilWaitMs: turns * 0.4,
      spans: Array.from({ length: turns }, (_, i) => [{ kind: 'run', startMs: i + 0.123456789, endMs: i + 0.623456789 }, { kind: 'gil-wait', startMs: i + 0.623456789, endMs: i + 1.123456789 }]).flat(),
    })),
  };
}

test('a result within the budget is stored as it is; a larger one is coalesced under it, the original untouched', () => {
  const small = bigResult(2, 50);
  const s = b.fitToBudget(small);
  assert.equal(s.stored, small);
  assert.equal(s.coalesced, false);
  assert.equal(s.bytes, JSON.stringify(small).length);

  const big = bigResult(8, 20_000); // 320,000 spans: megabytes as JSON
  const copy = structuredClone(big);
  const f = b.fitToBudget(big);
  assert.ok(JSON.stringify(big).length > 10 * b.RESULT_BUDGET_BYTES);
  assert.equal(f.coalesced, true);
  assert.equal(f.stored.detail, 'coalesced');
  assert.ok(f.bytes <= b.RESULT_BUDGET_BYTES, `${f.bytes} bytes`);
  assert.equal(f.bytes, JSON.stringify(f.stored).length);
  assert.deepEqual(big, copy, 'the Result returned to the caller stays whole');
  // What is not timeline detail is kept exactly.
  for (const k of ['runId', 'spec', 'wallMs', 'endMs', 'value', 'modelVersion']) assert.deepEqual(f.stored[k], big[k], k);
  assert.deepEqual(f.stored.tasks.map((t) => [t.id, t.lane, t.gilWaitMs, t.status]), big.tasks.map((t) => [t.id, t.lane, t.gilWaitMs, t.status]));
  for (const [i, t] of f.stored.tasks.entries()) {
    const a = totals(t.spans);
    const e = totals(big.tasks[i].spans);
    assert.ok(Math.abs(a.run - e.run) < 1 && Math.abs(a['gil-wait'] - e['gil-wait']) < 1, 'each kind keeps its time');
  }
});

test('a stored copy over its budget loses its replay events first, and keeps its spans whole when that is enough', () => {
  const r = { ...bigResult(2, 10), events: 'x'.repeat(b.RESULT_BUDGET_BYTES) };
  const f = b.fitToBudget(r);
  assert.equal(f.stored.events, undefined);
  assert.ok(f.bytes <= b.RESULT_BUDGET_BYTES);
  assert.ok(r.events.length > 0, 'the original keeps them');
  // Spans that fit by themselves are kept as they are: replay reads them, exactly.
  const small = { ...bigResult(1, 1), events: 'x'.repeat(b.RESULT_BUDGET_BYTES) };
  const g = b.fitToBudget(small);
  assert.equal(g.stored.events, undefined);
  assert.equal(g.coalesced, false);
  assert.equal(g.stored.detail, undefined);
  assert.deepEqual(g.stored.tasks, small.tasks);
});

test('a partial result (a crash: no spans on some tasks, no wall time) fits without error', () => {
  const r = { spec: { workload: 'io-sleep', mode: 'asyncio', tasks: 3 }, error: { name: 'EngineError', message: 'worker died' }, cancelled: true, tasks: [{ id: 0, status: 'ok' }] };
  assert.equal(b.fitToBudget(r).stored, r);
  assert.equal(b.fitToBudget({ ...r, junk: 'y'.repeat(300_000) }, 1000).coalesced, true);
});

test('run keys sort by the time they were written; the bounds of "at or before t" are exact', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 1e6 }), (a, c, n) => {
      const ka = rec.runKey(a, 'abcdef', n);
      const kc = rec.runKey(c, 'zzzzzz', 0);
      if (a < c) assert.ok(ka < kc);
      assert.equal(rec.keyTime(ka), a);
      assert.ok(rec.isRunKey(ka));
      const [lo, hi] = rec.runKeyBounds(a);
      assert.ok(lo <= ka && ka <= hi, 'a key of time t is within "at or before t"');
      if (c > a) assert.ok(kc > hi, 'a later key is not');
      const [, all] = rec.runKeyBounds();
      assert.ok(ka <= all);
    }),
  );
  assert.equal(rec.isRunKey('history'), false);
  assert.equal(rec.isRunKey('schema'), false);
});

test('the previous schema\'s array is taken in once: each entry once, by runId or (older ones) by content', () => {
  const a = { runId: 'a', spec: { mode: 'asyncio' }, wallMs: 1 };
  const noId = { spec: { mode: 'sequential' }, wallMs: 2, endMs: 2, value: 5 };
  const legacy = { v: 1, data: [a, noId, a, 'junk', null] };
  const first = rec.planLegacyMerge(legacy, undefined, new Set());
  assert.deepEqual(first.take.map((t) => t.result), [a, noId]);
  assert.deepEqual(first.merged, ['a', rec.contentKey(noId)]);
  // Loaded again: nothing new. An old tab appends one: only that one.
  assert.deepEqual(rec.planLegacyMerge(legacy, first.merged, new Set()).take, []);
  const c = { runId: 'c', spec: {}, wallMs: 3 };
  const again = rec.planLegacyMerge({ v: 1, data: [a, noId, c] }, first.merged, new Set());
  assert.deepEqual(again.take.map((t) => t.result), [c]);
  // A run already stored (by runId) is not taken twice.
  assert.deepEqual(rec.planLegacyMerge({ v: 1, data: [c] }, [], new Set(['c'])).take, []);
  // Entries gone from the array leave the merged list; with no array at all (an old tab's Clear) it stays.
  assert.deepEqual(rec.planLegacyMerge({ v: 1, data: [c] }, ['a', 'c'], new Set()).merged, ['c']);
  assert.deepEqual(rec.planLegacyMerge(undefined, ['a'], new Set()), { take: [], merged: ['a'] });
  // Not the previous schema's shape: nothing is taken.
  assert.deepEqual(rec.planLegacyMerge({ v: 3, data: [c] }, [], new Set()).take, []);
  assert.deepEqual(rec.planLegacyMerge({ v: 1, data: 'x' }, [], new Set()).take, []);
});

test('only a larger schema number is a newer store', () => {
  assert.equal(rec.newerSchema(rec.STORE_SCHEMA + 1), true);
  for (const s of [undefined, 1, rec.STORE_SCHEMA, '3', null]) assert.equal(rec.newerSchema(s), false, String(s));
});

test('rows say how a run ended and mark an older model and a coarser stored timeline', () => {
  assert.equal(mk.outcomeText({ error: { name: 'EngineError' }, cancelled: true }), 'crashed');
  assert.equal(mk.outcomeText({ cancelled: true }), 'cancelled');
  assert.equal(mk.outcomeText({ error: { name: 'TimeoutError' } }), 'raised TimeoutError');
  assert.equal(mk.outcomeText({}), 'ok');
  assert.deepEqual(mk.rowMarkers({ modelVersion: 2 }, 2), []);
  assert.deepEqual(mk.rowMarkers({}, undefined), [], 'no marker before the current model is known');
  const old = mk.rowMarkers({}, 2);
  assert.equal(old.length, 1);
  assert.equal(old[0].text, 'model 1');
  assert.match(old[0].title, /model 1 .*this page runs model 2.*asyncio switched/);
  assert.deepEqual(mk.rowMarkers({ modelVersion: 2, detail: 'coalesced' }, 2).map((m) => m.kind), ['coalesced']);
});

/**
 * A stand-in for one IndexedDB object store inside a transaction: requests answer a tick later (as the
 * browser's do), keys in order; enough for the history's transactions (history/transactions.ts).
 */
function fakeStore(entries = {}) {
  const data = new Map(Object.entries(entries));
  const log = [];
  const inRange = (k, r) => r === undefined || (typeof r === 'object' ? k >= r.lower && k <= r.upper : k === r);
  const request = (f) => {
    const r = {};
    setTimeout(() => {
      r.result = f();
      r.onsuccess?.();
    }, 0);
    return r;
  };
  const keys = (range) => [...data.keys()].filter((k) => inRange(k, range)).sort();
  const os = {
    data,
    log,
    get: (k) => (log.push(`get ${k}`), request(() => structuredClone(data.get(k)))),
    put: (v, k) => (log.push(`put ${k}`), data.set(k, structuredClone(v)), request(() => k)),
    delete: (k) => (log.push(`delete ${typeof k === 'object' ? 'range' : k}`), keys(k).forEach((x) => data.delete(x)), request(() => undefined)),
    count: (range) => (log.push('count'), request(() => keys(range).length)),
    getAllKeys: (range) => request(() => keys(range)),
    getAll: (range) => request(() => keys(range).map((k) => structuredClone(data.get(k)))),
  };
  return os;
}

let tx;
before(async () => {
  globalThis.IDBKeyRange ??= { bound: (lower, upper) => ({ lower, upper }) };
  tx = await loadTs('www/src/history/transactions.ts');
});

const run = (n, bytes = 100) => ({ stored: { runId: `r${n}`, spec: {}, tasks: [] }, bytes });

test("a run's write: the schema read first (a newer lab's store: nothing written), then the records with the other reads at once; the total and the caps follow", async () => {
  let n = 0;
  const newKey = (at) => rec.runKey(at, 'tab000', n++);
  const os = fakeStore({ schema: 2, bytes: 1000, [rec.runKey(1, 'old000', 0)]: { at: 1, bytes: 1000, result: { runId: 'old' } } });
  const before = Date.now();
  const out = await tx.writeRuns(os, [run(1), run(2, 50)], newKey);
  assert.deepEqual(os.log.slice(0, 4), ['get schema', `put ${out.keys[0]}`, `put ${out.keys[1]}`, 'get bytes'], 'the schema, then the puts, then the reads');
  assert.ok(rec.keyTime(out.keys[0]) >= before, 'the time is read once the schema has answered');
  assert.equal(os.data.get('bytes'), 1150);
  assert.deepEqual(out.dropped, []);

  const newer = fakeStore({ schema: 3, bytes: 7 });
  await assert.rejects(tx.writeRuns(newer, [run(3)], newKey), (e) => e instanceof tx.NewerStore && e.schema === 3);
  assert.deepEqual(newer.log, ['get schema'], "a newer lab's store: nothing is written");
});

test('past the cap the oldest runs go, never the ones just written', async () => {
  let n = 0;
  const newKey = (at) => rec.runKey(at, 'tab000', n++);
  const stored = Object.fromEntries(Array.from({ length: rec.HISTORY_CAP }, (_, i) => [rec.runKey(1000 + i, 'old000', i), { at: 1000 + i, bytes: 10, result: {} }]));
  const os = fakeStore({ schema: 2, bytes: 10 * rec.HISTORY_CAP, ...stored });
  // dropOldest walks a cursor: the stand-in gives the oldest keys in order.
  os.openCursor = (range) => {
    const r = {};
    const list = [...os.data.keys()].filter((k) => k >= range.lower && k <= range.upper).sort();
    let i = 0;
    const step = () =>
      setTimeout(() => {
        const k = list[i++];
        r.result = k === undefined ? null : { primaryKey: k, value: os.data.get(k), delete: () => os.data.delete(k), continue: step };
        r.onsuccess?.();
      }, 0);
    step();
    return r;
  };
  const out = await tx.writeRuns(os, [run(1, 10), run(2, 10)], newKey);
  assert.deepEqual(out.dropped, [rec.runKey(1000, 'old000', 0), rec.runKey(1001, 'old000', 1)]);
  assert.ok(out.keys.every((k) => os.data.has(k)));
  assert.equal([...os.data.keys()].filter(rec.isRunKey).length, rec.HISTORY_CAP);
  assert.equal(os.data.get('bytes'), 10 * rec.HISTORY_CAP);
});

test("a hidden page's write makes every request at once, before any answer; if the page lives on, the checks follow (a newer lab's store gets its keys taken out)", async () => {
  let n = 0;
  const newKey = (at) => rec.runKey(at, 'tab000', n++);
  const os = fakeStore({ schema: 2, bytes: 40 });
  const keys = tx.putNow(os, [run(1, 10), run(2, 20)], newKey);
  assert.deepEqual(os.log, keys.map((k) => `put ${k}`), 'only puts, made before this returns');
  const settled = await tx.settleHiddenWrite(os, keys, 30, ['legacy-1']);
  assert.deepEqual(settled, { newer: undefined, dropped: [] });
  assert.equal(os.data.get('bytes'), 70);
  assert.deepEqual(os.data.get('v1-merged'), ['legacy-1']);

  const newer = fakeStore({ schema: 3 });
  const k2 = tx.putNow(newer, [run(3)], newKey);
  assert.deepEqual(await tx.settleHiddenWrite(newer, k2, 100, []), { newer: 3, dropped: [] });
  assert.deepEqual([...newer.data.keys()], ['schema'], 'its records are taken out again, nothing else written');
});
