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
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';
import { noteEngine } from './results.mjs';
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
/**
 * What each engine can do, as found on this machine (README.md, "How the tests drive each engine"): Chromium everything;
 * Firefox ESR everything (JSPI since 153); WebKitGTK no JSPI, and at default settings it cannot post shared
 * memory to a worker (DataCloneError) though the page is cross-origin isolated.
 */
const EXPECTED_CAPS = {
  chromium: { sharedMemory: true, atomicsWait: true, jspi: true },
  firefox: { sharedMemory: true, atomicsWait: true, jspi: true },
  webkit: { sharedMemory: false, atomicsWait: false, jspi: false },
  'webkit-sab': { sharedMemory: true, atomicsWait: true, jspi: false },
}[ENGINE];
/** A Debian package's version ("2.50.6-1~deb12u1"), for the README's table: WebKitGTK's user agent does not say it. */
const debianVersion = (name) => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};
/** The machine's cores, from the operating system: what the lab's measured count should say. */
const CORES = availableParallelism();

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

test(`${ENGINE}: the page boots, says which build runs, and what this browser can do, each tried`, async (t) => {
  page = await engine.fresh(`${server.url}#playground`);
  const status = await page.evaluate(() => window.lab.ready);
  assert.equal(status.crossOriginIsolated, true, JSON.stringify(status));
  assert.equal(status.build, EXPECTED_BUILD, JSON.stringify(status));
  assert.equal(status.state, 'ready');
  const caps = status.capabilities;
  t.diagnostic(`capabilities ${JSON.stringify(caps)}; buildReason ${status.buildReason ?? '(none)'}`);
  for (const [k, v] of Object.entries(EXPECTED_CAPS)) assert.equal(caps[k], v, `${k}: ${JSON.stringify(caps)}`);
  assert.equal(typeof caps.nestedWorkers, 'boolean');
  if (ENGINE === 'webkit') {
    // Truthfully for this browser: the page is isolated; what is missing is sending shared memory to a worker.
    assert.match(caps.why.sharedMemory, /^this browser cannot send shared memory to a worker/);
    assert.match(status.buildReason, /^this browser cannot send shared memory to a worker/);
    assert.doesNotMatch(status.buildReason, /not cross-origin isolated/);
  }
  if (!caps.jspi) assert.match(caps.why.jspi, /stack switching/);
  noteEngine(ENGINE, { userAgent: await page.evaluate(() => navigator.userAgent), webkitgtk: ENGINE.startsWith('webkit') ? debianVersion('webkit2gtk-driver') : undefined, build: status.build, buildReason: status.buildReason ?? null, capabilities: caps });
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
      // In WebKitGTK at default settings the page is isolated: the reason names what this browser cannot do.
      if (ENGINE === 'webkit') {
        assert.match(r.reason, /this browser cannot send shared memory to a worker/, name);
        assert.doesNotMatch(r.reason, /not cross-origin isolated/, name);
      }
    } else {
      assert.ok(r.ok, `${name}: ${JSON.stringify(r)}`);
      assert.equal(r.value, SMALL_VALUE, `${name} computes the primes below 200,000`);
      assert.equal(r.build, EXPECTED_BUILD, name);
    }
  }
  noteEngine(ENGINE, { modes: Object.fromEntries(modes.map((m) => [m.name, m.unavailable ?? 'runs'])) });
});

// Cores measured, not read (issue 22, item 6): WebKitGTK says 4 on this 2-core machine; the lab counts what
// its probe measured (a first visit measures before the engine starts), at most what the browser says.
test(`${ENGINE}: the core count is what the lab's probe measured, and the page says so`, async (t) => {
  // A first visit measures before the engine starts where the browser reports more than 2 (WebKitGTK's 4);
  // with 2 reported, a Compare's probes confirm the count.
  await page.evaluate(() => window.lab.compare({ workload: 'cpu-primes', tasks: 2, size: 20_000 }, { modes: ['sequential', 'asyncio'], budgetMs: 0 }));
  const s = await page.evaluate(() => ({ caps: window.lab.status().capabilities, text: document.body.textContent, modes: window.lab.workloads().modes.map((m) => [m.name, m.workers?.default ?? null]) }));
  t.diagnostic(`hardwareConcurrency ${s.caps.hardwareConcurrency}, cores ${s.caps.cores} (${s.caps.coresSource}), best reading ${s.caps.coresMeasured}; the machine has ${CORES}`);
  assert.equal(s.caps.coresSource, 'probe');
  assert.ok(s.caps.cores <= s.caps.hardwareConcurrency);
  assert.equal(s.caps.cores, CORES, `the lab says ${s.caps.cores} cores on a ${CORES}-core machine (the browser says ${s.caps.hardwareConcurrency})`);
  assert.match(s.text, new RegExp(`Cores: ${CORES} \\(measured`));
  assert.match(s.text, new RegExp(`Your browser: ${CORES} cores?,`), 'the status\'s one sentence counts the same cores');
  // Python's defaults follow the cores counted: threads min(32, cores + 4), processes cores.
  const defaults = Object.fromEntries(s.modes);
  assert.equal(defaults['threads-gil'], Math.min(32, CORES + 4));
  assert.equal(defaults.processes, CORES);
  noteEngine(ENGINE, { hardwareConcurrency: s.caps.hardwareConcurrency, cores: s.caps.cores, coresSource: s.caps.coresSource });
});

