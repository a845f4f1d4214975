// The page's side of real Python: owns the real-Python Worker (./worker.ts), started on the first run
// and ended by a Stop. Runs are jobs of the lab's queue (../../lab/lab-api.ts `python.run`), so one runs at a
// time and never beside a measured run. Nothing here is fetched or started until a run is asked for.

import type { PrintedLine, PythonResult, RunMessage, WorkerMessage } from './protocol';

/** Where the build put CPython's files, named for their version (`pyodide/314.0.7/`; scripts/build-web.mjs). */
declare const PYODIDE_DIR: string;

/** The longest program `lab.python.run` takes (characters). */
export const MAX_SOURCE_CHARS = 100_000;

/** What a queued job of the lab looks like to the runner: a Stop sets `cancelled` and calls `stop`. */
export interface StoppableJob {
  cancelled: boolean;
  stop?: () => void;
}

export interface RunOptions {
  /** Each printed line as it is printed (the result has them all too). */
  onLine?(line: PrintedLine, stream: 'stdout' | 'stderr'): void;
  /** Told when the runtime starts loading (the first run, or the first after a Stop). */
  onLoading?(): void;
}

type Plain = { name: string; message: string; reason?: string };
const fail = (p: Plain) => Object.assign(new Error(p.message), p, { name: p.name });

/** Bad input to `python.run`, named as the API names it. */
export function checkSource(source: unknown): Error | undefined {
  if (typeof source === 'string' && source.length <= MAX_SOURCE_CHARS) return undefined;
  const allowed = `Python source text, at most ${MAX_SOURCE_CHARS.toLocaleString('en')} characters`;
  const got = typeof source === 'string' ? `${source.length.toLocaleString('en')} characters` : typeof source;
  return Object.assign(fail({ name: 'SpecError', message: `source must be ${allowed} (got ${got})` }), { field: 'source', allowed });
}

export class PythonRunner {
  private worker?: Worker;

  /** `base`: the page's base URL (the program's relative URLs and dist/pyodide/ resolve against it). */
  constructor(private readonly base: () => string = () => document.baseURI) {}

  /** Whether CPython is loaded (or loading) in a live Worker. */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Runs `source` as part of `job`, adapted in the worker as the page's pane runs it (./adapt.ts: aiohttp and
   * urllib over the browser's requests; without JSPI, as the worker finds it, a trailing `asyncio.run(main())`
   * as `await main()`), the changes listed in the result's `changes`. A Stop of the job ends the Worker and rejects with AbortError.
   */
  run(source: string, job: StoppableJob, options: RunOptions = {}): Promise<PythonResult> {
    return new Promise<PythonResult>((resolve, reject) => {
      if (job.cancelled) return reject(fail({ name: 'AbortError', message: 'the run was cancelled before it started' }));
      const worker = (this.worker ??= new Worker(new URL('python-worker.js', this.base()), { type: 'module', name: 'real-python' }));
      const stdout: PrintedLine[] = [];
      const started = performance.now();
      const settle = () => {
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        job.stop = undefined;
      };
      const end = () => {
        worker.terminate();
        if (this.worker === worker) this.worker = undefined;
      };
      const onMessage = (e: MessageEvent<WorkerMessage>) => {
        const m = e.data;
        if (m.type === 'loading') options.onLoading?.();
        else if (m.type === 'line') {
          if (m.stream === 'stdout') stdout.push(m.line);
          options.onLine?.(m.line, m.stream);
        } else if (m.type === 'done') {
          settle();
          resolve(m.result);
        } else if (m.type === 'failed') {
          // The runtime itself failed (it did not load, or the worker's code broke): a fresh Worker next time.
          settle();
          end();
          reject(fail({ name: 'Unavailable', message: `real Python could not run: ${m.error.message}`, reason: m.error.message }));
        }
      };
      const onError = (e: ErrorEvent) => {
        settle();
        end();
        const why = e.message || 'the real-Python worker failed to start (its script or CPython did not load)';
        reject(fail({ name: 'Unavailable', message: `real Python could not run: ${why}`, reason: why }));
      };
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      // A Stop ends the Worker: Pyodide's interrupt buffer stops running Python, but a program awaiting a
      // sleep or a fetch runs no Python to interrupt, so it would hang. A fresh Worker loads on the next run.
      job.stop = () => {
        settle();
        end();
        // What it printed rides on the error as `stdout` (not `result`, which names a lab run's partial Result).
        reject(Object.assign(fail({ name: 'AbortError', message: 'the real-Python run was stopped' }), { stdout, wallMs: performance.now() - started }));
      };
      const msg: RunMessage = {
        type: 'run',
        source,
        baseUrl: this.base(),
        indexURL: new URL(PYODIDE_DIR, this.base()).href,
      };
      worker.postMessage(msg);
    });
  }

  /** Ends the Worker (a page that is done with real Python); the next run starts a fresh one. */
  terminate(): void {
    this.worker?.terminate();
    this.worker = undefined;
  }
}
