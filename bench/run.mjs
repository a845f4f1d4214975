#!/usr/bin/env node
// The benchmark: the lab's engine (wasm, in Chromium; its rows in Firefox and WebKit too), the same core natively, plain JavaScript and real
// CPython, on the same work, in one run. Repetitions are interleaved (A B C, A B C, ...) so drift on a
// shared machine hits every implementation alike; every figure is min / median / max.
//
//   node bench/run.mjs [--quick | --smoke] [--out DIR]
//
// `npm run bench` sets the machine up and builds first. Writes results.json and results.md under
// bench/out/ (or --out), prints the tables, and exits non-zero if any implementation's value differs
// for the same work, or any run failed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { coldLoad, fetchRun, jsRun, labRun, launchBrowser, openLab, poolStart } from './lib/browser.mjs';
import { convoy, convoyMarkdown } from './experiments/convoy.mjs';
import { figures, figuresMarkdown } from './experiments/figures.mjs';
import { engines, enginesMarkdown } from './experiments/engines.mjs';
import { firstRun } from './experiments/first-run.mjs';
import { pythonLoad } from './lib/python-load.mjs';
import { python314, python314Markdown } from './experiments/python314.mjs';
import { buildKernelWasm, buildNative, ensureVenv, machine, runJson, startServer } from './lib/host.mjs';
import { loadVerdicts } from './lib/lab-modules.mjs';
import { coresSpeed, watchLoad } from './lib/load.mjs';
import { OUT, ROOT, BENCH } from './lib/paths.mjs';
import { LAB_CPU_MODES, LAB_IO_MODES, PROFILES, PY_CPU_MODES, PY_IO_MODES } from './lib/plan.mjs';
import { derive, markdown } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';

const args = process.argv.slice(2);
const profileName = args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full';
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : OUT;
const plan = PROFILES[profileName];
const log = (m) => process.stderr.write(`bench: ${m}\n`);
const started = Date.now();

// ---- set-up -----------------------------------------------------------------------------------------
const nativeBin = buildNative();
const rawWasm = buildKernelWasm();
const py = ensureVenv();
// The fidelity table's verdicts come from the lab's own verdict module (www/src/measure/verdicts.ts),
// bundled now so that a module that does not build fails the bench before the runs, not after.
const verdicts = await loadVerdicts();
const server = await startServer();
const browser = await launchBrowser();
const lab = await openLab(browser, server.url, rawWasm);
if (lab.status.build !== 'threads') log(`WARNING: the page runs the ${lab.status.build} build (${lab.status.buildReason}); rayon and threads-gil are unavailable`);
const labThreads = lab.status.threads;
const errors = [];
const fail = (m) => {
  errors.push(m);
  log(`ERROR: ${m}`);
};

// ---- the implementations ----------------------------------------------------------------------------
// Each returns { wallMs, value, metrics? }. `frames` collects main-thread frame gaps per lab job
// ("workload mode"), over every run of that job.
const frames = {};
const python = (argv) => runJson(py.python, [join(BENCH, 'python', 'bench.py'), ...argv]);

function wasmImpl(spec) {
  return async () => {
    const r = await labRun(lab.page, spec);
    const job = `${spec.workload} ${spec.mode}`;
    (frames[job] ??= []).push(...r.gaps);
    ((frames.loopLag ??= {})[job] ??= []).push(...(r.loopLag ?? []));
    ((frames.longTasks ??= {})[job] ??= []).push(...(r.longTasksMs ?? []));
    const heartbeat = (frames.heartbeatMax ??= {});
    heartbeat[job] = Math.max(heartbeat[job] ?? 0, r.heartbeatMaxLagMs);
    // `run`: what the lab's verdict module reads of a Result (the fidelity table's outcome).
    return { wallMs: r.wallMs, value: r.value, workers: r.spec.workers ?? 1, run: { spec: r.spec, class: r.class, machine: r.machine, network: r.network } };
  };
}

