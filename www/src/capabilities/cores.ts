// The core count, measured (issue 22, item 6): `navigator.hardwareConcurrency` is what the browser says
// (WebKitGTK says 4 on a 2-core machine); the lab counts on the most parallelism its own probe has
// measured in this browser profile, at most that (./decide.ts `coresOf`). The best reading is kept in
// localStorage; every probe of a Compare may raise it, none lowers it (a busy machine reads low). A first
// visit measures once before the engine starts, with the probe's own workers (../engine/probe-worker.ts).

import { coresOf, validRecord, withReading, type CoresRecord } from './decide';

export const CORES_KEY = 'concurrency-lab:cores';

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
export function noteReading(reading: number | null | undefined, hardwareConcurrency: number): CoresRecord | undefined {
  const before = loadCores();
  const after = withReading(before, reading, hardwareConcurrency);
  if (after && after.best !== before?.best) saveCores(after);
  return after;
}

const time = (w: Worker, n: number) =>
  new Promise<number>((resolve, reject) => {
    w.onmessage = ({ data }: MessageEvent<{ ms: number }>) => resolve(data.ms);
    w.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message || 'the probe worker failed'));
    };
    w.postMessage({ n });
  });

/**
 * The free parallelism now, as the Compare's probe measures it (`alone / own time`, summed over `k`
 * workers), but the best of three trials: this reading is a core count (a floor under the truth), not a
 * busy check, so a trial another program disturbed should not lower it.
 */
export async function measureParallelism(k: number): Promise<number | undefined> {
  if (k < 2) return undefined;
  const ws: Worker[] = [];
  try {
    for (let i = 0; i < k; i++) ws.push(new Worker(new URL('./probe-worker.js', import.meta.url), { type: 'module', name: `core count ${i + 1}` }));
    let n = 40_000;
    await Promise.all(ws.map((w) => time(w, n)));
    let alone = await time(ws[0], n);
    while (alone < 25 && n < 5_000_000) {
      n *= 2;
      alone = await time(ws[0], n);
    }
    alone = Math.min(alone, await time(ws[0], n));
    let best = 0;
    for (let i = 0; i < 3; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 40));
      const together = await Promise.all(ws.map((w) => time(w, n)));
      best = Math.max(best, together.reduce((sum, t) => sum + Math.min(1, alone / Math.max(t, 1e-3)), 0));
    }
    return Math.min(k, best);
  } catch {
    return undefined;
  } finally {
    for (const w of ws) w.terminate();
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
  if (hc > 2 && !(record && record.hardwareConcurrency === hc)) {
    const k = Math.min(hc, 8);
    record = noteReading(await measureParallelism(k), hc);
    if (record && Math.round(record.best) < hc) {
      await new Promise((r) => setTimeout(r, 150));
      record = noteReading(await measureParallelism(k), hc);
    }
  }
  return coresOf(hc, record);
}
