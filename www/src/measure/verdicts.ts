// The lesson's claims, decided from measured rounds: the one place that holds the thresholds and the
// rule. The page, the embed, `window.lab.claims` and the benchmark's fidelity table all call `claims`;
// none keeps thresholds of its own. Pure: no DOM, no clock, nothing but the Compare it is given.
//
// The rule (../shared/API.md, `claims`): a claim is `borne-out` when every counted round lies on the
// claim's side of its threshold, `not-borne-out` when every round lies on the other side, else
// `inconclusive`. Thresholds sit well away from what CPython itself gives on such work (PYTHON-MODEL.md),
// so noise cannot flip a verdict: threads under the GIL give CPython 0.89x on CPU work, and "no speedup"
// means below 1.25x; processes give 1.57x on 2 cores, and "uses the cores" means at least 1.25x.
// Where the measurement cannot decide (one core, busy cores, tiny work, one worker), the claim is
// `inconclusive` with a `why`, never a verdict the machine could not have earned.

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
  tasks?: { spans?: { kind: string; startMs: number; endMs: number }[] }[];
}

export type Outcome = Record<string, Measured | { error: { name: string; message: string; reason?: string } }>;

/** Below this, a mode gave no speedup (CPython's threads: 0.89x; asyncio: 1.0x). */
export const NO_SPEEDUP_BELOW = 1.25;
/** At least this, a mode used more than one core (CPython's processes on 2 cores: 1.57x). */
export const USES_CORES_FROM = 1.25;
/** Mixed work: the winner is faster than each mode it must beat (the issue's "wins"), in every round. A
 * tie rounds both ways and stays inconclusive. */
export const WINS_BY = 1.0;
/** A sequential run shorter than this is too small to tell anything (timer noise, start-up). */
export const TINY_WORK_MS = 100;
/** The probe found less parallelism than this share of the cores: the machine is busy. Measured on this
 * project's 2-core virtual machine, one probe at a time: idle, mostly 1.85 to 2.0 with one in five at 1.6
 * (the host takes a core for a moment); with one core held by another program, mostly 1.0 to 1.1 with a
 * few at 1.3 to 1.6. The median of a Compare's probes falls far from 0.7 either way, and a machine with
 * 0.7 of its cores free can still show USES_CORES_FROM. */
export const BUSY_SHARE = 0.7;
/** Connections a browser opens to one host (HTTP/1.1): requests beyond go in waves. */
export const BROWSER_CONNECTIONS_PER_HOST = 6;

/** Each claim in the lesson's words, by id: what a page shows before (and beside) a verdict. */
export const CLAIM_TEXT: Record<string, string> = {
  'threads-gil-cpu':
    'Threads do not speed up CPU-bound work: the GIL lets one thread run Python at a time, so they use one core.',
  'asyncio-cpu':
    'asyncio gives CPU-bound work no speedup: it is one thread, and a coroutine that never awaits runs to its end before the next one starts.',
  'processes-cpu':
    'Processes use more than one core on CPU-bound work: each has its own interpreter and its own GIL.',
  'releases-gil-cpu':
    'C code that releases the GIL (NumPy\'s array loops, hashlib, zlib) runs on more than one core from threads: the GIL is taken only at the call\'s ends.',
  'free-threaded-cpu':
    'Free-threaded Python (3.14t) runs threads on more than one core on CPU-bound work: it has no GIL.',
  'interpreters-cpu':
    'Subinterpreters (3.14, InterpreterPoolExecutor) run CPU-bound work on more than one core: each interpreter has its own GIL.',
  'interpreters-start':
    'Starting an interpreter costs less than starting a process: it is a new interpreter in the same process, on a thread.',
  'interpreters-data':
    'When large data must cross, subinterpreters are slower than threads: every argument is pickled into the interpreter and unpickled there, item by item, where threads share memory.',
  'asyncio-io':
    'asyncio runs many waiting tasks at once on one thread: while one waits, the event loop runs another.',
  'threads-io':
    'Threads help I/O-bound work: a thread lets go of the GIL while it waits.',
  'mixed-cpu-heavy-processes':
    'A pipeline whose computing outweighs its waiting is work for processes ("multiprocessing for data preprocessing pipelines"): they beat sequential, asyncio and threads.',
  'mixed-io-heavy-asyncio':
    'A pipeline whose waiting outweighs its computing is work for asyncio ("asyncio for web/API integration"): it beats sequential and processes (threads may tie).',
  'convoy-effect':
    'Beside a CPU-bound thread, an I/O thread under the GIL is at least 10× slower than alone (switch interval 5 ms): each blocking call gives up the GIL and must win it back.',
  'convoy-interval':
    'A shorter switch interval (1 ms) slows the I/O thread less: the CPU-bound thread is asked to let go sooner.',
  'convoy-free-threaded':
    'Without the GIL (free-threaded 3.14t) the I/O thread beside a CPU-bound thread is not held up: under 2× its time alone.',
};

