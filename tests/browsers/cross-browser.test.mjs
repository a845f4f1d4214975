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
import { OUT, paintedPixelsIn, startServer } from '../e2e/helpers.mjs';
import { allWaitingAtOnce } from '../e2e/rules.mjs';
import { assertCoresAtMost, judgedChapter, restoredVerdicts } from './chapter.mjs';
import { ENGINES, openEngine } from './drivers.mjs';
import { outside } from './part.mjs';

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
const shot = (p, name) => p.screenshot(join(OUT, `browsers-${ENGINE}-${name}.png`));

before(async () => {
  [server, engine] = await Promise.all([startServer(), openEngine(ENGINE)]);
});
after(async () => {
  await engine?.close();
  server?.close();
});

test(`${ENGINE}: the page boots, says which build runs, and what this browser can do, each tried`, { skip: outside('rest') }, async (t) => {
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

test(`${ENGINE}: every mode this build offers computes the same value; the others are Unavailable, saying what is missing`, { skip: outside('rest') }, async () => {
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
test(`${ENGINE}: the core count is what the lab's probe measured, and the page says so`, { skip: outside('rest') }, async (t) => {
  // A first visit measures before the engine starts where the browser reports more than 2 (WebKitGTK's 4);
  // with 2 reported, a Compare's probes confirm the count.
  await page.evaluate(() => window.lab.compare({ workload: 'cpu-primes', tasks: 2, size: 20_000 }, { modes: ['sequential', 'asyncio'], budgetMs: 0 }));
  const s = await page.evaluate(() => ({ caps: window.lab.status().capabilities, text: document.body.textContent, modes: window.lab.workloads().modes.map((m) => [m.name, m.workers?.default ?? null]) }));
  t.diagnostic(`hardwareConcurrency ${s.caps.hardwareConcurrency}, cores ${s.caps.cores} (${s.caps.coresSource}), best reading ${s.caps.coresMeasured}; the machine has ${CORES}`);
  assert.equal(s.caps.coresSource, 'probe');
  assert.ok(s.caps.cores <= s.caps.hardwareConcurrency);
  assert.equal(s.caps.cores, CORES, `the lab says ${s.caps.cores} cores on a ${CORES}-core machine (the browser says ${s.caps.hardwareConcurrency})`);
  await assertCoresAtMost({ capabilities: s.caps }, 'after a Compare');
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
test(`${ENGINE}: real Python: the lesson's fetch_data prints in order, six 200 ms calls overlap, the changes listed`, { skip: outside('rest') }, async (t) => {
  const fetchData = 'import asyncio\n\nasync def fetch_data():\n    print("Start fetching...")\n    await asyncio.sleep(0.3) # Non-blocking sleep\n    print("Done!")\n\nasyncio.run(fetch_data())\n';
  const urls = Array.from({ length: 6 }, (_, i) => `"api/delay?ms=200&call=${i}"`).join(', ');
  // The calls in flight at once, counted in Python: six if they overlap, one if each waited for the last (a
  // rule, where a time bound would be a figure a busy machine can break).
  const gather = `import asyncio\nimport aiohttp\n\nin_flight = most = 0\n\nasync def call_api(url):\n    global in_flight, most\n    async with aiohttp.ClientSession() as session:\n        in_flight += 1\n        most = max(most, in_flight)\n        async with session.get(url) as response:\n            data = await response.json()\n        in_flight -= 1\n        return data\n\nasync def main():\n    urls = [${urls}]\n    results = await asyncio.gather(*(call_api(u) for u in urls))\n    print(results)\n    print("most in flight at once:", most)\n\nasyncio.run(main())\n`;
  const out = await page.evaluate(
    async ([a, b]) => {
      const pick = (r) => ({ error: r.error ?? null, printed: r.stdout.map((l) => l.text), times: r.stdout.map((l) => l.tMs), wallMs: r.wallMs, changes: r.changes, trace: r.trace });
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
  assert.deepEqual(out.gather.printed, [`[${Array(6).fill("{'delayMs': 200}").join(', ')}]`, 'most in flight at once: 6']);
  assert.deepEqual(out.gather.changes.map((c) => c.to), ['import lab_aiohttp as aiohttp', ...(EXPECTED_CAPS.jspi ? [] : ['await main()'])]);
  // Counted in flight is counted entering the call; that the requests were on the wire at once is what
  // CPython's tracer saw: each call_api coroutine's longest wait (its response) covers one same instant
  // (Chromium once ran six requests for one URL one after another). A rule, whatever the load: a time
  // bound (under six calls' 1.2 s) failed under a held core in WebKitGTK (1587 ms), the waits overlapping.
  const waits = out.gather.trace.filter((c) => c.label.startsWith('call_api(')).map((c) => c.spans.filter((x) => x.kind === 'await').reduce((a, b) => (b.endMs - b.startMs > a.endMs - a.startMs ? b : a)));
  assert.equal(waits.length, 6, JSON.stringify(out.gather.trace.map((c) => c.label)));
  assert.ok(Math.max(...waits.map((w) => w.startMs)) < Math.min(...waits.map((w) => w.endMs)), `the six calls' waits: ${waits.map((w) => `${w.startMs.toFixed(0)}-${w.endMs.toFixed(0)}`).join(', ')}`);
  assert.ok(out.gather.wallMs >= 200, `six 200 ms calls took ${out.gather.wallMs.toFixed(0)} ms, less than one call's wait`);
  noteEngine(ENGINE, { python: { fetchData: out.fetchData.printed, fetchDataMs: Math.round(out.fetchData.wallMs), gatherMs: Math.round(out.gather.wallMs), changes: out.fetchData.changes.map((c) => `${c.from} -> ${c.to}`) } });
});

test(`${ENGINE}: asyncio has six 200 ms requests waiting at once`, { skip: outside('rest') }, async () => {
  const r = await page.evaluate(() => window.lab.run({ workload: 'io-fetch', mode: 'asyncio', tasks: 6, latencyMs: 200 }));
  assert.ok(r.tasks.every((t) => t.status === 'ok'), JSON.stringify(r.tasks.map((t) => t.status)));
  assert.ok(allWaitingAtOnce(r.tasks), 'every request was in flight at one moment');
  // At least one request's wait. (Not six one after another: the rule above says so; its upper bound in
  // time went, as python-real's did when a held-core .ci/run stretched a six-call gather to 636 ms.)
  assert.ok(r.wallMs >= 200, `${r.wallMs} ms for six 200 ms requests`);
});

// The picture of an image workload: every band reported before the run's answer (they travel on different
// ports), drawn by the image's own worker where the browser can hand it the canvas (OffscreenCanvas: all
// three engines here), and read back from the page's canvas: every band drawn, in every mode tried.
test(`${ENGINE}: a cpu-mandelbrot run's picture has every band, drawn off the main thread`, { skip: outside('rest') }, async () => {
  const got = await page.evaluate(async () => {
    const out = [];
    const offThread = typeof OffscreenCanvas === 'function' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype;
    for (const mode of ['sequential', 'threads-gil', 'processes']) {
      let heard = 0;
      window.__bandListener ??= (window.lab.onTask(() => window.__onBand?.()), true);
      window.__onBand = () => heard++;
      const r = await window.lab.run({ workload: 'cpu-mandelbrot', mode, tasks: 8, size: 200 });
      const atAnswer = heard;
      window.__onBand = undefined;
      const canvas = document.querySelector('#image');
      const caption = document.querySelector('#image-caption');
      let bands = [];
      // The worker draws as the bands arrive; give it a moment (its first start) to catch up.
      for (let i = 0; i < 50; i++) {
        const g = Object.assign(document.createElement('canvas'), { width: canvas.width, height: canvas.height }).getContext('2d');
        g.drawImage(canvas, 0, 0);
        const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
        const rows = canvas.height / 8;
        // Drawn: every pixel opaque, in the picture's colours (a band of one colour is no picture: Firefox
        // reads a canvas its worker has not drawn on yet as opaque black).
        bands = Array.from({ length: 8 }, (_, b) => {
          let opaque = 0;
          const colours = new Set();
          for (let i = b * rows * canvas.width; i < (b + 1) * rows * canvas.width; i++) {
            opaque += data[4 * i + 3] === 255;
            colours.add((data[4 * i] << 16) | (data[4 * i + 1] << 8) | data[4 * i + 2]);
          }
          return opaque === rows * canvas.width && colours.size >= 3 ? 'drawn' : `${opaque} opaque, ${colours.size} colours`;
        });
        if (!canvas.hidden && bands.every((x) => x === 'drawn')) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      out.push({ mode, value: r.value, tasks: r.tasks.length, atAnswer, bands, hidden: canvas.hidden, caption: caption.textContent });
    }
    document.querySelector('#image').scrollIntoView({ block: 'center' });
    return { offThread, out };
  });
  for (const r of got.out) {
    assert.equal(r.value, 9_196_997, `${r.mode}: the picture's total iterations`);
    assert.equal(r.atAnswer, r.tasks, `${r.mode}: every task reported before lab.run resolved`);
    assert.deepEqual(r.bands, Array(8).fill('drawn'), `${r.mode}: each band of the picture (caption: ${r.caption})`);
    assert.equal(r.hidden, false, `${r.mode}: the picture is shown`);
  }
  assert.equal(got.offThread, true, 'this browser hands a canvas to a worker (OffscreenCanvas)');
  // Painted after the scroll before the picture is taken (WebKitGTK's is of its display, which lags).
  await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(res, 300)))));
  await shot(page, 'picture');
});

// Firefox deadlocked a worker that constructed a Worker while an automation session (WebDriver BiDi) or
// DevTools listened for workers: the engine worker made the processes, the probe's workers, the Python
// threads and the rayon pool, and about one Compare in three stopped with "the engine stopped responding".
// The page makes them now (www/src/engine/engine-worker.ts, EngineWorker). 96 process starts: with the
// old engine this hung well before the end in Firefox (under this very BiDi session).
test(`${ENGINE}: the engine starts 96 worker processes, eight at a time, without hanging`, { skip: outside('rest') }, async () => {
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

test(`${ENGINE}: Stop ends a run of minutes, and the engine runs the next one`, { skip: outside('rest') }, async () => {
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

test(`${ENGINE}: a run is in the history after a reload`, { skip: outside('rest') }, async () => {
  const runId = await page.evaluate(() => window.lab.run({ workload: 'cpu-primes', mode: 'asyncio', tasks: 2, size: 30_000 }).then((r) => r.runId));
  await page.reload();
  const ids = await page.evaluate(() => window.lab.ready.then(() => window.lab.history()).then((h) => h.map((r) => r.runId)));
  assert.ok(ids.includes(runId), `${runId} among ${ids.length} stored runs`);
  await page.close();
});

/**
 * Fresh pages of the gil chapter: one in `npm test`; `LAB_GIL_PAGES=3` for the check issue 22 asks of
 * Firefox (where a Compare of `processes` hung the engine once in three pages): three fresh pages, every
 * one judged by the load's rule, none with an engine restart. How often a fresh page bears every claim out
 * is a figure, for the bench (bench/experiments/chapters.mjs in Chromium).
 */
const GIL_PAGES = Math.max(1, Number(process.env.LAB_GIL_PAGES) || 1);
/**
 * In Chromium a single page is what layer 5 already runs: tests/e2e/lesson.test.mjs runs the gil chapter
 * from a fresh page in Chromium (its button's run, through the same lesson/run.ts as `lab.lesson.run`) with
 * these same checks (its claims, the load's rule, no engine restart, the cores at most the machine's) and
 * notes its verdicts for the browser table. LAB_GIL_PAGES still runs them here.
 */
const SAME_AS_LESSON = ENGINE === 'chromium' && GIL_PAGES === 1 && 'Chromium runs the gil chapter from a fresh page in tests/e2e/lesson.test.mjs, with these checks';
/**
 * WebKitGTK at default settings runs the single build top level as in a frame that is not isolated (it
 * cannot send shared memory to a worker either way): tests/browsers/course-frame.test.mjs runs the gil
 * chapter from a fresh page in a course page's frame on that same build, with these checks, and notes it
 * for the browser table. LAB_GIL_PAGES still runs them here.
 */
const SAME_AS_FRAME = ENGINE === 'webkit' && GIL_PAGES === 1 && 'WebKitGTK at default settings runs the single build here as in a course page\'s frame, where course-frame.test.mjs runs the gil chapter from a fresh page, with these checks';
// (What an earlier run of that test noted is dropped, so the table shows the frame's run instead.)
if (SAME_AS_FRAME && !outside('chapters')) noteEngine(ENGINE, { gil: undefined, gilPages: undefined });
const gilPages = [];
for (let n = 1; n <= GIL_PAGES; n++) {
  test(`${ENGINE}: the gil chapter from a fresh page${GIL_PAGES > 1 ? ` (${n} of ${GIL_PAGES})` : ''}: never refuted, borne out when the machine is quiet, no engine restart`, { skip: outside('chapters') || SAME_AS_LESSON || SAME_AS_FRAME }, async (t) => {
    const fresh = await engine.fresh(`${server.url}?chapter=gil`);
    try {
      await fresh.evaluate(() => window.lab.ready);
      const run = await judgedChapter((fn, arg) => fresh.evaluate(fn, arg), 'gil');
      t.diagnostic(run.said);
      assert.ok(run.claims.some((c) => c.id === 'threads-gil-cpu') && run.claims.some((c) => c.id === 'processes-cpu'), run.claims.map((c) => c.id).join());
      // Every problem fails: a claim refuted, a busy machine read idle, a claim left open on a quiet machine.
      assert.deepEqual(run.rule.problems, [], `${run.rule.problems.join('; ')} (${run.said})`);
      assert.equal(run.status.lastCrash, undefined, 'no engine restart');
      await assertCoresAtMost(run.status, 'after the gil chapter');
      gilPages.push({ verdicts: Object.fromEntries(run.claims.map((c) => [c.id, c.verdict])), load: run.rule.cls });
      noteEngine(ENGINE, { gil: gilPages[0], gilPages });
      if (n === 1) {
        // What a learner sees of those verdicts in this engine: the page reloaded, the chapter's last run comes
        // back from the history, its verdicts the run's, drawn in view (looked at: browsers-ENGINE-gil-chapter.png).
        await fresh.reload();
        const shown = await fresh.evaluate(restoredVerdicts, run.claims.length);
        assert.deepEqual(shown, Object.fromEntries(run.claims.map((c) => [c.id, c.verdict])), 'the reloaded chapter shows the run\'s verdicts');
        // The verdicts in view once the page has settled (WebKitGTK's screenshot is the window, not the page).
        await fresh.evaluate(() => document.querySelector('.chapter-claims').scrollIntoView({ block: 'start', behavior: 'instant' }));
        await new Promise((r) => setTimeout(r, 500));
        await shot(fresh, 'gil-chapter');
      }
    } finally {
      await fresh.close();
    }
  });
}

// One chapter of each other kind from a fresh page (issue 22, item 1): an I/O claim (`asyncio`) and a 2026
// mode (`free-threading`). In the single build free-threaded Python is Unavailable: its claim stays open,
// saying so, and the rest are judged as everywhere.
// (Chromium runs every chapter in tests/e2e/lesson.test.mjs; the suite's time is kept for the other engines.)
test(`${ENGINE}: the asyncio and free-threading chapters from a fresh page: never refuted, borne out when the machine is quiet`, { skip: outside('chapters') || (ENGINE === 'chromium' && 'every chapter runs in Chromium in tests/e2e/lesson.test.mjs') }, async (t) => {
  const fresh = await engine.fresh(`${server.url}?chapter=asyncio`);
  try {
    await fresh.evaluate(() => window.lab.ready);
    const noted = {};
    for (const id of ['asyncio', 'free-threading']) {
      const unavailable = EXPECTED_BUILD === 'single' && id === 'free-threading' ? ['free-threaded-cpu'] : [];
      const run = await judgedChapter((fn, arg) => fresh.evaluate(fn, arg), id, { unavailable });
      t.diagnostic(run.said);
      assert.deepEqual(run.rule.problems, [], `${run.rule.problems.join('; ')} (${run.said})`);
      for (const c of run.claims.filter((x) => unavailable.includes(x.id))) {
        assert.equal(c.verdict, 'inconclusive', `${c.id}: ${c.measured.text}`);
        assert.match(`${c.why ?? ''} ${c.measured.text}`, /unavailable|not measured|shared memory|cannot/i, `${c.id} says why: ${c.why}`);
      }
      assert.equal(run.status.lastCrash, undefined, 'no engine restart');
      await assertCoresAtMost(run.status, `after the ${id} chapter`);
      noted[id] = { verdicts: Object.fromEntries(run.claims.map((c) => [c.id, c.verdict])), load: run.rule.cls };
    }
    noteEngine(ENGINE, { chapters: noted });
  } finally {
    await fresh.close();
  }
});

// Replay (issue 22, item 1): a finished threads-gil run opens in the replay view, which shows the state
// lab.replay computes for the instant it is at.
test(`${ENGINE}: replay: a threads-gil run's replay view shows what lab.replay says`, { skip: outside('rest') }, async () => {
  const fresh = await engine.fresh(`${server.url}#playground`);
  try {
    await fresh.evaluate(() => window.lab.ready);
    const seen = await fresh.evaluate(async () => {
      const r = await window.lab.run({ workload: 'cpu-primes', mode: 'threads-gil', tasks: 4, workers: 4, size: 200_000 });
      const wait = async (fn) => {
        for (let i = 0; i < 200; i++) {
          const v = fn();
          if (v) return v;
          await new Promise((x) => setTimeout(x, 50));
        }
        throw new Error('waited 10 s');
      };
      // The finished run's timeline, its spans painted on a canvas per thread (read back below).
      await wait(() => document.querySelector('#timeline[data-mode="threads-gil"][data-live="false"] .tl-canvas'));
      document.querySelector('#timeline').scrollIntoView();
      (await wait(() => document.querySelector('#timeline[data-mode="threads-gil"] .tl-replay'))).click();
      const dialog = await wait(() => document.querySelector('#replay-dialog[open]'));
      const rp = window.lab.replay(r);
      // Step forward a few instants with the view's own keyboard handling ('.': the next instant).
      for (let i = 0; i < 5; i++) dialog.dispatchEvent(new KeyboardEvent('keydown', { key: '.', bubbles: true }));
      await new Promise((x) => setTimeout(x, 100));
      const t = Number(dialog.dataset.t);
      const holder = [...dialog.querySelectorAll('.replay-section')].find((s) => s.querySelector('h4').textContent.startsWith('Holds the GIL'))?.innerText ?? '';
      const state = rp.stateAt(t);
      dialog.querySelector('.replay-close').click();
      return { t, times: rp.times.slice(0, 6), holder: holder.replace(/\s+/g, ' '), gilHolder: state.gilHolder, events: rp.events.length, value: r.value };
    });
    // Read back from the canvases: each thread's row has pixels of Python running, and of its waits for
    // the GIL wherever it painted one, in style.css's colours.
    const rows = await fresh.evaluate(paintedPixelsIn, '#timeline .tl-plot');
    // (A thread started late may find no task left, as in CPython: a lane per thread that ran one.)
    assert.ok(rows.length >= 1 && rows.every((x) => x.run > 0), `every thread's row shows it running: ${JSON.stringify(rows)}`);
    assert.ok(rows.every((x) => !/(^| )gil-wait:/.test(x.kinds) || x.gil > 0), `a row with a wait for the GIL shows it: ${JSON.stringify(rows)}`);
    await shot(fresh, 'timeline');
    assert.equal(seen.value, SMALL_VALUE);
    assert.ok(seen.events > 8, `${seen.events} events`);
    assert.ok(seen.times.includes(seen.t), `the view is at one of lab.replay's instants: ${seen.t} among ${seen.times}`);
    if (seen.gilHolder) assert.match(seen.holder, new RegExp(`Holds the GIL ${seen.gilHolder} `), seen.holder);
    else assert.match(seen.holder, /nobody/, seen.holder);
  } finally {
    await fresh.close();
  }
});

// The static build (issue 22, item 1): a host that sends no headers, under a sub-path. The service worker
// adds the isolation headers after one reload where the browser lets it; `api/delay` is simulated.
test(`${ENGINE}: the static build (no headers, the service worker): isolated after one reload, I/O simulated`, { skip: outside('rest') }, async (t) => {
  const { startStaticServer } = await import('../e2e/embed-helpers.mjs');
  const statik = await startStaticServer('/course/lab/');
  const fresh = await engine.fresh(`${statik.url}#playground`);
  try {
    let status;
    for (let i = 0; i < 150 && !status; i++) {
      status = await fresh.evaluate(() => (window.lab ? window.lab.ready.then((s) => ({ ...s, isolation: window.labBoot?.isolation })) : null)).catch(() => null);
      if (!status) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(status, 'the lab became ready');
    t.diagnostic(`isolation ${status.isolation}, build ${status.build}, network ${status.network}`);
    assert.equal(status.isolation, 'service-worker');
    assert.equal(status.crossOriginIsolated, true);
    assert.equal(status.build, EXPECTED_BUILD);
    assert.equal(status.network, 'simulated');
    const r = await fresh.evaluate(() => window.lab.run({ workload: 'io-fetch', mode: 'asyncio', tasks: 6, latencyMs: 200 }));
    assert.equal(r.network, 'simulated');
    assert.ok(allWaitingAtOnce(r.tasks), 'the six simulated requests were waiting at once');
    noteEngine(ENGINE, { staticBuild: { isolation: status.isolation, build: status.build } });
  } finally {
    await fresh.close();
    await statik.close();
  }
});
