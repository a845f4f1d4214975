// From the raw figures to what the issue asks the bench to report: per kernel and size each
// implementation's time with the ratios (wasm/native, wasm/js, parallel efficiency), the size sweep,
// the fidelity table (the lab's modes beside their CPython counterparts, with the verdicts of the lab's
// own module, www/src/measure/verdicts.ts), I/O beside its ideals, the overheads, the first run on a
// fresh page, and the goals with their measured figure.
import { COUNTERPARTS } from './plan.mjs';
import { fmt, fmtRange, quantile, summarize } from './stats.mjs';

const FRAME_MS = 1000 / 60;
const AIOHTTP_LIMIT = 100; // aiohttp's TCPConnector(limit=100), no per-host limit

const med = (c, id) => c?.rows[id]?.median ?? NaN;
const best = (c, id) => c?.rows[id]?.min ?? NaN;
const speedup = (c, base, id) => med(c, base) / med(c, id);

/** The lab's claim (www/src/measure/verdicts.ts, CLAIM_IDS) each fidelity row tests, by class and mode.
 *  `processes` on I/O has none: the lab makes no claim about it, so its row shows the speedups only. */
const CLAIM_OF = {
  cpu: { 'threads-gil': 'threads-gil-cpu', asyncio: 'asyncio-cpu', processes: 'processes-cpu' },
  io: { asyncio: 'asyncio-io', 'threads-gil': 'threads-io' },
};

/** A bench row as the verdict module reads a Result: the lab's spec, class and machine as its last run
 *  reported them, every repetition's wall time in order as the rounds, the median as `wallMs`, and each
 *  round's probes from the machine's load during that repetition (`loads`: bench/lib/load.mjs, the cores
 *  that processes outside the bench left free), as a Compare's probes before and after a round. A claim
 *  the load can turn is refuted only when every round's probes read the machine idle. */
export function measured(c, id, extra) {
  const row = c?.rows[id];
  if (!row?.samples?.length) return undefined;
  const out = { ...(row.run ?? {}), ...extra, wallMs: row.median, rounds: row.samples };
  if (row.loads?.length === row.samples.length) {
    const free = (l) => Math.max(0, (l.cores ?? row.run?.machine?.cores ?? NaN) - l.othersCores);
    out.measurement = { ...(out.measurement ?? {}), roundProbes: row.loads.map((l) => [free(l), free(l)]) };
  }
  return out;
}

/**
 * The threshold of a claim, from the verdict module: NO_SPEEDUP_BELOW, USES_CORES_FROM, and for I/O
 * halfway from 1x to the lab's run's `ioIdeal` (the module's overlap rule). CPython's rounds are judged
 * against the same number as the lab's, so the row tests one claim on both sides.
 */
export function claimThreshold(v, id, labRun) {
  switch (id) {
    case 'threads-gil-cpu':
    case 'asyncio-cpu':
      return { threshold: v.NO_SPEEDUP_BELOW, side: '<', onClaimSide: (x) => x < v.NO_SPEEDUP_BELOW };
    case 'processes-cpu':
      return { threshold: v.USES_CORES_FROM, side: '>=', onClaimSide: (x) => x >= v.USES_CORES_FROM };
    case 'asyncio-io':
    case 'threads-io': {
      const t = v.overlapThreshold(labRun);
      return { threshold: t, side: '>=', onClaimSide: (x) => x >= t };
    }
    default:
      return undefined;
  }
}

/** agree: both sides borne out, or both not; DISAGREE: one is and the other is not (a defect of the
 *  model); inconclusive: either side's rounds fell on both sides, or the lab could not decide. */
export function agreement(lab, py) {
  if (lab === 'inconclusive' || py === 'inconclusive') return 'inconclusive';
  return lab === py ? 'agree' : 'DISAGREE';
}

/**
 * One fidelity row: the lab's verdict from `claims()` on an outcome built from the bench's runs, CPython's
 * from its own rounds against the same threshold, and whether they agree.
 */