/** The claims a Compare of work of this class tests (before it runs). */
export const CLAIMS_BY_CLASS: Record<'cpu' | 'io' | 'mixed', string[]> = {
  // `rayon` is native code with no Python in it, the hardware's ceiling: shown, with no claim of its own.
  // A Compare whose threads-gil run is C code that releases the GIL tests `releases-gil-cpu` in place of
  // `threads-gil-cpu`.
  cpu: ['threads-gil-cpu', 'asyncio-cpu', 'processes-cpu', 'free-threaded-cpu', 'interpreters-cpu'],
  io: ['asyncio-io', 'threads-io'],
  mixed: ['mixed-cpu-heavy-processes', 'mixed-io-heavy-asyncio'],
};

/** The mode each claim measures against sequential (`interpreters-start` also needs `processes`, and
 * `interpreters-data` `threads-gil`): a single run of that mode shows the claim it bears on. */
export const CLAIM_MODE: Record<string, string> = {
  'threads-gil-cpu': 'threads-gil',
  'asyncio-cpu': 'asyncio',
  'processes-cpu': 'processes',
  'releases-gil-cpu': 'threads-gil',
  'free-threaded-cpu': 'free-threaded',
  'interpreters-cpu': 'interpreters',
  'interpreters-start': 'interpreters',
  'interpreters-data': 'interpreters',
  'asyncio-io': 'asyncio',
  'threads-io': 'threads-gil',
  'mixed-cpu-heavy-processes': 'processes',
  'mixed-io-heavy-asyncio': 'asyncio',
  'convoy-effect': 'threads-gil',
  'convoy-interval': 'threads-gil',
  'convoy-free-threaded': 'free-threaded',
};

/**
 * The claims a Compare of `spec`'s work tests, before it runs, as `claims` will pick them: convoy's own;
 * for CPU work, `releases-gil-cpu` in place of `threads-gil-cpu` when the work releases the GIL, and
 * `interpreters-data` in place of `interpreters-cpu` when large data crosses. (`convoy-interval` needs
 * two Compares, at two switch intervals: a chapter's.)
 */
export function claimsToTest(spec: { workload?: unknown; releasesGil?: unknown; inputItems?: unknown }, cls: 'cpu' | 'io' | 'mixed'): string[] {
  if (spec.workload === 'convoy') return ['convoy-effect', 'convoy-free-threaded'];
  if (cls !== 'cpu') return CLAIMS_BY_CLASS[cls];
  const replaced: Record<string, string | false> = {
    'threads-gil-cpu': (spec.releasesGil === true || spec.releasesGil === 'true') && 'releases-gil-cpu',
    'interpreters-cpu': Number(spec.inputItems) >= DATA_HEAVY_ITEMS && 'interpreters-data',
  };
  return [...CLAIMS_BY_CLASS.cpu.map((id) => replaced[id] || id), 'interpreters-start'];
}

const isResult = (x: Outcome[string] | undefined): x is Measured => !!x && 'wallMs' in x;
const usable = (x: Outcome[string] | undefined): x is Measured => isResult(x) && !x.cancelled;
const roundsOf = (r: Measured) => (r.rounds?.length ? r.rounds : [r.wallMs]);
const times = (x: number) => `${x.toFixed(2)}×`;
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
const undecided = (raw: Verdict, values: number[], structural: boolean) => raw === 'inconclusive' && values.length > 0 && !structural;

function measure(mode: string, values: number[], text: string) {
  const spread: [number, number] = values.length ? [Math.min(...values), Math.max(...values)] : [NaN, NaN];
  return { mode, speedup: median(values), spread, rounds: values.length, text };
}

