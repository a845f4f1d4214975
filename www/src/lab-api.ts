// `window.lab`: the scriptable API (docs/CONTRACT.md). Host pages, tests and the page's own views all go
// through it, so the page can do nothing a script cannot.

import type { EngineClient } from './engine/client';
import { HistoryStore, type HistoryState } from './history-store';
import type { Catalogue, Defaults, Machine, PlainError, Result, Spec, TaskListener } from './engine/protocol';
import { compareInRounds, CompareAborted, type SetAsideRound } from './measure/procedure';
import { claims as decideClaims, median, roundSpeedups, type ClaimVerdict, type Outcome } from './measure/verdicts';
import { usesNetwork } from './network';
import { useCatalogue } from './rules';
import { chapterById, knobAccepts, unknownChapter } from './lesson/chapters';
import { chapterList, runChapter, type ChapterRun, type ChapterRunOptions } from './lesson/run';
import { replay as replayRun, type Replay } from './replay/replay';
import type { RunRecord } from './replay/record';
import { checkSource, PythonRunner, type RunOptions as PythonRunOptions } from './python/real/runner';
import type { PythonResult } from './python/real/protocol';
import { browserName, compareBudgetMs, newRunId, toError, type CompareOptions, type CompareOutcome, type LabOptions, type Recorded, type Status } from './lab/contract';
import { loadCalibration, saveCalibration } from './lab/calibration';
import { JobQueue, notStarted, type Job } from './lab/job-queue';
import { compareOptionsError, optionsError, RUN_OPTIONS, CHAPTER_OPTIONS, PYTHON_OPTIONS } from './lab/options';
import { checkCapabilities, labCores, noteProbe, preliminary, threadsFailed } from './capabilities';

export * from './lab/contract';
export { QUEUE_CAP } from './lab/job-queue';

export class Lab {
  readonly ready: Promise<Status>;
  /** Resolves when the engine can run: the first start, then each restart after a crash. */
  private engine: Promise<unknown>;
  /** Runs, Compares and real-Python runs, one at a time. */
  private readonly queue: JobQueue;
  private readonly store = new HistoryStore<Recorded>();
  /** Resolves once stored results are loaded (runs recorded meanwhile are kept too). */
  private readonly restored: Promise<void>;
  private readonly listeners = new Set<(r: Recorded) => void>();
  private readonly historyListeners = new Set<(s: HistoryState) => void>();
  private readonly statusListeners = new Set<(s: Status) => void>();
  private readonly taskListeners = new Set<TaskListener>();
  private readonly startListeners = new Set<(spec: Spec) => void>();
  private readonly endListeners = new Set<() => void>();
  private catalogue?: Catalogue;
  private state: Status;

  /**
   * The lesson as a path (`docs/CONTRACT.md`, `lesson`): its chapters, and a chapter's experiments run
   * fairly, with the chapter's claims decided.
   */
  readonly lesson = {
    chapters: () => chapterList(),
    run: (id: string, options: ChapterRunOptions = {}): Promise<ChapterRun> => {
      const chapter = chapterById(id);
      if (!chapter) return Promise.reject(toError(unknownChapter(id)));
      const badOption = optionsError('lesson.run', options, CHAPTER_OPTIONS);
      if (badOption) return Promise.reject(toError(badOption));
      options ??= {};
      const k = chapter.knob;
      if (options.value !== undefined && !(k && knobAccepts(k, options.value))) {
        const allowed = k ? `${k.min}..${k.max}` : 'none (this chapter has no value to change)';
        return Promise.reject(toError({ name: 'SpecError', message: `value must be ${k ? `a number in ${allowed}` : allowed}: ${k?.label ?? chapter.title} (got ${JSON.stringify(options.value)})`, field: 'value', allowed }));
      }
      return this.ready.then(() => runChapter(this, chapter, options));
    },
  };

  /** The defaults calibrated on this machine (also kept in localStorage). */
  private defaults?: Defaults;

