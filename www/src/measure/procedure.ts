// How the lab measures a comparison fairly: one procedure, used by `lab.compare`, the page, the chapters
// and the benchmark, so "fair" means the same everywhere.
//
//  1. A warm-up round, not counted: every mode once, at full size. A fresh engine's first runs are slower
//     (the optimising compiler, the first workers); without it the first mode measured would pay for all.
//  2. Counted rounds, each running every mode once in a different order (no mode always first or last),
//     and a short probe of the parallelism the machine has free (other programs may hold cores); one
//     more probe after the last round; each Result carries the median probe.
//  3. At least `minRounds` rounds while the budget allows; more while a claim is inconclusive. A round
//     whose probe (taken before it, so blind to its results) finds the machine busy is set aside and run
//     again: at most MAX_SET_ASIDE times, and only while most probes so far found the machine idle (a
//     machine busy throughout is measured as it is, and the verdicts say it was busy). A round set aside
//     is not charged to the budget, so a busy moment costs time, not counted rounds.
//  4. Each mode reports the Result of its median round, with every round's wall time and their spread.
// Pure of the browser: the runner, the probe, the clock and the randomness are given, so it is tested in
// node with a fake runner.

import { claims as decideClaims, type ClaimVerdict, type Measured, type Outcome } from './verdicts';
import { isBusyReading } from './claims-rounds';

/** Rounds a Compare may set aside for a busy probe. */
export const MAX_SET_ASIDE = 2;

/** A round not counted: the probe before it found the machine busy. Its runs are kept here, not hidden. */
export interface SetAsideRound {
  /** The counted round it would have been (it ran again under the same number). */
  round: number;
  /** What the probe found free, of `cores`. */
  probe: number;
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
  /** Checked between runs: a Stop that came while nothing was running. */
  stopped?(): boolean;
  /** Decides the claims from an outcome (the one verdict module by default). */
  claims?(outcome: Outcome): ClaimVerdict[];
}

export interface CompareProgress<R> {
  /** `set-aside`: a run of a round that does not count (the probe before it found the machine busy). */
  phase: 'warm-up' | 'round' | 'set-aside';
  /** 0 during the warm-up, then 1, 2, ... */
  round: number;
  /** The mode that just ran. */
  mode: string;
  /** The outcome so far (modes with at least one counted round), as `compare` will return it. */
  outcome: Record<string, (R & { rounds: number[]; spread: [number, number] }) | { error: PlainErrorLike }>;
  /** Each round's order so far. */
  orders: string[][];
  /** The rounds set aside so far (the one running last, in phase `set-aside`). */
  setAside?: SetAsideRound[];
}

export interface CompareReport<R> {
  outcome: Record<string, (R & { rounds: number[]; spread: [number, number] }) | { error: PlainErrorLike }>;
  /** The order of each counted round (the warm-up's first). */
  orders: string[][];
  warmUp: string[];
  parallelism: number[];
  elapsedMs: number;
  /** Why it stopped adding rounds: every claim decided, the budget, or the round cap. */
  ended: 'decided' | 'budget' | 'max-rounds';
  /** Rounds not counted because the probe before them found the machine busy. */
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
  const parallelism: number[] = [];
  const setAside: SetAsideRound[] = [];
  let warmUp: string[] = [];
  let ended: CompareReport<R>['ended'] = 'max-rounds';
  let cores: number | undefined;

  const outcome = () => {
    const out: CompareReport<R>['outcome'] = {};
    for (const mode of o.modes) {
      const err = failed.get(mode);
      const rs = runs.get(mode);
      if (rs?.length) out[mode] = summarise(rs, parallelism);
      else if (err) out[mode] = { error: err };
    }
    return out;
  };
  const report = (): CompareReport<R> => ({ outcome: outcome(), orders, warmUp, parallelism, elapsedMs: o.now() - t0, ended, setAside });
  const checkStop = () => {
    if (o.stopped?.()) throw new CompareAborted(report());
  };
  const once = async (mode: string, round: number): Promise<R | undefined> => {
    checkStop();
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
  const probe = async (): Promise<number | undefined> => {
    const p = await o.probe?.().catch(() => undefined);
    if (p === undefined || !Number.isFinite(p)) return undefined;
    parallelism.push(p);
    return p;
  };
  const isBusy = (p: number) => cores !== undefined && isBusyReading(p, cores);
  /** Set a round aside for its probe `p`: busy, allowance left, and most earlier probes idle. */
  const setsAside = (p: number | undefined) => {
    if (p === undefined || !isBusy(p) || setAside.length >= MAX_SET_ASIDE) return false;
    const earlier = parallelism.slice(0, -1);
    return earlier.filter(isBusy).length <= earlier.length / 2;
  };

  // 1. The warm-up round: not counted.
  warmUp = nextOrder(live(), undefined, o.random);
  for (const mode of warmUp) {
    const r = await once(mode, 0);
    cores ??= r?.machine?.cores;
    if (!failed.has(mode)) o.onProgress?.({ phase: 'warm-up', round: 0, mode, outcome: outcome(), orders });
  }

  // 2. Counted rounds in changing orders.
  let lastRoundMs = 0;
  /** Time spent in rounds set aside: not charged to the budget (a busy moment must not cost counted rounds). */
  let asideMs = 0;
  let previous = warmUp;
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
    const p = await probe();
    const order = nextOrder(modes, previous, o.random);
    previous = order;
    // The probe came before the round, so setting it aside cannot favour any claim.
    const aside: SetAsideRound | undefined = setsAside(p) ? { round, probe: p!, cores: cores!, order, wallMs: {} } : undefined;
    if (aside) setAside.push(aside);
    else orders.push(order);
    for (const mode of order) {
      const r = await once(mode, round);
      if (!r) continue;
      if (aside) aside.wallMs[mode] = r.wallMs;
      else runs.set(mode, [...(runs.get(mode) ?? []), r]);
      o.onProgress?.({ phase: aside ? 'set-aside' : 'round', round, mode, outcome: outcome(), orders, setAside });
    }
    lastRoundMs = o.now() - started;
    if (aside) {
      asideMs += lastRoundMs;
      continue; // the same round again
    }
    // A mode that failed in a later round has fewer rounds than the others: drop it whole, so every
    // counted round has every mode (the verdicts pair rounds by index).
    for (const [mode, rs] of runs) if (rs.length < round && failed.has(mode)) runs.delete(mode);
    round++;
  }
  // A last probe after the last round: the cores may have filled up while the modes ran.
  if (orders.length) await probe();
  return report();
}

/** A mode's rounds as one entry: its median round's Result, the rounds' wall times and their spread. */
function summarise<R extends Measured>(rs: R[], parallelism: number[]): R & { rounds: number[]; spread: [number, number] } {
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
  return { ...mid, machine, rounds: walls, spread: [Math.min(...walls), Math.max(...walls)] };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
