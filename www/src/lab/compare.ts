// A Compare as part of a job of the queue (`lab.compare`, or one experiment of a chapter): the modes to
// run (those this engine cannot run carry their Unavailable error), each mode's spec, the one measurement
// procedure (../measure/procedure.ts) over the engine's runs, and one history row per mode at its end.

import type { Catalogue, PlainError, Spec } from '../engine/protocol';
import { compareInRounds, CompareAborted, warmUpSpec, type CompareReport } from '../measure/procedure';
import { claimsToTest, median, NEEDS_IDLE_MACHINE, roundSpeedups } from '../measure/verdicts';
import { compareBudgetMs, toError, type CompareOptions, type CompareOutcome, type Recorded } from './contract';
import { compareOptionsError } from './options';

/** What a Compare needs of the lab: the engine's catalogue, its runs and probe, and the history. */
export interface CompareHost {
  catalogue: Catalogue;
  run(spec: Spec): Promise<Recorded>;
  probe(): Promise<number | undefined>;
  closeProbe(): void;
  record(r: Recorded): Promise<void>;
  /** A Stop reached the job. */
  stopped(): boolean;
}

type Measurement = Omit<CompareReport<Recorded>, 'outcome' | 'elapsedMs'> & { budgetMs: number };

export async function compareNow(host: CompareHost, spec: Spec, options: CompareOptions): Promise<CompareOutcome> {
  const { catalogue } = host;
  // The modes again, now that the engine has named them (`lab.compare` checked their shape before queueing).
  const bad = compareOptionsError(options, catalogue.modes.map((m) => m.name));
  if (bad) throw toError(bad);
  const refused: Record<string, PlainError> = {};
  const modes: string[] = [];
  for (const mode of catalogue.modes) {
    if (options.modes && !options.modes.includes(mode.name)) continue;
    if (mode.unavailable) refused[mode.name] = { name: 'Unavailable', message: mode.unavailable, reason: mode.unavailable };
    modes.push(mode.name);
  }
  const notes = new Map<string, string>();
  const work = catalogue.workloads.find((w) => w.name === spec.workload);
  // The warm-up round runs each mode on a quarter of the work (../measure/procedure.ts, step 1).
  const warmUp = warmUpSpec(spec, work);
  const specFor = (mode: string, round = 1): Spec => {
    const s: Spec = { ...(round === 0 ? warmUp : spec), mode };
    const info = catalogue.modes.find((m) => m.name === mode);
    // More workers than rayon's pool has: rayon runs with the pool (it cannot grow), and says so.
    const workers = Number(s.workers);
    if (info?.workers && s.workers !== undefined && Number.isInteger(workers) && workers > info.workers.max && mode === 'rayon') {
      s.workers = info.workers.max;
      notes.set(mode, `workers = ${workers} is more than rayon's pool of ${info.workers.max} threads, so rayon ran with ${info.workers.max}.`);
    }
    return s;
  };
  const budgetMs = options.budgetMs ?? compareBudgetMs(modes.length - Object.keys(refused).length);
  // The machine is probed (before every run, after each round) only where a claim this Compare tests needs
  // idle cores: waits on I/O overlap however busy the cores are, so an I/O Compare spends no time probing.
  const probed = !work || claimsToTest(spec, work.class).some((id) => NEEDS_IDLE_MACHINE.includes(id));
  let report;
  try {
    report = await compareInRounds<Recorded>({
      modes,
      refused,
      run: (mode, round) => host.run(specFor(mode, round)),
      probe: probed ? () => host.probe() : undefined,
      budgetMs,
      minRounds: options.minRounds,
      now: () => performance.now(),
      random: Math.random,
      onProgress: options.onProgress,
      onStart: options.onStart,
      stopped: () => host.stopped(),
    });
  } catch (e) {
    if (e instanceof CompareAborted) {
      const partial = await finishCompare(host, e.report.outcome as CompareOutcome, notes, { ...e.report, budgetMs });
      throw Object.assign(toError({ name: 'AbortError', message: 'the compare was cancelled' }), { partial });
    }
    throw e;
  } finally {
    host.closeProbe();
  }
  return finishCompare(host, report.outcome as CompareOutcome, notes, { ...report, budgetMs });
}

/**
 * Records one history row per mode of a Compare (its median round), with how it was measured; resolves
 * once every row is kept.
 */
async function finishCompare(host: CompareHost, outcome: CompareOutcome, notes: Map<string, string>, report: Measurement): Promise<CompareOutcome> {
  const kept: Promise<void>[] = [];
  const seq = outcome.sequential && 'wallMs' in outcome.sequential ? (outcome.sequential as Recorded) : undefined;
  for (const [mode, entry] of Object.entries(outcome)) {
    if (!('wallMs' in entry)) continue;
    const r = entry as Recorded;
    const speedups = seq && !seq.cancelled && !r.cancelled ? roundSpeedups(seq, r) : [];
    if (speedups.length) r.speedup = median(speedups);
    const r2 = <P extends number | null>(p: P) => (p === null ? p : Math.round(p * 100) / 100) as P;
    // Each counted round keeps its probes (before it, between its runs, after it): the verdicts read them.
    r.measurement = { warmUp: report.warmUp, orders: report.orders, ended: report.ended, probes: report.parallelism.map(r2), roundProbes: report.roundProbes.map((ps) => ps.map(r2)), budgetMs: report.budgetMs };
    if (report.setAside.length) r.measurement.setAside = report.setAside.map((a) => ({ ...a, probe: r2(a.probe), probes: a.probes.map(r2) }));
    const note = notes.get(mode);
    if (note) r.notes = [...(r.notes ?? []), note];
    kept.push(host.record(r));
  }
  await Promise.all(kept);
  return outcome;
}
