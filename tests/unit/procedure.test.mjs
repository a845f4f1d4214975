// procedure.ts: how a Compare is measured (warm-up, rounds in changing orders, probe, budget, median round),
// driven by a fake runner on a fake clock.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';
import { result, mulberry32 } from './fixtures.mjs';
import { simulate } from './machine-sim.mjs';

/** A probe of a quiet 2-core machine. */
const quiet = async () => 1.9;

let p;
let v;
before(async () => {
  p = await loadTs('www/src/measure/procedure.ts');
  v = await loadTs('www/src/measure/verdicts.ts');
});

/** Every claim decided: threads and asyncio clearly no faster, processes, free-threaded and rayon clearly faster. */
const DECIDED = { sequential: 1000, asyncio: 1010, 'threads-gil': 1040, processes: 620, 'free-threaded': 590, rayon: 560 };
const MODES = Object.keys(DECIDED);
const WARM_UP_FACTOR = 3;

const error = (name, message, extra = {}) => Object.assign(new Error(message), { name }, extra);

/**
 * A fake lab: `run(mode, round)` advances the fake clock by the run's wall time and resolves a Result.
 * `wall(mode, round)` is the table's time with +-3% seeded noise (the warm-up is WARM_UP_FACTOR slower);
 * `fail(mode, round)` may return an error to reject with instead.
 */
function fakeLab({ table = DECIDED, wall, fail, seed = 1 } = {}) {
  let t = 0;
  const noise = mulberry32(seed);
  const calls = [];
  const lab = {
    calls,
    now: () => t,
    random: mulberry32(seed + 100),
    async run(mode, round) {
      await null;
      const e = fail?.(mode, round);
      const ms = wall ? wall(mode, round) : table[mode] * (0.97 + 0.06 * noise()) * (round === 0 ? WARM_UP_FACTOR : 1);
      calls.push({ mode, round, ms, at: t, failed: !!e });
      t += ms;
      if (e) throw e;
      const r = result(mode, [ms], { runId: `${mode}#${round}` });
      delete r.rounds;
      return r;
    },
  };
  return lab;
}

const options = (lab, extra = {}) => ({ modes: MODES, run: lab.run, now: lab.now, random: lab.random, budgetMs: 1e9, ...extra });
const counted = (lab) => lab.calls.filter((c) => c.round > 0 && !c.failed);

test('the warm-up runs every mode once, first, and is not counted', async () => {
  const lab = fakeLab();
  const rep = await p.compareInRounds(options(lab));
  const first = lab.calls.slice(0, MODES.length);
  assert.ok(first.every((c) => c.round === 0));
  assert.deepEqual([...first.map((c) => c.mode)].sort(), [...MODES].sort());
  assert.deepEqual(rep.warmUp, first.map((c) => c.mode));
  assert.equal(lab.calls.filter((c) => c.round === 0).length, MODES.length);
  for (const mode of MODES) {
    const e = rep.outcome[mode];
    assert.equal(e.rounds.length, rep.orders.length, mode);
    const warm = lab.calls.find((c) => c.mode === mode && c.round === 0).ms;
    assert.ok(!e.rounds.includes(warm), `${mode}: the warm-up is not a counted round`);
  }
  assert.deepEqual(Object.keys(rep.outcome), MODES, "the outcome's keys follow the modes' order");
});

test('the warm-up\'s work: the waits and the calibrated size cut to a quarter of a run\'s time, tasks and the rest kept', () => {
  const field = (name, min, dflt) => ({ name, label: name, min, max: 1e9, default: dflt, doc: '' });
  const primes = { name: 'cpu-primes', class: 'cpu', fields: [field('size', 1000, 5_000_000)], calibration: { field: 'size', probe: 1e6, exponent: 1.4, min: 2e5, max: 2e8, targetMs: 600 }, waits: null };
  const fetch = { name: 'io-fetch', class: 'io', fields: [field('latencyMs', 0, 100)], calibration: null, waits: { on: 'fetch', msField: 'latencyMs' } };
  const mixed = { name: 'mixed-pipeline', class: 'mixed', fields: [field('latencyMs', 0, 25), field('size', 1000, 100_000)], calibration: { field: 'size', probe: 1e5, exponent: 1.4, min: 2e4, max: 1e7, targetMs: 600 }, waits: { on: 'fetch', msField: 'latencyMs' } };
  const convoy = { name: 'convoy', class: 'mixed', fields: [field('calls', 1, 200)], calibration: null, waits: null };
  // The calibrated default when the spec leaves the size out: N^1.4 a quarter of the time.
  const w = p.warmUpSpec({ workload: 'cpu-primes', tasks: 8 }, primes);
  assert.deepEqual(Object.keys(w).sort(), ['size', 'tasks', 'workload']);
  assert.equal(w.tasks, 8);
  assert.ok(Math.abs((w.size / 5_000_000) ** 1.4 - 0.25) < 0.01, `size ${w.size}`);
  assert.deepEqual(p.warmUpSpec({ workload: 'io-fetch', tasks: 8, latencyMs: 50 }, fetch), { workload: 'io-fetch', tasks: 8, latencyMs: 13 });
  const m = p.warmUpSpec({ workload: 'mixed-pipeline', tasks: 8, latencyMs: 200, size: 40_000 }, mixed);
  assert.equal(m.latencyMs, 50);
  assert.ok(m.size < 40_000 && m.size >= 1000);
  // Never below a field's minimum; a workload with neither waits nor a calibrated size warms up at full size.
  assert.equal(p.warmUpSpec({ workload: 'cpu-primes', size: 1200 }, primes).size, 1000);
  assert.deepEqual(p.warmUpSpec({ workload: 'convoy', calls: 200 }, convoy), { workload: 'convoy', calls: 200 });
  assert.deepEqual(p.warmUpSpec({ workload: 'nope', size: 5 }, undefined), { workload: 'nope', size: 5 });
});

