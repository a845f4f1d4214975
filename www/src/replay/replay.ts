// Replay: the state of a recorded run at any instant, a pure function of its record. `window.lab.replay`
// returns this (docs/CONTRACT.md): the events, the run's length, whether the record is whole, and
// `stateAt(tMs)`. The state at `t` is every event with `tMs <= t` folded in order (events.ts); a
// checkpoint every few hundred events keeps any instant, forwards or back, a short fold away.

import { deriveEvents, derivedAbsent, gilKind } from './derive';
import { eventKinds, eventsVersion, sortEvents, type ReplayEvent } from './events';
import type { RunRecord } from './record';

/** The state at one instant. The first six fields are the contract's; the rest say since when, and why. */
export interface ReplayState {
  tMs: number;
  /** threads-gil: the thread holding the one GIL (null elsewhere). */
  gilHolder: string | null;
  /** threads-gil: the threads waiting for it, longest-waiting first. */
  gilWaiting: string[];
  /** interpreters: each interpreter's GIL and the thread holding it (or null). */
  gils?: Record<string, string | null>;
  /** The tasks executing now, by id. */
  running: number[];
  /** The tasks waiting on I/O (a blocked thread, or a coroutine awaiting), by id. */
  ioWaiting: number[];
  /** asyncio: the ready queue, in the order the tasks became ready. */
  readyQueue?: number[];

  /** The holder of the one GIL (threads-gil), with its task and since when. */
  holder: { lane: string; taskId?: number; sinceMs: number } | null;
  /** Every GIL wait (threads-gil and interpreters), longest first. */
  gilWaits: { lane: string; taskId?: number; sinceMs: number; gil?: string }[];
  /** A drop request pending on the one GIL; absent when the record cannot tell (derived from spans). */
  gilDropRequest?: { lane: string; holder?: string; sinceMs: number } | null;
  /** The running tasks; `nogil`: in C code that released the GIL. */
  runs: { taskId: number; lane?: string; sinceMs: number; nogil?: boolean }[];
  ioWaits: { taskId: number; lane?: string; sinceMs: number; awaits?: string; call?: string }[];
  ready: { taskId: number; sinceMs: number }[];
  /** Messages crossing between processes now (pickled tasks and results). */
  messages: { taskId?: number; what?: 'task' | 'result'; from?: string; to?: string; sinceMs: number }[];
  /** Worker processes still starting. */
  starting: { lane: string; sinceMs: number }[];
  /** Tasks that have ended, with how. */
  ended: { taskId: number; status: string }[];
}

/** Per task, the time spent so far in each activity. */
export interface Totals {
  /** Running (under threads-gil: holding the GIL), C code that released the GIL included. */
  run: number;
  /** Of `run`, C code that released the GIL. */
  runNogil: number;
  gilWait: number;
  io: number;
  loopWait: number;
  message: number;
}

export interface Replay {
  /** Every event, in order (the engine's, or derived from the spans). */
  events: ReplayEvent[];
  /** The Result's `endMs`: when the last task ended. */
  durationMs: number;
  detail: 'full' | 'coalesced';
  stateAt(tMs: number): ReplayState;
  /** Where the events come from: the engine's record, or the spans. */
  source: 'events' | 'spans';
  /** Event kinds this record cannot have (derived from spans: the GIL's drop requests). */
  absent: string[];
  /** Why the engine's events were not used, when they were not. */
  note?: string;
  /** The distinct instants at which something happens, in order: the steps of "one event per step". */
  times: number[];
  /** The next instant after `tMs` at which something happens (or `tMs` when there is none). */
  next(tMs: number): number;
  /** The last instant before `tMs` at which something happened (or 0). */
  prev(tMs: number): number;
  /** The events that happen at exactly `tMs`. */
  eventsAt(tMs: number): ReplayEvent[];
  /** Per task, the time spent running, waiting for the GIL, on I/O, for the loop, in messages, up to `tMs`. */
  totalsAt(tMs: number): Map<number, Totals & { lane?: string }>;
  /** The lanes of the run, in the timeline's order. */
  lanes: string[];
  mode: string;
}

interface TaskNow {
  lane?: string;
  run: number | null;
  nogil: boolean;
  gilWait: number | null;
  io: number | null;
  awaits?: string;
  call?: string;
  ready: number | null;
  message: number | null;
  ended?: string;
  totals: Totals;
}

