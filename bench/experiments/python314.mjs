#!/usr/bin/env node
// Experiment: Python 3.14's modes beside CPython's published figures. This machine's CPython (3.11) has
// no free-threaded build and no InterpreterPoolExecutor, and none newer can be installed from the
// package registries here, so the lab's figures stand beside the published ones (docs/PYTHON-MODEL.md,
// section "Python 3.14"), cited, with the machine's cores said (the published runs had 4 cores; this
// machine kind has 2, so speedups are also given per core).
//
// Three measurements, each interleaved over `reps` repetitions, medians reported:
// - CPU work split over the cores: sequential, threads-gil, free-threaded, interpreters, processes
//   (published, 4 threads / interpreters on 4 cores: 507 ms serial, 494 threads, 179 free-threaded,
//   208 interpreters);
// - start-up: the median `start` span of an interpreter and of a process in those runs (published: a
//   thread 0.33 ms, an interpreter 16.8 ms, a spawned process pool tens of ms);
// - large data crossing: 4 tasks of little work receiving 100,000 items each (a 400,000-item list split
//   four ways), threads-gil against interpreters (published: 8 ms on threads, 255 ms on interpreters).
//
//   node bench/experiments/python314.mjs [reps=3]
// Needs dist/ (npm run build). `bench/run.mjs` runs it too (plan.python314) and reports it.
import { pathToFileURL } from 'node:url';
import { launchBrowser, openLab } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { summarize } from '../lib/stats.mjs';

export const PUBLISHED = {
  source: 'CPython 3.15.0rc1 recordings on 4 cores and What\'s New in Python 3.14 (docs/PYTHON-MODEL.md)',
  cores: 4,
  cpu: { sequential: 507, 'threads-gil': 494, 'free-threaded': 179, interpreters: 208 },
  startMs: { thread: 0.33, interpreter: 16.8, process: 'tens of ms (a spawned pool)' },
  data: { sequential: 6, 'threads-gil': 8, interpreters: 255 },
};

const CPU_MODES = ['sequential', 'threads-gil', 'free-threaded', 'interpreters', 'processes'];
const DATA_MODES = ['threads-gil', 'interpreters'];

/** One run: wall time, value, and its start spans (ms). */
async function run(page, spec) {
  return page.evaluate(async (s) => {
    const r = await window.lab.run(s);
    const starts = r.tasks.flatMap((t) => (t.spans ?? []).filter((x) => x.kind === 'start').map((x) => x.endMs - x.startMs));
    return { wallMs: r.wallMs, value: r.value, starts, cores: r.machine?.cores };
  }, spec);
}

/**
 * Runs the experiment on the lab's `page`. Resolves to { reps, cores, cpu: { [mode]: {ms, speedup,
 * perCore} }, startMs: { interpreter, process }, data: { [mode]: ms, ratio }, published, errors }.
 */
export async function python314(page, { reps = 3, size, log = () => {} } = {}) {
  const out = { reps, cores: NaN, cpu: {}, startMs: {}, data: {}, published: PUBLISHED, errors: [] };
  const cpu = Object.fromEntries(CPU_MODES.map((m) => [m, []]));
  const data = Object.fromEntries(DATA_MODES.map((m) => [m, []]));
  const starts = { interpreter: [], process: [] };
  const values = new Set();
  const work = { workload: 'cpu-primes', tasks: 4, ...(size ? { size } : {}) };
  const heavy = { workload: 'cpu-primes', tasks: 4, size: 100_000, inputItems: 100_000 };
  for (let rep = 0; rep < reps; rep++) {
    // A changing order, so no mode always runs right after another.
    const order = rep % 2 ? [...CPU_MODES].reverse() : CPU_MODES;
    for (const mode of order) {
      try {
        const r = await run(page, { ...work, mode, ...(mode === 'sequential' ? {} : { workers: 4 }) });
        cpu[mode].push(r.wallMs);
        values.add(r.value);
        out.cores = r.cores;
        if (mode === 'interpreters') starts.interpreter.push(...r.starts);
        if (mode === 'processes') starts.process.push(...r.starts);
      } catch (e) {
        out.errors.push(`python314 ${mode}: ${e.message}`);
      }
    }
    for (const mode of rep % 2 ? [...DATA_MODES].reverse() : DATA_MODES) {
      try {
        data[mode].push((await run(page, { ...heavy, mode, workers: 4 })).wallMs);
      } catch (e) {
        out.errors.push(`python314 data ${mode}: ${e.message}`);
      }
    }
    log(`python314: repetition ${rep + 1} of ${reps}`);
  }
  if (values.size > 1) out.errors.push(`python314: the modes computed different values: ${[...values].join(', ')}`);
  const seq = summarize(cpu.sequential).median;
  for (const mode of CPU_MODES) {
    const ms = summarize(cpu[mode]).median;
    out.cpu[mode] = { ms, speedup: seq / ms, perCore: seq / ms / Math.max(1, Math.min(4, out.cores || 1)) };
  }
  out.startMs = { interpreter: summarize(starts.interpreter).median, process: summarize(starts.process).median };
  for (const mode of DATA_MODES) out.data[mode] = summarize(data[mode]).median;
  out.data.ratio = out.data.interpreters / out.data['threads-gil'];
  return out;
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

export function python314Markdown(r) {
  if (!r) return '';
  const p = r.published;
  const pSeq = p.cpu.sequential;
  const rows = Object.entries(r.cpu).map(([mode, x]) => {
    const pub = p.cpu[mode];
    return `| ${mode} | ${f(x.ms)} | ${f(x.speedup, 2)}x | ${f(x.perCore, 2)} | ${pub ? `${pub} ms, ${f(pSeq / pub, 2)}x, ${f(pSeq / pub / p.cores, 2)} per core` : 'not in the published run'} |`;
  });
  return `
## Python 3.14's modes beside CPython's published figures

CPython 3.11 here has neither a free-threaded build nor \`InterpreterPoolExecutor\`, and no newer CPython
can be installed from the package registries on this machine, so the lab stands beside the published
figures (${p.source}; ${p.cores} cores there, ${r.cores} here: compare the speedup per core).
Medians of ${r.reps} interleaved repetitions.

| mode (cpu-primes, 4 tasks, 4 workers) | lab ms | lab speedup | lab per core | published |
|---|---|---|---|---|
${rows.join('\n')}

Start-up: an interpreter ${f(r.startMs.interpreter, 2)} ms, a process ${f(r.startMs.process, 1)} ms in the lab
(published: a thread ${p.startMs.thread} ms, an interpreter ${p.startMs.interpreter} ms, a process: ${p.startMs.process}).
The lab's interpreter is a 5 KB module whose compiled code V8 reuses, so it starts far faster than
CPython's (a whole interpreter state importing its modules); the order thread < interpreter < process holds.

Large data (4 tasks of little work, 100,000 items each): threads-gil ${f(r.data['threads-gil'])} ms,
interpreters ${f(r.data.interpreters)} ms: ${f(r.data.ratio, 1)}x (published: ${p.data['threads-gil']} ms and
${p.data.interpreters} ms, ${f(p.data.interpreters / p.data['threads-gil'], 0)}x). The lab unpickles into a flat
array where CPython makes an int object per item, so its crossing is cheaper; the direction is the same.
`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const reps = Number(process.argv[2] ?? 3);
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const lab = await openLab(browser, server.url);
    const r = await python314(lab.page, { reps, log: (m) => process.stderr.write(`${m}\n`) });
    process.stdout.write(python314Markdown(r));
    if (r.errors.length) process.exitCode = 1;
  } finally {
    await browser.close();
    server.close();
  }
}