test('at least minRounds rounds, every mode in every round, consecutive orders differ', async () => {
  const lab = fakeLab();
  const rep = await p.compareInRounds(options(lab, { minRounds: 3 }));
  assert.ok(rep.orders.length >= 3);
  rep.orders.forEach((order, i) => {
    assert.deepEqual([...order].sort(), [...MODES].sort(), `round ${i + 1} has every mode`);
    const prev = i === 0 ? rep.warmUp : rep.orders[i - 1];
    assert.notDeepEqual(order, prev, `round ${i + 1}'s order differs from the one before`);
    const ran = counted(lab).filter((c) => c.round === i + 1).map((c) => c.mode);
    assert.deepEqual(ran, order, `round ${i + 1} ran in its reported order`);
  });
  assert.equal(rep.elapsedMs, lab.now());
});

test("each entry is its median round's Result, with every round and their spread", async () => {
  for (const minRounds of [3, 4]) {
    const lab = fakeLab({ seed: minRounds });
    const rep = await p.compareInRounds(options(lab, { minRounds, maxRounds: minRounds }));
    assert.equal(rep.orders.length, minRounds);
    for (const mode of MODES) {
      const e = rep.outcome[mode];
      const mine = counted(lab).filter((c) => c.mode === mode);
      assert.deepEqual(e.rounds, mine.map((c) => c.ms), `${mode}: rounds in round order`);
      const sorted = [...e.rounds].sort((a, b) => a - b);
      assert.equal(e.wallMs, sorted[Math.floor((sorted.length - 1) / 2)], `${mode}: a real round (the lower middle one), not an average`);
      const median = mine.find((c) => c.ms === e.wallMs);
      assert.equal(e.runId, `${mode}#${median.round}`, `${mode}: the median round's own Result`);
      assert.deepEqual(e.spread, [sorted[0], sorted.at(-1)]);
    }
  }
});

test('stops adding rounds once every claim is decided', async () => {
  const lab = fakeLab();
  const rep = await p.compareInRounds(options(lab, { minRounds: 3, maxRounds: 12 }));
  assert.equal(rep.ended, 'decided');
  assert.equal(rep.orders.length, 3);
});

/** Processes straddle their 1.15x line: 1.35x in odd rounds, 1.05x in even ones; a claim stays inconclusive. */
const straddling = (mode, round) => {
  const base = { sequential: 1000, processes: round % 2 ? 1000 / 1.35 : 1000 / 1.05 }[mode];
  return round === 0 ? base * WARM_UP_FACTOR : base;
};

test('keeps adding rounds while a claim is inconclusive, up to maxRounds', async () => {
  const lab = fakeLab({ wall: straddling });
  const rep = await p.compareInRounds(options(lab, { modes: ['sequential', 'processes'], minRounds: 3, maxRounds: 6, probe: quiet }));
  assert.equal(rep.ended, 'max-rounds');
  assert.equal(rep.orders.length, 6);
  assert.equal(rep.outcome.processes.rounds.length, 6);
});