const spreadText = (values: number[]) =>
  values.length > 1 ? ` (${times(Math.min(...values))}–${times(Math.max(...values))} over ${values.length} rounds)` : ' (one round)';

const workersOf = (r: Measured) => (typeof r.spec.workers === 'number' ? r.spec.workers : Number(r.spec.workers) || undefined);

/** The machine as the Compare measured it: cores, and the parallelism a probe found free. */
function machineOf(outcome: Outcome) {
  const m = Object.values(outcome).find(usable)?.machine;
  const cores = Math.max(1, m?.cores ?? 1);
  const parallelism = m?.parallelism;
  const busy = parallelism !== undefined && cores > 1 && parallelism < BUSY_SHARE * cores;
  return { cores, parallelism, busy };
}

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

/** A claim that cannot be tested here: its mode did not run (unavailable, refused, or not run yet). */
function untested(id: string, claim: string, mode: string, entry: Outcome[string] | undefined): ClaimVerdict {
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

function cpuClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
  const { cores, parallelism, busy } = machineOf(outcome);
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
    if (cores === 1) {
      verdict = 'inconclusive';
      why = 'This machine reports one core, so nothing could run at once anyway: the test cannot tell the GIL from the hardware.';
    } else if (workers === 1) {
      verdict = 'inconclusive';
      why = 'With one worker there was nothing to run at once; give it two or more.';
    } else if (tiny && verdict !== 'borne-out') {
      verdict = 'inconclusive';
      why = tiny;
    } else if (verdict === 'not-borne-out') {
      why = `Every round was at least ${times(NO_SPEEDUP_BELOW)} faster than sequential, which the model of ${mode} cannot give on pure computation; please report it.`;
    } else if (verdict === 'inconclusive') {
      why = `The rounds fell on both sides of ${times(NO_SPEEDUP_BELOW)}: the machine's speed changed during the Compare. Run more rounds.`;
    }
    const structural = cores === 1 || workers === 1 || !!tiny;
    out.push({ id, claim, verdict, measured: measure(mode, values, text), why, undecided: undecided(raw, values, structural) });
  };
  const threads = outcome['threads-gil'];
  const releasesGil = usable(threads) && threads.spec.releasesGil === true;
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
    // Only a machine that could have shown the gain can contradict the claim (or settle it in more rounds).
    const structural = cores === 1 || workers === 1 || Number(r.spec.tasks) < 2 || busy || !!tiny;
    const busyWhy =
      parallelism !== undefined
        ? `A probe found only ${parallelism.toFixed(1)} of this machine's ${cores} cores free during the Compare: other programs are keeping the cores busy, so a parallel mode cannot show its gain.`
        : undefined;
    if (verdict !== 'borne-out') {
      if (cores === 1) why = 'This machine reports one core, so nothing can run at the same time.';
      else if (workers === 1) why = 'It had one worker, so it ran one task at a time; give it more workers.';
      else if (Number(r.spec.tasks) < 2) why = 'One task cannot be split across cores; use more tasks.';
      else if (busy) why = busyWhy;
      else if (tiny) why = tiny;
      else if (verdict === 'inconclusive') why = `The rounds fell on both sides of ${times(USES_CORES_FROM)}: the machine's speed changed during the Compare. Run more rounds.`;
      else why = `No round reached ${times(USES_CORES_FROM)}; the browser may have given the workers fewer cores than it reports.`;
      if (structural) verdict = 'inconclusive';
    } else if (cores === 1) {
      // One core cannot run two things at once: a gain seen there is noise, not the claim borne out.
      verdict = 'inconclusive';
      why = 'This machine reports one core, so nothing can run at the same time; the gain measured is noise.';
    } else if (busy) {
      why = `Borne out even though ${busyWhy?.replace(/^A probe/, 'a probe')}`;
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

/** Items crossing to each task from which the Compare tests `interpreters-data` (the issue's 100,000;
 * CPython 3.15rc1: summing 400,000 items across 4 interpreters took 255 ms, 8 ms on threads). */
export const DATA_HEAVY_ITEMS = 100_000;

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

/** An I/O run's waves: its tasks go as many at a time as its workers and the browser's connections let. */
function wavesOf(r: Measured): { tasks: number; waves: number } {
  const tasks = Math.max(1, Number(r.spec.tasks) || 1);
  const http = r.spec.workload === 'io-fetch' && r.network !== 'simulated';
  const atOnce = Math.min(tasks, workersOf(r) ?? tasks, http ? BROWSER_CONNECTIONS_PER_HOST : Infinity);
  return { tasks, waves: Math.ceil(tasks / atOnce) };
}

/** The overlap an I/O run can reach: its tasks in waves of as many as run at once. */
export function ioIdeal(r: Measured): number {
  const { tasks, waves } = wavesOf(r);
  return tasks / waves;
}

/** An I/O claim's threshold: halfway between no overlap (1x) and the best this run could reach. */
export const overlapThreshold = (r: Measured) => 1 + (ioIdeal(r) - 1) / 2;

function ioClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
  const out: ClaimVerdict[] = [];
  const overlap = (id: string, mode: string, claim: string, unit: string) => {
    const r = outcome[mode];
    if (!usable(r)) return out.push(untested(id, claim, mode, r));
    const values = roundSpeedups(base, r);
    const ideal = ioIdeal(r);
    // Closer to overlapping than not.
    const threshold = overlapThreshold(r);
    const workers = workersOf(r);
    const { waves } = wavesOf(r);
    const text = `${mode}: ${times(median(values))} of sequential${spreadText(values)}${workers ? ` with ${workers} ${unit}` : ''}; at best ${times(ideal)}${waves > 1 ? ` (${r.spec.tasks} tasks in ${waves} waves)` : ''}`;
    const raw = decide(values, (x) => x >= threshold);
    let verdict = raw;
    let why: string | undefined;
    const latency = Number(r.spec.latencyMs);
    if (ideal < 1.5) {
      verdict = 'inconclusive';
      why = Number(r.spec.tasks) < 2 ? 'With one task there is nothing to overlap; use more tasks.' : 'With one worker each wait happens in turn; give it more workers.';
    } else if (Number.isFinite(latency) && latency < 20 && verdict !== 'borne-out') {
      verdict = 'inconclusive';
      why = `The waits are short (${latency} ms), so each task's overhead decides; make them longer.`;
    } else if (verdict === 'inconclusive') {
      why = `The rounds fell on both sides of ${times(threshold)} (halfway to the best possible): the machine or the server was slower in some rounds. Run more rounds.`;
    } else if (verdict === 'not-borne-out') {
      why = `No round reached ${times(threshold)}: something slowed the waits down (a busy machine or server).`;
    }
    if (waves > 1 && verdict === 'borne-out' && r.spec.workload === 'io-fetch' && r.network !== 'simulated')
      why = `A browser opens at most ${BROWSER_CONNECTIONS_PER_HOST} connections to one host, so ${r.spec.tasks} requests go in ${waves} waves (Python's aiohttp would open up to 100).`;
    out.push({ id, claim, verdict, measured: measure(mode, values, text), why, undecided: undecided(raw, values, ideal < 1.5) });
  };
  overlap('asyncio-io', 'asyncio', CLAIM_TEXT['asyncio-io'], 'workers');
  overlap('threads-io', 'threads-gil', CLAIM_TEXT['threads-io'], 'threads');
  return out;
}

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

function mixedClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
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
  const { cores, busy, parallelism } = machineOf(outcome);
  const text = `${mode}: ${times(median(margins))} the speed of the fastest of ${beat.join(', ')}${spreadText(margins)}; ${times(median(vsSequential))} of sequential. Computing was ${(100 * share).toFixed(0)}% of the sequential run's task time.`;
  const raw = decide(margins, (x) => x > WINS_BY);
  let verdict = raw;
  let why: string | undefined;
  // Only a machine that could have shown the win can refute the claim (or settle it in more rounds).
  const structural = (heavy === 'cpu' && (cores === 1 || busy)) || median(roundsOf(base)) < TINY_WORK_MS;
  if (verdict !== 'borne-out') {
    if (heavy === 'cpu' && cores === 1) why = 'This machine reports one core, so the computing cannot be shared out.';
    else if (heavy === 'cpu' && busy) why = `A probe found only ${parallelism!.toFixed(1)} of this machine's ${cores} cores free: other programs are keeping the cores busy.`;
    else if (verdict === 'inconclusive') why = `In some rounds ${mode} was the fastest, in others not; run more rounds.`;
    else why = heavy === 'cpu' ? 'Start-up or the waiting outweighed the shared-out computing; give each task more numbers.' : "The computing outweighed the overlapped waits; lengthen the requests or shorten the computing.";
    if (structural) verdict = 'inconclusive';
  }
  return [{ id, claim, verdict, measured: measure(mode, margins, text), why, undecided: undecided(raw, margins, structural) }];
}

