// A big Result's copies for the history, made in the engine worker rather than on the page's main thread.
// A long run under the GIL records tens of thousands of events (megabytes); the history keeps a whole
// copy (for export and replay) and a copy under its budget (to store). Cloning and fitting such a Result
// here took the page one long task of 130 ms or more at the run's end. So the engine worker sends the
// Result as the JSON the engine wrote, with the budgeted copy already made (./budget.ts); the page parses
// the JSON once for itself and keeps the string, which no one can change, as the whole copy.
//
// The copies are found by the Result's `tasks` array, which the page's own copies of a Result share
// (`{ ...result, cancelled: true }`, a Compare's median round with its rounds added).

/** What the engine worker made of a finished run's Result. */
export interface Copies {
  /** The Result as the engine wrote it (before the page labelled it). */
  json: string;
  /** Over the budget only: the copy to store, made by `fitToBudget`. */
  stored?: unknown;
}

/** A Result over this many bytes of JSON gets its copies made in the engine worker. */
export const COPIES_FROM_BYTES = 256 * 1024;

/** Room left in the worker's budget for what the page adds at the top level (labels, a Compare's measurement). */
export const TOP_LEVEL_ROOM_BYTES = 8 * 1024;

const byTasks = new WeakMap<object, Copies>();

/** Notes the copies of the Result `r` (parsed from `copies.json`); only a big Result's are kept. */
export function keepCopies(r: { tasks?: unknown }, copies: Copies): void {
  if (copies.stored !== undefined && r.tasks && typeof r.tasks === 'object') byTasks.set(r.tasks, copies);
}

/** The copies made for `r` (or a copy of it sharing its tasks), if any. */
export function copiesOf(r: { tasks?: unknown }): Copies | undefined {
  return r.tasks && typeof r.tasks === 'object' ? byTasks.get(r.tasks) : undefined;
}
