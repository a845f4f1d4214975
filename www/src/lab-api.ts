// `window.lab`: the scriptable API (../shared/API.md). Host pages, tests and the page's own views all go
// through it, so the page can do nothing a script cannot.

import type { EngineClient } from './engine/client';
import { HistoryStore } from './history-store';
import type { Build, Catalogue, EngineState, PlainError, Result, Spec, TaskListener } from './engine/protocol';
import { usesNetwork, type Network, type NetworkInfo } from './network';

export interface Status {
  crossOriginIsolated: boolean;
  build: Build;
  threads: number;
  state: EngineState;
  workers: number;
  memoryBytes: number;
  /** Why the page runs the single build, when it does. */
  buildReason?: string;
  /** The last crash of the engine (it restarted by itself), if any. */
  lastCrash?: string;
  /** Whether results survive a reload (browser storage); `storageReason` says why not. */
  persistent: boolean;
  storageReason?: string;
  /** Who answers the latency endpoint: a server (`real`) or the lab's service worker (`simulated`). */
  network?: Network;
  networkReason?: string;
}

/** What the page knows before the engine starts (embedding: how isolation went, who answers the network). */
export interface LabOptions {
  /** Why the page is not cross-origin isolated, when it is not (from the boot script). */
  isolationReason?: string;
  /** Who answers `api/delay`; `ready` waits for it. */
  network?: Promise<NetworkInfo>;
}

/** A run as recorded: its Result, and whether a Stop cut it short. */
export type Recorded = Result & { cancelled?: boolean; network?: Network };

interface Job {
  spec: Spec;
  resolve(r: Result): void;
  reject(e: Error): void;
}

/** Turns a plain error object (as it crossed from the worker) into an Error with the same fields. */
export function toError(plain: PlainError | unknown): Error {
  const p = (plain && typeof plain === 'object' ? plain : { name: 'EngineError', message: String(plain) }) as PlainError;
  const err = new Error(p.message ?? 'unknown error');
  Object.assign(err, p);
  err.name = p.name ?? 'EngineError';
  return err;
}

export class Lab {
  readonly ready: Promise<Status>;
  /** Resolves when the engine can run: the first start, then each restart after a crash. */
  private engine: Promise<unknown>;
  private current?: Job;
  private readonly jobs: Job[] = [];
  private readonly store = new HistoryStore<Recorded>();
  /** Resolves once stored results are loaded (runs recorded meanwhile are kept too). */
  private readonly restored: Promise<void>;
  private readonly listeners = new Set<(r: Recorded) => void>();
  private readonly statusListeners = new Set<(s: Status) => void>();
  private readonly taskListeners = new Set<TaskListener>();
  private readonly startListeners = new Set<(spec: Spec) => void>();
  private readonly endListeners = new Set<() => void>();
  private catalogue?: Catalogue;
  private state: Status;

  constructor(private readonly client: EngineClient, private readonly options: LabOptions = {}) {
    const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
    this.state = {
      crossOriginIsolated: self.crossOriginIsolated === true,
      build: isolated ? 'threads' : 'single',
      threads: 0,
      state: 'starting',
      workers: 0,
      memoryBytes: 0,
      persistent: false,
      buildReason: isolated
        ? undefined
        : `this page is not cross-origin isolated, so it cannot share memory between threads (no SharedArrayBuffer)${options.isolationReason ? `: ${options.isolationReason}` : ''}`,
    };
    this.restored = this.store.open().then(async () => {
      await this.store.load();
      this.update({ persistent: this.store.persistent, storageReason: this.store.reason });
    });
    this.ready = this.boot();
    this.engine = this.ready;
    client.onCrash = (message) => this.restart(message);
  }

  /** A crashed engine is replaced by a fresh one (a new Worker with a new pool); results stay. */
  private restart(message: string): void {
    this.update({ state: 'restarting', lastCrash: message, workers: 0 });
    this.engine = this.client.start(this.state.build).then(
      (started) => this.update({ state: this.current ? 'busy' : 'ready', workers: started.workers, memoryBytes: started.memoryBytes }),
      (e) => this.update({ state: 'restarting', lastCrash: `${message}; the restart failed too: ${toError(e).message}` }),
    );
  }

  private async boot(): Promise<Status> {
    let started;
    try {
      started = await this.client.start(this.state.build);
    } catch (e) {
      if (this.state.build !== 'threads') throw toError(e);
      // The threads build reserves a large shared memory up front; a browser may refuse it.
      this.state.buildReason = `the threads build could not start (${toError(e).message}); running the single build`;
      started = await this.client.start('single');
    }
    this.catalogue = started.catalogue;
    if (this.options.network) this.update(await this.options.network);
    this.update({
      build: started.build,
      threads: started.threads,
      workers: started.workers,
      memoryBytes: started.memoryBytes,
      state: 'ready',
    });
    return this.status();
  }

  status(): Status {
    return { ...this.state };
  }

  workloads(): Catalogue {
    if (!this.catalogue) throw toError({ name: 'EngineError', message: 'the engine is still starting; await lab.ready' });
    return structuredClone(this.catalogue);
  }