function fidelityRow(v, cls, mode, labOutcome, pyCase, pySeqId, pyModeId) {
  const labRun = labOutcome[mode];
  const labValues = labOutcome.sequential && labRun ? v.roundSpeedups(labOutcome.sequential, labRun) : [];
  const pySeq = measured(pyCase, pySeqId, { spec: { workload: 'cpython', mode: 'sequential', tasks: 0 } });
  const pyRun = measured(pyCase, pyModeId, { spec: { workload: 'cpython', mode, tasks: 0 } });
  const pyValues = pySeq && pyRun ? v.roundSpeedups(pySeq, pyRun) : [];
  const spread = (xs) => (xs.length ? [Math.min(...xs), Math.max(...xs)] : [NaN, NaN]);
  const row = {
    lab: summarize(labValues).median,
    labSpread: spread(labValues),
    cpython: summarize(pyValues).median,
    cpythonSpread: spread(pyValues),
    claim: CLAIM_OF[cls][mode] ?? null,
  };
  if (!row.claim) return { ...row, labVerdict: 'no claim', cpythonVerdict: 'no claim', verdict: 'n/a (the lab makes no claim about it)' };
  const verdict = v.claims(labOutcome).find((c) => c.id === row.claim);
  if (!verdict) return { ...row, labVerdict: 'n/a', cpythonVerdict: 'n/a', verdict: 'n/a (no sequential run)' };
  const t = claimThreshold(v, row.claim, labRun);
  const cpythonVerdict = v.decide(pyValues, t.onClaimSide);
  return {
    ...row,
    lab: verdict.measured.speedup,
    labSpread: verdict.measured.spread,
    threshold: t.threshold,
    side: t.side,
    labVerdict: verdict.verdict,
    why: verdict.why,
    cpythonVerdict,
    verdict: agreement(verdict.verdict, cpythonVerdict),
  };
}

