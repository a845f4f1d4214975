#!/usr/bin/env node
// Experiment behind docs/PERFORMANCE.md: where the single-thread wasm time goes. The same work, one
// thread each, interleaved:
//   wasm sequential      the lab's engine on its event loop (yields to the loop every 10 ms)
//   wasm rayon x1        the lab's engine, one rayon worker: the same task code with no yields
//   wasm kernel alone    bench/kernel-wasm: only the kernel functions, called from a Worker
//   js                   the plain-JavaScript kernel in a Worker
//   native               the same core on the host, one thread
// Needs dist/ (npm run build); builds nothing itself beyond what bench/lib/host.mjs builds.
//   node bench/experiments/single-thread.mjs [reps]
import { jsRun, labRun, launchBrowser, openLab } from '../lib/browser.mjs';
import { buildKernelWasm, buildNative, runJson, startServer } from '../lib/host.mjs';
import { summarize } from '../lib/stats.mjs';

const reps = Number(process.argv[2] ?? 5);
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
  'wasm rayon x1': (w) => labRun(page, { ...w, mode: 'rayon', workers: 1 }),
  'wasm kernel alone': (w) => jsRun(page, w, 'wasm'),
  js: (w) => jsRun(page, w),
  native: (w) => runJson(nativeBin, [JSON.stringify({ ...w, mode: 'sequential' })]),
};
for (const w of works) {
  for (const run of Object.values(impls)) await run({ ...w, size: w.workload === 'cpu-primes' ? 100_000 : 100 }); // warm-up
  const t = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  for (let i = 0; i < reps; i++) for (const [k, run] of Object.entries(impls)) t[k].push((await run(w)).wallMs);
  const native = summarize(t.native).median;
  console.log(`${w.workload} ${w.size}:`);
  for (const [k, xs] of Object.entries(t)) {
    const s = summarize(xs);
    console.log(`  ${k.padEnd(18)} ${s.median.toFixed(0)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)})  x${(s.median / native).toFixed(3)} of native`);
  }
}
await browser.close();
server.close();
