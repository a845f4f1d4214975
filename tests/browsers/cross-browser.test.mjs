// The lab in every browser engine a learner uses (issue 22, item 1): the same few checks in Chromium,
// Firefox ESR and WebKitGTK (default settings, and with SharedArrayBuffer on as Safari under isolation),
// one engine per run of this file: LAB_BROWSER=chromium|firefox|webkit|webkit-sab (./drivers.mjs). Kept
// small (a couple of minutes per engine): the page boots; every mode this engine's build offers computes
// the same value on a small CPU job, the others are Unavailable saying what is missing; asyncio overlaps six
// 200 ms requests; the engine starts many Workers without hanging (Firefox deadlocked there); Stop; history
// across a reload; the gil chapter from a fresh page, its verdicts read against the machine's load as the
// operating system saw it (../e2e/load.mjs). A screenshot per engine lands in tests/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OUT, startServer } from '../e2e/helpers.mjs';
import { allWaitingAtOnce } from '../e2e/rules.mjs';
import { describeLoad, machinesOf, othersDuring, verdictRule } from '../e2e/load.mjs';
import { loadTs } from '../unit/load-ts.mjs';
import { ENGINES, openEngine } from './drivers.mjs';

const ENGINE = process.env.LAB_BROWSER ?? 'firefox';
assert.ok(ENGINES.includes(ENGINE), `LAB_BROWSER must be one of ${ENGINES.join(', ')}; got ${ENGINE}`);
/** What the threads build is in this engine (WebKitGTK at default settings cannot post shared memory: single). */
const EXPECTED_BUILD = ENGINE === 'webkit' ? 'single' : 'threads';
/** The small CPU job every mode runs: primes below 200,000 in 4 tasks (17,984 of them). */
const SMALL = { workload: 'cpu-primes', tasks: 4, size: 200_000 };
const SMALL_VALUE = 17_984;

let server;
let engine;
/** The page most tests share (a fresh one: no storage), on the playground. */
let page;
let verdicts;
const shot = (p, name) => p.screenshot(join(OUT, `browsers-${ENGINE}-${name}.png`));

before(async () => {
  [server, engine, verdicts] = await Promise.all([startServer(), openEngine(ENGINE), loadTs('www/src/measure/verdicts.ts')]);
});
after(async () => {
  await engine?.close();
  server?.close();
});

test(`${ENGINE}: the page boots and says which build runs`, async () => {
  page = await engine.fresh(`${server.url}#playground`);
  const status = await page.evaluate(() => window.lab.ready);
  assert.equal(status.crossOriginIsolated, true, JSON.stringify(status));
  assert.equal(status.build, EXPECTED_BUILD, JSON.stringify(status));
  assert.equal(status.state, 'ready');
  await shot(page, 'boot');
});

test(`${ENGINE}: every mode this build offers computes the same value; the others are Unavailable, saying what is missing`, async () => {
  const modes = await page.evaluate(() => window.lab.workloads().modes.map((m) => ({ name: m.name, unavailable: m.unavailable })));
  const offered = modes.filter((m) => !m.unavailable).map((m) => m.name);
  for (const must of ['sequential', 'asyncio', 'processes']) assert.ok(offered.includes(must), `${must} runs in every build: ${JSON.stringify(modes)}`);
  if (EXPECTED_BUILD === 'threads') assert.deepEqual(modes.filter((m) => m.unavailable), [], 'the threads build runs every mode');
  for (const { name, unavailable } of modes) {
    const spec = { ...SMALL, mode: name };
    if (!unavailable && !['sequential', 'asyncio'].includes(name)) spec.workers = 2;
    const r = await page.evaluate(
      (s) => window.lab.run(s).then((r) => ({ ok: true, value: r.value, build: r.build }), (e) => ({ ok: false, name: e.name, message: e.message, reason: e.reason })),
      spec,
    );
    if (unavailable) {
      assert.equal(r.name, 'Unavailable', `${name}: ${JSON.stringify(r)}`);
      assert.match(`${r.reason ?? r.message}`, /shared memory|SharedArrayBuffer|cross-origin isolated|threads/i, `${name} says what is missing: ${JSON.stringify(r)}`);
    } else {
      assert.ok(r.ok, `${name}: ${JSON.stringify(r)}`);
      assert.equal(r.value, SMALL_VALUE, `${name} computes the primes below 200,000`);
      assert.equal(r.build, EXPECTED_BUILD, name);
    }
  }
});

