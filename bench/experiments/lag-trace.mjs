#!/usr/bin/env node
// Experiment behind docs/PERFORMANCE.md (main-thread lag): what runs on the page's main thread during a
// run's worst event-loop gaps. Runs the bench's lab jobs (a profile's sizes: quick unless --profile full) on the bench's page,
// each under a Chromium performance trace (CDP Tracing through playwright-core), and prints, per run, the
// page's heartbeat lag (p99 / max) and every main-thread task over THRESHOLD ms with what it spent its time
// on (the trace's slices under it, by self time, and the JS functions it called).
//   node bench/experiments/lag-trace.mjs [--reps N] [--threshold MS] [--profile quick|full] [--no-trace] [--jobs "cpu-mandelbrot threads-gil,..."]
import { labRun, launchBrowser, openLab } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';
import { PROFILES } from '../lib/plan.mjs';
import { jsIn, longTasks as tasksOver, TRACE_CATEGORIES as categories } from '../lib/trace.mjs';

const args = process.argv.slice(2);
const opt = (name, d) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
const reps = Number(opt('--reps', 3));
const threshold = Number(opt('--threshold', 8));
const plan = PROFILES[opt('--profile', 'quick')];
const prefill = Number(opt('--prefill', 0));
const noTrace = args.includes('--no-trace');
const jobs = opt('--jobs', 'cpu-mandelbrot threads-gil,cpu-mandelbrot interpreters,cpu-mandelbrot rayon,cpu-primes free-threaded,cpu-mandelbrot processes,cpu-primes rayon').split(',');

const server = await startServer();
const browser = await launchBrowser();
const lab = await openLab(browser, server.url);
const longTasks = (trace) => tasksOver(trace, threshold);

const specOf = (job, size) => {
  const [workload, mode] = job.split(' ');
  return { workload, mode, size, tasks: plan.tasks, ...plan.kernels[workload].fixed };
};
// Warm-up, as the bench does.
// The bench's own probe, the same on any build of the page: every 5 ms a timer, then a message; a sample is
// how late the message ran after the timer was due (as www/src/views/page/heartbeat.ts measures now).
await lab.page.evaluate(() => {
  const samples = [];
  const ch = new MessageChannel();
  let due = performance.now();
  ch.port1.onmessage = () => {
    const now = performance.now();
    samples.push(Math.max(0, now - due));
    due = now + 5;
    setTimeout(() => ch.port2.postMessage(0), 5);
  };
  ch.port2.postMessage(0);
  window.__probe = { take: () => samples.splice(0) };
});
const cdp = await lab.page.context().newCDPSession(lab.page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
try {
for (const k of Object.keys(plan.kernels)) await labRun(lab.page, specOf(`${k} sequential`, plan.kernels[k].sizes[0]));
// A page that has run a while (the bench's page has a few hundred rows in its results table by its
// later jobs): `--prefill N` tiny runs first.
for (let i = 0; i < prefill; i++) await labRun(lab.page, { workload: 'cpu-primes', mode: 'sequential', size: 1000, tasks: 1 });
// A process's start: the span as recorded, and from its spawn to the task sent to it (the engine's clock).
const processStart = async (when) => {
for (let i = 0; i < 3; i++) {
  const r = await labRun(lab.page, { workload: 'cpu-primes', mode: 'processes', size: 2, tasks: 1, workers: 1 });
  const start = r.spans.find((x) => x.kind === 'start');
  const sent = r.spans.find((x) => x.kind === 'message' && x.task === start.task);
  console.log(`process start (${when}): span ${(start.endMs - start.startMs).toFixed(1)} ms; spawn to the task sent ${(sent.startMs - start.startMs).toFixed(1)} ms; the message out ${(sent.endMs - sent.startMs).toFixed(1)} ms`);
}
};
await processStart('before the jobs');
const clocks = await lab.page.evaluate(async () => {
  const w = new Worker(URL.createObjectURL(new Blob(['postMessage(performance.timeOrigin + performance.now())'], { type: 'text/javascript' })));
  const at = await new Promise((r) => (w.onmessage = (e) => r(e.data)));
  const here = performance.timeOrigin + performance.now();
  w.terminate();
  return { workerMinusPage: at - here };
});
console.log(`a new Worker's timeOrigin + now(), posted, minus the page's at its arrival: ${clocks.workerMinusPage.toFixed(1)} ms`);
const perJob = {};
for (let rep = 0; rep < reps; rep++) {
  for (const job of jobs) {
    const workload = job.split(' ')[0];
    for (const size of plan.kernels[workload].sizes) {
      if (!noTrace) await cdp.send('Profiler.start');
      if (!noTrace) await browser.startTracing(lab.page, { categories });
      await lab.page.evaluate(() => window.__probe.take());
      const r = await labRun(lab.page, specOf(job, size));
      const probe = await lab.page.evaluate(() => window.__probe.take());
      const trace = noTrace ? undefined : await browser.stopTracing();
      const profile = noTrace ? undefined : (await cdp.send('Profiler.stop')).profile;
      const lag = [...r.loopLag].sort((a, b) => a - b);
      const p99 = lag[Math.min(lag.length - 1, Math.floor(0.99 * lag.length))] ?? NaN;
      const tasks = trace ? longTasks(trace) : [];
      const j = (perJob[job] ??= { lag: [], probe: [], maxTask: 0 });
      j.lag.push(...r.loopLag);
      j.probe.push(...probe);
      j.maxTask = Math.max(j.maxTask, ...tasks.map((t) => t.ms));
      console.log(`${job} N=${size} rep ${rep}: wall ${r.wallMs.toFixed(0)} ms; lag p99 ${p99?.toFixed(1)} max ${lag.at(-1)?.toFixed(1)} (${lag.length} samples); main-thread tasks over ${threshold} ms: ${tasks.length}${tasks.busy ? `; the main thread's tasks: ${tasks.busy.tasks}, ${tasks.busy.wallMs.toFixed(1)} ms wall, ${tasks.busy.cpuMs.toFixed(1)} ms thread clock over ${tasks.busy.spanMs.toFixed(0)} ms` : ''}`);
      for (const t of tasks) console.log(`   at +${t.fromStartMs.toFixed(0)} ms: ${t.ms.toFixed(1)} ms (thread clock ${t.cpuMs.toFixed(1)} ms): ${t.top.join(' | ')}\n      JS: ${jsIn(profile, t).join(' | ')}\n      beside it: ${t.besideTop.join(' | ')}`);
    }
  }
}
await processStart('after the jobs');
for (const [job, j] of Object.entries(perJob)) {
  const l = j.lag.sort((a, b) => a - b);
  const p = j.probe.sort((a, b) => a - b);
  const q99 = (x) => x[Math.min(x.length - 1, Math.floor(0.99 * x.length))].toFixed(1);
  console.log(`SUMMARY ${job}: the page's heartbeat: lag p99 ${q99(l)} max ${l.at(-1).toFixed(1)} ms (${l.length} samples); the bench's probe: p99 ${q99(p)} max ${p.at(-1).toFixed(1)} ms (${p.length}); longest main-thread task ${noTrace ? '(not traced)' : `${j.maxTask.toFixed(1)} ms`}`);
}
} finally {
  await browser.close();
  server.close();
}
