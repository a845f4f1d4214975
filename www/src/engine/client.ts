// The page's handle on the engine worker. It owns the Worker, so it can replace it (a restart after a
// crash is a new Worker: the rayon pool of a wasm instance can be built only once).

import * as Comlink from 'comlink';
import type { Build, EngineApi, EngineStarted, EngineStats, Result, Spec, TaskListener } from './protocol';

export class EngineClient {
  private worker?: Worker;
  private remote?: Comlink.Remote<EngineApi>;
  started?: EngineStarted;

  /** Starts a worker running `build`; resolves once the engine (and its pool) can run. */
  async start(build: Build): Promise<EngineStarted> {
    this.stop();
    this.worker = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module', name: 'lab-engine' });
    this.remote = Comlink.wrap<EngineApi>(this.worker);
    this.started = await this.remote.start({
      build,
      baseUrl: document.baseURI,
      cores: navigator.hardwareConcurrency || 1,
    });
    return this.started;
  }

  run(spec: Spec, onTask: TaskListener): Promise<Result> {
    if (!this.remote) return Promise.reject({ name: 'EngineError', message: 'the engine is not running' });
    return this.remote.run(spec, Comlink.proxy(onTask));
  }

  cancel(): void {
    void this.remote?.cancel();
  }

  async stats(): Promise<EngineStats> {
    return this.remote ? this.remote.stats() : { memoryBytes: 0, workers: 0 };
  }

  /** Ends the worker and, with it, every pool worker it started. */
  stop(): void {
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = undefined;
    this.remote = undefined;
  }
}
