// `window.lab`: the scriptable API (docs/API.md); host pages, tests and the page's own views all go through
// it, so the page can do nothing a script cannot. Thin: each call checks its options, then hands over to
// lab/ (engine.ts, job-queue.ts, runs.ts, compare.ts), measure/, history/, lesson/, replay/ and python/real/.

import type { EngineClient } from '../engine/client';
import type { Catalogue, Result, Spec, TaskListener } from '../engine/protocol';
import { HistoryStore, type HistoryState } from '../history/store';
import { chapterById } from '../lesson/chapters';
import { chapterList, chapterRunError, runChapter, type ChapterRun, type ChapterRunOptions } from '../lesson/run';
import { claims as decideClaims, type ClaimVerdict, type Outcome } from '../measure/verdicts';
import type { PythonResult } from '../python/real/protocol';
import { checkSource, PythonRunner, type RunOptions as PythonRunOptions } from '../python/real/runner';
import type { RunRecord } from '../replay/record';
import { replay as replayRun, type Replay } from '../replay/replay';
import { compareNow } from './compare';
import type { CompareOptions, CompareOutcome, LabOptions, Recorded, Status } from './contract';
import { toError } from './contract';
import { LabEngine } from './engine';
import { LabEvents } from './events';
import { JobQueue, type Job } from './job-queue';
import { noteProbe } from '../capabilities';
import { compareOptionsError, optionsError, PYTHON_OPTIONS, RUN_OPTIONS } from './options';
import { EngineRuns } from './runs';

export * from './contract';

const NOT_A_RESULT =
  'replay needs a Result (from lab.run, lab.history or an export): an object with spec, endMs and tasks';

export class Lab {
  readonly ready: Promise<Status>;
  private readonly events = new LabEvents();
  private readonly engine: LabEngine;
  /** Runs, Compares, chapters and real-Python runs, one at a time. */
  private readonly queue: JobQueue;
  private readonly runs: EngineRuns;
  private readonly store = new HistoryStore<Recorded>();
  /** Resolves once stored results are loaded (runs recorded meanwhile are kept too). */
  private readonly restored: Promise<void>;
  private readonly pythonRunner = new PythonRunner();
  /** Records a run (./runs.ts); tests record a made-up crashed run through it. */
  private readonly record = (r: Recorded) => this.runs.record(r);

  /** The lesson as a path: its chapters, and a chapter's experiments run fairly, its claims decided. */
  readonly lesson = {
    chapters: () => chapterList(),
    run: (id: string, options: ChapterRunOptions = {}): Promise<ChapterRun> => {
      const bad = chapterRunError(id, options);
      if (bad) return Promise.reject(toError(bad));
      return this.ready.then(() => runChapter(this, chapterById(id)!, options ?? {}));
    },
  };

  /** Real CPython 3.14 in the page (python/real/): a run is a job of the queue, never beside a measured run. */
  readonly python = {
    run: (source: string, options: { signal?: AbortSignal } & PythonRunOptions = {}): Promise<PythonResult> => {
      const bad = checkSource(source) ?? optionsError('python.run', options, PYTHON_OPTIONS);
      if (bad) return Promise.reject(bad instanceof Error ? bad : toError(bad));
      const run = (job: Job) => this.pythonRunner.run(source, job, options ?? {});
      return this.queue.enqueue(run, options?.signal) as Promise<PythonResult>;
    },
    /** The Python program that does what `spec`'s run does, as the engine writes it (src/core/python). */
    program: (spec: Spec, { baseUrl }: { baseUrl?: string } = {}): Promise<string> =>
      this.engine.ask(() => this.engine.client.pythonProgram(spec, { baseUrl })),
  };

  constructor(client: EngineClient, options: LabOptions = {}) {
    this.engine = new LabEngine(client, options, this.events.status, () => this.queue.current !== undefined);
    this.ready = this.engine.ready;
    this.restored = this.store.open().then(() => this.store.load());
    // Runs and Clears of other tabs, a full quota, a newer lab's store: the status and the page follow.
    this.store.onChange(() => {
      this.engine.storage(this.store.persistent, this.store.reason);
      this.events.history.tell(this.store.state());
    });
    this.runs = new EngineRuns(client, this.engine, this.store, this.events);
    this.queue = new JobQueue({
      ready: () => this.engine.runnable(),
      started: () => this.engine.update({ state: 'busy' }),
      cancelEngine: () => this.engine.client.cancel(),
      // A single run cut short is recorded as cancelled (a Compare records its own rows), and kept before
      // the job rejects.
      failed: async (err) => {
        const partial = (err as Error & { result?: Recorded }).result;
        if (err.name === 'AbortError' && partial && !('partial' in err)) await this.record(partial);
      },
      ended: async () => {
        this.events.jobEnd.tell();
        await this.engine.jobEnded(() => !this.queue.current && this.queue.waiting === 0);
      },
    });
  }

