// Where the learner's results and settings live between visits: IndexedDB through idb-keyval, one record
// per run (layout and schema: history/records.ts), shared by every tab of the lab. Each run is written
// once, in a transaction of its own, so tabs never overwrite each other's runs; a BroadcastChannel tells
// the other tabs that something changed, and each reads what it lacks (the database is the truth).
// Nothing is dropped without the learner knowing: a full quota keeps new runs in memory and asks; a store
// written by a newer lab is left untouched. Where the browser gives no storage at all (a sandboxed or
// partitioned third-party iframe, some private modes) results live in memory, and the page says so.
// What an entry is, and what the page is told of the history, is ./entries.ts; the transactions,
// ./transactions.ts.

import { createStore, get, promisifyRequest, set, type UseStore } from 'idb-keyval';
import { RESULT_BUDGET_BYTES } from '../engine/budget';
import { byOrder, copyOf, isQuota, KeptWaiters, newEntry, newerStoreReason, NO_STORAGE_REASON, reconciled, stateOf, wholeOf, type Entry, type HistoryState, type Storable } from './entries';
import { commitNow, STORE, transact, transactNow, type TxWatch } from './idb';
import { contentKey, HISTORY_BYTES_CAP, HISTORY_CAP, KEYS, runKey, SETTINGS_VERSION, STORE_SCHEMA } from './records';
import { adjustTotal, dropForRoom, loadRuns, NewerStore, putBack, putNow, readMissing, removeUpToNow, settleHiddenWrite, writeRuns } from './transactions';

export { HISTORY_BYTES_CAP, HISTORY_CAP, RESULT_BUDGET_BYTES, STORE_SCHEMA };
export type { HistoryState, Storable };

const CHANNEL = 'concurrency-lab:history';

export class HistoryStore<R extends Storable, S = Record<string, string>> {
  private db?: UseStore;
  /** The same database's open connection, to begin a write in the task that records a run. */
  private idb?: IDBDatabase;
  private channel?: BroadcastChannel;
  private readonly tab = Math.random().toString(36).slice(2, 8).padEnd(6, '0');
  private n = 0;
  /** A new run key of this tab (`at`: when it is written). */
  private readonly newKey = (at: number) => runKey(at, this.tab, this.n++);
  private entries: Entry<R>[] = [];
  private loaded = false;
  private dirty = false;
  private reconciling = false;
  /** This page's writes, one after another, in the order runs were recorded; how many are pending. */
  private writes: Promise<unknown> = Promise.resolve();
  private pendingWrites = 0;
  /** The queued write under way: given over to the hidden page's write unless its commit was sent. */
  private inFlight?: TxWatch & { batch: Entry<R>[]; handedOver: boolean };
  /** Who waits for an entry to be kept (`add`'s promise). */
  private readonly waiters = new KeptWaiters<R>();
  /** The last Clear's runs (by content key), so Undo puts each back under its own key. */
  private lastCleared = new Map<string, Entry<R>>();
  private readonly listeners = new Set<() => void>();
  private readonlySchema?: number;
  private full = false;
  private capDropped = 0;
  private roomDropped = 0;
  /** Why storage is not persistent, when it is not, in plain words; `detail` is the browser's message. */
  reason?: string;
  detail?: string;
  private settingsInMemory?: S;

