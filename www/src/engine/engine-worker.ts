// The engine worker: loads the wasm engine, starts its thread pool, runs what the page asks.
// Lab work never runs on the page's main thread; it runs here and on the pool's workers.

import * as Comlink from 'comlink';
import { reportCrash, watchForDeath } from './crash-report';
import { ParallelismProbe } from './probe';
import type { Build, Catalogue, SpawnRequest, Defaults, EngineApi, EngineStartOptions, EngineStats, PlainError, Result, Spec, Task, TaskListener, TaskOutput } from './protocol';
import { fitToBudget, RESULT_BUDGET_BYTES } from './budget';
import { COPIES_FROM_BYTES, TOP_LEVEL_ROOM_BYTES, type Copies } from './copies';

/** The wasm-bindgen module of either build (same exports; `initThreadPool` only in `threads`). */
interface EngineModule {
  default(init?: { module_or_path: WebAssembly.Module | URL }): Promise<unknown>;
  initThreadPool?(threads: number): Promise<void>;
  start(baseUrl: string, cores: number, poolThreads: number, engineId: number): string;
  setInterpreterKernel(bytes: Uint8Array): void;
  setProcessWorker(url: string, module: WebAssembly.Module): void;
  run(spec: string, onTask?: (record: string, output?: TaskOutput) => void): Promise<string>;
  validate(spec: string): string;
  estimate(spec: string): number;
  catalogue(): string;
  calibrate(measurements: string): string;
  setDefaults(defaults: string): string;
  finishCrashed(spec: string, records: string, wallMs: number, message: string): string;
  allowTestFaults(on: boolean): void;
  setUnavailableWhy?(why: string): void;
  cancel(): void;
  memoryBytes(): number;
  threadWorkers(): number;
}

/** The Python program module (www/pkg/program: src/web/program.rs): the program generator alone. */
interface ProgramModule {
  default(init?: { module_or_path: URL }): Promise<unknown>;
  pythonProgram(spec: string, options: string): string;
}

let engine: EngineModule | undefined;
/** This engine's id (from the page), which tags every crash report of its workers. */
let engineId = 0;

// Every Worker the engine starts goes through this constructor, so that none can die unseen: the rayon
// pool's threads (started inside wasm-bindgen-rayon's helper, which keeps no watch on them), the Python
// threads (src/web/threads.js), the processes and the parallelism probe's workers. Each is named for what
// it is, so a report says which one died; an error that reaches it is reported as that worker's death
// (the probe handles its own workers' errors).
//
// The page creates these Workers, not this worker (the page's EngineClient, on a `spawn` message), and
// each talks to this worker through a MessagePort, as if this worker were its parent (spawned-worker.ts).
// Firefox can deadlock a worker that constructs a Worker: with a worker-debugger listener registered (an
// automation session over WebDriver BiDi, or DevTools open), the parent thread waits for the main thread
// to register the new worker's debugger on the new worker's condition variable, the new worker's own thread
// waits on that same variable for its first event, and the main thread's single notify can wake the new
// worker instead: the engine worker then sleeps for ever (a plain-JS worker making Workers one after
// another, under puppeteer's BiDi, stuck within 2 to 15 of them; none in 1,000 without automation). It
// showed as "the engine stopped responding" in `processes` runs, in a Compare's first probe and in the
// first threads-gil run (and the rayon pool's threads, started the same way, could hang a start or a
// restart). A Worker whose parent is the page's main thread has its debugger registered on that thread,
// with no wait.
/** Set while `initThreadPool` starts the pool: the Workers made meanwhile are its threads. */
let startingPool = false;
let poolThreads = 0;
let spawned = 0;
/** The Workers made for this engine, by spawn id, until they end (to hear the errors the page forwards). */
const children = new Map<number, EngineWorker>();
class EngineWorker extends EventTarget {
  private readonly port: MessagePort;
  private readonly id = ++spawned;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;

