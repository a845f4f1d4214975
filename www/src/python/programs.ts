// The Python program that does what a lab run did: from a validated spec (defaults filled in, as the
// engine returns it) to a whole, runnable Python 3 program (3.11+) with the run's values in it, for the
// learner to copy and run beside the lab. Pure: no DOM, no engine; strings in, a string out.
//
// Each program has the same parts, in this order: a header (what ran, what it needs), the imports, the
// run's values as constants, the work of one task (as the workload does it: src/core/workload/*.rs), the
// driver (as the mode runs the tasks, with onError as Python writes it: src/core/faults.rs `OnError::python`),
// and the output (the results, the lab's `value`, the wall time). The Python is written out in template
// literals below, so that it reads as Python here. tests/python/programs.test.mjs runs the programs in CPython
// against the lab's server and checks that each prints the value the lab computes for the same spec.
//
// Where Python cannot do exactly what the lab models, the program says so in a comment:
// - `rayon` is native code with no Python in it: the closest Python is the ThreadPoolExecutor of
//   `threads-gil`, with a note that its speedup needs python3.14t or C code that releases the GIL.
// - `faults.kind = "panic"` crashes the lab's engine (an EngineError); in Python it is a RuntimeError that
//   onError handles like any other exception.
// - `multiprocessing.Pool.map` waits for every task and raises the first failure *in time*; the lab's
//   `raise` is Executor.map's (the first failure *in task order*, as the caller reaches it), so a run with
//   faults uses `imap`, which hands the results back in order.
// - urllib's `HTTPError` cannot be unpickled (it needs five constructor arguments), which would hang
//   `multiprocessing.Pool`; under `processes` an error status is re-raised as a plain `URLError`.
// - `time.sleep` takes no timeout: as the lab does, a sleep longer than timeoutMs sleeps the timeout and
//   raises TimeoutError. urlopen's `timeout` bounds each socket operation, not the whole request (the
//   endpoint sends its answer in one piece, so here the two agree).
// - Which tasks fail is computed here, by the lab's own seeded shuffle (`failingTasks`, a port of
//   `Faults::failing`), and written into the program as the constant FAILING.

/** A spec as the engine returns it from `validate` (API.md "The spec"). */
export interface ProgramSpec {
  workload: string;
  mode: string;
  tasks: number;
  size?: number;
  iterations?: number;
  latencyMs?: number;
  workers?: number;
  switchIntervalMs?: number;
  faults?: { kind: string; rate: number; seed: number };
  timeoutMs?: number;
  onError?: string;
  [field: string]: unknown;
}

