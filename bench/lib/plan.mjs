// What the bench runs at each profile: sizes, repetitions, I/O shapes. One place, so the full run, the
// quick run and the test's smoke run differ only here.
//
// Sizes: wasm, native and JS share one sweep per kernel (a few ms to a few seconds of work); pure CPython
// is 10 to 100 times slower, so it runs its own sweep capped to a few seconds, and the two sweeps share
// their smallest size, where all four implementations are compared in absolute time.

export const PROFILES = {
  full: {
    reps: 5,
    ioReps: 3,
    overheadReps: 5,
    tasks: 8,
    kernels: {
      'cpu-primes': { fixed: {}, sizes: [100_000, 1_000_000, 10_000_000], pySizes: [100_000, 300_000, 1_000_000] },
      'cpu-mandelbrot': { fixed: { iterations: 1000 }, sizes: [100, 600, 1600], pySizes: [100, 200, 300] },
    },
    io: { latencyMs: 200, tasks: [6, 20, 100], skipSlowAt: Infinity },
    // bench/experiments/engines.mjs: the browser rows in every engine (tests/browsers/drivers.mjs), and the
    // main thread's lag during a chapter in each.
    engines: {
      names: ['chromium', 'firefox', 'webkit-sab', 'webkit'],
      specs: [{ workload: 'cpu-primes', tasks: 8, size: 5_000_000 }, { workload: 'cpu-mandelbrot', tasks: 8, size: 800, iterations: 1000 }],
      reps: 3,
      chapter: 'threads-vs-processes',
    },
    // bench/experiments/first-run.mjs: fresh pages per mode, runs per page (the calibrated default size).
    firstRun: { pages: 3, runs: 5, modes: ['sequential', 'asyncio', 'threads-gil', 'free-threaded', 'interpreters', 'processes', 'rayon'] },
    // bench/experiments/convoy.mjs: 200 blocking calls, as CPython's published figure.
    convoy: { reps: 5, calls: 200 },
    // bench/experiments/python314.mjs: free-threaded and interpreters beside the published figures.
    python314: { reps: 5 },
    // bench/experiments/figures.mjs: the figures the end-to-end tests no longer assert, with the load.
    figures: {
      reps: 5,
      gil: { aloneRunMs: 2000, handoverSize: 6_000_000, turns: [{ workload: 'cpu-primes', size: 12_000_000 }, { workload: 'cpu-mandelbrot', size: 400, iterations: 5000 }, { workload: 'mixed-pipeline', latencyMs: 5, size: 3_000_000 }] },
      stop: { workloads: ['cpu-mandelbrot', 'mixed-pipeline'], afterMs: 300, jobSize: 7_000_000 },
      speedups: { size: 7_000_000 },
      ioSleep: { latencyMs: 200 },
      zoom: { runS: 10 },
      longTask: { mandelbrotTasks: 24 },
      python: { latencyMs: 200 },
    },
  },
  quick: {
    reps: 3,
    ioReps: 2,
    overheadReps: 3,
    tasks: 8,
    kernels: {
      'cpu-primes': { fixed: {}, sizes: [100_000, 1_000_000, 3_000_000], pySizes: [100_000, 200_000, 400_000] },
      'cpu-mandelbrot': { fixed: { iterations: 1000 }, sizes: [100, 300, 600], pySizes: [100, 150, 200] },
    },
    // At T = 100 the one-at-a-time modes (sequential: T x L; processes: T / 2 x L) take 10 to 20 s a
    // run; the quick run leaves them out there (their figure is predictable: see the ideal).
    io: { latencyMs: 200, tasks: [6, 20, 100], skipSlowAt: 100 },
    engines: {
      names: ['chromium', 'firefox', 'webkit-sab'],
      specs: [{ workload: 'cpu-primes', tasks: 8, size: 3_000_000 }, { workload: 'cpu-mandelbrot', tasks: 8, size: 600, iterations: 1000 }],
      reps: 2,
      chapter: 'threads-vs-processes',
    },
    firstRun: { pages: 2, runs: 5, modes: ['sequential', 'asyncio', 'threads-gil', 'free-threaded', 'interpreters', 'processes', 'rayon'] },
    convoy: { reps: 3, calls: 200 },
    python314: { reps: 3 },
    figures: {
      reps: 3,
      gil: { aloneRunMs: 1000, handoverSize: 4_000_000, turns: [{ workload: 'cpu-primes', size: 6_000_000 }, { workload: 'cpu-mandelbrot', size: 300, iterations: 5000 }, { workload: 'mixed-pipeline', latencyMs: 5, size: 2_000_000 }] },
      stop: { workloads: ['cpu-mandelbrot', 'mixed-pipeline'], afterMs: 300, jobSize: 4_000_000 },
      speedups: { size: 4_000_000 },
      ioSleep: { latencyMs: 200 },
      zoom: { runS: 5 },
      longTask: { mandelbrotTasks: 24 },
      python: { latencyMs: 200 },
    },
  },
  // For tests/bench/smoke.test.mjs: every implementation and every row, tiny sizes, one repetition.
  smoke: {
    reps: 1,
    ioReps: 1,
    overheadReps: 1,
    tasks: 8,
    kernels: {
      'cpu-primes': { fixed: {}, sizes: [20_000, 50_000, 100_000], pySizes: [20_000, 50_000, 100_000] },
      'cpu-mandelbrot': { fixed: { iterations: 200 }, sizes: [32, 48, 64], pySizes: [32, 48, 64] },
    },
    io: { latencyMs: 50, tasks: [6], skipSlowAt: Infinity },
    // One row in each engine beside Chromium (whose rows are the rest of the run): that it runs and agrees.
    engines: { names: ['firefox', 'webkit-sab'], specs: [{ workload: 'cpu-primes', tasks: 2, size: 20_000 }], modes: ['sequential'], reps: 1 },
    // One fresh page, two runs of one mode: that the experiment runs and yields a ratio, nothing more.
    firstRun: { pages: 1, runs: 2, modes: ['rayon'] },
    convoy: { reps: 1, calls: 20 },
    python314: { reps: 1, size: 200_000 },
    // Every row once, at sizes that still show each effect (a few hundred ms of work each).
    figures: {
      reps: 1,
      gil: { aloneRunMs: 500, handoverSize: 2_000_000, turns: [{ workload: 'cpu-primes', size: 2_000_000 }, { workload: 'cpu-mandelbrot', size: 200, iterations: 3000 }, { workload: 'mixed-pipeline', latencyMs: 5, size: 1_000_000 }] },
      stop: { workloads: ['cpu-mandelbrot', 'mixed-pipeline'], afterMs: 300, jobSize: 2_000_000 },
      speedups: { size: 2_000_000 },
      ioSleep: { latencyMs: 50 },
      zoom: { runS: 1.5 },
      longTask: { mandelbrotTasks: 8 },
      python: { latencyMs: 100 },
    },
  },
};

/** The lab's modes the bench runs in the browser, and their CPython counterparts. */
export const LAB_CPU_MODES = ['sequential', 'asyncio', 'threads-gil', 'free-threaded', 'interpreters', 'processes', 'rayon'];
export const PY_CPU_MODES = ['sequential', 'threads', 'processes', 'asyncio'];
export const LAB_IO_MODES = ['sequential', 'asyncio', 'threads-gil', 'processes'];
export const PY_IO_MODES = ['sequential', 'threads', 'processes', 'aiohttp'];

/** The fidelity pairs: the lab's mode and the CPython code it models. */
export const COUNTERPARTS = [
  { lab: 'threads-gil', py: 'threads', python: 'ThreadPoolExecutor' },
  { lab: 'processes', py: 'processes', python: 'multiprocessing.Pool' },
  { lab: 'asyncio', py: 'asyncio', python: 'asyncio.gather' },
];
