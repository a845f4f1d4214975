#!/usr/bin/env node
// Experiment: the convoy effect beside CPython. One I/O thread making `calls` blocking calls of 100 µs,
// alone and beside one CPU-bound thread at switch intervals of 5 ms and 1 ms, and without the GIL: the
// lab (`workload: 'convoy'` through window.lab) and CPython running the lab's own program
// (bench/python/convoy.py: time.sleep calls), interleaved, `reps` times; each figure is the median
// repetition. CPython's published socket figures (docs/PYTHON-MODEL.md) are given beside them: 200
// round trips of a few µs, 0.6 ms alone, 196 ms at 5 ms, 55 ms at 1 ms (p99 5.3 and 2.2 ms).
//
//   node bench/experiments/convoy.mjs [reps=3] [calls=200]
// Needs dist/ (npm run build). `bench/run.mjs` runs it too (plan.convoy) and reports it.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser, openLab } from '../lib/browser.mjs';
import { ensureVenv, runJson, startServer } from '../lib/host.mjs';
import { BENCH } from '../lib/paths.mjs';
import { summarize } from '../lib/stats.mjs';

/** The four runs, as the lab's spec and CPython's arguments (cpuThreads, switch interval ms). */
export const CONVOY_RUNS = [
  { id: 'alone', label: 'alone', spec: { mode: 'threads-gil', cpuThreads: 0, switchIntervalMs: 5 }, py: [0, 5], published: { ioMs: 0.6 } },
  { id: 'gil-5ms', label: 'beside a CPU thread, 5 ms', spec: { mode: 'threads-gil', cpuThreads: 1, switchIntervalMs: 5 }, py: [1, 5], published: { ioMs: 196, p99: 5.3 } },
  { id: 'gil-1ms', label: 'beside a CPU thread, 1 ms', spec: { mode: 'threads-gil', cpuThreads: 1, switchIntervalMs: 1 }, py: [1, 1], published: { ioMs: 55, p99: 2.2 } },
  // CPython 3.11 has no free-threaded build: the lab's row stands alone.
  { id: 'free-threaded', label: 'beside a CPU thread, no GIL', spec: { mode: 'free-threaded', cpuThreads: 1 }, py: null, published: null },
];

const BLOCKING_US = 100;

/** One lab run: the I/O thread's total time and its p50/p99 per call, ms. */
async function labConvoy(page, spec) {
  return page.evaluate(async (s) => {
    const r = await window.lab.run(s);
    const io = r.tasks[0];
    const calls = [...io.calls].sort((a, b) => a - b);
    const at = (q) => calls[Math.max(0, Math.ceil(q * calls.length) - 1)];
    return { wallMs: r.wallMs, ioMs: io.endMs - io.startMs, p50: at(0.5), p99: at(0.99), value: r.value };
  }, spec);
}

/**
 * Runs the experiment on the lab's `page` and with `python`. Resolves to { calls, blockingUs, reps,
 * runs: { [id]: { label, lab: {ioMs, p50, p99}, cpython?: {...}, published } }, errors }.
 */
