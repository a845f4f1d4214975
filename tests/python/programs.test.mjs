// Every program the page can show is real Python 3: the engine writes (src/core/python; asked through the
// single wasm build, loaded in node by lab-engine.mjs), for a sample of specs (every workload x every mode
// at tiny sizes, each onError where it applies, timeouts, faults), the program; each runs in CPython
// (bench/.venv, with aiohttp) against the lab's own server, must exit 0 (or raise the expected
// exception), and must print the value the lab computes for the same spec. The expected values come from
// small JS ports of the lab's kernels, which a first test checks against the lab's engine itself; the
// failing tasks are the program's FAILING, which the same test checks are the tasks the engine's runs
// fail. The lesson's two snippets run as well.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadTs } from '../unit/load-ts.mjs';
import { ROOT, startServer } from '../e2e/helpers.mjs';
import { ensureVenv } from '../../bench/lib/host.mjs';

const RUN_TIMEOUT_MS = 30_000;
const PARALLEL = 2;

let snippets;
let server;
let baseUrl;
let python;
let dir;

before(async () => {
  [{ lessonSnippets: snippets }, server] = await Promise.all([loadTs('www/src/lesson/snippets.ts'), startServer()]);
  baseUrl = server.url.endsWith('/') ? server.url : `${server.url}/`;
  ({ python } = ensureVenv());
  dir = await mkdtemp(path.join(os.tmpdir(), 'lab-python-'));
});

