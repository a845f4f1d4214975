// The history's layout in IndexedDB (database `concurrency-lab`, object store `kv`, through idb-keyval),
// and the pure decisions about it: record keys, the schema, merging the previous schema's array.
//
// Schema 2 (this one): one record per run, `run:<time>-<tab>-<n>` = { at, bytes, result }, written once
// when the run is recorded; `schema` = 2; `bytes` = the stored records' total size; `v1-merged` = the
// previous schema's entries already taken in; `settings` = { v: 1, data } (unchanged since schema 1).
// Schema 1: `history` = { v: 1, data: Result[] }, the whole history rewritten after every run. A tab of
// that version may still be open and still write it, so it is never deleted: its new entries are merged
// at every load, each once.
//
// Why keys and not a new object store: a new store needs a new database version, and idb-keyval's
// `createStore` does not answer `versionchange`, so a tab of the old version would block the new one.

/** This version's layout of the store (`schema` key); a larger one was written by a newer lab. */
export const STORE_SCHEMA = 2;
/** The settings' own version (their shape has not changed since schema 1, so old tabs still read them). */
export const SETTINGS_VERSION = 1;
/** The most runs kept, and the most bytes they take: past either, the oldest are dropped (and the page says so). */
export const HISTORY_CAP = 1000;
export const HISTORY_BYTES_CAP = 64 * 1024 * 1024;

export const KEYS = { schema: 'schema', bytes: 'bytes', legacy: 'history', legacyMerged: 'v1-merged', settings: 'settings' } as const;

/** One stored run. `at` is when it was written (ms since 1970, read inside the transaction that wrote it). */
export interface RunRecord<R> {
  at: number;
  /** The stored result's size (`sizeOf`), counted against the history's byte cap. */
  bytes: number;
  result: R;
}

const PREFIX = 'run:';
/** Wide enough for any `Date.now()` for the next 30,000 years, so keys sort by time as strings. */
const pad = (at: number) => String(Math.max(0, Math.floor(at))).padStart(15, '0');

/** A run's key: sorts by the time it was written; `tab` and `n` keep keys of one millisecond apart. */
export const runKey = (at: number, tab: string, n: number) => `${PREFIX}${pad(at)}-${tab}-${n.toString(36).padStart(4, '0')}`;

/** When the run under `key` was written. */
export const keyTime = (key: string) => Number(key.slice(PREFIX.length, PREFIX.length + 15));

export const isRunKey = (key: unknown): key is string => typeof key === 'string' && key.startsWith(PREFIX);

/** Bounds of the keys of every run (`upTo`: written at or before that time), for `IDBKeyRange.bound`. */
export function runKeyBounds(upTo?: number): [string, string] {
  return [PREFIX, upTo === undefined ? `${PREFIX}\uffff` : `${PREFIX}${pad(upTo)}-\uffff`];
}

/** What identifies a result: its `runId`, or (results made before they had one) its spec and times. */
export interface Identified {
  runId?: string;
  spec?: unknown;
  wallMs?: number;
  endMs?: number;
  value?: unknown;
}
export const contentKey = (r: Identified) => r.runId ?? JSON.stringify([r.spec, r.wallMs, r.endMs, r.value]);

/**
 * The previous schema's entries to take in now: those of `legacy` (the `history` key, `{ v: 1, data }`)
 * not merged before (`merged`, their content keys) and not already stored (`storedKeys`), in their order,
 * each once. `merged` comes back with only the keys still in `legacy` (an old tab loads the array once
 * and then only appends, so an entry gone from it does not come back), which keeps the list small; with
 * no array at all (an old tab's Clear) it is kept as it is.
 */
export function planLegacyMerge<R extends Identified>(legacy: unknown, merged: unknown, storedKeys: ReadonlySet<string>): { take: { key: string; result: R }[]; merged: string[] } {
  const before = new Set(Array.isArray(merged) ? merged.filter((k): k is string => typeof k === 'string') : []);
  if (legacy === undefined) return { take: [], merged: [...before] };
  const data = legacy && typeof legacy === 'object' && (legacy as { v?: unknown }).v === 1 && Array.isArray((legacy as { data?: unknown }).data) ? ((legacy as { data: unknown[] }).data) : [];
  const take: { key: string; result: R }[] = [];
  const now: string[] = [];
  const seen = new Set<string>();
  for (const entry of data) {
    if (!entry || typeof entry !== 'object' || !('spec' in entry)) continue;
    const key = contentKey(entry as R);
    if (seen.has(key)) continue;
    seen.add(key);
    now.push(key);
    if (!before.has(key) && !storedKeys.has(key)) take.push({ key, result: entry as R });
  }
  return { take, merged: now };
}

/** Whether a store of this `schema` was written by a newer lab (so this one must not change it). */
export const newerSchema = (schema: unknown) => typeof schema === 'number' && schema > STORE_SCHEMA;
