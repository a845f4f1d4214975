// The few IndexedDB steps the history needs beyond idb-keyval's one-key calls: a transaction over
// several keys (IndexedDB runs read-write transactions on one store one at a time, across every tab of
// the origin, so a read, a decision and a write inside one cannot be interleaved with another tab's), and
// dropping the oldest runs with a cursor.

import { promisifyRequest, type UseStore } from 'idb-keyval';
import { runKeyBounds, type RunRecord } from './records';

/** A request's result, awaited inside its transaction (the transaction stays open across these awaits). */
export const req = <T>(r: IDBRequest<T>): Promise<T> => promisifyRequest(r);

/** The keys of every run, or of those written at or before `upTo`. */
export const runRange = (upTo?: number) => IDBKeyRange.bound(...runKeyBounds(upTo));

/** What a caller may watch of a transaction `transact` runs: the transaction, and whether its commit was sent. */
export interface TxWatch {
  tx?: IDBTransaction;
  /** Set once every request is made and the commit sent: the transaction then finishes without the page's help. */
  committing: boolean;
}

/**
 * Sends the commit of `tx` at once (IndexedDB 3.0's `commit()`), rather than when the page's next turn
 * notices that no request is left: the browser can then finish the transaction without the page. (It
 * does not make the write outlive the page: Chromium aborts every unfinished transaction of a connection
 * when its page goes, commit sent or not.) Returns whether it was sent.
 */
export function commitNow(tx: IDBTransaction): boolean {
  if (typeof tx.commit !== 'function') return false;
  try {
    tx.commit();
    return true;
  } catch {
    return false; // no longer active: it commits by itself
  }
}

/**
 * Runs `body` in one transaction and resolves once it has committed (its `complete` event: so a write is
 * stored before anyone is told). Only IndexedDB requests may be awaited in `body`: any other wait lets the
 * transaction close. Once `body` is done, a read-write transaction's commit is sent at once (`commitNow`).
 * A throw in `body` aborts the transaction; a failed commit (a full quota) rejects with its error.
 */
export function transact<T>(db: UseStore, mode: IDBTransactionMode, body: (os: IDBObjectStore) => Promise<T>, watch?: TxWatch): Promise<T> {
  return db(mode, (os) => inTransaction(os, mode, body, watch));
}

/**
 * `transact` on an open database, begun in this task: the transaction is created and `body` makes its
 * first requests before this returns, so the browser works on them while the page does other things
 * (drawing the run just recorded). Falls back to `fallback` (idb-keyval's store, which opens the database
 * again) when this connection is closed.
 */
export function transactNow<T>(idb: IDBDatabase | undefined, fallback: UseStore, mode: IDBTransactionMode, body: (os: IDBObjectStore) => Promise<T>, watch?: TxWatch): Promise<T> {
  let os: IDBObjectStore;
  try {
    if (!idb) throw new Error('no open connection');
    os = idb.transaction(STORE, mode).objectStore(STORE);
  } catch {
    return transact(fallback, mode, body, watch);
  }
  return inTransaction(os, mode, body, watch);
}

/** The object store every transaction of the history uses (idb-keyval's store `kv`). */
export const STORE = 'kv';

async function inTransaction<T>(os: IDBObjectStore, mode: IDBTransactionMode, body: (os: IDBObjectStore) => Promise<T>, watch?: TxWatch): Promise<T> {
  if (watch) watch.tx = os.transaction;
  const done = promisifyRequest(os.transaction);
  done.catch(() => {}); // awaited below, or replaced by the error that aborted it
  let value: T;
  try {
    value = await body(os);
  } catch (e) {
    try {
      os.transaction.abort();
    } catch {
      // already finished
    }
    throw e;
  }
  if (mode === 'readwrite' && commitNow(os.transaction) && watch) watch.committing = true;
  await done;
  return value;
}

/**
 * Deletes the oldest runs, one after another, until `enough(dropped, bytesFreed)`; never those in `keep`.
 * Resolves to the keys dropped and the bytes they held.
 */
export function dropOldest(os: IDBObjectStore, enough: (dropped: number, bytes: number) => boolean, keep: ReadonlySet<string> = new Set()): Promise<{ keys: string[]; bytes: number }> {
  return new Promise((resolve, reject) => {
    const keys: string[] = [];
    let bytes = 0;
    const cursor = os.openCursor(runRange());
    cursor.onerror = () => reject(cursor.error);
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c || enough(keys.length, bytes)) return resolve({ keys, bytes });
      const key = String(c.primaryKey);
      if (!keep.has(key)) {
        bytes += (c.value as RunRecord<unknown>)?.bytes ?? 0;
        keys.push(key);
        c.delete();
      }
      c.continue();
    };
  });
}
