// The lesson as a path: one record per chapter, in the lesson's order and words (docs/LESSON.md). A
// chapter is data: its claim as the lesson words it, the experiments that test it (specs and modes, sized
// for this machine where the spec leaves a size out), the claims they decide, what to look at on the
// timeline, what CPython shows for the same experiment (with its source), and where the lesson is
// imprecise, a kind note. The page, embed.html, `window.lab.lesson` and the tests all read this catalogue.

import type { Spec } from '../engine/protocol';

export interface ChapterExperiment {
  /** Stable name, used in `lab.lesson.run`'s results (`${name}/${mode}`). */
  name: string;
  title: string;
  /** The work, without a mode; fields left out take the engine's (calibrated) defaults. */
  spec: Spec;
  /** The modes it compares (sequential first: the baseline). */
  modes: string[];
  /** Time allowed for its rounds, warm-up included (the chapter stays within 30 s). */
  budgetMs: number;
}

export interface Chapter {
  id: string;
  title: string;
  /** The claim, in the lesson's words. */
  claim: string;
  /** More of the lesson's text, as it says it. */
  quote: string;
  /** The quote is the lesson's code: shown as code, line by line (its lines split at newlines). */
  quoteIsCode?: boolean;
  experiments: ChapterExperiment[];
  /** The verdict module's claim ids this chapter decides (../measure/verdicts.ts). */
  claims: string[];
  /** The run whose timeline tells the chapter's story: an experiment and a mode. */
  timeline: { experiment: string; mode: string };
  /** One sentence: what to look at on that timeline. */
  lookAt: string;
  /** What CPython shows for the same experiment, and where that figure comes from. */
  cpython: { text: string; source: string };
  /** Where the lesson is imprecise, said kindly. */
  notes: string[];
  /** The lesson's own Python for this chapter, when it has some (shown whole). */
  snippet?: 'fetch-data' | 'api-calls';
  /** Lines the program prints, as the model's run produced them (`fetch_data`'s, `print(results)`). */
  prints?: 'fetch-data' | 'results';
  /** One value the learner may change (the lesson's sleep, its number of URLs): the input's range, and
   * how it sets a field of some experiments' specs (`spec[field] = value * scale`). */
  knob?: { label: string; field: string; experiments: string[]; min: number; max: number; step: number; default: number; scale: number };
  /** Runs whose blocking calls are shown one by one (`convoy`): for each `${experiment}/${mode}`, the I/O
   * thread's total time and p50/p99 per call, beside CPython's figure for the same run where there is one. */
  calls?: { run: string; label: string; cpython?: { totalMs: number; p99Ms?: number } }[];
}

const SOURCE = 'measured by the lab\'s authors with CPython 3.11.7 on a 2-core Linux machine (the lab\'s benchmark runs the same programs again beside the lab)';

