// verdicts.ts on the convoy effect: an I/O thread beside a CPU-bound thread, alone (sequential) and under
// the GIL at 5 ms and 1 ms, and without it; the claims of one Compare and the one across two.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';
import { result, probed } from './fixtures.mjs';

let v;
let run;
before(async () => {
  v = await loadTs('www/src/measure/verdicts.ts');
  run = await loadTs('www/src/lesson/run.ts');
});

const WORK = { workload: 'convoy', calls: 200, cpuThreads: 1, blockingUs: 100, tasks: 2 };
const ALONE = [36, 40, 38];
const entry = (mode, rounds, spec = {}) => ({ ...result(mode, rounds, { spec: { ...WORK, ...spec } }), class: 'mixed' });
const byId = (cs) => Object.fromEntries(cs.map((c) => [c.id, c]));

/** A convoy Compare of three counted rounds; `probes`: what the probes around them read (idle by default). */
function compare({ gil, free, interval = 5, cpuThreads = 1, machine, probes = 1.9 } = {}) {
  const out = { sequential: entry('sequential', ALONE, { cpuThreads }) };
  if (gil) out['threads-gil'] = entry('threads-gil', gil, { switchIntervalMs: interval, cpuThreads });
  if (free) out['free-threaded'] = entry('free-threaded', free, { cpuThreads });
  for (const r of Object.values(out)) {
    if (machine) r.machine = { ...r.machine, ...machine };
    r.measurement = probed(3, probes);
  }
  return out;
}

test('the convoy at 5 ms: at least 10x slower than alone is borne out; without the GIL under 2x', () => {
  const cs = byId(v.claims(compare({ gil: [1070, 1080, 780], free: [40, 39, 41] })));
  assert.deepEqual(Object.keys(cs), ['convoy-effect', 'convoy-free-threaded']);
  assert.equal(cs['convoy-effect'].verdict, 'borne-out', cs['convoy-effect'].why);
  assert.match(cs['convoy-effect'].measured.text, /slower than alone .* switch interval 5 ms/);
  assert.equal(cs['convoy-free-threaded'].verdict, 'borne-out');
  for (const c of Object.values(cs)) assert.ok(v.CLAIM_IDS.includes(c.id) && c.claim === v.CLAIM_TEXT[c.id]);
});

test('a convoy that never formed contradicts the claim; rounds on both sides leave it open', () => {
  const no = byId(v.claims(compare({ gil: [60, 70, 65], free: [120, 110, 100] })));
  assert.equal(no['convoy-effect'].verdict, 'not-borne-out');
  assert.equal(no['convoy-free-threaded'].verdict, 'not-borne-out');
  const mixed = byId(v.claims(compare({ gil: [1000, 200, 900] })));
  assert.equal(mixed['convoy-effect'].verdict, 'inconclusive');
  assert.equal(mixed['convoy-effect'].undecided, true, 'more rounds may settle it');
  assert.equal(mixed['convoy-free-threaded'].verdict, 'inconclusive', 'free-threaded did not run');
  assert.equal(mixed['convoy-free-threaded'].measured.rounds, 0);
});

test('the claim is made at 5 ms; no CPU-bound thread or busy cores leave the claims open, saying why', () => {
  const at1 = byId(v.claims(compare({ gil: [270, 280, 275], interval: 1 })));
  assert.equal(at1['convoy-effect'].verdict, 'inconclusive');
  assert.match(at1['convoy-effect'].why, /default switch interval \(5 ms\); this run used 1 ms/);
  const alone = byId(v.claims(compare({ gil: [40, 41, 42], free: [40, 41, 42], cpuThreads: 0 })));
  for (const c of Object.values(alone)) assert.match(c.why, /no CPU-bound thread/, c.id);
  const busy = byId(v.claims(compare({ free: [100, 90, 95], machine: { parallelism: 1.1 }, probes: 1.1 })));
  assert.equal(busy['convoy-free-threaded'].verdict, 'inconclusive');
  assert.match(busy['convoy-free-threaded'].why, /cores free/);
  assert.equal(busy['convoy-free-threaded'].undecided, false);
}); 

