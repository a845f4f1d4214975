// The core count, measured (issue 22, item 6): `navigator.hardwareConcurrency` is what the browser says
// (WebKitGTK says 4 on a 2-core machine); the lab counts on the most parallelism its own probe has
// measured in this browser profile, at most that (./decide.ts `coresOf`). The best reading is kept in
// localStorage; every probe of a Compare may raise it, none lowers it (a busy machine reads low). A first
// visit measures before the engine starts (`measureParallelism`, with the Compare's probe, ../engine/probe.ts).

import { coresOf, validRecord, withReading, type CoresRecord } from './decide';
import { ParallelismProbe } from '../engine/probe';

export const CORES_KEY = 'concurrency-lab:cores';
/** Visits that measure while the count is below what the browser reports. */
export const MEASURES = 3;

export function loadCores(): CoresRecord | undefined {
  try {
    const r = JSON.parse(localStorage.getItem(CORES_KEY) ?? 'null');
    return validRecord(r) ? r : undefined;
  } catch {
    return undefined;
  }
}

function saveCores(r: CoresRecord): void {
  try {
    localStorage.setItem(CORES_KEY, JSON.stringify(r));
  } catch {
    // No storage (a private window, a full quota): this visit measures again next time.
  }
}

/** Keeps a probe's reading if it is the best so far; returns the record now. */
export function noteReading(reading: number | null | undefined, hardwareConcurrency: number, measures?: number): CoresRecord | undefined {
  const before = loadCores();
  let after = withReading(before, reading, hardwareConcurrency);
  if (after && measures !== undefined) after = { ...after, measures };
  if (after && (after.best !== before?.best || after.measures !== before?.measures)) saveCores(after);
  return after;
}

/**
 * The parallelism this machine gives `k` workers now, measured as a Compare's probe measures it
 * (../engine/probe.ts: the work all of them did in one common window, over one worker's rate alone, which
 * cannot read more cores than the machine gave), the best of its trials: this reading is a core count (a
 * floor under the truth), not a busy check, so a trial another program disturbed should not lower it.
 */
export async function measureParallelism(k: number): Promise<number | undefined> {
  if (k < 2) return undefined;
  const probe = new ParallelismProbe(k, new URL('./probe-worker.js', import.meta.url), 'core count');
  try {
    return await probe.measure('best');
  } catch {
    return undefined;
  } finally {
    probe.close();
  }
}

/**
 * The cores this page counts on, from the record, measuring first if this profile has none yet and the
 * browser reports more than 2 (with 1 or 2 the count is the report whatever the probe reads: ./decide.ts
 * `coresOf`; the Compares' probes confirm it). A reading below the reported count is measured once more,
 * after a pause, and the better kept: a first visit on a busy moment should not settle for too few.
 */
export async function sessionCores(hardwareConcurrency: number): Promise<ReturnType<typeof coresOf>> {
  const hc = Math.max(1, hardwareConcurrency || 1);
  let record = loadCores();
  // Measured on a first visit, and again on the next visits while the count is below the report (at most
  // MEASURES times in all: a busy first visit should not settle it; WebKit's 4 on 2 cores stays 2).
  const tries = record?.hardwareConcurrency === hc ? (record.measures ?? 1) : 0;
  if (hc > 2 && tries < MEASURES && !(record && coresOf(hc, record).cores >= hc)) {
    const k = Math.min(hc, 8);
    record = noteReading(await measureParallelism(k), hc, tries + 1);
  }
  return coresOf(hc, record);
}
