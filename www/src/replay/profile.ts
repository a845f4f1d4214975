// A thread run summed up as a sampling profiler's GIL view would show it (py-spy's `--gil`, say): per
// thread, the share of the time so far spent running (holding the GIL), waiting for it, and waiting on
// I/O. Computed from the replay's totals, so it is exact for the record, not sampled.

import type { Replay } from './replay';

export interface LaneShare {
  lane: string;
  /** Tasks this lane ran up to the instant. */
  tasks: number;
  /** Running; under threads-gil, holding the GIL (C code that released it is `nogilMs`, not here). */
  runMs: number;
  /** Running C code that released the GIL. */
  nogilMs: number;
  gilWaitMs: number;
  ioMs: number;
  /** The rest: between tasks, bookkeeping too short to record, or not started yet. */
  otherMs: number;
}

export interface GilProfile {
  /** The time the shares are of: from the run's start to the instant. */
  elapsedMs: number;
  lanes: LaneShare[];
  /** Threads' running time over the time so far (C code that released the GIL not counted): under
   *  threads-gil, the share of the time the GIL was held, at most 1. */
  busy: number;
}

export function gilProfile(rp: Replay, tMs: number): GilProfile {
  const elapsedMs = Math.max(0, Math.min(tMs, Math.max(rp.durationMs, rp.times.at(-1) ?? 0)));
  const byLane = new Map<string, LaneShare>(rp.lanes.map((lane) => [lane, { lane, tasks: 0, runMs: 0, nogilMs: 0, gilWaitMs: 0, ioMs: 0, otherMs: 0 }]));
  for (const t of rp.totalsAt(elapsedMs).values()) {
    const share = t.lane ? byLane.get(t.lane) : undefined;
    if (!share) continue;
    share.tasks++;
    share.runMs += t.run - t.runNogil;
    share.nogilMs += t.runNogil;
    share.gilWaitMs += t.gilWait;
    share.ioMs += t.io;
  }
  const lanes = [...byLane.values()];
  for (const l of lanes) l.otherMs = Math.max(0, elapsedMs - l.runMs - l.nogilMs - l.gilWaitMs - l.ioMs);
  const ran = lanes.reduce((a, l) => a + l.runMs, 0);
  return { elapsedMs, lanes, busy: elapsedMs > 0 ? ran / elapsedMs : 0 };
}

/** The profile as a plain-text table, for a screen reader or a terminal-minded learner. */
export function profileText(p: GilProfile, gil: boolean): string {
  const pct = (ms: number) => (p.elapsedMs > 0 ? `${((100 * ms) / p.elapsedMs).toFixed(0)}%` : '0%');
  const nogil = p.lanes.some((l) => l.nogilMs > 0);
  const head = ['thread', 'running', nogil ? 'C, no GIL' : '', gil ? 'GIL wait' : '', 'I/O wait', 'other'].filter(Boolean);
  const rows = p.lanes.map((l) => [l.lane, pct(l.runMs), ...(nogil ? [pct(l.nogilMs)] : []), ...(gil ? [pct(l.gilWaitMs)] : []), pct(l.ioMs), pct(l.otherMs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
