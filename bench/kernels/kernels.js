// The benchmark's CPU kernels in plain JavaScript: the same algorithms, the same numbers and the same
// split into tasks as the lab's core (src/core/workload/cpu_primes.rs, cpu_mandelbrot.rs). Loaded as a
// classic Worker's source (bench/lib/browser.mjs makes a Blob of this file), run on one thread, timed
// inside the worker, as the lab times inside its engine. The same Worker also runs the raw wasm kernels
// of bench/kernel-wasm (a diagnostic: the kernel's code in wasm without the engine around it).
/* eslint-env worker */
'use strict';

/** The i-th of `parts` contiguous, nearly equal pieces of lo..hi, in exact integer arithmetic
 *  (every product stays below 2^53: N <= 2e9 and parts <= 1000). */
function splitRange(lo, hi, parts, i) {
  const len = Math.max(hi - lo, 0);
  parts = Math.max(parts, 1);
  const at = (k) => lo + (len * k - ((len * k) % parts)) / parts;
  return [at(i), at(i + 1)];
}

// N is at most 2e9 < 2^31, so every number here is a 32-bit integer, as in the lab (and V8 keeps them
// in int32 registers: `n % d` is one integer division).
function isPrime(n) {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) {
    if (n % d === 0) return false;
  }
  return true;
}

function primesTask(size, tasks, i) {
  const [lo, hi] = splitRange(0, size, tasks, i);
  let count = 0;
  for (let n = lo; n < hi; n++) if (isPrime(n)) count++;
  return count;
}

// The part of the complex plane drawn: the whole set, square (the core's X0, Y0, SPAN).
const X0 = -2.1;
const Y0 = -1.3;
const SPAN = 2.6;

function escape(cx, cy, maxIter) {
  let x = 0;
  let y = 0;
  for (let i = 0; i < maxIter; i++) {
    if (x * x + y * y > 4) return i;
    const xt = x * x - y * y + cx;
    y = 2 * x * y + cy;
    x = xt;
  }
  return maxIter;
}

/** One band of rows; like the lab, it keeps the band's iteration counts (the image it hands the page). */
function mandelbrotTask(size, iterations, tasks, i) {
  const [first, end] = splitRange(0, size, tasks, i);
  const scale = SPAN / size;
  const counts = new Uint32Array((end - first) * size);
  let total = 0;
  let k = 0;
  for (let row = first; row < end; row++) {
    const cy = Y0 + row * scale;
    for (let px = 0; px < size; px++) {
      const n = escape(X0 + px * scale, cy, iterations);
      counts[k++] = n;
      total += n;
    }
  }
  return total;
}

/** The same tasks on the raw wasm kernels of bench/kernel-wasm (no engine around them). */
let rawWasm;
function rawWasmTask(spec) {
  if (!rawWasm) throw new Error('the raw wasm kernels were not loaded');
  if (spec.workload === 'cpu-primes') {
    return (i) => {
      const [lo, hi] = splitRange(0, spec.size, spec.tasks, i);
      return rawWasm.count_primes(lo, hi) >>> 0;
    };
  }
  return (i) => {
    const [first, end] = splitRange(0, spec.size, spec.tasks, i);
    return rawWasm.mandelbrot_rows(spec.size, spec.iterations, first, end);
  };
}

/** Runs every task of a spec, one after another; returns { wallMs, value }. */
function runSpec(spec, impl = 'js') {
  const work =
    impl === 'wasm'
      ? rawWasmTask(spec)
      : spec.workload === 'cpu-primes'
        ? (i) => primesTask(spec.size, spec.tasks, i)
        : (i) => mandelbrotTask(spec.size, spec.iterations, spec.tasks, i);
  const t0 = performance.now();
  let value = 0;
  for (let i = 0; i < spec.tasks; i++) value += work(i);
  return { wallMs: performance.now() - t0, value };
}

/** The browser's floor for I/O: T plain fetches of the latency endpoint at once (Promise.all), unique
 *  URLs and no cache, from a Worker, as the lab's engine makes them. */
async function fetchAll({ base, tasks, latencyMs }) {
  const tag = `${Date.now()}-${Math.random()}`;
  const t0 = performance.now();
  const delays = await Promise.all(
    Array.from({ length: tasks }, (_, i) =>
      fetch(new URL(`api/delay?ms=${latencyMs}&bench=${tag}-${i}`, base), { cache: 'no-store' }).then((r) => r.json()).then((j) => j.delayMs),
    ),
  );
  return { wallMs: performance.now() - t0, value: delays.reduce((a, b) => a + b, 0) };
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.onmessage = async ({ data }) => {
    try {
      if (data.fetch) {
        self.postMessage({ ok: true, ...(await fetchAll(data.fetch)) });
      } else if (data.wasmBytes) {
        rawWasm = (await WebAssembly.instantiate(data.wasmBytes)).instance.exports;
        self.postMessage({ ok: true });
      } else {
        self.postMessage({ ok: true, ...runSpec(data.spec, data.impl) });
      }
    } catch (e) {
      self.postMessage({ ok: false, message: String(e && e.stack ? e.stack : e) });
    }
  };
}
