#!/usr/bin/env node
// Experiment behind docs/PERFORMANCE.md: where the single-thread wasm time goes. The same work, one
// thread each, interleaved:
//   wasm sequential      the lab's engine on its event loop (yields to the loop every 10 ms)
//   wasm seq, page-timed the same, timed on the page around window.lab.run
//   wasm rayon x1        the lab's engine, one rayon worker: the same task code with no yields
//   wasm kernel alone    bench/kernel-wasm: only the kernel functions, called from a Worker
//   js                   the plain-JavaScript kernel in a Worker
//   native               the same core on the host, one thread
//   native plain         the kernel functions alone on the host, no chunks (bench_native's `plain`)
// Needs dist/ (npm run build); builds nothing itself beyond what bench/lib/host.mjs builds.
//   node bench/experiments/single-thread.mjs [reps]
import { jsRun, labRun, launchBrowser, openLab } from '../lib/browser.mjs';
import { buildKernelWasm, buildNative, runJson, startServer } from '../lib/host.mjs';
import os from 'node:os';
import { summarize } from '../lib/stats.mjs';

const reps = Number(process.argv[2] ?? 5);
// `node bench/experiments/single-thread.mjs 5 2000000` runs cpu-primes at that N only.
const primesOnly = process.argv[3] ? Number(process.argv[3]) : null;
const nativeBin = buildNative();
const raw = buildKernelWasm();
const server = await startServer();
const browser = await launchBrowser();
const { page } = await openLab(browser, server.url, raw);
const works = [
  { workload: 'cpu-primes', size: 10_000_000, tasks: 8 },
  { workload: 'cpu-mandelbrot', size: 1600, iterations: 1000, tasks: 8 },
];
const impls = {
  'wasm sequential': (w) => labRun(page, { ...w, mode: 'sequential' }),
  // The same run timed from the page, around window.lab.run (what an outside check times): the engine's
  // wallMs plus the hand-over, validation, the record stored.
  'wasm seq, page-timed': (w) => page.evaluate(async (s) => {
    const t0 = performance.now();
    const r = await window.lab.run(s);
    return { wallMs: performance.now() - t0, value: r.value };
  }, { ...w, mode: 'sequential' }),
  'wasm rayon x1': (w) => labRun(page, { ...w, mode: 'rayon', workers: 1 }),
  'wasm kernel alone': (w) => jsRun(page, w, 'wasm'),
  js: (w) => jsRun(page, w),
  native: (w) => runJson(nativeBin, [JSON.stringify({ ...w, mode: 'sequential' })]),
  'native plain': (w) => runJson(nativeBin, [JSON.stringify({ ...w, plain: true })]),
};
for (const w of primesOnly ? [{ ...works[0], size: primesOnly }] : works) {
  for (const run of Object.values(impls)) await run({ ...w, size: w.workload === 'cpu-primes' ? 100_000 : 100 }); // warm-up
  const t = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  const values = new Set();
  const loads = [];
  for (let i = 0; i < reps; i++) {
    loads.push(os.loadavg()[0]);
    for (const [k, run] of Object.entries(impls)) {
      const r = await run(w);
      values.add(`${k}: ${r.value}`.replace(/^.*: /, ''));
      t[k].push(r.wallMs);
    }
  }
  if (values.size !== 1) throw new Error(`the implementations disagree on ${w.workload}'s value: ${[...values]}`);
  const native = summarize(t['native plain']).median;
  console.log(`${w.workload} ${w.size} (value ${[...values][0]}; 1-min load average ${loads.map((l) => l.toFixed(1)).join(', ')}):`);
  for (const [k, xs] of Object.entries(t)) {
    const s = summarize(xs);
    console.log(`  ${k.padEnd(20)} ${s.median.toFixed(0)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)})  x${(s.median / native).toFixed(3)} of native plain (fastest: x${(s.min / summarize(t['native plain']).min).toFixed(3)})`);
  }
}
await browser.close();
server.close();
