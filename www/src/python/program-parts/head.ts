// A program's first parts: the header (what ran, what it needs, where Python differs from the lab's
// row), the imports (the standard library first, aiohttp apart), and the run's values as constants.

import { inputItems, switchInterval, THREAD_MODES, type Plan } from './plan';
import { comment, join, pyNum, seconds, specText } from './python-text';

/** The header: what ran, what it needs, and where the Python is not what the lab ran. */
export function header(p: Plan): string {
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

/** The imports, sorted, with aiohttp (the one that is not the standard library) apart. */
export function imports(p: Plan): string {
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

/** The run's values as Python constants, with FAILING when tasks fail. */
export function constants(p: Plan): string {
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
