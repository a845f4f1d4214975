// The lesson's claims as the lab states them, and where each one's line is drawn: every claim's text in
// the lesson's words, the thresholds its verdict is decided by, and which claims a Compare tests. The one
// place for the thresholds (verdicts.ts decides with them; docs/API.md lists them). Pure data and one
// pure function: no DOM, no clock.

/** Below this, a mode gave no speedup (CPython's threads: 0.89x; asyncio: 1.0x). */
export const NO_SPEEDUP_BELOW = 1.25;
/** At least this in every round, a mode used more than one core (CPython's processes on 2 cores: 1.57x).
 * One core cannot give it on pure computation (threads under the GIL: 0.89x-1.0x; a process pool on one
 * core pays its start-up on top), so 0.15 is the margin for a round's noise. It was 1.25, the line of
 * NO_SPEEDUP_BELOW, until fresh pages on a quiet machine showed `processes` at defaults (a pool started
 * anew each run, as `with Pool()` does, for about 0.6 s of work) at a median 1.49x with single rounds at
 * 1.21x-1.24x: the claim left open where CPython and the lab both bear it out. */
export const USES_CORES_FROM = 1.15;
/** Mixed work: the winner is faster than each mode it must beat (the "wins"), in every round. A
 * tie rounds both ways and stays inconclusive. */
export const WINS_BY = 1.0;
/** A sequential run shorter than this is too small to tell anything (timer noise, start-up). */
export const TINY_WORK_MS = 100;
/** The probe found less parallelism than this share of the cores: the machine is busy. Measured on this
 * project's 2-core virtual machine, one probe at a time: idle, mostly 1.85 to 2.0 with one in five at 1.6
 * (the host takes a core for a moment); with one core held by another program, mostly 1.0 to 1.1 with a
 * few at 1.3 to 1.6. The median of a Compare's probes (the mean of the middle two for an even count)
 * read idle CI pages at 1.71 to 1.74 and a held core at up to 1.56: 0.8 lies between. */
export const BUSY_SHARE = 0.8;
/**
 * Claims that other programs' load can turn against the lesson, so each is `not-borne-out` only when every
 * counted round's probes (before it, between its runs, after it) read the machine idle, else `inconclusive`
 * with the busy reason (docs/CONTRACT.md, `claims`): those whose "borne out" needs cores others can take
 * (processes, C code that releases the GIL, the free-threaded build and subinterpreters using more than one
 * core; the computing-heavy pipeline won by processes; the convoy's, which need the CPU-bound thread on a
 * core whenever the GIL comes free), and the claims of no speedup on CPU work: a burst of another program
 * during a sequential run and not during the threads' makes the threads look faster (a build's pattern,
 * simulated in tests/unit/procedure.test.mjs, gave threads-gil 1.42x in a Compare's one counted round).
 */
export const NEEDS_IDLE_MACHINE: readonly string[] = [
  'threads-gil-cpu',
  'asyncio-cpu',
  'processes-cpu',
  'releases-gil-cpu',
  'free-threaded-cpu',
  'interpreters-cpu',
  'mixed-cpu-heavy-processes',
  'convoy-effect',
  'convoy-interval',
  'convoy-free-threaded',
];
/** Items crossing to each task from which the Compare tests `interpreters-data` (the 100,000;
 * CPython 3.15rc1: summing 400,000 items across 4 interpreters took 255 ms, 8 ms on threads). */
export const DATA_HEAVY_ITEMS = 100_000;
/** The convoy effect: the I/O thread beside CPU-bound threads at least this many times slower than alone
 * (switch interval 5 ms). CPython here: 196 ms against 0.6 ms for 200 socket round trips (PYTHON-MODEL.md);
 * 1015 ms against 34 ms for 200 sleeps of 100 µs, the lab's own program (bench). */
export const CONVOY_SLOWER_FROM = 10;
/** The switch interval the convoy claim is made at: CPython's default. */
export const CONVOY_INTERVAL_MS = 5;
/** A shorter interval slows the I/O thread less: at 5 ms at least this many times slower than at 1 ms
 * (CPython here: 196 / 55 ms for socket round trips; 1015 / 255 ms for 100 µs sleeps). */
export const CONVOY_INTERVAL_GAIN = 1.25;
/** Without the GIL the I/O thread is under this many times slower than alone. */
export const CONVOY_FREE_UNDER = 2;

