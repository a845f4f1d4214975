// From the raw figures to what the issue asks the bench to report: per kernel and size each
// implementation's time with the ratios (wasm/native, wasm/js, parallel efficiency), the size sweep,
// the fidelity table (the lab's modes beside their CPython counterparts), I/O beside its ideals, the
// overheads, and the goals with their measured figure.
import { COUNTERPARTS } from './plan.mjs';
import { fmt, fmtRange, quantile } from './stats.mjs';

const FRAME_MS = 1000 / 60;
const BROWSER_CONNECTIONS = 6; // HTTP/1.1 connections per host in Chromium
const AIOHTTP_LIMIT = 100; // aiohttp's TCPConnector(limit=100), no per-host limit

const med = (c, id) => c?.rows[id]?.median ?? NaN;
const best = (c, id) => c?.rows[id]?.min ?? NaN;
const speedup = (c, base, id) => med(c, base) / med(c, id);

/** "speeds up" above 1.1x, "slows down" below 0.9x, "about the same" between. */
export function direction(x) {
  if (!Number.isFinite(x)) return 'n/a';
  return x > 1.1 ? 'speeds up' : x < 0.9 ? 'slows down' : 'about the same';
}

/** DISAGREE: one speeds the work up and the other does not (the lesson's claim differs); `degree`:
 *  both fail to speed up, but one is about the same and the other slower. */
export function verdict(lab, py) {
  const a = direction(lab);
  const b = direction(py);
  if (a === 'n/a' || b === 'n/a') return 'n/a';
  if (a === b) return 'agree';
  if (a === 'speeds up' || b === 'speeds up') return 'DISAGREE';
  return 'agree in direction, differ in degree';
}

