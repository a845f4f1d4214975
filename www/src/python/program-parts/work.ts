// The work of one task, as the workload does it (src/core/workload/*.rs): the kernels (is_prime,
// escape), the request with its injected fault and its timeout, the panic, and `work(i)` itself, async
// under asyncio, receiving its data under interpreters.

import { inputItems, type Plan } from './plan';
import { indent, join } from './python-text';

/** The primes kernel (src/core/workload/kernels.rs `count_primes`), as Python. */
export const IS_PRIME = `def is_prime(n):
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

/** Everything before the driver: the kernels the work calls, the request, and `work` itself. */
export function helpers(p: Plan): string {
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