test('... or until the budget would be passed', async () => {
  const lab = fakeLab({ wall: straddling });
  const budgetMs = 14000; // the warm-up (3x slower) and about four rounds
  const rep = await p.compareInRounds(options(lab, { modes: ['sequential', 'processes'], minRounds: 3, maxRounds: 12, budgetMs, probe: quiet }));
  assert.equal(rep.ended, 'budget');
  assert.ok(rep.orders.length >= 3 && rep.orders.length < 12, `${rep.orders.length} rounds`);
  const last = counted(lab).filter((c) => c.round === rep.orders.length).reduce((s, c) => s + c.ms, 0);
  assert.ok(rep.elapsedMs <= budgetMs, 'no round was started that the budget could not hold');
  assert.ok(rep.elapsedMs + last > budgetMs, 'one more round would have passed the budget');

  // A budget smaller than the warm-up: still one counted round.
  const tiny = fakeLab({ wall: straddling });
  const one = await p.compareInRounds(options(tiny, { modes: ['sequential', 'processes'], budgetMs: 1 }));
  assert.equal(one.ended, 'budget');
  assert.equal(one.orders.length, 1);
  assert.equal(one.outcome.processes.rounds.length, 1);

  // A round set aside is not charged to the budget: the same counted rounds as with no busy probe.
  const calm = await p.compareInRounds(options(fakeLab({ wall: straddling }), { modes: ['sequential', 'processes'], minRounds: 3, maxRounds: 12, budgetMs, probe: quiet }));
  let n = 0;
  // The second probe (between round 1's two runs) reads busy: round 1 is set aside and runs again.
  const blip = await p.compareInRounds(options(fakeLab({ wall: straddling }), { modes: ['sequential', 'processes'], minRounds: 3, maxRounds: 12, budgetMs, probe: async () => (n++ === 1 ? 1.0 : 1.9) }));
  assert.equal(blip.setAside.length, 1);
  assert.equal(blip.orders.length, calm.orders.length);
  assert.ok(blip.elapsedMs > calm.elapsedMs, 'it took longer instead');
});

test('a mode whose run rejects is reported as { error }; the others keep their rounds', async () => {
  const specError = error('SpecError', 'workers must be 1..2', { field: 'workers', allowed: '1..2' });
  const lab = fakeLab({ fail: (mode) => (mode === 'processes' ? specError : undefined) });
  const rep = await p.compareInRounds(options(lab));
  assert.deepEqual(rep.outcome.processes, { error: { name: 'SpecError', message: 'workers must be 1..2', field: 'workers', allowed: '1..2', reason: undefined } });
  assert.equal(lab.calls.filter((c) => c.mode === 'processes').length, 1, 'dropped after its first failure');
  for (const mode of MODES.filter((m) => m !== 'processes')) assert.equal(rep.outcome[mode].rounds.length, rep.orders.length, mode);
  assert.ok(rep.orders.every((o) => !o.includes('processes')));
  assert.ok(rep.orders.length >= 3);

  // Failing in a later round: the mode is dropped whole (every counted round has every mode).
  const later = fakeLab({ fail: (mode, round) => (mode === 'rayon' && round === 2 ? error('EngineError', 'panicked') : undefined) });
  const rep2 = await p.compareInRounds(options(later));
  assert.equal(rep2.outcome.rayon.error.name, 'EngineError');
  assert.equal(rep2.outcome.rayon.error.message, 'panicked');
  for (const mode of MODES.filter((m) => m !== 'rayon')) assert.equal(rep2.outcome[mode].rounds.length, rep2.orders.length, mode);
});

test('refused modes appear as { error } and are never run', async () => {
  const lab = fakeLab();
  const unavailable = { name: 'Unavailable', message: 'rayon needs threads', reason: 'the page is not cross-origin isolated' };
  const rep = await p.compareInRounds(options(lab, { refused: { rayon: unavailable } }));
  assert.deepEqual(rep.outcome.rayon, { error: unavailable });
  assert.ok(lab.calls.every((c) => c.mode !== 'rayon'));
  assert.ok(rep.warmUp.every((m) => m !== 'rayon') && rep.orders.every((o) => !o.includes('rayon')));
  assert.deepEqual(Object.keys(rep.outcome), MODES);
});

test('an AbortError from the runner rejects with AbortError and the rounds done', async () => {
  const lab = fakeLab({ fail: (mode, round) => (round === 2 && lab.calls.filter((c) => c.round === 2).length === 2 ? error('AbortError', 'stopped') : undefined) });
  await assert.rejects(p.compareInRounds(options(lab)), (e) => {
    assert.equal(e.name, 'AbortError');
    assert.ok(e instanceof p.CompareAborted);
    assert.equal(e.report.orders.length, 2);
    const [a, b] = e.report.orders[1];
    assert.equal(e.report.outcome[a].rounds.length, 2, 'the mode that finished round 2');
    assert.equal(e.report.outcome[b].rounds.length, 2, 'the mode that finished round 2');
    for (const m of e.report.orders[1].slice(2)) assert.equal(e.report.outcome[m].rounds.length, 1, `${m} ran round 1 only`);
    return true;
  });
  assert.equal(lab.calls.at(-1).failed, true, 'nothing ran after the abort');
});

test('stopped() between runs rejects the same way, and nothing runs after it', async () => {
  const lab = fakeLab();
  const stopAfter = MODES.length + 3; // the warm-up and three runs of round 1
  const rep = p.compareInRounds(options(lab, { stopped: () => lab.calls.length >= stopAfter }));
  await assert.rejects(rep, (e) => {
    assert.equal(e.name, 'AbortError');
    assert.equal(e.report.orders.length, 1);
    const counts = Object.values(e.report.outcome).map((x) => x.rounds.length);
    assert.equal(counts.length, 3);
    assert.ok(counts.every((n) => n === 1));
    return true;
  });
  assert.equal(lab.calls.length, stopAfter);

  // Stopped before anything ran: an empty report.
  const early = fakeLab();
  await assert.rejects(p.compareInRounds(options(early, { stopped: () => true })), (e) => e.name === 'AbortError' && Object.keys(e.report.outcome).length === 0);
  assert.equal(early.calls.length, 0);
});