export function derive(results) {
  const cpu = results.cpu;
  const kernels = [...new Set(cpu.map((c) => c.kernel))];
  const threadsOf = (c, id) => c.rows[id]?.workers ?? NaN;

  const single = cpu
    .filter((c) => c.rows['wasm:sequential'])
    .map((c) => ({
      kernel: c.kernel,
      size: c.size,
      wasmOverNative: med(c, 'wasm:sequential') / med(c, 'native:sequential'),
      wasmOverJs: med(c, 'wasm:sequential') / med(c, 'js:sequential'),
      // Diagnostic: the kernel alone in wasm (no engine) against native and against the engine.
      kernelOverNative: med(c, 'wasm-kernel:sequential') / med(c, 'native:sequential'),
      engineOverKernel: med(c, 'wasm:sequential') / med(c, 'wasm-kernel:sequential'),
      wasmRayonOverNativeRayon: med(c, 'wasm:rayon') / med(c, 'native:rayon'),
      wasmEfficiency: speedup(c, 'wasm:sequential', 'wasm:rayon') / threadsOf(c, 'wasm:rayon'),
      nativeEfficiency: speedup(c, 'native:sequential', 'native:rayon') / threadsOf(c, 'native:rayon'),
      // The same ratios from each implementation's fastest repetition: on a shared machine other work
      // only ever adds time, so the minimum is the closest to each implementation's own cost, and a
      // ratio of minimums is not skewed by one side having been disturbed more than the other.
      best: {
        wasmOverNative: best(c, 'wasm:sequential') / best(c, 'native:sequential'),
        wasmOverJs: best(c, 'wasm:sequential') / best(c, 'js:sequential'),
        kernelOverNative: best(c, 'wasm-kernel:sequential') / best(c, 'native:sequential'),
        wasmEfficiency: best(c, 'wasm:sequential') / best(c, 'wasm:rayon') / threadsOf(c, 'wasm:rayon'),
        nativeEfficiency: best(c, 'native:sequential') / best(c, 'native:rayon') / threadsOf(c, 'native:rayon'),
      },
      wasmThreads: threadsOf(c, 'wasm:rayon'),
      nativeThreads: threadsOf(c, 'native:rayon'),
    }));

  const shared = kernels.map((k) => {
    const c = cpu.find((x) => x.kernel === k && x.rows['wasm:sequential'] && x.rows['cpython:sequential']);
    if (!c) return { kernel: k };
    const ids = ['native:sequential', 'wasm:sequential', 'js:sequential', 'cpython:sequential'];
    return { kernel: k, size: c.size, ms: Object.fromEntries(ids.map((id) => [id, med(c, id)])), overNative: Object.fromEntries(ids.map((id) => [id, med(c, id) / med(c, 'native:sequential')])) };
  });

  const sweep = cpu.map((c) => ({
    kernel: c.kernel,
    size: c.size,
    wasmRayon: speedup(c, 'wasm:sequential', 'wasm:rayon'),
    wasmProcesses: speedup(c, 'wasm:sequential', 'wasm:processes'),
    nativeRayon: speedup(c, 'native:sequential', 'native:rayon'),
    cpythonProcesses: speedup(c, 'cpython:sequential', 'cpython:processes'),
    wasmSeqMs: med(c, 'wasm:sequential'),
    cpythonSeqMs: med(c, 'cpython:sequential'),
  }));

  // Fidelity: for CPU work the lab at its largest size beside CPython at its largest (both seconds of
  // work); for I/O the same T and L on both sides.
  const fidelity = [];
  for (const k of kernels) {
    const labCase = cpu.filter((c) => c.kernel === k && c.rows['wasm:sequential']).at(-1);
    const pyCase = cpu.filter((c) => c.kernel === k && c.rows['cpython:sequential']).at(-1);
    for (const { lab, py, python } of COUNTERPARTS) {
      const l = speedup(labCase, 'wasm:sequential', `wasm:${lab}`);
      const p = speedup(pyCase, 'cpython:sequential', `cpython:${py}`);
      fidelity.push({ class: 'cpu', work: `${k} (lab N=${labCase?.size}, CPython N=${pyCase?.size})`, mode: lab, python, lab: l, cpython: p, verdict: verdict(l, p) });
    }
  }
  for (const c of results.io) {
    for (const { lab, py, python } of COUNTERPARTS) {
      const pyId = py === 'asyncio' ? 'cpython:aiohttp' : `cpython:${py}`;
      const l = speedup(c, 'wasm:sequential', `wasm:${lab}`);
      const p = speedup(c, 'cpython:sequential', pyId);
      fidelity.push({
        class: 'io',
        work: `io-fetch T=${c.tasks} L=${c.latencyMs}`,
        mode: lab,
        python: py === 'asyncio' ? 'asyncio.gather (aiohttp)' : `${python} + urllib`,
        lab: l,
        cpython: p,
        verdict: c.skipped?.includes('sequential') ? 'n/a (sequential not run at this T)' : verdict(l, p),
      });
    }
  }

  const io = results.io.map((c) => {
    const browserIdeal = c.latencyMs * Math.ceil(c.tasks / BROWSER_CONNECTIONS);
    const unlimitedIdeal = c.latencyMs * Math.ceil(c.tasks / AIOHTTP_LIMIT);
    return {
      tasks: c.tasks,
      latencyMs: c.latencyMs,
      browserIdeal,
      unlimitedIdeal,
      asyncioOverIdeal: med(c, 'wasm:asyncio') / browserIdeal,
      fetchOverIdeal: med(c, 'js:fetch') / browserIdeal,
      asyncioOverFetch: med(c, 'wasm:asyncio') / med(c, 'js:fetch'),
      aiohttpOverIdeal: med(c, 'cpython:aiohttp') / unlimitedIdeal,
    };
  });

  const lag = {};
  for (const [job, gaps] of Object.entries(results.frames)) {
    if (!Array.isArray(gaps)) continue;
    const lags = gaps.map((g) => Math.max(0, g - FRAME_MS));
    lag[job] = { frames: lags.length, p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), max: quantile(lags, 1), heartbeatMax: results.frames.heartbeatMax?.[job] };
  }

  const o = results.overheads;
  const largest = (k) => single.filter((s) => s.kernel === k).at(-1) ?? {};
  const primes = largest('cpu-primes');
  const mandel = largest('cpu-mandelbrot');
  const lagged = Object.entries(lag).filter(([, l]) => Number.isFinite(l.p99)).sort((a, b) => b[1].p99 - a[1].p99);
  const worstLag = lagged[0]?.[1].p99 ?? NaN;
  const worstAsyncio = Math.max(...io.map((x) => x.asyncioOverIdeal).filter(Number.isFinite));
  const worstFetch = Math.max(...io.map((x) => x.fetchOverIdeal).filter(Number.isFinite));
  const biggestBuild = Math.max(...Object.values(results.sizes).map((s) => s.gzip));
  const goal = (name, figure, shown, met) => ({ goal: name, figure, shown, met: Number.isFinite(figure) ? met : null });
  const goals = [
    goal('wasm single thread within 1.10x of native: cpu-primes', primes.best?.wasmOverNative, `${fmt(primes.best?.wasmOverNative, 2)}x at N=${primes.size} (medians: ${fmt(primes.wasmOverNative, 2)}x)`, primes.best?.wasmOverNative <= 1.1),
    goal('wasm single thread within 1.10x of native: cpu-mandelbrot', mandel.best?.wasmOverNative, `${fmt(mandel.best?.wasmOverNative, 2)}x at ${mandel.size}px (medians: ${fmt(mandel.wasmOverNative, 2)}x)`, mandel.best?.wasmOverNative <= 1.1),
    goal('wasm within 1.05x of plain JS: cpu-primes', primes.best?.wasmOverJs, `${fmt(primes.best?.wasmOverJs, 2)}x (medians: ${fmt(primes.wasmOverJs, 2)}x)`, primes.best?.wasmOverJs <= 1.05),
    goal('wasm faster than plain JS: cpu-mandelbrot', mandel.best?.wasmOverJs, `${fmt(mandel.best?.wasmOverJs, 2)}x (medians: ${fmt(mandel.wasmOverJs, 2)}x)`, mandel.best?.wasmOverJs < 1),
    goal('rayon parallel efficiency >= 0.95: cpu-primes', primes.best?.wasmEfficiency, `${fmt(primes.best?.wasmEfficiency, 2)} on ${primes.wasmThreads} threads (medians: ${fmt(primes.wasmEfficiency, 2)}; native ${fmt(primes.best?.nativeEfficiency, 2)})`, primes.best?.wasmEfficiency >= 0.95),
    goal('rayon parallel efficiency >= 0.95: cpu-mandelbrot', mandel.best?.wasmEfficiency, `${fmt(mandel.best?.wasmEfficiency, 2)} on ${mandel.wasmThreads} threads (medians: ${fmt(mandel.wasmEfficiency, 2)}; native ${fmt(mandel.best?.nativeEfficiency, 2)})`, mandel.best?.wasmEfficiency >= 0.95),
    goal('asyncio gather within 1.05x of the HTTP/1.1 ideal', worstAsyncio, `${fmt(worstAsyncio, 3)}x (worst T; plain fetch from a Worker: ${fmt(worstFetch, 3)}x)`, worstAsyncio <= 1.05),
    goal('thread-pool start-up under 100 ms', o['pool-start']?.median, `${fmt(o['pool-start']?.median, 0)} ms (+ ${fmt(o['pool-start']?.metrics.instantiateMs?.median, 0)} ms to instantiate the module)`, o['pool-start']?.median < 100),
    goal('main-thread lag p99 under 16 ms during any job', worstLag, `${fmt(worstLag, 1)} ms (worst: ${lagged[0]?.[0]})`, worstLag < 16),
    goal('each build under 200 KB gzip (wasm + JS)', biggestBuild, `${fmt(biggestBuild / 1000, 1)} KB (largest build)`, biggestBuild < 200_000),
    goal('page load to first result under 1.5 s (cold cache)', o['cold-load']?.median, `${fmt(o['cold-load']?.median, 0)} ms`, o['cold-load']?.median < 1500),
  ];
  return { single, shared, sweep, fidelity, io, lag, goals };
}

