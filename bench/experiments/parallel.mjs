#!/usr/bin/env node
// Experiment behind docs/PERFORMANCE.md: where the parallel modes lose time on CPU work.
//   1. rayon: efficiency against the number of tasks (the split), wasm and native, and each lane's busy
//      time from the lab's own task records (idle tail = wall - busy).
//   2. processes: each task's run time in a fresh process beside the same task in `sequential`, and the
//      start-up and message spans.
// Needs dist/ (npm run build) and the native binary (bench/run.mjs builds it).
//   node bench/experiments/parallel.mjs [reps]
import { labRun, launchBrowser, openLab } from '../lib/browser.mjs';
import { runJson, startServer } from '../lib/host.mjs';
import { NATIVE_BIN } from '../lib/paths.mjs';
import os from 'node:os';
import { summarize } from '../lib/stats.mjs';

const reps = Number(process.argv[2] ?? 3);
// `node bench/experiments/parallel.mjs 5 3000000`: cpu-primes alone, at that N (the quick bench's sizes).
const primesOnly = process.argv[3] ? Number(process.argv[3]) : null;
const server = await startServer();
const browser = await launchBrowser();
const { page } = await openLab(browser, server.url);
const works = primesOnly ? [{ workload: 'cpu-primes', size: primesOnly }] : [
  { workload: 'cpu-primes', size: 10_000_000 },
  { workload: 'cpu-mandelbrot', size: 1600, iterations: 1000 },
];
// The page's drawing of image bands, timed from createImageData to putImageData (the image view's
// per-pixel loop lies between them): main-thread work that competes with the pool on 2 cores.
await page.evaluate(() => {
  const proto = CanvasRenderingContext2D.prototype;
  const create = proto.createImageData;
  const put = proto.putImageData;
  window.__drawMs = 0;
  let began = 0;
  proto.createImageData = function (...a) {
    began = performance.now();
    return create.apply(this, a);
  };
  proto.putImageData = function (...a) {
    const r = put.apply(this, a);
    window.__drawMs += performance.now() - began;
    return r;
  };
});
const detail = (spec) =>
  page.evaluate(async (s) => {
    window.__drawMs = 0;
    const r = await window.lab.run(s);
    return {
      drawMs: window.__drawMs,
      wallMs: r.wallMs,
      tasks: r.tasks.map((t) => ({
        id: t.id,
        lane: t.lane,
        run: t.spans.filter((x) => x.kind === 'run').reduce((a, x) => a + x.endMs - x.startMs, 0),
        firstRunAt: Math.min(...t.spans.filter((x) => x.kind === 'run').map((x) => x.startMs)),
        lastRunEnd: Math.max(...t.spans.filter((x) => x.kind === 'run').map((x) => x.endMs)),
        start: t.spans.filter((x) => x.kind === 'start').reduce((a, x) => a + x.endMs - x.startMs, 0),
        message: t.spans.filter((x) => x.kind === 'message').reduce((a, x) => a + x.endMs - x.startMs, 0),
      })),
    };
  }, spec);

for (const work of works) {
  for (const tasks of [8, 64]) {
    const t = { seq: [], rayon: [], nseq: [], nrayon: [], idle: [], draw: [], late: [] };
    for (let i = 0; i < reps; i++) {
      t.seq.push((await labRun(page, { ...work, tasks, mode: 'sequential' })).wallMs);
      const r = await detail({ ...work, tasks, mode: 'rayon' });
      t.rayon.push(r.wallMs);
      t.draw.push(r.drawMs);
      const busy = {};
      for (const x of r.tasks) busy[x.lane] = (busy[x.lane] ?? 0) + x.run;
      t.idle.push(Math.max(...Object.values(busy)) - Math.min(...Object.values(busy)));
      // The pool's wake-up: when each lane's first task began computing, the later lane's start.
      const first = {};
      for (const x of r.tasks) first[x.lane] = Math.min(first[x.lane] ?? Infinity, x.firstRunAt);
      t.late.push(Math.max(...Object.values(first)));
      t.nseq.push((await runJson(NATIVE_BIN, [JSON.stringify({ ...work, tasks, mode: 'sequential' })])).wallMs);
      t.nrayon.push((await runJson(NATIVE_BIN, [JSON.stringify({ ...work, tasks, mode: 'rayon' })])).wallMs);
    }
    const m = (xs) => summarize(xs).median;
    console.log(
      `${work.workload} ${work.size} tasks=${tasks}: wasm seq ${m(t.seq).toFixed(0)} rayon ${m(t.rayon).toFixed(0)} eff ${(m(t.seq) / m(t.rayon) / 2).toFixed(3)} (fastest: ${(Math.min(...t.seq) / Math.min(...t.rayon) / 2).toFixed(3)})` +
        ` (the second lane starts ${m(t.late).toFixed(1)} ms in; lane busy difference ${m(t.idle).toFixed(0)} ms; page drawing ${m(t.draw).toFixed(0)} ms) | native seq ${m(t.nseq).toFixed(0)} rayon ${m(t.nrayon).toFixed(0)} eff ${(m(t.nseq) / m(t.nrayon) / 2).toFixed(3)} (fastest: ${(Math.min(...t.nseq) / Math.min(...t.nrayon) / 2).toFixed(3)}); load ${os.loadavg()[0].toFixed(1)}`,
    );
  }
  // processes: per-task run time in a fresh process against the same task run sequentially.
  const seq = await detail({ ...work, tasks: 8, mode: 'sequential' });
  const proc = await detail({ ...work, tasks: 8, mode: 'processes' });
  console.log(`${work.workload} processes: wall ${proc.wallMs.toFixed(0)} vs sequential ${seq.wallMs.toFixed(0)} (speedup ${(seq.wallMs / proc.wallMs).toFixed(2)})`);
  for (const x of proc.tasks) {
    const s = seq.tasks[x.id];
    console.log(`  task ${x.id} ${x.lane}: run ${x.run.toFixed(0)} ms (sequential ${s.run.toFixed(0)} ms, x${(x.run / s.run).toFixed(2)}), start ${x.start.toFixed(0)}, messages ${x.message.toFixed(1)}`);
  }
}
await browser.close();
server.close();
