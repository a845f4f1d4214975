// Importing a run (www/src/replay/import.ts) and carrying one in a link (url-state.ts `run`, `t`): untrusted
// input of any size. Every refusal names the field and what is allowed; what passes replays as the original.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { loadTs } from './load-ts.mjs';

let I, R, U, L;
before(async () => {
  [I, R, U, L] = await Promise.all([loadTs('www/src/replay/import.ts'), loadTs('www/src/replay/replay.ts'), loadTs('www/src/url-state.ts'), loadTs('www/src/replay/link.ts')]);
});

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/replay-${name}.json`, import.meta.url), 'utf8'));
const exported = (...results) => JSON.stringify({ v: 2, exportedAt: '2026-11-29T00:00:00.000Z', results }, null, 2);
const opts = { schema: 2 };

/** The states of a replay at every instant, for comparing two replays. */
const states = (rp) => rp.times.flatMap((t, i) => [rp.stateAt(t), rp.stateAt(i + 1 < rp.times.length ? (t + rp.times[i + 1]) / 2 : t + 1)]);

function refused(fn, field, allowed) {
  assert.throws(fn, (e) => {
    assert.equal(e.name, 'ImportError');
    assert.equal(e.field, field);
    if (allowed) assert.match(e.allowed, allowed);
    assert.ok(e.message.startsWith(field), e.message);
    return true;
  });
}

test('an export of the page (Export JSON) imports back and replays identically', () => {
  const runs = ['threads-gil-cpu', 'asyncio-mixed', 'processes-cpu'].map(fixture);
  const back = I.importText(exported(...runs), opts);
  assert.equal(back.length, 3);
  for (const [i, r] of runs.entries()) {
    assert.deepEqual(states(R.replay(back[i])), states(R.replay(r)), r.spec.mode);
    assert.deepEqual(back[i].tasks, r.tasks.map(({ value: _value, ...t }) => t));
    assert.equal(back[i].runId, r.runId);
  }
  // One Result on its own (JSON.stringify of what lab.run gave) is read too.
  assert.equal(I.importText(JSON.stringify(runs[0]), opts)[0].spec.mode, 'threads-gil');
});

test('malformed imports are refused, naming the field and what is allowed', () => {
  const r = fixture('threads-gil-cpu');
  const bad = (patch) => exported({ ...r, ...patch(structuredClone(r)) });
  refused(() => I.importText('{"v": 2, "results": [', opts), 'file', /Export JSON/);
  refused(() => I.importText('[1, 2]', opts), 'file', /an object/);
  refused(() => I.importText(JSON.stringify({ v: 3, results: [r] }), opts), 'v', /1\.\.2/);
  refused(() => I.importText(JSON.stringify({ v: 2, results: [] }), opts), 'results', /1\.\.1000/);
  refused(() => I.importText(bad(() => ({ spec: { ...r.spec, mode: 'threads gil' } })), opts), 'results[0].spec.mode', /mode name/);
  refused(() => I.importText(bad(() => ({ spec: { ...r.spec, tasks: 1001 } })), opts), 'results[0].spec.tasks', /1\.\.1000/);
  refused(() => I.importText(bad(() => ({ endMs: -1 })), opts), 'results[0].endMs');
  refused(() => I.importText(bad((c) => ((c.tasks[3].spans[2].kind = 'nap'), { tasks: c.tasks })), opts), 'results[0].tasks[3].spans[2].kind', /run, run-nogil, gil-wait, io-wait, loop-wait, message, start/);
  refused(() => I.importText(bad((c) => ((c.tasks[1].spans[0].endMs = c.tasks[1].spans[0].startMs - 1), { tasks: c.tasks })), opts), 'results[0].tasks[1].spans[0].endMs');
  refused(() => I.importText(bad((c) => ((c.tasks[2].id = 0), { tasks: c.tasks })), opts), 'results[0].tasks[2].id', /once/);
  refused(() => I.importText(bad((c) => ((c.tasks[0].status = 'fine'), { tasks: c.tasks })), opts), 'results[0].tasks[0].status', /ok, error, timeout, cancelled/);
  refused(() => I.importText(bad(() => ({ events: { v: 1, list: [{ tMs: 1, kind: 'gil-steal' }] } })), opts), 'results[0].events.list[0].kind', /gil-take/);
  refused(() => I.importText(bad(() => ({ spec: { ...r.spec, '<img>': 1 } })), opts), 'results[0].spec (a field\'s name)');
});

test('an oversized import is refused before it is parsed, naming the file and the cap', async () => {
  const big = new Blob(['{"v":2,"results":[', ' '.repeat(1024), ']}']);
  await assert.rejects(I.importFile(big, { schema: 2, maxBytes: 1000 }), (e) => e.name === 'ImportError' && e.field === 'file' && /at most 1 KiB/.test(e.allowed));
  assert.equal(I.MAX_IMPORT_BYTES, 32 * 1024 * 1024);
  refused(() => I.importText('x'.repeat(2000), { schema: 2, maxBytes: 1000 }), 'file', /at most/);
  // Many small spans: past the cap on spans and events of one file.
  const r = fixture('asyncio-io');
  const many = { ...r, tasks: r.tasks.map((t) => ({ ...t, spans: Array.from({ length: 1_400_000 }, () => ({ kind: 'run', startMs: 0, endMs: 0 })) })) };
  refused(() => I.importData({ v: 2, results: [many] }, opts), 'results[0].tasks[2].spans', /4,000,000/);
});

test('fuzzed JSON never throws anything but an ImportError naming a field', () => {
  const r = fixture('asyncio-io');
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.string(), { maxLength: 3 }), (junk, path) => {
      const data = structuredClone({ v: 2, results: [r] });
      let at = data.results[0];
      // Own keys only, and set as JSON.parse sets them (a key "__proto__" is a key of its own there; walking
      // `in` into it, or assigning it, reached Object.prototype: the harness threw, not the importer).
      for (const k of path) if (at && typeof at === 'object' && Object.hasOwn(at, k) && typeof at[k] === 'object') at = at[k];
      if (at && typeof at === 'object') Object.defineProperty(at, path.at(-1) ?? 'spec', { value: junk, enumerable: true, writable: true, configurable: true });
      try {
        const out = I.importData(data, opts);
        assert.ok(Array.isArray(out) && out.length === 1);
        R.replay(out[0]).stateAt(50);
      } catch (e) {
        assert.equal(e.name, 'ImportError', e.stack);
        assert.ok(e.field && e.allowed, e.message);
      }
    }),
    { numRuns: 300 },
  );
});

test('a small run travels in a link (run, t) and replays identically; a large one says to export', async () => {
  const r = fixture('asyncio-mixed');
  const { query, tooLarge } = await L.replayLink(r, 100.5);
  assert.equal(tooLarge, undefined);
  const link = U.parseLink(query);
  assert.deepEqual(Object.keys(link.spec), [], 'nothing of the run reaches the spec');
  assert.equal(U.parseReplayTime(link.page.t), 100.5);
  assert.ok(link.page.run.length < U.MAX_LINK_RUN_CHARS);
  const [back] = I.importText(await U.decodeRun(link.page.run), opts);
  assert.deepEqual(states(R.replay(back)), states(R.replay(r)));
  const big = fixture('threads-gil-cpu');
  // Eight times the spans, at times that do not compress: a long run's record.
  const huge = { ...big, tasks: big.tasks.map((t) => ({ ...t, spans: Array.from({ length: 8 }, (_, k) => t.spans.map((s) => ({ ...s, startMs: s.startMs + 1e3 * k + Math.random(), endMs: s.endMs + 1e3 * k + Math.random() }))).flat() })) };
  const large = await L.replayLink(huge, 40);
  assert.ok(large.tooLarge.bytes > 20_000);
  assert.equal(large.query, '?t=40');
});

test('bad `t` and `run` values are named as the URL names them', async () => {
  for (const t of ['-1', 'abc', '1e3', '']) assert.throws(() => U.parseReplayTime(t), (e) => e.name === 'SpecError' && e.field === 't' && /0 or more/.test(e.allowed));
  assert.throws(() => U.parseReplayTime('700', 633.5), (e) => e.field === 't' && /0\.\.633\.5/.test(e.allowed));
  assert.equal(U.formatReplayTime(41.3798828125), '41.3798828125');
  assert.equal(U.parseReplayTime(U.formatReplayTime(41.3798828125)), 41.3798828125);
  const bad = async (value, why) => assert.rejects(U.decodeRun(value), (e) => e.name === 'SpecError' && e.field === 'run' && why.test(e.message));
  await bad('a'.repeat(U.MAX_LINK_RUN_CHARS + 1), /characters/);
  await bad('abc$%', /base64url does not use/);
  await bad('AAAA', /does not unpack/);
  // A small value that would unpack into a huge one (a "zip bomb") stops at the cap.
  const bomb = await U.encodeRun(' '.repeat(5_000_000), 1e9);
  assert.ok(bomb.length < U.MAX_LINK_RUN_CHARS);
  await bad(bomb, /more than 1024 KiB/);
  // A link's run is checked as an import: an unknown span kind is named.
  const r = fixture('asyncio-io');
  r.tasks[0].spans[0].kind = 'nap';
  const text = await U.decodeRun(await U.encodeRun(JSON.stringify(r)));
  refused(() => I.importText(text, opts), 'result.tasks[0].spans[0].kind');
});