interface GilNow {
  holder: { lane: string; taskId?: number; sinceMs: number } | null;
  waiting: { lane: string; taskId?: number; sinceMs: number }[];
  request: { lane: string; holder?: string; sinceMs: number } | null;
}

interface Message {
  key: string;
  taskId?: number;
  what?: 'task' | 'result';
  from?: string;
  to?: string;
  sinceMs: number;
}

const ONE_GIL = '';
const zero = (): Totals => ({ run: 0, runNogil: 0, gilWait: 0, io: 0, loopWait: 0, message: 0 });

/** The state folded so far: everything `stateAt` needs, copied at checkpoints. */
class Fold {
  tasks = new Map<number, TaskNow>();
  gils = new Map<string, GilNow>();
  ready: { taskId: number; sinceMs: number }[] = [];
  messages: Message[] = [];
  starting = new Map<string, number>();

  copy(): Fold {
    const f = new Fold();
    for (const [id, t] of this.tasks) f.tasks.set(id, { ...t, totals: { ...t.totals } });
    for (const [name, g] of this.gils) f.gils.set(name, { holder: g.holder && { ...g.holder }, waiting: g.waiting.map((w) => ({ ...w })), request: g.request && { ...g.request } });
    f.ready = this.ready.map((r) => ({ ...r }));
    f.messages = this.messages.map((m) => ({ ...m }));
    f.starting = new Map(this.starting);
    return f;
  }

  private task(e: ReplayEvent): TaskNow | undefined {
    if (e.taskId === undefined) return undefined;
    let t = this.tasks.get(e.taskId);
    if (!t) {
      t = { run: null, nogil: false, gilWait: null, io: null, ready: null, message: null, totals: zero() };
      this.tasks.set(e.taskId, t);
    }
    if (e.lane !== undefined) t.lane = e.lane;
    return t;
  }

  private gil(name: string): GilNow {
    let g = this.gils.get(name);
    if (!g) {
      g = { holder: null, waiting: [], request: null };
      this.gils.set(name, g);
    }
    return g;
  }

  apply(e: ReplayEvent): void {
    const t = this.task(e);
    const at = e.tMs;
    const gilName = e.gil ?? ONE_GIL;
    const lane = e.lane ?? '';
    switch (e.kind) {
      case 'task-start':
        break;
      case 'task-end':
        if (t) {
          // Whatever was still open ends with the task (a record cut short by a Stop or a crash).
          this.closeRun(t, at);
          this.closeIo(t, at);
          if (t.gilWait !== null) {
            t.totals.gilWait += at - t.gilWait;
            t.gilWait = null;
            for (const g of this.gils.values()) g.waiting = g.waiting.filter((w) => w.taskId !== e.taskId);
          }
          if (t.ready !== null) {
            t.totals.loopWait += at - t.ready;
            t.ready = null;
            this.ready = this.ready.filter((r) => r.taskId !== e.taskId);
          }
          t.ended = e.status ?? 'ok';
        }
        break;
      case 'run-start':
        if (t && t.run === null) {
          t.run = at;
          t.nogil = e.nogil === true;
        }
        break;
      case 'run-end':
        if (t) this.closeRun(t, at);
        break;
      case 'gil-wait': {
        const g = this.gil(gilName);
        if (!g.waiting.some((w) => w.lane === lane)) g.waiting.push({ lane, taskId: e.taskId, sinceMs: at });
        if (t && t.gilWait === null) t.gilWait = at;
        break;
      }
      case 'gil-take':
      case 'gil-wait-end': {
        const g = this.gil(gilName);
        g.waiting = g.waiting.filter((w) => w.lane !== lane);
        if (t && t.gilWait !== null) {
          t.totals.gilWait += at - t.gilWait;
          t.gilWait = null;
        }
        if (e.kind === 'gil-take') {
          g.holder = { lane, taskId: e.taskId, sinceMs: at };
          g.request = null;
        }
        break;
      }
      case 'gil-drop': {
        const g = this.gil(gilName);
        if (g.holder?.lane === lane) g.holder = null;
        g.request = null;
        break;
      }
      case 'gil-drop-request':
        this.gil(gilName).request = { lane, holder: e.holder, sinceMs: at };
        break;
      case 'io-start':
      case 'task-awaiting':
        if (t && t.io === null) {
          t.io = at;
          t.awaits = e.awaits;
          t.call = e.call;
        }
        break;
      case 'io-end':
        if (t) this.closeIo(t, at);
        break;
      case 'task-ready':
        if (t && t.ready === null && e.taskId !== undefined) {
          t.ready = at;
          this.ready.push({ taskId: e.taskId, sinceMs: at });
        }
        break;
      case 'task-scheduled':
        if (t && t.ready !== null) {
          t.totals.loopWait += at - t.ready;
          t.ready = null;
        }
        this.ready = this.ready.filter((r) => r.taskId !== e.taskId);
        break;
      case 'message-send':
        this.messages.push({ key: messageKey(e), taskId: e.taskId, what: e.what, from: e.from, to: e.to, sinceMs: at });
        if (t && t.message === null) t.message = at;
        break;
      case 'message-receive': {
        const key = messageKey(e);
        const i = this.messages.findIndex((m) => m.key === key);
        if (i >= 0) this.messages.splice(i, 1);
        if (t && t.message !== null) {
          t.totals.message += at - t.message;
          t.message = null;
        }
        break;
      }
      case 'process-start':
        if (e.lane !== undefined) this.starting.set(e.lane, at);
        break;
      case 'process-ready':
        if (e.lane !== undefined) this.starting.delete(e.lane);
        break;
    }
  }

