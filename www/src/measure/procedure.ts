// How the lab measures a comparison fairly: one procedure, used by `lab.compare`, the page, the chapters
// and the benchmark, so "fair" means the same everywhere.
//
//  1. A warm-up round, not counted: every mode once, on a quarter of the work (`warmUpSpec`: the same
//     tasks and workers, their waits and their calibrated size cut to about WARM_UP_SHARE of a run's
//     time). A fresh engine's first runs are slower (the first workers, a page's first connections to the
//     lab's server: a first threads-gil run of eight requests took 394 ms where the next took 230), and
//     without it the first mode measured would pay for all; none of that grows with the work, and the
//     optimising compiler's warm-up is the engine's own, before it is ready (engine-worker.ts).
//  2. Counted rounds, each running every mode once in a different order (no mode always first or last),
//     with a short probe of the parallelism the machine has free (other programs may hold cores) before
//     the round, between every two of its runs, and after it. Nothing runs between one round's last mode
//     and the next round's first but the pure checks below, so the probe after round k is also the probe
//     before round k+1. A probe between runs, and not only around the round, because a burst of another
//     program (a build's compiler jobs: seconds on, seconds off) can come and go inside a round of several
//     seconds, while it cannot hide inside one run without a probe seeing it unless it is shorter than
//     that run. Each Result carries the median probe, and the measurement keeps every reading and each
//     counted round's own (`roundProbes`).
//  3. At least `minRounds` rounds while the budget allows; more while a claim is inconclusive. A round is
//     *disturbed* when any of its probes finds the machine busy: decided from the probes alone, before
//     the round's times are looked at, so it favours no claim. A disturbed round is set aside and run
//     again: at most MAX_SET_ASIDE times, and only while most probes before it found the machine idle (a
//     machine busy throughout is measured as it is, and the verdicts say it was busy). A round set aside
//     is not charged to the budget, so a busy moment costs time, not counted rounds. A disturbed round
//     that is counted (the allowance spent) keeps its busy probes in `roundProbes`, and a claim that the
//     machine's load could have turned is then never refuted by it (claims-rounds.ts, `machineOf`).
//  4. Each mode reports the Result of its median round, with every round's wall time and their spread.
// Pure of the browser: the runner, the probe, the clock and the randomness are given, so it is tested in
// node with a fake runner.

import type { Spec, WorkloadInfo } from '../engine/protocol';
import { claims as decideClaims, type ClaimVerdict, type Measured, type Outcome } from './verdicts';
import { isBusyReading } from './claims-rounds';

/** The warm-up round's share of a counted run's time (step 1). */
export const WARM_UP_SHARE = 0.25;

/**
 * The work of the warm-up round (step 1): `spec` with the length of its waits and its calibrated size cut
 * so that a run takes about WARM_UP_SHARE of its time (the size by the calibration's exponent: cpu-primes
 * grows as N^1.4), never below a field's minimum. Its tasks, workers and every other field stay, so the
 * warm-up starts the same workers and opens the same connections as a counted run. A workload with neither
 * (convoy) warms up at full size.
 */
export function warmUpSpec(spec: Spec, workload: WorkloadInfo | undefined): Spec {
  if (!workload) return spec;
  const out: Spec = { ...spec };
  const cut = (name: string | null | undefined, factor: number) => {
    const field = workload.fields.find((f) => f.name === name);
    if (!field) return;
    const value = Number(spec[field.name] ?? field.default);
    if (Number.isFinite(value)) out[field.name] = Math.max(field.min, Math.round(value * factor));
  };
  cut(workload.waits?.msField, WARM_UP_SHARE);
  if (workload.calibration) cut(workload.calibration.field, WARM_UP_SHARE ** (1 / workload.calibration.exponent));
  return out;
}

/** Rounds a Compare may set aside for a busy probe. */
export const MAX_SET_ASIDE = 2;

/** A probe's reading, or null where the probe could not measure. */
export type ProbeReading = number | null;

/** A round not counted: one of its probes found the machine busy. Its runs are kept here, not hidden. */
export interface SetAsideRound {
  /** The counted round it would have been (it ran again under the same number). */
  round: number;
  /** The lowest of its probes' readings: what was free, of `cores`, when the machine was busiest. */
  probe: number;
  /** Its probes in order: before it, between its runs, after it (null: that probe could not measure). */
  probes: ProbeReading[];
  cores: number;
  order: string[];
  /** Each mode's wall time in it, ms. */
  wallMs: Record<string, number>;
}

export interface PlainErrorLike {
  name: string;
  message: string;
  field?: string;
  allowed?: string;
  reason?: string;
}

