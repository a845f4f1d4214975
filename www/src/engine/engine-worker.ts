// The engine worker: loads the wasm engine, starts its thread pool, runs what the page asks.
// Lab work never runs on the page's main thread; it runs here and on the pool's workers.

import * as Comlink from 'comlink';
import { runProcesses, type ProcessRun } from './processes';
import type { Build, EngineApi, EngineStartOptions, EngineStats, PlainError, Result, Spec, TaskListener, TaskOutput } from './protocol';

/** The wasm-bindgen module of either build (same exports; `initThreadPool` only in `threads`). */
interface EngineModule {
  default(): Promise<unknown>;
  initThreadPool?(threads: number): Promise<void>;
  start(baseUrl: string, cores: number, poolThreads: number, engineId: number): string;
  run(spec: string, onTask?: (record: string, output?: TaskOutput) => void): Promise<string>;
  validate(spec: string): string;
  finish(spec: string, records: string, wallMs: number, cancelled: boolean): string;
  cancel(): void;
  memoryBytes(): number;
  threadWorkers(): number;
}

let engine: EngineModule | undefined;

/** Tiny runs of each CPU kernel, so the optimising compiler has seen them before the first measurement. */
const WARM_UP = [
  { workload: 'cpu-primes', mode: 'sequential', tasks: 1, size: 300_000 },
  { workload: 'cpu-mandelbrot', mode: 'sequential', tasks: 1, size: 64, iterations: 3000 },
];
let started: EngineStartOptions | undefined;
/** The `processes` run in progress (run from here, not by the wasm engine). */
let processRun: ProcessRun | undefined;

// The generated modules are loaded by URL, not bundled: wasm-bindgen-rayon's worker helper re-imports
// the same module by its URL on every pool thread.
const moduleUrl = (build: Build) => new URL(`./pkg/${build}/concurrency_lab.js`, import.meta.url).href;

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
  // A trap (a panic under panic=abort, or memory that cannot grow) surfaces as a RuntimeError.
  return { name: 'EngineError', message: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}` };
}

const api: EngineApi = {
  async start({ build, baseUrl, cores, engineId }: EngineStartOptions) {
    const mod = (await import(/* @vite-ignore */ moduleUrl(build))) as EngineModule;
    await mod.default();
    let threads = 0;
    if (build === 'threads') {
      if (!mod.initThreadPool) throw toPlainError('the threads build has no initThreadPool');
      threads = Math.max(1, cores);
      await mod.initThreadPool(threads);
    }
    const catalogue = JSON.parse(mod.start(baseUrl, cores, threads, engineId));
    // V8 compiles wasm with a quick baseline compiler first and optimises hot code later: without a
    // warm-up, the learner's first run would be ~20% slower than the same run after it. A few ms of each
    // kernel here, before the engine says it is ready, makes the first measured run like the rest.
    for (const warm of WARM_UP) await mod.run(JSON.stringify(warm));
    engine = mod;
    started = { build, baseUrl, cores, engineId };
    return { build, threads, catalogue, ...api.stats() };
  },

  async run(spec: Spec, onTask?: TaskListener): Promise<Result> {
    if (!engine) throw toPlainError('the engine has not started');
    // Outputs are copies in ordinary memory: hand their buffers over instead of copying them again.
    const report = (record: string, output?: TaskOutput) =>
      onTask?.(JSON.parse(record), output && Comlink.transfer(output, [output.data.buffer]));
    try {
      const specJson = engine.validate(JSON.stringify(spec));
      const filled = JSON.parse(specJson);
      if (filled.mode === 'processes') return await runOnProcesses(engine, specJson, filled, report);
      return JSON.parse(await engine.run(specJson, report)) as Result;
    } catch (e) {
      throw toPlainError(e);
    }
  },

  async validate(spec: Spec): Promise<Spec> {
    if (!engine) throw toPlainError('the engine has not started');
    try {
      return JSON.parse(engine.validate(JSON.stringify(spec)));
    } catch (e) {
      throw toPlainError(e);
    }
  },

  cancel() {
    processRun?.cancel();
    engine?.cancel();
  },

  stats(): EngineStats {
    const threads = engine?.threadWorkers() ?? 0;
    return { memoryBytes: engine?.memoryBytes() ?? 0, workers: 1 + threads + (processRun?.workers() ?? 0) };
  },
};

async function runOnProcesses(
  mod: EngineModule,
  specJson: string,
  spec: { tasks: number; workers: number },
  onTask: (record: string, output?: TaskOutput) => void,
): Promise<Result> {
  processRun = runProcesses({ spec, specJson, baseUrl: started!.baseUrl, cores: started!.cores, onTask });
  try {
    const { records, wallMs, cancelled, failure } = await processRun.done;
    if (failure) throw toPlainError(JSON.stringify({ name: 'EngineError', message: failure }));
    return JSON.parse(mod.finish(specJson, JSON.stringify(records), wallMs, cancelled)) as Result;
  } finally {
    processRun = undefined;
  }
}

Comlink.expose(api);
