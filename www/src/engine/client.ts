// The page's handle on the engine worker. It owns the Worker, so it can replace it (a restart after a
// crash is a new Worker: the rayon pool of a wasm instance can be built only once).

import * as Comlink from 'comlink';
import type { Build, EngineApi, EngineStartOptions, EngineStarted, EngineStats, Result, Spec, TaskListener } from './protocol';

export class EngineClient {
  private worker?: Worker;
  private remote?: Comlink.Remote<EngineApi>;
  private engineId = 0;
  /** Rejects the run in progress when the engine dies (its own promise never settles then). */
  private failRun?: (message: string) => void;
  private panics?: BroadcastChannel;
  started?: EngineStarted;
  /** Told when the engine crashed (a panic, or its worker died); the owner restarts it. */
  onCrash?: (message: string) => void;

  /** Starts a worker running `build`; resolves once the engine (and its pool) can run. */
  async start(build: Build, stored?: EngineStartOptions['stored']): Promise<EngineStarted> {
    this.stop();
    const engineId = (this.engineId = crypto.getRandomValues(new Uint32Array(1))[0] || 1);
    const worker = (this.worker = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module', name: 'lab-engine' }));
    worker.addEventListener('message', ({ data }) => {
      if (data?.type === 'engine:panic' && data.engineId === engineId) this.crashed(data.message);
    });
    worker.addEventListener('error', (e) => this.crashed(`the engine worker died: ${e.message || 'unknown error'}`));
    // Pool threads are Workers of the engine worker; their panics come by this channel.
    this.panics ??= new BroadcastChannel('concurrency-lab:panic');
    this.panics.onmessage = ({ data }) => {
      if (data?.engineId === this.engineId) this.crashed(data.message);
    };
    this.remote = Comlink.wrap<EngineApi>(worker);
    this.started = await this.remote.start({ build, baseUrl: document.baseURI, cores: navigator.hardwareConcurrency || 1, engineId, stored });
    return this.started;
  }

  run(spec: Spec, onTask: TaskListener): Promise<Result> {
    const remote = this.remote;
    if (!remote) return Promise.reject({ name: 'EngineError', message: 'the engine is not running' });
    return new Promise<Result>((resolve, reject) => {
      this.failRun = (message) => reject({ name: 'EngineError', message });
      remote.run(spec, Comlink.proxy(onTask)).then(resolve, reject);
    }).finally(() => (this.failRun = undefined));
  }

  validate(spec: Spec): Promise<Spec> {
    if (!this.remote) return Promise.reject({ name: 'EngineError', message: 'the engine is not running' });
    return this.remote.validate(spec);
  }

  private crashed(message: string): void {
    if (!this.worker) return;
    this.stop();
    this.failRun?.(message);
    this.failRun = undefined;
    this.onCrash?.(message);
  }

  cancel(): void {
    void this.remote?.cancel();
  }

  /** The parallelism the machine has free now (a Compare's probe); undefined where it cannot tell. */
  async probe(): Promise<number | undefined> {
    return this.remote ? this.remote.probe() : undefined;
  }

  closeProbe(): void {
    void this.remote?.closeProbe();
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
