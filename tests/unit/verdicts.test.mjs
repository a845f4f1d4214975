// verdicts.ts: the lesson's claims decided from a Compare's rounds (docs/CONTRACT.md, `claims`).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';
import { result, at, probed, mulberry32 } from './fixtures.mjs';

let v;
before(async () => {
  v = await loadTs('www/src/measure/verdicts.ts');
});

const SEQ = [1000, 1040, 980];
const byId = (cs) => Object.fromEntries(cs.map((c) => [c.id, c]));
const speedups = (base, mode) => base.map((b, i) => b / mode[i]);

/** A CPU Compare: sequential rounds `seq`, then each mode at its speedups (a number or one per round). */
function cpuCompare(modes, { seq = SEQ, machine, spec } = {}) {
  const out = { sequential: result('sequential', seq, { machine, spec }) };
  for (const [mode, s] of Object.entries(modes)) out[mode] = result(mode, at(seq, s), { machine, spec });
  return out;
}

test('CPU runs that bear every claim out: all four borne-out, rounds and spread per round', () => {
  const speed = { 'threads-gil': [0.97, 0.95, 0.99], asyncio: [0.98, 0.99, 0.97], processes: [1.6, 1.55, 1.65], 'free-threaded': [1.8, 1.75, 1.85], interpreters: [1.7, 1.6, 1.75], rayon: [1.9, 1.85, 1.95] };
  const outcome = cpuCompare(speed, { machine: { parallelism: 1.9 } });
  const cs = v.claims(outcome);
  assert.deepEqual(cs.map((c) => c.id), ['threads-gil-cpu', 'asyncio-cpu', 'processes-cpu', 'free-threaded-cpu', 'interpreters-cpu']);
  for (const c of cs) {
    assert.equal(c.verdict, 'borne-out', `${c.id}: ${c.why ?? ''}`);
    assert.equal(c.measured.rounds, 3);
    const per = speedups(outcome.sequential.rounds, outcome[c.measured.mode].rounds);
    assert.deepEqual(c.measured.spread, [Math.min(...per), Math.max(...per)]);
    assert.ok(Math.abs(c.measured.spread[0] - Math.min(...speed[c.measured.mode])) < 1e-9);
    assert.ok(Math.abs(c.measured.speedup - [...per].sort((a, b) => a - b)[1]) < 1e-9, 'speedup is the median round');
    assert.ok(v.CLAIM_IDS.includes(c.id));
    assert.equal(typeof c.claim, 'string');
    assert.match(c.measured.text, new RegExp(`^${c.measured.mode}:`));
  }
});

test('runs that contradict the claims: not-borne-out', () => {
  const cs = byId(v.claims(cpuCompare({ 'threads-gil': 1.6, processes: 1.0 }, { machine: { parallelism: 2 } })));
  assert.equal(cs['threads-gil-cpu'].verdict, 'not-borne-out');
  assert.ok(cs['threads-gil-cpu'].why);
  assert.equal(cs['processes-cpu'].verdict, 'not-borne-out');
  assert.ok(cs['processes-cpu'].why);
});

