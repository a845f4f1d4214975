// The names and shapes of `window.lab` that its users see (docs/API.md): a Compare's options and
// outcome, a recorded Result, the status, the budgets, and errors as Errors. No behaviour lives here;
// the Lab itself is ./lab-api.ts.

import type { Build, EngineState, PlainError, Result } from '../engine/protocol';
import type { CompareProgress, CompareStart, SetAsideRound } from '../measure/procedure';
import type { Network, NetworkInfo } from '../network';
import type { Capabilities } from '../capabilities/decide';

/** A Compare's outcome: every mode's median-round Result (with `rounds` and `spread`), or its error. */
export type CompareOutcome = Record<string, Recorded | { error: PlainError }>;

export interface CompareOptions {
  signal?: AbortSignal;
  /** Time allowed for the whole Compare, warm-up included (default 20 s). */
  budgetMs?: number;
  /** Counted rounds at least (default 3), while the budget allows. */
  minRounds?: number;
  /** Told after every run of the Compare (views fill in as rounds go). */
  onProgress?(progress: CompareProgress<Recorded>): void;
  /** Told as each run of the Compare starts (its mode and round), before its progress. */
  onStart?(start: CompareStart): void;
  /** Only these modes (a chapter's experiment); every mode by default. */
  modes?: string[];
}

/** A run expected to take longer than this is announced before it starts (src/core/estimate.rs). */
export const LONG_RUN_MS = 60_000;
/** A Compare's default budget for five rows (modes): warm-up and every round. */
export const COMPARE_BUDGET_MS = 20_000;
/** The default budget grows with the rows a Compare runs (each round runs every row once). */
export const compareBudgetMs = (rows: number) => Math.round((COMPARE_BUDGET_MS * Math.max(5, rows)) / 5);

/** "Chromium 156", "Firefox 140", ...: where a result was measured. */
export function browserName(ua = typeof navigator === 'undefined' ? '' : navigator.userAgent): string {
  for (const [re, name] of [
    [/Edg\/(\d+)/, 'Edge'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/Chrom(?:e|ium)\/(\d+)/, 'Chromium'],
    [/Version\/(\d+).*Safari/, 'Safari'],
  ] as const) {
    const m = ua.match(re);
    if (m) return `${name} ${m[1]}`;
  }
  return 'unknown browser';
}

export interface Status {
  crossOriginIsolated: boolean;
  build: Build;
  threads: number;
  state: EngineState;
  workers: number;
  memoryBytes: number;
  /** What this browser can do for the lab, each tried (docs/API.md, "Capabilities"). */
  capabilities: Capabilities;
  /** Why the page runs the single build, when it does. */
  buildReason?: string;
  /** The last crash of the engine (it restarted by itself), if any. */
  lastCrash?: string;
  /** Whether results survive a reload (browser storage); `storageReason` says why not. */
  persistent: boolean;
  storageReason?: string;
  /** Who answers the latency endpoint: a server (`real`) or the lab's service worker (`simulated`). */
  network?: Network;
  networkReason?: string;
}

/** What the page knows before the engine starts (embedding: how isolation went, who answers the network). */
export interface LabOptions {
  /** Why the page is not cross-origin isolated, when it is not (from the boot script). */
  isolationReason?: string;
  /** Who answers `api/delay`; `ready` waits for it. */
  network?: Promise<NetworkInfo>;
}

/** A run as recorded: its Result, whether a Stop cut it short, and (a Compare's) how it was measured. */
export type Recorded = Result & {
  cancelled?: boolean;
  network?: Network;
  /** A Compare's warm-up order, each counted round's order, and why it stopped adding rounds. */
  measurement?: { warmUp: string[]; orders: string[][]; ended?: string; probes?: number[]; roundProbes?: (number | null)[][]; budgetMs?: number; setAside?: SetAsideRound[] };
  /** Things the learner should know about how this run differs from what was asked. */
  notes?: string[];
  /** A Compare's entry: the median of its rounds' speedups over that Compare's sequential rounds. */
  speedup?: number;
  /** A row of a chapter's run (`lab.lesson.run`): which chapter, experiment and run of it (docs/API.md). */
  lesson?: { chapter: string; experiment: string; run: string; value?: number };
  /** A stored copy whose timeline spans too short to see were merged (docs/API.md, History store). */
  detail?: 'coalesced';
};

/** A run's id (`runId`): unique across tabs and visits. */
export const newRunId = () => (typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);

/** Turns a plain error object (as it crossed from the worker) into an Error with the same fields. */
export function toError(plain: PlainError | unknown): Error {
  const p = (plain && typeof plain === 'object' ? plain : { name: 'EngineError', message: String(plain) }) as PlainError;
  const err = new Error(p.message ?? 'unknown error');
  Object.assign(err, p);
  err.name = p.name ?? 'EngineError';
  return err;
}

