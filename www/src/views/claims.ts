// The lesson's claims, checked against what this machine measured. A pure function from the kind of work
// and each mode's speedup over sequential to plain sentences with a verdict; when a run does not bear a
// claim out, it says so, and why that may be. The thresholds are the project's e2e margins (modes.test).

import { BROWSER_CONNECTIONS_PER_HOST } from './work';

export type Verdict = 'confirmed' | 'not-borne-out' | 'not-measured';

export interface Claim {
  id: string;
  /** The lesson's claim, in its words. */
  text: string;
  verdict: Verdict;
  /** What was measured, e.g. "threads-gil: 0.93× with 6 threads". */
  evidence: string;
  /** Why the run may not bear the claim out (or why a confirmation proves little). */
  why?: string;
}

export interface ModeMeasure {
  speedup: number;
  workers?: number;
  /** The best speedup this mode could reach here (no GIL, no overhead), when known. */
  ideal?: number;
  /** Its run's wall time, ms. */
  wallMs?: number;
  /** How long its workers took to start (the longest `start` span), when they were started for the run. */
  startupMs?: number;
}

export interface ClaimInput {
  workloadClass: 'cpu' | 'io' | 'mixed';
  cores: number;
  tasks: number;
  /** The sequential run's wall time, ms. */
  baselineMs: number;
  /** Requests go through the browser's HTTP stack (6 connections per host). */
  http?: boolean;
  latencyMs?: number;
  /** Speedup over sequential per mode, for the modes that ran. */
  modes: Record<string, ModeMeasure | undefined>;
}

/** Below this, a mode "did not speed up" the work; at or above GAIN, it used several cores. */
export const NO_GAIN = 1.15;
export const GAIN = 1.4;
/** I/O work "overlapped" when at least this much faster. */
export const OVERLAP = 2;

const times = (x: number) => `${x.toFixed(2)}×`;
const measured = (mode: string, m: ModeMeasure, unit = 'workers') =>
  `${mode}: ${times(m.speedup)} of sequential${m.workers !== undefined ? ` with ${m.workers} ${m.workers === 1 ? unit.replace(/s$/, '') : unit}` : ''}`;

export function claims(input: ClaimInput): Claim[] {
  if (input.workloadClass === 'cpu') return cpuClaims(input);
  if (input.workloadClass === 'io') return ioClaims(input);
  return mixedClaims(input);
}

function notMeasured(id: string, text: string, mode: string): Claim {
  return { id, text, verdict: 'not-measured', evidence: `Run ${mode} on the same work to test this.` };
}

/** Why a run of tiny work proves nothing either way. */
const tiny = (input: ClaimInput) =>
  input.baselineMs < 50 ? `The work is tiny (sequential took ${input.baselineMs.toFixed(0)} ms), so timer noise and start-up decide; give it more work.` : undefined;

function cpuClaims(input: ClaimInput): Claim[] {
  const out: Claim[] = [];
  const { modes, cores } = input;

  const noGain = (id: string, mode: string, text: string, unit: string, explain: string) => {
    const m = modes[mode];
    if (!m) return out.push(notMeasured(id, text, mode));
    const ok = m.speedup < NO_GAIN;
    out.push({
      id,
      text,
      verdict: ok ? 'confirmed' : 'not-borne-out',
      evidence: measured(mode, m, unit),
      why: ok
        ? m.workers === 1 ? 'With one worker there was nothing to run at once; try two or more.' : undefined
        : tiny(input) ?? `${explain} The sequential baseline may have been slowed by something else (the first run also warms up the engine); run both again.`,
    });
  };
  noGain('threads-gil-cpu', 'threads-gil', 'Threads did not speed up CPU-bound work: the GIL lets one thread run Python at a time.', 'threads',
    'Under the GIL threads take turns, so a real speedup here is unexpected.');
  noGain('asyncio-cpu', 'asyncio', 'asyncio gives CPU-bound work no speedup: it is one thread, and a coroutine that never awaits runs to the end.', 'workers',
    'asyncio runs on one thread, so a speedup can only be noise.');

  const parallel = (id: string, mode: string, text: string) => {
    const m = modes[mode];
    if (!m) return out.push(notMeasured(id, text, mode));
    const ok = m.speedup >= GAIN && cores > 1;
    let why: string | undefined;
    if (!ok) {
      if (cores <= 1) why = 'This machine reports one core, so nothing can run at the same time.';
      else if (m.workers === 1) why = 'It had one worker, so it ran one task at a time; give it more workers.';
      else if (input.tasks < 2) why = 'One task cannot be split across cores; use more tasks.';
      else if (m.ideal !== undefined && m.ideal < GAIN) why = `With these settings the best possible is ${times(m.ideal)}.`;
      else if (m.startupMs !== undefined && m.wallMs && m.startupMs > 0.15 * m.wallMs)
        why = `Starting the worker processes took ${m.startupMs.toFixed(0)} ms of its ${m.wallMs.toFixed(0)} ms (each loads its own interpreter, like Python's spawn start method); give it more work so start-up is a small part.`;
      else why = tiny(input) ?? 'Other programs may be using the cores, or the browser gave the workers fewer cores than it reports.';
    }
    out.push({ id, text, verdict: ok ? 'confirmed' : 'not-borne-out', evidence: `${measured(mode, m)} on ${cores} core${cores === 1 ? '' : 's'}`, why });
  };
  parallel('processes-cpu', 'processes', 'Processes use every core: each has its own interpreter and its own GIL.');
  parallel('rayon-cpu', 'rayon', 'Threads that share memory without a GIL (free-threaded Python, or C code that releases it) use every core.');
  return out;
}

