// The engine's life as `window.lab` sees it: the first start (the threads build where the page is isolated,
// the single build where it cannot be or where a browser refuses the threads build's memory), the
// calibration kept per browser profile, a fresh engine after a crash, and the status (`lab.status()`) that
// follows it all. Runs are not here: the queue (./job-queue.ts) and the runs (./runs.ts) wait on `runnable`.

import type { EngineClient } from '../engine/client';
import type { Catalogue, Defaults } from '../engine/protocol';
import { useCatalogue } from '../rules';
import { checkCapabilities, preliminary, threadsFailed } from '../capabilities';
import { loadCalibration, saveCalibration } from './calibration';
import { toError, type LabOptions, type Status } from './contract';
import type { Listeners } from './events';

export class LabEngine {
  readonly ready: Promise<Status>;
  /** Resolves when the engine can run: the first start, then each restart after a crash. */
  private started: Promise<unknown>;
  private readonly state: Status;
  private catalogue?: Catalogue;
  /** Set when a restart failed every try: the crash it was restarting after (the next job starts again). */
  private stopped?: string;
  /** The defaults calibrated on this machine (also kept in localStorage). */
  private defaults?: Defaults;

  constructor(
    readonly client: EngineClient,
    private readonly options: LabOptions,
    private readonly statusListeners: Listeners<[Status]>,
    /** Whether a job of the queue runs now (a restart ends `busy`, not `ready`, then). */
    private readonly busy: () => boolean,
  ) {
    const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
    const why = options.isolationReason ? `: ${options.isolationReason}` : '';
    this.state = {
      crossOriginIsolated: self.crossOriginIsolated === true,
      build: isolated ? 'threads' : 'single',
      threads: 0,
      state: 'starting',
      workers: 0,
      memoryBytes: 0,
      persistent: false,
      capabilities: preliminary(),
      // Until the capabilities are tried (boot), only a missing isolation is certain (WebKitGTK is isolated and cannot post shared memory).
      buildReason: self.crossOriginIsolated === true
        ? undefined
        : `this page is not cross-origin isolated, so it cannot share memory between threads (no SharedArrayBuffer)${why}`,
    };
    // The engine worker loads (and compiles the likely build) while the capabilities are tried.
    client.prepare();
    this.ready = this.boot();
    this.started = this.ready;
    client.onCrash = (message) => this.restart(message);
  }

  status(): Status {
    return { ...this.state, capabilities: structuredClone(this.state.capabilities) };
  }

  update(patch: Partial<Status>): void {
    Object.assign(this.state, patch);
    this.statusListeners.tell(this.status());
  }

  /** Whether results survive a reload, and why not: the status follows the history's store. */
  storage(persistent: boolean, storageReason?: string): void {
    if (this.state.persistent !== persistent || this.state.storageReason !== storageReason) this.update({ persistent, storageReason });
  }

  /** The catalogue the engine described (a copy): workloads, modes, fields. */
  workloads(): Catalogue {
    if (!this.catalogue) throw toError({ name: 'EngineError', message: 'the engine is still starting; await lab.ready' });
    return structuredClone(this.catalogue);
  }

  /** The catalogue itself, once started (read, never changed). */
  get described(): Catalogue | undefined {
    return this.catalogue;
  }

  /**
   * Resolves once the engine can run (after the first start, or the restart under way). An engine
   * `stopped` (its restart failed every try) is started again for the job that asks: a learner's next
   * Run is the natural "try again".
   */
  async runnable(): Promise<void> {
    await this.ready;
    if (this.stopped !== undefined) this.restart(this.stopped);
    await this.started;
  }

  /** A question to the ready engine (not a run: no queue), its rejection made an Error. */
  async ask<T>(question: () => Promise<T>): Promise<T> {
    await this.runnable();
    try {
      return await question();
    } catch (e) {
      throw toError(e);
    }
  }