  /** Runs one spec. Runs go one at a time, first come first served. */
  run(spec: Spec, options: { signal?: AbortSignal } = {}): Promise<Result> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(toError({ name: 'AbortError', message: 'the run was cancelled before it started' }));
      const job: Job = { spec, resolve, reject };
      signal?.addEventListener('abort', () => this.abort(job), { once: true });
      this.jobs.push(job);
      void this.pump();
    });
  }

  /**
   * Runs the same work in every mode, one after another (sequential first: it is the baseline).
   * A mode this engine cannot run, or a spec a mode refuses, carries `{ error }` instead of a Result.
   */
  async compare(spec: Spec, options: { signal?: AbortSignal } = {}): Promise<Record<string, Result | { error: PlainError }>> {
    await this.ready;
    const out: Record<string, Result | { error: PlainError }> = {};
    for (const mode of this.catalogue!.modes) {
      if (mode.unavailable) {
        out[mode.name] = { error: { name: 'Unavailable', message: mode.unavailable, reason: mode.unavailable } };
        continue;
      }
      try {
        out[mode.name] = await this.run({ ...spec, mode: mode.name }, options);
      } catch (e) {
        const err = e as Error & PlainError;
        if (err.name === 'AbortError') {
          Object.assign(err, { partial: out });
          throw err;
        }
        out[mode.name] = { error: { name: err.name, message: err.message, field: err.field, allowed: err.allowed, reason: err.reason } };
      }
    }
    return out;
  }

  /** The spec as it would run (defaults filled in); rejects with a SpecError or Unavailable. */
  async validate(spec: Spec): Promise<Spec> {
    await this.ready;
    await this.engine;
    try {
      return await this.client.validate(spec);
    } catch (e) {
      throw toError(e);
    }
  }

  /** Cancels the running run and every waiting one. */
  cancel(): void {
    for (const job of this.jobs.splice(0)) {
      job.reject(toError({ name: 'AbortError', message: 'the run was cancelled before it started' }));
    }
    if (this.current) this.client.cancel();
  }

  /** The stored results, oldest first. */
  async history(): Promise<Recorded[]> {
    await this.restored;
    return this.store.all();
  }

  async clearHistory(): Promise<void> {
    await this.restored;
    await this.store.clear();
  }

  /** The learner's last settings (the form's fields), as stored. */
  async settings(): Promise<Record<string, string> | undefined> {
    await this.restored;
    return this.store.loadSettings();
  }

  async saveSettings(settings: Record<string, string>): Promise<void> {
    await this.restored;
    await this.store.saveSettings(settings);
  }

  /** Called with every finished or cancelled run, from the page, a URL or a script. */
  onRecord(listener: (r: Recorded) => void): void {
    this.listeners.add(listener);
  }

  /** Called when a run starts (with the spec as given). */
  onRunStart(listener: (spec: Spec) => void): void {
    this.startListeners.add(listener);
  }

  /** Called when a run ends, however it ended (a result, a cancel, an error). */
  onRunEnd(listener: () => void): void {
    this.endListeners.add(listener);
  }

  /** Called as each task of the running run finishes (with its output, e.g. an image band). */
  onTask(listener: TaskListener): void {
    this.taskListeners.add(listener);
  }

  onStatus(listener: (s: Status) => void): void {
    this.statusListeners.add(listener);
  }

  private abort(job: Job): void {
    if (job === this.current) {
      this.client.cancel();
      return;
    }
    const i = this.jobs.indexOf(job);
    if (i >= 0) {
      this.jobs.splice(i, 1);
      job.reject(toError({ name: 'AbortError', message: 'the run was cancelled before it started' }));
    }
  }

  private async pump(): Promise<void> {
    if (this.current || this.jobs.length === 0) return;
    const job = this.jobs.shift()!;
    this.current = job;
    try {
      await this.ready;
      await this.engine;
      this.update({ state: 'busy' });
      for (const l of this.startListeners) l(job.spec);
      const result: Recorded = await this.client.run(job.spec, (record, output) => {
        for (const l of this.taskListeners) l(record, output);
      });
      this.label(result);
      this.record(result);
      job.resolve(result);
    } catch (e) {
      const err = toError(e);
      const partial = (err as Error & { result?: Result }).result;
      if (err.name === 'AbortError' && partial) this.record(this.label({ ...partial, cancelled: true }));
      job.reject(err);
    } finally {
      this.current = undefined;
      for (const l of this.endListeners) l();
      if (this.state.state !== 'restarting') {
        const stats = await this.client.stats().catch(() => ({ memoryBytes: this.state.memoryBytes, workers: this.state.workers }));
        this.update({ state: 'ready', ...stats });
      }
      void this.pump();
    }
  }

  /** Marks a run that used the network with who answered it (a simulated network behaves differently). */
  private label(r: Recorded): Recorded {
    if (this.state.network && usesNetwork(r.spec.workload)) r.network = this.state.network;
    return r;
  }

  private record(r: Recorded): void {
    for (const l of this.listeners) l(r);
    void this.restored.then(() => this.store.add(r)).then(() => {
      if (!this.store.persistent && this.state.persistent) this.update({ persistent: false, storageReason: this.store.reason });
    });
  }

  private update(patch: Partial<Status>): void {
    Object.assign(this.state, patch);
    for (const l of this.statusListeners) l(this.status());
  }
}