  /** A Compare as part of `job` (a Compare of its own, or one experiment of a chapter). */
  private compareIn(job: Job, spec: Spec, options: CompareOptions, lesson?: Recorded['lesson']): Promise<CompareOutcome> {
    const { runs } = this;
    const { client } = this.engine;
    const host = {
      catalogue: this.engine.described!,
      run: (s: Spec) => runs.run(job, s),
      probe: () => client.probe().then((p) => (noteProbe(p), p)),
      closeProbe: () => client.closeProbe(),
      // A chapter's rows say which run of it they belong to (a reload shows its last verdicts from them).
      record: lesson ? (r: Recorded) => this.record(Object.assign(r, { lesson })) : this.record,
      stopped: () => job.cancelled,
    };
    return compareNow(host, spec, options);
  }

  status(): Status {
    return this.engine.status();
  }

  workloads(): Catalogue {
    return this.engine.workloads();
  }

  /** Runs one spec, first come first served; resolves once its record is kept (the lab busy until then). */
  run(spec: Spec, options: { signal?: AbortSignal } = {}): Promise<Result> {
    const bad = optionsError('run', options, RUN_OPTIONS);
    if (bad) return Promise.reject(toError(bad));
    return this.queue.enqueue(async (job) => {
      const result = await this.runs.run(job, spec);
      await this.record(result);
      return result;
    }, options?.signal) as Promise<Result>;
  }

  /** The same work in every mode, fairly (./compare.ts): median rounds, a history row per mode; one job. */
  compare(spec: Spec, options: CompareOptions = {}): Promise<CompareOutcome> {
    // Refused before anything is queued (the modes again once the engine has named them).
    const modes = this.engine.described?.modes.map((m) => m.name);
    const bad = compareOptionsError(options, modes);
    if (bad) return Promise.reject(toError(bad));
    const compare = (job: Job) => this.compareIn(job, spec, options ?? {});
    return this.queue.enqueue(compare, options?.signal) as Promise<CompareOutcome>;
  }

  /** Several Compares as one job (a chapter's experiments): nothing else runs in between. */
  compareSeries(items: { spec: Spec; options: CompareOptions; lesson?: Recorded['lesson'] }[], signal?: AbortSignal): Promise<CompareOutcome[]> {
    return this.queue.enqueue(async (job) => {
      const out: CompareOutcome[] = [];
      for (const { spec, options, lesson } of items) out.push(await this.compareIn(job, spec, options, lesson));
      return out;
    }, signal) as Promise<CompareOutcome[]>;
  }

  /** The lesson's claims a Compare (or runs of the same work, one per mode) tests, with verdicts. */
  claims(outcome: Outcome): ClaimVerdict[] {
    return decideClaims(outcome);
  }

  /** Replays a finished run from its record: its events, length, detail and `stateAt(tMs)`; pure. */
  replay(result: Result | Recorded): Replay {
    const r = result as unknown as RunRecord;
    const isRecord = r && typeof r === 'object' && Array.isArray(r.tasks) && r.spec && typeof r.spec === 'object';
    const bad = { name: 'SpecError', message: NOT_A_RESULT, field: 'result', allowed: 'a Result' };
    if (!isRecord || !Number.isFinite(r.endMs)) throw toError(bad);
    return replayRun(r);
  }

  /** How long `spec`'s run should take here, in ms (from the calibration; the page warns past LONG_RUN_MS). */
  estimate(spec: Spec): Promise<number> {
    return this.engine.ask(() => this.engine.client.estimate(spec));
  }

  /** The spec as it would run (defaults filled in); rejects with a SpecError or Unavailable. */
  validate(spec: Spec): Promise<Spec> {
    return this.engine.ask(() => this.engine.client.validate(spec));
  }

  /** Cancels the running run (or Compare) and every waiting one. */
  cancel(): void {
    this.queue.cancelAll();
  }

  /** The stored results, oldest first, every tab's (this page's whole; others maybe coalesced). */
  async history(): Promise<Recorded[]> {
    await this.restored;
    return this.store.all();
  }

  /** Removes every run written at or before now, in every tab; resolves to them for `restoreHistory`. */
  async clearHistory(): Promise<Recorded[]> {
    await this.restored;
    return this.store.clear();
  }

  /** Undo: puts back what `clearHistory` removed, each in its place, in every tab; never twice. */
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

  /** Storage full, after exporting: drops the oldest stored runs (room for the unsaved twice over). */
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

  /** Called when the history changes, here or in another tab, or its state does. */
  onHistory(listener: (s: HistoryState) => void): void {
    this.events.history.add(listener);
  }

  /** Called with every finished or cancelled run, from the page, a URL or a script. */
  onRecord(listener: (r: Recorded) => void): void {
    this.events.record.add(listener);
  }

  /** Called when a run starts (with the spec as given). */
  onRunStart(listener: (spec: Spec) => void): void {
    this.events.runStart.add(listener);
  }

  /** Called when a run ends, however it ended (a result, a cancel, an error). */
  onRunEnd(listener: () => void): void {
    this.events.jobEnd.add(listener);
  }

  /** Called as each task of the running run finishes (with its output, e.g. an image band). */
  onTask(listener: TaskListener): void {
    this.events.task.add(listener);
  }

  onStatus(listener: (s: Status) => void): void {
    this.events.status.add(listener);
  }
}