  /** A job is over: ready at once when nothing else is to run, then the engine's figures once it answers. */
  async jobEnded(idle: () => boolean): Promise<void> {
    const restarting = () => this.state.state === 'restarting' || this.stopped !== undefined;
    if (this.stopped !== undefined) return this.update({ state: 'stopped' });
    if (restarting()) return;
    // A caller reading the status as its run resolves sees `ready`.
    if (idle()) this.update({ state: 'ready' });
    const fallback = { memoryBytes: this.state.memoryBytes, workers: this.state.workers };
    const stats = await this.client.stats().catch(() => fallback);
    // A job queued meanwhile may have started: the lab is busy again, not ready.
    if (!restarting()) this.update({ ...stats, state: this.busy() ? 'busy' : 'ready' });
  }

  /** A crashed engine is replaced by a fresh one (a new Worker with a new pool); results stay. */
  private restart(message: string): void {
    this.stopped = undefined;
    this.update({ state: 'restarting', lastCrash: message, workers: 0 });
    const stored = this.defaults && { labVersion: this.catalogue?.labVersion ?? '', defaults: this.defaults };
    this.started = this.client.start(this.state.build, stored).then(
      (s) => this.update({ state: this.busy() ? 'busy' : 'ready', workers: s.workers, memoryBytes: s.memoryBytes }),
      (e) => {
        // Nothing restarts any more: the status says so (not `restarting` for ever) until a job asks
        // again (runnable), and the runs waiting for this restart reject with its reason.
        this.stopped = message;
        this.update({ state: 'stopped', lastCrash: `${message}; the restart failed too: ${toError(e).message}` });
        throw toError(e);
      },
    );
    this.started.catch(() => {}); // rejected for the runs that wait on it; no one else need hear it
  }

  private async boot(): Promise<Status> {
    let started;
    const stored = loadCalibration();
    // Each step of the start is a performance measure (`lab:` ...), from the page's own start.
    const t0 = performance.now();
    // What this browser can do, each tried (capabilities/): the build follows from it, and its reason. The
    // engine starts once the build is decided; a nested worker and JSPI are tried meanwhile (`complete`).
    const { capabilities, choice, complete } = await checkCapabilities(this.options.isolationReason);
    Object.assign(this.state, { capabilities, build: choice.build, buildReason: choice.reason });
    measure('lab: capabilities tried (for the build)', t0, performance.now());
    void complete.then(() => measure('lab: capabilities tried (all)', t0, performance.now()));
    const t1 = performance.now();
    try {
      started = await this.client.start(this.state.build, stored);
    } catch (e) {
      if (this.state.build !== 'threads') throw toError(e);
      // The threads build reserves a large shared memory up front; a browser may refuse it.
      this.state.buildReason = threadsFailed(toError(e).message).reason;
      started = await this.client.start('single', stored);
    }
    // The worker's steps from when it took the start (its clock's origin differs from the page's), and
    // the waits around them: for the start message to be taken, and for the answer to come back.
    let at = started.stepsFrom !== undefined ? Math.max(t1, started.stepsFrom - performance.timeOrigin) : t1;
    measure('lab: engine: the worker takes the start', t1, at);
    for (const [name, ms] of started.steps ?? []) measure(`lab: engine: ${name}`, at, (at += ms));
    measure('lab: engine: its answer reaches the page', at, Math.max(at, performance.now()));
    measure('lab: engine started', t1, performance.now());
    const { catalogue, defaults } = started;
    this.catalogue = catalogue;
    useCatalogue(catalogue);
    this.defaults = defaults;
    if (started.calibrated) saveCalibration(catalogue.labVersion, catalogue.calibrationTargetMs, defaults);
    if (this.options.network) this.update(await this.options.network);
    const { build, threads, workers, memoryBytes } = started;
    this.state.capabilities = await complete;
    this.update({ build, threads, workers, memoryBytes, state: 'ready' });
    try {
      performance.mark('lab: ready');
    } catch {
      // As above.
    }
    return this.status();
  }
}

/** A step of the start, as the browser's performance timeline shows it (DevTools, the bench). */
function measure(name: string, start: number, end: number): void {
  try {
    performance.measure(name, { start, end });
  } catch {
    // An engine without User Timing Level 3: the figures only go unseen.
  }
}
