// The timeline at any scale (www/src/replay/window.ts), and the replay's words and GIL view
// (describe.ts, profile.ts): what is drawn is bounded by pixels, zoom keeps the instant under the pointer,
// labels stay distinct at any zoom, the GIL view adds up.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadTs } from './load-ts.mjs';
import { gilRun } from './replay-fixtures.mjs';

let W, R, D, P;
before(async () => {
  [W, R, D, P] = await Promise.all(['window', 'replay', 'describe', 'profile'].map((m) => loadTs(`www/src/replay/${m}.ts`)));
});
const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/replay-${name}.json`, import.meta.url), 'utf8'));

test('a 10 s, 8-thread run: segments drawn per bar are bounded by the pixels, at any zoom', () => {
  const r = gilRun({ threads: 8, ms: 10_000 });
  const px = 1000;
  for (const width of [10_000, 2_000, 250, 20, 0.5]) {
    const w = { startMs: 3_000, endMs: 3_000 + width };
    if (width === 10_000) w.startMs = 0, (w.endMs = 10_000);
    let drawn = 0;
    for (const t of r.tasks) {
      const segs = W.drawSegments(W.indexSpans(t.spans), w, px / width);
      assert.ok(segs.length <= 2 * px + 2, `${segs.length} segments for ${px} px`);
      for (const s of segs) assert.ok(s.startMs >= w.startMs - 1e-9 && s.endMs <= w.endMs + (width / px) + 1e-9, 'inside the window');
      drawn += segs.length;
    }
    assert.ok(drawn <= r.tasks.length * 2 * px + 16);
  }
  // Four times as long a run: four times the spans, the same pixels drawn.
  const long = gilRun({ threads: 8, ms: 40_000 });
  const spans = long.tasks.reduce((a, t) => a + t.spans.length, 0);
  const drawn = long.tasks.reduce((a, t) => a + W.drawSegments(W.indexSpans(t.spans), { startMs: 0, endMs: 40_000 }, px / 40_000).length, 0);
  assert.ok(spans > 15_000 && drawn <= 8 * px, `${spans} spans drawn as ${drawn} segments on ${px} px`);
});

test('spans a pixel wide or more are drawn exactly as recorded (clipped to the window)', () => {
  const r = fixture('threads-gil-cpu');
  const t = r.tasks[0];
  const w = { startMs: 100, endMs: 200 };
  const segs = W.drawSegments(W.indexSpans(t.spans), w, 100); // 100 px per ms: every span is wide
  const expected = t.spans.filter((s) => s.endMs > w.startMs && s.startMs < w.endMs).map((s) => ({ kind: s.kind, startMs: Math.max(s.startMs, w.startMs), endMs: Math.min(s.endMs, w.endMs) }));
  assert.deepEqual(segs, expected);
});

test('a lane of a thousand overlapping coroutines at overview scale: one segment per pixel at most', () => {
  const spans = Array.from({ length: 1000 }, (_, i) => [
    { kind: 'io-wait', startMs: i * 0.01, endMs: 200 + i * 0.01 },
    { kind: 'run', startMs: 200 + i * 0.01, endMs: 200.5 + i * 0.01 },
  ]).flat();
  const segs = W.laneCoverage(spans, { startMs: 0, endMs: 220 }, 300);
  assert.ok(segs.length <= 300);
  assert.equal(segs[0].kind, 'io-wait');
  assert.ok(segs.some((s) => s.kind === 'run'));
  const covered = segs.reduce((a, s) => a + s.endMs - s.startMs, 0);
  assert.ok(Math.abs(covered - 210.5) < 220 / 300 * 2, `covered ${covered}`);
});

test('zoom keeps the instant under the pointer; the window stays inside the run; labels stay distinct', () => {
  const total = 10_000;
  let w = { startMs: 0, endMs: total };
  for (let i = 0; i < 30; i++) {
    const next = W.zoomWindow(w, 2, 1234.5678, total);
    const before = (1234.5678 - w.startMs) / (w.endMs - w.startMs);
    const after = (1234.5678 - next.startMs) / (next.endMs - next.startMs);
    if (next.endMs - next.startMs > W.MIN_WINDOW_MS) assert.ok(Math.abs(before - after) < 1e-6, 'the pointer stays over the same instant');
    w = next;
    const { ticks, step } = W.windowTicks(w, 8);
    assert.ok(ticks.length >= 2 && ticks.length <= 17, `${ticks.length} ticks`);
    const labels = ticks.map((v) => W.tickLabel(v, step));
    assert.equal(new Set(labels).size, labels.length, `distinct labels at ${w.endMs - w.startMs} ms: ${labels}`);
  }
  assert.ok(w.endMs - w.startMs >= W.MIN_WINDOW_MS - 1e-12);
  assert.deepEqual(W.panWindow({ startMs: 9_000, endMs: 9_500 }, 5_000, total), { startMs: 9_500, endMs: 10_000 });
  assert.deepEqual(W.clampWindow({ startMs: -5, endMs: 20_000 }, total), { startMs: 0, endMs: total });
  assert.equal(W.tickLabel(12_500, 500), '12.5 s');
  assert.equal(W.tickLabel(1.25, 0.05), '1.25 ms');
});

test('the GIL view adds up: per thread, running + GIL wait + I/O + other = the time so far; the GIL held at most all the time', () => {
  const r = fixture('threads-gil-mixed');
  const rp = R.replay(r);
  for (const t of [10, 100, 300, r.endMs]) {
    const p = P.gilProfile(rp, t);
    assert.equal(p.elapsedMs, t);
    assert.ok(p.busy >= 0 && p.busy <= 1 + 1e-9, `busy ${p.busy}`);
    for (const l of p.lanes) assert.ok(Math.abs(l.runMs + l.nogilMs + l.gilWaitMs + l.ioMs + l.otherMs - t) < 1e-6 || l.otherMs === 0);
  }
  const end = P.gilProfile(rp, r.endMs);
  assert.ok(end.busy > 0.5, 'computing under the GIL: held most of the time');
  const runOf = (lane) => r.tasks.filter((t) => t.lane === lane).flatMap((t) => t.spans).filter((s) => s.kind === 'run').reduce((a, s) => a + s.endMs - s.startMs, 0);
  for (const l of end.lanes) assert.ok(Math.abs(l.runMs - runOf(l.lane)) < 1e-9);
  assert.match(P.profileText(end, true), /^thread\s+running\s+GIL wait\s+I\/O wait\s+other\nThreadPool-0/);
});

test('the state in the lesson\'s words, per mode', () => {
  const gil = R.replay(fixture('threads-gil-cpu'));
  const g = D.describe(gil, gil.stateAt(100));
  assert.match(g.text, /^At 100\.000 ms of 633\.590 ms; 0 of 4 tasks ended\. Holds the GIL: ThreadPool-\d \(task \d\), since [\d.]+ ms \([^)]+\)\. Waiting for the GIL, longest first: ThreadPool-\d \(task \d\), since/);
  const a = R.replay(fixture('asyncio-mixed'));
  const s = D.describe(a, a.stateAt(100));
  assert.deepEqual(s.sections.map((x) => x.title), ['Running on the event loop', 'Ready queue, in order', 'Awaiting']);
  assert.match(s.sections[1].items.join('|'), /^1\. task 2, ready since 52\.245 ms .*\|2\. task 3, ready since 52\.250 ms/);
  assert.match(D.describe(a, a.stateAt(20)).sections[2].items[0], /^task 0 awaits session\.get\(url_for\(0\)\), since 0\.010 ms/);
  const p = R.replay(fixture('processes-cpu'));
  const m = D.describe(p, p.stateAt(34));
  assert.match(m.text, /Messages in flight: task 0 \(pickled\): MainProcess → Process-1/);
  assert.deepEqual(D.describe(p, p.stateAt(34)).happened, []);
  assert.deepEqual(gil.eventsAt(gil.times[5]).length > 0, true);
  assert.ok(D.describe(gil, gil.stateAt(gil.times[5])).happened.length > 0, 'what happens at an event\'s instant is said');
});
