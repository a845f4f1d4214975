#!/usr/bin/env node
// Experiment: the lab's browser rows in every engine a learner uses (issue 25, item 6; issue 22, item 8).
// Chromium, Firefox ESR and WebKitGTK (with SharedArrayBuffer on, as Safari under isolation, so the
// threads build; `webkit` at default settings runs the single build), each driven by the cross-browser
// suite's own drivers (tests/browsers/drivers.mjs: one driver per engine, no second one here). Per engine:
// - ready: a fresh profile opens the lab; `lab.ready` from the page's open (the page's own 'lab: ready'
//   mark, www/src/lab/engine.ts);
// - rows: every mode this engine's build runs on the same CPU work, interleaved over the repetitions,
//   `wallMs` timed by the engine, the value checked against the other engines', and the main thread's
//   event-loop lag during each run (the page's heartbeat: a MessageChannel sample every ~5 ms);
// - chapter: a fresh page at `?chapter=ID`, its button clicked as a learner would, the lag p99 while the
//   chapter runs and draws its views, and the time from the click to its verdicts (goal: lag p99 16 ms).
// The machine's load beside each figure (bench/lib/load.mjs).
//
//   node bench/experiments/engines.mjs [quick|smoke|full] [engine,engine...]
// Needs dist/ (npm run build); `bench/run.mjs` runs it too (plan.engines) and reports it.
import { pathToFileURL } from 'node:url';
import { openEngine } from '../../tests/browsers/drivers.mjs';
import { startServer } from '../lib/host.mjs';
import { watchLoad } from '../lib/load.mjs';
import { PROFILES } from '../lib/plan.mjs';
import { fmt, fmtRange, quantile, summarize } from '../lib/stats.mjs';

/** The lag figures of one job's samples (ms). */
const lagOf = (samples) => ({ n: samples.length, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: samples.length ? Math.max(...samples) : NaN });

/** Runs in the page: `lab.ready`, then the page's own mark of it (ms from the page's open). */
function readyInPage() {
  return window.lab.ready.then((s) => ({
    build: s.build,
    threads: s.threads,
    readyMs: performance.getEntriesByName('lab: ready')[0]?.startTime ?? null,
    modes: window.lab.workloads().modes.filter((m) => !m.unavailable).map((m) => m.name),
    userAgent: navigator.userAgent,
  }));
}

/** Runs in the page: one run with the heartbeat's lag samples taken during it. */
function runInPage(spec) {
  window.lab.resetFrameLag();
  // The result's arrival and its drawing belong to the run: its samples are read after a frame and three
  // heartbeat samples more (as bench/lib/browser.mjs's labRun).
  const settled = () => new Promise((done) => requestAnimationFrame(() => {
    const n0 = window.lab.frameLag().samples;
    const t0 = performance.now();
    const poll = () => (window.lab.frameLag().samples >= n0 + 3 || performance.now() - t0 > 200 ? done() : setTimeout(poll, 2));
    poll();
  }));
  return window.lab.run(spec).then(
    (r) => settled().then(() => ({ ok: true, wallMs: r.wallMs, value: r.value, build: r.build, lag: window.lab.frameLag().samplesMs })),
    (e) => ({ ok: false, name: e.name, message: e.message }),
  );
}

/** Runs in the page: the chapter's button, clicked; resolves when its verdicts are shown (or it failed). */
function chapterInPage() {
  window.lab.resetFrameLag();
  const t0 = performance.now();
  document.querySelector('#chapter-run').click();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const state = document.querySelector('article.chapter')?.dataset.state;
      const late = performance.now() - t0 > 240_000;
      if (state !== 'done' && !late) return;
      clearInterval(timer);
      resolve({ state: late ? 'not done in 240 s' : state, runMs: performance.now() - t0, openToVerdictsMs: performance.now(), lag: window.lab.frameLag().samplesMs });
    }, 100);
  });
}

/**
 * In each of `names`, at `url`: ready, the rows (`specs` x the engine's modes, or those of them in `modes`,
 * `reps` times), the chapter
 * (`chapter`, or none). Resolves to { engines: { [name]: { ready, rows: { [id]: {...} }, chapter } }, errors }.
 */
