// The history across tabs and versions, in Chromium with its real IndexedDB: tabs of one browser context
// share one store, as a learner's tabs do. Nothing lost when tabs record at once; a Clear (and its Undo)
// reaches every tab; the previous schema's history is taken in once, also what an old tab writes later; a
// newer lab's store is left as it is; a full quota is told, and nothing is dropped unless the learner asks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { labSession, shot } from './helpers.mjs';

const session = labSession();
const SPEC = { workload: 'io-sleep', mode: 'asyncio', tasks: 2, latencyMs: 5 };

/** A tab of the lab (the playground) in `context`, once `lab.ready`, with its errors collected. */
async function tab(context, path = '#playground') {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${session.server.url}${path}`);
  await page.evaluate(() => window.lab.ready);
  return page;
}

const rows = (page) => page.locator('#results tbody tr').count();
// rAF polling stops in a tab in the background. The timeout only keeps a broken page from hanging the run.
const waitRows = (page, n) => page.waitForFunction((n) => document.querySelectorAll('#results tbody tr').length === n, n, { timeout: 120_000, polling: 100 });
const history = (page) => page.evaluate(() => window.lab.history());
const runIds = (page) => page.evaluate(() => window.lab.history().then((h) => h.map((r) => r.runId)));

/** Every key and value of the lab's store, read straight from IndexedDB (no lab code involved). */
function dump(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('concurrency-lab');
        open.onupgradeneeded = () => open.result.createObjectStore('kv');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const os = db.transaction('kv', 'readonly').objectStore('kv');
          const keys = os.getAllKeys();
          const values = os.getAll();
          values.onsuccess = () => {
            db.close();
            resolve({ version: db.version, entries: Object.fromEntries(keys.result.map((k, i) => [k, values.result[i]])) });
          };
        };
      }),
  );
}

/** Writes `entries` ({ key: value }) straight into the lab's store, as another version of the lab would. */
function write(page, entries) {
  return page.evaluate(
    (entries) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('concurrency-lab');
        open.onupgradeneeded = () => open.result.createObjectStore('kv'); // as idb-keyval creates it
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('kv', 'readwrite');
          for (const [k, v] of Object.entries(entries)) tx.objectStore('kv').put(v, k);
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    entries,
  );
}

/** A page of the lab's origin that runs no lab code (to write a store before the lab loads). */
async function bare(context) {
  const page = await context.newPage();
  await page.goto(`${session.server.url}api/delay?ms=0`);
  return page;
}

const runKeys = (d) => Object.keys(d.entries).filter((k) => k.startsWith('run:')).sort();

/**
 * Holds the lab's store in `page` (a bare page of the origin): a read-write transaction on it kept open by
 * one read after another, so every other read-write transaction on it, in any tab, waits its turn (as
 * behind a slow disk). Resolves once it holds the store; `release(page)` lets go and resolves once it has.
 */
function hold(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('concurrency-lab');
        open.onupgradeneeded = () => open.result.createObjectStore('kv');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('kv', 'readwrite');
          const os = tx.objectStore('kv');
          let held = true;
          const spin = () => (os.get('schema').onsuccess = () => held && spin());
          spin();
          window.released = new Promise((done) => (tx.oncomplete = () => (db.close(), done())));
          window.letGo = () => ((held = false), window.released);
          resolve();
        };
      }),
  );
}
const release = (page) => page.evaluate(() => window.letGo());

/** Starts a run in `page` and resolves once the page has recorded it (the row shown, its write queued). */
function startRun(page, spec) {
  return page.evaluate(
    (s) =>
      new Promise((recorded) => {
        window.lab.onRecord((r) => recorded(r.runId));
        window.run = { done: false };
        window.lab.run(s).then((r) => Object.assign(window.run, { done: true, runId: r.runId }));
      }),
    spec,
  );
}

test('two tabs recording six runs each at the same time lose none (a third, fresh tab sees all twelve)', async () => {
  const context = await session.browser.newContext();
  const [a, b] = await Promise.all([tab(context), tab(context)]);
  const six = (page) => page.evaluate((s) => Promise.all(Array.from({ length: 6 }, () => window.lab.run(s))).then((rs) => rs.map((r) => r.runId)), SPEC);
  const [ia, ib] = await Promise.all([six(a), six(b)]);
  const c = await tab(context);
  const seen = await runIds(c);
  assert.equal(seen.length, 12, 'every run of both tabs is stored');
  assert.deepEqual(new Set(seen), new Set([...ia, ...ib]));
  // Each tab's table shows the other's runs too.
  await Promise.all([waitRows(a, 12), waitRows(b, 12), waitRows(c, 12)]);
  assert.deepEqual(await runIds(a), seen, 'every tab has the same history, in the same order');
  assert.deepEqual(await runIds(b), seen);
  const d = await dump(c);
  assert.equal(runKeys(d).length, 12, 'one record per run');
  assert.equal(d.version, 1, 'the database keeps its version (an old tab is never blocked)');
  assert.equal(d.entries.schema, 2);
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
  await context.close();
});

test('Clear removes what was written before it, in every tab; a run recorded after it stays; Undo puts back exactly what was cleared, everywhere', async () => {
  const context = await session.browser.newContext();
  const [a, b] = await Promise.all([tab(context), tab(context)]);
  await a.evaluate((s) => window.lab.run(s).then(() => window.lab.run({ ...s, mode: 'sequential' })), SPEC);
  await b.evaluate((s) => window.lab.run(s), SPEC);
  await Promise.all([waitRows(a, 3), waitRows(b, 3)]);
  const before = await history(a);

  // A run in b that ends after the Clear in a: it would last hours, and is stopped once the Clear is done
  // (a run cut short is recorded like any other), so the order does not depend on how fast this machine
  // clicks. (a is brought to the front first: in a background tab a click waits for animation frames.)
  await a.bringToFront();
  await b.evaluate((s) => {
    window.late = window.lab.run({ ...s, mode: 'sequential', tasks: 1000, latencyMs: 10_000 }).catch((e) => e.result);
  }, SPEC);
  await a.click('#clear-results');
  await Promise.all([waitRows(a, 0), waitRows(b, 0)]);
  assert.match(await a.textContent('#clear-status'), /3 results cleared/);
  const late = await b.evaluate(() => {
    window.lab.cancel();
    return window.late.then((r) => (r.cancelled ? r.runId : 'not cancelled'));
  });
  await Promise.all([waitRows(a, 1), waitRows(b, 1)]);
  assert.deepEqual(await runIds(a), [late], 'the run recorded after the Clear stays');

  await a.click('#undo-clear');
  await Promise.all([waitRows(a, 4), waitRows(b, 4)]);
  const c = await tab(context);
  const after = await history(c);
  assert.deepEqual(after.map((r) => r.runId), [...before.map((r) => r.runId), late], 'each run back in its place');
  assert.deepEqual(after.slice(0, 3), before, 'exactly what was cleared');
  assert.deepEqual(await runIds(b), after.map((r) => r.runId));

  // Through the API: clearHistory gives what it removed; a fresh tab sees it gone.
  const removed = await b.evaluate(() => window.lab.clearHistory().then((r) => r.map((x) => x.runId)));
  assert.deepEqual(removed, after.map((r) => r.runId));
  await Promise.all([waitRows(a, 0), waitRows(c, 0)]);
  assert.deepEqual(await history(await tab(context)), []);
  await context.close();
});

/** Two real results as the previous version stored them: one before results had a runId (an older model). */
async function previousVersionResults() {
  const context = await session.browser.newContext();
  const page = await tab(context);
  const r1 = await page.evaluate((s) => window.lab.run(s), SPEC);
  const r2 = await page.evaluate((s) => window.lab.run({ ...s, mode: 'sequential' }), SPEC);
  const r3 = await page.evaluate((s) => window.lab.run({ ...s, tasks: 3 }), SPEC);
  await context.close();
  for (const r of [r1, r2, r3]) delete r.machine; // the previous version did not label the machine
  delete r2.runId;
  delete r2.modelVersion;
  return [r1, r2, r3];
}

test('a history of the previous schema is taken in once, left in place, and what an old tab writes later is merged too', async () => {
  const [r1, r2, r3] = await previousVersionResults();
  const context = await session.browser.newContext();
  const old = await bare(context);
  const settings = { workload: 'io-sleep', mode: 'asyncio', tasks: '7', latencyMs: '30' };
  await write(old, { history: { v: 1, data: [r1, r2] }, settings: { v: 1, data: settings } });

  const page = await tab(context);
  const h = await history(page);
  assert.equal(h.length, 2);
  assert.equal(h[0].runId, r1.runId);
  assert.equal(h[1].runId, undefined, 'kept as it was');
  assert.equal(h[1].modelVersion, undefined, 'an older model keeps its version (none: model 1)');
  assert.equal(await page.inputValue('#f-tasks'), '7', 'the settings are read');
  await waitRows(page, 2);
  const marker = page.locator('#results tbody tr:nth-child(2) .marker-model');
  assert.equal(await marker.textContent(), 'model 1');
  assert.match(await marker.getAttribute('title'), /older model|model 1 of the lab's Python/);
  assert.equal(await page.locator('#results tbody tr:nth-child(1) .marker-model').count(), 0);
  let d = await dump(page);
  assert.equal(d.entries.schema, 2);
  assert.equal(runKeys(d).length, 2);
  assert.deepEqual(d.entries.history, { v: 1, data: [r1, r2] }, 'the old array is left for old tabs');

  // An old tab, still open, records one more run: it rewrites its whole array.
  await write(old, { history: { v: 1, data: [r1, r2, r3] } });
  const page2 = await tab(context);
  assert.deepEqual((await runIds(page2)), [r1.runId, undefined, r3.runId], 'the new entry is merged, the others not twice');
  await Promise.all([waitRows(page, 3), waitRows(page2, 3)]); // the first tab hears of it
  await page2.reload();
  await page2.evaluate(() => window.lab.ready);
  assert.equal((await history(page2)).length, 3, 'loading again takes nothing twice');
  assert.equal(runKeys(await dump(page2)).length, 3);

  // A Clear removes them for good, though the old array still holds them.
  await page2.evaluate(() => window.lab.clearHistory());
  await page2.reload();
  await page2.evaluate(() => window.lab.ready);
  assert.deepEqual(await history(page2), []);
  d = await dump(page2);
  assert.equal(d.entries.history.data.length, 3);
  assert.deepEqual(runKeys(d), []);
  await context.close();
});

test("a run's promise resolves once its record is committed: while another tab holds the store it waits, busy; a reload at once keeps it", async () => {
  const context = await session.browser.newContext();
  const page = await tab(context);
  const holder = await bare(context);
  await hold(holder);
  const runId = await startRun(page, SPEC);
  // The run is recorded (its row is shown) and its write waits for the store: the promise does not
  // resolve, and the lab stays busy, however long that takes. Two macrotasks are plenty for a promise
  // that would resolve with the record (it would in the same task).
  const waiting = await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(() => r({ done: window.run.done, state: window.lab.status().state }), 0), 0)));
  assert.deepEqual(waiting, { done: false, state: 'busy' });
  await release(holder);
  // Released: the write commits, then the run resolves (and the lab is ready), then the page reloads at once.
  const loaded = page.waitForEvent('load');
  // (The evaluate returns at once: a reload while it is still answering destroys its context.)
  await page.evaluate(() => {
    const wait = () => {
      if (!window.run.done) return void setTimeout(wait, 1);
      sessionStorage.setItem('state', window.lab.status().state);
      location.reload();
    };
    setTimeout(wait, 0);
  });
  await loaded;
  await page.evaluate(() => window.lab.ready);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('state')), 'ready', 'not busy once the run resolved');
  assert.deepEqual(await runIds(page), [runId]);
  assert.equal(runKeys(await dump(page)).length, 1);
  await context.close();
});

test('a Compare and a chapter resolve once their rows are stored; the wait is inside the job: the next experiment waits for it', async () => {
  const context = await session.browser.newContext();
  const page = await tab(context);
  const holder = await bare(context);
  await page.evaluate(() => {
    window.log = [];
    window.lab.onRecord((r) => window.log.push(`record ${r.spec.mode}`));
    window.lab.onRunStart((s) => window.log.push(`start ${s.mode}`));
  });
  const settle = () => page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r, 0), 0)));
  const waitLog = (n) => page.waitForFunction((n) => window.log.filter((l) => l.startsWith('record')).length >= n, n, { polling: 10, timeout: 120_000 });

  // A Compare of two modes: its rows are recorded at its end, and it resolves once they are stored.
  await hold(holder);
  await page.evaluate((s) => {
    window.done = {};
    window.lab.compare({ ...s, latencyMs: 5 }, { modes: ['sequential', 'asyncio'], budgetMs: 0 }).then(() => (window.done.compare = true));
  }, SPEC);
  await waitLog(2);
  await settle();
  assert.deepEqual(await page.evaluate(() => [window.done.compare ?? false, window.lab.status().state]), [false, 'busy'], 'recorded, not stored: the Compare waits');
  await release(holder);
  await page.waitForFunction(() => window.done.compare, null, { polling: 10 });

  // A chapter of two experiments (asyncio: fetch-data, then gather): the first one's row is recorded, and
  // the second experiment does not start until it is stored.
  await hold(holder);
  await page.evaluate(() => {
    window.log.length = 0;
    window.lab.lesson.run('asyncio').then(() => (window.done.chapter = true));
  });
  await waitLog(1);
  await settle();
  const during = await page.evaluate(() => ({ log: [...window.log], done: window.done.chapter ?? false, state: window.lab.status().state }));
  assert.equal(during.done, false);
  assert.equal(during.state, 'busy');
  assert.deepEqual(during.log.filter((l) => l.startsWith('record')), ['record asyncio'], 'the first experiment recorded');
  assert.equal(during.log.at(-1), 'record asyncio', 'and nothing started after it: the next experiment waits for its row to be stored');
  await release(holder);
  const loaded = page.waitForEvent('load');
  // (The evaluate returns at once: a reload while it is still answering destroys its context, as it did once.)
  await page.evaluate(() => {
    const wait = () => (window.done.chapter ? location.reload() : setTimeout(wait, 1));
    setTimeout(wait, 0);
  });
  await loaded;
  await page.evaluate(() => window.lab.ready);
  assert.deepEqual((await history(page)).map((r) => r.spec.mode), ['sequential', 'asyncio', 'asyncio', 'sequential', 'asyncio'], "the Compare's rows and the chapter's, all stored before a reload at once");
  await context.close();
});

test('a page hidden while its write waits: the write it starts at once carries the run, stored once, the total counted, the run resolved', async () => {
  const context = await session.browser.newContext();
  const page = await tab(context);
  const holder = await bare(context);
  await page.evaluate((s) => window.lab.run(s), SPEC); // one stored before: the total must add up
  await hold(holder);
  const runId = await startRun(page, SPEC);
  // Hidden (the learner switched tabs): the page lives on. The browser's own visibility cannot be set
  // from here, so the page is told it is hidden as the browser would tell it.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const hiddenBy = await page.evaluate(() => Date.now());
  await release(holder);
  await page.waitForFunction(() => window.run.done, null, { polling: 10 });
  assert.equal(await page.evaluate(() => window.run.runId), runId);
  const d = await dump(page);
  const keys = runKeys(d);
  assert.equal(keys.length, 2, 'stored once, not also by the write it replaced');
  // Its key holds when it was written: as the page was hidden, while the store was still held (the
  // queued write, had it carried the run, would have written it after the release).
  assert.ok(Number(keys[1].slice(4, 19)) <= hiddenBy, `${keys[1]} written by ${hiddenBy}`);
  // The checks a queued write makes (the total, the caps) follow it in the page's queue.
  await page.waitForFunction(() => window.lab.historyState().runs === 2);
  await page.evaluate(() => window.lab.saveSettings({ workload: 'io-sleep' })); // a write after them: they are done
  const after = await dump(page);
  assert.equal(after.entries.bytes, keys.reduce((s, k) => s + after.entries[k].bytes, 0), 'the stored total is the sum of the records');
  const other = await tab(context);
  assert.deepEqual((await runIds(other)).at(-1), runId);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a store written by a newer lab is left intact: read-only, Clear disabled, the page says why; runs stay in memory', async () => {
  const context = await session.browser.newContext();
  const old = await bare(context);
  const future = {
    schema: 3,
    'run:000001700000000-future-0000': { shape: 'of a newer lab', result: { runId: 'from-the-future' } },
    settings: { v: 2, data: { whatever: true } },
    somethingNew: [1, 2, 3],
  };
  await write(old, future);
  const before = await dump(old);

  const page = await tab(context);
  await page.waitForSelector('#history-notice p');
  const notice = await page.textContent('#history-notice');
  assert.match(notice, /newer version of the lab/);
  assert.match(notice, /leaves them untouched/);
  assert.equal(await page.isDisabled('#clear-results'), true);
  assert.match(await page.textContent('#status'), /this visit only/);
  const status = await page.evaluate(() => window.lab.status());
  assert.equal(status.persistent, false);

  const r = await page.evaluate((s) => window.lab.run(s), SPEC);
  await page.evaluate(() => window.lab.saveSettings({ workload: 'io-sleep' }));
  assert.deepEqual((await runIds(page)), [r.runId], 'the run is kept for this visit');
  await waitRows(page, 1);
  assert.equal((await page.evaluate(() => window.lab.historyState())).unsaved, 1);
  await shot(page, 'history-newer-store');
  assert.deepEqual(await dump(page), before, 'not one key changed');
  await context.close();
});

test('a tab that finds a newer lab took over the store while it was open stops writing', async () => {
  const context = await session.browser.newContext();
  const page = await tab(context);
  await page.evaluate((s) => window.lab.run(s), SPEC);
  await write(page, { schema: 3 });
  const before = await dump(page);
  await page.evaluate((s) => window.lab.run(s), SPEC);
  await page.waitForFunction(() => window.lab.historyState().readOnly, null, { polling: 100 });
  assert.deepEqual(await dump(page), before);
  assert.equal((await history(page)).length, 2);
  assert.match(await page.textContent('#history-notice'), /newer version/);
  await context.close();
});

/** Fills the origin's quota with incompressible bytes (random, in another database), to the last kilobyte. */
function fillQuota(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('filler');
      open.onupgradeneeded = () => open.result.createObjectStore('f');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    let n = 0;
    let refused;
    for (const size of [100_000, 10_000, 1_000]) {
      for (;;) {
        const chunk = new Uint8Array(size);
        for (let i = 0; i < size; i += 65536) crypto.getRandomValues(chunk.subarray(i, Math.min(size, i + 65536)));
        try {
          await new Promise((resolve, reject) => {
            const tx = db.transaction('f', 'readwrite');
            tx.objectStore('f').put(chunk, n);
            tx.oncomplete = resolve;
            tx.onabort = () => reject(tx.error);
          });
          n++;
        } catch (e) {
          refused = e.name;
          break;
        }
      }
    }
    db.close();
    return refused;
  });
}

test('a full quota is told: the new run stays in memory, nothing is dropped until the learner exports and chooses to drop the oldest', async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  const origin = new URL(session.server.url).origin;
  // Chromium applies a quota override to storage opened after it: so before the page loads.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 5_000_000 });
  await page.goto(`${session.server.url}#playground`);
  await page.evaluate(() => window.lab.ready);
  const big = { workload: 'io-sleep', mode: 'asyncio', tasks: 300, latencyMs: 1 };
  for (let i = 0; i < 3; i++) await page.evaluate((s) => window.lab.run(s), big);
  const stored = await runIds(page);
  assert.equal(await fillQuota(page), 'QuotaExceededError');
  const keysBefore = runKeys(await dump(page));
  assert.equal(keysBefore.length, 3);

  const r = await page.evaluate((s) => window.lab.run(s), SPEC);
  await page.waitForSelector('#history-notice >> text=storage for this site is full');
  const state = await page.evaluate(() => window.lab.historyState());
  assert.equal(state.full, true);
  assert.equal(state.unsaved, 1);
  assert.deepEqual(await runIds(page), [...stored, r.runId], 'the run is in the history of this visit');
  assert.deepEqual(runKeys(await dump(page)), keysBefore, 'nothing was dropped to make room');
  await waitRows(page, 4);
  assert.match(await page.textContent('#history-notice'), /the last run is not saved and will be lost when the page is closed\. Nothing was deleted/);
  await shot(page, 'history-quota-full');

  // The learner exports first: the unsaved run is in the file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#history-notice button:text("Export JSON")')]);
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.deepEqual(exported.results.map((x) => x.runId), [...stored, r.runId]);

  // Then chooses to drop the oldest: exactly as many as the button says, the oldest, and the run is saved.
  // The button counts a run's bytes as its JSON, while the browser stores it compressed and may have let
  // the filler past the quota by a few pages: one click may not free enough, and the page then says the
  // storage is still full and offers the next oldest. Each click drops what its button says.
  let n = 0;
  for (let click = 0; click < 3 && (await page.evaluate(() => window.lab.historyState().full)); click++) {
    const offered = (await page.evaluate(() => window.lab.historyState())).roomFor;
    assert.ok(offered >= 1 && n + offered <= 3, `${n} dropped, ${offered} offered`);
    assert.equal(await page.textContent('#make-room'), offered === 1 ? 'Drop the oldest saved run' : `Drop the oldest ${offered} saved runs`);
    await page.click('#make-room');
    await page.waitForFunction((before) => window.lab.historyState().roomDropped > before, n, { polling: 100 });
    n += offered;
    assert.equal((await page.evaluate(() => window.lab.historyState())).roomDropped, n, 'exactly as many as the button said');
    assert.deepEqual(await runIds(page), [...stored.slice(n), r.runId], 'the oldest went');
  }
  assert.equal(await page.evaluate(() => window.lab.historyState().full), false, 'the unsaved run is saved');
  const left = [...stored.slice(n), r.runId];
  assert.deepEqual(await runIds(page), left);
  const c = await tab(context);
  assert.deepEqual(await runIds(c), left, 'the unsaved run is saved now');
  await page.waitForSelector(`#history-notice >> text=${n} older run`);
  assert.match(await page.textContent('#history-notice'), /to make room, as you chose/);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('stored runs stay within their budget (a coarser timeline, said so); older models and crashed runs are marked', async () => {
  const [r1, r2] = await previousVersionResults();
  const context = await session.browser.newContext();
  await write(await bare(context), { history: { v: 1, data: [r2] } }); // a run of model 1
  const page = await tab(context);

  // A run whose Result is far over a stored copy's budget (about 1.2 MB as JSON, 360 KB without its
  // events): a thousand tasks, each waiting for the GIL, running and sleeping on one of 32 threads. Its
  // size does not depend on how fast this machine is (a run sized by GIL turns would: a busy machine
  // makes fewer of them).
  const spec = { workload: 'io-sleep', mode: 'threads-gil', workers: 32, tasks: 1000, latencyMs: 1 };
  const full = await page.evaluate((s) => window.lab.run(s), spec);
  const tried = [full.runId];
  const fullSpans = full.tasks.reduce((n, t) => n + t.spans.length, 0);
  const here = (await history(page)).at(-1);
  assert.equal(here.detail, undefined, 'this visit keeps the whole result');
  assert.equal(here.tasks.reduce((n, t) => n + t.spans.length, 0), fullSpans);
  assert.deepEqual(here, full, "this visit's copy is the whole Result: every span and event, and the page's labels");
  // The Result lab.run hands back is the caller's: changing it changes nothing the history keeps (a big
  // Result's whole copy is the engine's own JSON, kept as it came: engine/copies.ts).
  const untouched = await page.evaluate(async (s) => {
    const r = await window.lab.run(s);
    const before = JSON.stringify((await window.lab.history()).at(-1));
    r.wallMs = -1;
    r.tasks[0].spans.length = 0;
    if (r.events) r.events.list.length = 0;
    const after = (await window.lab.history()).at(-1);
    return { same: JSON.stringify(after) === before, wallMs: after.wallMs, spans: after.tasks[0].spans.length, big: before.length > 256 * 1024 };
  }, spec);
  assert.ok(untouched.big && untouched.same && untouched.wallMs > 0 && untouched.spans > 0, JSON.stringify(untouched));
  tried.push((await history(page)).at(-1).runId);

  // A crashed run, as the engine's crash handling records it: its finished tasks and the crash.
  const crashed = { ...r1, runId: 'crashed-run', cancelled: true, error: { name: 'EngineError', message: 'the engine crashed: a worker died' }, tasks: r1.tasks.slice(0, 1) };
  await page.evaluate((c) => window.lab.record(c), crashed);

  const other = await tab(context);
  const h = await history(other);
  assert.deepEqual(h.map((r) => r.runId), [undefined, ...tried, 'crashed-run']);
  const kept = h.find((r) => r.runId === full.runId);
  const bytes = JSON.stringify(kept).length;
  console.log(`# ${fullSpans} spans, ${JSON.stringify(full).length} bytes; stored ${kept.tasks.reduce((n, t) => n + t.spans.length, 0)} spans, ${bytes} bytes`);
  assert.ok(JSON.stringify(full).length > 256 * 1024, 'the run is over the budget (else this test shows nothing)');
  assert.equal(kept.detail, 'coalesced');
  assert.ok(bytes <= 256 * 1024, `${bytes} bytes`);
  for (const k of ['wallMs', 'endMs', 'value', 'spec', 'modelVersion', 'labVersion']) assert.deepEqual(kept[k], full[k], k);
  assert.deepEqual(kept.tasks.map((t) => t.gilWaitMs), full.tasks.map((t) => t.gilWaitMs));
  assert.equal(h.at(-1).error.name, 'EngineError');
  assert.equal(h.at(-1).tasks.length, 1);

  const n = h.length;
  await waitRows(other, n);
  const row = (i) => other.locator(`#results tbody tr:nth-child(${i})`);
  assert.equal(await row(1).locator('.marker-model').textContent(), 'model 1');
  assert.equal(await row(n - 1).locator('.marker-coalesced').count(), 1);
  assert.equal(await row(n).getAttribute('data-outcome'), 'crashed');
  assert.match(await row(n).locator('td:last-child').getAttribute('title'), /engine crashed/);
  assert.match(await other.textContent('#history-notice'), /saved runs? (is|are) marked "coarser timeline": to keep each saved run under 256 KB/);
  // The stored copy draws like any run.
  await row(n - 1).click();
  assert.ok((await other.locator('#timeline .tl-task').count()) >= 4);
  await other.locator('#h-results').scrollIntoViewIfNeeded();
  await shot(other, 'history-table-notices');
  assert.deepEqual([...page.errors, ...other.errors], []);
  await context.close();
});