  constructor(url: string | URL, options: WorkerOptions = {}) {
    super();
    let name = options.name ?? 'a worker of the engine';
    if (startingPool) {
      // wasm-bindgen-rayon's own thread script would hide a trap: pool-thread.ts speaks its protocol
      // and reports the thread's death.
      name = `rayon pool thread ${++poolThreads}`;
      url = new URL(`./pool-thread.js?engine=${engineId}`, import.meta.url);
    }
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.onmessage = ({ data }) => this.dispatchEvent(new MessageEvent('message', { data }));
    children.set(this.id, this);
    const request: SpawnRequest = { type: 'engine:spawn', spawnId: this.id, url: new URL(url, import.meta.url).href, name, port: port2 };
    self.postMessage(request, { transfer: [port2] });
    if (name.startsWith('probe-')) return;
    this.addEventListener('error', (e) => {
      e.preventDefault();
      reportCrash(engineId, `${name} died: ${(e as ErrorEvent).message || 'its script failed to load'}`);
    });
  }

  postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions): void {
    this.port.postMessage(message, transfer as Transferable[]);
  }

  terminate(): void {
    children.delete(this.id);
    this.port.onmessage = null;
    this.port.close();
    const request: SpawnRequest = { type: 'engine:terminate', spawnId: this.id };
    self.postMessage(request);
  }

  override dispatchEvent(e: Event): boolean {
    if (e.type === 'message') this.onmessage?.(e as MessageEvent);
    if (e.type === 'error') this.onerror?.(e as ErrorEvent);
    return super.dispatchEvent(e);
  }
}
(globalThis as unknown as { Worker: typeof EngineWorker }).Worker = EngineWorker;
// The page forwards the `error` events of the Workers it made for this engine (an uncaught error, a
// script that failed to load).
self.addEventListener('message', ({ data }: MessageEvent<SpawnRequest>) => {
  if (data?.type !== 'engine:child-error') return;
  children.get(data.spawnId)?.dispatchEvent(new ErrorEvent('error', { message: data.message, cancelable: true }));
});

// The engine worker itself: a trap in its own wasm (a sequential or asyncio task) surfaces as an
// unhandled rejection of wasm-bindgen's task queue, which no one else would see.
watchForDeath(() => engineId, () => 'the engine worker', (e) => e instanceof WebAssembly.RuntimeError);

/** Tiny runs of each CPU kernel, so the optimising compiler has seen them before the first measurement. */
const WARM_UP = [
  { workload: 'cpu-primes', mode: 'sequential', tasks: 1, size: 300_000 },
  { workload: 'cpu-mandelbrot', mode: 'sequential', tasks: 1, size: 64, iterations: 3000 },
];
let started: EngineStartOptions | undefined;
/** The parallelism probe of Compare's rounds (its workers live from the first round to `closeProbe`). */
let probe: ParallelismProbe | undefined;

// The `single` build, compiled once here and handed to every `processes` worker (the engine starts them,
// src/web/processes.rs): a process still starts a Worker and instantiates its own module with its own
// memory (the "spawn" the lesson is about), but does not compile the code again, and shares the code V8
// has optimised so far.
let singleModule: Promise<WebAssembly.Module> | undefined;
const pkgUrl = (build: Build, file: string) => new URL(`./pkg/${build}/${file}`, import.meta.url);
function compileSingle(): Promise<WebAssembly.Module> {
  singleModule ??= fetch(pkgUrl('single', 'concurrency_lab_bg.wasm')).then(async (res) => {
    if (!res.ok) throw new Error(`could not load the single build (${res.status})`);
    try {
      return await WebAssembly.compileStreaming(res.clone());
    } catch {
      // A host that serves .wasm with another Content-Type: compile from the bytes.
      return WebAssembly.compile(await res.arrayBuffer());
    }
  });
  return singleModule;
}

/** CPU time of a sequential run: its tasks' `run` spans (the waits of mixed work not counted). */
const cpuMs = (r: Result) => r.tasks.reduce((sum, t) => sum + t.spans.filter((s) => s.kind === 'run').reduce((a, s) => a + s.endMs - s.startMs, 0), 0);

/**
 * Sizes each CPU workload's default for this machine: a sequential run at the workload's probe value,
 * twice (the first also warms the code), the faster one kept; the core turns the time into a rounded
 * default (src/core/calibrate.rs). Stored defaults (the page keeps them per browser profile) are taken as
 * they are, so tabs and reloads agree.
 */