// Real Python without stack switching (issue 22, item 5): lab.python.run runs what the pane runs, with
// the changes listed. The lesson's fetch_data prints in order; a gather of six 200 ms calls overlaps.
test(`${ENGINE}: real Python: the lesson's fetch_data prints in order, six 200 ms calls overlap, the changes listed`, async (t) => {
  const fetchData = 'import asyncio\n\nasync def fetch_data():\n    print("Start fetching...")\n    await asyncio.sleep(0.3) # Non-blocking sleep\n    print("Done!")\n\nasyncio.run(fetch_data())\n';
  const urls = Array.from({ length: 6 }, (_, i) => `"api/delay?ms=200&call=${i}"`).join(', ');
  const gather = `import asyncio\nimport aiohttp\n\nasync def call_api(url):\n    async with aiohttp.ClientSession() as session:\n        async with session.get(url) as response:\n            return await response.json()\n\nasync def main():\n    urls = [${urls}]\n    results = await asyncio.gather(*(call_api(u) for u in urls))\n    print(results)\n\nasyncio.run(main())\n`;
  const out = await page.evaluate(
    async ([a, b]) => {
      const pick = (r) => ({ error: r.error ?? null, printed: r.stdout.map((l) => l.text), times: r.stdout.map((l) => l.tMs), wallMs: r.wallMs, changes: r.changes });
      await window.lab.python.run('print("loaded")'); // the runtime's load is not part of the runs
      return { fetchData: pick(await window.lab.python.run(a)), gather: pick(await window.lab.python.run(b)) };
    },
    [fetchData, gather],
  );
  t.diagnostic(`fetch_data ${out.fetchData.wallMs.toFixed(0)} ms, gather of six 200 ms calls ${out.gather.wallMs.toFixed(0)} ms; changes ${JSON.stringify(out.fetchData.changes.map((c) => `${c.line}: ${c.from} -> ${c.to}`))}`);
  assert.equal(out.fetchData.error, null, JSON.stringify(out.fetchData.error));
  assert.deepEqual(out.fetchData.printed, ['Start fetching...', 'Done!']);
  assert.ok(out.fetchData.times[1] - out.fetchData.times[0] >= 290, `the sleep between the lines: ${out.fetchData.times}`);
  const expected = EXPECTED_CAPS.jspi ? [] : [{ line: 8, from: 'asyncio.run(fetch_data())', to: 'await fetch_data()' }];
  assert.deepEqual(out.fetchData.changes.map(({ line, from, to }) => ({ line, from, to })), expected);
  for (const c of out.fetchData.changes) assert.match(c.why, /stack switching \(JSPI\)/);
  assert.equal(out.gather.error, null, JSON.stringify(out.gather.error));
  assert.deepEqual(out.gather.printed, [`[${Array(6).fill("{'delayMs': 200}").join(', ')}]`]);
  assert.deepEqual(out.gather.changes.map((c) => c.to), ['import lab_aiohttp as aiohttp', ...(EXPECTED_CAPS.jspi ? [] : ['await main()'])]);
  assert.ok(out.gather.wallMs >= 200 && out.gather.wallMs < 600, `six 200 ms calls took ${out.gather.wallMs.toFixed(0)} ms: they overlap`);
  noteEngine(ENGINE, { python: { fetchData: out.fetchData.printed, fetchDataMs: Math.round(out.fetchData.wallMs), gatherMs: Math.round(out.gather.wallMs), changes: out.fetchData.changes.map((c) => `${c.from} -> ${c.to}`) } });
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
    // A known gap, reported, not hidden: WebKitGTK starts a `processes` pool's Workers with a wide spread
    // (on a quiet machine, 2026-12-06: rounds at 1.01x-1.12x beside a median of 1.5x), which leaves
    // processes-cpu open there. Issue 22 stays open for it; until then that one problem is a TODO in WebKit,
    // and every other problem (a claim refuted, a busy machine read idle, threads-gil-cpu open) fails.
    const known = ENGINE.startsWith('webkit') ? rule.problems.filter((p) => /^processes-cpu inconclusive \(the machine was quiet\)/.test(p)) : [];
    assert.deepEqual(rule.problems.filter((p) => !known.includes(p)), [], rule.problems.join('; '));
    if (ENGINE.startsWith('webkit')) {
      await t.test('processes-cpu borne out on a quiet machine', { todo: known.length ? 'WebKitGTK: process start-up spread leaves it open (issue 22)' : false }, () => assert.deepEqual(known, []));
    }
    assert.equal(value.status.lastCrash, undefined, 'no engine restart');
    noteEngine(ENGINE, { gil: { verdicts: Object.fromEntries(value.claims.map((c) => [c.id, c.verdict])), load: rule.cls } });
    await shot(fresh, 'gil-chapter');
  } finally {
    await fresh.close();
  }
});