/** The convoy effect: the I/O thread beside CPU-bound threads at least this many times slower than alone
 * (switch interval 5 ms). CPython here: 196 ms against 0.6 ms for 200 socket round trips (PYTHON-MODEL.md);
 * 1015 ms against 34 ms for 200 sleeps of 100 µs, the lab's own program (bench). */
export const CONVOY_SLOWER_FROM = 10;
/** The switch interval the convoy claim is made at: CPython's default. */
export const CONVOY_INTERVAL_MS = 5;
/** A shorter interval slows the I/O thread less: at 5 ms at least this many times slower than at 1 ms
 * (CPython here: 196 / 55 ms for socket round trips; 1015 / 255 ms for 100 µs sleeps). */
export const CONVOY_INTERVAL_GAIN = 1.25;
/** Without the GIL the I/O thread is under this many times slower than alone. */
export const CONVOY_FREE_UNDER = 2;

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

function convoyClaims(outcome: Outcome, base: Measured): ClaimVerdict[] {
  const out: ClaimVerdict[] = [];
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
    if (alone ?? otherInterval) {
      verdict = 'inconclusive';
      why = alone ?? otherInterval;
    } else if (verdict === 'inconclusive') why = `The rounds fell on both sides of ${times(CONVOY_SLOWER_FROM)}: run more rounds.`;
    else if (verdict === 'not-borne-out') why = `No round was ${times(CONVOY_SLOWER_FROM)} slower than alone: the I/O thread won the GIL back at once; please report it.`;
    out.push({ id: 'convoy-effect', claim: CLAIM_TEXT['convoy-effect'], verdict, measured: measure('threads-gil', values, text), why, undecided: undecided(raw, values, !!(alone ?? otherInterval)) });
  }
  const free = outcome['free-threaded'];
  if (!usable(free)) out.push(untested('convoy-free-threaded', CLAIM_TEXT['convoy-free-threaded'], 'free-threaded', free));
  else {
    const values = slowdowns(base, free);
    const { cores, busy, parallelism } = machineOf(outcome);
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
      else if (busy) why = `A probe found only ${parallelism!.toFixed(1)} of this machine's ${cores} cores free: the I/O thread waits for a core.`;
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
  const text = `threads-gil: the I/O thread ${times(median(values))} slower at ${CONVOY_INTERVAL_MS} ms than at ${at(short)} ms${spreadText(values)}`;
  const raw = decide(values, (x) => x >= CONVOY_INTERVAL_GAIN);
  let verdict = raw;
  let why: string | undefined;
  const alone = Number(long.spec.cpuThreads) < 1;
  if (alone) {
    verdict = 'inconclusive';
    why = 'With no CPU-bound thread the switch interval never comes into play; set cpuThreads to 1 or more.';
  } else if (raw === 'not-borne-out' && values.some((x) => x > 1)) {
    // Less slowed, but by less than the threshold in every round: not the opposite of the claim.
    verdict = 'inconclusive';
    why = `The shorter interval helped by less than ${times(CONVOY_INTERVAL_GAIN)} in every round.`;
  } else if (raw === 'inconclusive') why = `The rounds fell on both sides of ${times(CONVOY_INTERVAL_GAIN)}: run more rounds.`;
  else if (raw === 'not-borne-out') why = 'The I/O thread was no faster at the shorter interval in any round; please report it.';
  return [{ id: 'convoy-interval', claim, verdict, measured: measure('threads-gil', values, text), why, undecided: undecided(raw, values, alone) }];
}

/** The ids of every claim the lab can decide (docs/API.md lists them with their thresholds). */
export const CLAIM_IDS = Object.keys(CLAIM_TEXT);