function cpuImpls(kernel, size, withBrowser, withPython) {
  const base = { workload: kernel, size, tasks: plan.tasks, ...plan.kernels[kernel].fixed };
  const impls = [];
  if (withBrowser) {
    for (const mode of LAB_CPU_MODES) impls.push({ id: `wasm:${mode}`, impl: 'wasm', mode, run: wasmImpl({ ...base, mode }) });
    for (const mode of ['sequential', 'rayon']) {
      impls.push({ id: `native:${mode}`, impl: 'native', mode, run: () => runJson(nativeBin, [JSON.stringify({ ...base, mode })]) });
    }
    // The kernel functions alone, natively, no chunks: the contract's algorithm as a plain program runs it.
    impls.push({ id: 'native-plain:sequential', impl: 'native-plain', mode: 'sequential', run: () => runJson(nativeBin, [JSON.stringify({ ...base, plain: true })]) });
    impls.push({ id: 'js:sequential', impl: 'js', mode: 'sequential', run: () => jsRun(lab.page, base) });
    // Diagnostic: the kernel alone in wasm, in the same Worker as the JS kernel (no engine around it).
    impls.push({ id: 'wasm-kernel:sequential', impl: 'wasm-kernel', mode: 'sequential', run: () => jsRun(lab.page, base, 'wasm') });
  }
  if (withPython) {
    for (const mode of PY_CPU_MODES) {
      impls.push({ id: `cpython:${mode}`, impl: 'cpython', mode, run: () => python(['cpu', JSON.stringify(base), mode]) });
    }
  }
  return { kind: 'cpu', kernel, size, spec: base, reps: plan.reps, impls };
}

function ioImpls(tasks) {
  const latencyMs = plan.io.latencyMs;
  const slow = tasks >= plan.io.skipSlowAt;
  const keep = (mode) => !(slow && (mode === 'sequential' || mode === 'processes'));
  const spec = { workload: 'io-fetch', tasks, latencyMs };
  const impls = [];
  for (const mode of LAB_IO_MODES.filter(keep)) impls.push({ id: `wasm:${mode}`, impl: 'wasm', mode, run: wasmImpl({ ...spec, mode }) });
  // The browser's floor: the same T requests as plain fetches at once from a Worker (no engine).
  impls.push({ id: 'js:fetch', impl: 'js', mode: 'fetch', run: () => fetchRun(lab.page, tasks, latencyMs) });
  for (const mode of PY_IO_MODES.filter(keep)) {
    impls.push({ id: `cpython:${mode}`, impl: 'cpython', mode, run: () => python(['io', server.url, String(tasks), String(latencyMs), mode]) });
  }
  return { kind: 'io', tasks, latencyMs, spec, reps: plan.ioReps, impls, expected: tasks * latencyMs, skipped: slow ? ['sequential', 'processes'] : [] };
}

