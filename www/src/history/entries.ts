// The history's rows as this page holds them (./store.ts keeps them in IndexedDB): what an entry is (the
// stored copy, and for this page's own runs the whole result), copies a caller may change, a new entry
// with its stored copy under the budget, what the page is told about the history (`HistoryState`), and
// who waits for an entry to be kept, and the rows brought in line with the database (`reconciled`).

import { fitToBudget, sizeOf, type Budgeted } from '../engine/budget';
import { copiesOf } from '../engine/copies';
import { STORE_SCHEMA, type Identified } from './records';

/** What the store needs of a result: what identifies it, and what its size budget reads. */
export type Storable = Budgeted & Identified;

export interface Entry<R> {
  /** Its record's key once written (`pendingKey` while the write is under way). */
  key?: string;
  pendingKey?: string;
  /** Where it sorts: its key, or until written a key made when it was recorded. */
  order: string;
  /** The whole result, for runs recorded by this page (the stored copy may be coalesced). */
  full?: R;
  /**
   * Or, for a big run of this page, the whole result as the engine's JSON plus what the page set at its
   * top level (history/copies.ts), and the object the page shows (read, never changed, by `view`).
   */
  whole?: { json: string; top: Partial<R>; shown: R };
  stored: R;
  bytes: number;
  /**
   * `writing`: a write will carry it (queued, under way, or once the store is loaded); `stored`: its
   * transaction committed; `unsaved`: kept in memory, no write will carry it until something changes
   * (the quota, the learner's "make room"), and the history's state says why.
   */
  state: 'stored' | 'writing' | 'unsaved';
  /** Carried by the write the page started as it was hidden or closed (`writeAtOnce`), not by the queue. */
  hidden?: boolean;
  /** When it was last marked stored (a reconcile does not remove what was stored after it began). */
  storedAt?: number;
  /** A previous schema's entry being taken in: its content key (marked merged when written). */
  legacyKey?: string;
}

/** What the page shows about the history besides its rows. */
export interface HistoryState {
  /** Runs written here survive a reload. */
  persistent: boolean;
  /** The store was written by a newer lab: this page neither reads nor changes it. */
  readOnly: boolean;
  /** Why results are not kept, in plain words (`detail`: the browser's own message). */
  reason?: string;
  detail?: string;
  runs: number;
  /** Runs kept only in memory because the browser's storage is full (`full`) or the store is read-only. */
  unsaved: number;
  full: boolean;
  /** How many of the oldest runs "make room" would drop now (enough for the unsaved runs, twice over). */
  roomFor: number;
  /** Old runs dropped by the history's caps, and by the learner's choice, during this visit. */
  capDropped: number;
  roomDropped: number;
  /** Runs whose stored copy was coalesced (shown with a coarser timeline once reloaded). */
  coalesced: number;
}

/** An entry's result as whole as this page has it: its own, or a copy it may keep (not the one it shows). */
export function wholeOf<R>(e: Entry<R>): R {
  if (e.full) return e.full;
  if (e.whole) return Object.assign(JSON.parse(e.whole.json), structuredClone(e.whole.top)) as R;
  return e.stored;
}

/** A copy of an entry's result that the caller may change. */
export const copyOf = <R>(e: Entry<R>): R => (e.whole && !e.full ? wholeOf(e) : structuredClone(wholeOf(e)));

export const isQuota = (e: unknown) => (e as DOMException)?.name === 'QuotaExceededError';
export const byOrder = <R>(a: Entry<R>, b: Entry<R>) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);

/** What the database holds that this page lacks (./transactions.ts, `readMissing`): every run key, and the
 * records of the keys this page did not know. */
export interface Missing<R> {
  keys: ReadonlySet<string>;
  missing: readonly (readonly [string, { result: R; bytes: number } | undefined])[];
}

/**
 * This page's rows brought in line with the database read at `began`: a stored row whose record another
 * tab removed since is dropped (one stored after `began` stays), and the records this page lacked are added.
 */