  private closeRun(t: TaskNow, at: number): void {
    if (t.run === null) return;
    t.totals.run += at - t.run;
    if (t.nogil) t.totals.runNogil += at - t.run;
    t.run = null;
  }

  private closeIo(t: TaskNow, at: number): void {
    if (t.io === null) return;
    t.totals.io += at - t.io;
    t.io = null;
    t.awaits = undefined;
    t.call = undefined;
  }
}

const messageKey = (e: ReplayEvent) => `${e.taskId ?? ''}|${e.what ?? ''}|${e.from ?? ''}|${e.to ?? ''}`;

/** Events in a checkpoint's stretch: small enough that any instant is a short fold from one. */
const CHECKPOINT_EVERY = 256;

/** The engine's events, if the Result carries a record this replay can read; else why not. */
export function recordedEvents(r: RunRecord): { events?: ReplayEvent[]; note?: string } {
  const rec = r.events as { v?: unknown; list?: unknown } | unknown[] | undefined | null;
  if (rec === undefined || rec === null) return {};
  const list = Array.isArray(rec) ? rec : rec && typeof rec === 'object' && Array.isArray(rec.list) ? rec.list : undefined;
  const version = eventsVersion();
  const v = Array.isArray(rec) ? version : (rec as { v?: unknown }).v;
  if (v !== version || !list) return { note: `the run's events are of format ${JSON.stringify(v)}, this lab reads format ${version}: replayed from its spans` };
  const known = new Set<string>(eventKinds());
  const events: ReplayEvent[] = [];
  for (const e of list as ReplayEvent[]) {
    if (!e || typeof e !== 'object' || !Number.isFinite(e.tMs) || !known.has(e.kind)) continue;
    events.push(e);
  }
  if (events.length === 0 && list.length > 0) return { note: 'the run carries events of no known kind: replayed from its spans' };
  return { events: sortEvents(events) };
}