/** A fake lab whose probe takes `probeMs` of the fake clock and reads `values` in turn; `probes` records each. */
function probedLab(values, { probeMs = 200, ...rest } = {}) {
  const lab = fakeLab(rest);
  lab.probes = [];
  let t = 0;
  const now = lab.now;
  lab.now = () => now() + t;
  const run = lab.run;
  lab.run = async (mode, round) => {
    const r = await run(mode, round);
    lab.calls.at(-1).at += t;
    return r;
  };
  lab.probe = async () => {
    await null;
    const at = lab.now();
    t += probeMs;
    const value = typeof values === 'function' ? values(lab.probes.length) : values[lab.probes.length];
    lab.probes.push({ at, end: lab.now(), value });
    return value ?? Promise.reject(new Error('no probe'));
  };
  return lab;
}

test('a probe before each round, between every two of its runs and after it; the one after a round is the next one\'s before', async () => {
  const values = Array.from({ length: 19 }, (_, i) => Math.round((1.9 - 0.01 * i) * 100) / 100);
  const lab = probedLab(values);
  const rep = await p.compareInRounds(options(lab, { minRounds: 3, maxRounds: 3, probe: lab.probe }));
  assert.equal(lab.probes.length, 1 + 3 * MODES.length, 'three rounds of six runs: one probe before, then one after each run');
  assert.deepEqual(rep.parallelism, values);
  assert.deepEqual(rep.roundProbes, [values.slice(0, 7), values.slice(6, 13), values.slice(12, 19)]);
  assert.deepEqual(rep.setAside, []);
  // Probes and counted runs alternate with nothing in between: each probe stands for the moment it was taken
  // between two runs, and the probe after a round's last run is the next round's first.
  const events = [...lab.probes.map((x) => ({ at: x.at, end: x.end, kind: 'probe' })), ...counted(lab).map((c) => ({ at: c.at, end: c.at + c.ms, kind: c.mode }))].sort((x, y) => x.at - y.at);
  events.forEach((e, i) => {
    assert.equal(e.kind === 'probe', i % 2 === 0, `event ${i} is ${e.kind}`);
    if (i > 0) assert.equal(e.at, events[i - 1].end, `event ${i} (${e.kind}) starts as the one before it ends`);
  });
  for (const mode of MODES) {
    assert.equal(rep.outcome[mode].machine.parallelism, 1.81, `${mode}: the median probe`);
    assert.equal(rep.outcome[mode].machine.cores, 2, 'the rest of machine is kept');
    assert.deepEqual(rep.outcome[mode].measurement, { probes: values, roundProbes: rep.roundProbes }, `${mode}: the verdicts see every round's probes`);
  }

  // A probe that fails is kept as null in its round and left out of the readings; the median is the mean
  // of the two middle ones for an even count, to two decimals.
  const two = ['sequential', 'processes'];
  const even = await p.compareInRounds(options(fakeLab(), { modes: two, minRounds: 3, maxRounds: 3, probe: probedLab([1.85, 1.9, 1.8, undefined, 1.95, 1.7, 1.75]).probe }));
  assert.deepEqual(even.parallelism, [1.85, 1.9, 1.8, 1.95, 1.7, 1.75]);
  assert.deepEqual(even.roundProbes, [[1.85, 1.9, 1.8], [1.8, null, 1.95], [1.95, 1.7, 1.75]]);
  assert.equal(even.outcome.sequential.machine.parallelism, 1.83);

  // A busy machine per the probes makes a parallel claim inconclusive, and more rounds cannot change that:
  // none are added past the minimum.
  const busy = await p.compareInRounds(options(fakeLab({ table: { sequential: 1000, processes: 960 } }), { modes: two, maxRounds: 5, probe: async () => 1.1 }));
  assert.equal(busy.ended, 'decided');
  assert.equal(busy.orders.length, 3);
  assert.equal(busy.setAside.length, 1, 'the first busy round is set aside; then most probes read busy, so no more are');
  assert.deepEqual(busy.roundProbes, [[1.1, 1.1, 1.1], [1.1, 1.1, 1.1], [1.1, 1.1, 1.1]]);
});

