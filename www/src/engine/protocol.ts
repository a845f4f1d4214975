// Types shared by the page and the engine worker: the public contract of docs/CONTRACT.md.

import type { Copies } from './copies';

export type Build = 'threads' | 'single';
/** `stopped`: a restart after a crash failed every try; the next run starts the engine again (docs/API.md). */
export type EngineState = 'starting' | 'ready' | 'busy' | 'restarting' | 'stopped';

export interface FieldInfo {
  name: string;
  label: string;
  min: number;
  max: number;
  default: number;
  doc: string;
  /** The default was calibrated on this machine (`uncalibrated` is the static one it replaced). */
  calibrated?: boolean;
  uncalibrated?: number;
}

/** How a CPU workload's amount of work is sized for this machine (src/core/calibrate.rs). */
export interface CalibrationInfo {
  field: string;
  probe: number;
  exponent: number;
  min: number;
  max: number;
  targetMs: number;
}

/** Named values for some of a workload's fields (mixed work: computing-heavy or waiting-heavy). */
export interface PresetInfo {
  name: string;
  title: string;
  doc: string;
  values: Record<string, number>;
}

export interface WorkloadInfo {
  name: string;
  title: string;
  doc: string;
  class: 'cpu' | 'io' | 'mixed';
  fields: FieldInfo[];
  calibration: CalibrationInfo | null;
  presets: PresetInfo[];
  modes: { mode: string; unsupported: string | null }[];
  /** Its tasks call the latency endpoint (src/core/workload `uses_network`). */
  network: boolean;
  /** What a task waits on, a request or a timer, and the field its length comes from; null if neither. */
  waits: { on: 'fetch' | 'sleep'; msField: string | null } | null;
  /** The constant each field becomes in the workload's Python program (`size`: `N`, say). */
  pythonConstants: Record<string, string>;
  /** Set for a workload that fixes its tasks (and a thread mode's workers) itself, saying how (`convoy`:
   * one thread each). The form shows this in place of those fields. */
  ownTasks?: string | null;
}

export interface ModeInfo {
  name: string;
  title: string;
  python: string;
  /** Where the code that runs the mode lives. */
  source: string;
  workers: { min: number; max: number; default: number } | null;
  unavailable: string | null;
  /** Which GIL its threads take: one for the process, one per interpreter (lane), or none. */
  gil: 'one' | 'per-lane' | 'none';
  /** Fields the mode adds (`freeThreadedOverheadPct`; `releasesGil`, a boolean, for the work `classes`). */
  fields?: ModeField[];
}

export type ModeField =
  | { name: string; label: string; min: number; max: number; default: number; doc: string; type?: undefined }
  | { name: string; label: string; type: 'boolean'; default: boolean; doc: string; classes: string[]; unavailable?: string | null };

/** Faults a run can ask for, and what the caller does when a task raises (`onError`). */
export interface ErrorOptions {
  /** Each `onError` choice with the Python that behaves so, per mode (absent where Python has none). */
  onError: { name: string; python: Record<string, string> }[];
  faults: { name: string; doc: string; network: boolean }[];
  rate: { min: number; max: number; default: number };
  seed: { min: number; max: number; default: number };
  timeoutMs: { min: number; max: number };
}

/** `window.lab.workloads()`: what this engine runs, with every field's range and default. */
export interface Catalogue {
  v: number;
  labVersion: string;
  modelVersion: number;
  calibrationTargetMs: number;
  build: Build;
  fields: FieldInfo[];
  errors: ErrorOptions;
  workloads: WorkloadInfo[];
  modes: ModeInfo[];
  /** The rules of the model the page reads besides the fields (src/core/catalogue.rs; ../rules.ts). */
  rules: CatalogueRules;
}

/** The engine's rules the page needs (src/core/catalogue.rs `rules`), written nowhere else. */
export interface CatalogueRules {
  /** The event format: its version and kinds, each with its rank among simultaneous events. */
  events: { v: number; kinds: { name: string; rank: number }[] };
  /** How the lab's Python writes a wait (`{task}`, `{seconds}`, `{timeout}`, `{call}` to fill). */
  calls: { fetchAwait: string; fetchCall: string; sleepAwait: string; sleepCall: string; timeoutAwait: string; otherAwait: string; otherCall: string };
  /** The browser's HTTP/1.1 connections per host. */
  connectionsPerHost: number;
}

export type Spec = Record<string, unknown>;

export interface Span {
  kind: 'run' | 'run-nogil' | 'gil-wait' | 'io-wait' | 'loop-wait' | 'message' | 'start';
  startMs: number;
  endMs: number;
}

export interface Task {
  id: number;
  lane: string;
  startMs: number;
  endMs: number;
  status: 'ok' | 'error' | 'timeout' | 'cancelled';
  error?: string;
  gilWaitMs?: number;
  ioWaitMs?: number;
  spans: Span[];
  /** Each blocking call's latency, ms (`convoy`'s I/O thread): from its start until it held the GIL again. */
  calls?: number[];
}

/** Where a Result was measured (API.md, Result). */
export interface Machine {
  cores: number;
  build: Build;
  browser: string;
  /** The free parallelism a probe found during a Compare (effective cores), when one ran. */
  parallelism?: number;
}

