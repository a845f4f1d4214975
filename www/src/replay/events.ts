// The run record's events: what happened, when, on the run's one clock (docs/API.md, "Replay and events").
// A Result may carry them (`events: { v: 1, list }`, recorded by the engine); when it does not, replay
// derives them from the tasks' spans (derive.ts). Either way replay folds the same events into the state
// at any instant (state.ts), so the engine's own record can slot in without changing the views.
//
// Pure: no DOM, no engine; the kinds, their order and the version are the engine's (../rules.ts).

import { modelRules } from '../rules';

/**
 * The version of the event format, as the engine records it (the catalogue's `rules.events.v`,
 * src/core/events.rs `EVENTS_VERSION`). A record of another version is not read (replay says so).
 */
export const eventsVersion = (): number => modelRules().events.v;

/**
 * Every kind of event, in the engine's order and words (the catalogue's `rules.events.kinds`; each kind
 * is described in src/core/events.rs `EventKind`). Each changes what one task (or lane) is doing; an
 * event that starts an activity ends the one before it only where its own kind says so.
 */
export const eventKinds = (): string[] => modelRules().events.kinds.map((k) => k.name);

/** An event's kind: one of `eventKinds()` (`task-start`, `gil-take`, `io-start`, ...). */
export type EventKind = string;

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

/** Each kind's rank among simultaneous events, per catalogue (read once). */
const ranks = new WeakMap<object, Map<string, number>>();

/**
 * The order of simultaneous events, the engine's (`rules.events.kinds[].rank`, src/core/events.rs
 * `EventKind::rank`): what ends comes before what begins, so that at a hand-over the old holder has
 * dropped before the new one takes (never two holders), and a task's end comes after its last activity
 * and before the next task on its lane starts. Undefined for a kind the engine does not know.
 */
export function rankOf(kind: EventKind): number | undefined {
  const events = modelRules().events;
  let byKind = ranks.get(events);
  if (!byKind) ranks.set(events, (byKind = new Map(events.kinds.map((k) => [k.name, k.rank]))));
  return byKind.get(kind);
}

/** Sorts events in place by time, then by the order above; events of one instant keep their order otherwise. */
export function sortEvents(events: ReplayEvent[]): ReplayEvent[] {
  const indexed = events.map((e, i) => [e, i, rankOf(e.kind) ?? NaN] as const);
  indexed.sort(([a, i, ra], [b, j, rb]) => a.tMs - b.tMs || ra - rb || i - j);
  for (let i = 0; i < indexed.length; i++) events[i] = indexed[i][0];
  return events;
}