test('a round whose probe before it reads busy is set aside and runs again; its times are kept, not counted', async () => {
  const lab = probedLab((n) => (n === 0 ? 1.05 : 1.9));
  const seen = [];
  const rep = await p.compareInRounds(options(lab, { minRounds: 3, maxRounds: 3, probe: lab.probe, onProgress: (g) => seen.push([g.phase, g.round, g.mode]) }));
  assert.equal(rep.orders.length, 3);
  assert.equal(lab.probes.length, 1 + 4 * MODES.length, 'four rounds run, three counted');
  const six = MODES.map(() => 1.9);
  assert.deepEqual(rep.setAside.map((a) => [a.round, a.probe, a.probes, a.cores]), [[1, 1.05, [1.05, ...six], 2]]);
  assert.deepEqual(Object.keys(rep.setAside[0].wallMs).sort(), [...MODES].sort());
  assert.deepEqual(rep.roundProbes, [[1.9, ...six], [1.9, ...six], [1.9, ...six]]);
  // Known before it ran: its runs are reported as set aside while they run.
  assert.deepEqual(seen.filter((g) => g[0] === 'set-aside'), rep.setAside[0].order.map((m) => ['set-aside', 1, m]));
  assert.equal(lab.calls.filter((c) => c.round === 1).length, 2 * MODES.length, 'round 1 ran twice');
});

for (const [where, busyProbe, asideRounds] of [
  ['between two of its runs', 9, 1],
  ['after it (the probe before its run again, too)', 12, 2],
]) {
  test(`a disturbance during a round, caught by the probe ${where}: the round is set aside whatever its times`, async () => {
    // Round 1 runs between probes 0 and 6, round 2 between 6 and 12. Probe `busyProbe` reads one core of two
    // free: something ran during round 2.
    const sets = [];
    for (const slowMs of [1500, 300]) {
      // The disturbed round's processes run was slow (1500 ms: the claim looks worse) or fast (300 ms: it
      // looks better): which rounds are set aside must not depend on it.
      let lab;
      const inRound2 = () => lab.probes.length > 6 && lab.probes.length <= 12;
      lab = probedLab((n) => (n === busyProbe ? 1.05 : 1.9), { wall: (mode, round) => (inRound2() && mode === 'processes' ? slowMs : DECIDED[mode] * (round === 0 ? WARM_UP_FACTOR : 1)) });
      const seen = [];
      const rep = await p.compareInRounds(options(lab, { minRounds: 3, maxRounds: 3, probe: lab.probe, onProgress: (g) => seen.push([g.phase, g.round, g.mode, g.outcome.processes?.rounds.length]) }));
      assert.equal(rep.orders.length, 3);
      assert.deepEqual(rep.setAside.map((a) => [a.round, a.probe]), Array.from({ length: asideRounds }, () => [2, 1.05]));
      assert.ok(rep.setAside.every((a) => a.probes.length === MODES.length + 1 && a.probes.includes(1.05)));
      assert.equal(rep.setAside[0].wallMs.processes, slowMs, "the disturbed round's times are kept in the report");
      assert.deepEqual(rep.outcome.processes.rounds, [620, 620, 620], 'and are not among the counted rounds');
      assert.ok(rep.roundProbes.flat().every((x) => x === 1.9), 'every counted round between idle probes');
      // Its runs counted as they went (round 2 was not known to be disturbed until its end), then the round
      // was set aside as a whole, in one report: the outcome back to round 1.
      const first = rep.setAside[0].order;
      const during = seen.filter((g) => g[1] === 2).slice(0, first.length + 1);
      assert.deepEqual(during.map((g) => g.slice(0, 3)), [...first.map((m) => ['round', 2, m]), ['set-aside', 2, first.at(-1)]]);
      assert.equal(during.at(-2)[3], 2, 'processes showed round 2 while it ran');
      assert.equal(during.at(-1)[3], 1, 'and not once it was set aside');
      sets.push(JSON.stringify(rep.setAside.map((a) => [a.round, a.probes, a.order])));
    }
    assert.equal(sets[0], sets[1], 'the same rounds are set aside whatever their times');
  });
}

test('at most two rounds are set aside, and none once most probes read busy', async () => {
  // Busy every other probe: every round has busy probes; round 1 is set aside twice (the allowance), and the
  // rounds counted after that keep their busy probes.
  const flip = (n) => (n % 2 === 0 ? 1.0 : 1.9);
  const rep = await p.compareInRounds(options(fakeLab(), { minRounds: 5, maxRounds: 5, probe: probedLab(flip).probe }));
  assert.deepEqual(rep.setAside.map((a) => a.round), [1, 1]);
  assert.equal(rep.orders.length, 5);
  assert.ok(rep.roundProbes.every((ps) => ps.includes(1.0)), 'the counted rounds keep their busy probes: the verdicts see them');
  // A machine busy throughout (a held core): only the first round is set aside (then most probes read busy).
  const held = await p.compareInRounds(options(fakeLab(), { minRounds: 4, maxRounds: 4, probe: async () => 1.0 }));
  assert.equal(held.setAside.length, 1);
  assert.equal(held.orders.length, 4);
  // One core: nothing is ever busy.
  const one = await p.compareInRounds(options(fakeLab(), { minRounds: 3, maxRounds: 3, probe: async () => 0.5, run: async (mode, round) => ({ ...(await fakeLab().run(mode, round)), machine: { cores: 1 } }) }));
  assert.equal(one.setAside.length, 0);
});