/** Each claim in the lesson's words, by id: what a page shows before (and beside) a verdict. */
export const CLAIM_TEXT: Record<string, string> = {
  'threads-gil-cpu':
    'Threads do not speed up CPU-bound work: the GIL lets one thread run Python at a time, so they use one core.',
  'asyncio-cpu':
    'asyncio gives CPU-bound work no speedup: it is one thread, and a coroutine that never awaits runs to its end before the next one starts.',
  'processes-cpu':
    'Processes use more than one core on CPU-bound work: each has its own interpreter and its own GIL.',
  'releases-gil-cpu':
    'C code that releases the GIL (NumPy\'s array loops, hashlib, zlib) runs on more than one core from threads: the GIL is taken only at the call\'s ends.',
  'free-threaded-cpu':
    'Free-threaded Python (3.14t) runs threads on more than one core on CPU-bound work: it has no GIL.',
  'interpreters-cpu':
    'Subinterpreters (3.14, InterpreterPoolExecutor) run CPU-bound work on more than one core: each interpreter has its own GIL.',
  'interpreters-start':
    'Starting an interpreter costs less than starting a process: it is a new interpreter in the same process, on a thread.',
  'interpreters-data':
    'When large data must cross, subinterpreters are slower than threads: every argument is pickled into the interpreter and unpickled there, item by item, where threads share memory.',
  'asyncio-io':
    'asyncio runs many waiting tasks at once on one thread: while one waits, the event loop runs another.',
  'threads-io':
    'Threads help I/O-bound work: a thread lets go of the GIL while it waits.',
  'mixed-cpu-heavy-processes':
    'A pipeline whose computing outweighs its waiting is work for processes ("multiprocessing for data preprocessing pipelines"): they beat sequential, asyncio and threads.',
  'mixed-io-heavy-asyncio':
    'A pipeline whose waiting outweighs its computing is work for asyncio ("asyncio for web/API integration"): it beats sequential and processes (threads may tie).',
  'convoy-effect':
    'Beside a CPU-bound thread, an I/O thread under the GIL is at least 10× slower than alone (switch interval 5 ms): each blocking call gives up the GIL and must win it back.',
  'convoy-interval':
    'A shorter switch interval (1 ms) slows the I/O thread less: the CPU-bound thread is asked to let go sooner.',
  'convoy-free-threaded':
    'Without the GIL (free-threaded 3.14t) the I/O thread beside a CPU-bound thread is not held up: under 2× its time alone.',
};

/** The claims a Compare of work of this class tests (before it runs). */
export const CLAIMS_BY_CLASS: Record<'cpu' | 'io' | 'mixed', string[]> = {
  // `rayon` is native code with no Python in it, the hardware's ceiling: shown, with no claim of its own.
  // A Compare whose threads-gil run is C code that releases the GIL tests `releases-gil-cpu` in place of
  // `threads-gil-cpu`.
  cpu: ['threads-gil-cpu', 'asyncio-cpu', 'processes-cpu', 'free-threaded-cpu', 'interpreters-cpu'],
  io: ['asyncio-io', 'threads-io'],
  mixed: ['mixed-cpu-heavy-processes', 'mixed-io-heavy-asyncio'],
};

/** The mode each claim measures against sequential (`interpreters-start` also needs `processes`, and
 * `interpreters-data` `threads-gil`): a single run of that mode shows the claim it bears on. */
export const CLAIM_MODE: Record<string, string> = {
  'threads-gil-cpu': 'threads-gil',
  'asyncio-cpu': 'asyncio',
  'processes-cpu': 'processes',
  'releases-gil-cpu': 'threads-gil',
  'free-threaded-cpu': 'free-threaded',
  'interpreters-cpu': 'interpreters',
  'interpreters-start': 'interpreters',
  'interpreters-data': 'interpreters',
  'asyncio-io': 'asyncio',
  'threads-io': 'threads-gil',
  'mixed-cpu-heavy-processes': 'processes',
  'mixed-io-heavy-asyncio': 'asyncio',
  'convoy-effect': 'threads-gil',
  'convoy-interval': 'threads-gil',
  'convoy-free-threaded': 'free-threaded',
};

/**
 * The claims a Compare of `spec`'s work tests, before it runs, as `claims` will pick them: convoy's own;
 * for CPU work, `releases-gil-cpu` in place of `threads-gil-cpu` when the work releases the GIL, and
 * `interpreters-data` in place of `interpreters-cpu` when large data crosses. (`convoy-interval` needs
 * two Compares, at two switch intervals: a chapter's.)
 */
export function claimsToTest(spec: { workload?: unknown; releasesGil?: unknown; inputItems?: unknown }, cls: 'cpu' | 'io' | 'mixed'): string[] {
  if (spec.workload === 'convoy') return ['convoy-effect', 'convoy-free-threaded'];
  if (cls !== 'cpu') return CLAIMS_BY_CLASS[cls];
  const replaced: Record<string, string | false> = {
    'threads-gil-cpu': (spec.releasesGil === true || spec.releasesGil === 'true') && 'releases-gil-cpu',
    'interpreters-cpu': Number(spec.inputItems) >= DATA_HEAVY_ITEMS && 'interpreters-data',
  };
  return [...CLAIMS_BY_CLASS.cpu.map((id) => replaced[id] || id), 'interpreters-start'];
}

/** The ids of every claim the lab can decide (docs/API.md lists them with their thresholds). */
export const CLAIM_IDS = Object.keys(CLAIM_TEXT);
