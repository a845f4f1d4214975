// The lesson's claims, decided from measured rounds: the one place that holds the thresholds and the
// rule. The page, the embed, `window.lab.claims` and the benchmark's fidelity table all call `claims`;
// none keeps thresholds of its own. Pure: no DOM, no clock, nothing but the Compare it is given.
//
// The rule (docs/CONTRACT.md, `claims`): a claim is `borne-out` when every counted round lies on the
// claim's side of its threshold, `not-borne-out` when every round lies on the other side, else
// `inconclusive`. Thresholds sit well away from what CPython itself gives on such work (PYTHON-MODEL.md),
// so noise cannot flip a verdict: threads under the GIL give CPython 0.89x on CPU work, and "no speedup"
// means below 1.25x; processes give 1.57x on 2 cores, and "uses the cores" means at least 1.25x.
// Where the measurement cannot decide (one core, busy cores, tiny work, one worker), the claim is
// `inconclusive` with a `why`, never a verdict the machine could not have earned: a claim that needs
// parallel hardware (NEEDS_IDLE_MACHINE) is `not-borne-out` only when every counted round's probes, the one
// before it and the one after it, read the machine idle.
//
// This file picks the claims a Compare tests by its work and is what every caller imports; the parts sit
// beside it: claims-catalogue.ts (each claim's text, the thresholds, which claims a Compare tests),
// claims-rounds.ts (the types, rounds and speedups, the rule), and the claims of each kind of work:
// claims-cpu.ts, claims-io.ts, claims-mixed.ts, claims-convoy.ts.

import { convoyClaims } from './claims-convoy';
import { cpuClaims } from './claims-cpu';
import { ioClaims } from './claims-io';
import { mixedClaims } from './claims-mixed';
import { classOf, usable, type ClaimVerdict, type Outcome } from './claims-rounds';

// The engine's catalogue, for the claims that read its rules (the browser's connections per host): the
// page gives it when the lab starts; the bench, from the lab it ran.
export { useCatalogue } from '../rules';

export {
  BUSY_SHARE,
  CLAIM_IDS,
  CLAIM_MODE,
  CLAIM_TEXT,
  CLAIMS_BY_CLASS,
  claimsToTest,
  CONVOY_FREE_UNDER,
  CONVOY_INTERVAL_GAIN,
  CONVOY_INTERVAL_MS,
  CONVOY_SLOWER_FROM,
  DATA_HEAVY_ITEMS,
  NEEDS_IDLE_MACHINE,
  NO_SPEEDUP_BELOW,
  TINY_WORK_MS,
  USES_CORES_FROM,
  WINS_BY,
} from './claims-catalogue';
export { classOf, decide, isBusyReading, machineOf, median, roundSpeedups, type ClaimVerdict, type MachineSeen, type Measured, type Outcome, type Verdict } from './claims-rounds';
export { startSpans } from './claims-cpu';
export { ioIdeal, overlapThreshold } from './claims-io';
export { cpuShare } from './claims-mixed';
export { acrossClaims, convoyIo, percentile } from './claims-convoy';

/**
 * The lesson's claims this Compare tests (or runs of the same work made one by one: each Result is
 * then one round), with verdicts. Needs a finished sequential run: every claim is about a speedup
 * over it.
 */
export function claims(outcome: Outcome): ClaimVerdict[] {
  const base = outcome.sequential;
  if (!usable(base) || base.error) return [];
  if (base.spec.workload === 'convoy') return convoyClaims(outcome, base);
  switch (classOf(base)) {
    case 'cpu':
      return cpuClaims(outcome, base);
    case 'io':
      return ioClaims(outcome, base);
    default:
      return mixedClaims(outcome, base);
  }
}