/**
 * A 2-core machine on the fake clock, shared with other programs: `load(t)` is how many cores they keep busy
 * at time t (ms). A mode using `u` cores beside `l` busy ones gets its share: its work takes (u + l) / 2
 * times as long once u + l > 2. The probe is modelled on engine/probe.ts: 60 ms of quiet, then (here) three
 * trials of two workers 110 ms apart, the best counting; each worker's share of a core is 2 / (2 + l).
 */
function machineLab({ load = () => 0, seed = 1 } = {}) {
  const WORK = { sequential: 600, asyncio: 610, 'threads-gil': 640, processes: 380, 'free-threaded': 350, interpreters: 360, rayon: 320 };
  const USES = { sequential: 1, asyncio: 1, 'threads-gil': 1, processes: 2, 'free-threaded': 2, interpreters: 2, rayon: 2 };
  let t = 0;
  const noise = mulberry32(seed);
  const work = (ms, u) => {
    const t0 = t;
    for (let done = 0; done < ms; t += 5) done += 5 / Math.max(1, (u + load(t)) / 2);
    return t - t0;
  };
  return {
    modes: Object.keys(WORK),
    now: () => t,
    random: mulberry32(seed + 100),
    async run(mode, round) {
      await null;
      const wall = work(WORK[mode] * (0.98 + 0.04 * noise()) * (round === 0 ? 2 : 1), USES[mode]);
      const r = result(mode, [wall], { spec: { workers: USES[mode] === 2 ? 2 : mode === 'threads-gil' ? 6 : undefined } });
      delete r.rounds;
      return r;
    },
    async probe() {
      await null;
      t += 60;
      let best = 0;
      for (let i = 0; i < 3; i++, t += 110) best = Math.max(best, 2 * Math.min(1, 2 / (2 + load(t))));
      return best;
    },
  };
}

const compareOn = async (m) => {
  const rep = await p.compareInRounds({ modes: m.modes, run: m.run, probe: m.probe, now: m.now, random: m.random, budgetMs: 20_000 });
  return { rep, claims: Object.fromEntries(v.claims(rep.outcome).map((c) => [c.id, c])) };
};

test('a quiet machine: every claim borne out, no round set aside, every probe idle', async () => {
  for (const seed of [1, 2, 3]) {
    const { rep, claims } = await compareOn(machineLab({ seed }));
    assert.deepEqual(rep.setAside, []);
    assert.ok(rep.roundProbes.flat().every((x) => x >= 1.6), String(rep.roundProbes));
    for (const c of Object.values(claims)) assert.equal(c.verdict, 'borne-out', `${c.id}: ${c.measured.text} ${c.why ?? ''}`);
  }
});

test('a held core: the parallel claims are inconclusive with the busy reason, never not-borne-out; the GIL\'s claims still borne out', async () => {
  const { rep, claims } = await compareOn(machineLab({ load: () => 1 }));
  assert.equal(rep.setAside.length, 1);
  assert.ok(rep.roundProbes.flat().every((x) => x < 1.6));
  for (const id of v.NEEDS_IDLE_MACHINE.filter((x) => claims[x])) {
    assert.notEqual(claims[id].verdict, 'not-borne-out', id);
    if (claims[id].verdict === 'inconclusive') assert.match(claims[id].why, /counted rounds? a probe found the machine busy/, id);
  }
  assert.equal(claims['processes-cpu'].verdict, 'inconclusive', `${claims['processes-cpu'].measured.text}: a held core leaves processes 1.5 / 1.5 cores`);
  assert.equal(claims['threads-gil-cpu'].verdict, 'borne-out');
  assert.equal(claims['asyncio-cpu'].verdict, 'borne-out');
});

test('a bursty load (a build: two jobs on, then off, for seconds at a time): no claim CPython bears out is ever not-borne-out', async () => {
  const tally = {};
  let n = 0;
  for (const onMs of [1500, 3000, 5000])
    for (const offMs of [1500, 3000, 5000])
      for (let phase = 0; phase < 8; phase++) {
        const period = onMs + offMs;
        const load = (t) => ((t + (phase * period) / 8) % period < onMs ? 2 : 0);
        const { rep, claims } = await compareOn(machineLab({ load, seed: ++n }));
        for (const c of Object.values(claims)) {
          (tally[c.id] ??= {})[c.verdict] = (tally[c.id][c.verdict] ?? 0) + 1;
          assert.notEqual(c.verdict, 'not-borne-out', `on ${onMs} off ${onMs} phase ${phase}: ${c.id}: ${c.measured.text} ${c.why ?? ''} probes ${JSON.stringify(rep.roundProbes)}`);
        }
      }
  // The rule is not "never refute": on a quiet machine the same Compare bears the claims out (above), and
  // some of these bursty Compares do too, between bursts.
  assert.ok(tally['processes-cpu']['borne-out'] > 0, JSON.stringify(tally));
});

