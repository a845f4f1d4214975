// What every claim reads and gives back, and the rule they share: the types of a Compare's outcome and of
// a verdict, a run's rounds and its speedups round by round, `decide` (every round on the claim's side, or
// every round on the other), the measured text, the machine as the Compare found it, and the claim whose
// mode did not run. The claims of each kind of work (claims-cpu.ts, claims-io.ts, claims-mixed.ts,
// claims-convoy.ts) are built from these. Pure: no DOM, no clock.

import { BUSY_SHARE } from './claims-catalogue';

export type Verdict = 'borne-out' | 'not-borne-out' | 'inconclusive';

export interface ClaimVerdict {
  /** Stable id (docs/API.md lists them). */
  id: string;
  /** The claim, in the lesson's words. */
  claim: string;
  verdict: Verdict;
  measured: { mode: string; speedup: number; spread: [number, number]; rounds: number; text: string };
  /** Why the verdict is inconclusive, or what to keep in mind about it. */
  why?: string;
  /** Inconclusive only because the rounds straddle the threshold: more rounds may decide it (a claim
   * left open by the machine itself, one core or busy cores or tiny work, is not). */
  undecided?: boolean;
}

/** What the verdicts read of a Result (a full Result has all of this and more). */
export interface Measured {
  spec: { workload: string; mode: string; tasks: number; workers?: number; [k: string]: unknown };
  wallMs: number;
  /** Every counted round's wall time (a single run: absent, and `wallMs` is its one round). */
  rounds?: number[];
  class?: 'cpu' | 'io' | 'mixed';
  cancelled?: boolean;
  error?: unknown;
  network?: string;
  machine?: { cores: number; build?: string; browser?: string; parallelism?: number };
  /** How a Compare measured it: every probe's reading (rounds set aside included). */
  measurement?: { probes?: number[] };
  tasks?: { spans?: { kind: string; startMs: number; endMs: number }[] }[];
}

export type Outcome = Record<string, Measured | { error: { name: string; message: string; reason?: string } }>;

export const isResult = (x: Outcome[string] | undefined): x is Measured => !!x && 'wallMs' in x;
export const usable = (x: Outcome[string] | undefined): x is Measured => isResult(x) && !x.cancelled;
export const roundsOf = (r: Measured) => (r.rounds?.length ? r.rounds : [r.wallMs]);
export const times = (x: number) => `${x.toFixed(2)}×`;
/** The median (the mean of the middle two for an even count; NaN for none). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** The work's class: from the Result, or (for records made before it carried one) from the name. */
export function classOf(r: Measured): 'cpu' | 'io' | 'mixed' {
  if (r.class) return r.class;
  const w = r.spec.workload;
  return w.startsWith('io-') ? 'io' : w.startsWith('mixed-') ? 'mixed' : 'cpu';
}

/** Per-round speedups of `mode` over `base`: round i of one against round i of the other. */
export function roundSpeedups(base: Measured, mode: Measured): number[] {
  const b = roundsOf(base);
  const m = roundsOf(mode);
  const n = Math.min(b.length, m.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (m[i] > 0) out.push(b[i] / m[i]);
  return out;
}

/** `borne-out` if every round is on the claim's side, `not-borne-out` if every round is on the other. */
export function decide(values: number[], onClaimSide: (x: number) => boolean): Verdict {
  if (!values.length) return 'inconclusive';
  if (values.every(onClaimSide)) return 'borne-out';
  if (values.every((x) => !onClaimSide(x))) return 'not-borne-out';
  return 'inconclusive';
}

/** Rounds on both sides of the threshold, on a machine that could decide: more rounds may settle it. */
export const undecided = (raw: Verdict, values: number[], structural: boolean) => raw === 'inconclusive' && values.length > 0 && !structural;

export function measure(mode: string, values: number[], text: string) {
  const spread: [number, number] = values.length ? [Math.min(...values), Math.max(...values)] : [NaN, NaN];
  return { mode, speedup: median(values), spread, rounds: values.length, text };
}

export const spreadText = (values: number[]) =>
  values.length > 1 ? ` (${times(Math.min(...values))}–${times(Math.max(...values))} over ${values.length} rounds)` : ' (one round)';

export const workersOf = (r: Measured) => (typeof r.spec.workers === 'number' ? r.spec.workers : Number(r.spec.workers) || undefined);

/** A probe's reading on a machine of `cores` counts as busy below BUSY_SHARE of them (one core is never busy). */
export const isBusyReading = (parallelism: number, cores: number) => cores > 1 && parallelism < BUSY_SHARE * cores;

/** The machine as the Compare measured it: cores, the parallelism a probe found free (the median), and every probe. */
export function machineOf(outcome: Outcome) {
  const r = Object.values(outcome).find(usable);
  const cores = Math.max(1, r?.machine?.cores ?? 1);
  const parallelism = r?.machine?.parallelism;
  const busy = parallelism !== undefined && isBusyReading(parallelism, cores);
  return { cores, parallelism, busy, probes: r?.measurement?.probes ?? [] };
}

/**
 * What the probes saw at their lowest, when that was busy though their median was not: said beside a
 * verdict left open by rounds on both sides of its line (a fact about the Compare, for the learner to
 * weigh; it does not change the verdict). Empty when no probe read busy.
 */
export function busyAtTimes(outcome: Outcome): string {
  const { cores, probes } = machineOf(outcome);
  if (!probes.length) return '';
  const low = Math.min(...probes);
  return isBusyReading(low, cores) ? ` At one point a probe found only ${low.toFixed(1)} of the ${cores} cores free: something else kept the machine busy at times.` : '';
}

/** A claim that cannot be tested here: its mode did not run (unavailable, refused, or not run yet). */
export function untested(id: string, claim: string, mode: string, entry: Outcome[string] | undefined): ClaimVerdict {
  const why =
    entry && 'error' in entry && !isResult(entry)
      ? entry.error.name === 'Unavailable'
        ? `${mode} cannot run here: ${entry.error.reason ?? entry.error.message}`
        : `${mode} did not run: ${entry.error.message}`
      : isResult(entry) && entry.cancelled
        ? `${mode} was stopped before it finished.`
        : `Run ${mode} on the same work to test this.`;
  return { id, claim, verdict: 'inconclusive', measured: measure(mode, [], `${mode}: not measured`), why };
}
