// From what the browser could do (./detect.ts) to what the lab runs, and the words it says about it: the
// build, why the single build where it is, `status().capabilities`, and the core count. Pure (no DOM, no
// storage), so tests/unit/capabilities.test.mjs checks every browser's case in node.

import type { Detected } from './detect';

export type Build = 'threads' | 'single';

/** `status().capabilities` (the contract's "Browsers"; docs/API.md, "Capabilities"). */
export interface Capabilities {
  /** The lab's shared WebAssembly memory could be posted to a worker, and the worker's writes were seen. */
  sharedMemory: boolean;
  /** `Atomics.wait` blocked a worker on that memory (what its threads wait on). */
  atomicsWait: boolean;
  /** A worker could start a worker of its own (reported: the page makes every Worker of the lab). */
  nestedWorkers: boolean;
  /** WebAssembly stack switching: Pyodide's `asyncio.run` needs it; without it `python.run` adapts the program. */
  jspi: boolean;
  /** The cores the lab counts on: the most parallelism its probe has measured in this profile, at most `hardwareConcurrency`. */
  cores: number;
  coresSource: 'probe' | 'hardwareConcurrency';
  /** What the browser reports. */
  hardwareConcurrency: number;
  /** The best probe reading kept in this profile (free cores, a fraction), if any. */
  coresMeasured?: number;
  /** For each capability that is missing, what happened when the lab tried it. */
  why: Partial<Record<'sharedMemory' | 'atomicsWait' | 'nestedWorkers' | 'jspi', string>>;
}

export interface BuildChoice {
  build: Build;
  /** Why the single build (status().buildReason, "Single build because ..."). */
  reason?: string;
  /**
   * How the engine ends its `Unavailable` reasons in the single build: "<mode> needs threads over shared memory
   * (SharedArrayBuffer), which this page cannot have <this>" (src/core/mode/mod.rs).
   */
  unavailableWhy?: string;
}

/** What is said when the page is not isolated: the old words, true where they are said. */
const notIsolated = (bootReason?: string) =>
  `this page is not cross-origin isolated, so it cannot share memory between threads (no SharedArrayBuffer)${bootReason ? `: ${bootReason}` : ''}`;

/**
 * The build and its reason. Not isolated: the single build, as before (the isolation is what is missing,
 * whatever a post would have said). Isolated: the threads build only if the lab's memory reached a worker
 * shared and a worker could block on it; otherwise the single build, saying which of them this browser
 * could not do (WebKitGTK at default settings: it cannot send shared memory to a worker).
 */
export function chooseBuild(d: Detected, bootReason?: string): BuildChoice {
  if (!d.crossOriginIsolated) {
    // Without the boot script's reason the engine's own default words stand (they name the usual causes).
    return { build: 'single', reason: notIsolated(bootReason), unavailableWhy: bootReason ? `because it is not cross-origin isolated (${bootReason})` : undefined };
  }
  if (d.sharedMemory !== true) {
    const what = d.sharedMemory;
    return { build: 'single', reason: `${what}, so threads cannot share memory here, although the page is cross-origin isolated`, unavailableWhy: `here: ${what}` };
  }
  if (d.atomicsWait !== true) {
    const what = `this browser cannot make a worker wait on shared memory (Atomics.wait: ${d.atomicsWait})`;
    return { build: 'single', reason: `${what}, so the lab's threads cannot wait for each other`, unavailableWhy: `here: ${what}` };
  }
  return { build: 'threads' };
}

/**
 * A reading counts as a core more from this much below the next whole number (an idle machine's cores
 * read about 0.95 each); rounding the other way would let noise add one (four workers on WebKitGTK's two
 * cores have read 2.4).
 */
export const COUNT_SLACK = 0.3;

/** What the probe keeps in this profile: its best reading, against the `hardwareConcurrency` it was made beside. */
export interface CoresRecord {
  v: 1;
  /** The most free cores a probe has read (a fraction). */
  best: number;
  hardwareConcurrency: number;
  /** How many visits measured it before the engine started (./cores.ts). */
  measures?: number;
}

/**
 * The cores the lab counts on: the best probe reading kept for this `hardwareConcurrency` (whole cores,
 * `COUNT_SLACK`), at
 * most `hardwareConcurrency` and at least 2 where it reports 2 or more (a probe cannot tell a busy 2-core
 * machine from an idle single core, and counting one core would stop the probes that could correct it);
 * without a reading (a first visit, one core, a record made beside another `hardwareConcurrency`),
 * `hardwareConcurrency` itself.
 */
export function coresOf(hardwareConcurrency: number, record?: CoresRecord | null): { cores: number; coresSource: 'probe' | 'hardwareConcurrency'; coresMeasured?: number } {
  const hc = Math.max(1, Math.floor(hardwareConcurrency) || 1);
  if (!validRecord(record) || record.hardwareConcurrency !== hc || hc < 2) return { cores: hc, coresSource: 'hardwareConcurrency' };
  return { cores: Math.min(hc, Math.max(2, Math.floor(record.best + COUNT_SLACK))), coresSource: 'probe', coresMeasured: record.best };
}

/** The record after a probe read `reading` free cores: the best reading only ever rises (a busy reading lowers nothing). */
export function withReading(record: CoresRecord | null | undefined, reading: number | null | undefined, hardwareConcurrency: number): CoresRecord | undefined {
  const hc = Math.max(1, Math.floor(hardwareConcurrency) || 1);
  const kept = validRecord(record) && record.hardwareConcurrency === hc ? record : undefined;
  if (typeof reading !== 'number' || !Number.isFinite(reading) || reading <= 0) return kept;
  const best = Math.round(Math.min(hc, Math.max(reading, kept?.best ?? 0)) * 100) / 100;
  return { ...kept, v: 1, best, hardwareConcurrency: hc };
}

export function validRecord(r: unknown): r is CoresRecord {
  const x = r as CoresRecord;
  return !!x && typeof x === 'object' && x.v === 1 && typeof x.best === 'number' && Number.isFinite(x.best) && x.best > 0 && Number.isInteger(x.hardwareConcurrency) && x.hardwareConcurrency >= 1;
}

/** `status().capabilities` from the checks and the core count. */
export function capabilitiesOf(d: Detected, cores: ReturnType<typeof coresOf>): Capabilities {
  const why: Capabilities['why'] = {};
  if (d.sharedMemory !== true) why.sharedMemory = d.crossOriginIsolated ? d.sharedMemory : notIsolated();
  if (d.atomicsWait !== true) why.atomicsWait = d.atomicsWait;
  if (d.nestedWorkers !== true) why.nestedWorkers = d.nestedWorkers;
  if (d.jspi !== true) why.jspi = d.jspi;
  return {
    sharedMemory: d.crossOriginIsolated && d.sharedMemory === true,
    atomicsWait: d.atomicsWait === true,
    nestedWorkers: d.nestedWorkers === true,
    jspi: d.jspi === true,
    ...cores,
    hardwareConcurrency: Math.max(1, d.hardwareConcurrency),
    why,
  };
}

/** The status line's words for the core count: "2 (measured)" or "4 (reported by the browser)". */
export function describeCores(c: Pick<Capabilities, 'cores' | 'coresSource' | 'hardwareConcurrency'>): string {
  if (c.coresSource === 'probe') return `${c.cores} (measured${c.hardwareConcurrency !== c.cores ? `; the browser reports ${c.hardwareConcurrency}` : ''})`;
  return `${c.cores} (reported by the browser, not yet measured)`;
}
