// A started CPython's memory, kept by this browser between visits (issue 25, item 5: real Python ready
// faster on a second visit). Starting CPython from nothing (Pyodide's `loadPyodide`) takes about 2 s on
// a 2-core machine even when every file comes from the browser's cache: it is the interpreter's own
// start-up. Pyodide can copy the memory of an interpreter it has just started (`_makeSnapshot`,
// `makeMemorySnapshot`) and start another from that copy (`_loadSnapshot`): about 0.2 s. The copy (about
// 31 MB) is kept in this profile's IndexedDB under the runtime's version, taken before any of the lab's
// code runs in the interpreter, so it holds CPython as Pyodide starts it and nothing of a program. Pyodide
// marks these options experimental: a copy that fails to start is dropped and CPython starts from nothing.
// Where storage is refused (a sandboxed frame, a full quota, private browsing), nothing is kept.

import { createStore, del, get, set, type UseStore } from 'idb-keyval';

let store: UseStore | undefined;
const db = (): UseStore => (store ??= createStore('concurrency-lab-python', 'snapshots'));
/** One copy at a time: the runtime's version with it. */
const KEY = 'cpython';

/** The copy kept for this version of the runtime, or undefined (none, another version's, no storage). */
export async function keptSnapshot(version: string): Promise<Uint8Array | undefined> {
  try {
    const kept = (await get(KEY, db())) as { version: string; memory: Blob } | undefined;
    if (kept && kept.version !== version) await del(KEY, db()); // another version's: 31 MB for nothing
    if (kept?.version !== version || !(kept.memory instanceof Blob) || kept.memory.size === 0) return undefined;
    return new Uint8Array(await kept.memory.arrayBuffer());
  } catch {
    return undefined;
  }
}

/** Keeps `memory` as this version's copy; whether it was kept (storage may refuse it). As a Blob: the
 *  browser stores and reads it as a file, where 31 MB of bytes in the record itself are copied (and may be
 *  compressed) on the worker's thread, which held up the next program's first run (a `gather` of six
 *  200 ms calls took 0.6-1.3 s where it takes 0.25). */
export async function keepSnapshot(version: string, memory: Uint8Array): Promise<boolean> {
  try {
    await set(KEY, { version, memory: new Blob([memory as BlobPart]), at: new Date().toISOString() }, db());
    return true;
  } catch {
    // Refused (WebKitGTK's storage would not take it under WebDriver): said in a small record, so that
    // later loads of this version do not make a copy again for nothing (it costs the first load a second
    // CPython's start).
    await set(REFUSED, { version, at: Date.now() }, db()).catch(() => undefined);
    return false;
  }
}

const REFUSED = 'cpython-refused';
/** A refusal counts this long, ms: a quota full today may have room next week. */
const REFUSED_FOR_MS = 7 * 24 * 3600 * 1000;

/** Whether this profile's storage refused this version's copy lately (then none is made). */
export async function snapshotRefused(version: string): Promise<boolean> {
  try {
    const refused = (await get(REFUSED, db())) as { version: string; at: number } | undefined;
    return refused?.version === version && Date.now() - refused.at < REFUSED_FOR_MS;
  } catch {
    return true; // no storage at all: nothing could be kept
  }
}

export async function forgetSnapshot(): Promise<void> {
  try {
    await del(KEY, db());
  } catch {
    // Nothing kept, or no storage: nothing to drop.
  }
}