export async function engines(url, { names, specs, modes, reps = 1, chapter, log = () => {} }) {
  const out = { engines: {}, errors: [] };
  const values = new Map();
  for (const name of names) {
    const e = (out.engines[name] = { rows: {} });
    let engine;
    try {
      engine = await openEngine(name);
      const page = await engine.fresh(`${url}#playground`);
      try {
        const ready = await page.evaluate(readyInPage);
        e.ready = { build: ready.build, threads: ready.threads, readyMs: ready.readyMs, userAgent: ready.userAgent };
        log(`${name}: ${ready.build} build, ready at ${fmt(ready.readyMs)} ms; modes ${ready.modes.join(', ')}`);
        for (let rep = 0; rep < reps; rep++) {
          const line = [];
          for (const base of specs) {
            for (const mode of ready.modes.filter((m) => !modes || modes.includes(m))) {
              const spec = { ...base, mode };
              const id = `${base.workload} ${mode}`;
              const row = (e.rows[id] ??= { spec, samples: [], lag: [], loads: [] });
              const watch = watchLoad();
              const r = await page.evaluate(runInPage, spec);
              row.loads.push(watch.stop());
              if (!r.ok) {
                out.errors.push(`${name} ${id}: ${r.name}: ${r.message}`);
                continue;
              }
              row.samples.push(r.wallMs);
              (row.values ??= []).push(r.value);
              row.lag.push(...r.lag);
              const key = JSON.stringify({ ...base });
              values.set(key, [...(values.get(key) ?? []), { name, mode, value: r.value }]);
              line.push(`${mode} ${r.wallMs.toFixed(0)}`);
            }
          }
          log(`${name} rep ${rep + 1}/${reps}: ${line.join(', ')}`);
        }
      } finally {
        await page.close();
      }
      if (chapter) {
        const fresh = await engine.fresh(`${url}?chapter=${chapter}`);
        try {
          await fresh.evaluate(() => window.lab.ready.then(() => true));
          const watch = watchLoad();
          const c = await fresh.evaluate(chapterInPage);
          e.chapter = { id: chapter, state: c.state, runMs: c.runMs, openToVerdictsMs: c.openToVerdictsMs, lag: lagOf(c.lag), load: watch.stop() };
          if (c.state !== 'done') out.errors.push(`${name}: chapter ${chapter} ended ${c.state}`);
          log(`${name}: chapter ${chapter} ${c.state} in ${fmt(c.runMs)} ms; lag p99 ${fmt(e.chapter.lag.p99, 1)} ms`);
        } finally {
          await fresh.close();
        }
      }
    } catch (err) {
      out.errors.push(`${name}: ${err.message.split('\n')[0]}`);
    } finally {
      await engine?.close().catch(() => {});
    }
    for (const row of Object.values(e.rows)) Object.assign(row, summarize(row.samples), { lagSummary: lagOf(row.lag), lag: undefined });
  }
  // The same work computes the same value in every engine and mode.
  for (const [key, seen] of values) {
    const distinct = new Set(seen.map((s) => s.value));
    if (distinct.size > 1) out.errors.push(`VALUES DIFFER across engines for ${key}: ${seen.map((s) => `${s.name} ${s.mode} ${s.value}`).join(', ')}`);
  }
  return out;
}

/** The report's section: a table per engine, the worst lag of each, and the chapter. */
export function enginesMarkdown(r) {
  if (!r) return '';
  const lines = ['', '## Every engine (tests/browsers/drivers.mjs)', ''];
  lines.push('| engine | build | ready (fresh profile) | worst lag p99 during a run | chapter: lag p99 / max | chapter: click to verdicts | load (1 min) |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const [name, e] of Object.entries(r.engines)) {
    const rows = Object.entries(e.rows);
    const worst = rows.map(([id, x]) => [id, x.lagSummary?.p99 ?? NaN]).sort((a, b) => b[1] - a[1])[0];
    const c = e.chapter;
    const loads = rows.flatMap(([, x]) => x.loads.map((l) => l.loadAvg1m));
    lines.push(`| ${name} | ${e.ready?.build ?? '—'} | ${fmt(e.ready?.readyMs)} ms | ${worst ? `${fmt(worst[1], 1)} ms (${worst[0]})` : '—'} | ${c ? `${fmt(c.lag.p99, 1)} / ${fmt(c.lag.max, 1)} ms (${c.id})` : '—'} | ${c ? `${fmt(c.runMs)} ms` : '—'} | ${loads.length ? `${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}` : '—'}${c ? `; chapter ${fmt(c.load.loadAvg1m)}` : ''} |`);
  }
  for (const [name, e] of Object.entries(r.engines)) {
    const rows = Object.entries(e.rows);
    if (!rows.length) continue;
    lines.push('', `${name}: ${e.ready?.userAgent ?? ''}`, '', '| row | wall ms | lag p50 / p99 / max ms |', '|---|---|---|');
    for (const [id, x] of rows) lines.push(`| ${id} | ${fmtRange(x)} | ${fmt(x.lagSummary.p50, 1)} / ${fmt(x.lagSummary.p99, 1)} / ${fmt(x.lagSummary.max, 1)} |`);
  }
  if (r.errors.length) lines.push('', ...r.errors.map((e) => `- ${e}`));
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const profile = process.argv[2] ?? 'quick';
  const plan = PROFILES[profile]?.engines;
  if (!plan) throw new Error(`profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  const names = process.argv[3]?.split(',') ?? plan.names;
  const server = await startServer();
  try {
    const r = await engines(server.url, { ...plan, names, log: (m) => process.stderr.write(`engines: ${m}\n`) });
    process.stdout.write(enginesMarkdown(r));
    if (r.errors.length) process.exitCode = 1;
  } finally {
    server.close();
  }
}
