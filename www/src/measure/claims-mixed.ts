// The claim of a Compare on mixed work (a pipeline that waits, then computes): which mode wins depends
// on which half outweighs the other, read from the sequential run's spans. Computing-heavy, processes
// must beat sequential, asyncio and threads; waiting-heavy, asyncio must beat sequential and processes.

import { CLAIM_TEXT, NEEDS_IDLE_MACHINE, TINY_WORK_MS, WINS_BY } from './claims-catalogue';
import { BUSY_MEANS, busyAtTimes, busyReason, decide, machineOf, measure, median, roundSpeedups, roundsOf, spreadText, times, undecided, untested, usable } from './claims-rounds';
import type { ClaimVerdict, Measured, Outcome } from './claims-rounds';

/** The share of a run's task time spent computing (vs waiting), from its spans. */
export function cpuShare(r: Measured): number {
  let run = 0;
  let wait = 0;
  for (const t of r.tasks ?? [])
    for (const s of t.spans ?? []) {
      if (s.kind === 'run') run += s.endMs - s.startMs;
      else if (s.kind === 'io-wait') wait += s.endMs - s.startMs;
    }
  return run + wait > 0 ? run / (run + wait) : NaN;
}

/** The one claim a Compare of mixed work tests: the one its sequential run `base` says it is heavy on. */
export function mixedClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
  const share = cpuShare(base);
  const heavy = share >= 0.5 ? 'cpu' : 'io';
  const [id, mode, claim, beat] =
    heavy === 'cpu'
      ? ([
          'mixed-cpu-heavy-processes',
          'processes',
          CLAIM_TEXT['mixed-cpu-heavy-processes'],
          ['sequential', 'asyncio', 'threads-gil'],
        ] as const)
      : ([
          'mixed-io-heavy-asyncio',
          'asyncio',
          CLAIM_TEXT['mixed-io-heavy-asyncio'],
          ['sequential', 'processes'],
        ] as const);
  const r = outcome[mode];
  if (!usable(r)) return [untested(id, claim, mode, r)];
  const rivals = beat.map((m) => [m, outcome[m]] as const);
  const missing = rivals.find(([, x]) => !usable(x));
  if (missing) return [untested(id, claim, missing[0], missing[1])];
  // Per round: how much faster the mode was than the fastest of the modes it must beat.
  const perRival = rivals.map(([, x]) => roundSpeedups(x as Measured, r));
  const n = Math.min(...perRival.map((v) => v.length));
  const margins = Array.from({ length: n }, (_, i) => Math.min(...perRival.map((v) => v[i])));
  const vsSequential = roundSpeedups(base, r);
  const machine = machineOf(outcome);
  const { cores } = machine;
  const text = `${mode}: ${times(median(margins))} the speed of the fastest of ${beat.join(', ')}${spreadText(margins)}; ${times(median(vsSequential))} of sequential. Computing was ${(100 * share).toFixed(0)}% of the sequential run's task time.`;
  const raw = decide(margins, (x) => x > WINS_BY);
  let verdict = raw;
  let why: string | undefined;
  // Only a machine that could have shown the win in every counted round can refute the claim (or settle it
  // in more rounds): the computing-heavy claim needs the cores idle, round by round.
  const notIdle = NEEDS_IDLE_MACHINE.includes(id) && !machine.idleThroughout;
  const structural = (heavy === 'cpu' && (cores === 1 || notIdle)) || median(roundsOf(base)) < TINY_WORK_MS;
  if (verdict !== 'borne-out') {
    if (heavy === 'cpu' && cores === 1) why = 'This machine reports one core, so the computing cannot be shared out.';
    else if (heavy === 'cpu' && notIdle) why = busyReason(machine, BUSY_MEANS.parallel);
    else if (verdict === 'inconclusive') why = `In some rounds ${mode} was the fastest, in others not.${busyAtTimes(outcome)} Run more rounds.`;
    else why = heavy === 'cpu' ? 'Start-up or the waiting outweighed the shared-out computing; give each task more numbers.' : "The computing outweighed the overlapped waits; lengthen the requests or shorten the computing.";
    if (structural) verdict = 'inconclusive';
  }
  return [{ id, claim, verdict, measured: measure(mode, margins, text), why, undecided: undecided(raw, margins, structural) }];
}