async function calibrate(mod: EngineModule, catalogue: Catalogue, stored?: EngineStartOptions['stored']): Promise<{ defaults: Defaults; measured: boolean }> {
  // Kept defaults count only if made by this version for the same target time.
  if (stored?.labVersion === catalogue.labVersion && stored.targetMs === catalogue.calibrationTargetMs && Object.keys(stored.defaults ?? {}).length) {
    const defaults = JSON.parse(mod.setDefaults(JSON.stringify(stored.defaults))) as Defaults;
    if (Object.keys(defaults).length) return { defaults, measured: false };
  }
  const measurements: Record<string, number> = {};
  for (const w of catalogue.workloads) {
    const c = w.calibration;
    if (!c) continue;
    const spec: Spec = { workload: w.name, mode: 'sequential', [c.field]: c.probe };
    if (w.fields.some((f) => f.name === 'latencyMs')) spec.latencyMs = 0;
    let best = Infinity;
    for (let i = 0; i < 2; i++) best = Math.min(best, cpuMs(JSON.parse(await mod.run(JSON.stringify(spec))) as Result));
    measurements[w.name] = best;
  }
  return { defaults: JSON.parse(mod.calibrate(JSON.stringify(measurements))), measured: true };
}
// The generated modules are loaded by URL, not bundled: wasm-bindgen-rayon's worker helper re-imports
// the same module by its URL on every pool thread.
/** The raw bytes of `pkg/interpreter.wasm` (crates/interpreter-kernel), or none when it cannot load (the
 *  mode's runs then fail, saying so). */
async function interpreterModule(): Promise<Uint8Array> {
  try {
    const res = await fetch(new URL('./pkg/interpreter.wasm', import.meta.url));
    if (!res.ok) return new Uint8Array();
    return new Uint8Array(await res.arrayBuffer());
  } catch {
    return new Uint8Array();
  }
}

const moduleUrl = (build: Build | 'program') => new URL(`./pkg/${build}/concurrency_lab.js`, import.meta.url).href;

// The Python program generator is a wasm module of its own, loaded here when a program is first asked
// for: it is not in the engine's builds, which every page load downloads (issue 25: 21 KB gzip of
// each). One instance for the worker's life; one that trapped is dropped, and the next call makes a new
// one (a module imported again by the same URL would be the same instance: the URL is made new).
let programModule: Promise<ProgramModule> | undefined;
let programLoads = 0;
function loadProgramModule(): Promise<ProgramModule> {
  if (!programModule) {
    const url = moduleUrl('program') + (programLoads++ ? `?instance=${programLoads}` : '');
    programModule = (async () => {
      const mod = (await import(/* @vite-ignore */ url)) as ProgramModule;
      await mod.default({ module_or_path: new URL('./pkg/program/concurrency_lab_bg.wasm', import.meta.url) });
      return mod;
    })();
    // A load that failed (offline, a server error) is tried again on the next call.
    programModule.catch(() => (programModule = undefined));
  }
  return programModule;
}

// Begun as this worker loads, before the page has chosen the build (the page starts this worker while it
// tries the browser's capabilities: EngineClient.prepare): the single build, which every build needs for
// its processes, and on an isolated page the threads build, which it most likely runs, fetched and
// compiled meanwhile. A start of the other build leaves them unused.
compileSingle();
const earlyThreads = self.crossOriginIsolated === true ? compileThreads() : undefined;
function compileThreads(): Promise<WebAssembly.Module | undefined> {
  void import(/* @vite-ignore */ moduleUrl('threads')).catch(() => {});
  return fetch(pkgUrl('threads', 'concurrency_lab_bg.wasm'))
    .then((res) => (res.ok ? WebAssembly.compileStreaming(res) : undefined))
    .catch(() => undefined);
}

