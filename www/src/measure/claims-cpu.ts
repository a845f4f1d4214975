// The claims of a Compare on CPU-bound work: threads under the GIL and asyncio give no speedup; processes,
// free-threaded Python, C code that releases the GIL and subinterpreters use the cores; and what
// subinterpreters cost beside processes (start-up) and beside threads (large data crossing). Each decided
// from the rounds against sequential, left open where the machine could not show it (one core, busy
// cores, tiny work, one worker).

import { CLAIM_TEXT, DATA_HEAVY_ITEMS, NEEDS_IDLE_MACHINE, NO_SPEEDUP_BELOW, TINY_WORK_MS, USES_CORES_FROM } from './claims-catalogue';
import { BUSY_MEANS, busyAtTimes, busyReason, decide, isResult, machineOf, measure, median, roundSpeedups, roundsOf, spreadText, times, undecided, untested, usable, workersOf } from './claims-rounds';
import type { ClaimVerdict, Measured, Outcome } from './claims-rounds';

/** The claims a Compare of CPU-bound work tests, each against `base`, its sequential run. */
export function cpuClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
  const machine = machineOf(outcome);
  const { cores, parallelism, busy } = machine;
  const baseMs = median(roundsOf(base));
  const tiny = baseMs < TINY_WORK_MS ? `The work is tiny (sequential took ${baseMs.toFixed(0)} ms), so start-up and timer noise decide; give it more work.` : undefined;
  const out: ClaimVerdict[] = [];

  const noSpeedup = (id: string, mode: string, claim: string, unit: string) => {
    const r = outcome[mode];
    if (!usable(r)) return out.push(untested(id, claim, mode, r));
    const values = roundSpeedups(base, r);
    const workers = workersOf(r);
    const text = `${mode}: ${times(median(values))} of sequential${spreadText(values)}${workers ? ` with ${workers} ${workers === 1 ? unit.replace(/s$/, '') : unit}` : ''}`;
    // What the rounds alone say; the machine may then leave the claim open whatever they say.
    const raw = decide(values, (x) => x < NO_SPEEDUP_BELOW);
    let verdict = raw;
    let why: string | undefined;
    // A burst of another program in a sequential run and not in this mode's can make it look faster: only a
    // machine seen idle in every counted round can refute a claim of no speedup.
    const notIdle = NEEDS_IDLE_MACHINE.includes(id) && !machine.idleThroughout;
    if (cores === 1) {
      verdict = 'inconclusive';
      why = 'This machine reports one core, so nothing could run at once anyway: the test cannot tell the GIL from the hardware.';
    } else if (workers === 1) {
      verdict = 'inconclusive';
      why = 'With one worker there was nothing to run at once; give it two or more.';
    } else if (tiny && verdict !== 'borne-out') {
      verdict = 'inconclusive';
      why = tiny;
    } else if (notIdle && verdict !== 'borne-out') {
      verdict = 'inconclusive';
      why = busyReason(machine, BUSY_MEANS.noSpeedup);
    } else if (verdict === 'not-borne-out') {
      why = `Every round was at least ${times(NO_SPEEDUP_BELOW)} faster than sequential, which the model of ${mode} cannot give on pure computation; please report it.`;
    } else if (verdict === 'inconclusive') {
      why = `The rounds fell on both sides of ${times(NO_SPEEDUP_BELOW)}: the machine's speed changed during the Compare.${busyAtTimes(outcome)} Run more rounds.`;
    }
    const structural = cores === 1 || workers === 1 || !!tiny || notIdle;
    out.push({ id, claim, verdict, measured: measure(mode, values, text), why, undecided: undecided(raw, values, structural) });
  };
  const threads = outcome['threads-gil'];
  // C code that releases the GIL: the threads-gil run says so, or this build refused it for that very field
  // (the single build runs its threads on one real thread, so no C code can run beside them): the claim
  // is then shown open with the reason, not dropped.
  const refusedForGil = !!threads && !isResult(threads) && threads.error.field === 'releasesGil';
  const releasesGil = (usable(threads) && threads.spec.releasesGil === true) || refusedForGil;
  if (!releasesGil) noSpeedup('threads-gil-cpu', 'threads-gil', CLAIM_TEXT['threads-gil-cpu'], 'threads');
  noSpeedup('asyncio-cpu', 'asyncio', CLAIM_TEXT['asyncio-cpu'], 'workers');

  const usesCores = (id: string, mode: string, claim: string) => {
    const r = outcome[mode];
    if (!usable(r)) return out.push(untested(id, claim, mode, r));
    const values = roundSpeedups(base, r);
    const workers = workersOf(r);
    const text = `${mode}: ${times(median(values))} of sequential${spreadText(values)}${workers ? ` with ${workers} workers` : ''} on ${cores} core${cores === 1 ? '' : 's'}`;
    const raw = decide(values, (x) => x >= USES_CORES_FROM);
    let verdict = raw;
    let why: string | undefined;
    // Only a machine that could have shown the gain in every counted round can contradict the claim (or
    // settle it in more rounds): one whose probes, before and after each round, all read it idle.
    const notIdle = NEEDS_IDLE_MACHINE.includes(id) && !machine.idleThroughout;
    const structural = cores === 1 || workers === 1 || Number(r.spec.tasks) < 2 || notIdle || !!tiny;
    if (verdict !== 'borne-out') {
      if (cores === 1) why = 'This machine reports one core, so nothing can run at the same time.';
      else if (workers === 1) why = 'It had one worker, so it ran one task at a time; give it more workers.';
      else if (Number(r.spec.tasks) < 2) why = 'One task cannot be split across cores; use more tasks.';
      else if (notIdle) why = busyReason(machine, BUSY_MEANS.parallel);
      else if (tiny) why = tiny;
      else if (verdict === 'inconclusive') why = `The rounds fell on both sides of ${times(USES_CORES_FROM)}: the machine's speed changed during the Compare.${busyAtTimes(outcome)} Run more rounds.`;
      else why = `No round reached ${times(USES_CORES_FROM)}; the browser may have given the workers fewer cores than it reports.`;
      if (structural) verdict = 'inconclusive';
    } else if (cores === 1) {
      // One core cannot run two things at once: a gain seen there is noise, not the claim borne out.
      verdict = 'inconclusive';
      why = 'This machine reports one core, so nothing can run at the same time; the gain measured is noise.';
    } else if (busy && parallelism !== undefined) {
      why = `Borne out even though a probe found only ${parallelism.toFixed(1)} of this machine's ${cores} cores free during the Compare: other programs were keeping the cores busy.`;
    }
    out.push({ id, claim, verdict, measured: measure(mode, values, text), why, undecided: undecided(raw, values, structural) });
  };
  if (releasesGil) usesCores('releases-gil-cpu', 'threads-gil', CLAIM_TEXT['releases-gil-cpu']);
  usesCores('processes-cpu', 'processes', CLAIM_TEXT['processes-cpu']);
  usesCores('free-threaded-cpu', 'free-threaded', CLAIM_TEXT['free-threaded-cpu']);
  const interpreters = outcome.interpreters;
  const dataHeavy = usable(interpreters) && Number(interpreters.spec.inputItems) >= DATA_HEAVY_ITEMS;
  // With large data crossing, the claim about interpreters is the crossing's cost, not their cores.
  if (dataHeavy) out.push(interpretersData(outcome, interpreters));
  else usesCores('interpreters-cpu', 'interpreters', CLAIM_TEXT['interpreters-cpu']);
  const start = interpretersStart(outcome);
  if (start) out.push(start);
  return out;
}

