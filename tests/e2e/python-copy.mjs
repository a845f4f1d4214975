// The copy of CPython's memory the lab keeps in a browser profile (www/src/python/real/snapshot.ts), as
// the tests and the bench read it: a function run in the page (self-contained, for page.evaluate).

/** In the page: the copy of CPython's memory this profile keeps, `{ version, bytes }`, or null (also when
 *  it is smaller than `minBytes`). */
export function keptCopy(minBytes = 0) {
  return new Promise((resolve) => {
    const open = indexedDB.open('concurrency-lab-python');
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('snapshots')) return db.close(), resolve(null);
      const get = db.transaction('snapshots').objectStore('snapshots').get('cpython');
      get.onsuccess = () => (db.close(), resolve(get.result && get.result.memory.size >= minBytes ? { version: get.result.version, bytes: get.result.memory.size } : null));
      get.onerror = () => (db.close(), resolve(null));
    };
  });
}