function toPlainError(e: unknown): PlainError {
  if (typeof e === 'string') {
    try {
      return JSON.parse(e) as PlainError;
    } catch {
      return { name: 'EngineError', message: e };
    }
  }
  if (e && typeof e === 'object' && !(e instanceof Error) && 'name' in e && 'message' in e) return e as PlainError;
  const err = e as Error;
  const message = `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
  // A trap (a panic under panic=abort, or memory that cannot grow) surfaces as a RuntimeError: this
  // engine's wasm state is broken (locks held, a run marked in progress), so it must be replaced.
  if (e instanceof WebAssembly.RuntimeError) reportCrash(engineId, `the engine worker died: ${message}`);
  return { name: 'EngineError', message };
}

const api: EngineApi = {
  async start(options: EngineStartOptions) {
    const { build, baseUrl, cores, stored, testFaults } = options;
    engineId = options.engineId;
    const steps: [string, number][] = [];
    let since = performance.now();
    const stepsFrom = performance.timeOrigin + since;
    const step = (name: string) => {
      const now = performance.now();
      steps.push([name, now - since]);
      since = now;
    };
    const mod = (await import(/* @vite-ignore */ moduleUrl(build))) as EngineModule;
    const compiled = compileSingle();
    step('module loaded');
    const threadsModule = build === 'threads' ? await earlyThreads : undefined;
    await (build === 'single' ? mod.default({ module_or_path: await compiled }) : mod.default(threadsModule && { module_or_path: threadsModule }));
    step('wasm compiled and instantiated');
    let threads = 0;
    // The subinterpreters' own module (mode `interpreters`), fetched while the pool starts.
    const kernel = build === 'threads' ? interpreterModule() : undefined;
    if (build === 'threads') {
      if (!mod.initThreadPool) throw toPlainError('the threads build has no initThreadPool');
      threads = Math.max(1, cores);
      startingPool = true;
      try {
        await mod.initThreadPool(threads);
      } finally {
        startingPool = false;
      }
      step('thread pool started');
    }
    if (options.unavailableWhy) mod.setUnavailableWhy?.(options.unavailableWhy); // what this browser lacks (capabilities/)
    mod.start(baseUrl, cores, threads, engineId);
    // What each `processes` worker is started with (its script, beside this one, and the single build).
    mod.setProcessWorker(new URL('./process-worker.js', import.meta.url).href, await compiled);
    // Each interpreter instantiates the subinterpreters' module anew.
    if (kernel) mod.setInterpreterKernel(await kernel);
    mod.allowTestFaults(testFaults === true);
    step('engine set up');
    // V8 compiles wasm with a quick baseline compiler first and optimises hot code later: a few ms of
    // each kernel here, before the engine says it is ready, gets the optimised code going. (A Compare
    // also runs a warm-up round before it counts; see www/src/measure/procedure.ts.) The same inside a
    // subinterpreter's own module (`interpreters`): V8 keeps the optimised code of a module's bytes, so
    // every interpreter started later runs it from the first call. The interpreter runs on a pool thread
    // while the processes' build warms here. (The processes' build warming while the pool starts was
    // tried, 2026-12-06: the pool then took 107-175 ms where it took 67-116, and the start was no sooner.)
    for (const warm of WARM_UP) await mod.run(JSON.stringify(warm));
    step('warm-up');
    if (build === 'threads') {
      const interpreters = async () => {
        for (const warm of WARM_UP) await mod.run(JSON.stringify({ ...warm, mode: 'interpreters', workers: 1 }));
      };
      await Promise.all([interpreters(), warmSingle(await compiled, baseUrl, cores)]);
      step('warm-up of the interpreters and the processes\' build');
    }
    const calibration = await calibrate(mod, JSON.parse(mod.catalogue()) as Catalogue, stored);
    step(calibration.measured ? 'calibration' : 'calibration (kept)');
    const catalogue = JSON.parse(mod.catalogue()) as Catalogue;
    engine = mod;
    started = options;
    return { build, threads, catalogue, defaults: calibration.defaults, calibrated: calibration.measured, steps, stepsFrom, ...api.stats() };
  },

  async probe() {
    const cores = started?.cores ?? 1;
    if (cores < 2) return undefined;
    probe ??= new ParallelismProbe(Math.min(cores, 8));
    return probe.measure();
  },

  closeProbe() {
    probe?.close();
    probe = undefined;
  },

  async run(spec: Spec, onTask?: TaskListener): Promise<Copies> {
    if (!engine) throw toPlainError('the engine has not started');
    // Outputs are copies in ordinary memory: hand their buffers over instead of copying them again.
    // Each report travels on the callback's own port, the run's answer on this one, and two ports keep no
    // order between them: so the answer waits until the page has taken every report (a page that heard
    // the answer first dropped the last tasks' reports, and the picture of a cpu-mandelbrot run lost its
    // last band: 7 bands of 8 in `sequential` at the default size).
    const told: Promise<unknown>[] = [];
    const report = (record: string, output?: TaskOutput) => {
      const taken = onTask?.(JSON.parse(record), output && Comlink.transfer(output, [output.data.buffer]));
      if (taken) told.push(Promise.resolve(taken).catch(() => undefined));
    };
    try {
      // The engine validates the spec as it starts the run (once), whichever the mode.
      return copies(await engine.run(JSON.stringify(spec), report));
    } catch (e) {
      throw toPlainError(e);
    } finally {
      await Promise.all(told);
    }
  },

  async finishCrashed(spec: Spec, records: Task[], wallMs: number, message: string): Promise<Result> {
    if (!engine) throw toPlainError('the engine has not started');
    try {
      return JSON.parse(engine.finishCrashed(JSON.stringify(spec), JSON.stringify(records), wallMs, message)) as Result;
    } catch (e) {
      throw toPlainError(e);
    }
  },

  alive() {
    return true;
  },

  async validate(spec: Spec): Promise<Spec> {
    if (!engine) throw toPlainError('the engine has not started');
    try {
      return JSON.parse(engine.validate(JSON.stringify(spec)));
    } catch (e) {
      throw toPlainError(e);
    }
  },

  async estimate(spec: Spec): Promise<number> {
    if (!engine) throw toPlainError('the engine has not started');
    try {
      return engine.estimate(JSON.stringify(spec));
    } catch (e) {
      throw toPlainError(e);
    }
  },

  async pythonProgram(spec: Spec, options: { baseUrl?: string; failing?: number[] } = {}): Promise<string> {
    if (!engine) throw toPlainError('the engine has not started');
    let mod: ProgramModule;
    try {
      mod = await loadProgramModule();
    } catch (e) {
      throw { name: 'EngineError', message: `could not load the Python program module: ${e instanceof Error ? e.message : String(e)}` } satisfies PlainError;
    }
    try {
      return mod.pythonProgram(JSON.stringify(spec), JSON.stringify(options));
    } catch (e) {
      // A rejection is a JSON error (a spec with no program); a trap is the module's own, not the engine's.
      if (typeof e === 'string') throw toPlainError(e);
      programModule = undefined;
      throw { name: 'EngineError', message: `the Python program module failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` } satisfies PlainError;
    }
  },

  cancel() {
    engine?.cancel();
  },

  stats(): EngineStats {
    const threads = engine?.threadWorkers() ?? 0;
    return { memoryBytes: engine?.memoryBytes() ?? 0, workers: 1 + threads + (probe?.count() ?? 0) };
  },
};

/**
 * A finished run's Result as it goes to the page: the engine's JSON and, for a big Result, the copy the
 * history stores, made here so that the page's main thread does not (./copies.ts).
 */
function copies(json: string): Copies {
  if (json.length <= COPIES_FROM_BYTES) return { json };
  return { json, stored: fitToBudget(JSON.parse(json) as Result, RESULT_BUDGET_BYTES - TOP_LEVEL_ROOM_BYTES).stored };
}

/**
 * In the threads build, the `processes` workers run the single build: warm its kernels once here, on an
 * instance of the same compiled module, so the code a process runs is already optimised (V8 shares a
 * module's compiled code between the workers it is sent to). The instance is then left alone.
 */
async function warmSingle(module: WebAssembly.Module, baseUrl: string, cores: number): Promise<void> {
  const single = (await import(/* @vite-ignore */ moduleUrl('single'))) as EngineModule;
  await single.default({ module_or_path: module });
  single.start(baseUrl, cores, 0, 0);
  for (const warm of WARM_UP) await single.run(JSON.stringify(warm));
}

Comlink.expose(api);
