#!/usr/bin/env node
// Experiment behind docs/PERFORMANCE.md ("cpu-primes against native"): what a run costs outside the
// engine's own wallMs, timed on the page around window.lab.run (as an outside check times it), at a tiny
// size (the fixed cost) and at a full one, interleaved.
//   node bench/experiments/outside.mjs [reps]
import os from 'node:os';
import { launchBrowser, openLab } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { summarize } from '../lib/stats.mjs';

const reps = Number(process.argv[2] ?? 5);
const server = await startServer();
const browser = await launchBrowser();
const { page } = await openLab(browser, server.url);
await page.evaluate(() => {
  window.__marks = {};
  window.lab.onRunStart(() => (window.__marks.started = performance.now()));
  window.lab.onTask(() => (window.__marks.firstTask ??= performance.now()));
  window.lab.onRecord(() => (window.__marks.recorded = performance.now()));
});
const timed = (spec) => page.evaluate(async (s) => {
  const marks = (window.__marks = { called: performance.now() });
  const r = await window.lab.run(s);
  marks.resolved = performance.now();
  return { wallMs: r.wallMs, value: r.value, pageMs: marks.resolved - marks.called, toStart: marks.started - marks.called, toFirstTask: marks.firstTask - marks.started, recordToResolve: marks.resolved - marks.recorded };
}, spec);
const specs = [
  { workload: 'cpu-primes', mode: 'sequential', size: 1000, tasks: 8 },
  { workload: 'cpu-primes', mode: 'sequential', size: 2_000_000, tasks: 8 },
  { workload: 'cpu-primes', mode: 'sequential', size: 10_000_000, tasks: 8 },
];
for (const s of specs) await timed(s);
const rows = specs.map(() => []);
for (let i = 0; i < reps; i++) for (const [j, s] of specs.entries()) rows[j][i] = await timed(s);
console.log(`1-min load average ${os.loadavg()[0].toFixed(1)}`);
for (const [j, s] of specs.entries()) {
  const f = (k) => { const x = summarize(rows[j].map((r) => r[k]).filter(Number.isFinite)); return `${x.median.toFixed(1)} (${x.min.toFixed(1)}-${x.max.toFixed(1)})`; };
  console.log(`N=${s.size}: wallMs ${f('wallMs')}  page-timed ${f('pageMs')}  call to runStart ${f('toStart')}  runStart to first task ${f('toFirstTask')}  record to resolve ${f('recordToResolve')}`);
  console.log(`  page - wall per rep: ${rows[j].map((r) => (r.pageMs - r.wallMs).toFixed(0)).join(', ')}`);
}
await browser.close();
server.close();