  /** Opens the store; falls back to memory (and says why) when the browser refuses. */
  async open(): Promise<void> {
    try {
      if (typeof indexedDB === 'undefined') throw new Error('this browser context has no IndexedDB');
      const db = createStore('concurrency-lab', 'kv');
      await get('probe', db); // a sandboxed or blocked context fails here, not at createStore
      this.db = db;
      const idb = await new Promise<IDBDatabase>((resolve) => db('readonly', async (os) => resolve(os.transaction.db)));
      idb.addEventListener('close', () => this.idb === idb && (this.idb = undefined));
      this.idb = idb;
    } catch (e) {
      this.fallBack(e);
    }
    // A page hidden (another tab, the phone's home screen) may never run again, and a page closed or
    // reloaded runs no more tasks: either way, what is not yet stored is written at once. (pagehide, not
    // unload: it keeps the page fit for the back/forward cache.)
    if (this.db && typeof document !== 'undefined' && typeof addEventListener === 'function') {
      addEventListener('pagehide', () => this.writeAtOnce());
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') this.writeAtOnce();
      });
    }
  }

  get persistent(): boolean {
    return this.db !== undefined && this.readonlySchema === undefined;
  }

  /** Called whenever the history or its state changes (a run here or in another tab, a Clear, a notice). */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /**
   * Reads the stored runs, and takes in the previous schema's array (the first time, all of it; later,
   * what an old tab added since): each entry once, the array itself left in place. It listens to the
   * other tabs from before it reads, so nothing they write meanwhile is missed.
   */
  async load(): Promise<void> {
    if (typeof BroadcastChannel === 'function' && this.db) {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = () => void this.reconcile();
    }
    if (this.db) {
      try {
        await this.loadNow(this.db).catch(async (e) => {
          if (!isQuota(e)) throw e;
          // No room to take in the old array: read what is there, and say the storage is full.
          this.full = true;
          await this.loadNow(this.db!, false);
        });
      } catch (e) {
        if (e instanceof NewerStore) this.becomeReadOnly(e.schema);
        else this.fallBack(e);
      }
    }
    this.loaded = true;
    // With no store to write (none given, or a newer lab's), the runs recorded meanwhile stay in memory.
    if (!this.persistent) for (const e of this.entries) if (e.state === 'writing' && !e.hidden) e.state = 'unsaved';
    if (this.dirty) void this.reconcile();
    this.flush();
    this.changed();
  }

  /**
   * One transaction: the stored runs, and the old array's entries not taken in yet. Read-write, they are
   * written at once; read-only (when the browser's storage is full), they are kept in memory as unsaved
   * runs, to be written (and marked taken) with the next write.
   */
  private async loadNow(db: UseStore, write = true): Promise<void> {
    const loaded = await transact(db, write ? 'readwrite' : 'readonly', (os) => loadRuns<R>(os, write, this.newKey));
    this.capDropped += loaded.dropped;
    const now = performance.now();
    // A run this page wrote as it was hidden, before the load (`writeAtOnce`), is its own entry already.
    const mine = new Set(this.entries.map((e) => e.key ?? e.pendingKey));
    const fromStore = loaded.all.filter(([key]) => !mine.has(key)).map(([key, r]): Entry<R> => ({ key, order: key, stored: r.result, bytes: r.bytes, state: 'stored', storedAt: now }));
    // Runs recorded while the store was loading are kept, after the stored ones.
    this.entries = [...fromStore, ...this.entries].sort(byOrder);
    for (const { key, result } of loaded.unsaved) this.add(result, key);
    if (loaded.taken) this.broadcast();
    this.changed();
  }

  /** Every result, oldest first: this page's runs whole, others as stored. Copies: the caller may change them. */
  all(): R[] {
    return this.entries.map((e) => copyOf(e));
  }

  /**
   * The same results, not copied (a long history is tens of megabytes: copying it after every run would
   * stall the page). For readers that change nothing, such as the page's table.
   */
  view(): readonly R[] {
    return this.entries.map((e) => e.full ?? e.whole?.shown ?? e.stored);
  }

  state(): HistoryState {
    const readOnly = this.readonlySchema !== undefined;
    const { persistent, reason, detail, full, capDropped, roomDropped } = this;
    return stateOf(this.entries, { persistent, readOnly, reason, detail, stored: this.db !== undefined, full, capDropped, roomDropped });
  }

  /**
   * Records a run: shown at once, written in a transaction of its own (after this page's earlier ones).
   * Resolves once it is kept: its transaction committed, or (where the page cannot store: no storage
   * given, a full quota, a newer lab's store) kept in memory with the history's state saying why. Never
   * rejects.
   */
  add(r: R, legacyKey?: string): Promise<void> {
    // Until the store is loaded it is not known whether it can be written: the load decides.
    const entry = newEntry(r, this.newKey(Date.now()), this.persistent || !this.loaded ? 'writing' : 'unsaved', legacyKey);
    this.entries.push(entry);
    this.entries.sort(byOrder);
    const kept = this.waiters.wait(entry);
    this.changed();
    this.flush();
    return kept;
  }

  /** Resolves once this page's writes so far are done (written, or kept in memory and said so). */
  settled(): Promise<void> {
    return this.writes.then(() => {});
  }

  /**
   * Writes every run not yet stored (oldest first, in one transaction). A full quota keeps them in
   * memory and says so; a newer lab's store turns this page read-only. Nothing is dropped here except by
   * the caps, which the page reports.
   */
  private flush(): void {
    this.queueWrite(() => this.flushNow()).catch((e) => this.fallBack(e));
  }

  /**
   * Runs `write` after this page's earlier writes, or at once, in this task, when none is pending (a run
   * recorded is then written before the page goes on to draw it). Resolves (or rejects) as `write` does.
   */
  private queueWrite<T>(write: () => Promise<T>): Promise<T> {
    const out = (this.pendingWrites === 0 ? write() : this.writes.then(write)).finally(() => this.pendingWrites--);
    this.pendingWrites++;
    this.writes = out.catch(() => {});
    return out;
  }

  private async flushNow(): Promise<void> {
    const db = this.db;
    if (!db || !this.loaded || !this.persistent) return;
    const batch = this.entries.filter((e) => e.state !== 'stored' && !e.hidden);
    if (!batch.length) return;
    for (const e of batch) e.state = 'writing';
    const flight = (this.inFlight = { batch, committing: false, handedOver: false });
    try {
      // The keys are known once the transaction runs, before it commits (a reconcile meanwhile skips them).
      const { dropped } = await transactNow(
        this.idb,
        db,
        'readwrite',
        (os) => {
          let i = 0;
          return writeRuns(os, batch, (at) => (batch[i++].pendingKey = this.newKey(at)));
        },
        flight,
      );
      const now = performance.now();
      for (const e of batch) Object.assign(e, { key: e.pendingKey, order: e.pendingKey, pendingKey: undefined, state: 'stored', storedAt: now, legacyKey: undefined });
      this.removeKeys(new Set(dropped));
      this.capDropped += dropped.length;
      this.full = false;
      this.entries.sort(byOrder);
      this.broadcast();
    } catch (e) {
      // Given up for the hidden page's write, which carries these runs now.
      if (!flight.handedOver) {
        for (const x of batch) Object.assign(x, { pendingKey: undefined, state: 'unsaved' });
        this.failed(e);
      }
    } finally {
      if (this.inFlight === flight) this.inFlight = undefined;
    }
    this.changed();
  }

  /** A write that failed: a newer lab's store, a full quota, or storage taken away. */
  private failed(e: unknown): void {
    if (e instanceof NewerStore) this.becomeReadOnly(e.schema);
    else if (isQuota(e)) this.full = true;
    else this.fallBack(e);
  }

  /**
   * The page is being hidden or closed: every run not yet stored is written now, in one transaction whose
   * requests are all made in this task and whose commit is sent at once, so the browser can finish it with
   * no further turn of the page (a hidden page may not get one; a closing page lives only while it is torn
   * down). A queued write that is still reading (its commit not sent) is aborted and its runs written here
   * instead; one whose commit was sent finishes by itself. If the page lives on, what a write checks (the
   * schema, the total, the caps) is done after, in the queue (`settleHiddenWrite`). No browser promises
   * more: Chromium aborts every unfinished transaction of a page that goes (closed, reloaded or left),
   * commit sent or not (docs/API.md, "A run's promise resolves once its record is stored").
   */
  private writeAtOnce(): void {
    const db = this.db;
    if (!db || !this.persistent) return;
    const flight = this.inFlight;
    if (flight?.tx && !flight.committing && typeof flight.tx.commit === 'function') {
      try {
        flight.tx.abort();
        flight.handedOver = true;
      } catch {
        // finished already
      }
    }
    const carried = new Set(flight && !flight.handedOver ? flight.batch : []);
    const batch = this.entries.filter((e) => e.state !== 'stored' && !e.hidden && !carried.has(e));
    if (!batch.length) return;
    for (const e of batch) Object.assign(e, { state: 'writing', hidden: true });
    const bytes = batch.reduce((s, e) => s + e.bytes, 0);
    const legacy = batch.filter((e) => e.legacyKey).map((e) => e.legacyKey!);
    let keys: string[] = [];
    const write = (os: IDBObjectStore) => {
      const done = promisifyRequest(os.transaction);
      keys = putNow(os, batch, (at) => this.newKey(at));
      batch.forEach((e, i) => (e.pendingKey = keys[i]));
      commitNow(os.transaction);
      return done;
    };
    // On the open connection, in this task; else idb-keyval's store runs it at the end of this task (as
    // microtasks do): still before the page goes.
    let os: IDBObjectStore | undefined;
    try {
      os = this.idb?.transaction(STORE, 'readwrite').objectStore(STORE);
    } catch {
      os = undefined;
    }
    let started: Promise<unknown>;
    try {
      started = os ? write(os) : db('readwrite', write);
    } catch (e) {
      started = Promise.reject(e);
    }
    started.then(
      () => {
        const now = performance.now();
        for (const e of batch) Object.assign(e, { key: e.pendingKey, order: e.pendingKey, pendingKey: undefined, state: 'stored', storedAt: now, legacyKey: undefined, hidden: undefined });
        this.entries.sort(byOrder);
        this.broadcast();
        this.changed();
        // The page lived on: the checks a queued write makes, made now.
        this.queueWrite(() => transact(db, 'readwrite', (os) => settleHiddenWrite(os, keys, bytes, legacy)))
          .then(({ newer, dropped }) => {
            if (newer !== undefined) {
              for (const e of batch) Object.assign(e, { key: undefined, order: e.key ?? e.order, state: 'unsaved' });
              this.becomeReadOnly(newer);
            }
            this.removeKeys(new Set(dropped));
            this.capDropped += dropped.length;
            this.changed();
          })
          .catch(() => {}); // the next load counts the total afresh and applies the caps
      },
      (e) => {
        for (const x of batch) Object.assign(x, { pendingKey: undefined, state: 'unsaved', hidden: undefined });
        this.failed(e);
        this.changed();
      },
    );
  }

  /**
   * Clear: every run written at or before this moment goes, here and (through the database) in every
   * tab; runs written after it stay. The moment is read inside the transaction that deletes, and
   * IndexedDB runs this page's and other tabs' writes one at a time, so "before" is exact. Resolves to
   * what was cleared, oldest first, for Undo.
   */
  clear(): Promise<R[]> {
    return this.queueWrite(() => this.clearNow());
  }

  private async clearNow(): Promise<R[]> {
    let upTo = Date.now();
    let removed: Awaited<ReturnType<typeof removeUpToNow<R>>>['removed'] = [];
    if (this.db && this.persistent) {
      try {
        const got = await transact(this.db, 'readwrite', (os) => removeUpToNow<R>(os));
        upTo = got.at;
        removed = got.removed;
        await this.adjustTally(-removed.reduce((s, [, r]) => s + (r?.bytes ?? 0), 0));
      } catch (e) {
        if (e instanceof NewerStore) this.becomeReadOnly(e.schema);
        else throw e;
      }
    }
    // This page's copies of the cleared runs (whole, where it has them), and its unsaved runs of before.
    const cutoff = runKey(upTo, '\uffff', 0);
    const mine = new Map(this.entries.filter((e) => e.key).map((e) => [e.key!, e]));
    const cleared: Entry<R>[] = removed.map(([key, r]) => ({ key, order: key, stored: r.result, bytes: r.bytes, state: 'stored', full: mine.get(key)?.full, whole: mine.get(key)?.whole }));
    cleared.push(...this.entries.filter((e) => e.state === 'unsaved' && e.order <= cutoff));
    const gone = new Set(cleared);
    const keys = new Set(removed.map(([k]) => k));
    this.entries = this.entries.filter((e) => !gone.has(e) && !(e.key && keys.has(e.key)));
    cleared.sort(byOrder);
    this.lastCleared = new Map(cleared.map((e) => [contentKey(e.full ?? e.stored), e]));
    if (!this.entries.some((e) => e.state === 'unsaved')) this.full = false;
    if (removed.length) this.broadcast();
    this.changed();
    return cleared.map((e) => copyOf(e));
  }

  /**
   * Undo of a Clear: runs of the last Clear go back under their own keys (so in their places, in every
   * tab); any other result is recorded anew, after what is there. A run that is there already is skipped.
   */
  restore(results: R[]): Promise<void> {
    return this.queueWrite(() => this.restoreNow(results));
  }

  private async restoreNow(results: R[]): Promise<void> {
    const present = new Set(this.entries.map((e) => contentKey(e.full ?? e.stored)));
    const back: Entry<R>[] = [];
    const anew: R[] = [];
    for (const r of results) {
      const k = contentKey(r);
      if (present.has(k)) continue;
      present.add(k);
      const e = this.lastCleared.get(k);
      if (e?.key) back.push(e);
      else if (e) anew.push(wholeOf(e));
      else anew.push(r);
      this.lastCleared.delete(k);
    }
    if (back.length && this.db && this.persistent) {
      try {
        const dropped = await transact(this.db, 'readwrite', (os) => putBack(os, back.map((e) => ({ key: e.key!, stored: e.stored, bytes: e.bytes }))));
        const now = performance.now();
        for (const e of back) this.entries.push({ ...e, state: 'stored', storedAt: now });
        this.removeKeys(new Set(dropped));
        this.capDropped += dropped.length;
        this.broadcast();
      } catch (e) {
        // Not written back: kept in memory, and written with the next run (or after "make room").
        for (const x of back) anew.push(wholeOf(x));
        if (e instanceof NewerStore) this.becomeReadOnly(e.schema);
        else if (isQuota(e)) this.full = true;
        else this.fallBack(e);
      }
    } else {
      for (const e of back) anew.push(wholeOf(e));
    }
    this.entries.sort(byOrder);
    for (const r of anew) this.add(r);
    this.changed();
  }

  /**
   * The learner's choice when storage is full: drops the oldest stored runs, enough for the unsaved ones
   * twice over, then writes those. Resolves to how many runs were dropped.
   */
  makeRoom(): Promise<number> {
    return this.queueWrite(() => this.makeRoomNow());
  }

  private async makeRoomNow(): Promise<number> {
    if (!this.db || !this.persistent) return 0;
    const need = 2 * this.entries.filter((e) => e.state === 'unsaved').reduce((s, e) => s + e.bytes, 0) + 64 * 1024;
    const d = await transact(this.db, 'readwrite', (os) => dropForRoom(os, need));
    await this.adjustTally(-d.bytes);
    this.removeKeys(new Set(d.keys));
    this.roomDropped += d.keys.length;
    if (d.keys.length) this.broadcast();
    this.changed();
    await this.flushNow();
    return d.keys.length;
  }

  async loadSettings(): Promise<S | undefined> {
    if (!this.db) return this.settingsInMemory;
    const stored = await get<{ v: number; data: S }>(KEYS.settings, this.db).catch(() => undefined);
    return stored?.v === SETTINGS_VERSION ? stored.data : this.settingsInMemory;
  }

  async saveSettings(settings: S): Promise<void> {
    this.settingsInMemory = settings;
    // A newer lab's store is left as it is, settings included.
    if (this.db && this.persistent) await set(KEYS.settings, { v: SETTINGS_VERSION, data: settings }, this.db).catch(() => {});
  }

  /**
   * Brings this page's rows in line with the database after another tab wrote or cleared: reads the keys
   * (cheap), drops rows whose record is gone, fetches records it lacks. Runs again if told meanwhile.
   */
  private async reconcile(): Promise<void> {
    const db = this.db;
    if (!this.loaded || this.reconciling) {
      this.dirty = true;
      return;
    }
    if (!db || !this.persistent) return;
    this.reconciling = true;
    try {
      do {
        this.dirty = false;
        const began = performance.now();
        const known = new Set(this.entries.flatMap((e) => [e.key, e.pendingKey]).filter((k): k is string => k !== undefined));
        const got = await transact(db, 'readonly', (os) => readMissing<R>(os, known));
        this.entries = reconciled(this.entries, got, began);
        this.changed();
      } while (this.dirty);
    } catch (e) {
      if (e instanceof NewerStore) this.becomeReadOnly(e.schema);
    } finally {
      this.reconciling = false;
    }
  }

  /**
   * Takes `delta` off the stored runs' total, in a transaction of its own: a full store refuses any
   * transaction that writes, even one that also deletes, so Clear and "make room" delete alone first.
   * Should this one fail, the next load counts the total afresh.
   */
  private async adjustTally(delta: number): Promise<void> {
    if (!this.db || !delta) return;
    await transact(this.db, 'readwrite', (os) => adjustTotal(os, delta)).catch(() => {});
  }

  private removeKeys(keys: ReadonlySet<string>): void {
    if (keys.size) this.entries = this.entries.filter((e) => !(e.key && keys.has(e.key)));
  }

  private broadcast(): void {
    this.channel?.postMessage({ type: 'changed', schema: STORE_SCHEMA });
  }

  private changed(): void {
    for (const l of this.listeners) l();
    this.waiters.tell(this.entries);
  }

  /** A newer lab wrote the store: this page stops reading and writing it (its runs stay in memory). */
  private becomeReadOnly(schema: number): void {
    if (this.readonlySchema !== undefined) return;
    this.readonlySchema = schema;
    for (const e of this.entries) if (e.state !== 'stored') e.state = 'unsaved';
    this.reason = newerStoreReason(schema);
    this.detail = undefined;
    this.changed();
  }

  private fallBack(e: unknown): void {
    this.db = undefined;
    this.idb = undefined;
    this.channel?.close();
    this.channel = undefined;
    for (const x of this.entries) if (x.state !== 'stored') x.state = 'unsaved';
    // The learner reads a plain sentence; the browser's own message is for developers (`detail`).
    this.reason = NO_STORAGE_REASON;
    this.detail = String((e as Error)?.message ?? e);
    this.changed();
  }
}
