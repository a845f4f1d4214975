// The engine worker: loads the wasm engine, starts its thread pool, runs what the page asks.
// Lab work never runs on the page's main thread; it runs here and on the pool's workers.

import * as Comlink from 'comlink';
import type { Build, EngineApi, EngineStartOptions, EngineStats, PlainError, Result, Spec } from './protocol';

/** The wasm-bindgen module of either build (same exports; `initThreadPool` only in `threads`). */
interface EngineModule {
  default(): Promise<unknown>;
  initThreadPool?(threads: number): Promise<void>;
  start(baseUrl: string, cores: number, poolThreads: number): string;
  run(spec: string): Promise<string>;
  cancel(): void;
  memoryBytes(): number;
  threadWorkers(): number;
}

let engine: EngineModule | undefined;

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
  const err = e as Error;
  // A trap (a panic under panic=abort, or memory that cannot grow) surfaces as a RuntimeError.
  return { name: 'EngineError', message: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}` };
}

const api: EngineApi = {
  async start({ build, baseUrl, cores }: EngineStartOptions) {
    const mod = (await import(/* @vite-ignore */ moduleUrl(build))) as EngineModule;
    await mod.default();
    let threads = 0;
    if (build === 'threads') {
      if (!mod.initThreadPool) throw toPlainError('the threads build has no initThreadPool');
      threads = Math.max(1, cores);
      await mod.initThreadPool(threads);
    }
    const catalogue = JSON.parse(mod.start(baseUrl, cores, threads));
    engine = mod;
    return { build, threads, catalogue, ...api.stats() };
  },

  async run(spec: Spec): Promise<Result> {
    if (!engine) throw toPlainError('the engine has not started');
    try {
      return JSON.parse(await engine.run(JSON.stringify(spec))) as Result;
    } catch (e) {
      throw toPlainError(e);
    }
  },

  cancel() {
    engine?.cancel();
  },

  stats(): EngineStats {
    return { memoryBytes: engine?.memoryBytes() ?? 0, workers: 1 + (engine?.threadWorkers() ?? 0) };
  },
};

Comlink.expose(api);