export interface ProcedureOptions<R extends Measured> {
  /** Modes to run, in the catalogue's order (the order of the outcome's keys). */
  modes: string[];
  /** Modes this engine cannot run, with their error (they appear in the outcome as `{ error }`). */
  refused?: Record<string, PlainErrorLike>;
  /** Runs one mode once. Rejects with an AbortError on Stop; any other rejection drops the mode. */
  run(mode: string, round: number): Promise<R>;
  /** The parallelism the machine has free now (effective cores), if it can be measured. */
  probe?(): Promise<number | undefined>;
  /** Total time allowed, ms (the warm-up included). At least one counted round always runs. */
  budgetMs: number;
  minRounds?: number;
  maxRounds?: number;
  now(): number;
  /** In [0, 1): decides the orders. */
  random(): number;
  /** Told after every counted run (for views that fill in as rounds go). */
  onProgress?(progress: CompareProgress<R>): void;
  /** Told as each run starts, warm-up included: which mode, in which round (views mark the row running). */
  onStart?(start: CompareStart): void;
  /** Checked between runs: a Stop that came while nothing was running. */
  stopped?(): boolean;
  /** Decides the claims from an outcome (the one verdict module by default). */
  claims?(outcome: Outcome): ClaimVerdict[];
}

export interface CompareProgress<R> {
  /** `set-aside`: a run of a round that does not count (the probe before it found the machine busy), or,
   * at a round's end, the round as a whole, which a later probe found busy (`mode`: the last that ran). A
   * `round` run counts unless that sets its round aside. */
  phase: 'warm-up' | 'round' | 'set-aside';
  /** 0 during the warm-up, then 1, 2, ... */
  round: number;
  /** The mode that just ran. */
  mode: string;
  /** The outcome so far (modes with at least one counted round, the round running now included unless it
   * is set aside), as `compare` would return it. */
  outcome: Record<string, (R & { rounds: number[]; spread: [number, number] }) | { error: PlainErrorLike }>;
  /** Each round's order so far. */
  orders: string[][];
  /** The rounds set aside so far (the one running last, in phase `set-aside`). */
  setAside?: SetAsideRound[];
}

/** A run of a Compare that starts now: its mode, its round (0: the warm-up), and whether it counts so far. */
export interface CompareStart {
  phase: 'warm-up' | 'round' | 'set-aside';
  round: number;
  mode: string;
}

export interface CompareReport<R> {
  outcome: Record<string, (R & { rounds: number[]; spread: [number, number] }) | { error: PlainErrorLike }>;
  /** The order of each counted round (the warm-up's first). */
  orders: string[][];
  warmUp: string[];
  /** Every probe's reading (the rounds set aside included), in the order taken; a probe that could not
   * measure is left out. */
  parallelism: number[];
  /** Each counted round's probes, in round order: before it, between its runs, after it. */
  roundProbes: ProbeReading[][];
  elapsedMs: number;
  /** Why it stopped adding rounds: every claim decided, the budget, or the round cap. */
  ended: 'decided' | 'budget' | 'max-rounds';
  /** Rounds not counted because one of their probes found the machine busy. */
  setAside: SetAsideRound[];
}

export class CompareAborted<R> extends Error {
  constructor(readonly report: CompareReport<R>) {
    super('the compare was cancelled');
    this.name = 'AbortError';
  }
}

/** A shuffled copy (Fisher–Yates) of `xs` that differs from `previous` when it can. */
export function nextOrder(xs: readonly string[], previous: readonly string[] | undefined, random: () => number): string[] {
  for (let attempt = 0; attempt < 8; attempt++) {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    if (!previous || xs.length < 2 || out.join() !== previous.join()) return out;
  }
  // Eight identical draws in a row: rotate the previous order instead.
  return previous ? [...previous.slice(1), previous[0]] : [...xs];
}