export interface Result {
  v: number;
  /** Identifies the run (set by the page's lab when the run ends). */
  runId: string;
  spec: Spec & { workload: string; mode: string; tasks: number };
  build: Build;
  /** The work's class, as the workload declares it. */
  class: 'cpu' | 'io' | 'mixed';
  wallMs: number;
  endMs: number;
  value: number;
  error?: { name: string; message: string; taskId?: number; atMs?: number };
  tasks: Task[];
  machine: Machine;
  labVersion: string;
  modelVersion: number;
  /** A Compare's entry: every counted round's wall time, and their [min, max]. */
  rounds?: number[];
  spread?: [number, number];
}

/** An error as it crosses workers and frames: a plain object. */
export interface PlainError {
  name: 'SpecError' | 'AbortError' | 'EngineError' | 'Unavailable' | string;
  message: string;
  field?: string;
  allowed?: string;
  /** SpecError: every bad field (at least one; the first is `field`), with the page's `label` for it. */
  errors?: { field: string; label: string; allowed: string; message: string }[];
  reason?: string;
  result?: Result;
}

/** Defaults calibrated on this machine: `{ "cpu-primes": { "size": 4700000 }, ... }`. */
export type Defaults = Record<string, Record<string, number>>;

/**
 * The engine worker and the page about the Workers the page makes for the engine (engine-worker.ts,
 * `EngineWorker`): `spawn` asks for one running the script at `url`, wired to the engine by `port`;
 * `terminate` ends it; `child-error` (page to engine) is an `error` event of that Worker.
 */
export type SpawnRequest =
  | { type: 'engine:spawn'; spawnId: number; url: string; name: string; port: MessagePort }
  | { type: 'engine:terminate'; spawnId: number }
  | { type: 'engine:child-error'; spawnId: number; message: string };

export interface EngineStartOptions {
  /** Defaults calibrated earlier in this browser profile: taken as they are (if made by this version of
   * the lab), not measured again. */
  stored?: { labVersion: string; targetMs?: number; defaults: Defaults };
  build: Build;
  /** The page's address: the latency endpoint is `api/delay` relative to it. */
  baseUrl: string;
  cores: number;
  /** Tags the engine's panic reports (a BroadcastChannel is shared by every lab of this origin). */
  engineId: number;
  /** The page's test flag: specs may name the test-only fault kinds `trap` and `stall` (docs/API.md). */
  testFaults?: boolean;
  /** How the single build ends its Unavailable reasons: what this browser lacks (capabilities/decide.ts). */
  unavailableWhy?: string;
}

export interface EngineStarted extends EngineStats {
  build: Build;
  threads: number;
  catalogue: Catalogue;
  /** The calibrated defaults in force, and whether they were measured now (or taken as stored). */
  defaults: Defaults;
  calibrated: boolean;
  /** How long each step of the start took, ms, in order (the page marks them: `performance.getEntriesByType('measure')`). */
  steps?: [string, number][];
  /** When the worker began the start (its first step), on the clock every context shares:
   *  `performance.timeOrigin + performance.now()`, ms. */
  stepsFrom?: number;
}

/** What a finished task hands the page besides its record: a band of an image, say. */
export interface TaskOutput {
  /** `"image-rows"`: iteration counts of whole rows of a `width`-wide image, starting at pixel `offset`. */
  kind: string;
  offset: number;
  width: number;
  max: number;
  data: Uint32Array;
}

/** Called as each task finishes, while the run goes on. */
export type TaskListener = (record: Task & { value: number }, output?: TaskOutput) => void;

/** What the engine worker offers the page (through Comlink). */
export interface EngineApi {
  start(options: EngineStartOptions): Promise<EngineStarted>;
  /** A finished run: its Result as JSON, with the history's copy when it is big (./copies.ts). */
  run(spec: Spec, onTask?: TaskListener): Promise<Copies>;
  /** The spec as it would run (defaults filled in), or a SpecError / Unavailable. */
  validate(spec: Spec): Promise<Spec>;
  /** How long the spec's run should take here, ms, from the calibration (src/core/estimate.rs). */
  estimate(spec: Spec): Promise<number>;
  /** The Python program of `spec` (src/core/python), or a rejection naming what has none. */
  pythonProgram(spec: Spec, options?: { baseUrl?: string; failing?: number[] }): Promise<string>;
  /** The Result of a run whose engine crashed (`message` says what died), from the task records the
   * page was sent before it did: the finished tasks kept, the others cancelled (src/core/crash.rs). */
  finishCrashed(spec: Spec, records: Task[], wallMs: number, message: string): Promise<Result>;
  /** Answers at once while the engine worker's event loop turns (the client's watchdog asks). */
  alive(): boolean;
  cancel(): void;
  stats(): EngineStats;
  /** The parallelism the machine has free now (effective cores), or undefined with one core. */
  probe(): Promise<number | undefined>;
  closeProbe(): void;
}

/** What the engine holds now: for `window.lab.status()`. */
export interface EngineStats {
  memoryBytes: number;
  /** Web Workers the engine started besides itself (pool threads, Python threads, processes). */
  workers: number;
}