function overheadImpls() {
  const tiny = { workload: 'cpu-primes', mode: 'processes', size: 2, tasks: 1, workers: 1 };
  return {
    kind: 'overhead',
    reps: plan.overheadReps,
    impls: [
      {
        id: 'pool-start',
        run: async () => {
          const r = await poolStart(lab.page, labThreads || 1);
          return { wallMs: r.poolMs, metrics: { instantiateMs: r.instantiateMs } };
        },
      },
      {
        id: 'process-start',
        run: async () => {
          const r = await labRun(lab.page, tiny);
          const start = r.spans.find((s) => s.kind === 'start');
          const messages = r.spans.filter((s) => s.kind === 'message');
          // Both ends on the engine's clock: from the Worker's spawn to the task sent to it, which the engine
          // does as soon as it hears the process is ready. The span's own end is the process's "ready" on
          // its own clock (its Worker's `timeOrigin + now()`, another memory), while its start is the
          // engine's clock, which src/core/platform/aligned.rs only ever moves forward (to the latest of its
          // pool threads' readings): once the engine's timeline has been moved on, the span reads short or
          // below zero (-9 to -11 ms in the quick bench of 2026-12-06).
          // Where the clocks agree the two read within 1 ms (bench/experiments/lag-trace.mjs prints both).
          const sent = messages.find((m) => m.task === start.task);
          return {
            wallMs: sent.startMs - start.startMs,
            metrics: { roundTripMs: messages.reduce((a, s) => a + (s.endMs - s.startMs), 0), runWallMs: r.wallMs, readyOnItsOwnClockMs: start.endMs - start.startMs },
          };
        },
      },
      {
        id: 'cold-load',
        run: async () => {
          const r = await coldLoad(browser, server.url, { workload: 'cpu-primes', mode: 'sequential', size: 10_000, tasks: 1 });
          return { wallMs: r.firstResultMs, metrics: { readyMs: r.readyMs }, build: r.build };
        },
      },
      {
        // Real CPython in the page: the first lab.python.run on a fresh page, the runtime's load included.
        id: 'python-in-page-load',
        run: async () => {
          const r = await pythonLoad(server.url);
          if (r.fetchedBeforeAsked) throw new Error(`the page fetched ${r.fetchedBeforeAsked} file(s) of the Python runtime before it was asked for`);
          const metrics = { loadMs: r.loadMs, transferredMB: r.transferredBytes / 1e6, nextRunMs: r.secondMs };
          if (r.returning.snapshot !== 'used') throw new Error(`the returning visit's CPython did not start from the kept copy (snapshot: ${r.returning.snapshot}; first visit: ${r.snapshot}, kept ${r.keptAfterMs ?? 'never'} ms after its first result)`);
          return { wallMs: r.firstResultMs, metrics: { ...metrics, keptAfterMs: r.keptAfterMs, returningLoadMs: r.returning.loadMs, returningTransferredMB: r.returning.transferredBytes / 1e6 } };
        },
      },
      { id: 'cpython-pool-fork', run: () => python(['pool-start', 'fork']) },
      { id: 'cpython-pool-spawn', run: () => python(['pool-start', 'spawn']) },
    ],
  };
}

const cases = [];
for (const [kernel, k] of Object.entries(plan.kernels)) {
  for (const size of [...new Set([...k.sizes, ...k.pySizes])].sort((a, b) => a - b)) {
    cases.push(cpuImpls(kernel, size, k.sizes.includes(size), k.pySizes.includes(size)));
  }
}
for (const t of plan.io.tasks) cases.push(ioImpls(t));
cases.push(overheadImpls());
for (const c of cases) c.rows = Object.fromEntries(c.impls.map((i) => [i.id, { impl: i.impl, mode: i.mode, samples: [], values: [], metrics: {} }]));

// ---- warm-up: the browser's tiers (Liftoff to TurboFan, V8's JIT) before anything is timed -------------
log(`profile ${profileName}: warming up the browser's compilers`);
for (const kernel of Object.keys(plan.kernels)) {
  const first = cases.find((c) => c.kind === 'cpu' && c.kernel === kernel && c.impls.some((i) => i.impl === 'wasm'));
  for (const i of first?.impls.filter((i) => ['wasm', 'js', 'wasm-kernel'].includes(i.impl)) ?? []) await i.run().catch(() => {});
}
for (const k of Object.keys(frames)) delete frames[k];