export async function compareInRounds<R extends Measured>(o: ProcedureOptions<R>): Promise<CompareReport<R>> {
  const minRounds = o.minRounds ?? 3;
  const maxRounds = Math.max(minRounds, o.maxRounds ?? 12);
  const decide = o.claims ?? decideClaims;
  const t0 = o.now();
  const failed = new Map<string, PlainErrorLike>(Object.entries(o.refused ?? {}));
  const runs = new Map<string, R[]>();
  const orders: string[][] = [];
  /** Every probe taken, in order; null where it could not measure. A round's probes are indices into it. */
  const readings: ProbeReading[] = [];
  const roundProbes: ProbeReading[][] = [];
  const setAside: SetAsideRound[] = [];
  let warmUp: string[] = [];
  let ended: CompareReport<R>['ended'] = 'max-rounds';
  let cores: number | undefined;
  /** The round running now: its probes so far (indices), its runs. It counts as it goes unless it is set
   * aside (`aside`), which a later probe of it may still decide. */
  let pending: { order: string[]; probes: number[]; runs: Map<string, R>; aside?: SetAsideRound } | undefined;

  const parallelism = () => readings.filter((p): p is number => p !== null);
  /** The round running now, if it counts so far: its runs are shown (and reported on a Stop) with the counted ones. */
  const counting = () => (pending && !pending.aside ? pending : undefined);
  const ordersNow = () => {
    const c = counting();
    return c ? [...orders, c.order] : [...orders];
  };
  /** The counted rounds' probes, and the running round's so far (its probe after it not taken yet: null). */
  const probesNow = (): ProbeReading[][] => {
    const c = counting();
    return c ? [...roundProbes, [...c.probes.map((i) => readings[i]), null]] : [...roundProbes];
  };
  const outcome = () => {
    const out: CompareReport<R>['outcome'] = {};
    const c = counting();
    for (const mode of o.modes) {
      const err = failed.get(mode);
      const now = c?.runs.get(mode);
      const rs = [...(runs.get(mode) ?? []), ...(now ? [now] : [])];
      if (rs.length) out[mode] = summarise(rs, parallelism(), probesNow());
      else if (err) out[mode] = { error: err };
    }
    return out;
  };
  const report = (): CompareReport<R> => ({
    outcome: outcome(),
    orders: ordersNow(),
    warmUp,
    parallelism: parallelism(),
    roundProbes: probesNow(),
    elapsedMs: o.now() - t0,
    ended,
    setAside,
  });
  const checkStop = () => {
    if (o.stopped?.()) throw new CompareAborted(report());
  };
  const once = async (mode: string, round: number, phase: CompareStart['phase']): Promise<R | undefined> => {
    checkStop();
    o.onStart?.({ phase, round, mode });
    try {
      return await o.run(mode, round);
    } catch (e) {
      const err = e as PlainErrorLike;
      if (err?.name === 'AbortError') throw new CompareAborted(report());
      // A mode that raises (a spec it refuses, say) is dropped from the rounds; the others go on.
      failed.set(mode, { name: err?.name ?? 'Error', message: err?.message ?? String(e), field: err?.field, allowed: err?.allowed, reason: err?.reason });
      return undefined;
    }
  };
  const live = () => o.modes.filter((m) => !failed.has(m));
  /** Probes the machine; returns the reading's index in `readings`. */
  const probe = async (): Promise<number> => {
    const p = await o.probe?.().catch(() => undefined);
    readings.push(p === undefined || !Number.isFinite(p) ? null : p);
    return readings.length - 1;
  };
  const busyAt = (i: number) => {
    const p = readings[i];
    return p !== null && cores !== undefined && isBusyReading(p, cores);
  };
  /** Whether a round whose first probe is `first` may be set aside: allowance left, and at most half of
   * the probes before it read busy (a machine busy throughout is measured as it is). */
  const maySetAside = (first: number) => {
    if (setAside.length >= MAX_SET_ASIDE) return false;
    const earlier = readings.slice(0, first).flatMap((p, i) => (p === null ? [] : [i]));
    return earlier.filter(busyAt).length <= earlier.length / 2;
  };
  /** The record of a round set aside, with what its probes read so far. */
  const asideRecord = (round: number, order: string[], probes: number[], wallMs: Record<string, number> = {}): SetAsideRound => {
    const seen = probes.map((i) => readings[i]);
    return { round, probe: Math.min(...seen.filter((p): p is number => p !== null)), probes: seen, cores: cores!, order, wallMs };
  };

  // 1. The warm-up round: not counted.
  warmUp = nextOrder(live(), undefined, o.random);
  for (const mode of warmUp) {
    const r = await once(mode, 0, 'warm-up');
    cores ??= r?.machine?.cores;
    if (!failed.has(mode)) o.onProgress?.({ phase: 'warm-up', round: 0, mode, outcome: outcome(), orders: ordersNow() });
  }

  // 2. Counted rounds in changing orders, a probe before each run and one after the last.
  let lastRoundMs = 0;
  /** Time spent in rounds set aside: not charged to the budget (a busy moment must not cost counted rounds). */
  let asideMs = 0;
  let previous = warmUp;
  /** The probe after the last round, which is the next round's probe before it: between the two rounds
   * only the pure checks below run, so no time passes that the probe did not see. */
  let carried: number | undefined;
  for (let round = 1; round <= maxRounds; ) {
    const modes = live();
    if (!modes.length) break;
    const started = o.now();
    if (round > 1) {
      const elapsed = started - t0 - asideMs;
      if (elapsed + lastRoundMs > o.budgetMs) {
        ended = 'budget';
        break;
      }
      if (round > minRounds) {
        // Only claims the rounds left undecided: one the machine leaves open (one core, busy cores, tiny
        // work) gains nothing from more rounds.
        const open = decide(outcome()).filter((c) => c.verdict === 'inconclusive' && c.measured.rounds > 0 && c.undecided !== false);
        if (!open.length) {
          ended = 'decided';
          break;
        }
      }
    }
    checkStop();
    const first = carried ?? (await probe());
    const order = nextOrder(modes, previous, o.random);
    previous = order;
    // Whether the round is disturbed is decided from its probes alone, never from its times, so setting
    // it aside favours no claim. A busy probe before it decides at once (its runs then show as set aside
    // while they run); otherwise its later probes decide, once it has run.
    const allowed = maySetAside(first);
    const current: NonNullable<typeof pending> = { order, probes: [first], runs: new Map<string, R>() };
    if (allowed && busyAt(first)) setAside.push((current.aside = asideRecord(round, order, current.probes)));
    pending = current;
    let last: string | undefined;
    for (const mode of order) {
      if (last !== undefined) current.probes.push(await probe());
      const r = await once(mode, round, current.aside ? 'set-aside' : 'round');
      if (!r) continue;
      last = mode;
      if (current.aside) current.aside.wallMs[mode] = r.wallMs;
      else current.runs.set(mode, r);
      o.onProgress?.({ phase: current.aside ? 'set-aside' : 'round', round, mode, outcome: outcome(), orders: ordersNow(), setAside });
    }
    carried = await probe();
    current.probes.push(carried);
    if (current.aside) {
      Object.assign(current.aside, asideRecord(round, order, current.probes, current.aside.wallMs));
    } else if (allowed && current.probes.some(busyAt)) {
      // Disturbed during the round or as it ended: the whole round is set aside.
      current.aside = asideRecord(round, order, current.probes, Object.fromEntries([...current.runs].map(([m, r]) => [m, r.wallMs])));
      setAside.push(current.aside);
      if (last) o.onProgress?.({ phase: 'set-aside', round, mode: last, outcome: outcome(), orders: ordersNow(), setAside });
    }
    pending = undefined;
    lastRoundMs = o.now() - started;
    if (current.aside) {
      asideMs += lastRoundMs;
      continue; // the same round again
    }
    orders.push(order);
    for (const [mode, r] of current.runs) runs.set(mode, [...(runs.get(mode) ?? []), r]);
    roundProbes.push(current.probes.map((i) => readings[i]));
    // A mode that failed in a later round has fewer rounds than the others: drop it whole, so every
    // counted round has every mode (the verdicts pair rounds by index).
    for (const [mode, rs] of runs) if (rs.length < round && failed.has(mode)) runs.delete(mode);
    round++;
  }
  return report();
}