/** The start-up spans (`start`) of a run, one per interpreter or process, ms. */
export function startSpans(r: Measured): number[] {
  return (r.tasks ?? []).flatMap((t) => (t.spans ?? []).filter((s) => s.kind === 'start').map((s) => s.endMs - s.startMs));
}

/** `interpreters-start`: in the same Compare, an interpreter's start-up beside a process's (the median
 * of each run's start spans): decided when both ran. */
function interpretersStart(outcome: Outcome): ClaimVerdict | undefined {
  const [interp, proc] = [outcome.interpreters, outcome.processes];
  if (!usable(interp) || !usable(proc)) return undefined;
  const [i, p] = [startSpans(interp), startSpans(proc)];
  if (!i.length || !p.length) return undefined;
  const ratio = median(p) / Math.max(median(i), 0.001);
  const text = `an interpreter started in ${median(i).toFixed(1)} ms (median of ${i.length}), a process in ${median(p).toFixed(1)} ms (of ${p.length}): ${times(ratio)} as fast`;
  const verdict = decide([ratio], (x) => x > 1);
  const why =
    verdict === 'borne-out'
      ? 'CPython 3.15rc1 (published): a thread starts in 0.33 ms, an interpreter in 16.8 ms, a spawned process pool in tens of ms.'
      : 'A process started no slower than an interpreter here; the browser may have had the process workers warm.';
  return { id: 'interpreters-start', claim: CLAIM_TEXT['interpreters-start'], verdict, measured: measure('interpreters', [ratio], text), why };
}

/** `interpreters-data`: with large inputs, interpreters against threads under the GIL, round by round. */
function interpretersData(outcome: Outcome, interp: Measured): ClaimVerdict {
  const id = 'interpreters-data';
  const claim = CLAIM_TEXT[id];
  const threads = outcome['threads-gil'];
  if (!usable(threads)) return untested(id, claim, 'threads-gil', threads);
  // How many times longer the interpreters took than the threads, round by round.
  const values = roundSpeedups(interp, threads);
  const items = Number(interp.spec.inputItems);
  const text = `interpreters took ${times(median(values))} the time of threads-gil${spreadText(values)}, with ${items.toLocaleString('en')} items crossing to each task`;
  const raw = decide(values, (x) => x > 1);
  const verdict = raw;
  const why =
    verdict === 'borne-out'
      ? 'CPython 3.15rc1 (published): summing a 400,000-item list took 6 ms serially, 8 ms on threads, 255 ms across 4 interpreters.'
      : verdict === 'inconclusive'
        ? 'The rounds fell on both sides: run more rounds.'
        : 'The interpreters were faster than the threads in every round: the work outweighed the crossing. Give the tasks less work or more items.';
  return { id, claim, verdict, measured: measure('interpreters', values, text), why, undecided: undecided(raw, values, false) };
}
