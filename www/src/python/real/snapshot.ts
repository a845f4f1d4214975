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
    const kept = (await get(KEY, db())) as { version: string; memory: Uint8Array } | undefined;
    return kept?.version === version && kept.memory instanceof Uint8Array && kept.memory.length > 0 ? kept.memory : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `memory` as this version's copy; whether it was kept (storage may refuse it). */
export async function keepSnapshot(version: string, memory: Uint8Array): Promise<boolean> {
  try {
    await set(KEY, { version, memory, at: new Date().toISOString() }, db());
    return true;
  } catch {
    return false;
  }
}

export async function forgetSnapshot(): Promise<void> {
  try {
    await del(KEY, db());
  } catch {
    // Nothing kept, or no storage: nothing to drop.
  }
}
