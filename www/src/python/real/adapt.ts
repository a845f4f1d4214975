// What changes between the program the page shows and what runs in the browser's CPython, and what the
// page says about a real run beside the model's. Pure: strings and numbers in, strings out (no DOM).
//
// The changes are few and each is shown with its reason:
//  - `import aiohttp` becomes `import lab_aiohttp as aiohttp`: a browser gives Python no sockets, so the
//    requests go out through the browser's fetch (`pyodide.http.pyfetch`), behind aiohttp's names.
//  - `import urllib.request` becomes `import lab_urllib as urllib`: the same blocking request through the
//    browser's synchronous XMLHttpRequest (a Worker may make one).
//  - In a browser without WebAssembly stack switching (JSPI; Firefox and Safari today) a trailing
//    `asyncio.run(main())` becomes `await main()`: Pyodide's asyncio.run needs to suspend the WebAssembly
//    stack to wait inside the browser's event loop; top-level await runs the same coroutine on the same loop.

import { workloadInfo } from '../../rules';

export interface Change {
  /** 1-based line of the shown program. */
  line: number;
  before: string;
  after: string;
  why: string;
}

export const WHY_AIOHTTP =
  "A browser gives Python no sockets, so aiohttp cannot run in the page: lab_aiohttp offers aiohttp's ClientSession.get over pyodide.http.pyfetch, the browser's fetch. Nothing else in the program changes.";
export const WHY_URLLIB =
  "A browser gives Python no sockets, so urlopen cannot open one: lab_urllib makes the same blocking request with the browser's synchronous XMLHttpRequest (allowed in a Worker). Nothing else in the program changes.";
export const WHY_AWAIT =
  "This browser has no WebAssembly stack switching (JSPI), which Pyodide's asyncio.run needs to wait inside the page's event loop; top-level await runs the same coroutine on the same loop (Chromium has it, Firefox and Safari not yet).";
/** Why every request gets a URL of its own (said on the page). */
export const WHY_DISTINCT_URLS =
  'Each request gets a URL of its own (the lab adds lab_request=N): Chromium lets one request at a time use its HTTP cache for a given URL, so six concurrent requests for the same URL go one after another (1.2 s for six 200 ms calls instead of 0.2 s). That would be the browser\'s cache, not asyncio.';

