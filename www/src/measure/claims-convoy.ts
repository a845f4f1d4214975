// The convoy effect's claims (Beazley, 2010; bpo-7946): an I/O thread beside CPU-bound threads, alone
// (sequential), under the GIL and with none. How many times slower than alone the I/O thread was, round by
// round; and, across a chapter's Compares at two switch intervals, how much a shorter one helps.

import { CLAIM_TEXT, CONVOY_FREE_UNDER, CONVOY_INTERVAL_GAIN, CONVOY_INTERVAL_MS, CONVOY_SLOWER_FROM, NEEDS_IDLE_MACHINE } from './claims-catalogue';
import { BUSY_MEANS, busyReason, decide, machineOf, measure, median, roundSpeedups, spreadText, times, undecided, untested, usable } from './claims-rounds';
import type { ClaimVerdict, Measured, Outcome } from './claims-rounds';

/** A convoy run's I/O thread: its total time (task 0), and each call's latency, ms. */
export function convoyIo(r: { tasks?: { id?: number; startMs?: number; endMs?: number; calls?: number[] }[] }) {
  const io = r.tasks?.find((t) => t.id === 0) ?? r.tasks?.[0];
  const calls = io?.calls ?? [];
  const totalMs = io && io.endMs !== undefined && io.startMs !== undefined ? io.endMs - io.startMs : NaN;
  return { totalMs, calls, p50: percentile(calls, 0.5), p99: percentile(calls, 0.99) };
}

/** The nearest-rank percentile (NaN for none): the value at or below which a share `q` of `xs` lies. */
export function percentile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

/** How many times slower than alone (`sequential`: the I/O thread with no other thread), per round. */
const slowdowns = (base: Measured, r: Measured) => roundSpeedups(base, r).map((x) => 1 / x);

/** The convoy claims of one Compare, against `base`: the I/O thread alone. */
export function convoyClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
  const out: ClaimVerdict[] = [];
  const machine = machineOf(outcome);
  /** The machine could not show claim `id` in every counted round: other programs held cores (NEEDS_IDLE_MACHINE). */
  const notIdle = (id: string) => NEEDS_IDLE_MACHINE.includes(id) && !machine.idleThroughout;
  const cpu = Number(base.spec.cpuThreads);
  const alone = cpu < 1 ? 'With no CPU-bound thread beside it the I/O thread is alone in every mode; set cpuThreads to 1 or more.' : undefined;
  const gil = outcome['threads-gil'];
  if (!usable(gil)) out.push(untested('convoy-effect', CLAIM_TEXT['convoy-effect'], 'threads-gil', gil));
  else {
    const values = slowdowns(base, gil);
    const interval = Number(gil.spec.switchIntervalMs ?? CONVOY_INTERVAL_MS);
    const text = `threads-gil: the I/O thread ${times(median(values))} slower than alone${spreadText(values)}, switch interval ${interval} ms`;
    const raw = decide(values, (x) => x >= CONVOY_SLOWER_FROM);
    let verdict = raw;
    let why: string | undefined;
    const otherInterval = interval !== CONVOY_INTERVAL_MS ? `The claim is made at CPython's default switch interval (${CONVOY_INTERVAL_MS} ms); this run used ${interval} ms.` : undefined;
    // With other programs on the cores, the CPU-bound thread may not be running when the GIL comes free,
    // and the I/O thread takes it back at once: no convoy forms, through no change in the GIL.
    const busy = notIdle('convoy-effect');
    if (alone ?? otherInterval) {
      verdict = 'inconclusive';
      why = alone ?? otherInterval;
    } else if (verdict !== 'borne-out' && busy) {
      verdict = 'inconclusive';
      why = busyReason(machine, BUSY_MEANS.convoy);
    } else if (verdict === 'inconclusive') why = `The rounds fell on both sides of ${times(CONVOY_SLOWER_FROM)}: run more rounds.`;
    else if (verdict === 'not-borne-out') why = `No round was ${times(CONVOY_SLOWER_FROM)} slower than alone: the I/O thread won the GIL back at once; please report it.`;
    out.push({ id: 'convoy-effect', claim: CLAIM_TEXT['convoy-effect'], verdict, measured: measure('threads-gil', values, text), why, undecided: undecided(raw, values, !!(alone ?? otherInterval) || busy) });
  }
  const free = outcome['free-threaded'];
  if (!usable(free)) out.push(untested('convoy-free-threaded', CLAIM_TEXT['convoy-free-threaded'], 'free-threaded', free));
  else {
    const values = slowdowns(base, free);
    const { cores } = machine;
    const busy = notIdle('convoy-free-threaded');
    const text = `free-threaded: the I/O thread ${times(median(values))} its time alone${spreadText(values)}`;
    const raw = decide(values, (x) => x < CONVOY_FREE_UNDER);
    let verdict = raw;
    let why: string | undefined;
    // With no core free for it, the I/O thread waits for the operating system to run it instead.
    const structural = !!alone || cores === 1 || busy;
    if (alone) {
      verdict = 'inconclusive';
      why = alone;
    } else if (verdict !== 'borne-out') {
      if (cores === 1) why = 'This machine reports one core: the I/O thread waits for the operating system to run it beside the CPU-bound thread.';
      else if (busy) why = busyReason(machine, 'Without a free core the I/O thread waits for one, GIL or not, so this says nothing about the GIL.');
      else if (verdict === 'inconclusive') why = `The rounds fell on both sides of ${times(CONVOY_FREE_UNDER)}: run more rounds.`;
      else why = `Every round was at least ${times(CONVOY_FREE_UNDER)} slower than alone with no GIL to wait for; the cores may be busy.`;
      if (structural) verdict = 'inconclusive';
    }
    out.push({ id: 'convoy-free-threaded', claim: CLAIM_TEXT['convoy-free-threaded'], verdict, measured: measure('free-threaded', values, text), why, undecided: undecided(raw, values, structural) });
  }
  return out;
}

