// The `processes` mode, run from the engine worker: a pool of worker "processes" started afresh for the
// run (`with multiprocessing.Pool(workers) as pool: pool.map(work, range(tasks), chunksize=1)`), each
// handed the next task when it is free. Which task goes next, and when `map` stops handing them out
// (it raised), is the core's decision (`queue`: src/core/mode/pool/queue.rs, `MapQueue`), the same as for the
// thread modes. The timeline shows each process's start-up ("start") and the messages that carry tasks
// out and records back ("message"). Cancel terminates the workers.

import type { ProcessMessage, ProcessReply } from './process-worker';
import type { Span, Task, TaskOutput } from './protocol';

const epoch = () => performance.timeOrigin + performance.now();

/** `Pool.map`'s hand-out of tasks, as the core decides it (the facade's `TaskQueue`). */
export interface TaskQueue {
  /** The next task to start, or undefined: every task was handed out, or `map` has raised. */
  take(): number | undefined;
  finish(id: number, status: string): void;
}

export interface ProcessRunOptions {
  /** The spec as the engine validated it (defaults filled in). */
  spec: { tasks: number; workers: number };
  specJson: string;
  queue: TaskQueue;
  baseUrl: string;
  cores: number;
  /** The engine's id: a process that dies reports it on the engine's crash channel. */
  engineId: number;
  /** The page's test flag: the processes accept the test-only fault kinds too. */
  testFaults: boolean;
  /** The single build, compiled once by the engine worker: each process instantiates it afresh. */
  module: WebAssembly.Module;
  /** Told of each task as its record comes back. */
  onTask(record: string, output?: TaskOutput): void;
}

export interface ProcessRun {
  /** The records of the tasks that came back, the run's wall time, and what failed, if a process did. */
  done: Promise<{ records: Task[]; wallMs: number; cancelled: boolean; failure?: string }>;
  cancel(): void;
  /** Workers alive now. */
  workers(): number;
}

export function runProcesses({ spec, specJson, queue, baseUrl, cores, engineId, testFaults, module, onTask }: ProcessRunOptions): ProcessRun {
  const t0 = epoch();
  const records: Task[] = [];
  const workers: Worker[] = [];
  let inFlight = 0;
  let settle: (v: Awaited<ProcessRun['done']>) => void = () => {};
  const done = new Promise<Awaited<ProcessRun['done']>>((resolve) => (settle = resolve));
  let over = false;

  const end = (cancelled: boolean, failure?: string) => {
    if (over) return;
    over = true;
    for (const w of workers) w.terminate();
    workers.length = 0;
    settle({ records, wallMs: epoch() - t0, cancelled, failure });
  };

  for (let i = 0; i < Math.min(spec.workers, spec.tasks); i++) {
    const lane = `Process-${i + 1}`;
    const spawnedAt = epoch();
    // Named for what it is: a crash report or a panic says "process Process-2".
    const worker = new Worker(new URL('./process-worker.js', import.meta.url), { type: 'module', name: `process ${lane}` });
    workers.push(worker);
    let startSpan: Span | undefined;
    let sentAt = 0;
    const send = (m: ProcessMessage) => worker.postMessage(m);
    /** Hands this process the next task, if the core gives one; false when there is none. */
    const dispatch = () => {
      const id = over ? undefined : queue.take();
      if (id === undefined) return false;
      inFlight++;
      sentAt = epoch();
      send({ type: 'task', spec: specJson, id, t0, lane });
      return true;
    };
    worker.addEventListener('message', ({ data }: MessageEvent<ProcessReply | { type: 'engine:panic'; message: string }>) => {
      if (over) return;
      if (data.type === 'ready') {
        startSpan = { kind: 'start', startMs: spawnedAt - t0, endMs: data.at - t0 };
        if (!dispatch() && inFlight === 0) end(false);
      } else if (data.type === 'done') {
        const record = JSON.parse(data.record) as Task & { value: number };
        const receivedAt = epoch() - t0;
        const spans: Span[] = [{ kind: 'message', startMs: sentAt - t0, endMs: record.startMs }, ...record.spans];
        spans.push({ kind: 'message', startMs: record.endMs, endMs: receivedAt });
        // The first task of each process carries the process's start-up, so the lane shows it.
        if (startSpan) spans.unshift(startSpan);
        startSpan = undefined;
        const full = { ...record, spans };
        records.push(full);
        inFlight--;
        queue.finish(record.id, record.status);
        onTask(JSON.stringify(full), data.output);
        if (!dispatch() && inFlight === 0) end(false);
      } else if (data.type === 'engine:panic') {
        // The process is dying: its panic hook, or its crash report, names it and says why.
        end(false, data.message);
      } else {
        // Its task could not run at all.
        end(false, `process ${lane} failed: ${data.message}`);
      }
    });
    worker.addEventListener('error', (e) => {
      // Handled here: the message names the process, not the engine worker.
      e.preventDefault();
      end(false, `process ${lane} died: ${e.message || 'its script failed to load'}`);
    });
    send({ type: 'start', baseUrl, cores, module, engineId, testFaults });
  }
  return { done, cancel: () => end(true), workers: () => workers.length };
}
