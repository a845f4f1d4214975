// What the page and the real-Python worker (./worker.ts) say to each other, and what a real-Python run
// gives back (`window.lab.python.run`, docs/CONTRACT.md). Types only: both sides import them.

/** One printed line, `tMs` after the program started (the runtime's load excluded). */
export interface PrintedLine {
  tMs: number;
  text: string;
}

/** A coroutine (or a `work` call) of the program as the lab's tracer saw it: when it ran, when it awaited. */
export interface TracedTask {
  /** `work(3)`, `fetch_data()`: the function and its first arguments. */
  label: string;
  startMs: number;
  endMs: number;
  /** `run`: executing Python; `await`: suspended at an await, the event loop free for others. */
  spans: { kind: 'run' | 'await'; startMs: number; endMs: number }[];
  /** Set when it ended by an exception (its class name). */
  error?: string;
}

/** What loading CPython cost, on the run that loaded it. */
export interface LoadCost {
  /** From the Worker's start to CPython ready. */
  loadMs: number;
  /** Bytes that came over the network for the runtime (0 for what the browser's cache answered). */
  transferredBytes: number;
  /** The runtime's files' size (what a cold cache transfers). */
  bodyBytes: number;
  files: number;
  /** `CPython 3.14.2 (Pyodide 314.0.7)`. */
  version: string;
  /** Whether this browser has WebAssembly stack switching (JSPI), which `asyncio.run` needs. */
  jspi: boolean;
  /** `used`: CPython started from the copy of its memory this browser kept from an earlier load (see
   *  ./snapshot.ts); `made`: started from nothing, the copy made and handed to the browser's storage for
   *  the next load (which may refuse it: a full quota, a sandboxed frame); `none`: no copy was made. */
  snapshot?: 'used' | 'made' | 'none';
}

/** The result of `lab.python.run`: the API's fields, and what the page draws besides. */
export interface PythonResult {
  /** From the program's start to its end (or its exception), the load excluded. */
  wallMs: number;
  /** Present when this run loaded the runtime (the first run, or the first after a Stop). */
  loadMs?: number;
  stdout: PrintedLine[];
  /** The exception the program ended with: its class, and the traceback. */
  error?: { name: string; message: string };
  /** Lines written to stderr (warnings), timed like stdout. */
  stderr?: PrintedLine[];
  /** The program's coroutines (and `work` calls), as the tracer recorded them. */
  trace?: TracedTask[];
  /** On the run that loaded the runtime. */
  load?: LoadCost;
  /**
   * What was changed to run the program in this browser, line by line (`[]` when nothing was): the same
   * changes the page's pane makes and shows (./adapt.ts).
   */
  changes?: { line: number; from: string; to: string; why: string }[];
}

/** Page -> worker. */
export interface RunMessage {
  type: 'run';
  source: string;
  /** The page's base URL: the program's relative URLs resolve against it, not against the worker's. */
  baseUrl: string;
  /** Where the copied Pyodide files are (dist/pyodide/), absolute. */
  indexURL: string;
}

/** Worker -> page. */
export type WorkerMessage =
  | { type: 'loading' }
  | { type: 'loaded'; load: LoadCost }
  | { type: 'line'; stream: 'stdout' | 'stderr'; line: PrintedLine }
  | { type: 'done'; result: PythonResult }
  | { type: 'failed'; error: { name: string; message: string } };