// ---- the interleaved repetitions --------------------------------------------------------------------
const maxReps = Math.max(...cases.map((c) => c.reps));
// The 1-minute load average before each repetition: on a 2-core machine shared with other work, a load
// well above what the bench itself makes means its figures carry that noise (interleaving spreads it
// over every implementation, but does not remove it).
const loads = [];
// The cores' speed before the repetitions and after the last row (not in the smoke run: 10 s).
const speedBefore = profileName === 'smoke' ? undefined : await coresSpeed();
if (speedBefore) log(`the machine before the repetitions: ${speedBefore.said}`);
for (let rep = 0; rep < maxReps; rep++) {
  loads.push(loadavg()[0]);
  for (const c of cases) {
    if (rep >= c.reps) continue;
    const name = c.kind === 'cpu' ? `${c.kernel} ${c.size}` : c.kind === 'io' ? `io-fetch T=${c.tasks}` : 'overheads';
    const line = [];
    for (const impl of c.impls) {
      const row = c.rows[impl.id];
      try {
        const restarts = server.restarts;
        const watch = watchLoad();
        const r = await impl.run().catch(async (e) => {
          // The server was stopped from outside during this run: once it is back, run it again.
          if (server.restarts === restarts) throw e;
          await server.settle();
          log(`${name} ${impl.id}: run again after the server restarted (${e.message.split('\n')[0]})`);
          return impl.run();
        });
        row.samples.push(r.wallMs);
        // The machine's load during this repetition: the fidelity verdicts' probes (bench/lib/report.mjs).
        (row.loads ??= []).push(watch.stop());
        if (r.value !== undefined) row.values.push(r.value);
        if (r.workers !== undefined) row.workers = r.workers;
        if (r.run) row.run = r.run;
        for (const [m, v] of Object.entries(r.metrics ?? {})) (row.metrics[m] ??= []).push(v);
        if (r.startMethod) row.startMethod = r.startMethod;
        line.push(`${impl.id} ${r.wallMs.toFixed(0)}`);
      } catch (e) {
        fail(`${name} ${impl.id}: ${e.message}`);
      }
    }
    log(`rep ${rep + 1}/${c.reps} ${name}: ${line.join(', ')}`);
  }
}

// ---- first run on a fresh page (bench/experiments/first-run.mjs) ----------------------------------------
let firstRunResult;
if (plan.firstRun) {
  log(`first run on a fresh page: ${plan.firstRun.pages} page(s) x ${plan.firstRun.modes.length} mode(s), ${plan.firstRun.runs} runs each`);
  firstRunResult = await firstRun(browser, server.url, { ...plan.firstRun, log });
  for (const e of firstRunResult.errors) fail(e);
}

// ---- Python 3.14's modes beside the published figures (bench/experiments/python314.mjs) -----------------
let python314Result;
if (plan.python314) {
  log(`Python 3.14's modes: ${plan.python314.reps} repetition(s), beside the published figures`);
  python314Result = await python314(lab.page, { ...plan.python314, log });
  for (const e of python314Result.errors) fail(e);
}

// ---- the convoy effect beside CPython (bench/experiments/convoy.mjs) -------------------------------------
let convoyResult;
if (plan.convoy) {
  log(`the convoy effect: ${plan.convoy.reps} repetition(s) of ${plan.convoy.calls} calls, the lab and CPython`);
  convoyResult = await convoy(lab.page, py.python, { ...plan.convoy, log });
  for (const e of convoyResult.errors) fail(e);
}

// ---- the figures the end-to-end tests no longer assert (bench/experiments/figures.mjs) ---------------------
let figuresResult;
if (plan.figures) {
  log(`the figures the tests no longer assert: ${plan.figures.reps} repetition(s), with the machine's load`);
  figuresResult = await figures({ browser, url: server.url, page: lab.page, nativeBin }, plan.figures, { log });
  for (const e of figuresResult.errors) fail(e);
}

// ---- the browser rows in every engine, and the lag during a chapter in each (bench/experiments/engines.mjs)
let enginesResult;
if (plan.engines) {
  log(`every engine: ${plan.engines.names.join(', ')}, ${plan.engines.reps} repetition(s)${plan.engines.chapter ? `, chapter ${plan.engines.chapter}` : ''}`);
  enginesResult = await engines(server.url, { ...plan.engines, log });
  for (const e of enginesResult.errors) fail(e);
}