/**
 * Claims decided across a chapter's Compares (each of one switch interval): `convoy-interval`, from the
 * `threads-gil` convoy runs at 5 ms and at a shorter interval, on the same work. Per round, how many times
 * slower the run at 5 ms was than the run at the shorter interval.
 */
export function acrossClaims(outcomes: Outcome[]): ClaimVerdict[] {
  const runs = outcomes
    .map((o) => o['threads-gil'])
    .filter((r): r is Measured => usable(r) && r.spec.workload === 'convoy' && !r.error);
  if (!runs.length) return [];
  const at = (r: Measured) => Number(r.spec.switchIntervalMs ?? CONVOY_INTERVAL_MS);
  const same = (a: Measured, b: Measured) => ['calls', 'cpuThreads', 'blockingUs'].every((k) => a.spec[k] === b.spec[k]);
  const long = runs.find((r) => at(r) === CONVOY_INTERVAL_MS);
  const short = runs.find((r) => at(r) < CONVOY_INTERVAL_MS && (!long || same(long, r)));
  const claim = CLAIM_TEXT['convoy-interval'];
  if (!long || !short) {
    const missing = long ? `a shorter switch interval (${CONVOY_INTERVAL_MS} ms ran)` : `the default switch interval, ${CONVOY_INTERVAL_MS} ms`;
    return [{ id: 'convoy-interval', claim, verdict: 'inconclusive', measured: measure('threads-gil', [], 'threads-gil: one switch interval measured'), why: `Run the same convoy at ${missing} to test this.` }];
  }
  const values = roundSpeedups(short, long).map((x) => 1 / x);
  // Either Compare on a machine not seen idle in every counted round: a convoy may not have formed at all.
  const seen = [long, short].map((r) => machineOf(outcomes.find((o) => o['threads-gil'] === r) ?? {}));
  const busyMachine = NEEDS_IDLE_MACHINE.includes('convoy-interval') ? seen.find((m) => !m.idleThroughout) : undefined;
  const busyWhy = busyMachine && busyReason(busyMachine, BUSY_MEANS.convoy);
  const text = `threads-gil: the I/O thread ${times(median(values))} slower at ${CONVOY_INTERVAL_MS} ms than at ${at(short)} ms${spreadText(values)}`;
  const raw = decide(values, (x) => x >= CONVOY_INTERVAL_GAIN);
  let verdict = raw;
  let why: string | undefined;
  const alone = Number(long.spec.cpuThreads) < 1;
  if (alone) {
    verdict = 'inconclusive';
    why = 'With no CPU-bound thread the switch interval never comes into play; set cpuThreads to 1 or more.';
  } else if (raw !== 'borne-out' && busyWhy) {
    verdict = 'inconclusive';
    why = busyWhy;
  } else if (raw === 'not-borne-out' && values.some((x) => x > 1)) {
    // Less slowed, but by less than the threshold in every round: not the opposite of the claim.
    verdict = 'inconclusive';
    why = `The shorter interval helped by less than ${times(CONVOY_INTERVAL_GAIN)} in every round.`;
  } else if (raw === 'inconclusive') why = `The rounds fell on both sides of ${times(CONVOY_INTERVAL_GAIN)}: run more rounds.`;
  else if (raw === 'not-borne-out') why = 'The I/O thread was no faster at the shorter interval in any round; please report it.';
  return [{ id: 'convoy-interval', claim, verdict, measured: measure('threads-gil', values, text), why, undecided: undecided(raw, values, alone || !!busyWhy) }];
}
