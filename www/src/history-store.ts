// Where the learner's results and settings live between visits: IndexedDB through idb-keyval, with a
// schema version. Where the browser gives no storage (a sandboxed or partitioned third-party iframe,
// some private modes) they live in memory, and the page says they will not survive a reload.

import { createStore, get, set, del, type UseStore } from 'idb-keyval';

/** Bumped when the stored shape changes; older stores are read through `migrate`. */
export const SCHEMA_VERSION = 1;
/** The most runs kept: older ones are dropped first. */
export const HISTORY_CAP = 1000;

interface Stored<T> {
  v: number;
  data: T;
}

export class HistoryStore<R, S = Record<string, string>> {
  private db?: UseStore;
  /** Why storage is not persistent, when it is not, in plain words; `detail` is the browser's message. */
  reason?: string;
  detail?: string;
  private memory: R[] = [];
  private settingsInMemory?: S;

  /** Opens the store; falls back to memory (and says why) when the browser refuses. */
  async open(): Promise<void> {
    try {
      if (typeof indexedDB === 'undefined') throw new Error('this browser context has no IndexedDB');
      const db = createStore('concurrency-lab', 'kv');
      await get('probe', db); // a sandboxed or blocked context fails here, not at createStore
      this.db = db;
    } catch (e) {
      this.fallBack(e);
    }
  }

  get persistent(): boolean {
    return this.db !== undefined;
  }

  /** Reads the stored results once, at start; from then on the copy here is the truth. */
  async load(): Promise<void> {
    if (!this.db) return;
    try {
      const stored = await get<Stored<R[]>>('history', this.db);
      const data = stored && stored.v <= SCHEMA_VERSION && Array.isArray(stored.data) ? stored.data : [];
      this.memory = [...data, ...this.memory].slice(-HISTORY_CAP);
    } catch (e) {
      this.fallBack(e);
    }
  }

  /** Every result, oldest first. */
  all(): R[] {
    return structuredClone(this.memory);
  }

  async add(r: R): Promise<void> {
    this.memory.push(r);
    if (this.memory.length > HISTORY_CAP) this.memory.splice(0, this.memory.length - HISTORY_CAP);
    await this.save();
  }

  async clear(): Promise<void> {
    this.memory = [];
    if (this.db) await del('history', this.db).catch((e) => this.fallBack(e));
  }

  async loadSettings(): Promise<S | undefined> {
    if (!this.db) return this.settingsInMemory;
    const stored = await get<Stored<S>>('settings', this.db).catch(() => undefined);
    return stored?.v === SCHEMA_VERSION ? stored.data : undefined;
  }

  async saveSettings(settings: S): Promise<void> {
    this.settingsInMemory = settings;
    if (this.db) await set('settings', { v: SCHEMA_VERSION, data: settings }, this.db).catch(() => {});
  }

  private async save(): Promise<void> {
    if (!this.db) return;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await set('history', { v: SCHEMA_VERSION, data: this.memory }, this.db);
        return;
      } catch (e) {
        // A full quota: keep the newer half and try again.
        if ((e as DOMException)?.name !== 'QuotaExceededError' || this.memory.length < 2) break;
        this.memory.splice(0, Math.ceil(this.memory.length / 2));
      }
    }
    this.fallBack(new Error('the browser refused to store more results'));
  }

  private fallBack(e: unknown): void {
    this.db = undefined;
    // The learner reads a plain sentence; the browser's own message is for developers (`detail`).
    this.reason = 'this browser does not let the page store data here (often so in a course page\'s frame), so results stay until the page is closed';
    this.detail = String((e as Error)?.message ?? e);
  }
}
