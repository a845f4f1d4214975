// One run on the engine, as part of a job of the queue (a run of its own, or one of a Compare's): the
// listeners hear it start and each task end, and its Result comes back labelled (network, machine, runId).
// Recording is here too, as the one way a run reaches the history: the page hears of it at once, and the
// promise resolves once the store has kept it.

import type { EngineClient } from '../engine/client';
import type { Machine, Result, Spec } from '../engine/protocol';
import type { HistoryStore } from '../history/store';
import { usesNetwork } from '../network';
import { labCores } from '../capabilities';
import { browserName, newRunId, toError, type Recorded } from './contract';
import type { LabEngine } from './engine';
import type { LabEvents } from './events';
import { notStarted, type Job } from './job-queue';

type WithResult = Error & { result?: Result };

export class EngineRuns {
  constructor(
    private readonly client: EngineClient,
    private readonly engine: LabEngine,
    private readonly store: HistoryStore<Recorded>,
    private readonly events: LabEvents,
  ) {}

  /**
   * Runs `spec` on the engine, not recorded (a Compare records its median rounds). A Stop that came before
   * the engine took the run (during boot or a restart) is honoured here.
   */
  async run(job: Job, spec: Spec): Promise<Recorded> {
    await this.engine.runnable();
    if (job.cancelled) throw notStarted();
    this.events.runStart.tell(spec);
    try {
      const result: Recorded = await this.client.run(spec, (record, output) => this.events.task.tell(record, output));
      return this.label(result);
    } catch (e) {
      const err: WithResult = toError(e);
      const partial = err.result;
      if (err.name === 'AbortError' && partial) err.result = this.label({ ...partial, cancelled: true } as Recorded);
      // The engine crashed under the run: the fresh engine assembled what it had done (its finished
      // tasks, the crash as its error); recorded here, whether the run was a job of its own or a Compare's.
      if (err.name === 'EngineError' && partial) await this.record((err.result = this.label(partial as Recorded)));
      throw err;
    }
  }

  /**
   * Records a run: the page is told at once; resolves once the record is kept, that is committed to the
   * history's store (the IndexedDB transaction's `complete`), or, where the page cannot store (no storage
   * given, a full quota, a newer lab's store), kept in memory with `historyState()` saying why. Never
   * rejects. Every call that reports a run (`run`, `compare`, `lesson.run`, a Stop's or a crash's
   * rejection) waits for this first, so a run reported is a run kept: a reload at once loses nothing.
   */
  record(r: Recorded): Promise<void> {
    // Any Result is kept, a partial one too (a run cut short by a Stop or a crash: its finished tasks).
    // The store copies it and begins its write first; the page then draws it while the browser writes.
    const kept = this.store.add(r);
    this.events.record.tell(r);
    return kept;
  }

  /**
   * Labels a Result with who answered its network (a simulated network behaves differently), the
   * machine it was measured on, and a run id.
   */
  private label(r: Recorded): Recorded {
    const { network, build } = this.engine.status();
    if (network && usesNetwork(r.spec.workload)) r.network = network;
    r.machine = { cores: labCores(), build, browser: browserName() } satisfies Machine;
    r.runId ??= newRunId();
    return r;
  }
}