test('noisy runs straddling the lines (1.25x for no speedup, 1.15x for more than one core): inconclusive with a why', () => {
  const cs = byId(v.claims(cpuCompare({ 'threads-gil': [1.2, 1.3, 1.22], processes: [1.3, 1.1, 1.28] }, { machine: { parallelism: 2 } })));
  for (const id of ['threads-gil-cpu', 'processes-cpu']) {
    assert.equal(cs[id].verdict, 'inconclusive', id);
    assert.match(cs[id].why, /both sides/);
    assert.doesNotMatch(cs[id].why, /busy/, 'no probe read busy: nothing to say about it');
  }
  // A probe that read busy at one point (a round set aside for it; every counted round's probes idle) is
  // named beside the open verdict, which it does not change.
  const measured = cpuCompare({ 'threads-gil': [1.2, 1.3, 1.22], processes: [1.3, 1.1, 1.28] }, { machine: { parallelism: 1.9 } });
  for (const r of Object.values(measured)) r.measurement = { probes: [1.9, 1.08, 1.95, 1.9, 1.92, 1.93], roundProbes: [[1.95, 1.9], [1.9, 1.92], [1.92, 1.93]] };
  const seen = byId(v.claims(measured));
  for (const id of ['threads-gil-cpu', 'processes-cpu']) {
    assert.equal(seen[id].verdict, 'inconclusive', id);
    assert.match(seen[id].why, new RegExp(`both sides of ${id === 'processes-cpu' ? '1\\.15' : '1\\.25'}×: the machine's speed changed during the Compare\\. At one point a probe found only 1\\.1 of the 2 cores free: something else kept the machine busy at times\\. Run more rounds\\.`));
  }
  // A record with every probe but not each round's (made before rounds kept theirs): a busy probe may have
  // been in a counted round, so the parallel claim gives that reason and more rounds cannot settle it.
  for (const r of Object.values(measured)) r.measurement = { probes: [1.9, 1.08, 1.95, 1.9] };
  const old = byId(v.claims(measured));
  assert.equal(old['processes-cpu'].verdict, 'inconclusive');
  assert.match(old['processes-cpu'].why, /A probe found only 1\.1 of this machine's 2 cores free during the Compare: other programs were keeping the cores busy/);
  assert.equal(old['processes-cpu'].undecided, false);
  assert.match(old['threads-gil-cpu'].why, /A probe found only 1\.1 .* can make a mode look faster than sequential, so this says nothing about the GIL\./);
  // Borne out whatever the probes said: no excuse added.
  const fine = cpuCompare({ processes: [1.6, 1.55, 1.65] }, { machine: { parallelism: 1.9 } });
  for (const r of Object.values(fine)) r.measurement = { probes: [1.9, 1.08, 1.95] };
  assert.equal(byId(v.claims(fine))['processes-cpu'].why, undefined);
});

test('a busy machine: a parallel claim is inconclusive, never not-borne-out, and a borne-out one says so', () => {
  const slow = byId(v.claims(cpuCompare({ processes: 1.05 }, { machine: { parallelism: 1.1 } })))['processes-cpu'];
  assert.equal(slow.verdict, 'inconclusive');
  assert.match(slow.why, /probe/);
  assert.match(slow.why, /cores/);
  assert.match(slow.why, /busy/);
  assert.match(slow.why, /1\.1/);

  const fast = byId(v.claims(cpuCompare({ processes: 1.5 }, { machine: { parallelism: 1.2 } })))['processes-cpu'];
  assert.equal(fast.verdict, 'borne-out');
  assert.match(fast.why, /1\.2 of this machine's 2 cores/);
  assert.match(fast.why, /busy/);
});

test('one core: no claim is not-borne-out', () => {
  const cs = v.claims(cpuCompare({ 'threads-gil': 1.6, asyncio: 1.6, processes: 1.0, 'free-threaded': 0.9, interpreters: 0.9 }, { machine: { cores: 1 } }));
  assert.equal(cs.length, 5);
  for (const c of cs) {
    assert.notEqual(c.verdict, 'not-borne-out', c.id);
    assert.equal(c.verdict, 'inconclusive', c.id);
    assert.match(c.why, /one core/);
  }
});

test('tiny work (sequential 20 ms): no not-borne-out', () => {
  const cs = byId(v.claims(cpuCompare({ 'threads-gil': 1.6, processes: 1.0, 'free-threaded': 1.0 }, { seq: [20, 21, 19], machine: { parallelism: 2 } })));
  for (const id of ['threads-gil-cpu', 'processes-cpu', 'free-threaded-cpu']) {
    assert.equal(cs[id].verdict, 'inconclusive', id);
    assert.match(cs[id].why, /tiny/);
  }
  // Tiny work that still shows the gain is borne out.
  assert.equal(byId(v.claims(cpuCompare({ processes: 1.6 }, { seq: [20, 21, 19] })))['processes-cpu'].verdict, 'borne-out');
});

test('one worker or one task: a parallel claim is inconclusive', () => {
  const outcome = cpuCompare({ 'threads-gil': 1.0, processes: 1.0 }, { machine: { parallelism: 2 } });
  outcome.processes.spec.workers = 1;
  outcome['threads-gil'].spec.workers = 1;
  const cs = byId(v.claims(outcome));
  assert.equal(cs['processes-cpu'].verdict, 'inconclusive');
  assert.match(cs['processes-cpu'].why, /one worker/);
  assert.equal(cs['threads-gil-cpu'].verdict, 'inconclusive');
  assert.match(cs['threads-gil-cpu'].why, /one worker/);
});

test('an Unavailable mode: its claim is inconclusive with the reason', () => {
  const outcome = cpuCompare({ processes: 1.6 });
  outcome['free-threaded'] = { error: { name: 'Unavailable', message: 'free-threaded needs threads', reason: 'the page is not cross-origin isolated' } };
  const cs = byId(v.claims(outcome));
  assert.equal(cs['free-threaded-cpu'].verdict, 'inconclusive');
  assert.match(cs['free-threaded-cpu'].why, /not cross-origin isolated/);
  assert.equal(cs['free-threaded-cpu'].measured.rounds, 0);
  // A mode not run at all is inconclusive too, and the others are still decided.
  assert.equal(cs['asyncio-cpu'].verdict, 'inconclusive');
  assert.equal(cs['processes-cpu'].verdict, 'borne-out');
  // Any other error names the message.
  outcome['free-threaded'] = { error: { name: 'SpecError', message: 'workers must be 1..2' } };
  assert.match(byId(v.claims(outcome))['free-threaded-cpu'].why, /workers must be 1\.\.2/);
});

test('I/O: asyncio overlaps waits (borne-out at 4x, not-borne-out at 1x); the simulated network has no waves', () => {
  const io = { class: 'io', spec: { workload: 'io-fetch', tasks: 8, latencyMs: 200 } };
  const seq = [1620, 1650, 1610];
  const base = result('sequential', seq, io);
  const good = result('asyncio', at(seq, [4, 3.9, 4.1]), io);
  const bad = result('asyncio', at(seq, 1.0), io);

  assert.equal(v.ioIdeal(good), 4, '8 requests in 2 waves of 6 connections');
  assert.equal(v.ioIdeal({ ...good, network: 'simulated' }), 8, 'no connection limit on the simulated network');
  assert.equal(v.ioIdeal(result('threads-gil', [400], { ...io, spec: { ...io.spec, workers: 2 } })), 2);

  const yes = byId(v.claims({ sequential: base, asyncio: good }))['asyncio-io'];
  assert.equal(yes.verdict, 'borne-out');
  assert.match(yes.why, /waves/);
  assert.match(yes.measured.text, /2 waves/);
  assert.equal(byId(v.claims({ sequential: base, asyncio: bad }))['asyncio-io'].verdict, 'not-borne-out');

  // On the simulated network all 8 overlap: the threshold is halfway to 8x (4.5x), so 4x no longer bears it out.
  const sim = (r) => ({ ...r, network: 'simulated' });
  const simVerdict = byId(v.claims({ sequential: sim(base), asyncio: sim(good) }))['asyncio-io'];
  assert.equal(simVerdict.verdict, 'not-borne-out');
  assert.doesNotMatch(simVerdict.measured.text, /waves/);
  assert.equal(byId(v.claims({ sequential: sim(base), asyncio: sim(result('asyncio', at(seq, 7.5), io)) }))['asyncio-io'].verdict, 'borne-out');
});

/** Mixed-pipeline spans: each task computes `runMs` then waits `waitMs`. */
const mixedSpans = (runMs, waitMs) =>
  Array.from({ length: 8 }, (_, id) => {
    const s = id * (runMs + waitMs);
    return { id, lane: 'main', startMs: s, endMs: s + runMs + waitMs, status: 'ok', spans: [{ kind: 'run', startMs: s, endMs: s + runMs }, { kind: 'io-wait', startMs: s + runMs, endMs: s + runMs + waitMs }] };
  });

test('mixed, CPU-heavy: processes must be faster than each of sequential, asyncio and threads in every round', () => {
  const mixed = { class: 'mixed', spec: { workload: 'mixed-pipeline' } };
  const seq = [1000, 1030, 990];
  const base = result('sequential', seq, { ...mixed, tasks: mixedSpans(100, 25) });
  assert.ok(v.cpuShare(base) >= 0.5);
  const outcome = {
    sequential: base,
    asyncio: result('asyncio', at(seq, 1.02), mixed),
    'threads-gil': result('threads-gil', at(seq, [1.1, 1.05, 1.12]), mixed),
    processes: result('processes', at(seq, [1.6, 1.55, 1.7]), mixed),
  };
  const [c] = v.claims(outcome);
  assert.equal(c.id, 'mixed-cpu-heavy-processes');
  assert.equal(c.verdict, 'borne-out');
  assert.equal(c.measured.rounds, 3);
  // The margin of each round is over the fastest rival (threads here).
  assert.ok(Math.abs(c.measured.spread[0] - Math.min(1.6 / 1.1, 1.55 / 1.05, 1.7 / 1.12)) < 1e-9);

  // Processes slower than threads in every round: not-borne-out (idle machine); a tie is not a win.
  const idle = { ...mixed, measurement: probed(3) };
  for (const m of Object.values(outcome)) m.measurement = probed(3);
  outcome.processes = result('processes', at(seq, [1.0, 0.98, 1.05]), idle);
  assert.equal(v.claims(outcome)[0].verdict, 'not-borne-out');
  outcome.processes = result('processes', at(seq, [1.1, 1.05, 1.12]), idle);
  assert.equal(v.claims(outcome)[0].verdict, 'not-borne-out');
  // ... but on a busy machine that is inconclusive: busy in some counted rounds, or (below) throughout.
  for (const m of Object.values(outcome)) m.measurement = probed(3, [1.9, 1.9, 1.1, 1.9]);
  const once = v.claims(outcome)[0];
  assert.equal(once.verdict, 'inconclusive');
  assert.match(once.why, /^In 2 of the 3 counted rounds a probe found the machine busy \(at the lowest, only 1\.1 of this machine's 2 cores free\)/);
  for (const m of Object.values(outcome)) {
    m.machine.parallelism = 1.1;
    delete m.measurement;
  }
  const busy = v.claims(outcome)[0];
  assert.equal(busy.verdict, 'inconclusive');
  assert.match(busy.why, /busy/);
  // Rounds on both sides on an idle machine: inconclusive; a probe that read busy at one point is named.
  for (const m of Object.values(outcome)) m.machine.parallelism = 1.9;
  outcome.processes = result('processes', at(seq, [1.6, 1.0, 1.7]), mixed);
  for (const m of Object.values(outcome)) m.measurement = probed(3);
  assert.equal(v.claims(outcome)[0].verdict, 'inconclusive');
  assert.match(v.claims(outcome)[0].why, /^In some rounds processes was the fastest, in others not\. Run more rounds\.$/);
  for (const m of Object.values(outcome)) m.measurement = { probes: [1.5, 1.9, 1.9, 1.9, 1.9], roundProbes: [[1.9, 1.9], [1.9, 1.9], [1.9, 1.9]] };
  assert.match(v.claims(outcome)[0].why, /found only 1\.5 of the 2 cores free/);
  // A rival missing: inconclusive.
  delete outcome.asyncio;
  assert.equal(v.claims(outcome)[0].verdict, 'inconclusive');
});

test('mixed, I/O-heavy: the claim is asyncio beating sequential and processes', () => {
  const mixed = { class: 'mixed', spec: { workload: 'mixed-pipeline' } };
  const seq = [1000, 1030, 990];
  const base = result('sequential', seq, { ...mixed, tasks: mixedSpans(10, 90) });
  assert.ok(v.cpuShare(base) < 0.5);
  const outcome = {
    sequential: base,
    asyncio: result('asyncio', at(seq, [3, 2.9, 3.1]), mixed),
    processes: result('processes', at(seq, 1.5), mixed),
  };
  const [c] = v.claims(outcome);
  assert.equal(c.id, 'mixed-io-heavy-asyncio');
  assert.equal(c.verdict, 'borne-out');
  outcome.asyncio = result('asyncio', at(seq, 1.2), mixed);
  assert.equal(v.claims(outcome)[0].verdict, 'not-borne-out');
});

test('no sequential result: no claims', () => {
  assert.deepEqual(v.claims({}), []);
  assert.deepEqual(v.claims({ processes: result('processes', [600, 610, 590]) }), []);
  assert.deepEqual(v.claims({ sequential: { error: { name: 'SpecError', message: 'bad' } }, processes: result('processes', [600]) }), []);
  assert.deepEqual(v.claims({ sequential: { ...result('sequential', SEQ), cancelled: true }, processes: result('processes', [600]) }), []);
});

test('single runs (no rounds): each Result is one round', () => {
  const one = (mode, ms) => {
    const r = result(mode, [ms]);
    delete r.rounds;
    return r;
  };
  const c = byId(v.claims({ sequential: one('sequential', 1000), processes: one('processes', 600) }))['processes-cpu'];
  assert.equal(c.verdict, 'borne-out');
  assert.equal(c.measured.rounds, 1);
  assert.match(c.measured.text, /one round/);
});

test('undecided: only rounds that straddle the threshold can be settled by more rounds', () => {
  const seq = [1000, 1000, 1000];
  const idle = { measurement: probed(3) };
  const straddling = v.claims({ sequential: result('sequential', seq, idle), processes: result('processes', at(seq, [1.3, 1.1, 1.4]), idle) }).find((c) => c.id === 'processes-cpu');
  assert.equal(straddling.verdict, 'inconclusive');
  assert.equal(straddling.undecided, true);
  const busy = v.claims({ sequential: result('sequential', seq, { machine: { cores: 2, parallelism: 1.1 } }), processes: result('processes', at(seq, [1.3, 1.1, 1.4]), { machine: { cores: 2, parallelism: 1.1 } }) }).find((c) => c.id === 'processes-cpu');
  assert.equal(busy.verdict, 'inconclusive');
  assert.equal(busy.undecided, false, 'busy cores are not settled by more rounds');
  const decided = v.claims({ sequential: result('sequential', seq), processes: result('processes', at(seq, 1.6)) }).find((c) => c.id === 'processes-cpu');
  assert.equal(decided.undecided, false);
});

/** A Result's tasks given `start` spans of these lengths, one per lane (each lane's first task). */
function withStarts(r, starts) {
  const tasks = r.tasks.map((t) => ({ ...t, spans: [...t.spans] }));
  starts.forEach((ms, i) => tasks[i].spans.unshift({ kind: 'start', startMs: tasks[i].startMs - ms, endMs: tasks[i].startMs }));
  return { ...r, tasks };
}

test('interpreters: the start-up claim compares the median start of an interpreter with a process\'s', () => {
  const outcome = cpuCompare({ interpreters: 1.7, processes: 1.6 }, { machine: { parallelism: 2 } });
  assert.equal(byId(v.claims(outcome))['interpreters-start'], undefined, 'no start spans: not tested');
  outcome.interpreters = withStarts(outcome.interpreters, [0.4, 0.6, 1.2, 0.5, 0.3, 0.7]);
  outcome.processes = withStarts(outcome.processes, [35, 41]);
  const c = byId(v.claims(outcome))['interpreters-start'];
  assert.equal(c.verdict, 'borne-out');
  assert.match(c.measured.text, /interpreter started in 0\.6 ms .*process in 38\.0 ms/);
  assert.match(c.why, /16\.8 ms/, 'CPython\'s published figure beside it');
  outcome.processes = withStarts(cpuCompare({ processes: 1.6 }).processes, [0.2, 0.1]);
  assert.equal(byId(v.claims(outcome))['interpreters-start'].verdict, 'not-borne-out');
});

test('interpreters with 100,000 items crossing: the data claim replaces the cores claim, round by round against threads', () => {
  const spec = { inputItems: 100_000 };
  const slower = { sequential: result('sequential', [10, 11, 10], { spec }), 'threads-gil': result('threads-gil', [12, 12, 13], { spec }), interpreters: result('interpreters', [30, 29, 40], { spec }) };
  let cs = byId(v.claims(slower));
  assert.equal(cs['interpreters-cpu'], undefined);
  assert.equal(cs['interpreters-data'].verdict, 'borne-out');
  assert.deepEqual(cs['interpreters-data'].measured.spread.map((x) => +x.toFixed(2)), [2.42, 3.08]);
  assert.match(cs['interpreters-data'].measured.text, /100,000 items/);
  slower.interpreters = result('interpreters', [11, 14, 12], { spec });
  cs = byId(v.claims(slower));
  assert.equal(cs['interpreters-data'].verdict, 'inconclusive', 'one round faster than threads, two slower');
  assert.equal(byId(v.claims({ ...slower, 'threads-gil': undefined }))['interpreters-data'].verdict, 'inconclusive');
  // Fewer items: the cores claim, as any CPU Compare.
  const few = cpuCompare({ interpreters: 1.7 }, { machine: { parallelism: 2 }, spec: { inputItems: 99_999 } });
  assert.equal(byId(v.claims(few))['interpreters-cpu'].verdict, 'borne-out');
});

test('a parallel claim is refuted only when every counted round\'s probes, before and after it, read the machine idle', () => {
  const slow = [1.1, 1.05, 1.12]; // processes never reached 1.15x
  const withProbes = (speed, measurement) => {
    const out = cpuCompare(speed, { machine: { parallelism: 1.9 } });
    for (const r of Object.values(out)) r.measurement = measurement;
    return byId(v.claims(out));
  };
  // Idle in every round: the lab's model is at fault, and the verdict says so.
  const idle = withProbes({ processes: slow, 'threads-gil': 1.6 }, probed(3))['processes-cpu'];
  assert.equal(idle.verdict, 'not-borne-out');
  assert.match(idle.why, /No round reached 1\.15×/);
  // A disturbance during round 3, caught by the probe after it: left open, saying why, and not for more rounds.
  const after = withProbes({ processes: slow }, probed(3, [1.9, 1.92, 1.88, 1.2]))['processes-cpu'];
  assert.equal(after.verdict, 'inconclusive');
  assert.equal(
    after.why,
    "In 1 of the 3 counted rounds a probe found the machine busy (at the lowest, only 1.2 of this machine's 2 cores free): other programs were using the cores. A parallel mode cannot show its gain on cores other programs are using, so a missing gain here says nothing about Python. Close other programs and run it again.",
  );
  assert.equal(after.undecided, false);
  // Busy throughout (a held core); one round; a probe that could not measure; no probe for a round.
  assert.match(withProbes({ processes: slow }, probed(3, 1.05))['processes-cpu'].why, /^In all 3 counted rounds a probe found the machine busy \(at the lowest, only 1\.1 of/);
  const one = cpuCompare({ processes: [1.1] }, { seq: [1000] });
  for (const r of Object.values(one)) r.measurement = probed(1, [1.9, 1.0]);
  assert.match(byId(v.claims(one))['processes-cpu'].why, /^In its one counted round a probe found the machine busy/);
  const lost = withProbes({ processes: slow }, probed(3, [1.9, null, 1.9, 1.9]))['processes-cpu'];
  assert.equal(lost.verdict, 'inconclusive');
  assert.match(lost.why, /^In 2 of the 3 counted rounds the probe could not tell how many cores were free/);
  const short = withProbes({ processes: slow }, { probes: [1.9, 1.9, 1.9], roundProbes: [[1.9, 1.9], [1.9, 1.9]] })['processes-cpu'];
  assert.equal(short.verdict, 'inconclusive', 'a counted round with no probes of its own is not known to be idle');
  // A gain shows through busy rounds: still borne out, with no excuse while the median probe read idle.
  const fast = withProbes({ processes: [1.6, 1.55, 1.65] }, probed(3, [1.9, 1.2, 1.9, 1.9]))['processes-cpu'];
  assert.equal(fast.verdict, 'borne-out');
  assert.equal(fast.why, undefined);
  // The claims of no speedup likewise: a burst in a sequential run and not in the threads' makes them look
  // faster. Refuted on a machine idle throughout; left open, saying why, on one busy in a round.
  assert.equal(withProbes({ 'threads-gil': 1.6 }, probed(3))['threads-gil-cpu'].verdict, 'not-borne-out');
  const threads = withProbes({ 'threads-gil': 1.6, asyncio: 1.5 }, probed(3, [1.9, 1.0, 1.9, 1.9]));
  for (const id of ['threads-gil-cpu', 'asyncio-cpu']) {
    assert.equal(threads[id].verdict, 'inconclusive', id);
    assert.match(threads[id].why, /^In 2 of the 3 counted rounds a probe found the machine busy .* can make a mode look faster than sequential, so this says nothing about the GIL\. Close other programs and run it again\.$/, id);
    assert.equal(threads[id].undecided, false);
  }
  // Borne out stays borne out on a busy machine.
  assert.equal(withProbes({ 'threads-gil': 0.95 }, probed(3, 1.0))['threads-gil-cpu'].verdict, 'borne-out');
});

test('runs made one by one carry no probe: a parallel claim is never refuted by them, and says why', () => {
  const one = (mode, ms) => {
    const r = result(mode, [ms]);
    delete r.rounds;
    return r;
  };
  const cs = byId(v.claims({ sequential: one('sequential', 1000), processes: one('processes', 1000), 'threads-gil': one('threads-gil', 600) }));
  assert.equal(cs['processes-cpu'].verdict, 'inconclusive');
  assert.match(cs['processes-cpu'].why, /^No probe measured how many of this machine's 2 cores were free while these ran\. .* Compare all modes: it probes the machine before and after every run\.$/);
  assert.equal(cs['threads-gil-cpu'].verdict, 'inconclusive', 'nor a claim of no speedup');
  assert.match(cs['threads-gil-cpu'].why, /^No probe measured/);
  // One of the runs from a Compare that probed its rounds idle, the other from a run with no probe: still open.
  const seq = result('sequential', [1000, 1000, 1000], { measurement: probed(3) });
  assert.equal(byId(v.claims({ sequential: seq, processes: one('processes', 1000) }))['processes-cpu'].verdict, 'inconclusive');
  assert.equal(byId(v.claims({ sequential: seq, processes: result('processes', [1000, 1000, 1000], { measurement: probed(3) }) }))['processes-cpu'].verdict, 'not-borne-out');
});

/**
 * For each claim the machine's load can turn, an outcome whose counted rounds all lie on the claim's other
 * side, with `measurement` on every run; returns that claim's verdict.
 */
const WRONG_SIDE = {
  'threads-gil-cpu': (m, k) => cpuVerdict({ 'threads-gil': k.map((x) => x + 0.6) }, m, 'threads-gil-cpu'),
  'asyncio-cpu': (m, k) => cpuVerdict({ asyncio: k.map((x) => x + 0.6) }, m, 'asyncio-cpu'),
  'processes-cpu': (m, k) => cpuVerdict({ processes: k }, m, 'processes-cpu'),
  'free-threaded-cpu': (m, k) => cpuVerdict({ 'free-threaded': k }, m, 'free-threaded-cpu'),
  'interpreters-cpu': (m, k) => cpuVerdict({ interpreters: k }, m, 'interpreters-cpu'),
  'releases-gil-cpu': (m, k) => cpuVerdict({ 'threads-gil': k }, m, 'releases-gil-cpu', { releasesGil: true }),
  'mixed-cpu-heavy-processes': (m, k) => {
    const mixed = { class: 'mixed', spec: { workload: 'mixed-pipeline' }, measurement: m };
    const seq = [1000, 1030, 990];
    const out = {
      sequential: result('sequential', seq, { ...mixed, tasks: mixedSpans(100, 25) }),
      asyncio: result('asyncio', at(seq, 1.0), mixed),
      'threads-gil': result('threads-gil', at(seq, 1.05), mixed),
      processes: result('processes', at(seq, k.map((x) => x * 0.9)), mixed),
    };
    return v.claims(out).find((c) => c.id === 'mixed-cpu-heavy-processes');
  },
  'convoy-effect': (m, k) => convoyVerdict({ 'threads-gil': k.map((x) => 40 * x * 4) }, m, 'convoy-effect'),
  'convoy-free-threaded': (m, k) => convoyVerdict({ 'free-threaded': k.map((x) => 40 * (2 + x)) }, m, 'convoy-free-threaded'),
  'convoy-interval': (m, k) => {
    const at5 = convoyOutcome({ 'threads-gil': k.map((x) => 200 * x) }, m, { switchIntervalMs: 5 });
    const at1 = convoyOutcome({ 'threads-gil': [210, 205, 215] }, probed(3), { switchIntervalMs: 1 });
    return v.acrossClaims([at5, at1])[0];
  },
};
function cpuVerdict(speeds, measurement, id, spec) {
  const out = cpuCompare(speeds, { machine: { parallelism: 1.9 }, spec });
  for (const r of Object.values(out)) r.measurement = measurement;
  return v.claims(out).find((c) => c.id === id);
}
function convoyOutcome(modes, measurement, spec = {}) {
  const work = { workload: 'convoy', calls: 200, cpuThreads: 1, blockingUs: 100, tasks: 2, switchIntervalMs: 5, ...spec };
  const out = { sequential: result('sequential', [40, 41, 39], { spec: work, class: 'mixed', measurement }) };
  for (const [mode, rounds] of Object.entries(modes)) out[mode] = result(mode, rounds, { spec: work, class: 'mixed', measurement });
  return out;
}
const convoyVerdict = (modes, measurement, id) => v.claims(convoyOutcome(modes, measurement)).find((c) => c.id === id);

test('every claim the machine\'s load can turn: not-borne-out on a machine idle in every round, never with a busy round', () => {
  assert.deepEqual([...v.NEEDS_IDLE_MACHINE].sort(), Object.keys(WRONG_SIDE).sort(), 'each such claim is tested here');
  for (const id of v.NEEDS_IDLE_MACHINE) assert.ok(v.CLAIM_IDS.includes(id), id);
  const random = mulberry32(20);
  for (const [id, verdictOf] of Object.entries(WRONG_SIDE)) {
    const k = [1, 1.02, 0.98];
    assert.equal(verdictOf(probed(3), k)?.verdict, 'not-borne-out', `${id}: on an idle machine the rule can refute it`);
    for (let trial = 0; trial < 40; trial++) {
      // Probes idle but one (or more) somewhere among the four: before, between and after the rounds.
      const readings = Array.from({ length: 4 }, () => 1.6 + 0.4 * random());
      const busyAt = Math.floor(random() * 4);
      readings[busyAt] = random() < 0.1 ? null : 0.6 + 0.99 * random();
      if (random() < 0.3) readings[(busyAt + 2) % 4] = 0.6 + 0.99 * random();
      const c = verdictOf(probed(3, readings), k);
      assert.equal(c.verdict, 'inconclusive', `${id} with probes ${readings.map((p) => p?.toFixed(2))}`);
      assert.match(c.why, /busy|could not tell/, `${id}: ${c.why}`);
    }
  }
});

test('C code releasing the GIL refused by this build (the single build: one real thread): the claim is open with the reason, not dropped', () => {
  const outcome = cpuCompare({}, { machine: { parallelism: 1.9 } });
  const reason = 'in this build the threads take turns on one real thread, so no C code can run beside them';
  outcome['threads-gil'] = { error: { name: 'Unavailable', message: `threads-gil cannot run with releasesGil here: ${reason}`, field: 'releasesGil', reason } };
  const cs = v.claims(outcome);
  const c = cs.find((x) => x.id === 'releases-gil-cpu');
  assert.ok(c, `claims: ${cs.map((x) => x.id)}`);
  assert.equal(c.verdict, 'inconclusive');
  assert.match(c.why, /cannot run here: .*one real thread/);
  assert.ok(!cs.some((x) => x.id === 'threads-gil-cpu'), 'the pure-Python claim is not what this experiment tests');
  // A threads-gil refused for another reason still leaves the pure-Python claim open, as before.
  outcome['threads-gil'] = { error: { name: 'Unavailable', message: 'no threads here', reason: 'no threads here' } };
  const ids = v.claims(outcome).map((x) => x.id);
  assert.ok(ids.includes('threads-gil-cpu') && !ids.includes('releases-gil-cpu'), `claims: ${ids}`);
});
