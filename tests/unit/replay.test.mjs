// Replay (www/src/replay): the state of a recorded run at any instant, a pure function of its record.
// Checked against the spans themselves (an independent reading of the record), on Results recorded by the
// lab in Chromium (tests/unit/fixtures/replay-*.json) and on a 10 s, 8-thread run built here.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadTs } from './load-ts.mjs';
import { gilRun } from './replay-fixtures.mjs';

let R;
before(async () => {
  R = await loadTs('www/src/replay/replay.ts');
});

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/replay-${name}.json`, import.meta.url), 'utf8'));

/** What the spans say at `t` (half-open spans: a span holds from its start up to, not at, its end). */
function oracle(r, t) {
  const at = (kind) => r.tasks.flatMap((task) => (task.spans ?? []).filter((s) => s.kind === kind && s.startMs <= t && t < s.endMs).map((s) => ({ task, s })));
  const byStart = (a, b) => a.s.startMs - b.s.startMs || a.task.id - b.task.id;
  const runs = at('run');
  return {
    holders: [...new Set(runs.map((x) => x.task.lane))],
    running: [...runs, ...at('run-nogil')].map((x) => x.task.id).sort((a, b) => a - b),
    gilWaiting: at('gil-wait').sort(byStart).map((x) => x.task.lane),
    ioWaiting: at('io-wait').map((x) => x.task.id).sort((a, b) => a - b),
    readyQueue: at('loop-wait').sort(byStart).map((x) => x.task.id),
  };
}

/** Every instant worth checking: each event's time and the middle of each stretch between them. */
function instants(rp) {
  const out = [];
  rp.times.forEach((t, i) => {
    out.push(t);
    if (i + 1 < rp.times.length) out.push((t + rp.times[i + 1]) / 2);
  });
  return out;
}

const sum = (spans, kind) => spans.filter((s) => s.kind === kind).reduce((a, s) => a + (s.endMs - s.startMs), 0);

for (const name of ['threads-gil-cpu', 'threads-gil-mixed', 'threads-io', 'threads-gil-nogil']) {
  test(`${name}: the GIL holder at every instant is the lane of the recorded run span; never two; the waiters are the gil-wait spans`, () => {
    const r = fixture(name);
    const rp = R.replay(r);
    assert.equal(rp.source, 'spans');
    assert.deepEqual(rp.absent, ['gil-drop-request'], 'what spans cannot tell is named');
    let checked = 0;
    for (const t of instants(rp)) {
      const o = oracle(r, t);
      const s = rp.stateAt(t);
      assert.ok(o.holders.length <= 1, `the record itself has two holders at ${t}`);
      assert.equal(s.gilHolder, o.holders[0] ?? null, `holder at ${t}`);
      assert.deepEqual(s.running, o.running, `running at ${t}`);
      assert.deepEqual(s.gilWaiting, o.gilWaiting, `waiting at ${t}`);
      assert.deepEqual(s.ioWaiting, o.ioWaiting, `I/O at ${t}`);
      assert.equal(s.readyQueue, undefined, 'no ready queue outside asyncio');
      assert.equal('gilDropRequest' in s, false, 'a drop request is not claimed where the record cannot know it');
      if (s.gilHolder) assert.equal(s.holder.lane, s.gilHolder);
      checked++;
    }
    assert.ok(checked > 10);
  });

  test(`${name}: replay reaches exactly the record's final state`, () => {
    const r = fixture(name);
    const rp = R.replay(r);
    assert.equal(rp.durationMs, r.endMs);
    assert.equal(rp.detail, 'full');
    const end = rp.stateAt(rp.durationMs);
    assert.equal(end.gilHolder, null);
    assert.deepEqual([end.gilWaiting, end.running, end.ioWaiting, end.messages, end.starting], [[], [], [], [], []]);
    assert.deepEqual(end.ended, r.tasks.map((t) => ({ taskId: t.id, status: t.status })));
    const totals = rp.totalsAt(rp.durationMs);
    for (const t of r.tasks) {
      const got = totals.get(t.id);
      assert.ok(Math.abs(got.run - sum(t.spans, 'run') - sum(t.spans, 'run-nogil')) < 1e-9, `task ${t.id} ran as long as its run spans`);
      assert.ok(Math.abs(got.runNogil - sum(t.spans, 'run-nogil')) < 1e-9);
      assert.ok(Math.abs(got.gilWait - sum(t.spans, 'gil-wait')) < 1e-9, `task ${t.id} waited for the GIL as long as its spans`);
      assert.ok(Math.abs(got.io - sum(t.spans, 'io-wait')) < 1e-9);
      // The engine adds each wait as it records it; spans of one kind that touch are merged.
      if (t.gilWaitMs !== undefined) assert.ok(Math.abs(got.gilWait - t.gilWaitMs) < 0.05 * t.spans.length, `gilWaitMs of task ${t.id}`);
      if (t.ioWaitMs !== undefined) assert.ok(Math.abs(got.io - t.ioWaitMs) < 0.05 * t.spans.length);
    }
  });
}

