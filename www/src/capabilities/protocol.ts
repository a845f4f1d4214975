// What the page and the capability check's worker (./worker.ts) say to each other. Types and constants only.

export interface Check {
  type: 'check';
  /** The lab's shared memory as the page posted it (absent when the page could not post it). */
  memory?: WebAssembly.Memory;
  /** How long a nested worker may take to answer before it counts as missing, ms. */
  nestedMs: number;
}

/** The worker's first answer: what the threads build needs, tried first and told at once. */
export interface WorkerAnswer {
  type: 'answer';
  /** `Atomics.wait` in the worker on the shared memory: timed out as asked (true), or why not. */
  atomicsWait: true | string;
  /** WebAssembly stack switching tried in the worker (where real Python runs, and off the page's main
   * thread, which compiles no WebAssembly): true, or why not. */
  jspi: true | string;
}

/**
 * Its second answer, after the first: a Worker started from the worker answered (true), or why not. Apart,
 * because it can hang the worker: Firefox has deadlocked a worker that constructs a Worker while an
 * automation session or DevTools listens for workers (the reason the page makes every Worker of the lab),
 * and with one answer for all, that hang lost every answer: the page then ran the single build, and
 * `free-threaded` was Unavailable in Firefox (issue 22).
 */
export interface NestedAnswer {
  type: 'nested';
  nestedWorkers: true | string;
}

/** Where the worker stores its mark in the shared memory (an Int32 index), and the mark. */
export const MARK_INDEX = 1;
export const MARK = 0x1ab;
