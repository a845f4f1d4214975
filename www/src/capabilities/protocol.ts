// What the page and the capability check's worker (./worker.ts) say to each other. Types and constants only.

export interface Check {
  type: 'check';
  /** The lab's shared memory as the page posted it (absent when the page could not post it). */
  memory?: WebAssembly.Memory;
  /** How long a nested worker may take to answer before it counts as missing, ms. */
  nestedMs: number;
}

/** The worker's first answer, at once: what the build needs (the page decides its build from it). */
export interface WorkerAnswer {
  type: 'answer';
  /** `Atomics.wait` in the worker on the shared memory: timed out as asked (true), or why not. */
  atomicsWait: true | string;
}

/** Its second answer, once tried (a few ms): WebAssembly stack switching, tried in the worker (where real
 * Python runs too, and off the page's main thread, which compiles no WebAssembly): true, or why not. */
export interface WorkerJspi {
  type: 'jspi';
  jspi: true | string;
}

/** Its last answer: whether a Worker started from the worker answered (true), or why not. */
export interface WorkerMore {
  type: 'more';
  nestedWorkers: true | string;
}

/** Where the worker stores its mark in the shared memory (an Int32 index), and the mark. */
export const MARK_INDEX = 1;
export const MARK = 0x1ab;
