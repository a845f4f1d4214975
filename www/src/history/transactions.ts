// Each change to the stored history as one IndexedDB transaction (run by `transact`, history/idb.ts).
// IndexedDB runs read-write transactions on one store one at a time across all tabs of the origin, so
// what each reads, decides and writes cannot interleave with another tab's. Each first checks the
// schema: a newer lab's store is never written (`NewerStore` aborts the transaction).

import { fitToBudget } from '../engine/budget';
import { dropOldest, req, runRange } from './idb';
import { contentKey, HISTORY_BYTES_CAP, HISTORY_CAP, KEYS, newerSchema, planLegacyMerge, STORE_SCHEMA, type Identified, type RunRecord } from './records';

/** A newer lab's store was found: nothing is written. */
export class NewerStore extends Error {
  constructor(readonly schema: number) {
    super(`the store was written by a newer lab (schema ${schema})`);
  }
}

/** Makes the key of a run written at `at` (ms since 1970). */
export type NewKey = (at: number) => string;

async function checkSchema(os: IDBObjectStore): Promise<unknown> {
  const schema = await req(os.get(KEYS.schema));
  if (newerSchema(schema)) throw new NewerStore(schema as number);
  return schema;
}

const tally = async (os: IDBObjectStore) => ((await req(os.get(KEYS.bytes))) as number | undefined) ?? 0;

/** Past either cap, the oldest runs go (never those in `keep`); resolves to their keys. `count`: the runs stored, if read. */
async function enforceCaps(os: IDBObjectStore, total: number, keep: ReadonlySet<string>, counted?: number): Promise<string[]> {
  const count = counted ?? (await req(os.count(runRange())));
  let dropped: string[] = [];
  if (count > HISTORY_CAP || total > HISTORY_BYTES_CAP) {
    const d = await dropOldest(os, (k, b) => count - k <= HISTORY_CAP && total - b <= HISTORY_BYTES_CAP, keep);
    total -= d.bytes;
    dropped = d.keys;
  }
  os.put(total, KEYS.bytes);
  return dropped;
}

/**
 * At load: every stored run, and the previous schema's entries not taken in yet. With `write`, those are
 * written (each once, marked in `v1-merged`), the schema set, the caps applied and the total counted
 * afresh; without (storage full), they come back as `unsaved`, to be written with the next write.
 */
export async function loadRuns<R extends Identified>(os: IDBObjectStore, write: boolean, newKey: NewKey) {
  const schema = await checkSchema(os);
  const keys = (await req(os.getAllKeys(runRange()))).map(String);
  const records = (await req(os.getAll(runRange()))) as RunRecord<R>[];
  const legacy = await req(os.get(KEYS.legacy));
  const merged = await req(os.get(KEYS.legacyMerged));
  const counted = await req(os.get(KEYS.bytes));
  const plan = planLegacyMerge<R>(legacy, merged, new Set(records.map((r) => contentKey(r.result))));
  const all: [string, RunRecord<R>][] = keys.map((k, i) => [k, records[i]]);
  if (!write) return { all, dropped: 0, taken: 0, unsaved: plan.take };
  const at = Date.now();
  for (const { result } of plan.take) {
    const { stored, bytes } = fitToBudget(result);
    const record = { at, bytes, result: stored };
    const key = newKey(at);
    os.put(record, key);
    all.push([key, record]);
  }
  if (JSON.stringify(plan.merged) !== JSON.stringify(merged)) os.put(plan.merged, KEYS.legacyMerged);
  if (schema !== STORE_SCHEMA) os.put(STORE_SCHEMA, KEYS.schema);
  // A large old array may not fit the caps: the oldest go, and the page says how many.
  let total = all.reduce((s, [, r]) => s + (r?.bytes ?? 0), 0);
  let drop = 0;
  while (all.length - drop > HISTORY_CAP || total > HISTORY_BYTES_CAP) total -= all[drop++][1]?.bytes ?? 0;
  for (const [key] of all.slice(0, drop)) os.delete(key);
  if (counted !== total) os.put(total, KEYS.bytes);
  return { all: all.slice(drop), dropped: drop, taken: plan.take.length, unsaved: [] as typeof plan.take };
}

/**
 * Writes runs, each under its own new key (written at `at`, read once the transaction holds the store,
 * so "written before a Clear" is exact across tabs); a run taken from the previous schema is marked
 * merged. Resolves to the keys given and those the caps dropped. Two round trips in all (the schema; then
 * the puts with every other read at once after them): the page is often busy drawing the run it records,
 * and each answer waits for it.
 */