test('onProgress: the warm-up, then every counted run', async () => {
  const seen = [];
  const lab = fakeLab();
  const rep = await p.compareInRounds(options(lab, { onProgress: (g) => seen.push([g.phase, g.round, g.mode, Object.keys(g.outcome).length]) }));
  assert.deepEqual(seen.slice(0, MODES.length).map((s) => s.slice(0, 2)), MODES.map(() => ['warm-up', 0]));
  assert.equal(seen.slice(0, MODES.length).every((s) => s[3] === 0), true, 'no counted round yet');
  assert.equal(seen.length, MODES.length * (1 + rep.orders.length));
  assert.deepEqual(seen.slice(MODES.length).map((s) => s[2]), rep.orders.flat());
});

test('onStart: each run is told as it starts, with its phase, round and mode, before its progress', async () => {
  const seen = [];
  const lab = fakeLab();
  const rep = await p.compareInRounds(
    options(lab, {
      onStart: (s) => seen.push(['start', s.phase, s.round, s.mode, lab.calls.length]),
      onProgress: (g) => seen.push(['progress', g.phase, g.round, g.mode, lab.calls.length]),
    }),
  );
  const starts = seen.filter((s) => s[0] === 'start');
  // One start per run the runner was asked for, in the same order, told before the runner ran it.
  assert.deepEqual(starts.map((s) => [s[3], s[2]]), lab.calls.map((c) => [c.mode, c.round]));
  assert.ok(starts.every((s, i) => s[4] === i), 'told before its run');
  assert.deepEqual(starts.slice(0, MODES.length).map((s) => s[1]), MODES.map(() => 'warm-up'));
  assert.deepEqual(starts.slice(MODES.length).map((s) => s[3]), rep.orders.flat());
  // Each progress follows its own start.
  for (let i = 0; i < seen.length; i += 2) {
    assert.equal(seen[i][0], 'start');
    assert.deepEqual(seen[i + 1].slice(0, 4), ['progress', ...seen[i].slice(1, 4)]);
  }
});

test('onStart under a busy probe: the runs of a round set aside before it ran start as set aside', async () => {
  const lab = probedLab((n) => (n === 0 ? 1.05 : 1.9));
  const starts = [];
  const rep = await p.compareInRounds(options(lab, { minRounds: 3, maxRounds: 3, probe: lab.probe, onStart: (s) => starts.push([s.phase, s.round, s.mode]) }));
  assert.deepEqual(starts.filter((s) => s[0] === 'set-aside'), rep.setAside[0].order.map((m) => ['set-aside', 1, m]));
  assert.equal(starts.length, lab.calls.length);
});

test('nextOrder: a permutation that differs from the previous order, even when the draws repeat', () => {
  const xs = ['a', 'b', 'c', 'd'];
  const random = mulberry32(7);
  let prev;
  for (let i = 0; i < 50; i++) {
    const o = p.nextOrder(xs, prev, random);
    assert.deepEqual([...o].sort(), xs);
    if (prev) assert.notDeepEqual(o, prev);
    prev = o;
  }
  const same = p.nextOrder(xs, undefined, () => 0);
  const next = p.nextOrder(xs, same, () => 0);
  assert.notDeepEqual(next, same);
  assert.deepEqual([...next].sort(), xs);
  assert.deepEqual(p.nextOrder(['only'], ['only'], Math.random), ['only']);
});

/**
 * engine/probe.ts against a fake machine of `cores` cores (./machine-sim.mjs): the workers the probe asks at
 * once share the cores, time-sliced by `policy`, with the busy programs of `others(trial)` (a trial is one
 * batch of workers asked together: the warm-up, each time alone, each trial together). A piece of work of
 * size n takes `pieceMs(n, cpu)` ms of CPU, where `cpu` is what that worker has had so far (n / 50,000 ms). One probe for each function in `probes`, in turn, as the rounds of a
 * Compare do; returns the reading (or readings).
 */
async function probeReads(probes, { cores = 2, k = cores, policy = 'fair', pick, pieceMs = (n) => n / 50_000 } = {}) {
  const { ParallelismProbe } = await loadTs('www/src/engine/probe.ts');
  let trial = 0;
  let others = probes[0];
  let batch = [];
  let clock = 1_000;
  class FakeWorker {
    listeners = { message: new Set(), error: new Set() };
    addEventListener(type, fn) {
      this.listeners[type].add(fn);
    }
    removeEventListener(type, fn) {
      this.listeners[type].delete(fn);
    }
    cpu = 0;
    postMessage({ ms, n }) {
      batch.push({ worker: this, ms, n });
      // Every worker asked in this turn of the event loop runs at once.
      if (batch.length === 1)
        setTimeout(() => {
          const asked = batch;
          batch = [];
          const runs = simulate({ cores, others: others(trial), policy, workers: asked.map((a) => ({ ms: a.ms, pieceMs: (cpu) => pieceMs(a.n, cpu), cpuBefore: a.worker.cpu })) });
          const base = clock;
          clock += Math.max(...runs.map((r) => r.ends.at(-1))) + 1;
          trial++;
          runs.forEach((r, i) => {
            asked[i].worker.cpu = r.cpu;
            const data = { start: base + r.start, ends: r.ends.map((e) => base + e) };
            for (const fn of asked[i].worker.listeners.message) fn({ data });
          });
        }, 0);
    }
    terminate() {}
  }
  const saved = globalThis.Worker;
  globalThis.Worker = FakeWorker;
  try {
    const probe = new ParallelismProbe(k, new URL('file:///probe-worker.js'));
    const readings = [];
    for (const p of probes) {
      others = p;
      trial = 0;
      readings.push(await probe.measure(pick));
    }
    probe.close();
    return readings.length === 1 ? readings[0] : readings;
  } finally {
    globalThis.Worker = saved;
  }
}