export const CHAPTERS: Chapter[] = [
  {
    id: 'threads-vs-processes',
    title: '1. Multithreading vs. multiprocessing',
    claim: 'Multithreading is good for I/O-bound tasks; multiprocessing is good for CPU-bound tasks.',
    quote:
      'Multithreading: good for I/O-bound tasks (e.g. waiting for an API response, reading a file). It shares memory between threads. ' +
      'Multiprocessing: good for CPU-bound tasks (e.g. heavy math, image processing). It bypasses the GIL by starting a new Python process for each task.',
    experiments: [
      { name: 'io-bound', title: 'I/O-bound: eight requests of 50 ms', spec: { workload: 'io-fetch', tasks: 8, latencyMs: 50 }, modes: ['sequential', 'threads-gil', 'processes'], budgetMs: 12_000 },
      { name: 'cpu-bound', title: 'CPU-bound: counting primes', spec: { workload: 'cpu-primes', tasks: 8 }, modes: ['sequential', 'threads-gil', 'processes'], budgetMs: 12_000 },
    ],
    claims: ['threads-io', 'threads-gil-cpu', 'processes-cpu'],
    timeline: { experiment: 'cpu-bound', mode: 'processes' },
    lookAt:
      'Each process starts first (its own interpreter: the green start-up), then both compute at once, one core each. In the I/O run, the threads wait together: six requests overlap, then a second wave (the browser opens six connections per host).',
    cpython: {
      text: 'Six threads each sleeping 0.2 s: 201 ms in all. Counting primes on 2 threads: 0.89x of one thread; on Pool(2): 1.57x.',
      source: SOURCE,
    },
    notes: [
      'A small correction: multiprocessing does not start a new process for each task. A Pool starts a few processes (one per core by default) and hands them the tasks in turn; here two processes share eight tasks. Starting a process is what costs, so a Pool starts few and reuses them.',
    ],
  },
  {
    id: 'asyncio',
    title: '2. asyncio: concurrent I/O',
    claim: 'asyncio uses a single thread but "jumps" between tasks while they are waiting for I/O.',
    quote:
      'async marks a function as a "coroutine". await tells Python to pause here and do something else while waiting for this result.',
    experiments: [
      { name: 'fetch-data', title: 'fetch_data, as the lesson writes it (its 2 s sleep made 0.15 s)', spec: { workload: 'io-sleep', tasks: 1, latencyMs: 150 }, modes: ['asyncio'], budgetMs: 2_000 },
      { name: 'gather', title: 'Eight fetch_data coroutines under asyncio.gather', spec: { workload: 'io-sleep', tasks: 8, latencyMs: 150 }, modes: ['sequential', 'asyncio'], budgetMs: 14_000 },
    ],
    claims: ['asyncio-io'],
    timeline: { experiment: 'gather', mode: 'asyncio' },
    lookAt:
      'One lane, one thread: every coroutine prints "Start fetching..." and awaits its sleep, and the event loop starts the next one at once. All eight waits overlap, so they end together, in the time of one.',
    cpython: { text: '100 tasks each awaiting asyncio.sleep(0.2) under gather: 201 ms in all.', source: SOURCE },
    notes: [
      'One run of fetch_data alone shows nothing concurrent: there is nothing else to do while it waits. The claim shows with several coroutines awaited together (asyncio.gather), as the lab runs here.',
    ],
    snippet: 'fetch-data',
    prints: 'fetch-data',
    knob: { label: 'asyncio.sleep(…) in seconds (the lesson sleeps 2)', field: 'latencyMs', experiments: ['fetch-data', 'gather'], min: 0.05, max: 1, step: 0.05, default: 0.15, scale: 1000 },
  },
  {
    id: 'gil',
    title: '3. The GIL explained',
    claim: 'Even on a 64-core CPU, a standard Python script with threading only uses one core for CPU-bound math.',
    quote:
      'The GIL is a mutex that protects access to Python objects, preventing multiple threads from executing Python bytecodes at once. Solution: use NumPy (which runs in C outside the GIL) or the multiprocessing module.',
    experiments: [
      { name: 'cpu-bound', title: 'Counting primes on threads, and on processes', spec: { workload: 'cpu-primes', tasks: 8 }, modes: ['sequential', 'threads-gil', 'processes'], budgetMs: 14_000 },
    ],
    claims: ['threads-gil-cpu', 'processes-cpu'],
    timeline: { experiment: 'cpu-bound', mode: 'threads-gil' },
    lookAt:
      'The threads take turns: one holds the GIL and runs (blue) while the others wait for it (hatched); every 5 ms (the switch interval) a waiting thread asks, and the holder hands it over. Never two running at once.',
    cpython: { text: 'Counting primes on 2 threads: 0.89x of one thread (the GIL, plus the cost of switching); on Pool(2): 1.57x.', source: SOURCE },
    notes: [
      '"Only one core" holds for the standard build running pure Python. C code that releases the GIL (NumPy\'s array loops, hashlib, zlib) runs on several cores from threads: the lesson\'s "Solution", measured in the chapter "The solution: C code that releases the GIL". So does the free-threaded build of Python 3.14 (python3.14t), which has no GIL at all (chapter 7).',
    ],
  },
  {
    id: 'api-calls',
    title: '4. Essential snippet: concurrent API calls',
    claim: 'asyncio.gather runs the API calls simultaneously: the calls take about as long as one.',
    quote: 'urls = ["https://api1.com", "https://api2.com"]\n# Run both simultaneously!\nresults = await asyncio.gather(*(call_api(u) for u in urls))',
    quoteIsCode: true,
    experiments: [
      { name: 'calls', title: 'Six calls to the lab\'s API (200 ms each), one after another and under gather', spec: { workload: 'io-fetch', tasks: 6, latencyMs: 200 }, modes: ['sequential', 'asyncio'], budgetMs: 10_000 },
    ],
    claims: ['asyncio-io'],
    timeline: { experiment: 'calls', mode: 'asyncio' },
    lookAt: 'All six requests leave at once and wait together on one thread; each response is read as it arrives.',
    cpython: { text: '20 requests of 200 ms to one host under gather with aiohttp: 212 ms (aiohttp opens up to 100 connections; a browser six per host).', source: SOURCE },
    notes: [
      'The lab makes six calls, not two: with two, the best possible is half the time, too close to noise to tell. Six is as many as a browser sends to one host at once.',
      '"Simultaneously" means concurrently on one thread: the calls wait together, while the Python code itself runs one piece at a time.',
      'The snippet opens a new aiohttp.ClientSession for every call. It works, but it is an anti-pattern: a session is a connection pool, so share one session across the calls.',
    ],
    snippet: 'api-calls',
    prints: 'results',
    knob: { label: 'URLs in the list (the lesson has 2)', field: 'tasks', experiments: ['calls'], min: 2, max: 24, step: 1, default: 6, scale: 1 },
  },
  {
    id: 'throughput',
    title: '5. Summary: throughput',
    claim: 'Use asyncio for web/API integration and multiprocessing for data preprocessing pipelines to fully utilise your hardware.',
    quote: 'Concurrency is about throughput.',
    experiments: [
      { name: 'data-pipeline', title: 'A data pipeline: short requests, heavy computing', spec: { workload: 'mixed-pipeline', preset: 'cpu-heavy' }, modes: ['sequential', 'asyncio', 'threads-gil', 'processes'], budgetMs: 14_000 },
      { name: 'api-integration', title: 'API integration: slow requests, light parsing', spec: { workload: 'mixed-pipeline', preset: 'io-heavy' }, modes: ['sequential', 'asyncio', 'processes'], budgetMs: 12_000 },
    ],
    claims: ['mixed-cpu-heavy-processes', 'mixed-io-heavy-asyncio'],
    timeline: { experiment: 'data-pipeline', mode: 'asyncio' },
    lookAt:
      'Under asyncio the requests overlap, but the computing does not: a response that has arrived waits (dotted amber) while another task computes, because one event loop runs one thing at a time. That is why the computing-heavy pipeline goes to processes.',
    cpython: { text: 'The same shape in CPython: asyncio overlaps the 200 ms waits (20 requests in 212 ms with aiohttp), and Pool(2) computes 1.57x faster than one process.', source: SOURCE },
    notes: [],
  },
  {
    id: 'numpy',
    title: '6. The solution: C code that releases the GIL (NumPy)',
    claim: 'Use NumPy (which runs in C outside the GIL): threads then compute on every core.',
    quote: 'Solution: use NumPy (which runs in C outside the GIL) or the multiprocessing module.',
    experiments: [
      { name: 'pure-python', title: 'The work as pure Python, on threads', spec: { workload: 'cpu-primes', tasks: 8 }, modes: ['sequential', 'threads-gil'], budgetMs: 10_000 },
      { name: 'c-code', title: 'The same work as C code that releases the GIL, on threads', spec: { workload: 'cpu-primes', tasks: 8, releasesGil: true }, modes: ['sequential', 'threads-gil'], budgetMs: 10_000 },
    ],
    claims: ['threads-gil-cpu', 'releases-gil-cpu'],
    timeline: { experiment: 'c-code', mode: 'threads-gil' },
    lookAt:
      'Each thread holds the GIL (blue) only for a moment at each end of the call; in between the C code runs with the GIL released (striped), on as many threads at once as there are cores.',
    cpython: {
      text: 'NumPy\'s array loops, hashlib (on data over 2 KiB) and zlib drop the GIL with Py_BEGIN_ALLOW_THREADS while they work, so threads calling them use several cores; the same loop in pure Python does not (0.89x on 2 threads).',
      source: 'CPython and NumPy sources (Py_BEGIN_ALLOW_THREADS); the pure-Python figure ' + SOURCE,
    },
    notes: [
      'The lab runs the same kernel both ways and only changes whether it holds the GIL: the gain is the GIL\'s, not a faster language. Real NumPy is also far faster than a Python loop on one core.',
      'NumPy cannot yet be imported in a subinterpreter; there, hashlib and zlib are the C code that releases the GIL.',
    ],
  },
  {
    id: 'free-threading',
    title: '7. Python without the GIL: the free-threaded build (3.14t)',
    claim: 'On free-threaded Python (python3.14t) the same threads run CPU-bound Python on every core.',
    quote: 'Even on a 64-core CPU, a standard Python script with threading only uses one core for CPU-bound math.',
    experiments: [
      { name: 'cpu-bound', title: 'Counting primes: threads with the GIL, and on the free-threaded build', spec: { workload: 'cpu-primes', tasks: 8 }, modes: ['sequential', 'threads-gil', 'free-threaded'], budgetMs: 14_000 },
    ],
    claims: ['threads-gil-cpu', 'free-threaded-cpu'],
    timeline: { experiment: 'cpu-bound', mode: 'free-threaded' },
    lookAt: 'No GIL, so no waits for it: no thread waits for another to run Python (blue), and each is a little slower than alone (the build\'s single-thread cost). How many run at the same instant is the number of cores.',
    cpython: {
      text: 'Four threads on 4 cores, arithmetic: 506 ms serial, 494 ms with the GIL, 179 ms on the free-threaded build. Its single-thread cost: about 8% on x86-64 Linux (1% on macOS aarch64), "roughly 5-10%" (What\'s New in 3.14); about 40% in 3.13.',
      source: 'Python 3.14 docs (free-threading HOWTO, What\'s New in 3.14), PEP 779; CPython 3.15.0rc1 recordings (github.com/tamnd/cpython-internals)',
    },
    notes: [
      'The free-threaded build is supported but optional since Python 3.14 (PEP 779): the python you install is still the GIL build unless you ask for python3.14t. An extension module that does not declare free-threading support turns the GIL back on for the whole process (sys._is_gil_enabled() tells).',
      'The lab spends the build\'s single-thread cost (8% here, as on x86-64 Linux) as real computing beside each piece of work, so one free-threaded thread is slower than one thread with the GIL.',
    ],
  },
  {
    id: 'subinterpreters',
    title: '8. Subinterpreters: a GIL per interpreter, in one process (3.14)',
    claim: 'Subinterpreters (InterpreterPoolExecutor, Python 3.14) run CPU-bound work on every core like processes, start faster than processes, and pay for every item that crosses to them.',
    quote: 'Multiprocessing: good for CPU-bound tasks (e.g. heavy math, image processing). It bypasses the GIL by starting a new Python process for each task.',
    experiments: [
      { name: 'cpu-bound', title: 'Counting primes: threads, interpreters and processes', spec: { workload: 'cpu-primes', tasks: 8 }, modes: ['sequential', 'threads-gil', 'interpreters', 'processes'], budgetMs: 16_000 },
      {
        name: 'large-data',
        title: 'A 1,600,000-item list split four ways, with little work on it: threads share it, interpreters receive it pickled',
        spec: { workload: 'cpu-primes', tasks: 4, size: 50_000, inputItems: 400_000 },
        modes: ['sequential', 'threads-gil', 'interpreters'],
        budgetMs: 8_000,
      },
    ],
    claims: ['interpreters-cpu', 'interpreters-start', 'interpreters-data', 'threads-gil-cpu'],
    timeline: { experiment: 'cpu-bound', mode: 'interpreters' },
    lookAt:
      'Each interpreter starts once on its thread (start, green), its task arrives pickled (message, yellow), and then the interpreters compute (blue), as many at the same time as there are cores: each holds only its own GIL, which no other thread wants. Start-up and messages take a fraction of a millisecond here: zoom into the first milliseconds (+, or drag over the overview) to see them at their true length.',
    cpython: {
      text: 'Work split 4 ways on 4 cores, pool start included: arithmetic 507 ms serial, 494 ms on 4 threads, 208 ms on 4 interpreters; summing a 400,000-item list that must cross: 6 ms serial, 8 ms on threads, 255 ms on interpreters. Start and join a thread: 0.33 ms; create and close an interpreter: 16.8 ms; a spawned process pool: tens of ms.',
      source: 'What\'s New in Python 3.14; PEP 734; CPython 3.15.0rc1 recordings (github.com/tamnd/cpython-internals)',
    },
    notes: [
      'Each interpreter in the lab is a fresh instance of its own small module with its own memory, started on its worker thread: the same kind of cost as CPython\'s (a new interpreter state that imports its modules anew), not a timer. It is much smaller: the lab\'s interpreter is a module of a few kilobytes, compiled once when the page starts, so it starts far faster than CPython\'s 16.8 ms (the claim above gives this machine\'s figure), while a process in the lab starts a whole copy of the lab of its own. Arguments and results really are pickled (protocol 2, byte for byte what CPython\'s pickle writes) and unpickled inside the interpreter.',
      'The lab\'s crossing is cheaper per item than CPython\'s: its interpreter unpickles into a plain array, where CPython makes a Python int object for every item. The direction is the same: the more that crosses, the more the interpreters lose to threads that share memory. So the experiment sends each task four times CPython\'s items (400,000), which makes the crossing cost tens of milliseconds, well above a browser\'s timing noise of a few.',
      'Subinterpreters are new in the standard library (Python 3.14: concurrent.interpreters and InterpreterPoolExecutor); "starting each interpreter has not been optimized yet" (What\'s New in 3.14). NumPy cannot yet be imported in a subinterpreter.',
    ],
  },
  {
    id: 'convoy',
    title: '9. The convoy effect: an I/O thread beside a CPU-bound one',
    claim: 'Threads help I/O-bound work, but an I/O thread beside a CPU-bound thread is slowed down by the GIL: every blocking call gives the GIL up, and winning it back can take a whole switch interval.',
    quote: 'Multithreading: good for I/O-bound tasks (e.g. waiting for an API response, reading a file).',
    experiments: [
      {
        name: 'interval-5ms',
        title: 'One I/O thread making 200 blocking calls of 100 µs: alone, beside one CPU-bound thread (switch interval 5 ms, the default), and without the GIL',
        spec: { workload: 'convoy', calls: 200, cpuThreads: 1, blockingUs: 100, switchIntervalMs: 5 },
        modes: ['sequential', 'threads-gil', 'free-threaded'],
        budgetMs: 12_000,
      },
      {
        name: 'interval-1ms',
        title: 'The same beside one CPU-bound thread with sys.setswitchinterval(0.001)',
        spec: { workload: 'convoy', calls: 200, cpuThreads: 1, blockingUs: 100, switchIntervalMs: 1 },
        modes: ['sequential', 'threads-gil'],
        budgetMs: 8_000,
      },
    ],
    claims: ['convoy-effect', 'convoy-interval', 'convoy-free-threaded'],
    timeline: { experiment: 'interval-5ms', mode: 'threads-gil' },
    lookAt:
      'The I/O thread (task 0) waits on its call (a sliver of I/O), then waits for the GIL (hatched) while the CPU-bound thread runs (blue), about one switch interval each time: 200 calls become 200 intervals.',
    cpython: {
      text: '200 socket round trips: 0.6 ms alone, 196 ms beside one CPU-bound thread at the 5 ms interval, 55 ms at 1 ms (p99 per round trip 5.3 ms and 2.2 ms). The lab\'s own program (200 time.sleep of 100 µs) in CPython 3.11 here: 34 ms alone, about 1 s at 5 ms (p50 5.3 ms per call), 255 ms at 1 ms.',
      source: SOURCE + '; Beazley, "Understanding the Python GIL" (2010), bpo-7946',
    },
    notes: [
      'Each blocking call here is a real wait of the thread itself, of about 100 µs, that releases the GIL, like a local socket round trip or a short time.sleep. It is not a browser fetch: a fetch goes through the browser\'s network stack and takes a few milliseconds, which would hide the effect behind its own latency.',
      'CPython\'s socket figure is smaller than the lab\'s because a round trip on a local socket takes a few microseconds: the I/O thread is often back and retakes the GIL before the CPU-bound thread has even woken up to take it, so only some calls wait a whole interval (p99 5.3 ms, but 1 ms on average). With a 100 µs wait the CPU-bound thread always gets there first, in CPython as in the lab, and nearly every call waits an interval.',
      'Free-threaded Python (3.14t) has no GIL to win back: the I/O thread runs beside the CPU-bound one as if it were alone (given a free core). So does C code that releases the GIL, and asyncio, which keeps CPU work and waits on one thread in the first place.',
    ],
    calls: [
      { run: 'interval-5ms/sequential', label: 'Alone', cpython: { totalMs: 0.6 } },
      { run: 'interval-5ms/threads-gil', label: 'Beside a CPU-bound thread, interval 5 ms', cpython: { totalMs: 196, p99Ms: 5.3 } },
      { run: 'interval-1ms/threads-gil', label: 'Beside a CPU-bound thread, interval 1 ms', cpython: { totalMs: 55, p99Ms: 2.2 } },
      { run: 'interval-5ms/free-threaded', label: 'Beside a CPU-bound thread, no GIL (3.14t)' },
    ],
  },
];

export const chapterById = (id: string) => CHAPTERS.find((c) => c.id === id);

/** Whether `v` is a value the chapter's knob takes (a finite number in its range). */
export const knobAccepts = (knob: NonNullable<Chapter['knob']>, v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= knob.min && v <= knob.max;

/** The SpecError of an unknown chapter id (a link's `chapter`, `lab.lesson.run`), naming the ids. */
export function unknownChapter(id: unknown): { name: 'SpecError'; field: 'chapter'; allowed: string; message: string } {
  const allowed = CHAPTERS.map((c) => c.id).join(', ');
  return { name: 'SpecError', field: 'chapter', allowed, message: `chapter must be one of ${allowed} (got ${JSON.stringify(id)})` };
}