/**
 * A mode's rounds as one entry: its median round's Result, the rounds' wall times and their spread, the
 * median probe as `machine.parallelism`, and the probes as `measurement` (every reading, and each counted
 * round's own), which the verdicts read.
 */
function summarise<R extends Measured>(rs: R[], parallelism: number[], roundProbes: ProbeReading[][]): R & { rounds: number[]; spread: [number, number] } {
  const walls = rs.map((r) => r.wallMs);
  // The median round (the lower middle one for an even count): a real run, not an average of runs.
  const sorted = [...rs].sort((a, b) => a.wallMs - b.wallMs);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  // The median probe (the mean of the two middle ones for an even count): a program that holds a core
  // through the Compare shows in every probe, while one probe caught in a moment's burst (another program,
  // or a virtual machine's host taking a core for a second) must not excuse (or decide) a verdict.
  const probes = [...parallelism].sort((a, b) => a - b);
  const lo = probes[Math.floor((probes.length - 1) / 2)];
  const hi = probes[Math.floor(probes.length / 2)];
  const free = probes.length ? { parallelism: round2((lo + hi) / 2) } : {};
  const machine = mid.machine ? { ...mid.machine, ...free } : mid.machine;
  const measurement = { ...mid.measurement, probes: [...parallelism], roundProbes: roundProbes.slice(0, rs.length).map((ps) => [...ps]) };
  return { ...mid, machine, measurement, rounds: walls, spread: [Math.min(...walls), Math.max(...walls)] };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