after(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------
// The lab's values, ported (src/core/workload/kernels.rs, mod.rs split_range)

function isPrime(n) {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
const countPrimes = (lo, hi) => {
  let c = 0;
  for (let n = lo; n < hi; n++) c += isPrime(n) ? 1 : 0;
  return c;
};
const split = (len, parts, i) => [Math.floor((len * i) / parts), Math.floor((len * (i + 1)) / parts)];

function escape(cx, cy, maxIter) {
  let x = 0;
  let y = 0;
  for (let i = 0; i < maxIter; i++) {
    if (x * x + y * y > 4.0) return i;
    const xt = x * x - y * y + cx;
    y = 2.0 * x * y + cy;
    x = xt;
  }
  return maxIter;
}

/** Task `id`'s value, as the lab adds up the values of its steps. */
function taskValue(spec, id) {
  switch (spec.workload) {
    case 'cpu-primes':
      return countPrimes(...split(spec.size, spec.tasks, id));
    case 'cpu-mandelbrot': {
      const scale = 2.6 / spec.size;
      const [y0, y1] = split(spec.size, spec.tasks, id);
      let total = 0;
      for (let row = y0; row < y1; row++) {
        for (let px = 0; px < spec.size; px++) total += escape(-2.1 + px * scale, -1.3 + row * scale, spec.iterations);
      }
      return total;
    }
    case 'io-fetch':
      return spec.latencyMs;
    case 'io-sleep':
      return spec.timeoutMs !== undefined && spec.timeoutMs < spec.latencyMs ? 0 : spec.latencyMs;
    case 'mixed-pipeline':
      return spec.latencyMs + countPrimes(id * spec.size, (id + 1) * spec.size);
    case 'convoy':
      // The I/O thread (task 0) counts its calls; the CPU-bound threads give 0.
      return id === 0 ? spec.calls : 0;
  }
  throw new Error(spec.workload);
}

/** The programs the engine wrote, by spec (`writePrograms`). */
const written = new Map();

/** Asks the engine for the program of each spec (with the lab's own server as BASE_URL). */
async function writePrograms(specs) {
  const { programs } = await labEngine({ programs: specs.map((s) => [s, { baseUrl }]) });
  specs.forEach((s, i) => written.set(JSON.stringify(s), programs[i]));
}

/** `spec`'s program, as the engine wrote it. */
function programOf(spec) {
  const p = written.get(JSON.stringify(spec));
  if (typeof p !== 'string') throw new Error(`no program for ${JSON.stringify(spec)}: ${JSON.stringify(p)}`);
  return p;
}

/** The tasks the program says fail: its FAILING, the engine's seeded pick (src/core/faults.rs). */
function failingOf(spec) {
  const m = programOf(spec).match(/^FAILING = (?:set\(\)|\{([\d, ]*)\})$/m);
  return m?.[1] ? m[1].split(', ').map(Number) : [];
}

/** The tasks that fail in `spec` (faults, a timeout shorter than a sleep, a hang under a timeout). */
function failed(spec) {
  const ids = new Set(spec.faults ? failingOf(spec) : []);
  if (spec.workload === 'io-sleep' && spec.timeoutMs !== undefined && spec.timeoutMs < spec.latencyMs) {
    for (let i = 0; i < spec.tasks; i++) ids.add(i);
  }
  return ids;
}

/** The lab's `value` for a run whose failures are collected (or that has none). */
function labValue(spec) {
  const bad = failed(spec);
  let v = 0;
  for (let i = 0; i < spec.tasks; i++) if (!bad.has(i)) v += taskValue(spec, i);
  return v;
}

// ---------------------------------------------------------------------------------------------------
// The specs, as the engine's validate returns them (defaults filled in; 2 cores, a pool of 2 threads)

const SIZES = {
  'cpu-primes': { size: 3000 },
  'cpu-mandelbrot': { iterations: 50, size: 24 },
  'io-fetch': { latencyMs: 20 },
  'io-sleep': { latencyMs: 20 },
  'mixed-pipeline': { latencyMs: 20, size: 2000 },
};
const WORKLOADS = Object.keys(SIZES);
const MODES = ['sequential', 'asyncio', 'threads-gil', 'free-threaded', 'processes', 'rayon'];
const MODE_FIELDS = {
  sequential: {},
  asyncio: {},
  'threads-gil': { workers: 6, switchIntervalMs: 5 },
  'free-threaded': { workers: 6 },
  processes: { workers: 2 },
  rayon: { workers: 2 },
};

const spec = (workload, mode, extra = {}) => ({
  workload,
  mode,
  tasks: 3,
  ...SIZES[workload],
  ...MODE_FIELDS[mode],
  onError: 'raise',
  ...extra,
});

// One task of three fails: seed 7 picks task 1 (checked against the engine below).
const STATUS = { faults: { kind: 'status', rate: 0.34, seed: 7 } };

/** [spec, expected exception name (a failing run) or undefined] */
const CASES = [
  ...WORKLOADS.flatMap((w) => MODES.map((m) => [spec(w, m)])),
  [spec('cpu-primes', 'threads-gil', { switchIntervalMs: 1 })],
  // API.md's free-threaded mode: the same ThreadPoolExecutor (on 3.11 it runs under the GIL)
  [{ ...spec('cpu-primes', 'sequential'), mode: 'free-threaded', workers: 6 }],
  // onError, mode by mode, with one failing request
  [spec('io-fetch', 'asyncio', STATUS), 'ClientResponseError'],
  [spec('io-fetch', 'asyncio', { ...STATUS, onError: 'return-exceptions' })],
  [spec('io-fetch', 'asyncio', { ...STATUS, onError: 'task-group' }), 'ExceptionGroup'],
  [spec('io-fetch', 'sequential', STATUS), 'HTTPError'],
  [spec('io-fetch', 'sequential', { ...STATUS, onError: 'return-exceptions' })],
  [spec('io-fetch', 'threads-gil', STATUS), 'HTTPError'],
  [spec('io-fetch', 'threads-gil', { ...STATUS, onError: 'return-exceptions' })],
  [spec('io-fetch', 'processes', STATUS), 'URLError'],
  [spec('io-fetch', 'processes', { ...STATUS, onError: 'return-exceptions' })],
  [spec('io-fetch', 'rayon', { ...STATUS, onError: 'return-exceptions' })],
  [spec('mixed-pipeline', 'asyncio', { ...STATUS, onError: 'return-exceptions' })],
  // timeouts
  [spec('io-fetch', 'asyncio', { timeoutMs: 2000 })],
  [spec('io-fetch', 'threads-gil', { faults: { kind: 'hang', rate: 0.34, seed: 7 }, timeoutMs: 300, onError: 'return-exceptions' })],
  [spec('io-sleep', 'asyncio', { timeoutMs: 10 }), 'TimeoutError'],
  [spec('io-sleep', 'sequential', { timeoutMs: 10, onError: 'return-exceptions' })],
  // the convoy effect: an I/O thread and CPU-bound threads, one thread each (src/core/workload/convoy.rs)
  ...[
    { mode: 'sequential' },
    { mode: 'threads-gil', workers: 3, switchIntervalMs: 5 },
    { mode: 'threads-gil', workers: 3, switchIntervalMs: 1 },
    { mode: 'free-threaded', workers: 3 },
  ].map((m) => [{ workload: 'convoy', tasks: 3, calls: 20, cpuThreads: 2, blockingUs: 100, onError: 'raise', ...m }]),
  // panic: the lab's engine crashes; in Python an ordinary exception
  [spec('cpu-primes', 'sequential', { faults: { kind: 'panic', rate: 0.34, seed: 7 } }), 'RuntimeError'],
  [spec('cpu-primes', 'processes', { faults: { kind: 'panic', rate: 0.34, seed: 7 }, onError: 'return-exceptions' })],
];

/** The constructs of the lesson each program must show, per mode and workload. */
function constructs(s) {
  const network = s.workload === 'io-fetch' || s.workload === 'mixed-pipeline';
  const want = ['import time', 'time.perf_counter()', 'if __name__ == "__main__":'];
  if (s.mode === 'asyncio') {
    want.push('async def', 'await', 'asyncio.run(main())');
    want.push(s.onError === 'task-group' ? 'async with asyncio.TaskGroup() as tg:' : 'asyncio.gather(');
    if (s.onError === 'task-group') want.push('tg.create_task(');
    if (s.onError === 'return-exceptions') want.push('return_exceptions=True');
    if (network) want.push('aiohttp.ClientSession', 'session.get', 'await response.json()');
    if (s.workload === 'io-sleep') want.push('asyncio.sleep(LATENCY_MS / 1000)', 'await ');
    if (s.timeoutMs !== undefined) want.push('asyncio.wait_for(');
  } else {
    if (network) want.push('urllib.request.urlopen(');
    if (s.workload === 'io-sleep' || s.workload === 'convoy') want.push('time.sleep(');
    if (network && s.timeoutMs !== undefined) want.push('timeout=TIMEOUT_S');
  }
  if (s.mode === 'threads-gil' || s.mode === 'rayon' || s.mode === 'free-threaded') {
    want.push('ThreadPoolExecutor(max_workers=WORKERS)', s.onError === 'raise' ? 'list(pool.map(work, range(TASKS)))' : 'pool.submit(');
  }
  if (s.mode === 'processes') want.push('import multiprocessing', 'multiprocessing.Pool(processes=WORKERS)');
  if (s.mode === 'rayon') want.push('native parallel code', 'python3.14t');
  if (s.mode === 'threads-gil' && s.switchIntervalMs !== 5) want.push(`sys.setswitchinterval(${s.switchIntervalMs / 1000})`);
  if (s.mode === 'sequential' && s.onError === 'return-exceptions') want.push('except Exception as e:');
  if (s.faults && s.faults.kind !== 'panic') want.push(`&fail=${s.faults.kind}`);
  if (s.faults?.kind === 'panic') want.push('raise RuntimeError(f"injected panic in task {i}")');
  return want;
}

// ---------------------------------------------------------------------------------------------------
// Running Python

/** Runs `source` with the venv's python; resolves to { code, stdout, stderr, ms }. */
async function runPython(name, source) {
  const file = path.join(dir, `${name}.py`);
  await writeFile(file, source);
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      python,
      [file],
      { cwd: dir, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', env: { ...process.env, NO_PROXY: '127.0.0.1,localhost', PYTHONDONTWRITEBYTECODE: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr, ms: Date.now() - t0 }),
    );
  });
}

