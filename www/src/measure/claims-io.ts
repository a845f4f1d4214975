// The claims of a Compare on I/O-bound work: asyncio and threads overlap the waits. The best overlap a run
// can reach is its tasks in waves (as many at a time as its workers and, for real requests, the browser's
// connections to one host let); a claim is borne out halfway there.

import { connectionsPerHost, usesNetwork } from '../rules';
import { CLAIM_TEXT } from './claims-catalogue';
import { decide, measure, median, roundSpeedups, spreadText, times, undecided, untested, usable, workersOf } from './claims-rounds';
import type { ClaimVerdict, Measured, Outcome } from './claims-rounds';

/** An I/O run's waves: its tasks go as many at a time as its workers and the browser's connections let. */
function wavesOf(r: Measured): { tasks: number; waves: number } {
  const tasks = Math.max(1, Number(r.spec.tasks) || 1);
  // Requests through the browser's HTTP stack (a workload that makes them, on a real network) share its
  // connections to one host.
  const http = usesNetwork(r.spec.workload) && r.network !== 'simulated';
  const atOnce = Math.min(tasks, workersOf(r) ?? tasks, http ? connectionsPerHost() : Infinity);
  return { tasks, waves: Math.ceil(tasks / atOnce) };
}

/** The overlap an I/O run can reach: its tasks in waves of as many as run at once. */
export function ioIdeal(r: Measured): number {
  const { tasks, waves } = wavesOf(r);
  return tasks / waves;
}

/** An I/O claim's threshold: halfway between no overlap (1x) and the best this run could reach. */
export const overlapThreshold = (r: Measured) => 1 + (ioIdeal(r) - 1) / 2;

/** The claims a Compare of I/O-bound work tests, each against `base`, its sequential run. */
export function ioClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
  const out: ClaimVerdict[] = [];
  const overlap = (id: string, mode: string, claim: string, unit: string) => {
    const r = outcome[mode];
    if (!usable(r)) return out.push(untested(id, claim, mode, r));
    const values = roundSpeedups(base, r);
    const ideal = ioIdeal(r);
    // Closer to overlapping than not.
    const threshold = overlapThreshold(r);
    const workers = workersOf(r);
    const { waves } = wavesOf(r);
    const text = `${mode}: ${times(median(values))} of sequential${spreadText(values)}${workers ? ` with ${workers} ${unit}` : ''}; at best ${times(ideal)}${waves > 1 ? ` (${r.spec.tasks} tasks in ${waves} waves)` : ''}`;
    const raw = decide(values, (x) => x >= threshold);
    let verdict = raw;
    let why: string | undefined;
    const latency = Number(r.spec.latencyMs);
    if (ideal < 1.5) {
      verdict = 'inconclusive';
      why = Number(r.spec.tasks) < 2 ? 'With one task there is nothing to overlap; use more tasks.' : 'With one worker each wait happens in turn; give it more workers.';
    } else if (Number.isFinite(latency) && latency < 20 && verdict !== 'borne-out') {
      verdict = 'inconclusive';
      why = `The waits are short (${latency} ms), so each task's overhead decides; make them longer.`;
    } else if (verdict === 'inconclusive') {
      why = `The rounds fell on both sides of ${times(threshold)} (halfway to the best possible): the machine or the server was slower in some rounds. Run more rounds.`;
    } else if (verdict === 'not-borne-out') {
      why = `No round reached ${times(threshold)}: something slowed the waits down (a busy machine or server).`;
    }
    if (waves > 1 && verdict === 'borne-out' && usesNetwork(r.spec.workload) && r.network !== 'simulated')
      why = `A browser opens at most ${connectionsPerHost()} connections to one host, so ${r.spec.tasks} requests go in ${waves} waves (Python's aiohttp would open up to 100).`;
    out.push({ id, claim, verdict, measured: measure(mode, values, text), why, undecided: undecided(raw, values, ideal < 1.5) });
  };
  overlap('asyncio-io', 'asyncio', CLAIM_TEXT['asyncio-io'], 'workers');
  overlap('threads-io', 'threads-gil', CLAIM_TEXT['threads-io'], 'threads');
  return out;
}