export async function convoy(page, python, { reps = 3, calls = 200, log = () => {} } = {}) {
  const out = { calls, blockingUs: BLOCKING_US, reps, runs: {}, errors: [] };
  const samples = Object.fromEntries(CONVOY_RUNS.map((r) => [r.id, { lab: [], cpython: [] }]));
  for (let rep = 0; rep < reps; rep++) {
    for (const run of CONVOY_RUNS) {
      try {
        const lab = await labConvoy(page, { workload: 'convoy', calls, blockingUs: BLOCKING_US, ...run.spec });
        if (lab.value !== calls) out.errors.push(`convoy ${run.id}: the lab's value ${lab.value}, not ${calls}`);
        samples[run.id].lab.push(lab);
        if (run.py) {
          const py = await runJson(python, [join(BENCH, 'python', 'convoy.py'), String(calls), String(run.py[0]), String(BLOCKING_US), String(run.py[1])]);
          if (py.value !== calls) out.errors.push(`convoy ${run.id}: CPython's value ${py.value}, not ${calls}`);
          samples[run.id].cpython.push(py);
        }
      } catch (e) {
        out.errors.push(`convoy ${run.id}: ${e.message}`);
      }
    }
    log(`convoy rep ${rep + 1}/${reps}: ${CONVOY_RUNS.map((r) => `${r.id} ${samples[r.id].lab.at(-1)?.ioMs.toFixed(0) ?? '?'}/${samples[r.id].cpython.at(-1)?.ioMs.toFixed(0) ?? '-'} ms`).join(', ')}`);
  }
  // The median repetition by the I/O thread's total time, with its own p50 and p99.
  const medianOf = (xs) => {
    if (!xs.length) return undefined;
    const m = summarize(xs.map((x) => x.ioMs)).median;
    const pick = [...xs].sort((a, b) => Math.abs(a.ioMs - m) - Math.abs(b.ioMs - m))[0];
    return { ioMs: m, min: Math.min(...xs.map((x) => x.ioMs)), max: Math.max(...xs.map((x) => x.ioMs)), p50: pick.p50, p99: pick.p99 };
  };
  for (const run of CONVOY_RUNS) {
    out.runs[run.id] = { label: run.label, lab: medianOf(samples[run.id].lab), cpython: medianOf(samples[run.id].cpython), published: run.published };
  }
  return out;
}

const ms = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(0));
const times = (a, b) => (a && b ? `${(a / b).toFixed(a / b < 10 ? 1 : 0)}×` : '–');

/** The report's section (markdown). */
export function convoyMarkdown(c) {
  if (!c) return '';
  const rows = Object.values(c.runs).map(
    (r) =>
      `| ${r.label} | ${ms(r.lab?.ioMs)} (${ms(r.lab?.p50)} / ${ms(r.lab?.p99)}) | ${r.cpython ? `${ms(r.cpython.ioMs)} (${ms(r.cpython.p50)} / ${ms(r.cpython.p99)})` : 'no 3.14t here'} | ${times(r.lab?.ioMs, r.cpython?.ioMs)} | ${r.published ? `${ms(r.published.ioMs)}${r.published.p99 ? ` (p99 ${ms(r.published.p99)})` : ''}` : '–'} | ${times(r.lab?.ioMs, r.published?.ioMs)} |`,
  );
  const slower = (x) => (c.runs.alone.lab && x?.lab ? x.lab.ioMs / c.runs.alone.lab.ioMs : NaN);
  return [
    '',
    '## The convoy effect: an I/O thread beside a CPU-bound thread',
    '',
    `${c.calls} blocking calls of ${c.blockingUs} µs on one I/O thread; the I/O thread's total time, ms (p50 / p99 per call), median of ${c.reps}. ` +
      "CPython 3.11 runs the lab's own program (bench/python/convoy.py: time.sleep); its published figures are for local socket round trips of a few µs (docs/PYTHON-MODEL.md).",
    '',
    '| run | lab | CPython 3.11, same program | lab ÷ CPython | CPython, socket round trips (published) | lab ÷ published |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `The lab's I/O thread is ${slower(c.runs['gil-5ms']).toFixed(0)}× slower than alone beside a CPU thread at 5 ms, ${slower(c.runs['gil-1ms']).toFixed(0)}× at 1 ms, ${slower(c.runs['free-threaded']).toFixed(2)}× with no GIL. ` +
      'Against the socket figures it is slower: a round trip of a few µs often ends before the CPU-bound thread has woken to take the GIL, so CPython\'s I/O thread retakes it at once and only some calls wait an interval; with 100 µs calls the CPU-bound thread gets in every time, in CPython as in the lab.',
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [reps = 3, calls = 200] = process.argv.slice(2).map(Number);
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const lab = await openLab(browser, server.url);
    const result = await convoy(lab.page, ensureVenv().python, { reps, calls, log: (m) => process.stderr.write(`${m}\n`) });
    process.stdout.write(convoyMarkdown(result));
    if (result.errors.length) {
      process.stderr.write(`${result.errors.join('\n')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    server.close();
  }
}
