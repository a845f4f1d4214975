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
const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'blink.user_timing', 'toplevel', 'v8'];

/** The main-thread tasks over `threshold` ms in one trace, each with its slices' self time and its JS calls. */
function longTasks(trace) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const names = new Map(events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
  const main = events.filter((e) => names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain' && e.ph === 'X');
  // The renderer of the lab's page: the one with the most main-thread events.
  const byPid = new Map();
  for (const e of main) byPid.set(e.pid, (byPid.get(e.pid) ?? 0) + 1);
  const pid = [...byPid].sort((a, b) => b[1] - a[1])[0]?.[0];
  const mine = main.filter((e) => e.pid === pid).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const all = mine.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
  const tasks = all.filter((t) => !all.some((o) => o !== t && o.ts <= t.ts && o.ts + o.dur >= t.ts + t.dur));
  const out = [];
  for (const t of tasks) {
    if (t.dur / 1000 < threshold) continue;
    const inside = mine.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur);
    // Self time of each slice: its duration less its direct children's.
    const self = new Map();
    for (const e of inside) {
      const kids = inside.filter((k) => k !== e && k.ts >= e.ts && k.ts + k.dur <= e.ts + e.dur);
      const direct = kids.filter((k) => !kids.some((p) => p !== k && k.ts >= p.ts && k.ts + k.dur <= p.ts + p.dur));
      const s = e.dur - direct.reduce((a, k) => a + k.dur, 0);
      const label = e.name + (e.args?.data?.functionName ? ` ${e.args.data.functionName}` : '') + (e.args?.data?.url ? ` ${String(e.args.data.url).split('/').pop()}` : '') + (e.args?.data?.type ? ` ${e.args.data.type}` : '');
      self.set(label, (self.get(label) ?? 0) + s);
    }
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`);
    // What else ran meanwhile: every other thread's top-level slices overlapping the task (its thread clock).
    const beside = new Map();
    const others = events.filter((e) => e.ph === 'X' && !(e.pid === pid && names.get(`${e.pid}:${e.tid}`) === 'CrRendererMain') && e.ts < t.ts + t.dur && e.ts + e.dur > t.ts);
    const byThread = new Map();
    for (const e of others) {
      const k = `${e.pid}:${e.tid}`;
      if (!byThread.has(k)) byThread.set(k, []);
      byThread.get(k).push(e);
    }
    for (const [k, list] of byThread) {
      const tops = list.filter((e) => !list.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur));
      const ms = tops.reduce((a, e) => a + Math.min(e.ts + e.dur, t.ts + t.dur) - Math.max(e.ts, t.ts), 0) / 1000;
      const label = names.get(k) ?? k;
      beside.set(label, (beside.get(label) ?? 0) + ms);
    }
    const besideTop = [...beside].filter(([, v]) => v > 0.5).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`);
    out.push({ ms: t.dur / 1000, cpuMs: (t.tdur ?? NaN) / 1000, atMs: t.ts / 1000, fromStartMs: (t.ts - (tasks[0]?.ts ?? t.ts)) / 1000, top, besideTop });
  }
  out.busy = { tasks: tasks.length, wallMs: tasks.reduce((a, t) => a + t.dur, 0) / 1000, cpuMs: tasks.reduce((a, t) => a + (t.tdur ?? 0), 0) / 1000, spanMs: tasks.length ? (tasks.at(-1).ts + tasks.at(-1).dur - tasks[0].ts) / 1000 : 0 };
  return out;
}

/** The JS functions sampled during a task (self time, ms), from the CPU profile taken beside the trace. */
function jsIn(profile, task) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const next = t + (profile.timeDeltas[i + 1] ?? 0);
    if (t < task.atMs * 1000 || t > (task.atMs + task.ms) * 1000) continue;
    const n = nodes.get(profile.samples[i]);
    const f = n.callFrame;
    // The function and its caller chain's first named frames (what drew it).
    const chain = [];
    for (let id = n.id; id !== undefined && chain.length < 4; id = parent.get(id)) {
      const c = nodes.get(id).callFrame;
      if (c.functionName && !['(program)', '(root)'].includes(c.functionName)) chain.push(`${c.functionName}@${c.url.split('/').pop()}:${c.lineNumber}`);
    }
    const key = chain.join(' < ') || f.functionName;
    self.set(key, (self.get(key) ?? 0) + (next - t) / 1000);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`);
}

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