test('stepping back from the end to the start visits the same states as stepping forward, in reverse', () => {
  for (const r of [fixture('threads-gil-cpu'), fixture('asyncio-mixed'), fixture('processes-cpu'), gilRun({ threads: 8, ms: 2_000 })]) {
    const rp = R.replay(r);
    const forward = [];
    for (let t = rp.times[0]; ; ) {
      forward.push(rp.stateAt(t));
      const n = rp.next(t);
      if (n === t) break;
      t = n;
    }
    const backward = [];
    for (let t = rp.times.at(-1); ; ) {
      backward.push(rp.stateAt(t));
      if (t === rp.times[0]) break;
      t = rp.prev(t);
    }
    assert.equal(forward.length, rp.times.length);
    assert.deepEqual(backward.reverse(), forward, r.spec.mode);
  }
});

test('a 10 s, 8-thread threads-gil run (about 2,000 hand-overs): exact at every instant, any instant in well under a millisecond', () => {
  const r = gilRun({ threads: 8, ms: 10_000 });
  const rp = R.replay(r);
  const handOvers = rp.events.filter((e) => e.kind === 'gil-take').length;
  assert.ok(handOvers >= 1900, `${handOvers} hand-overs`);
  for (const t of instants(rp).filter((_, i) => i % 7 === 0)) {
    const o = oracle(r, t);
    const s = rp.stateAt(t);
    assert.equal(s.gilHolder, o.holders[0] ?? null, `holder at ${t}`);
    assert.deepEqual(s.gilWaiting, o.gilWaiting, `waiting at ${t}`);
  }
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) rp.stateAt((i * 4.999) % 10_000);
  const each = (performance.now() - t0) / 2000;
  assert.ok(each < 1, `stateAt took ${each.toFixed(3)} ms`);
});

test('asyncio: who runs, the ready queue in the order the tasks became ready, what each waiting task awaits', () => {
  const r = fixture('asyncio-mixed');
  const rp = R.replay(r);
  for (const t of instants(rp)) {
    const o = oracle(r, t);
    const s = rp.stateAt(t);
    assert.deepEqual(s.readyQueue, o.readyQueue, `ready queue at ${t}`);
    assert.deepEqual(s.running, o.running);
    assert.ok(s.running.length <= 1, 'one event loop runs one task at a time');
    assert.deepEqual(s.ioWaiting, o.ioWaiting);
    assert.equal(s.gilHolder, null);
  }
  // At 100 ms: task 1 runs; 2 and 3 are ready, 2 first (it became ready first).
  const s = rp.stateAt(100);
  assert.deepEqual(s.running, [1]);
  assert.deepEqual(s.readyQueue, [2, 3]);
  assert.ok(s.ready[0].sinceMs < s.ready[1].sinceMs);
  const waiting = rp.stateAt(20);
  assert.deepEqual(waiting.ioWaits.map((w) => w.awaits), ['session.get(url_for(0))', 'session.get(url_for(1))', 'session.get(url_for(2))', 'session.get(url_for(3))']);
  const sleeps = R.replay(fixture('asyncio-io')).stateAt(50);
  assert.deepEqual(sleeps.ioWaits.map((w) => w.awaits), ['asyncio.sleep(0.1)', 'asyncio.sleep(0.1)', 'asyncio.sleep(0.1)']);
  assert.deepEqual(sleeps.readyQueue, []);
});

test('processes: which process runs which task; messages in flight; start-up', () => {
  const r = fixture('processes-cpu');
  const rp = R.replay(r);
  const starting = rp.stateAt(10);
  assert.deepEqual(starting.starting.map((s) => s.lane).sort(), ['Process-1', 'Process-2']);
  const sent = r.tasks[0].spans.find((s) => s.kind === 'message');
  const inFlight = rp.stateAt((sent.startMs + sent.endMs) / 2);
  assert.deepEqual(inFlight.messages.map(({ taskId, what, from, to }) => ({ taskId, what, from, to })), [{ taskId: 0, what: 'task', from: 'MainProcess', to: 'Process-1' }]);
  const back = r.tasks[1].spans.filter((s) => s.kind === 'message').at(-1);
  const result = rp.stateAt((back.startMs + back.endMs) / 2).messages.find((m) => m.taskId === 1);
  assert.deepEqual({ what: result.what, from: result.from, to: result.to }, { what: 'result', from: 'Process-2', to: 'MainProcess' });
  const mid = rp.stateAt(300);
  assert.deepEqual(mid.runs.map((x) => [x.taskId, x.lane]), [[0, 'Process-1'], [2, 'Process-2']]);
  assert.equal(mid.gilHolder, null);
  assert.deepEqual(rp.absent, []);
});

