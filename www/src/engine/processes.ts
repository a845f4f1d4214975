// The `processes` mode, run from the engine worker: a pool of worker "processes" started afresh for the
// run (`with multiprocessing.Pool(workers) as pool: pool.map(work, range(tasks), chunksize=1)`), each
// handed the next task when it is free. The timeline shows each process's start-up ("start") and the
// messages that carry tasks out and records back ("message"). Cancel terminates the workers.

import type { ProcessMessage, ProcessReply } from './process-worker';
import type { Span, Task, TaskOutput } from './protocol';

const epoch = () => performance.timeOrigin + performance.now();

export interface ProcessRunOptions {
  /** The spec as the engine validated it (defaults filled in). */
  spec: { tasks: number; workers: number; onError?: string };
  specJson: string;
  baseUrl: string;
  cores: number;
  /** The single build, compiled once by the engine worker: each process instantiates it afresh. */
  module: WebAssembly.Module;
  /** Told of each task as its record comes back. */
  onTask(record: string, output?: TaskOutput): void;
}

export interface ProcessRun {
  /** The tasks' records, all `tasks` of them (unfinished ones `cancelled`), and the run's wall time. */
  done: Promise<{ records: Task[]; wallMs: number; cancelled: boolean; failure?: string }>;
  cancel(): void;
  /** Workers alive now. */
  workers(): number;
}

export function runProcesses({ spec, specJson, baseUrl, cores, module, onTask }: ProcessRunOptions): ProcessRun {
  const t0 = epoch();
  const records: (Task | undefined)[] = new Array(spec.tasks).fill(undefined);
  const workers: Worker[] = [];
  let next = 0;
  let inFlight = 0;
  /** `Executor.map` / `Pool.map` raised: hand out no more tasks; the running ones finish. */
  let mapRaised = false;
  let settle: (v: Awaited<ProcessRun['done']>) => void = () => {};
  const done = new Promise<Awaited<ProcessRun['done']>>((resolve) => (settle = resolve));
  let over = false;

  const end = (cancelled: boolean, failure?: string) => {
    if (over) return;
    over = true;
    for (const w of workers) w.terminate();
    workers.length = 0;
    const wallMs = epoch() - t0;
    const all = records.map(
      (r, id) => r ?? { id, lane: '', startMs: wallMs, endMs: wallMs, status: 'cancelled' as const, spans: [], value: 0 },
    );
    settle({ records: all, wallMs, cancelled, failure });
  };

  for (let i = 0; i < Math.min(spec.workers, spec.tasks); i++) {
    const lane = `Process-${i + 1}`;
    const spawnedAt = epoch();
    const worker = new Worker(new URL('./process-worker.js', import.meta.url), { type: 'module', name: lane });
    workers.push(worker);
    let startSpan: Span | undefined;
    let sentAt = 0;
    const send = (m: ProcessMessage) => worker.postMessage(m);
    const dispatch = () => {
      if (over || mapRaised || next >= spec.tasks) return;
      const id = next++;
      inFlight++;
      sentAt = epoch();
      send({ type: 'task', spec: specJson, id, t0, lane });
    };
    worker.addEventListener('message', ({ data }: MessageEvent<ProcessReply>) => {
      if (over) return;
      if (data.type === 'ready') {
        startSpan = { kind: 'start', startMs: spawnedAt - t0, endMs: data.at - t0 };
        dispatch();
      } else if (data.type === 'done') {
        const record = JSON.parse(data.record) as Task & { value: number };
        const receivedAt = epoch() - t0;
        const spans: Span[] = [{ kind: 'message', startMs: sentAt - t0, endMs: record.startMs }, ...record.spans];
        spans.push({ kind: 'message', startMs: record.endMs, endMs: receivedAt });
        // The first task of each process carries the process's start-up, so the lane shows it.
        if (startSpan) spans.unshift(startSpan);
        startSpan = undefined;
        records[record.id] = { ...record, spans };
        inFlight--;
        onTask(JSON.stringify(records[record.id]), data.output);
        if ((spec.onError ?? 'raise') === 'raise' && reachedFailure(records)) mapRaised = true;
        dispatch();
        if (inFlight === 0 && (mapRaised || next >= spec.tasks)) end(false);
      } else {
        // A failed process (an injected panic, say: its hook sends the panic's text first).
        end(false, `process ${lane} failed: ${(data as { message?: string }).message}`);
      }
    });
    worker.addEventListener('error', (e) => {
      // Handled here: a dead process fails this run; it must not reach the page as the engine's death.
      e.preventDefault();
      end(false, `process ${lane} died: ${e.message || 'worker error'}`);
    });
    send({ type: 'start', baseUrl, cores, module });
  }
  return { done, cancel: () => end(true), workers: () => workers.length };
}

/** Whether the caller iterating the results in order has reached a failed task. */
function reachedFailure(records: (Task | undefined)[]): boolean {
  const first = records.findIndex((r) => r?.status === 'error' || r?.status === 'timeout');
  return first >= 0 && records.slice(0, first + 1).every((r) => r !== undefined);
}