test('a convoy that did not form on a machine seen busy in a counted round is left open, never contradicted', () => {
  // The CPU-bound thread was not on a core when the GIL came free (other programs held the cores): no convoy.
  const gil = [60, 70, 65];
  const idle = byId(v.claims(compare({ gil, free: [120, 110, 100] })));
  assert.equal(idle['convoy-effect'].verdict, 'not-borne-out', 'on a machine idle in every round, the model is at fault');
  const busy = byId(v.claims(compare({ gil, free: [120, 110, 100], probes: [1.9, 1.9, 1.0, 1.9] })));
  for (const id of ['convoy-effect', 'convoy-free-threaded']) {
    assert.equal(busy[id].verdict, 'inconclusive', id);
    assert.match(busy[id].why, /^In 2 of the 3 counted rounds a probe found the machine busy \(at the lowest, only 1\.0 of this machine's 2 cores free\)/, id);
    assert.equal(busy[id].undecided, false, `${id}: more rounds cannot settle it`);
  }
  // Borne out on a busy machine stays borne out.
  assert.equal(byId(v.claims(compare({ gil: [1070, 1080, 780], probes: 1.0 })))['convoy-effect'].verdict, 'borne-out');
  // Across two Compares: no gain from the shorter interval, with one of them busy in a round: open.
  const at5 = compare({ gil: [200, 210, 205] });
  const at1busy = compare({ gil: [270, 280, 275], interval: 1, probes: [1.9, 1.2, 1.9, 1.9] });
  const [c] = v.acrossClaims([at5, at1busy]);
  assert.equal(c.verdict, 'inconclusive');
  assert.match(c.why, /a probe found the machine busy/);
  assert.equal(v.acrossClaims([at5, compare({ gil: [270, 280, 275], interval: 1 })])[0].verdict, 'not-borne-out');
});

test('across two Compares: a shorter interval that slows the I/O thread less is borne out', () => {
  const at5 = compare({ gil: [1070, 1080, 1050] });
  const at1 = compare({ gil: [270, 280, 275], interval: 1 });
  const [c] = v.acrossClaims([at5, at1]);
  assert.equal(c.id, 'convoy-interval');
  assert.equal(c.verdict, 'borne-out', c.why);
  assert.ok(c.measured.speedup > 3.5 && c.measured.speedup < 4.5, String(c.measured.speedup));
  assert.equal(v.acrossClaims([at1, compare({ gil: [200, 210, 205] })])[0].verdict, 'not-borne-out', 'faster at 5 ms in every round');
  assert.equal(v.acrossClaims([compare({ gil: [300, 310, 290] }), at1])[0].verdict, 'inconclusive', 'less slowed, but not by 1.25x');
  assert.match(v.acrossClaims([at5])[0].why, /shorter switch interval/);
  assert.deepEqual(v.acrossClaims([{ sequential: result('sequential', [1, 2, 3]) }]), [], 'no convoy, no claim');
  // The chapter's claims: one of each id, the Compare's first, then the one across them.
  const chapter = { claims: ['convoy-effect', 'convoy-interval', 'convoy-free-threaded'] };
  const cs = run.chapterClaims(chapter, [{ ...at5, 'free-threaded': entry('free-threaded', [40, 39, 41]) }, at1]);
  assert.deepEqual(cs.map((x) => [x.id, x.verdict]), [['convoy-effect', 'borne-out'], ['convoy-interval', 'borne-out'], ['convoy-free-threaded', 'borne-out']]);
});

test('the I/O thread of a run: its total time and percentiles per call', () => {
  const io = v.convoyIo({ tasks: [{ id: 0, startMs: 1, endMs: 11, calls: [1, 2, 3, 4, 100] }, { id: 1, startMs: 0, endMs: 12 }] });
  assert.deepEqual([io.totalMs, io.p50, io.p99], [10, 3, 100]);
  assert.ok(Number.isNaN(v.convoyIo({ tasks: [] }).p50));
  assert.equal(v.percentile([5, 1, 3, 2, 4], 0.5), 3);
});

test('the claims shown before a Compare runs are the ones it will decide, each with the mode it bears on', async () => {
  const v = await loadTs('www/src/measure/verdicts.ts');
  assert.deepEqual(v.claimsToTest({ workload: 'convoy' }, 'mixed'), ['convoy-effect', 'convoy-free-threaded']);
  assert.deepEqual(v.claimsToTest({ workload: 'cpu-primes' }, 'cpu'), ['threads-gil-cpu', 'asyncio-cpu', 'processes-cpu', 'free-threaded-cpu', 'interpreters-cpu', 'interpreters-start']);
  const heavy = v.claimsToTest({ workload: 'cpu-primes', releasesGil: 'true', inputItems: 100_000 }, 'cpu');
  assert.ok(heavy.includes('releases-gil-cpu') && heavy.includes('interpreters-data') && !heavy.includes('interpreters-cpu'), heavy.join());
  assert.deepEqual(v.claimsToTest({ workload: 'io-sleep' }, 'io'), ['asyncio-io', 'threads-io']);
  // Every claim has a mode, and a single run of that mode shows it.
  for (const id of v.CLAIM_IDS) assert.ok(v.CLAIM_MODE[id], id);
  assert.deepEqual(v.claimsToTest({ workload: 'cpu-primes' }, 'cpu').filter((id) => v.CLAIM_MODE[id] === 'interpreters'), ['interpreters-cpu', 'interpreters-start']);
});
