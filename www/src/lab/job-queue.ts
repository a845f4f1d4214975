// The lab's one queue of jobs: runs, Compares, a chapter's experiments and real-Python runs go one at a
// time, first come first served, so no measured run ever overlaps another. A Stop reaches the job that
// runs (through its own `stop`, or the engine's cancel) and rejects every waiting one; an AbortSignal
// reaches its own job only. A job is over when everything its caller is told of is done: a run's job
// includes keeping its record (so `status().state` stays `busy` until then, and the next job starts on a
// machine no write still shares). What a job does, and what the lab does around it, is the owner's
// (./lab-api.ts).

import { toError } from './contract';

/** The longest queue of waiting runs; past it a run is refused (`Unavailable`, "queue full"). */
export const QUEUE_CAP = 100;

export interface Job {
  /** Runs the job once it is its turn (the engine ready, nothing else running). */
  exec(job: Job): Promise<unknown>;
  resolve(r: unknown): void;
  reject(e: Error): void;
  /** Set by a Stop: checked after every await, so a cancel is honoured whenever it comes. */
  cancelled: boolean;
  /** How a Stop ends this job when it is not the engine's (a real-Python run ends its Worker). */
  stop?: () => void;
}

/** What the queue asks of its owner around each job. */
export interface JobHooks {
  /** Resolves when a job may start (the engine started, or restarted after a crash). */
  ready(): Promise<unknown>;
  /** A job starts: the lab is busy. */
  started(): void;
  /** Stops the engine's run in progress (for a job without a `stop` of its own). */
  cancelEngine(): void;
  /** A job failed: awaited before it is rejected with `err` (a run cut short is kept first). */
  failed(err: Error): unknown;
  /** A job is over, however it ended; awaited before the next one starts. */
  ended(): Promise<void>;
}

/** The rejection of a job that a Stop reached before it started. */
export const notStarted = () => toError({ name: 'AbortError', message: 'the run was cancelled before it started' });

export class JobQueue {
  /** The job that runs now, if any. */
  current?: Job;
  private readonly queued: Job[] = [];

  constructor(private readonly hooks: JobHooks) {}

  /** How many jobs wait their turn. */
  get waiting(): number {
    return this.queued.length;
  }

  /** Queues a job; refuses one past the cap, and one whose signal is already aborted. */
  enqueue(exec: (job: Job) => Promise<unknown>, signal?: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(notStarted());
      if (this.queued.length >= QUEUE_CAP) {
        const reason = `queue full (${this.queued.length} jobs)`;
        return reject(toError({ name: 'Unavailable', message: `the lab's queue is full: ${reason}; wait for runs to finish or cancel them`, reason }));
      }
      const job: Job = { exec, resolve, reject, cancelled: false };
      signal?.addEventListener('abort', () => this.abort(job), { once: true });
      this.queued.push(job);
      void this.pump();
    });
  }

  /** A Stop: cancels the running job and every waiting one. */
  cancelAll(): void {
    for (const job of this.queued.splice(0)) {
      job.cancelled = true;
      job.reject(notStarted());
    }
    if (this.current) this.stop(this.current);
  }

  /** One job's signal: stops it if it runs, takes it out of the queue if it waits. */
  private abort(job: Job): void {
    if (job === this.current) return this.stop(job);
    job.cancelled = true;
    const i = this.queued.indexOf(job);
    if (i >= 0) {
      this.queued.splice(i, 1);
      job.reject(notStarted());
    }
  }

  private stop(job: Job): void {
    job.cancelled = true;
    if (job.stop) job.stop();
    else this.hooks.cancelEngine();
  }

  private async pump(): Promise<void> {
    if (this.current || this.queued.length === 0) return;
    const job = this.queued.shift()!;
    this.current = job;
    try {
      await this.hooks.ready();
      if (job.cancelled) throw notStarted();
      this.hooks.started();
      job.resolve(await job.exec(job));
    } catch (e) {
      const err = toError(e);
      try {
        await this.hooks.failed(err);
      } catch {
        // the job's own error is what its caller hears
      }
      job.reject(err);
    } finally {
      this.current = undefined;
      await this.hooks.ended();
      void this.pump();
    }
  }
}
