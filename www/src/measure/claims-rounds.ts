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
  /** How a Compare measured it: every probe's reading (rounds set aside included), and each counted
   * round's probes, before it, between its runs and after it (null: that probe could not measure). */
  measurement?: { probes?: number[]; roundProbes?: (number | null)[][] };
  tasks?: { spans?: { kind: string; startMs: number; endMs: number }[] }[];
}

export type Outcome = Record<string, Measured | { error: { name: string; message: string; reason?: string; field?: string } }>;

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

/** The machine as the Compare found it. */
export interface MachineSeen {
  cores: number;
  /** The median probe's reading (free cores), if a probe ran. */
  parallelism?: number;
  /** The median probe read busy. */
  busy: boolean;
  /** Every probe's reading (rounds set aside included). */
  probes: number[];
  /**
   * Every counted round's probes read the machine idle: the only machine on which a claim that needs
   * parallel hardware may be called not borne out (docs/CONTRACT.md, `claims`). False where any counted
   * round had a probe that read busy, a probe that could not measure, or no probe at all.
   */
  idleThroughout: boolean;
  /** Why the machine was not seen idle throughout: what the probes found, in a sentence for the learner,
   * and what to do about it (absent when it was idle throughout). A claim says what it means for it
   * between the two (`busyReason`). */
  busyWhy?: string;
  busyAdvice?: string;
}

/** What busy cores mean for each kind of claim (`busyReason`). */
export const BUSY_MEANS = {
  parallel: 'A parallel mode cannot show its gain on cores other programs are using, so a missing gain here says nothing about Python.',
  noSpeedup: 'A program that takes a core during one run and not during another can make a mode look faster than sequential, so this says nothing about the GIL.',
  convoy: 'The CPU-bound thread may not have been on a core when the GIL came free, so the convoy may not have formed: this says nothing about the GIL.',
} as const;

/** The busy reason of a claim left open by the machine: what the probes found, what it means for this claim, what to do. */
export const busyReason = (m: MachineSeen, means: string) => [m.busyWhy, means, m.busyAdvice].filter(Boolean).join(' ');

/**
 * The machine as the Compare measured it: cores, the probes (the median, every reading), and whether every
 * counted round of every run in it was seen idle (runs made one by one may each carry their own probes, or
 * none).
 */
export function machineOf(outcome: Outcome): MachineSeen {
  const all = Object.values(outcome).filter(usable);
  const r = all[0];
  const cores = Math.max(1, r?.machine?.cores ?? 1);
  const parallelism = r?.machine?.parallelism;
  const busy = parallelism !== undefined && isBusyReading(parallelism, cores);
  const seen = { cores, parallelism, busy, probes: r?.measurement?.probes ?? [] };
  const notIdle = all.map((x) => busyWhyOf(x, cores)).find((why) => why !== undefined);
  if (notIdle === undefined && all.length) return { ...seen, idleThroughout: true };
  const busyWhy = notIdle ?? busyWhyOf(undefined, cores)!;
  const busyAdvice = busyWhy.startsWith('No probe') ? 'Compare all modes: it probes the machine before and after every run.' : 'Close other programs and run it again.';
  return { ...seen, idleThroughout: false, busyWhy, busyAdvice };
}

/** Why the probes of run `r` did not see every counted round idle, or undefined when they did. */
function busyWhyOf(r: Measured | undefined, cores: number): string | undefined {
  const idle = (p: unknown) => typeof p === 'number' && Number.isFinite(p) && !isBusyReading(p, cores);
  const free = (x: number) => `${x.toFixed(1)} of this machine's ${cores} cores`;
  const perRound = r?.measurement?.roundProbes;
  if (r && Array.isArray(perRound)) {
    // Each counted round against its own probes.
    const n = roundsOf(r).length;
    // A round's probes: before it, between its runs, after it; at least the two around it.
    const notIdle = Array.from({ length: n }, (_, i) => perRound[i]).filter((ps) => !(Array.isArray(ps) && ps.length >= 2 && ps.every(idle)));
    if (!notIdle.length) return undefined;
    const busiest = Math.min(...notIdle.flat().filter((p): p is number => typeof p === 'number' && Number.isFinite(p)));
    const which = notIdle.length === n ? (n === 1 ? 'In its one counted round' : `In all ${n} counted rounds`) : `In ${notIdle.length} of the ${n} counted rounds`;
    return Number.isFinite(busiest) && isBusyReading(busiest, cores)
      ? `${which} a probe found the machine busy (at the lowest, only ${free(busiest)} free): other programs were using the cores.`
      : `${which} the probe could not tell how many cores were free.`;
  }
  // A record from before each round kept its own probes: every probe must read idle.
  const probes = r?.measurement?.probes ?? [];
  const low = probes.length ? Math.min(...probes) : r?.machine?.parallelism;
  if (low !== undefined)
    return idle(low) ? undefined : `A probe found only ${free(low)} free during the Compare: other programs were keeping the cores busy.`;
  return `No probe measured how many of this machine's ${cores} cores were free while these ran.`;
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