// ---- markdown -----------------------------------------------------------------------------------------

const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const x = (v, d = 2) => (Number.isFinite(v) ? `${fmt(v, d)}x` : '—');

export function markdown(results) {
  const { meta, derived: d } = results;
  const out = [];
  out.push(`## Benchmark (${meta.profile} run)`);
  out.push(
    `${meta.date.slice(0, 10)} · ${meta.cores} cores (${meta.cpu}) · ${meta.os} · Chromium ${meta.chromium} (lab build \`${meta.labBuild}\`, ${meta.labThreads} pool threads) · ` +
      `CPython ${meta.python} (aiohttp ${meta.aiohttp}) · ${meta.rustc ?? 'rustc ?'} · node ${meta.node} · ` +
      `${meta.reps.cpu} interleaved repetitions (I/O ${meta.reps.io}, overheads ${meta.reps.overheads}), ${meta.tasks} tasks · took ${meta.durationS} s · ` +
      `1-min load average before each repetition: ${(meta.loadAvg1m ?? []).join(', ')}` +
      `${meta.serverRestarts ? ` · the lab's server was stopped from outside and restarted ${meta.serverRestarts} time(s)` : ''}.`,
  );
  out.push('Times in ms: median (min–max) of the repetitions; every time is taken where the work runs (inside the engine, the Worker, the native binary, the Python process).');

  out.push('\n### CPU kernels: single thread and rayon (wasm = the lab in Chromium; native = the same core on the host; js = plain JavaScript in a Worker)');
  out.push(table(
    ['kernel', 'size', 'wasm seq', 'native seq', 'js', 'wasm/native', 'wasm/js', 'wasm kernel alone', 'kernel alone/native', 'wasm rayon', 'native rayon', 'efficiency wasm', 'efficiency native'],
    d.single.map((s) => {
      const c = results.cpu.find((c) => c.kernel === s.kernel && c.size === s.size);
      const two = (a, b, f) => `${f(b)} (${f(a)})`;
      return [s.kernel, s.size, fmtRange(c.rows['wasm:sequential']), fmtRange(c.rows['native:sequential']), fmtRange(c.rows['js:sequential']),
        two(s.wasmOverNative, s.best.wasmOverNative, x), two(s.wasmOverJs, s.best.wasmOverJs, x),
        fmtRange(c.rows['wasm-kernel:sequential']), two(s.kernelOverNative, s.best.kernelOverNative, x),
        fmtRange(c.rows['wasm:rayon']), fmtRange(c.rows['native:rayon']), two(s.wasmEfficiency, s.best.wasmEfficiency, (v) => fmt(v, 2)), two(s.nativeEfficiency, s.best.nativeEfficiency, (v) => fmt(v, 2))];
    }),
  ));
  out.push('Ratios and efficiencies: from the fastest repetitions, with the ratio of medians in brackets (on a shared machine other work only adds time, so minimums compare each implementation\'s own cost; the goals use them). Efficiency = speedup over the same implementation\'s sequential run / threads. "wasm kernel alone" (a diagnostic) = the same two kernel functions compiled to a raw wasm module (bench/kernel-wasm), called once per task from the JS Worker: the kernel\'s code in V8 without the engine around it.');

  out.push('\n### All four at the shared size (absolute)');
  out.push(table(['kernel', 'size', 'native', 'wasm', 'js', 'CPython', 'CPython / native'], d.shared.filter((s) => s.ms).map((s) => [s.kernel, s.size, fmt(s.ms['native:sequential']), fmt(s.ms['wasm:sequential']), fmt(s.ms['js:sequential']), fmt(s.ms['cpython:sequential']), x(s.overNative['cpython:sequential'], 0)])));

  out.push('\n### Every mode, every size');
  const cpuIds = ['wasm:sequential', 'wasm:asyncio', 'wasm:threads-gil', 'wasm:processes', 'wasm:rayon', 'native:sequential', 'native:rayon', 'js:sequential', 'wasm-kernel:sequential', 'cpython:sequential', 'cpython:threads', 'cpython:processes', 'cpython:asyncio'];
  out.push(table(['kernel', 'size', 'value', ...cpuIds], results.cpu.map((c) => [c.kernel, c.size, c.value ?? 'DIFFER', ...cpuIds.map((id) => fmtRange(c.rows[id]))])));

  out.push('\n### Speedup against N (over the same implementation\'s sequential run)');
  out.push(table(['kernel', 'size', 'wasm seq ms', 'wasm rayon', 'wasm processes', 'native rayon', 'CPython seq ms', 'CPython processes'],
    d.sweep.map((s) => [s.kernel, s.size, fmt(s.wasmSeqMs), x(s.wasmRayon), x(s.wasmProcesses), x(s.nativeRayon), fmt(s.cpythonSeqMs), x(s.cpythonProcesses)])));

  out.push('\n### Fidelity: the lab\'s speedup over its own sequential run beside CPython\'s, same machine, same run');
  out.push(table(['class', 'work', 'lab mode', 'CPython', 'lab speedup', 'CPython speedup', 'verdict'],
    d.fidelity.map((f) => [f.class, f.work, f.mode, f.python, x(f.lab), x(f.cpython), f.verdict === 'DISAGREE' ? '**DISAGREE**' : f.verdict])));
  out.push('"speeds up" > 1.1x, "slows down" < 0.9x. DISAGREE = one side speeds the work up and the other does not: a defect of the model.');

  out.push('\n### I/O: T requests of L ms to the lab\'s `api/delay`');
  const ioIds = ['wasm:sequential', 'wasm:asyncio', 'wasm:threads-gil', 'wasm:processes', 'js:fetch', 'cpython:sequential', 'cpython:threads', 'cpython:processes', 'cpython:aiohttp'];
  out.push(table(['T', 'L', ...ioIds, 'ideal, 6 conn/host', 'ideal, no limit', 'lab asyncio / ideal'],
    results.io.map((c, i) => [c.tasks, c.latencyMs, ...ioIds.map((id) => fmtRange(c.rows[id])), d.io[i].browserIdeal, d.io[i].unlimitedIdeal, x(d.io[i].asyncioOverIdeal, 3)])));
  out.push(
    'The browser opens at most 6 HTTP/1.1 connections per host, so T concurrent requests go in ceil(T/6) waves of L ms ' +
      '(the lab\'s `asyncio`, and `threads-gil`, whose blocking requests are made by the same browser); aiohttp\'s connector allows 100 ' +
      'connections with no per-host limit, so CPython\'s `asyncio.gather` finishes in about L. `ThreadPoolExecutor()` has min(32, cpus + 4) = 6 ' +
      'threads here, so CPython\'s threads also go in waves of 6. Neither is a defect of the lab: it is the browser\'s network. ' +
      '`js:fetch` = the same T requests as plain `fetch` calls at once from a Worker (no engine): the floor the browser itself sets.',
  );

  out.push('\n### Overheads');
  const o = results.overheads;
  const lagRows = Object.entries(d.lag).map(([job, l]) => [`main-thread frame lag while the lab runs: ${job}`, `p50 ${fmt(l.p50, 1)} / p99 ${fmt(l.p99, 1)} / max ${fmt(l.max, 1)} ms (${l.frames} frames; page heartbeat's worst ${fmt(l.heartbeatMax, 0)} ms)`]);
  out.push(table(['what', 'figure'], [
    ['thread-pool start-up (`initThreadPool`, ' + meta.labThreads + ' threads, in a fresh Worker)', `${fmtRange(o['pool-start'])} ms`],
    ['  threads build: load + instantiate the module first', `${fmtRange(o['pool-start']?.metrics.instantiateMs)} ms`],
    ['starting one `processes` worker (Worker + wasm instantiation, the lab\'s "start" span)', `${fmtRange(o['process-start'])} ms`],
    ['one task\'s message round trip to a worker (the lab\'s two "message" spans)', `${fmtRange(o['process-start']?.metrics.roundTripMs)} ms`],
    ['CPython `Pool(2)` start + trivial map + close: fork', `${fmtRange(o['cpython-pool-fork'])} ms`],
    ['CPython `Pool(2)` start + trivial map + close: spawn', `${fmtRange(o['cpython-pool-spawn'])} ms`],
    ['page load to `lab.ready`, cold cache', `${fmtRange(o['cold-load']?.metrics.readyMs)} ms`],
    ['page load to first result, cold cache', `${fmtRange(o['cold-load'])} ms`],
    ...lagRows,
    ...Object.entries(results.sizes).map(([b, s]) => [`shipped size, \`${b}\` build (wasm + JS)`, `${fmt(s.raw / 1000, 1)} KB raw, ${fmt(s.gzip / 1000, 1)} KB gzip (wasm ${fmt(s.files['concurrency_lab_bg.wasm'].gzip / 1000, 1)} KB gzip)`]),
  ]));

  out.push('\n### Goals');
  out.push(table(['goal', 'measured', 'met'], d.goals.map((g) => [g.goal, g.shown, g.met === null ? 'not measured' : g.met ? 'met' : '**not met**'])));
  if (results.errors.length) out.push(`\n### FAILURES\n${results.errors.map((e) => `- ${e}`).join('\n')}`);
  return `${out.join('\n')}\n`;
}