export function reconciled<R>(entries: Entry<R>[], got: Missing<R>, began: number): Entry<R>[] {
  const out = entries.filter((e) => !(e.state === 'stored' && e.key && !got.keys.has(e.key) && (e.storedAt ?? 0) <= began));
  const have = new Set(out.map((e) => e.key ?? e.pendingKey));
  for (const [key, r] of got.missing) if (r && !have.has(key)) out.push({ key, order: key, stored: r.result, bytes: r.bytes, state: 'stored', storedAt: began });
  return out.sort(byOrder);
}

/** Why the history is not shown, when a newer lab wrote the store (version `schema`). */
export const newerStoreReason = (schema: number) =>
  `the results saved in this browser were written by a newer version of the lab (its store is version ${schema}; this page knows up to ${STORE_SCHEMA}), so this page leaves them untouched and does not show them. Reload the page to get the newer version; runs made here last until the page is closed`;

/** Why results stay in memory, where the browser gives the page no storage. */
export const NO_STORAGE_REASON =
  "this browser does not let the page store data here (often so in a course page's frame), so results stay until the page is closed";

/** A new entry for `r`, recorded at `order`: its stored copy under the budget (made in the engine worker for a big run). */
export function newEntry<R extends Storable>(r: R, order: string, state: Entry<R>['state'], legacyKey?: string): Entry<R> {
  const made = copiesOf(r);
  if (made?.stored) {
    // A big run: its copies were made in the engine worker; only the top level the page set is copied here.
    const { tasks: _tasks, events: _events, ...rest } = r;
    const top = structuredClone(rest) as Partial<R>;
    const budgeted = made.stored as R;
    const stored = { ...top, tasks: budgeted.tasks, ...(budgeted.events !== undefined && { events: budgeted.events }), ...(budgeted.detail && { detail: budgeted.detail }) } as R;
    return { order, whole: { json: made.json, top, shown: r }, stored, bytes: sizeOf(stored), state, legacyKey };
  }
  const full = structuredClone(r);
  const { stored, bytes } = fitToBudget(full);
  return { order, full, stored, bytes, state, legacyKey };
}

/** What the store knows besides its entries, for `stateOf`. */
export interface StoreFacts {
  persistent: boolean;
  readOnly: boolean;
  reason?: string;
  detail?: string;
  /** A database is open (unsaved runs are counted only then). */
  stored: boolean;
  full: boolean;
  capDropped: number;
  roomDropped: number;
}

/** What the page shows about the history besides its rows. */
export function stateOf<R extends Storable>(entries: Entry<R>[], s: StoreFacts): HistoryState {
  const unsaved = entries.filter((e) => e.state === 'unsaved');
  const need = 2 * unsaved.reduce((sum, e) => sum + e.bytes, 0) + 64 * 1024;
  let roomFor = 0;
  if (s.full) {
    let freed = 0;
    for (const e of entries) {
      if (freed >= need) break;
      if (e.state !== 'stored') continue;
      freed += e.bytes;
      roomFor++;
    }
  }
  return {
    persistent: s.persistent,
    readOnly: s.readOnly,
    reason: s.reason,
    detail: s.detail,
    runs: entries.length,
    unsaved: s.stored && (s.full || s.readOnly) ? unsaved.length : 0,
    full: s.full,
    roomFor,
    capDropped: s.capDropped,
    roomDropped: s.roomDropped,
    coalesced: entries.filter((e) => e.stored.detail === 'coalesced').length,
  };
}

/** Who waits for an entry to be kept (`add`'s promise): told once it is no longer `writing`. */
export class KeptWaiters<R> {
  private readonly waiting = new Map<Entry<R>, (() => void)[]>();

  /** Resolves once `e` is no longer being written (stored, kept in memory, or gone by a Clear). */
  wait(e: Entry<R>): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiting.get(e);
      if (list) list.push(resolve);
      else this.waiting.set(e, [resolve]);
    });
  }

  /** Tells those waiting for entries that are kept now (called on every change). */
  tell(entries: Entry<R>[]): void {
    if (!this.waiting.size) return;
    const present = new Set(entries);
    for (const [e, list] of this.waiting) {
      if (e.state === 'writing' && present.has(e)) continue;
      this.waiting.delete(e);
      for (const resolve of list) resolve();
    }
  }
}