function ioClaims(input: ClaimInput): Claim[] {
  const out: Claim[] = [];
  const n = BROWSER_CONNECTIONS_PER_HOST;
  const waves = input.http && input.tasks > n ? ` The browser opens at most ${n} connections to one host, so ${input.tasks} requests go in ${Math.ceil(input.tasks / n)} waves.` : '';
  const overlap = (id: string, mode: string, text: string, unit: string) => {
    const m = input.modes[mode];
    if (!m) return out.push(notMeasured(id, text, mode));
    const ok = m.speedup >= OVERLAP;
    let why: string | undefined;
    if (!ok) {
      if (input.tasks < 2) why = 'With one task there is nothing to overlap; use more tasks.';
      else if (m.workers === 1) why = 'With one thread each wait happens in turn; give it more workers.';
      else if (input.latencyMs !== undefined && input.latencyMs < 20) why = `The waits are short (${input.latencyMs} ms), so the overhead of each task decides; make them longer.`;
      else if (m.ideal !== undefined && m.ideal < OVERLAP + 0.2) why = `With these settings the best possible is ${times(m.ideal)}; use more tasks.${waves}`;
      else why = `Something slowed the waits down (a busy machine or server).${waves}`;
    }
    out.push({ id, text, verdict: ok ? 'confirmed' : 'not-borne-out', evidence: measured(mode, m, unit) + (ok && waves ? `.${waves}` : ''), why });
  };
  overlap('asyncio-io', 'asyncio', 'asyncio runs many waiting tasks at once on one thread: while one waits, the event loop runs another.', 'workers');
  overlap('threads-io', 'threads-gil', 'Threads help I/O-bound work: a thread lets go of the GIL while it waits.', 'threads');
  return out;
}

function mixedClaims(input: ClaimInput): Claim[] {
  const text = 'Mixed work: every concurrent mode overlaps the waiting, but only processes (or threads without a GIL) also share out the computing.';
  const best = (names: string[]) => {
    const found = names.map((n) => [n, input.modes[n]] as const).filter((x): x is [string, ModeMeasure] => !!x[1]);
    return found.sort((a, b) => b[1].speedup - a[1].speedup)[0];
  };
  const single = best(['asyncio', 'threads-gil']);
  const multi = best(['processes', 'rayon']);
  if (!single || !multi) return [notMeasured('mixed-parallel', text, !single ? 'asyncio or threads-gil' : 'processes or rayon')];
  const ok = multi[1].speedup >= NO_GAIN * single[1].speedup && input.cores > 1;
  return [
    {
      id: 'mixed-parallel',
      text,
      verdict: ok ? 'confirmed' : 'not-borne-out',
      evidence: `best on one core at a time: ${measured(...single)}; best on several: ${measured(...multi)}.`,
      why: ok ? undefined : mixedWhy(input, single, multi),
    },
  ];
}

function mixedWhy(input: ClaimInput, single: [string, ModeMeasure], multi: [string, ModeMeasure]): string {
  if (input.cores <= 1) return 'This machine reports one core, so the computing cannot be shared out.';
  const w = multi[1].workers;
  if (w !== undefined && w < input.tasks && (single[1].workers ?? input.tasks) > w) {
    return `${multi[0]} had ${w} workers for ${input.tasks} tasks, so fewer waits overlapped than under ${single[0]}; the waiting outweighed the computing.`;
  }
  return 'The computing part is small next to the waiting (raise the numbers per task), or start-up costs ate the gain.';
}