test("the engine's events are used when the Result carries them (format 1); another format is named and the spans used", () => {
  const r = fixture('threads-gil-cpu');
  const derived = R.replay(r);
  const withEvents = { ...r, events: { v: 1, list: [...derived.events, { tMs: 3, kind: 'gil-drop-request', lane: 'ThreadPool-3', holder: 'ThreadPool-0' }] } };
  const rp = R.replay(withEvents);
  assert.equal(rp.source, 'events');
  assert.deepEqual(rp.absent, []);
  assert.deepEqual(rp.stateAt(4).gilDropRequest, { lane: 'ThreadPool-3', holder: 'ThreadPool-0', sinceMs: 3 });
  assert.equal(rp.stateAt(7).gilDropRequest, null, 'the drop answers the request');
  assert.deepEqual(rp.stateAt(100).gilWaiting, derived.stateAt(100).gilWaiting);
  const newer = R.replay({ ...r, events: { v: 99, list: [] } });
  assert.equal(newer.source, 'spans');
  assert.match(newer.note, /format 99.*format 1/);
  assert.equal(R.replay({ ...r, detail: 'coalesced' }).detail, 'coalesced');
});

test('interpreters: one GIL per interpreter, in gils', () => {
  const r = gilRun({ threads: 2, ms: 50, mode: 'interpreters', perLane: true });
  const rp = R.replay(r);
  const s = rp.stateAt(3);
  assert.deepEqual(Object.keys(s.gils), ['Interpreter-1', 'Interpreter-2']);
  assert.deepEqual(Object.values(s.gils), ['Interpreter-1', 'Interpreter-2'], 'each interpreter holds its own GIL at once');
  assert.equal(s.gilHolder, null);
  assert.deepEqual(s.gilWaiting, []);
});

test('C code that released the GIL (releasesGil, a recorded run): the threads run at once, and nobody holds the GIL', () => {
  const r = fixture('threads-gil-nogil');
  const rp = R.replay(r);
  const s = rp.stateAt(10);
  assert.deepEqual(s.running, [0, 1, 2]);
  assert.ok(s.runs.every((x) => x.nogil));
  assert.equal(s.gilHolder, null);
  const drops = rp.events.filter((e) => e.kind === 'gil-drop').map((e) => e.reason);
  assert.deepEqual(drops, [], 'a zero-length run span (the call into C) takes no instant');
  assert.ok(rp.totalsAt(r.endMs).get(0).runNogil > 10);
});

// Results recorded with the engine's own events (src/core/events.rs), in Chromium.
for (const name of ['threads-gil-events', 'asyncio-events', 'interpreters-events']) {
  test(`${name}: replayed from the engine's events: the final state, the holder inside every run span, never two holders, drop requests`, () => {
    const r = fixture(name);
    const rp = R.replay(r);
    assert.equal(rp.source, 'events');
    assert.deepEqual(rp.absent, []);
    const end = rp.stateAt(rp.durationMs);
    assert.equal(end.gilHolder, null);
    assert.deepEqual([end.gilWaiting, end.running, end.ioWaiting, end.messages, end.starting], [[], [], [], [], []]);
    assert.deepEqual(end.ended, r.tasks.map((t) => ({ taskId: t.id, status: t.status })));
    // Never two holders of one GIL: each take finds it free.
    const holders = new Map();
    for (const e of rp.events) {
      const g = e.gil ?? '';
      if (e.kind === 'gil-take') {
        assert.equal(holders.get(g) ?? null, null, `${e.lane} took ${g || 'the GIL'} at ${e.tMs} while ${holders.get(g)} held it`);
        holders.set(g, e.lane);
      }
      if (e.kind === 'gil-drop') {
        assert.equal(holders.get(g), e.lane, 'only the holder drops it');
        holders.set(g, null);
      }
    }
    for (const t of r.tasks)
      for (const s of t.spans.filter((x) => x.kind === 'run' && x.endMs > x.startMs)) {
        const st = rp.stateAt((s.startMs + s.endMs) / 2);
        assert.ok(st.running.includes(t.id), `task ${t.id} runs inside its run span`);
        if (r.spec.mode === 'threads-gil') assert.equal(st.gilHolder, t.lane);
        if (r.spec.mode === 'interpreters') assert.equal(st.gils[t.lane], t.lane, 'each interpreter holds its own GIL');
      }
    if (r.spec.mode === 'threads-gil') {
      const requests = rp.events.filter((e) => e.kind === 'gil-drop-request');
      assert.ok(requests.length > 0);
      for (const q of requests) assert.equal(rp.stateAt(q.tMs).gilDropRequest?.holder, q.holder);
    }
    // Stepping back from the end visits the states stepping forward did, in reverse.
    const forward = rp.times.map((t) => rp.stateAt(t));
    const backward = [];
    for (let t = rp.times.at(-1); ; t = rp.prev(t)) {
      backward.push(rp.stateAt(t));
      if (t === rp.times[0]) break;
    }
    assert.deepEqual(backward.reverse(), forward);
  });
}