test('the probe reads a quiet machine idle, a held core busy, a burst in most of its trials busy, a moment\'s hiccup idle', async () => {
  // Trials of a first probe: 0 to 2 the workers' warm-up (the second and third no faster: warm), 3 to 5
  // together, then each worker alone.
  const idle = await probeReads([() => 0]);
  assert.ok(idle >= 1.9, `a quiet machine: ${idle} of 2 cores free`);
  const held = await probeReads([() => 1]);
  assert.ok(held < 1.4 && held > 1.2, `a held core: ${held} of 2 cores free`);
  const hiccup = await probeReads([(trial) => (trial === 4 ? 1 : 0)]);
  assert.ok(hiccup >= 1.9, `a hiccup in one trial together: ${hiccup}`);
  // A later probe (a first one that reads busy is taken again: below): two other programs in two of its trials.
  const [, burst] = await probeReads([() => 0, (trial) => (trial === 0 || trial === 2 ? 2 : 0)]);
  assert.ok(burst <= 1.1, `two other programs in two of the three trials together: ${burst}`);
  // The same probe in a later round, with two other programs there from the start: its time alone is the
  // fastest it has seen, not one measured while others shared the core (which would read 1.5, nearly idle).
  const [first, later] = await probeReads([() => 0, () => 2]);
  assert.ok(first >= 1.9 && later <= 1.05, `idle, then two others: ${first}, ${later}`);
  // And the verdicts' line between them.
  for (const x of [idle, hiccup, first]) assert.equal(v.isBusyReading(x, 2), false, String(x));
  for (const x of [held, burst, later]) assert.equal(v.isBusyReading(x, 2), true, String(x));
});

test('the probe never reads more cores than the machine has: four workers on two cores, however they are scheduled', async () => {
  // WebKitGTK reports 4 on a 2-core machine, and its first visit probes with four workers. Where two of
  // them run while the other two wait for a core (their messages handled only then), each worker's own
  // time is its time alone: summing each worker's rate read 4 (the page then counted 3 cores).
  for (const policy of ['fair', 'fifo']) {
    for (const pick of ['median', 'best']) {
      const read = await probeReads([() => 0], { cores: 2, k: 4, policy, pick });
      assert.ok(read <= 2.05 && read >= 1.8, `${policy}, ${pick}: ${read} of 2 cores`);
    }
  }
  const eight = await probeReads([() => 0], { cores: 4, k: 8, policy: 'fifo', pick: 'best' });
  assert.ok(eight <= 4.1 && eight >= 3.6, `eight workers on four cores: ${eight}`);
});

test('a Compare\'s first probe reads an idle machine idle while its workers\' compilers warm up slowly', async () => {
  // JavaScriptCore's workers each compile their own code, on threads that wait for a core while the workers
  // hold both: here a worker's work is 20 times slower for its first 60 ms of CPU, then 3 times slower up
  // to 120 ms. One short warm-up read this idle machine busy (1.2 of 2 in WebKitGTK).
  const pieceMs = (n, cpu) => (n / 50_000) * (cpu < 60 ? 20 : cpu < 120 ? 3 : 1);
  for (const k of [2, 4]) {
    const read = await probeReads([() => 0], { cores: 2, k, pieceMs });
    assert.ok(read >= 1.9 && read <= 2.05, `${k} workers, a slow warm-up: ${read} of 2 cores`);
  }
  // A plateau the warm-up takes for warm code (3 times slower up to 260 ms of CPU: through the first
  // probe's trials, not its times alone after them): that probe reads busy and is taken once more.
  const plateau = (n, cpu) => (n / 50_000) * (cpu < 60 ? 20 : cpu < 260 ? 3 : 1);
  const read = await probeReads([() => 0], { cores: 2, pieceMs: plateau });
  assert.ok(read >= 1.9 && read <= 2.05, `a plateau past the warm-up: ${read} of 2 cores`);
  // A machine really busy reads busy again.
  const held = await probeReads([() => 1], { cores: 2, pieceMs: plateau });
  assert.ok(held < 1.45, `a plateau and a held core: ${held}`);
});