/** Lanes in the timeline's order (numbers compared as numbers: ThreadPool-2 before ThreadPool-10). */
function laneOrder(r: RunRecord): string[] {
  return [...new Set(r.tasks.map((t) => t.lane).filter(Boolean))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Replays `r`: from the engine's events when it has them, else from its spans. */
export function replay(r: RunRecord): Replay {
  const mode = String(r.spec.mode);
  const recorded = recordedEvents(r);
  const events = recorded.events ?? deriveEvents(r);
  const source = recorded.events ? 'events' : 'spans';
  const gil = gilKind(mode);
  const asyncio = mode === 'asyncio';
  const lanes = laneOrder(r);

  const checkpoints: Fold[] = [];
  const fold = new Fold();
  for (let i = 0; i < events.length; i++) {
    if (i % CHECKPOINT_EVERY === 0) checkpoints.push(fold.copy());
    fold.apply(events[i]);
  }
  const times: number[] = [];
  for (const e of events) if (times.length === 0 || times[times.length - 1] !== e.tMs) times.push(e.tMs);

  /** How many events have `tMs <= t`. */
  const countUpTo = (t: number): number => {
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid].tMs <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const foldAt = (t: number): Fold => {
    const n = countUpTo(t);
    const c = Math.min(Math.floor(n / CHECKPOINT_EVERY), checkpoints.length - 1);
    if (c < 0) return new Fold();
    const f = checkpoints[c].copy();
    for (let i = c * CHECKPOINT_EVERY; i < n; i++) f.apply(events[i]);
    return f;
  };

  const stateAt = (tMs: number): ReplayState => {
    const t = Number.isFinite(tMs) ? tMs : 0;
    const f = foldAt(t);
    const one = f.gils.get(ONE_GIL);
    const byId = (a: { taskId: number }, b: { taskId: number }) => a.taskId - b.taskId;
    const runs: ReplayState['runs'] = [];
    const ioWaits: ReplayState['ioWaits'] = [];
    const ended: ReplayState['ended'] = [];
    for (const [taskId, k] of f.tasks) {
      if (k.run !== null) runs.push({ taskId, lane: k.lane, sinceMs: k.run, ...(k.nogil ? { nogil: true } : {}) });
      if (k.io !== null) ioWaits.push({ taskId, lane: k.lane, sinceMs: k.io, ...(k.awaits ? { awaits: k.awaits } : {}), ...(k.call ? { call: k.call } : {}) });
      if (k.ended !== undefined) ended.push({ taskId, status: k.ended });
    }
    runs.sort(byId);
    ioWaits.sort(byId);
    ended.sort(byId);
    const gilWaits: ReplayState['gilWaits'] = [];
    for (const [name, g] of f.gils) for (const w of g.waiting) gilWaits.push({ ...w, ...(name === ONE_GIL ? {} : { gil: name }) });
    gilWaits.sort((a, b) => a.sinceMs - b.sinceMs);
    const state: ReplayState = {
      tMs: t,
      gilHolder: gil === 'one' ? (one?.holder?.lane ?? null) : null,
      gilWaiting: gil === 'one' ? (one?.waiting ?? []).slice().sort((a, b) => a.sinceMs - b.sinceMs).map((w) => w.lane) : [],
      running: runs.map((x) => x.taskId),
      ioWaiting: ioWaits.map((x) => x.taskId),
      holder: gil === 'one' && one?.holder ? { ...one.holder } : null,
      gilWaits,
      runs,
      ioWaits,
      ready: f.ready.map((x) => ({ ...x })),
      messages: f.messages.map(({ key: _key, ...m }) => m),
      starting: [...f.starting].map(([lane, sinceMs]) => ({ lane, sinceMs })),
      ended,
    };
    if (gil === 'per-lane') {
      state.gils = Object.fromEntries(lanes.map((l) => [l, f.gils.get(l)?.holder?.lane ?? null]));
    }
    if (asyncio) state.readyQueue = f.ready.map((x) => x.taskId);
    // A drop request is known only where the engine recorded the GIL's events.
    if (gil === 'one' && source === 'events') state.gilDropRequest = one?.request ? { ...one.request } : null;
    return state;
  };

  const totalsAt = (tMs: number) => {
    const f = foldAt(tMs);
    const out = new Map<number, Totals & { lane?: string }>();
    for (const [id, k] of f.tasks) {
      const open = (since: number | null) => (since === null ? 0 : Math.max(0, tMs - since));
      out.set(id, {
        lane: k.lane,
        run: k.totals.run + open(k.run),
        runNogil: k.totals.runNogil + (k.nogil ? open(k.run) : 0),
        gilWait: k.totals.gilWait + open(k.gilWait),
        io: k.totals.io + open(k.io),
        loopWait: k.totals.loopWait + open(k.ready),
        message: k.totals.message + open(k.message),
      });
    }
    return out;
  };

  return {
    events,
    durationMs: r.endMs,
    detail: r.detail === 'coalesced' ? 'coalesced' : 'full',
    stateAt,
    source,
    absent: source === 'spans' ? derivedAbsent(mode) : [],
    ...(recorded.note ? { note: recorded.note } : {}),
    times,
    next(tMs) {
      const i = countUpTo(tMs);
      return i < events.length ? events[i].tMs : tMs;
    },
    prev(tMs) {
      let lo = 0;
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid] < tMs) lo = mid + 1;
        else hi = mid;
      }
      return lo > 0 ? times[lo - 1] : 0;
    },
    eventsAt(tMs) {
      const end = countUpTo(tMs);
      let start = end;
      while (start > 0 && events[start - 1].tMs === tMs) start--;
      return events.slice(start, end);
    },
    totalsAt,
    lanes,
    mode,
  };
}