export function derive(results, plan, verdicts) {
  const v = verdicts;
  if (!v?.claims) throw new Error('derive needs the lab\'s verdict module (bench/lib/lab-modules.mjs loadVerdicts())');
  // The engine's catalogue, as the lab the bench ran gave it (lab.workloads()): the browser's connections
  // per host for the I/O ideal, and the rules the verdicts read (which workloads make requests, ...).
  const catalogue = results.meta?.catalogue;
  if (!catalogue?.rules?.connectionsPerHost) throw new Error("derive needs the engine's catalogue (results.meta.catalogue, from lab.workloads())");
  v.useCatalogue(catalogue);
  const BROWSER_CONNECTIONS = catalogue.rules.connectionsPerHost; // HTTP/1.1 connections per host
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
      // Against the kernel alone compiled natively (no chunks, no engine): the contract's algorithm.
      wasmOverPlain: med(c, 'wasm:sequential') / med(c, 'native-plain:sequential'),
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
        wasmOverPlain: best(c, 'wasm:sequential') / best(c, 'native-plain:sequential'),
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
  // work); for I/O the same T and L on both sides. The lab's verdicts are `claims()` of the lab's verdict
  // module; CPython's rounds are judged against the same thresholds.
  const fidelity = [];
  const outcomeOf = (c, modes) => Object.fromEntries(['sequential', ...modes].map((m) => [m, measured(c, `wasm:${m}`)]).filter(([, r]) => r));
  for (const k of kernels) {
    const labCase = cpu.filter((c) => c.kernel === k && c.rows['wasm:sequential']).at(-1);
    const pyCase = cpu.filter((c) => c.kernel === k && c.rows['cpython:sequential']).at(-1);
    const outcome = outcomeOf(labCase, COUNTERPARTS.map((x) => x.lab));
    for (const { lab, py, python } of COUNTERPARTS) {
      fidelity.push({
        class: 'cpu',
        work: `${k} (lab N=${labCase?.size}, CPython N=${pyCase?.size})`,
        mode: lab,
        python,
        ...fidelityRow(v, 'cpu', lab, outcome, pyCase, 'cpython:sequential', `cpython:${py}`),
      });
    }
  }
  for (const c of results.io) {
    const outcome = outcomeOf(c, COUNTERPARTS.map((x) => x.lab));
    for (const { lab, py, python } of COUNTERPARTS) {
      const pyId = py === 'asyncio' ? 'cpython:aiohttp' : `cpython:${py}`;
      const base = { class: 'io', work: `io-fetch T=${c.tasks} L=${c.latencyMs}`, mode: lab, python: py === 'asyncio' ? 'asyncio.gather (aiohttp)' : `${python} + urllib` };
      if (c.skipped?.includes('sequential')) fidelity.push({ ...base, lab: NaN, cpython: NaN, claim: CLAIM_OF.io[lab] ?? null, verdict: 'n/a (sequential not run at this T)' });
      else fidelity.push({ ...base, ...fidelityRow(v, 'io', lab, outcome, c, 'cpython:sequential', pyId) });
    }
  }
  const fidelityRule = { NO_SPEEDUP_BELOW: v.NO_SPEEDUP_BELOW, USES_CORES_FROM: v.USES_CORES_FROM, TINY_WORK_MS: v.TINY_WORK_MS, connectionsPerHost: BROWSER_CONNECTIONS };

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
    // The goal's figure: the main thread's event-loop lag (MessageChannel samples every ~5 ms), which is
    // not quantised to whole frames; the frame gaps are kept beside it.
    const loop = results.frames.loopLag?.[job] ?? [];
    const lags = loop.length ? loop : gaps.map((g) => Math.max(0, g - FRAME_MS));
    const frameLags = gaps.map((g) => Math.max(0, g - FRAME_MS));
    lag[job] = {
      samples: lags.length,
      frames: frameLags.length,
      p50: quantile(lags, 0.5),
      p99: quantile(lags, 0.99),
      max: quantile(lags, 1),
      frameP99: quantile(frameLags, 0.99),
      longTasks: (results.frames.longTasks?.[job] ?? []).length,
      heartbeatMax: results.frames.heartbeatMax?.[job],
    };
  }

  const o = results.overheads;
  const largest = (k) => single.filter((s) => s.kernel === k).at(-1) ?? {};
  const primes = largest('cpu-primes');
  const mandel = largest('cpu-mandelbrot');
  const lagged = Object.entries(lag).filter(([, l]) => Number.isFinite(l.p99)).sort((a, b) => b[1].p99 - a[1].p99);
  const worstLag = lagged[0]?.[1].p99 ?? NaN;
  const worstAsyncio = Math.max(...io.map((x) => x.asyncioOverIdeal).filter(Number.isFinite));
  const worstFetch = Math.max(...io.map((x) => x.fetchOverIdeal).filter(Number.isFinite));
  // The goal is the engine's builds'; the Python program module is fetched only when a program is shown.
  const biggestBuild = Math.max(...Object.entries(results.sizes).filter(([b]) => b !== 'program').map(([, s]) => s.gzip));
  // First run on a fresh page (bench/experiments/first-run.mjs): per mode, the first run over the median
  // of the next ones, median and range over the fresh pages; the goal reads the mode farthest from 1.
  const fr = results.firstRun;
  const firstRun = fr
    ? Object.entries(fr.modes).map(([mode, m]) => ({ mode, unavailable: fr.unavailable[mode], pages: m.n, median: m.median, min: m.min, max: m.max, ratios: m.ratios, sizes: m.pages.map((p) => p.size), firstMs: m.pages.map((p) => p.wallMs[0]), nextMs: m.pages.map((p) => summarize(p.wallMs.slice(1)).median) }))
    : [];
  const measuredFirst = firstRun.filter((f) => !f.unavailable);
  const worstFirst = measuredFirst.filter((f) => Number.isFinite(f.median)).sort((a, b) => Math.abs(b.median - 1) - Math.abs(a.median - 1))[0];
  const firstMissing = measuredFirst.filter((f) => !Number.isFinite(f.median)).map((f) => f.mode);
  const firstFigure = firstMissing.length || !worstFirst ? NaN : worstFirst.median;
  const goal = (name, figure, shown, met) => ({ goal: name, figure, shown, met: Number.isFinite(figure) ? met : null });
  const goals = [
    goal('wasm single thread within 1.10x of native: cpu-primes', primes.best?.wasmOverNative, `${fmt(primes.best?.wasmOverNative, 2)}x at N=${primes.size} (medians: ${fmt(primes.wasmOverNative, 2)}x)`, primes.best?.wasmOverNative <= 1.1),
    goal('wasm single thread within 1.10x of native: cpu-mandelbrot', mandel.best?.wasmOverNative, `${fmt(mandel.best?.wasmOverNative, 2)}x at ${mandel.size}px (medians: ${fmt(mandel.wasmOverNative, 2)}x)`, mandel.best?.wasmOverNative <= 1.1),
    goal('cpu-primes within 1.05x of the kernel alone compiled natively', primes.best?.wasmOverPlain, `${fmt(primes.best?.wasmOverPlain, 2)}x at N=${primes.size} (medians: ${fmt(primes.wasmOverPlain, 2)}x)`, primes.best?.wasmOverPlain <= 1.05),
    goal('wasm within 1.05x of plain JS: cpu-primes', primes.best?.wasmOverJs, `${fmt(primes.best?.wasmOverJs, 2)}x (medians: ${fmt(primes.wasmOverJs, 2)}x)`, primes.best?.wasmOverJs <= 1.05),
    goal('wasm faster than plain JS: cpu-mandelbrot', mandel.best?.wasmOverJs, `${fmt(mandel.best?.wasmOverJs, 2)}x (medians: ${fmt(mandel.wasmOverJs, 2)}x)`, mandel.best?.wasmOverJs < 1),
    goal('rayon parallel efficiency >= 0.95: cpu-primes', primes.best?.wasmEfficiency, `${fmt(primes.best?.wasmEfficiency, 2)} on ${primes.wasmThreads} threads (medians: ${fmt(primes.wasmEfficiency, 2)}; native ${fmt(primes.best?.nativeEfficiency, 2)})`, primes.best?.wasmEfficiency >= 0.95),
    goal('rayon parallel efficiency >= 0.95: cpu-mandelbrot', mandel.best?.wasmEfficiency, `${fmt(mandel.best?.wasmEfficiency, 2)} on ${mandel.wasmThreads} threads (medians: ${fmt(mandel.wasmEfficiency, 2)}; native ${fmt(mandel.best?.nativeEfficiency, 2)})`, mandel.best?.wasmEfficiency >= 0.95),
    goal('asyncio gather within 1.05x of the HTTP/1.1 ideal', worstAsyncio, `${fmt(worstAsyncio, 3)}x (worst T; plain fetch from a Worker: ${fmt(worstFetch, 3)}x)`, worstAsyncio <= 1.05),
    goal('thread-pool start-up under 100 ms', o['pool-start']?.median, `${fmt(o['pool-start']?.median, 0)} ms (+ ${fmt(o['pool-start']?.metrics.instantiateMs?.median, 0)} ms to instantiate the module)`, o['pool-start']?.median < 100),
    goal('main-thread lag p99 under 16 ms during any job', worstLag, `${fmt(worstLag, 1)} ms (worst: ${lagged[0]?.[0]})`, worstLag < 16),
    goal('each build under 200 KB gzip (wasm + JS)', biggestBuild, `${fmt(biggestBuild / 1000, 1)} KB (largest build)`, biggestBuild < 200_000),
    goal('page load to first result under 1.5 s (cold cache)', o['cold-load']?.median, `${fmt(o['cold-load']?.median, 0)} ms`, o['cold-load']?.median < 1500),
    goal(
      'first run within 10% of the next four (median over 3 fresh pages), every mode',
      firstFigure,
      `${worstFirst ? `${fmt(firstFigure, 3)}x, ${worstFirst.mode} (farthest from 1; median over ${fr.pages} fresh page(s), ${fr.runs} runs each)` : '—'}` +
        `${measuredFirst.length > 1 ? `; ${measuredFirst.map((f) => `${f.mode} ${fmt(f.median, 3)}`).join(', ')}` : ''}` +
        `${firstMissing.length ? `; no figure for ${firstMissing.join(', ')}` : ''}${Object.keys(fr?.unavailable ?? {}).length ? `; unavailable: ${Object.keys(fr.unavailable).join(', ')}` : ''}`,
      measuredFirst.every((f) => f.median >= 0.9 && f.median <= 1.1),
    ),
  ];
  return { single, shared, sweep, fidelity, fidelityRule, io, lag, firstRun, goals };
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
      (meta.coresSpeed ? ` · the cores' speed (tests/e2e/load.mjs's meter, 5 s before the repetitions and after the last row): cores slower than their best ${meta.coresSpeed.before.slower} and ${meta.coresSpeed.after.slower} of ${meta.cores} (peak ${meta.coresSpeed.before.slowerPeak}, ${meta.coresSpeed.after.slowerPeak}), others ${meta.coresSpeed.before.othersCores} and ${meta.coresSpeed.after.othersCores} of a core` : '') +
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
  const cpuIds = ['wasm:sequential', 'wasm:asyncio', 'wasm:threads-gil', 'wasm:processes', 'wasm:rayon', 'native:sequential', 'native:rayon', 'native-plain:sequential', 'js:sequential', 'wasm-kernel:sequential', 'cpython:sequential', 'cpython:threads', 'cpython:processes', 'cpython:asyncio'];
  out.push(table(['kernel', 'size', 'value', ...cpuIds], results.cpu.map((c) => [c.kernel, c.size, c.value ?? 'DIFFER', ...cpuIds.map((id) => fmtRange(c.rows[id]))])));

  out.push('\n### Speedup against N (over the same implementation\'s sequential run)');
  out.push(table(['kernel', 'size', 'wasm seq ms', 'wasm rayon', 'wasm processes', 'native rayon', 'CPython seq ms', 'CPython processes'],
    d.sweep.map((s) => [s.kernel, s.size, fmt(s.wasmSeqMs), x(s.wasmRayon), x(s.wasmProcesses), x(s.nativeRayon), fmt(s.cpythonSeqMs), x(s.cpythonProcesses)])));

  out.push('\n### Fidelity: the lab\'s speedup over its own sequential run beside CPython\'s, same machine, same run');
  const fx = (m, sp) => (Number.isFinite(m) ? `${x(m)}${Number.isFinite(sp?.[0]) && sp[0] !== sp[1] ? ` (${fmt(sp[0], 2)}–${fmt(sp[1], 2)})` : ''}` : '—');
  const why = [];
  out.push(table(['class', 'work', 'lab mode', 'CPython', 'claim', 'threshold', 'lab speedup', 'CPython speedup', 'lab', 'CPython', 'verdict'],
    d.fidelity.map((f) => {
      let shown = f.verdict === 'DISAGREE' ? '**DISAGREE**' : f.verdict;
      if (f.why && f.labVerdict === 'inconclusive') {
        why.push(f.why);
        shown += ` (${why.length})`;
      }
      return [f.class, f.work, f.mode, f.python, f.claim ? `\`${f.claim}\`` : '—', Number.isFinite(f.threshold) ? `${f.side} ${fmt(f.threshold, 2)}x` : '—',
        fx(f.lab, f.labSpread), fx(f.cpython, f.cpythonSpread), f.labVerdict ?? '—', f.cpythonVerdict ?? '—', shown];
    })));
  const r = d.fidelityRule;
  out.push(
    `Verdicts from the lab's own module (\`www/src/measure/verdicts.ts\`, \`claims()\`, bundled into the bench), on an outcome made of this run's repetitions (round i = repetition i; speedup = median of the per-round speedups, range in brackets). ` +
      `A claim is borne out when every round lies on its side of the threshold, not borne out when every round lies on the other side, else inconclusive. ` +
      `Thresholds: no speedup below ${fmt(r.NO_SPEEDUP_BELOW, 2)}x (threads and asyncio on CPU work), uses the cores from ${fmt(r.USES_CORES_FROM, 2)}x (processes), and for I/O halfway from 1x to the best overlap the lab's run could reach (\`ioIdeal\`: its tasks in waves of as many as run at once, ${r.connectionsPerHost} connections per host in a browser). ` +
      `CPython's rounds are judged against the same threshold as the lab's; agree = both borne out or both not; DISAGREE = one is and the other is not: a defect of the model. ` +
      `The lab also calls a claim inconclusive where the machine could not have decided it (work under ${fmt(r.TINY_WORK_MS, 0)} ms, one core, one worker).`,
  );
  if (why.length) out.push(why.map((w, i) => `(${i + 1}) lab inconclusive: ${w}`).join('  \n'));

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
  const lagRows = Object.entries(d.lag).map(([job, l]) => [`main-thread event-loop lag while the lab runs: ${job}`, `p50 ${fmt(l.p50, 1)} / p99 ${fmt(l.p99, 1)} / max ${fmt(l.max, 1)} ms (${l.samples} samples; frame gaps p99 ${fmt(l.frameP99, 1)} ms over ${l.frames} frames; tasks over 50 ms: ${l.longTasks ?? 0})`]);
  out.push(table(['what', 'figure'], [
    ['thread-pool start-up (`initThreadPool`, ' + meta.labThreads + ' threads, in a fresh Worker)', `${fmtRange(o['pool-start'])} ms`],
    ['  threads build: load + instantiate the module first', `${fmtRange(o['pool-start']?.metrics.instantiateMs)} ms`],
    ['starting one `processes` worker (Worker + wasm instantiation, the lab\'s "start" span)', `${fmtRange(o['process-start'])} ms`],
    ['one task\'s message round trip to a worker (the lab\'s two "message" spans)', `${fmtRange(o['process-start']?.metrics.roundTripMs)} ms`],
    ['CPython `Pool(2)` start + trivial map + close: fork', `${fmtRange(o['cpython-pool-fork'])} ms`],
    ['CPython `Pool(2)` start + trivial map + close: spawn', `${fmtRange(o['cpython-pool-spawn'])} ms`],
    ['page load to `lab.ready`, cold cache', `${fmtRange(o['cold-load']?.metrics.readyMs)} ms`],
    ['page load to first result, cold cache', `${fmtRange(o['cold-load'])} ms`],
    ['real CPython in the page (Pyodide): first `lab.python.run` on a fresh page, load included', `${fmtRange(o['python-in-page-load'])} ms`],
    ['  of which loading CPython; then a second run', `${fmtRange(o['python-in-page-load']?.metrics.loadMs)} ms; ${fmtRange(o['python-in-page-load']?.metrics.nextRunMs)} ms`],
    ['  transferred for it (nothing before it is asked for)', `${fmtRange(o['python-in-page-load']?.metrics.transferredMB)} MB`],
    ['  the copy of its started memory kept, after the first result (the first visit stays open until then)', `${fmtRange(o['python-in-page-load']?.metrics.keptAfterMs)} ms`],
    ['  loading CPython again on a returning visit (the same profile, the browser reopened, started from the copy; goal 1.5 s)', `${fmtRange(o['python-in-page-load']?.metrics.returningLoadMs)} ms, ${fmtRange(o['python-in-page-load']?.metrics.returningTransferredMB)} MB transferred`],
    ...lagRows,
    ...Object.entries(results.sizes).map(([b, s]) => [b === 'program' ? 'shipped size, the Python program module (wasm + JS; fetched when a program is first shown)' : `shipped size, \`${b}\` build (wasm + JS)`, `${fmt(s.raw / 1000, 1)} KB raw, ${fmt(s.gzip / 1000, 1)} KB gzip (wasm ${fmt(s.files['concurrency_lab_bg.wasm'].gzip / 1000, 1)} KB gzip)`]),
  ]));

  if (d.firstRun?.length) {
    const fr = results.firstRun;
    out.push(`\n### First run on a fresh page (\`bench/experiments/first-run.mjs\`)`);
    out.push(table(['mode', 'first / median of the next (median over pages)', 'min–max', 'per page', 'first run ms', 'median of the next ms', 'N (calibrated, per page)'],
      d.firstRun.map((f) => (f.unavailable
        ? [f.mode, `unavailable: ${f.unavailable}`, '', '', '', '', '']
        : [f.mode, x(f.median, 3), `${fmt(f.min, 3)}–${fmt(f.max, 3)}`, f.ratios.map((r) => fmt(r, 3)).join(', '), f.firstMs.map((m) => fmt(m, 0)).join(', '), f.nextMs.map((m) => fmt(m, 0)).join(', '), f.sizes.join(', ')]))));
    out.push(
      `${fr.pages} fresh page(s) per mode, each a new browser context (empty caches, no stored calibration, a new engine): \`lab.ready\`, then ${fr.runs} runs of \`${fr.workload}\` at the calibrated default size; ` +
        `the figure is the first run's wall time over the median of the next ${fr.runs - 1}. Modes go in a rotated order on each round of pages. 1-min load average before each round: ${fr.loadAvg1m.join(', ')}.`,
    );
  }

  out.push('\n### Goals');
  out.push(table(['goal', 'measured', 'met'], d.goals.map((g) => [g.goal, g.shown, g.met === null ? 'not measured' : g.met ? 'met' : '**not met**'])));
  if (results.errors.length) out.push(`\n### FAILURES\n${results.errors.map((e) => `- ${e}`).join('\n')}`);
  return `${out.join('\n')}\n`;
}