  private readonly pythonRunner = new PythonRunner();
  /**
   * Real CPython 3.14 in the page (Pyodide, in a Worker of its own, loaded on the first run:
   * python/real/): a run is a job of the queue like any other, so it never overlaps a measured run.
   */
  readonly python = {
    run: (source: string, options: { signal?: AbortSignal } & PythonRunOptions = {}): Promise<PythonResult> => {
      const bad = checkSource(source);
      if (bad) return Promise.reject(bad);
      const badOption = optionsError('python.run', options, PYTHON_OPTIONS);
      if (badOption) return Promise.reject(toError(badOption));
      options ??= {};
      return this.enqueue((job) => this.pythonRunner.run(source, job, options), options.signal) as Promise<PythonResult>;
    },
    /** The Python program that does what `spec`'s run does, as the engine writes it (src/core/python). */
    program: (spec: Spec, options: { baseUrl?: string } = {}): Promise<string> => this.ask(() => this.client.pythonProgram(spec, { baseUrl: options.baseUrl })),
  };

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
      capabilities: preliminary(),
      // Until the capabilities are tried (boot), only a missing isolation is certain (WebKitGTK is isolated and cannot post shared memory).
      buildReason: self.crossOriginIsolated === true
        ? undefined
        : `this page is not cross-origin isolated, so it cannot share memory between threads (no SharedArrayBuffer)${options.isolationReason ? `: ${options.isolationReason}` : ''}`,
    };
    this.restored = this.store.open().then(() => this.store.load());
    // Runs and Clears of other tabs, a full quota, a newer lab's store: the status and the page follow.
    this.store.onChange(() => {
      if (this.state.persistent !== this.store.persistent || this.state.storageReason !== this.store.reason) this.update({ persistent: this.store.persistent, storageReason: this.store.reason });
      const s = this.store.state();
      for (const l of this.historyListeners) l(s);
    });
    this.ready = this.boot();
    this.engine = this.ready;
    this.queue = new JobQueue({
      ready: async () => {
        await this.ready;
        await this.engine;
      },
      started: () => this.update({ state: 'busy' }),
      cancelEngine: () => this.client.cancel(),
      // A single run cut short is recorded as cancelled (a Compare records its own rows), and kept before
      // the job rejects.
      failed: async (err) => {
        const partial = (err as Error & { result?: Recorded }).result;
        if (err.name === 'AbortError' && partial && !('partial' in err)) await this.record(partial);
      },
      ended: async () => {
        for (const l of this.endListeners) l();
        const restarting = () => this.state.state === 'restarting';
        if (restarting()) return;
        // Ready at once when nothing else is to run (a caller reading the status as its run resolves
        // sees it), then the engine's figures once it answers.
        if (!this.queue.current && this.queue.waiting === 0) this.update({ state: 'ready' });
        const stats = await this.client.stats().catch(() => ({ memoryBytes: this.state.memoryBytes, workers: this.state.workers }));
        // A job queued meanwhile may have started: the lab is busy again, not ready.
        if (!restarting()) this.update({ ...stats, state: this.queue.current ? 'busy' : 'ready' });
      },
    });
    client.onCrash = (message) => this.restart(message);
  }

  /** A crashed engine is replaced by a fresh one (a new Worker with a new pool); results stay. */
  private restart(message: string): void {
    this.update({ state: 'restarting', lastCrash: message, workers: 0 });
    this.engine = this.client.start(this.state.build, this.defaults && { labVersion: this.catalogue?.labVersion ?? '', defaults: this.defaults }).then(
      (started) => this.update({ state: this.queue.current ? 'busy' : 'ready', workers: started.workers, memoryBytes: started.memoryBytes }),
      (e) => this.update({ state: 'restarting', lastCrash: `${message}; the restart failed too: ${toError(e).message}` }),
    );
  }

  private async boot(): Promise<Status> {
    let started;
    const stored = loadCalibration();
    // What this browser can do, each tried (capabilities/): the build follows from it, and its reason.
    const { capabilities, choice } = await checkCapabilities(this.options.isolationReason);
    this.state = { ...this.state, capabilities, build: choice.build, buildReason: choice.reason };
    try {
      started = await this.client.start(this.state.build, stored);
    } catch (e) {
      if (this.state.build !== 'threads') throw toError(e);
      // The threads build reserves a large shared memory up front; a browser may refuse it.
      this.state.buildReason = threadsFailed(toError(e).message).reason;
      started = await this.client.start('single', stored);
    }
    this.catalogue = started.catalogue;
    useCatalogue(started.catalogue);
    this.defaults = started.defaults;
    if (started.calibrated) saveCalibration(started.catalogue.labVersion, started.catalogue.calibrationTargetMs, started.defaults);
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
    return { ...this.state, capabilities: structuredClone(this.state.capabilities) };
  }

  workloads(): Catalogue {
    if (!this.catalogue) throw toError({ name: 'EngineError', message: 'the engine is still starting; await lab.ready' });
    return structuredClone(this.catalogue);
  }

  /**
   * Runs one spec. Runs go one at a time, first come first served. Resolves once the run's record is
   * kept (`record`): the wait is part of the job, so the lab stays busy until then and the next job's
   * timings never share the machine with this one's write.
   */
  run(spec: Spec, options: { signal?: AbortSignal } = {}): Promise<Result> {
    const bad = optionsError('run', options, RUN_OPTIONS);
    if (bad) return Promise.reject(toError(bad));
    options ??= {};
    return this.enqueue(async (job) => {
      const result = await this.runNow(job, spec);
      await this.record(result);
      return result;
    }, options.signal) as Promise<Result>;
  }

  /**
   * Runs the same work in every mode, fairly (www/src/measure/procedure.ts): an uncounted warm-up
   * round, then rounds in changing orders with a parallelism probe each, more while a claim is
   * inconclusive, within `budgetMs`. Each mode's entry is its median round's Result with `rounds` and
   * `spread`; one history row per mode. A mode this engine cannot run, or a spec a mode refuses,
   * carries `{ error }`. The whole Compare is one job: `status()` is `busy` from its first run to its
   * last, and nothing else runs in between.
   */
  compare(spec: Spec, options: CompareOptions = {}): Promise<CompareOutcome> {
    // Bad options are refused before anything is queued or run (the modes again once the engine has
    // named them, in compareNow).
    const bad = compareOptionsError(options, this.catalogue?.modes.map((m) => m.name));
    if (bad) return Promise.reject(toError(bad));
    options ??= {};
    return this.enqueue((job) => this.compareNow(job, spec, options), options.signal) as Promise<CompareOutcome>;
  }

  /** A Compare as part of `job` (a Compare of its own, or one experiment of a chapter). */
  private async compareNow(job: Job, spec: Spec, options: CompareOptions): Promise<CompareOutcome> {
    const catalogue = this.catalogue!;
    const bad = compareOptionsError(options, catalogue.modes.map((m) => m.name));
    if (bad) throw toError(bad);
    const refused: Record<string, PlainError> = {};
    const modes: string[] = [];
    for (const mode of catalogue.modes) {
      if (options.modes && !options.modes.includes(mode.name)) continue;
      if (mode.unavailable) refused[mode.name] = { name: 'Unavailable', message: mode.unavailable, reason: mode.unavailable };
      modes.push(mode.name);
    }
    const notes = new Map<string, string>();
    const specFor = (mode: string): Spec => {
      const s: Spec = { ...spec, mode };
      const info = catalogue.modes.find((m) => m.name === mode);
      // More workers than rayon's pool has: rayon runs with the pool (it cannot grow), and says so.
      const workers = Number(s.workers);
      if (info?.workers && s.workers !== undefined && Number.isInteger(workers) && workers > info.workers.max && mode === 'rayon') {
        s.workers = info.workers.max;
        notes.set(mode, `workers = ${workers} is more than rayon's pool of ${info.workers.max} threads, so rayon ran with ${info.workers.max}.`);
      }
      return s;
    };
    const budgetMs = options.budgetMs ?? compareBudgetMs(modes.length - Object.keys(refused).length);
    let report;
    try {
      report = await compareInRounds<Recorded>({
        modes,
        refused,
        run: (mode) => this.runNow(job, specFor(mode)),
        probe: () => this.client.probe().then((p) => (noteProbe(p), p)),
        budgetMs,
        minRounds: options.minRounds,
        now: () => performance.now(),
        random: Math.random,
        onProgress: options.onProgress,
        stopped: () => job.cancelled,
      });
    } catch (e) {
      if (e instanceof CompareAborted) {
        const partial = await this.finishCompare(e.report.outcome as CompareOutcome, notes, { ...e.report, budgetMs });
        throw Object.assign(toError({ name: 'AbortError', message: 'the compare was cancelled' }), { partial });
      }
      throw e;
    } finally {
      this.client.closeProbe();
    }
    return this.finishCompare(report.outcome as CompareOutcome, notes, { ...report, budgetMs });
  }

  /**
   * Runs several Compares as one job (a chapter's experiments): `status()` stays `busy` from the first to
   * the last, and nothing else runs in between.
   */
  compareSeries(items: { spec: Spec; options: CompareOptions }[], signal?: AbortSignal): Promise<CompareOutcome[]> {
    return this.enqueue(async (job) => {
      const out: CompareOutcome[] = [];
      for (const { spec, options } of items) out.push(await this.compareNow(job, spec, options));
      return out;
    }, signal) as Promise<CompareOutcome[]>;
  }

  /**
   * Records one history row per mode of a Compare (its median round), with how it was measured; resolves
   * once every row is kept.
   */
  private async finishCompare(outcome: CompareOutcome, notes: Map<string, string>, report: { orders: string[][]; warmUp: string[]; ended?: string; parallelism: number[]; roundProbes: (number | null)[][]; budgetMs: number; setAside: SetAsideRound[] }): Promise<CompareOutcome> {
    const kept: Promise<void>[] = [];
    const seq = outcome.sequential && 'wallMs' in outcome.sequential ? (outcome.sequential as Recorded) : undefined;
    for (const [mode, entry] of Object.entries(outcome)) {
      if (!('wallMs' in entry)) continue;
      const r = entry as Recorded;
      const speedups = seq && !seq.cancelled && !r.cancelled ? roundSpeedups(seq, r) : [];
      if (speedups.length) r.speedup = median(speedups);
      const r2 = <P extends number | null>(p: P) => (p === null ? p : Math.round(p * 100) / 100) as P;
      // Each counted round keeps its probes (before it, between its runs, after it): the verdicts read them.
      r.measurement = { warmUp: report.warmUp, orders: report.orders, ended: report.ended, probes: report.parallelism.map(r2), roundProbes: report.roundProbes.map((ps) => ps.map(r2)), budgetMs: report.budgetMs };
      if (report.setAside.length) r.measurement.setAside = report.setAside.map((a) => ({ ...a, probe: r2(a.probe), probes: a.probes.map(r2) }));
      const note = notes.get(mode);
      if (note) r.notes = [...(r.notes ?? []), note];
      kept.push(this.record(r));
    }
    await Promise.all(kept);
    return outcome;
  }

  /** The lesson's claims a Compare (or runs of the same work, one per mode) tests, with verdicts. */
  claims(outcome: Outcome): ClaimVerdict[] {
    return decideClaims(outcome);
  }

  /**
   * Replays a finished run from its record (www/src/replay): its events, its length, whether the record
   * is whole, and `stateAt(tMs)`. Synchronous and pure: the same record gives the same states.
   */
  replay(result: Result | Recorded): Replay {
    const r = result as unknown as RunRecord;
    if (!r || typeof r !== 'object' || !Array.isArray(r.tasks) || !r.spec || typeof r.spec !== 'object' || !Number.isFinite(r.endMs)) {
      throw toError({ name: 'SpecError', message: 'replay needs a Result (from lab.run, lab.history or an export): an object with spec, endMs and tasks', field: 'result', allowed: 'a Result' });
    }
    return replayRun(r);
  }

  /**
   * How long `spec`'s run should take on this machine, in ms: an estimate from the calibration (within
   * about a factor of two far from the defaults). The page warns before a run over `LONG_RUN_MS`.
   */
  estimate(spec: Spec): Promise<number> {
    return this.ask(() => this.client.estimate(spec));
  }

  /** The spec as it would run (defaults filled in); rejects with a SpecError or Unavailable. */
  validate(spec: Spec): Promise<Spec> {
    return this.ask(() => this.client.validate(spec));
  }

  /** A question to the ready engine (not a run: no queue), its rejection made an Error. */
  private async ask<T>(question: () => Promise<T>): Promise<T> {
    await this.ready;
    await this.engine;
    try {
      return await question();
    } catch (e) {
      throw toError(e);
    }
  }

  /** Cancels the running run (or Compare) and every waiting one. */
  cancel(): void {
    this.queue.cancelAll();
  }

  /**
   * The stored results, oldest first, every tab's (this page's runs whole; others as stored, maybe
   * `detail: "coalesced"`), and runs kept in memory when storage is full or read-only.
   */
  async history(): Promise<Recorded[]> {
    await this.restored;
    return this.store.all();
  }

  /**
   * Removes every run written at or before now, in every tab (runs recorded after stay). Resolves to
   * what it removed, oldest first, for `restoreHistory` (Undo).
   */
  async clearHistory(): Promise<Recorded[]> {
    await this.restored;
    return this.store.clear();
  }

  /**
   * Undo: puts back results `clearHistory` removed, each in its own place, in every tab; other results
   * are recorded anew after what is there. One already there is not added twice.
   */
  async restoreHistory(results: Recorded[]): Promise<void> {
    await this.restored;
    await this.store.restore(results);
  }

  /** `history()` as it is now, not copied: for the page's own table, which only reads it. */
  historyView(): readonly Recorded[] {
    return this.store.view();
  }

  /** What the page says about the history: read-only, full, old runs dropped, coarser stored copies. */
  historyState(): HistoryState {
    return this.store.state();
  }

  /** Called when the history changes, here or in another tab, or its state does. */
  onHistory(listener: (s: HistoryState) => void): void {
    this.historyListeners.add(listener);
  }

  /**
   * The learner's choice when the browser's storage is full (after exporting): drops the oldest stored
   * runs, enough for the runs kept in memory twice over, and writes those. Resolves to how many dropped.
   */
  async makeRoomInHistory(): Promise<number> {
    await this.restored;
    return this.store.makeRoom();
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

  private enqueue(exec: (job: Job) => Promise<unknown>, signal?: AbortSignal): Promise<unknown> {
    return this.queue.enqueue(exec, signal);
  }

  /**
   * One run on the engine, as part of `job`: the start and task listeners are told, and the Result is
   * labelled (network, machine, runId) but not recorded. A Stop that came before the engine took the
   * run (during boot or a restart) is honoured here.
   */
  private async runNow(job: Job, spec: Spec): Promise<Recorded> {
    await this.engine;
    if (job.cancelled) throw notStarted();
    for (const l of this.startListeners) l(spec);
    try {
      const result: Recorded = await this.client.run(spec, (record, output) => {
        for (const l of this.taskListeners) l(record, output);
      });
      return this.label(result);
    } catch (e) {
      const err = toError(e);
      const partial = (err as Error & { result?: Result }).result;
      if (err.name === 'AbortError' && partial) (err as Error & { result?: Result }).result = this.label({ ...partial, cancelled: true } as Recorded);
      // The engine crashed under the run: the fresh engine assembled what it had done (its finished
      // tasks, the crash as its error); recorded here, whether the run was a job of its own or a Compare's.
      if (err.name === 'EngineError' && partial) await this.record(((err as Error & { result?: Result }).result = this.label(partial as Recorded)));
      throw err;
    }
  }

  /**
   * Labels a Result with who answered its network (a simulated network behaves differently), the
   * machine it was measured on, and a run id.
   */
  private label(r: Recorded): Recorded {
    if (this.state.network && usesNetwork(r.spec.workload)) r.network = this.state.network;
    r.machine = { cores: labCores(), build: this.state.build, browser: browserName() } satisfies Machine;
    r.runId ??= newRunId();
    return r;
  }

  /**
   * Records a run: the page is told at once; resolves once the record is kept, that is committed to the
   * history's store (the IndexedDB transaction's `complete`), or, where the page cannot store (no storage
   * given, a full quota, a newer lab's store), kept in memory with `historyState()` saying why. Never
   * rejects. Every call that reports a run (`run`, `compare`, `lesson.run`, a Stop's or a crash's
   * rejection) waits for this first, so a run reported is a run kept: a reload at once loses nothing.
   */
  private record(r: Recorded): Promise<void> {
    // Any Result is kept, a partial one too (a run cut short by a Stop or a crash: its finished tasks).
    // The store copies it and begins its write first; the page then draws it while the browser writes.
    const kept = this.store.add(r);
    for (const l of this.listeners) l(r);
    return kept;
  }

  private update(patch: Partial<Status>): void {
    Object.assign(this.state, patch);
    for (const l of this.statusListeners) l(this.status());
  }
}