test(`${ENGINE}: asyncio has six 200 ms requests waiting at once`, async () => {
  const r = await page.evaluate(() => window.lab.run({ workload: 'io-fetch', mode: 'asyncio', tasks: 6, latencyMs: 200 }));
  assert.ok(r.tasks.every((t) => t.status === 'ok'), JSON.stringify(r.tasks.map((t) => t.status)));
  assert.ok(allWaitingAtOnce(r.tasks), 'every request was in flight at one moment');
  // One request's wait, not six of them one after another.
  assert.ok(r.wallMs >= 200 && r.wallMs < 6 * 200, `${r.wallMs} ms for six 200 ms requests`);
});

// Firefox deadlocked a worker that constructed a Worker while an automation session (WebDriver BiDi) or
// DevTools listened for workers: the engine worker made the processes, the probe's workers, the Python
// threads and the rayon pool, and about one Compare in three stopped with "the engine stopped responding".
// The page makes them now (www/src/engine/engine-worker.ts, EngineWorker). 96 process starts: with the
// old engine this hung well before the end in Firefox (under this very BiDi session).
test(`${ENGINE}: the engine starts 96 worker processes, eight at a time, without hanging`, async () => {
  const out = await page.evaluate(async () => {
    const values = [];
    for (let i = 0; i < 12; i++) {
      const r = await window.lab.run({ workload: 'cpu-primes', mode: 'processes', tasks: 8, workers: 8, size: 16_000 }).catch((e) => ({ error: `${e.name}: ${e.message}` }));
      values.push(r.error ?? r.value);
      if (r.error) break;
    }
    return { values, lastCrash: window.lab.status().lastCrash ?? null };
  });
  assert.deepEqual(out.values, Array(12).fill(1862), JSON.stringify(out));
  assert.equal(out.lastCrash, null);
});

test(`${ENGINE}: Stop ends a run of minutes, and the engine runs the next one`, async () => {
  const r = await page.evaluate(
    () =>
      new Promise((resolve) => {
        window.lab.run({ workload: 'cpu-primes', mode: 'processes', tasks: 8, workers: 2, size: 400_000_000 }).then(
          (x) => resolve({ name: 'finished', wallMs: x.wallMs }),
          (e) => resolve({ name: e.name, statuses: e.result?.tasks.map((t) => t.status) }),
        );
        setTimeout(() => window.lab.cancel(), 500);
      }),
  );
  assert.equal(r.name, 'AbortError', JSON.stringify(r));
  assert.ok(r.statuses.includes('cancelled'), `${r.statuses}`);
  const next = await page.evaluate((s) => window.lab.run(s).then((x) => x.value), { ...SMALL, mode: 'sequential' });
  assert.equal(next, SMALL_VALUE);
});

test(`${ENGINE}: a run is in the history after a reload`, async () => {
  const runId = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'asyncio', tasks: 2, size: 30_000 }).then((r) => r.runId));
  await page.reload();
  const ids = await page.evaluate(() => window.lab.ready.then(() => window.lab.history()).then((h) => h.map((r) => r.runId)));
  assert.ok(ids.includes(runId), `${runId} among ${ids.length} stored runs`);
  await page.close();
});

test(`${ENGINE}: the gil chapter from a fresh page: never refuted, borne out when the machine is quiet`, async (t) => {
  const fresh = await engine.fresh(`${server.url}?chapter=gil`);
  try {
    await fresh.evaluate(() => window.lab.ready);
    const { value, load } = await othersDuring(() =>
      fresh.evaluate(() =>
        window.lab.lesson.run('gil').then((run) => ({
          claims: run.claims,
          // Only what machinesOf reads: each Compare's probes and the machine each Result saw.
          outcomes: Object.fromEntries(
            Object.entries(run.outcomes).map(([k, o]) => [k, Object.fromEntries(Object.entries(o).map(([m, r]) => [m, r.measurement ? { measurement: { probes: r.measurement.probes }, machine: { parallelism: r.machine.parallelism } } : {}]))]),
          ),
          status: window.lab.status(),
        })),
      ),
    );
    const machines = machinesOf(value);
    const rule = verdictRule({ claims: value.claims, machines, load, needsIdle: verdicts.NEEDS_IDLE_MACHINE, busyShare: verdicts.BUSY_SHARE });
    t.diagnostic(`${describeLoad(load)} (${rule.cls}); probes ${machines.map((m) => m.probes.join(' ')).join(' | ')}; ${value.claims.map((c) => `${c.id} ${c.verdict} ${c.measured.text}`).join('; ')}`);
    assert.ok(value.claims.some((c) => c.id === 'threads-gil-cpu') && value.claims.some((c) => c.id === 'processes-cpu'), value.claims.map((c) => c.id).join());
    assert.deepEqual(rule.problems, [], rule.problems.join('; '));
    assert.equal(value.status.lastCrash, undefined, 'no engine restart');
    await shot(fresh, 'gil-chapter');
  } finally {
    await fresh.close();
  }
});
