// The run record's events: what happened, when, on the run's one clock (docs/API.md, "Replay and events").
// A Result may carry them (`events: { v: 1, list }`, recorded by the engine); when it does not, replay
// derives them from the tasks' spans (derive.ts). Either way replay folds the same events into the state
// at any instant (state.ts), so the engine's own record can slot in without changing the views.
//
// Pure types and constants: no DOM, no engine.

/** The version of the event format below. A record of another version is not read (replay says so). */
export const EVENTS_VERSION = 1;

/**
 * Every kind of event, in the lesson's words. Each changes what one task (or lane) is doing; an event
 * that starts an activity ends the one before it only where its own kind says so.
 */
export const EVENT_KINDS = [
  // A task's life.
  'task-start', // the task begins (a thread or process picks it up; asyncio: the task is created)
  'task-end', // the task ends; `status` says how
  // Running Python (or native code) on a lane; `nogil`: C code that released the GIL (NumPy, hashlib).
  'run-start',
  'run-end',
  // The GIL (threads-gil: one; interpreters: one per interpreter, named by `gil`).
  'gil-wait', // the thread asks for the GIL and waits
  'gil-drop-request', // a waiting thread, after the switch interval, asks the holder to drop it (`holder`)
  'gil-take', // the thread takes the GIL (its wait, if any, ends)
  'gil-drop', // the holder drops it (`reason`: "switch", "io", "end")
  'gil-wait-end', // the thread stops waiting without running (a Stop; or, derived from spans, a wait
  //                that ends where no `run` span starts: the take is bookkeeping too short to record)
  // I/O: a thread blocks in a call; a coroutine awaits.
  'io-start', // a thread blocks in an I/O call (`call`: what it calls)
  'task-awaiting', // asyncio: the task suspends at an await (`awaits`: what it awaits) until `io-end`
  'io-end', // the call returns / the awaited thing is done
  // asyncio's ready queue.
  'task-ready', // the task is ready again and joins the event loop's ready queue
  'task-scheduled', // the loop takes it off the queue to run it
  // processes: messages (pickled tasks and results) and start-up.
  'message-send', // `what`: "task" (to the worker) or "result" (back); `from`, `to`: lanes
  'message-receive',
  'process-start', // a worker process starts (spawn, interpreter start-up)
  'process-ready',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** One event. `lane` names the thread, process or event loop; `taskId` the task (0..tasks-1). */
export interface ReplayEvent {
  tMs: number;
  kind: EventKind;
  lane?: string;
  taskId?: number;
  /** `task-end`: how it ended. */
  status?: 'ok' | 'error' | 'timeout' | 'cancelled';
  /** GIL events under `interpreters`: whose GIL (the interpreter's lane). Absent: the one GIL. */
  gil?: string;
  /** `gil-drop-request`: the lane asked to drop. */
  holder?: string;
  /** `gil-drop`: why the GIL was dropped: the switch interval, blocking I/O, C code that releases it
   *  (`Py_BEGIN_ALLOW_THREADS`), or the end of the task's Python. */
  reason?: 'switch' | 'io' | 'released' | 'end';
  /** `run-start`: the task runs C code that released the GIL (it runs beside the GIL's holder). */
  nogil?: boolean;
  /** `task-awaiting`: what the coroutine awaits, as Python writes it (`asyncio.sleep(0.2)`). */
  awaits?: string;
  /** `io-start`: the blocking call, as Python writes it (`time.sleep(0.2)`). */
  call?: string;
  /** `message-send` / `message-receive`: what crosses, and between which lanes. */
  what?: 'task' | 'result';
  from?: string;
  to?: string;
}

/** How a Result carries its events: versioned, so a newer engine's record is never misread. */
export interface EventRecord {
  v: number;
  list: ReplayEvent[];
}

/** The parent process's lane in messages (Python's name for it). */
export const MAIN_PROCESS = 'MainProcess';

/**
 * The order of simultaneous events: what ends comes before what begins, so that at a hand-over the old
 * holder has dropped before the new one takes (never two holders), and a task's end comes after its
 * last activity and before the next task on its lane starts.
 */
const RANK: Record<EventKind, number> = {
  'run-end': 0,
  'gil-drop': 0,
  'io-end': 0,
  'message-receive': 0,
  'process-ready': 0,
  'task-scheduled': 0,
  'gil-wait-end': 0,
  'task-end': 1,
  'task-start': 2,
  'process-start': 3,
  'message-send': 3,
  'gil-wait': 3,
  'gil-drop-request': 3,
  'io-start': 3,
  'task-awaiting': 3,
  'task-ready': 3,
  'gil-take': 4,
  'run-start': 4,
};

export const rankOf = (kind: EventKind): number => RANK[kind];

/** Sorts events in place by time, then by the order above; events of one instant keep their order otherwise. */
export function sortEvents(events: ReplayEvent[]): ReplayEvent[] {
  const indexed = events.map((e, i) => [e, i] as const);
  indexed.sort(([a, i], [b, j]) => a.tMs - b.tMs || RANK[a.kind] - RANK[b.kind] || i - j);
  for (let i = 0; i < indexed.length; i++) events[i] = indexed[i][0];
  return events;
}