/** Runs the jobs at most `n` at a time. */
async function limited(jobs, n) {
  const results = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

const label = (s) =>
  [s.workload, s.mode, s.onError, s.faults && `${s.faults.kind}-fault`, s.timeoutMs && `timeout-${s.timeoutMs}`, s.switchIntervalMs && s.switchIntervalMs !== 5 && `switch-${s.switchIntervalMs}`]
    .filter(Boolean)
    .join(' ');

// ---------------------------------------------------------------------------------------------------

/** Validates and runs specs in the lab's engine (tests/python/lab-engine.mjs, a process of its own). */
function labEngine(input) {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--no-warnings', path.join(ROOT, 'tests', 'python', 'lab-engine.mjs')],
      { timeout: 60_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => (error ? reject(new Error(`lab-engine.mjs: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
    child.stdin.end(JSON.stringify({ baseUrl, ...input }));
  });
}

test("the JS ports and the programs' failing tasks agree with the lab's engine", async () => {
  // (How many tasks fail, exactly round(rate x tasks), is Faults::failing's own test: src/core/faults.rs.)
  // The engine's validate fills in the same specs (the modes this single build can run).
  const validate = CASES.map(([s]) => s).filter((s) => ['sequential', 'asyncio', 'processes'].includes(s.mode));
  // One run per distinct piece of work, its failures collected (a panic crashes the engine: not run).
  const runs = new Map();
  for (const [s] of CASES) {
    if (s.faults?.kind === 'panic') continue;
    const { workers, switchIntervalMs, ...collected } = { ...s, mode: 'sequential', onError: 'return-exceptions' };
    runs.set(JSON.stringify(collected), collected);
  }
  // A wider check of the seeded pick: 20 tasks, several seeds.
  const seeds = [1, 2, 3, 9_007_199_254_740_991].map((seed) => ({
    workload: 'io-fetch', mode: 'sequential', tasks: 20, latencyMs: 0, faults: { kind: 'status', rate: 0.3, seed }, onError: 'return-exceptions',
  }));
  await writePrograms([...runs.values(), ...seeds]);
  const { validated, results } = await labEngine({ validate, run: [...runs.values(), ...seeds] });
  validate.forEach((s, i) => assert.deepEqual(validated[i], s, label(s)));
  [...runs.values(), ...seeds].forEach((s, i) => {
    const result = results[i];
    assert.ok(!result.error, `${label(s)}: ${result.error}`);
    const failedIds = result.tasks.filter((t) => t.status !== 'ok').map((t) => t.id);
    assert.deepEqual(failedIds, [...failed(s)].sort((a, b) => a - b), `failing tasks of ${label(s)}`);
    assert.equal(result.value, labValue(s), `value of ${label(s)}`);
  });
});

test('every generated program runs in CPython and prints the lab\'s value', async () => {
  await writePrograms(CASES.map(([s]) => s));
  const runs = await limited(
    CASES.map(([s, raises], n) => async () => {
      const source = programOf(s);
      return { s, raises, source, ...(await runPython(`p${n}-${s.workload}-${s.mode}`, source)) };
    }),
    PARALLEL,
  );
  const failures = [];
  for (const { s, raises, source, code, stdout, stderr, ms } of runs) {
    const name = label(s);
    const problems = [];
    for (const want of constructs(s)) if (!source.includes(want)) problems.push(`lacks ${JSON.stringify(want)}`);
    source.split('\n').forEach((line, i) => {
      if (line.length > 99) problems.push(`line ${i + 1} is ${line.length} characters long`);
      if (/\s$/.test(line) || line.includes('\t')) problems.push(`line ${i + 1} has a tab or trailing white space`);
    });
    if (source.includes(`BASE_URL = "${baseUrl}"`) !== (s.workload === 'io-fetch' || s.workload === 'mixed-pipeline')) {
      problems.push('BASE_URL is not the endpoint given');
    }
    if (raises) {
      if (code === 0) problems.push(`exited 0; expected ${raises}`);
      else if (!new RegExp(`\\b${raises}\\b`).test(stderr)) problems.push(`expected ${raises} in stderr: ${stderr.slice(-600)}`);
    } else if (code !== 0) {
      problems.push(`exited ${code}: ${stderr.slice(-1500)}`);
    } else {
      const lines = stdout.trim().split('\n');
      const wall = lines.at(-1);
      if (!/^wall time: \d+\.\d{3} s$/.test(wall)) problems.push(`last line is not the wall time: ${JSON.stringify(wall)}`);
      const value = Number(lines.at(-2)?.match(/: (\d+)$/)?.[1]);
      if (value !== labValue(s)) problems.push(`printed ${JSON.stringify(lines.at(-2))}; the lab's value is ${labValue(s)}`);
      if (s.onError === 'return-exceptions') {
        const n = failed(s).size;
        if (!stdout.includes(`${n} of ${s.tasks} tasks failed`)) problems.push(`does not report ${n} failed tasks`);
      }
    }
    if (problems.length) failures.push(`${name} (${ms} ms):\n  ${problems.join('\n  ')}\n--- program ---\n${source}`);
  }
  assert.equal(failures.length, 0, failures.join('\n\n'));
});

test("the lesson's snippets run as the lesson shows them", async () => {
  const fetchData = snippets.fetchData({ seconds: 0.05 });
  assert.match(fetchData, /async def fetch_data\(\):/);
  assert.match(fetchData, /await asyncio\.sleep\(0\.05\) # Non-blocking sleep/);
  const a = await runPython('lesson-fetch-data', fetchData);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, 'Start fetching...\nDone!\n');

  // Chapter 2 runs eight of them under gather: all start, then all end, in the time of one sleep.
  const gathered = snippets.fetchDataGathered({ seconds: 0.2, coroutines: 8 });
  assert.match(gathered, /await asyncio\.gather\(\*\(fetch_data\(\) for _ in range\(8\)\)\)/);
  const t0 = Date.now();
  const g = await runPython('lesson-fetch-data-gathered', gathered);
  assert.equal(g.code, 0, g.stderr);
  assert.equal(g.stdout, 'Start fetching...\n'.repeat(8) + 'Done!\n'.repeat(8));
  assert.ok(Date.now() - t0 < 8 * 200, `eight 0.2 s sleeps overlap: ${Date.now() - t0} ms in all, with Python's start-up`);

  const urls = [20, 30, 10].map((ms) => `${baseUrl}api/delay?ms=${ms}`);
  const api = snippets.concurrentApiCalls({ urls });
  for (const want of ['async def call_api(url):', 'async with aiohttp.ClientSession() as session:', 'async with session.get(url) as response:', 'return await response.json()', 'results = await asyncio.gather(*(call_api(u) for u in urls))', 'print(results)', 'asyncio.run(main())']) {
    assert.ok(api.includes(want), `lacks ${want}`);
  }
  const b = await runPython('lesson-api-calls', api);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout, "[{'delayMs': 20}, {'delayMs': 30}, {'delayMs': 10}]\n");
});

test("API.md's interpreters mode gives a program that compiles (it needs 3.14 to run)", async () => {
  const s = { ...spec('cpu-primes', 'sequential'), mode: 'interpreters', workers: 6 };
  await writePrograms([s]);
  const source = programOf(s);
  for (const want of ['from concurrent.futures import InterpreterPoolExecutor', 'InterpreterPoolExecutor(max_workers=WORKERS)', 'if __name__ == "__main__":']) {
    assert.ok(source.includes(want), `lacks ${want}`);
  }
  const r = await runPython('interpreters', `import ast\nast.parse(${JSON.stringify(source)}, feature_version=(3, 11))\nprint("ok")\n`);
  assert.equal(r.code, 0, r.stderr);
});

test('an interpreters program with inputItems passes each task its list, and runs (on 3.11, with threads in place of interpreters)', async () => {
  const s = { ...spec('cpu-primes', 'sequential'), mode: 'interpreters', workers: 2, tasks: 4, size: 20_000, inputItems: 1000 };
  await writePrograms([s]);
  const source = programOf(s);
  for (const want of ['INPUT_ITEMS = 1000', 'DATA = list(range(INPUT_ITEMS))', 'def work(i, data):', 'assert len(data) == INPUT_ITEMS', '[DATA] * TASKS']) {
    assert.ok(source.includes(want), `lacks ${want}`);
  }
  // Python 3.11 has no InterpreterPoolExecutor; ThreadPoolExecutor takes the same calls.
  const on311 = source.replace('from concurrent.futures import InterpreterPoolExecutor', 'from concurrent.futures import ThreadPoolExecutor as InterpreterPoolExecutor');
  const r = await runPython('interpreters-items', on311);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2262/, 'pi(20000) = 2262');
});
