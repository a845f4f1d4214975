// procedure.ts: how a Compare is measured (warm-up, rounds in changing orders, probe, budget, median round),
// driven by a fake runner on a fake clock.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';
import { result, mulberry32 } from './fixtures.mjs';

let p;
before(async () => {
  p = await loadTs('www/src/measure/procedure.ts');
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

/** Processes straddle 1.25x: 1.35x in odd rounds, 1.15x in even ones; a claim stays inconclusive. */
const straddling = (mode, round) => {
  const base = { sequential: 1000, processes: round % 2 ? 1000 / 1.35 : 1000 / 1.15 }[mode];
  return round === 0 ? base * WARM_UP_FACTOR : base;
};

test('keeps adding rounds while a claim is inconclusive, up to maxRounds', async () => {
  const lab = fakeLab({ wall: straddling });
  const rep = await p.compareInRounds(options(lab, { modes: ['sequential', 'processes'], minRounds: 3, maxRounds: 6 }));
  assert.equal(rep.ended, 'max-rounds');
  assert.equal(rep.orders.length, 6);
  assert.equal(rep.outcome.processes.rounds.length, 6);
});

test('... or until the budget would be passed', async () => {
  const lab = fakeLab({ wall: straddling });
  const budgetMs = 14000; // the warm-up (3x slower) and about four rounds
  const rep = await p.compareInRounds(options(lab, { modes: ['sequential', 'processes'], minRounds: 3, maxRounds: 12, budgetMs }));
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
  const calm = await p.compareInRounds(options(fakeLab({ wall: straddling }), { modes: ['sequential', 'processes'], minRounds: 3, maxRounds: 12, budgetMs, probe: async () => 1.9 }));
  let n = 0;
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

test("the probe runs once per counted round and once after the last; entries carry the median probe as machine.parallelism", async () => {
  const values = [1.9, 1.634, 1.7, 1.8];
  let probes = 0;
  const lab = fakeLab();
  const rep = await p.compareInRounds(options(lab, { minRounds: 3, maxRounds: 3, probe: async () => values[probes++] }));
  assert.equal(probes, 4);
  assert.deepEqual(rep.parallelism, [1.9, 1.634, 1.7, 1.8]);
  assert.deepEqual(rep.setAside, []);
  for (const mode of MODES) {
    assert.equal(rep.outcome[mode].machine.parallelism, 1.75, mode);
    assert.equal(rep.outcome[mode].machine.cores, 2, 'the rest of machine is kept');
  }

  // A failing probe is skipped; the mean of the two middle ones for an even count, to two decimals.
  let n = 0;
  const even = await p.compareInRounds(
    options(fakeLab(), { minRounds: 3, maxRounds: 3, probe: async () => [1.234, 1.5, undefined][n++] ?? Promise.reject(new Error('no probe')) }),
  );
  assert.deepEqual(even.parallelism, [1.234, 1.5]);
  assert.equal(even.outcome.sequential.machine.parallelism, 1.37);

  // A busy machine per the probe makes a parallel claim inconclusive, and more rounds cannot change that:
  // none are added past the minimum.
  const busy = await p.compareInRounds(options(fakeLab({ table: { sequential: 1000, processes: 960 } }), { modes: ['sequential', 'processes'], maxRounds: 5, probe: async () => 1.1 }));
  assert.equal(busy.ended, 'decided');
  assert.equal(busy.orders.length, 3);
  assert.equal(busy.setAside.length, 1, 'the first busy probe sets its round aside; then most probes read busy, so no more are');
});

test('a round whose probe finds the machine busy is set aside and runs again; its times are kept, not counted', async () => {
  // Round 2's probe finds one core of two free; that round is run (its times kept) and run again.
  const values = [1.9, 1.05, 1.85, 1.9, 1.95];
  let probes = 0;
  const slow = (mode, round) => DECIDED[mode] * (round === 0 ? WARM_UP_FACTOR : 1);
  const lab = fakeLab({ wall: (mode, round) => (probes === 2 && mode === 'processes' ? 1500 : slow(mode, round)) });
  const seen = [];
  const rep = await p.compareInRounds(
    options(lab, { minRounds: 3, maxRounds: 3, probe: async () => values[probes++], onProgress: (g) => seen.push([g.phase, g.round, g.mode]) }),
  );
  assert.equal(probes, 5, 'one probe per round, the set-aside one included, and one after the last');
  assert.deepEqual(rep.parallelism, values);
  assert.equal(rep.orders.length, 3, 'three counted rounds');
  assert.equal(rep.setAside.length, 1);
  const [a] = rep.setAside;
  assert.equal(a.round, 2);
  assert.equal(a.probe, 1.05);
  assert.equal(a.cores, 2);
  assert.equal(a.wallMs.processes, 1500, "the set-aside round's slow processes run is kept in the report");
  assert.deepEqual(Object.keys(a.wallMs).sort(), [...MODES].sort());
  assert.notDeepEqual(a.order, rep.orders[0], 'orders still change round to round');
  assert.deepEqual(rep.outcome.processes.rounds, [620, 620, 620], 'the slow run is not among the counted rounds');
  assert.equal(lab.calls.filter((c) => c.round === 2).length, 2 * MODES.length, 'round 2 ran twice');
  assert.deepEqual(seen.filter((g) => g[0] === 'set-aside').map((g) => g[1]), MODES.map(() => 2));
});

test('at most two rounds are set aside, and none once most probes read busy', async () => {
  // Busy every other probe: the first tries of rounds 1 and 2 are set aside, then the cap holds.
  const flip = () => {
    let n = 0;
    return async () => (n++ % 2 === 0 ? 1.0 : 1.9);
  };
  const rep = await p.compareInRounds(options(fakeLab(), { minRounds: 5, maxRounds: 5, probe: flip() }));
  assert.equal(rep.setAside.length, 2);
  assert.equal(rep.orders.length, 5);
  // A machine busy throughout: only the first round is set aside (then most probes read busy).
  const held = await p.compareInRounds(options(fakeLab(), { minRounds: 4, maxRounds: 4, probe: async () => 1.0 }));
  assert.equal(held.setAside.length, 1);
  assert.equal(held.orders.length, 4);
  // One core: nothing is ever busy.
  const one = await p.compareInRounds(options(fakeLab(), { minRounds: 3, maxRounds: 3, probe: async () => 0.5, run: async (mode, round) => ({ ...(await fakeLab().run(mode, round)), machine: { cores: 1 } }) }));
  assert.equal(one.setAside.length, 0);
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