// ---- values must agree ------------------------------------------------------------------------------
for (const c of cases.filter((c) => c.kind !== 'overhead')) {
  const seen = new Map();
  for (const [id, row] of Object.entries(c.rows)) for (const v of row.values) seen.set(v, [...(seen.get(v) ?? []), id]);
  if (c.expected !== undefined && !seen.has(c.expected)) seen.set(c.expected, ['expected']);
  const what = c.kind === 'cpu' ? `${c.kernel} size ${c.size}` : `io-fetch T=${c.tasks}`;
  if (seen.size > 1) {
    fail(`VALUES DIFFER for ${what}: ${[...seen].map(([v, ids]) => `${v} from ${[...new Set(ids)].join(', ')}`).join('; ')}`);
  }
  c.value = seen.size === 1 ? [...seen.keys()][0] : null;
  for (const [id, row] of Object.entries(c.rows)) if (row.samples.length === 0) fail(`no figure for ${what} ${id}`);
}

// ---- static facts: shipped sizes ----------------------------------------------------------------------
// The two engine builds (one of them starts with every page), and the Python program module, which the
// engine worker fetches only when a program is first shown (src/web/program.rs).
const sizes = {};
for (const build of ['threads', 'single', 'program']) {
  const dir = join(ROOT, 'dist', 'pkg', build);
  const files = ['concurrency_lab_bg.wasm', 'concurrency_lab.js'];
  const per = Object.fromEntries(files.map((f) => {
    const data = readFileSync(join(dir, f));
    return [f, { raw: data.length, gzip: gzipSync(data, { level: 9 }).length }];
  }));
  sizes[build] = { files: per, raw: Object.values(per).reduce((a, x) => a + x.raw, 0), gzip: Object.values(per).reduce((a, x) => a + x.gzip, 0) };
}

const meta = {
  date: new Date().toISOString(),
  profile: profileName,
  ...machine(),
  chromium: browser.version(),
  python: py.version,
  aiohttp: py.aiohttp,
  labBuild: lab.status.build,
  labThreads,
  crossOriginIsolated: lab.status.crossOriginIsolated,
  // The engine's catalogue, for the rules the report and the verdicts read (which workloads make requests,
  // connections per host): src/core/catalogue.rs.
  catalogue: lab.catalogue,
  serverRestarts: 0,
  reps: { cpu: plan.reps, io: plan.ioReps, overheads: plan.overheadReps },
  loadAvg1m: loads.map((l) => Math.round(l * 100) / 100),
  tasks: plan.tasks,
  durationS: 0,
};
if (lab.errors.length) fail(`the lab page reported errors: ${lab.errors.join('; ')}`);
meta.serverRestarts = server.restarts;
await browser.close();
server.close();
if (speedBefore) meta.coresSpeed = { before: speedBefore, after: await coresSpeed() };
meta.durationS = Math.round((Date.now() - started) / 1000);

// ---- report -----------------------------------------------------------------------------------------
const strip = (c) => {
  const rows = Object.fromEntries(Object.entries(c.rows).map(([id, r]) => [
    id,
    { ...r, ...summarize(r.samples), metrics: Object.fromEntries(Object.entries(r.metrics).map(([m, xs]) => [m, { ...summarize(xs), samples: xs }])) },
  ]));
  const { impls, ...rest } = c;
  void impls;
  return { ...rest, rows };
};
const results = { meta, cpu: cases.filter((c) => c.kind === 'cpu').map(strip), io: cases.filter((c) => c.kind === 'io').map(strip), overheads: strip(cases.find((c) => c.kind === 'overhead')).rows, firstRun: firstRunResult, convoy: convoyResult, python314: python314Result, figures: figuresResult, engines: enginesResult, frames, sizes, errors };
results.derived = derive(results, plan, verdicts);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 1));
const md = markdown(results) + convoyMarkdown(convoyResult) + python314Markdown(python314Result) + figuresMarkdown(figuresResult) + enginesMarkdown(enginesResult);
writeFileSync(join(outDir, 'results.md'), md);
process.stdout.write(md);
if (errors.length) {
  process.stderr.write(`\nbench: FAILED: ${errors.length} problem(s):\n${errors.map((e) => `  - ${e}`).join('\n')}\n`);
  process.exit(1);
}
log(`done in ${meta.durationS} s; results in ${join(outDir, 'results.json')}`);
