// What this browser can do for the lab, each tried directly (issue 22, item 3; docs/API.md,
// "Capabilities"), not read from the presence of a global:
//   - shared memory: the lab's own shared WebAssembly memory (the threads build's size: 19 pages, at most
//     8192 = 512 MiB) is made, posted to a worker, and a value the worker stores in it is seen here. WebKitGTK
//     at default settings makes it but cannot post it (DataCloneError), though crossOriginIsolated is true;
//   - `Atomics.wait` in a worker, on that memory (what every pool thread and Python thread blocks on);
//   - a worker started from a worker (the rayon pool once started its threads so; the page makes every
//     Worker now, www/src/engine/spawned-worker.ts, so this is reported, not required);
//   - JSPI (WebAssembly stack switching): a one-function module whose import suspends, run through
//     `WebAssembly.promising` (what Pyodide's asyncio.run needs; ./jspi.ts), in the worker (./worker.ts):
//     the page's main thread compiles no WebAssembly at all. The real-Python worker tries it again where the
//     program runs and decides `python.run`'s changes by its own answer (../python/real/worker.ts).
// The worker's half is ./worker.ts; the decision from these answers is ./decide.ts (pure, unit-tested).

import { MARK, MARK_INDEX, type WorkerAnswer, type WorkerJspi, type WorkerMore } from './protocol';

/** The threads build's memory, as its glue makes it (www/pkg/threads/concurrency_lab.js; checked by tests/unit/capabilities.test.mjs). */
export const LAB_MEMORY = { initial: 18, maximum: 8192 } as const;
/**
 * How long the whole check may take before what has not answered counts as missing, ms. Its answers come in
 * a few ms on a quiet machine; a busy one (two browsers at once on two cores) delayed Firefox's worker past
 * 4 s, and a slow answer is not a missing capability: the bound is only for a worker that never answers.
 */
export const CHECK_MS = 20_000;
/** How long a nested worker may take to answer, ms (as CHECK_MS: slow is not missing). */
const NESTED_MS = 10_000;

/** Each capability: true, or the reason it is missing (what happened when it was tried). */
export interface Detected {
  crossOriginIsolated: boolean;
  sharedMemory: true | string;
  atomicsWait: true | string;
  nestedWorkers: true | string;
  jspi: true | string;
  hardwareConcurrency: number;
}

const describe = (e: unknown) => `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;

type BuildSide = Pick<Detected, 'sharedMemory' | 'atomicsWait'>;
type ReportSide = Pick<Detected, 'nestedWorkers' | 'jspi'>;

/**
 * The lab's shared memory, made and posted to a worker, and what that worker could do with it, in two parts:
 * what the build needs (the memory shared, `Atomics.wait`), as soon as the worker has tried it, and what the
 * status reports besides (a nested worker, JSPI), which takes a worker's start more: the engine starts
 * meanwhile (../lab/engine.ts).
 */
function detectWorkerSide(): { build: Promise<BuildSide>; report: Promise<ReportSide> } {
  const missing = (why: string) => ({ build: Promise.resolve({ sharedMemory: why, atomicsWait: why }), report: Promise.resolve({ nestedWorkers: why, jspi: why }) });
  let worker: Worker;
  try {
    worker = new Worker(new URL('./capabilities-worker.js', import.meta.url), { type: 'module', name: 'capability check' });
  } catch (e) {
    return missing(`a worker could not start: ${describe(e)}`);
  }
  let memory: WebAssembly.Memory | undefined;
  let sharedMemory: true | string = true;
  try {
    // Whether it is really shared is seen below: the worker's mark must show here.
    memory = new WebAssembly.Memory({ ...LAB_MEMORY, shared: true } as WebAssembly.MemoryDescriptor);
  } catch (e) {
    sharedMemory = `this browser cannot make the lab's shared memory (512 MiB at most): ${describe(e)}`;
    memory = undefined;
  }
  // Each answer, or why it did not come (the whole check has CHECK_MS; a failing worker fails them all).
  let answered: (a: WorkerAnswer | string) => void = () => {};
  let toldJspi: (m: WorkerJspi | string) => void = () => {};
  let told: (m: WorkerMore | string) => void = () => {};
  const answer = new Promise<WorkerAnswer | string>((resolve) => (answered = resolve));
  const jspi = new Promise<WorkerJspi | string>((resolve) => (toldJspi = resolve));
  const more = new Promise<WorkerMore | string>((resolve) => (told = resolve));
  const fail = (why: string) => {
    answered(why);
    toldJspi(why);
    told(why);
  };
  const timer = setTimeout(() => fail(`the capability check's worker did not answer within ${CHECK_MS} ms`), CHECK_MS);
  worker.onmessage = ({ data }: MessageEvent<WorkerAnswer | WorkerJspi | WorkerMore>) => {
    if (data?.type === 'answer') answered(data);
    if (data?.type === 'jspi') toldJspi(data);
    if (data?.type === 'more') {
      clearTimeout(timer);
      told(data);
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    clearTimeout(timer);
    fail(`the capability check's worker failed: ${e.message || 'error'}`);
  };
  void more.then(() => worker.terminate());
  try {
    worker.postMessage({ type: 'check', memory, nestedMs: NESTED_MS });
  } catch (e) {
    // WebKitGTK at default settings: DataCloneError. The worker still checks nested workers.
    if (sharedMemory === true) sharedMemory = `this browser cannot send shared memory to a worker (${describe(e)})`;
    memory = undefined;
    worker.postMessage({ type: 'check', nestedMs: NESTED_MS });
  }
  const build = answer.then((got): BuildSide => {
    if (typeof got === 'string') return { sharedMemory: sharedMemory === true ? got : sharedMemory, atomicsWait: got };
    if (sharedMemory === true && memory && Atomics.load(new Int32Array(memory.buffer), MARK_INDEX) !== MARK) {
      sharedMemory = got.atomicsWait === true ? 'this browser sent a copy of the shared memory to the worker, not the memory itself' : `the worker could not use the shared memory it was sent: ${got.atomicsWait}`;
    }
    const atomicsWait = memory ? got.atomicsWait : typeof sharedMemory === 'string' ? `not tried: ${sharedMemory}` : got.atomicsWait;
    return { sharedMemory, atomicsWait };
  });
  const report = Promise.all([jspi, more]).then(([j, m]): ReportSide => ({
    jspi: typeof j === 'string' ? j : j.jspi,
    nestedWorkers: typeof m === 'string' ? m : m.nestedWorkers,
  }));
  return { build, report };
}

/** Every capability, tried at once (a few ms; at most CHECK_MS), in two parts: what the build needs
 * (`build`: nested workers and JSPI not known yet), then all of it (`all`). */
export function detectInTwo(): { build: Promise<Detected>; all: Promise<Detected> } {
  const side = detectWorkerSide();
  const page = () => ({ crossOriginIsolated: self.crossOriginIsolated === true, hardwareConcurrency: Math.max(1, navigator.hardwareConcurrency || 1) });
  const pending = 'still being tried';
  const build = side.build.then((b) => ({ ...page(), ...b, nestedWorkers: pending, jspi: pending }));
  const all = Promise.all([side.build, side.report]).then(([b, r]) => ({ ...page(), ...b, ...r }));
  return { build, all };
}