export async function writeRuns<R>(os: IDBObjectStore, runs: { stored: R; bytes: number; legacyKey?: string }[], newKey: NewKey) {
  await checkSchema(os);
  const at = Date.now();
  const keys = runs.map((run) => {
    const key = newKey(at);
    os.put({ at, bytes: run.bytes, result: run.stored } satisfies RunRecord<R>, key);
    return key;
  });
  const legacy = runs.filter((r) => r.legacyKey).map((r) => r.legacyKey!);
  const [counted, count, merged] = await Promise.all([
    req(os.get(KEYS.bytes)) as Promise<number | undefined>,
    req(os.count(runRange())),
    legacy.length ? (req(os.get(KEYS.legacyMerged)) as Promise<string[] | undefined>) : undefined,
  ]);
  if (legacy.length) os.put([...new Set([...(merged ?? []), ...legacy])], KEYS.legacyMerged);
  const total = (counted ?? 0) + runs.reduce((s, r) => s + r.bytes, 0);
  return { keys, dropped: await enforceCaps(os, total, new Set(keys), count) };
}

/**
 * The page is being hidden or closed: writes runs each under its own new key, every request made now (no
 * read first, so nothing waits for an answer the closing page would not live to hear), for the caller to
 * commit at once. `at` is the moment the page was hidden (not read inside the transaction: a Clear in
 * another tab that runs between may not remove it). The schema, the stored total and the caps are left to `settleHiddenWrite` if the page
 * lives on, or to the next load, which counts the total afresh and applies the caps. Returns the keys.
 */
export function putNow<R>(os: IDBObjectStore, runs: { stored: R; bytes: number }[], newKey: NewKey): string[] {
  const at = Date.now();
  return runs.map((run) => {
    const key = newKey(at);
    os.put({ at, bytes: run.bytes, result: run.stored } satisfies RunRecord<R>, key);
    return key;
  });
}

/**
 * After a hidden page's write (`putNow`), if the page lives on: what a write checks, done after it. A
 * newer lab's store gets its keys taken out again (`newer`, nothing else written); otherwise the total
 * grows by `bytes`, runs taken from the previous schema are marked merged, and the caps apply.
 */
export async function settleHiddenWrite(os: IDBObjectStore, keys: string[], bytes: number, legacy: string[]) {
  const schema = await req(os.get(KEYS.schema));
  if (newerSchema(schema)) {
    for (const key of keys) os.delete(key);
    return { newer: schema as number, dropped: [] as string[] };
  }
  if (legacy.length) {
    const merged = ((await req(os.get(KEYS.legacyMerged))) as string[] | undefined) ?? [];
    os.put([...new Set([...merged, ...legacy])], KEYS.legacyMerged);
  }
  return { newer: undefined, dropped: await enforceCaps(os, (await tally(os)) + bytes, new Set(keys)) };
}

/**
 * Clear: deletes every run written at or before now (read here, inside the transaction). Deletes only: a
 * full store refuses a transaction that writes anything, so the total is adjusted apart (`adjustTotal`).
 */
export async function removeUpToNow<R>(os: IDBObjectStore) {
  await checkSchema(os);
  const at = Date.now();
  const keys = (await req(os.getAllKeys(runRange(at)))).map(String);
  const records = (await req(os.getAll(runRange(at)))) as RunRecord<R>[];
  os.delete(runRange(at));
  return { at, removed: keys.map((k, i): [string, RunRecord<R>] => [k, records[i]]) };
}

/** Undo: puts runs back under their own keys (one there already is left as it is). Resolves to what the caps dropped. */
export async function putBack<R>(os: IDBObjectStore, runs: { key: string; stored: R; bytes: number }[]) {
  await checkSchema(os);
  let total = await tally(os);
  for (const run of runs) {
    if ((await req(os.count(run.key))) > 0) continue;
    os.put({ at: Date.now(), bytes: run.bytes, result: run.stored } satisfies RunRecord<R>, run.key);
    total += run.bytes;
  }
  return enforceCaps(os, total, new Set());
}

/** "Make room": deletes the oldest runs until `need` bytes are freed (deletes only, as for Clear). */
export async function dropForRoom(os: IDBObjectStore, need: number) {
  await checkSchema(os);
  return dropOldest(os, (_k, b) => b >= need);
}

/** Adds `delta` to the stored runs' total. */
export async function adjustTotal(os: IDBObjectStore, delta: number) {
  await checkSchema(os);
  os.put(Math.max(0, (await tally(os)) + delta), KEYS.bytes);
}

/** Another tab changed something: every run's key, and the records of those not `known` here. */
export async function readMissing<R>(os: IDBObjectStore, known: ReadonlySet<string>) {
  await checkSchema(os);
  const keys = (await req(os.getAllKeys(runRange()))).map(String);
  const missing = keys.filter((k) => !known.has(k));
  const records = (await Promise.all(missing.map((k) => req(os.get(k))))) as (RunRecord<R> | undefined)[];
  return { keys: new Set(keys), missing: missing.map((k, i) => [k, records[i]] as const) };
}