/** The program as it runs in the page's CPython, and each change from the text shown. */
export function adaptForBrowser(source: string, options: { jspi: boolean }): { code: string; changes: Change[] } {
  const lines = source.split('\n');
  const changes: Change[] = [];
  const replace = (i: number, after: string, why: string) => {
    changes.push({ line: i + 1, before: lines[i].trim(), after: after.trim(), why });
    lines[i] = after;
  };
  for (const [i, line] of lines.entries()) {
    const aiohttp = /^(\s*)import aiohttp\s*(#.*)?$/.exec(line);
    if (aiohttp) replace(i, `${aiohttp[1]}import lab_aiohttp as aiohttp`, WHY_AIOHTTP);
    const urllib = /^(\s*)import urllib\.request\s*(#.*)?$/.exec(line);
    if (urllib) replace(i, `${urllib[1]}import lab_urllib as urllib`, WHY_URLLIB);
  }
  if (!options.jspi) {
    // The last statement only: an asyncio.run elsewhere (inside a function) cannot become an await.
    let last = lines.length - 1;
    while (last >= 0 && (lines[last].trim() === '' || lines[last].trim().startsWith('#'))) last--;
    const run = last >= 0 ? /^(\s*)asyncio\.run\((.+)\)\s*(#.*)?$/.exec(lines[last]) : null;
    if (run) replace(last, `${run[1]}await ${run[2]}`, WHY_AWAIT);
  }
  return { code: lines.join('\n'), changes };
}

/** Whether the program uses the network (so the page says why each request has its own URL). */
export const usesRequests = (source: string) => /\b(aiohttp|urllib\.request|pyfetch|pyxhr)\b/.test(source);

/** Modes the browser's CPython cannot run (no threads, no processes), and why the lab models them. */
export function cannotRun(mode: string | undefined): string | undefined {
  const why =
    "The browser's CPython has no threads and no processes: WebAssembly runs it on one thread of one Worker, and Pyodide is built without threads (so threading.Thread(...).start() raises RuntimeError: can't start new thread) and without multiprocessing's native half. This is why the lab models threads and processes: its threads-gil, free-threaded and processes modes run on real browser threads (Web Workers sharing memory, under an emulated GIL with CPython's rules) and on Workers of their own, calibrated against CPython on a real machine (the figures in the lab's PYTHON-MODEL notes).";
  if (mode === 'processes') return `${why} Here multiprocessing.Pool fails at its first lock: the module _multiprocessing does not exist in the browser's build.`;
  if (mode === 'threads-gil' || mode === 'free-threaded' || mode === 'rayon') return why;
  if (mode === 'interpreters') return `${why} Subinterpreters (InterpreterPoolExecutor) run each on a thread of their own, so they cannot start here either.`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// CPU work scaled for the interpreter

/** How long a scaled CPU program should take in the page's CPython (ms). */
export const PYTHON_TARGET_MS = 1000;

/**
 * How many times longer interpreted CPython (Pyodide, Chromium) takes than the lab's compiled kernel on the
 * same CPU work, before this page has measured it (then the measured factor is used): counting the primes
 * below 200,000 took 0.55 s in Pyodide and 8 ms in the lab's kernel on a 2-core machine (68x).
 */
export const DEFAULT_PYTHON_FACTOR: Record<string, number> = { 'cpu-primes': 70, 'cpu-mandelbrot': 70, 'mixed-pipeline': 70 };

/**
 * The size at which CPython should take about `targetMs`: the model's estimate for the lab's size (`modelMs`)
 * times the interpreter's factor, scaled down along the workload's cost model (time grows as
 * size^exponent, src/core/calibrate.rs), rounded to two significant digits, within [min, size].
 */
export function scaledSize(size: number, modelMs: number, exponent: number, factor: number, min: number, targetMs = PYTHON_TARGET_MS): number {
  const pythonMs = modelMs * factor;
  if (!(pythonMs > targetMs) || !(exponent > 0)) return size;
  return Math.min(size, Math.max(min, roundTwo(size * (targetMs / pythonMs) ** (1 / exponent))));
}

/** 123456 -> 120000: two significant digits. */
export function roundTwo(n: number): number {
  if (n < 100) return Math.round(n);
  const p = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / p) * p;
}

/** The constant of a CPU program that sets its size (`N = ...`, `SIZE = ...`, `WINDOW = ...`): the one the
 * workload's calibrated field becomes, as the engine's catalogue says. */
function sizeConstant(workload: string): string | undefined {
  const info = workloadInfo(workload);
  return info?.calibration ? info.pythonConstants?.[info.calibration.field] : undefined;
}

/** The generated program with a comment above its size constant saying how and why it was scaled. */
export function noteScaling(program: string, workload: string, labSize: number, size: number, factor: number, measured: boolean, modelMs: number): string {
  const name = sizeConstant(workload);
  if (!name || size === labSize) return program;
  const note = [
    `# Scaled for real Python in the page: the lab ran ${name} = ${labSize} (about ${(modelMs / 1000).toFixed(1)} s in its compiled kernel).`,
    `# CPython's interpreter takes about ${Math.round(factor)} times as long on this work (${measured ? 'measured in this page' : 'measured on a 2-core machine'}),`,
    `# so ${name} = ${size} to finish in about a second.`,
  ].join('\n');
  return program.replace(new RegExp(`^${name} = `, 'm'), `${note}\n${name} = `);
}

// ---------------------------------------------------------------------------------------------------
// The real run beside the model's

/** How far apart the real and the model's wall times may be before the page says why (a ratio). */
export const SPREAD = 1.25;

/**
 * One sentence on why real CPython and the model differ, when they differ beyond the spread; undefined when
 * they agree. `ratio` is real / model.
 */
export function whyTheyDiffer(workload: string, mode: string, ratio: number, realMs: number, modelMs: number): string | undefined {
  if (ratio <= SPREAD && ratio >= 1 / SPREAD) return undefined;
  const x = ratio >= 10 ? Math.round(ratio).toString() : ratio.toFixed(1);
  if (workload.startsWith('cpu-') || (workload === 'mixed-pipeline' && ratio > SPREAD)) {
    return `CPython's interpreter is slower on CPU work than the lab's compiled kernels: ${x} times here, on the same work. The lab reports the ratios between modes (which the interpreter's speed does not change), not the absolute speed of Python; that is why its sizes are larger than the lesson's and why the program here was made smaller.`;
  }
  if (ratio > SPREAD) {
    const extra = Math.round(realMs - modelMs);
    return `Real CPython took ${extra} ms more than the model (${x} times): the interpreter's own time around each ${workload === 'io-sleep' ? 'sleep' : 'request'} (starting coroutines, ${mode === 'sequential' && workload === 'io-sleep' ? "time.sleep busy-waiting in the browser's build" : "converting the browser's answer to Python objects"}) and the first run's warm-up (compiling the program, the first fetch) add to the waits. Run it again: the second run is closer.`;
  }
  return `Real CPython was faster than the model here (${x} times): the model's run includes the engine's own bookkeeping (recording every task's spans), which a short run shows most.`;
}