export interface ProgramOptions {
  /** The lab's address: the program calls `<baseUrl>api/delay?ms=M&tag=ID`. Default `http://127.0.0.1:8080/`. */
  baseUrl?: string;
  /** The ids of the tasks that fail; by default computed from `spec.faults` as the lab does. */
  failing?: number[];
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/';

/** Python's default switch interval (`sys.getswitchinterval()`), in ms. */
const DEFAULT_SWITCH_INTERVAL_MS = 5;

const NETWORK_WORKLOADS = ['io-fetch', 'mixed-pipeline'];
const THREAD_MODES = ['threads-gil', 'free-threaded', 'rayon', 'interpreters'];

/**
 * The tasks that fail: exactly `round(rate * tasks)` of them, picked by the lab's seeded shuffle
 * (src/core/faults.rs `Faults::failing`: SplitMix64 and a Fisher-Yates shuffle). Sorted ids.
 */
export function failingTasks(faults: { rate: number; seed: number }, tasks: number): number[] {
  const n = tasks;
  const k = Math.min(Math.round(faults.rate * tasks), n);
  const order = Array.from({ length: n }, (_, i) => i);
  const mask = (1n << 64n) - 1n;
  let state = BigInt(faults.seed) & mask;
  const next = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return z ^ (z >> 31n);
  };
  for (let i = n - 1; i >= 1; i--) {
    const j = Number(next() % BigInt(i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, k).sort((a, b) => a - b);
}

/** Indents every non-empty line of `text` by `n` spaces. */
function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

/** Joins the parts that are present with `sep`. */
function join(parts: (string | false | undefined | null)[], sep = '\n'): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(sep);
}

/** A number as a Python literal (the spec's numbers are small and finite). */
function pyNum(x: number): string {
  return String(x);
}

/** Seconds from milliseconds, as a Python literal. */
function seconds(ms: number): string {
  return pyNum(ms / 1000);
}

interface Plan {
  spec: ProgramSpec;
  workload: string;
  mode: string;
  isAsync: boolean;
  network: boolean;
  onError: string;
  faultKind?: string;
  failing?: number[];
  timeout: boolean;
  baseUrl: string;
}

function plan(spec: ProgramSpec, options: ProgramOptions): Plan {
  const known = ['cpu-primes', 'cpu-mandelbrot', 'io-fetch', 'io-sleep', 'mixed-pipeline'];
  if (!known.includes(spec.workload)) throw new Error(`no Python program for workload "${spec.workload}"`);
  const modes = ['sequential', 'asyncio', 'processes', ...THREAD_MODES];
  if (!modes.includes(spec.mode)) throw new Error(`no Python program for mode "${spec.mode}"`);
  const network = NETWORK_WORKLOADS.includes(spec.workload);
  const io = network || spec.workload === 'io-sleep';
  // The engine keeps network faults only for workloads that make requests; `panic` applies to all.
  const faults = spec.faults && (spec.faults.kind === 'panic' || network) ? spec.faults : undefined;
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  return {
    spec,
    workload: spec.workload,
    mode: spec.mode,
    isAsync: spec.mode === 'asyncio',
    network,
    onError: spec.onError ?? 'raise',
    faultKind: faults?.kind,
    failing: faults ? [...(options.failing ?? failingTasks(faults, spec.tasks))].sort((a, b) => a - b) : undefined,
    timeout: io && typeof spec.timeoutMs === 'number',
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Header, imports, constants

/** `text` as comment lines of at most `width` characters, broken at spaces. */
function comment(text: string, width = 99): string {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length > 1 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '#  ';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The spec as a Python-style dict, `{"k": v, ...}`, so it wraps at its spaces. */
function specText(spec: ProgramSpec): string {
  return JSON.stringify(spec).replace(/([,:])(?=["{\d-])/g, '$1 ');
}

function header(p: Plan): string {
  const { spec } = p;
  const needs = [
    `Python 3.11 or newer${p.mode === 'interpreters' ? ' (this mode: 3.14 or newer)' : ''}.`,
    p.network && p.isAsync && 'Needs aiohttp (pip install aiohttp).',
    p.network && "Calls the lab's latency endpoint at BASE_URL.",
  ];
  const parts = [
    comment(`What the Concurrency Lab ran, as a Python program: ${spec.workload}, mode ${spec.mode}, ${spec.tasks} task${spec.tasks === 1 ? '' : 's'}.`),
    comment(`Lab spec: ${specText(spec)}`),
    comment(join(needs, ' ')),
  ];
  if (p.mode === 'rayon') {
    parts.push(
      '#',
      comment(
        'The lab\'s "rayon" row is not Python: it is native parallel code (Rust threads sharing memory, ' +
          "no GIL), the hardware's ceiling. This is the closest Python, the ThreadPoolExecutor of the " +
          '"threads-gil" row. On CPU work it gets rayon\'s speedup only on the free-threaded build ' +
          '(python3.14t), or when the work is C code that releases the GIL (NumPy, for one).',
      ),
    );
  }
  if (p.mode === 'free-threaded') {
    parts.push(
      '#',
      comment(
        'Run it with the free-threaded build (python3.14t): with no GIL the threads run Python in ' +
          'parallel. On a default build it still runs, one thread at a time.',
      ),
    );
  }
  if (p.faultKind === 'panic') {
    parts.push(
      '#',
      comment(
        'faults.kind = "panic" crashes the lab\'s engine, which then restarts. In Python it is an ' +
          'ordinary exception, raised where the lab panics: at the start of each failing task.',
      ),
    );
  }
  return parts.join('\n');
}

function imports(p: Plan): string {
  const plain = new Set<string>(['time']);
  const from: string[] = [];
  if (p.isAsync) plain.add('asyncio');
  if (p.network && !p.isAsync) {
    plain.add('json');
    plain.add('urllib.request');
    if (p.mode === 'processes' && p.faultKind === 'status') plain.add('urllib.error');
  }
  if (p.mode === 'processes') plain.add('multiprocessing');
  if (p.mode === 'threads-gil' && switchInterval(p) !== undefined) plain.add('sys');
  if (THREAD_MODES.includes(p.mode)) {
    from.push(`from concurrent.futures import ${p.mode === 'interpreters' ? 'InterpreterPoolExecutor' : 'ThreadPoolExecutor'}`);
  }
  const stdlib = [...[...plain].sort().map((m) => `import ${m}`), ...from].join('\n');
  return p.network && p.isAsync ? `${stdlib}\n\nimport aiohttp` : stdlib;
}

function switchInterval(p: Plan): number | undefined {
  const ms = p.spec.switchIntervalMs;
  return p.mode === 'threads-gil' && typeof ms === 'number' && ms !== DEFAULT_SWITCH_INTERVAL_MS ? ms : undefined;
}

function constants(p: Plan): string {
  const { spec } = p;
  const lines: string[] = [`TASKS = ${spec.tasks}`];
  switch (p.workload) {
    case 'cpu-primes':
      lines.push(`N = ${spec.size}  # count the primes below N`);
      break;
    case 'cpu-mandelbrot':
      lines.push(
        `SIZE = ${spec.size}  # the image is SIZE x SIZE pixels`,
        `MAX_ITER = ${spec.iterations}`,
        'X0, Y0, SPAN = -2.1, -1.3, 2.6  # the square of the complex plane drawn',
      );
      break;
    case 'io-fetch':
    case 'io-sleep':
      lines.push(`LATENCY_MS = ${spec.latencyMs}`);
      break;
    case 'mixed-pipeline':
      lines.push(`LATENCY_MS = ${spec.latencyMs}`, `WINDOW = ${spec.size}  # task i counts the primes in [i * WINDOW, (i + 1) * WINDOW)`);
      break;
  }
  if (p.mode !== 'sequential' && p.mode !== 'asyncio' && typeof spec.workers === 'number') lines.push(`WORKERS = ${spec.workers}`);
  if (inputItems(p)) {
    lines.push(
      `INPUT_ITEMS = ${inputItems(p)}  # integers each task receives: pickled into its interpreter, item by item`,
      'DATA = list(range(INPUT_ITEMS))',
    );
  }
  if (p.timeout) lines.push(`TIMEOUT_S = ${seconds(spec.timeoutMs as number)}  # per ${p.network ? 'request' : 'sleep'}`);
  if (p.network) lines.push(`BASE_URL = ${JSON.stringify(p.baseUrl)}`);
  if (p.failing) {
    const f = spec.faults as { kind: string; rate: number; seed: number };
    lines.push(
      comment(`The tasks that fail: round(${pyNum(f.rate)} x ${spec.tasks}) = ${p.failing.length}, picked as the lab picks them (seed ${f.seed}).`),
      `FAILING = ${p.failing.length ? `{${p.failing.join(', ')}}` : 'set()'}`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The work of one task

const IS_PRIME = `def is_prime(n):
    """Trial division by 2 and the odd numbers up to the square root."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_primes(lo, hi):
    return sum(is_prime(n) for n in range(lo, hi))`;

const ESCAPE = `def escape(cx, cy, max_iter):
    """Iterations before the point leaves the radius-2 disc (max_iter if it never does)."""
    x = y = 0.0
    for i in range(max_iter):
        if x * x + y * y > 4.0:
            return i
        x, y = x * x - y * y + cx, 2 * x * y + cy
    return max_iter`;

const FAULT_TEXT: Record<string, string> = {
  status: 'the server answers 503',
  reset: 'the server drops the connection',
  hang: 'the server never answers',
};

function urlFor(p: Plan): string {
  const url = 'f"{BASE_URL}api/delay?ms={LATENCY_MS}&tag={i}"';
  if (!p.failing || p.faultKind === 'panic') {
    return `def url_for(i):
    return ${url}`;
  }
  return `def url_for(i):
    url = ${url}
    if i in FAILING:
        url += "&fail=${p.faultKind}"  # the lab's injected fault: ${FAULT_TEXT[p.faultKind as string]}
    return url`;
}

function callApi(p: Plan): string {
  if (p.isAsync) {
    return `async def call_api(session, url):
    # One session for all the requests, passed in: it keeps a pool of connections. The lesson's
    # snippet opens a session per call; that works, but is an anti-pattern (a new pool each time).
    async with session.get(url) as response:
        response.raise_for_status()  # an error status raises ClientResponseError
        return await response.json()`;
  }
  const open = p.timeout ? 'urllib.request.urlopen(url, timeout=TIMEOUT_S)' : 'urllib.request.urlopen(url)';
  if (p.mode === 'processes' && p.faultKind === 'status') {
    return `def call_api(url):
    # urlopen blocks until the answer arrives. It raises HTTPError on a 503, which cannot be
    # unpickled in the parent process (multiprocessing would hang): send a plain URLError instead.
    try:
        with ${open} as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        raise urllib.error.URLError(f"HTTP Error {e.code}: {e.reason}") from None`;
  }
  return `def call_api(url):
    # urlopen blocks until the answer arrives${p.mode === 'sequential' ? '' : ' (the thread releases the GIL while it waits)'}.
    with ${open} as response:
        return json.load(response)`;
}

function panicCheck(p: Plan): string | undefined {
  if (p.faultKind !== 'panic') return undefined;
  return `if i in FAILING:
    raise RuntimeError(f"injected panic in task {i}")`;
}

/** The body of `work(i)` (or `async def work(session, i)`), without its `def` line. */
function workBody(p: Plan): string {
  const fetch = p.isAsync
    ? p.timeout
      ? 'await asyncio.wait_for(call_api(session, url_for(i)), timeout=TIMEOUT_S)'
      : 'await call_api(session, url_for(i))'
    : 'call_api(url_for(i))';
  switch (p.workload) {
    case 'cpu-primes':
      return `# Task i's contiguous share of range(N).
lo, hi = N * i // TASKS, N * (i + 1) // TASKS
return count_primes(lo, hi)`;
    case 'cpu-mandelbrot':
      return `# Task i's band of rows; returns the band's total iterations.
scale = SPAN / SIZE
total = 0
for row in range(SIZE * i // TASKS, SIZE * (i + 1) // TASKS):
    cy = Y0 + row * scale
    total += sum(escape(X0 + px * scale, cy, MAX_ITER) for px in range(SIZE))
return total`;
    case 'io-fetch':
      return `return ${fetch}`;
    case 'io-sleep':
      if (p.isAsync) {
        const sleep = 'asyncio.sleep(LATENCY_MS / 1000)';
        return `# A timer, not a blocked thread: the event loop runs the other tasks meanwhile.
${p.timeout ? `await asyncio.wait_for(${sleep}, timeout=TIMEOUT_S)` : `await ${sleep}`}
return LATENCY_MS`;
      }
      return join([
        p.timeout &&
          `# time.sleep takes no timeout: as the lab does, sleep for the timeout, then raise.
if LATENCY_MS / 1000 > TIMEOUT_S:
    time.sleep(TIMEOUT_S)
    raise TimeoutError(f"the sleep of {LATENCY_MS} ms outlasted the timeout")`,
        `time.sleep(LATENCY_MS / 1000)${p.mode === 'sequential' ? '' : '  # releases the GIL while it sleeps'}
return LATENCY_MS`,
      ]);
    case 'mixed-pipeline':
      return `reply = ${fetch}
# Then compute on it: ${
        p.isAsync
          ? 'no await from here on, so this task holds the event loop to the end.'
          : p.mode === 'sequential'
            ? 'count the primes in this task\'s own window.'
            : p.mode === 'processes'
              ? 'each process counts with its own GIL, in parallel.'
              : 'Python code holds the GIL while it counts.'
      }
lo = i * WINDOW
return reply["delayMs"], count_primes(lo, lo + WINDOW)`;
  }
  throw new Error(`no Python program for workload "${p.workload}"`);
}

/** `inputItems`: the integers each task receives, where they cross (`interpreters`); 0 elsewhere. */
const inputItems = (p: Plan): number => (p.mode === 'interpreters' && typeof p.spec.inputItems === 'number' ? p.spec.inputItems : 0);

function workDef(p: Plan): string {
  const cpu = p.workload.startsWith('cpu-');
  const signature = p.isAsync ? (p.network ? 'async def work(session, i):' : 'async def work(i):') : inputItems(p) ? 'def work(i, data):' : 'def work(i):';
  const note =
    p.isAsync && cpu
      ? '# No await inside: a coroutine runs until it awaits, so each task keeps the thread to its end.'
      : p.mode === 'processes'
        ? '# Defined at module level: a worker process finds it by name when it unpickles the task.'
        : undefined;
  const received = inputItems(p) ? 'assert len(data) == INPUT_ITEMS  # a copy, unpickled in this interpreter' : undefined;
  return `${signature}\n${indent(join([note, received, panicCheck(p), workBody(p)]), 4)}`;
}

function helpers(p: Plan): string {
  return join(
    [
      (p.workload === 'cpu-primes' || p.workload === 'mixed-pipeline') && IS_PRIME,
      p.workload === 'cpu-mandelbrot' && ESCAPE,
      p.network && urlFor(p),
      p.network && callApi(p),
      workDef(p),
    ],
    '\n\n\n',
  );
}

// ---------------------------------------------------------------------------------------------------
// The output: the results, the lab's value, the wall time

function output(p: Plan): string {
  const collected = p.onError === 'return-exceptions';
  const ok = collected ? 'ok' : 'results';
  const value: Record<string, string> = {
    'cpu-primes': `print(f"primes below {N}: {sum(${ok})}")`,
    'cpu-mandelbrot': `print(f"iterations: {sum(${ok})}")`,
    'io-fetch': `print(f"delay reported (ms): {sum(r['delayMs'] for r in ${ok})}")`,
    'io-sleep': `print(f"slept (ms): {sum(${ok})}")`,
    // The lab adds up what each step of a task returns: the delay the server reported, then the count.
    'mixed-pipeline': `print(f"primes: {sum(n for _, n in ${ok})}")
print(f"lab value (delay ms + primes): {sum(ms + n for ms, n in ${ok})}")`,
  };
  const showList = collected || !p.workload.startsWith('cpu-');
  return join([
    showList && 'print(results)',
    collected &&
      `ok = [r for r in results if not isinstance(r, Exception)]
print(f"{TASKS - len(ok)} of {TASKS} tasks failed")`,
    value[p.workload],
    'print(f"wall time: {elapsed:.3f} s")',
  ]);
}

// ---------------------------------------------------------------------------------------------------
// The driver, per mode and onError

function asyncDriver(p: Plan): string {
  const call = p.network ? 'work(session, i)' : 'work(i)';
  let run: string;
  if (p.onError === 'task-group') {
    run = `# TaskGroup (3.11+): the first failure cancels the other tasks, and every exception is
# raised together in an ExceptionGroup.
async with asyncio.TaskGroup() as tg:
    running = [tg.create_task(${call}) for i in range(TASKS)]
results = [t.result() for t in running]`;
  } else if (p.onError === 'return-exceptions') {
    run = `# gather runs each coroutine as a task on the one event loop; return_exceptions=True
# makes a failure that task's result instead of raising it.
results = await asyncio.gather(
    *(${call} for i in range(TASKS)), return_exceptions=True
)`;
  } else {
    run = `# gather runs each coroutine as a task on the one event loop; results come in task order.
# The first exception is raised here at once; the other tasks are not cancelled.
results = await asyncio.gather(*(${call} for i in range(TASKS)))`;
  }
  const timed = p.network
    ? `async with aiohttp.ClientSession() as session:\n${indent(run, 4)}`
    : run;
  return `async def main():
    start = time.perf_counter()
${indent(timed, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    asyncio.run(main())`;
}

function gilNote(p: Plan): string {
  if (p.mode === 'interpreters') {
    return `# Each worker thread runs its own interpreter with its own GIL (3.14+): CPU work runs in
# parallel; work and its argument are pickled to the interpreter, and its result back.`;
  }
  if (p.mode === 'free-threaded') return '# No GIL on python3.14t: the threads run Python in parallel.';
  if (p.spec.releasesGil === true && p.mode === 'threads-gil') {
    return `# The lab ran this work as C code that releases the GIL (releasesGil), as NumPy's array loops,
# hashlib and zlib do: the threads then compute in parallel. Written in pure Python, as below,
# the work holds the GIL and the threads take turns; with NumPy it would be, for example,
#     count = np.count_nonzero(sieve[lo:hi])  # the loop runs in C, outside the GIL`;
  }
  if (p.workload.startsWith('cpu-')) {
    return `# The threads share one GIL: only one runs Python at a time, so CPU-bound work gets no
# faster (the lesson's "only one core").`;
  }
  if (p.workload === 'mixed-pipeline') {
    return `# A thread releases the GIL while it waits, so the waits overlap; the counting does not,
# since only one thread at a time holds the GIL.`;
  }
  return '# A thread releases the GIL while it waits, so the waits overlap.';
}

function executorDriver(p: Plan): string {
  const executor = p.mode === 'interpreters' ? 'InterpreterPoolExecutor' : 'ThreadPoolExecutor';
  const pool = `with ${executor}(${typeof p.spec.workers === 'number' ? 'max_workers=WORKERS' : ''}) as pool:`;
  const run =
    p.onError === 'return-exceptions'
      ? `${pool}
    futures = [pool.submit(work, i${inputItems(p) ? ', DATA' : ''}) for i in range(TASKS)]
# Leaving the with block waited for every task: collect each one's result or exception.
results = [f.exception() or f.result() for f in futures]`
      : `${pool}
    # map hands back the results in task order; the first failure in that order is raised
    # when reached, and tasks not yet started are cancelled.
    results = list(pool.map(work, range(TASKS)${inputItems(p) ? ', [DATA] * TASKS' : ''}))`;
  const interval = switchInterval(p);
  return `def main():
${interval !== undefined ? `    sys.setswitchinterval(${seconds(interval)})  # the GIL's hand-over interval (default 0.005 s)\n` : ''}    start = time.perf_counter()
${indent(gilNote(p), 4)}
${indent(run, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    main()`;
}

function processDriver(p: Plan): string {
  const pool = `with multiprocessing.Pool(${typeof p.spec.workers === 'number' ? 'processes=WORKERS' : ''}) as pool:`;
  let run: string;
  if (p.onError === 'return-exceptions') {
    run = `${pool}
    pending = [pool.apply_async(work, (i,)) for i in range(TASKS)]
    results = []
    for r in pending:
        try:
            results.append(r.get())
        except Exception as e:  # the worker's exception, pickled back
            results.append(e)`;
  } else if (p.failing) {
    run = `${pool}
    # imap hands back the results in task order, so the first failure in that order is raised
    # as soon as it is reached (as Executor.map does); pool.map would wait for every task.
    results = list(pool.imap(work, range(TASKS)))`;
  } else {
    run = `${pool}
    results = pool.map(work, range(TASKS), chunksize=1)  # one task per message`;
  }
  const why =
    p.workload === 'io-fetch' || p.workload === 'io-sleep'
      ? '# Each worker is a separate Python process: the waits of different workers overlap.'
      : '# Each worker is a separate Python process with its own GIL, so CPU work runs in parallel.';
  return `def main():
    start = time.perf_counter()
    ${why}
    # work and i are pickled to a worker, and the result pickled back.
${indent(run, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    # Workers start by fork on Linux up to 3.13, forkserver from 3.14, spawn on macOS and Windows
    # (as in the lab, where each one loads its own engine). A spawned worker imports this file
    # anew: the guard keeps it from starting a pool of its own.
    main()`;
}

function sequentialDriver(p: Plan): string {
  const run =
    p.onError === 'return-exceptions'
      ? `results = []
for i in range(TASKS):
    try:
        results.append(work(i))
    except Exception as e:  # the failure becomes the task's result; the loop goes on
        results.append(e)`
      : `# One task after another; the first exception ends the loop.
results = [work(i) for i in range(TASKS)]`;
  return `def main():
    start = time.perf_counter()
${indent(run, 4)}
    elapsed = time.perf_counter() - start
${indent(output(p), 4)}


if __name__ == "__main__":
    main()`;
}

function driver(p: Plan): string {
  if (p.isAsync) return asyncDriver(p);
  if (p.mode === 'sequential') return sequentialDriver(p);
  if (p.mode === 'processes') return processDriver(p);
  return executorDriver(p);
}

/** The whole Python program for `spec`: the same tasks, run the way the spec's mode runs them. */
export function pythonProgram(spec: ProgramSpec, options: ProgramOptions = {}): string {
  if (spec.workload === 'convoy') return convoyProgram(spec);
  const p = plan(spec, options);
  return `${header(p)}\n\n${imports(p)}\n\n${constants(p)}\n\n\n${helpers(p)}\n\n\n${driver(p)}\n`;
}

// ---------------------------------------------------------------------------------------------------
// The convoy effect (src/core/workload/convoy.rs): task 0 is the I/O thread, tasks 1..=cpuThreads the
// CPU-bound threads, all run at once (one thread each), as the lab runs them.

function convoyProgram(spec: ProgramSpec): string {
  const mode = spec.mode;
  if (!['sequential', 'threads-gil', 'free-threaded'].includes(mode)) throw new Error(`no Python program for convoy under mode "${mode}"`);
  const cpu = Number(spec.cpuThreads);
  const us = Number(spec.blockingUs);
  const threads = mode !== 'sequential';
  const interval = typeof spec.switchIntervalMs === 'number' ? spec.switchIntervalMs : DEFAULT_SWITCH_INTERVAL_MS;
  const parts = [
    comment(`What the Concurrency Lab ran, as a Python program: convoy, mode ${mode}: one I/O thread making short blocking calls beside ${cpu} CPU-bound thread${cpu === 1 ? '' : 's'}.`),
    comment(`Lab spec: ${specText(spec)}`),
    comment(
      'Python 3.11 or newer. The convoy effect (Beazley, 2010; bpo-7946): each blocking call gives up the GIL, ' +
        'and the I/O thread must win it back from a CPU-bound thread, which may keep it for a whole switch interval.',
    ),
  ];
  if (mode === 'free-threaded') parts.push('#', comment('Run it with the free-threaded build (python3.14t): with no GIL the I/O thread waits for no one.'));
  if (mode === 'sequential') parts.push('#', comment('No threads: the calls run alone on the main thread, and the CPU-bound loops find them done.'));
  const header = parts.join('\n');
  const imports = join(['import math', mode === 'threads-gil' && 'import sys', 'import threading', 'import time', threads && 'from concurrent.futures import ThreadPoolExecutor']);
  const constants = join([
    `TASKS = ${spec.tasks}  # task 0 is the I/O thread${cpu === 1 ? ', task 1 the CPU-bound one' : cpu > 1 ? `, tasks 1..${cpu} the CPU-bound ones` : ''}`,
    `CALLS = ${spec.calls}`,
    `BLOCKING_S = ${pyNum(us / 1e6)}  # each blocking call: ${us} µs`,
    threads && `WORKERS = ${spec.tasks}  # one thread per task: all run at once`,
  ]);
  const work = `done = threading.Event()
latencies = []  # each call's, ms: from its start until the thread runs Python again
io_ms = []


${IS_PRIME.split('\n\n\n')[0]}


def work(i):
    if i == 0:
        # The I/O thread: short blocking calls, one after another.
        io_start = time.perf_counter()
        for _ in range(CALLS):
            start = time.perf_counter()
            time.sleep(BLOCKING_S)  # blocks${threads ? ', and releases the GIL while it waits' : ''}
            # This line runs only once the thread ${mode === 'threads-gil' ? 'holds the GIL again' : 'runs Python again'}.
            latencies.append((time.perf_counter() - start) * 1000)
        io_ms.append((time.perf_counter() - io_start) * 1000)
        done.set()
        return CALLS
    # A CPU-bound thread: pure Python until the I/O thread is done.${mode === 'threads-gil' ? '\n    # It holds the GIL, and lets go when a waiting thread asks (after the switch interval).' : ''}
    n = 2 + i
    while not done.is_set():
        is_prime(n)
        n = 2 if n >= 65535 else n + 1
    return 0


def percentile(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]`;
  const run = threads
    ? `with ThreadPoolExecutor(max_workers=WORKERS) as pool:
    results = list(pool.map(work, range(TASKS)))`
    : `results = [work(i) for i in range(TASKS)]`;
  const main = `def main():
${mode === 'threads-gil' ? `    sys.setswitchinterval(${seconds(interval)})  # the GIL's hand-over interval (default 0.005 s)\n` : ''}    start = time.perf_counter()
${indent(run, 4)}
    elapsed = time.perf_counter() - start
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"I/O thread: {io_ms[0]:.1f} ms in all; per call p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"calls made: {sum(results)}")
    print(f"wall time: {elapsed:.3f} s")


if __name__ == "__main__":
    main()`;
  return `${header}\n\n${imports}\n\n${constants}\n\n\n${work}\n\n\n${main}\n`;
}

// ---------------------------------------------------------------------------------------------------
// The lesson's own snippets, runnable

export const lessonSnippets = {
  /** The lesson's `fetch_data` (section 2) verbatim, sleeping `seconds` instead of 2. */
  fetchData({ seconds: s }: { seconds: number }): string {
    return `import asyncio

async def fetch_data():
    print("Start fetching...")
    await asyncio.sleep(${pyNum(s)}) # Non-blocking sleep
    print("Done!")

asyncio.run(fetch_data())
`;
  },
  /** The lesson's "Essential Snippet (Concurrent API Calls)" verbatim, with `urls` for its list. */
  concurrentApiCalls({ urls }: { urls: string[] }): string {
    return `import asyncio
import aiohttp

async def call_api(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()

async def main():
    urls = [${urls.map((u) => JSON.stringify(u)).join(', ')}]
    # Run ${urls.length === 2 ? 'both' : 'all of them'} simultaneously!
    results = await asyncio.gather(*(call_api(u) for u in urls))
    print(results)

asyncio.run(main())
`;
  },
};
