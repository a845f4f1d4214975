// The machine's load as the operating system sees it, for the end-to-end tests whose verdicts need parallel
// hardware (issue 20, item 3): how much CPU processes other than the browser under test, the lab's server
// and this test used while an experiment ran, in cores (0.35 = a third of one core), read from /proc; the
// number of cores from Node (`os.availableParallelism()`), never from the browser. And the loads the tests
// put beside the lab: a held core, and a build's bursty pattern.
//
// What counts as "others": every process on the machine, and the hypervisor's steal (another virtual
// machine on our cores), except this test's own process tree (this node process, the Chromium it launched
// and every helper of it, the lab's server) and the `node --test` runner above it. CPU time of a process
// that ends is kept by the kernel in its parent's cutime/cstime once reaped, so the tree's reading counts a
// Chromium renderer that came and went. The load generators below are started outside the tree (a shell
// that starts them in the background and exits), so they are others, as another program would be.
//
// Linux only: elsewhere `watchOthers` reads NaN and the tests say so.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** The machine's cores, as Node sees them. */
export const CORES = availableParallelism();
/** Below this many cores used by others during an experiment (and no second above PEAK_QUIET_BELOW), the machine was quiet. */
export const QUIET_BELOW = 0.2;
/** A quiet machine has no second in which others used this much: a burst that long can slow one run by itself. */
export const PEAK_QUIET_BELOW = 0.5;
/** Above this many cores used by others, the machine was busy. */
export const BUSY_ABOVE = 0.8;
/** /proc's unit of CPU time (USER_HZ): 100 on every Linux the lab runs on. */
const TICKS_PER_S = 100;

/** The whole machine's busy CPU time, in ticks (every CPU's user, nice, system, irq, softirq, and steal). */
function machineTicks() {
  const [user, nice, system, , , irq, softirq, steal = 0] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** Every process: its parent, its command, its own CPU time and its reaped children's, in ticks. */
function processes() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      // Fields after the command (which may hold spaces and brackets): state, ppid, ..., utime (14), stime,
      // cutime, cstime (17).
      const f = stat.slice(close + 2).split(' ');
      out.set(Number(name), { ppid: Number(f[1]), comm: stat.slice(stat.indexOf('(') + 1, close), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) });
    } catch {
      // It ended while the list was read.
    }
  }
  return out;
}

/** The test runner above this process, if it is one (`node --test`): its own time is ours. */
const runner = (() => {
  try {
    return readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0').includes('--test') ? process.ppid : undefined;
  } catch {
    return undefined;
  }
})();

/** The processes under `roots` (themselves included) in `procs`, and their CPU time, reaped children's too. */
function treeOf(procs, roots) {
  const children = new Map();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  const pids = [];
  let ticks = 0;
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop();
    const p = procs.get(pid);
    if (!p) continue;
    pids.push(pid);
    ticks += p.own + p.reaped;
    todo.push(...(children.get(pid) ?? []));
  }
  return { pids, ticks };
}

/** One reading: the machine's ticks, ours (this test's tree and the runner), and each other process's. */
function reading() {
  const at = performance.now();
  const machine = machineTicks();
  const procs = processes();
  // This process's tree, reaped children included; the runner's own time only (its other children would be
  // other test files, running beside this one).
  const tree = treeOf(procs, [process.pid]);
  const ours = tree.ticks + (runner !== undefined ? (procs.get(runner)?.own ?? 0) : 0);
  const mine = new Set([runner, ...tree.pids]);
  // Each other process's own time (not its reaped children's, which may have run before the watch began):
  // only to name the ones that used the most.
  const others = new Map([...procs].filter(([pid]) => !mine.has(pid)).map(([pid, p]) => [pid, { comm: p.comm, ticks: p.own }]));
  return { at, machine, ours, others };
}

const round2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : NaN);

// What /proc cannot see: a core that runs slower than it can, with nothing on this machine using it. A virtual
// machine's cores may share a physical core, or its power, with another machine's (or with each other): the
// lab's 2-core test machine ran the same half millisecond of Python work in 15 ms-per-300k-steps phases and
// 24 ms ones, flipping every few hundred ms, with steal time at 0, and its second core busy made the first slow
// three times as often. The meter times a fixed piece of work on each core, pinned there, every METER_EVERY_MS,
// in the CPU time it took (so a core shared with the browser under test does not read slow: only a slower
// core does), and reads each piece against the fastest any core has done.
/** How often the meter times a piece on each core, ms (its cost: about 2% of each core). */
const METER_EVERY_MS = 25;
/** A piece this much slower than the fastest reads as a slower core (below it: noise). */
const METER_SLOW_FROM = 1.15;
const METER = `import os, sys, threading, time
index = int(sys.argv[1])
try:
    cpu = sorted(os.sched_getaffinity(0))[index]
    os.sched_setaffinity(0, {cpu})
except (AttributeError, IndexError, OSError):
    cpu = index
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
def piece():
    s = 0
    for i in range(10000):
        s += i * i % 7
    return s
def sample():
    t = time.thread_time_ns()
    piece()
    print(cpu, time.time_ns() // 1000000, time.thread_time_ns() - t, flush=True)
while True:
    sample()
    time.sleep(${METER_EVERY_MS / 1000})
`;
/** This machine, as far as the meter's piece cares: its processor, its cores and its Python. */
const MACHINE = `${cpus()[0]?.model ?? 'unknown'} x${CORES}`;
/** Where the fastest piece this machine has run is kept between test files (each a process of its own). */
const FASTEST_FILE = 'target/meter-fastest.json';
/** The meter's pieces: `{ cpu, at (ms since the epoch), ns }`, and the fastest piece (this machine's, kept). */
const meter = { samples: [], fastest: Infinity, started: false };
function startMeter() {
  if (meter.started) return;
  meter.started = true;
  try {
    const kept = JSON.parse(readFileSync(FASTEST_FILE, 'utf8'));
    // Another machine's (a copied tree, another processor) is not this one's best.
    if (kept.machine === MACHINE) meter.fastest = kept.ns;
  } catch {
    // None kept yet: this process finds it.
  }
  const kept = meter.fastest;
  const children = [];
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    try {
      if (meter.fastest < kept) writeFileSync(FASTEST_FILE, JSON.stringify({ ns: meter.fastest, machine: MACHINE, piece: 'the meter\'s piece of Python, tests/e2e/load.mjs' }));
    } catch {
      // No target/ here: the next process finds it again.
    }
  });
  for (let cpu = 0; cpu < CORES; cpu++) {
    let child;
    try {
      // A child of this process: its CPU time is this test's own, never counted among others.
      child = spawn('python3', ['-c', METER, String(cpu)], { stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      return;
    }
    child.on('error', () => {});
    let rest = '';
    child.stdout.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) {
        const [c, at, ns] = line.split(' ').map(Number);
        if (!(ns > 0)) continue;
        meter.samples.push({ cpu: c, at, ns });
        if (ns < meter.fastest) meter.fastest = ns;
      }
      if (meter.samples.length > 200_000) meter.samples.splice(0, 100_000);
    });
    child.unref();
    child.stdout.unref?.();
    child.stdin.unref?.();
    children.push(child);
  }
}

/**
 * The cores' worth of speed the machine's cores lacked between `from` and `to` (ms since the epoch), by the
 * meter: each core's mean loss (a piece at 1.5x the fastest lost a third of the core), summed over the cores;
 * and the most in any second. NaN where the meter has nothing (no python3, not Linux).
 */
function slowerCores(from, to) {
  const pieces = meter.samples.filter((p) => p.at >= from && p.at <= to);
  if (!pieces.length || !Number.isFinite(meter.fastest)) return { cores: NaN, peak: NaN };
  const loss = (p) => (p.ns > METER_SLOW_FROM * meter.fastest ? 1 - meter.fastest / p.ns : 0);
  // Each core's mean loss (by the core the meter reports: the CPUs this process may use, whatever their numbers).
  const over = (ps) => {
    const byCore = new Map();
    for (const p of ps) {
      const c = byCore.get(p.cpu) ?? { sum: 0, n: 0 };
      c.sum += loss(p);
      c.n++;
      byCore.set(p.cpu, c);
    }
    return [...byCore.values()].reduce((sum, c) => sum + c.sum / c.n, 0);
  };
  let peak = NaN;
  for (let t = from; t + 1000 <= to; t += 250) {
    const v = over(pieces.filter((p) => p.at >= t && p.at < t + 1000));
    peak = Number.isNaN(peak) ? v : Math.max(peak, v);
  }
  return { cores: over(pieces), peak };
}

/**
 * Starts watching the CPU others use, sampled every `everyMs`. `stop()` gives `{ cores, peak, seconds,
 * machineCores, top }`: the cores' worth of CPU others used on average, the most they used in any second
 * (NaN for a watch shorter than a second), how long it watched, the machine's cores, and the three other
 * processes alive throughout that used the most (command, cores).
 */
export function watchOthers({ everyMs = 250 } = {}) {
  startMeter();
  const from = Date.now();
  /** Exposed for the self-check in tests: the raw readings. */
  const samples = [];
  const take = () => {
    try {
      samples.push(reading());
    } catch {
      samples.push(undefined); // no /proc here
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref?.();
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      const first = samples[0];
      const last = samples.at(-1);
      if (samples.some((s) => !s)) return { cores: NaN, peak: NaN, seconds: NaN, machineCores: CORES, top: [] };
      const seconds = (last.at - first.at) / 1000;
      const othersCores = (a, b) => Math.max(0, (b.machine - a.machine - (b.ours - a.ours)) / TICKS_PER_S / ((b.at - a.at) / 1000));
      // The most used in any second: each sample against the first at least a second before it.
      let peak = NaN;
      for (let j = 1, i = 0; j < samples.length; j++) {
        while (i + 1 < j && samples[j].at - samples[i + 1].at >= 1000) i++;
        if (samples[j].at - samples[i].at >= 1000) peak = Math.max(Number.isNaN(peak) ? 0 : peak, othersCores(samples[i], samples[j]));
      }
      const top = [...last.others]
        .filter(([pid]) => first.others.has(pid))
        .map(([pid, p]) => ({ pid, comm: p.comm, cores: round2((p.ticks - first.others.get(pid).ticks) / TICKS_PER_S / seconds) }))
        .filter((p) => p.cores > 0)
        .sort((a, b) => b.cores - a.cores)
        .slice(0, 3);
      const slower = slowerCores(from, Date.now());
      return { cores: round2(othersCores(first, last)), peak: round2(peak), seconds: round2(seconds), machineCores: CORES, top, slower: round2(slower.cores), slowerPeak: round2(slower.peak) };
    },
  };
}

/**
 * Waits until the processes this one started (a browser just launched, say) have settled: under `cores`
 * of CPU in `times` windows of `windowMs` in a row, at most `maxMs`. Resolves to how long it waited, ms
 * (NaN where there is no /proc). Chromium's first second after a launch is its own start-up (traced on
 * this machine: about 1.5 s of CPU in its first 0.9 s, compiling its omnibox's WebUI on every core), which
 * a learner's browser, already open when they open a page, has long finished.
 */
export async function childrenSettled({ cores = 0.15, windowMs = 300, times = 2, maxMs = 10_000 } = {}) {
  // This process's children and theirs, not itself.
  const ours = () => {
    const procs = processes();
    return treeOf(procs, [...procs].filter(([, p]) => p.ppid === process.pid).map(([pid]) => pid)).ticks;
  };
  const t0 = Date.now();
  try {
    let last = ours();
    for (let quiet = 0; quiet < times && Date.now() - t0 < maxMs; ) {
      await new Promise((r) => setTimeout(r, windowMs));
      const now = ours();
      quiet = (now - last) / TICKS_PER_S / (windowMs / 1000) < cores ? quiet + 1 : 0;
      last = now;
    }
  } catch {
    return NaN;
  }
  return Date.now() - t0;
}

/** Runs `fn` with the others' load watched; resolves to `{ value, load }`. */
export async function othersDuring(fn) {
  const watch = watchOthers();
  try {
    const value = await fn();
    return { value, load: watch.stop() };
  } catch (e) {
    watch.stop();
    throw e;
  }
}

/**
 * `quiet` (others under QUIET_BELOW on average and no second over PEAK_QUIET_BELOW, and the cores' speed
 * lacking less than QUIET_BELOW by the meter), `busy` (others over BUSY_ABOVE), or `between`. Slower cores
 * alone never make it busy: a core that is slower all along (alone and beside another) leaves the lab's
 * probe reading every core free, rightly, so only what others used is held against a probe that reads idle.
 */
export function loadClass(load) {
  if (!Number.isFinite(load.cores)) return 'unknown';
  if (load.cores > BUSY_ABOVE) return 'busy';
  if (load.cores < QUIET_BELOW && !(load.peak >= PEAK_QUIET_BELOW) && load.slower < QUIET_BELOW && !(load.slowerPeak >= PEAK_QUIET_BELOW)) return 'quiet';
  return 'between';
}

/** A load in words, for messages: "0.93 cores (peak 1.12) used by others over 18.2 s: python3 0.9, ..." */
export const describeLoad = (load) =>
  `${load.cores} cores (peak ${load.peak} in a second) used by others over ${load.seconds} s on ${load.machineCores} cores${load.top.length ? `: ${load.top.map((p) => `${p.comm} ${p.cores}`).join(', ')}` : ''}; cores slower than their best: ${load.slower ?? NaN} (peak ${load.slowerPeak ?? NaN})`;

/**
 * Claims of no speedup on computation (one thread's work, in turns), and the most their median round may be
 * on a quiet machine: threads under the GIL pay for their hand-overs (CPython 0.89x; the lab 0.89-1.01x in
 * every engine), asyncio runs the same loop as sequential (about 1x, so a little more room for noise).
 */
const NO_FASTER_THAN = { 'threads-gil-cpu': 1.05, 'asyncio-cpu': 1.08 };

/**
 * What a learner's machine must get from the lab's verdicts under the load measured (issue 20, item 3),
 * for claims that CPython bears out. Quiet: the lab's probes read the machine idle (their median), and
 * every claim is borne out. Busy: a probe read the machine busy, and each claim is borne out or
 * inconclusive with the busy reason (a claim of another kind, not turned by load, may not be refuted either).
 * Between: no claim is refuted. One core: no claim is refuted, and one not borne out says "one core".
 * Returns the problems found (empty: the rule holds) and the load's class.
 *
 * `claims`: the lab's verdicts; `machine`: `{ parallelism, probes }` as a Compare's Result carries them
 * (several Compares of a chapter: pass each one's); `needsIdle`: the ids the verdicts leave open on a
 * busy machine and the share of the cores below which a probe reads busy (verdicts.ts NEEDS_IDLE_MACHINE,
 * BUSY_SHARE).
 */
export function verdictRule({ claims, machines, load, needsIdle, busyShare, cores = CORES }) {
  const cls = loadClass(load);
  const problems = [];
  const bad = (c, what) => problems.push(`${c.id} ${c.verdict} (${what}): ${c.measured.text} ${c.why ?? ''}`);
  for (const c of claims) if (c.verdict === 'not-borne-out') bad(c, 'a claim CPython bears out, refuted');
  if (cores === 1) {
    for (const c of claims) if (c.verdict === 'inconclusive' && !/one core/.test(c.why ?? '')) bad(c, 'one core, but the reason does not say so');
    return { cls: `${cls}, one core`, problems };
  }
  const busyLine = busyShare * cores;
  // A Compare whose claims need no idle machine (I/O) takes no probes: only the probed ones are held to the load.
  const probed = machines.filter((m) => m.probes?.some((p) => p !== null));
  const medians = probed.map((m) => m.parallelism);
  const lowest = Math.min(...probed.flatMap((m) => m.probes.filter((p) => p !== null)));
  const judged = claims.some((c) => needsIdle.includes(c.id));
  if (judged && !probed.length) problems.push(`claims that need an idle machine (${claims.filter((c) => needsIdle.includes(c.id)).map((c) => c.id).join(', ')}), but no probe was taken`);
  if (cls === 'quiet') {
    for (const p of medians) if (!(p >= busyLine)) problems.push(`the machine was quiet, but the lab's probes read it busy: median ${p} of ${cores} cores free (probes ${machines.map((m) => m.probes).join(' | ')})`);
    for (const c of claims) if (c.verdict !== 'borne-out') bad(c, 'the machine was quiet');
    // The same work, with turns between its chunks, is not done faster: a mode that beats sequential at it
    // by more than noise was measured against a slowed sequential (WebKitGTK's sequential paid 7-10% for
    // its turns, and threads-gil read 1.05-1.10x there, once 1.27x in a round).
    // (A claim read off the page carries only its words: where the speedup is not given, this is not judged.)
    for (const c of claims) {
      const most = NO_FASTER_THAN[c.id];
      if (most && typeof c.measured.speedup === 'number' && !(c.measured.speedup <= most)) bad(c, `the machine was quiet, and the median round was over ${most}x of sequential on the same work`);
    }
  } else if (cls === 'busy') {
    if (probed.length && !(lowest < busyLine)) problems.push(`others used ${load.cores} cores, but no probe of the lab read the machine busy (the lowest: ${lowest} of ${cores} free)`);
    for (const c of claims) if (c.verdict === 'inconclusive' && needsIdle.includes(c.id) && !/busy/.test(c.why ?? '')) bad(c, 'the machine was busy, but the reason does not say so');
  }
  return { cls, problems };
}

/**
 * The machine as each Compare in `history` (the rows of `lab.history()`) found it, as `verdictRule` reads
 * it: a Compare records one row per mode, all sharing its measurement, so one row per Compare counts. With
 * `rows`, the rows themselves (one per Compare).
 */
export function comparesOf(history) {
  const compares = new Map();
  for (const r of history) if (r.measurement) compares.set(JSON.stringify(r.measurement.orders), r);
  const rows = [...compares.values()];
  return { rows, machines: rows.map((r) => ({ parallelism: r.machine.parallelism, probes: r.measurement.probes })) };
}

/** A chapter view's verdicts as the page shows them (`.chapter-claims .claim`), in verdictRule's shape. */
export const shownClaims = (page) => page.evaluate(claimsShownIn);

/** The same, as a page function any driver can send (self-contained): the cross-browser suite's engines too. */
export function claimsShownIn() {
  return [...document.querySelectorAll('.chapter-claims .claim')].map((e) => ({ id: e.dataset.claim, verdict: e.dataset.verdict, why: e.querySelector('.why')?.textContent ?? '', measured: { text: e.querySelector('.evidence')?.textContent ?? '' } }));
}

/** The machine as each Compare of a chapter's run (`lab.lesson.run`) found it, as `verdictRule` reads it. */
export const machinesOf = (run) =>
  Object.values(run.outcomes)
    .map((o) => Object.values(o).find((r) => r.measurement))
    .filter(Boolean)
    .map((r) => ({ parallelism: r.machine.parallelism, probes: r.measurement.probes }));

/**
 * The time a Compare spent in rounds it set aside, which its budget does not count (docs/API.md): their
 * runs, and up to half a second for each of their probes (a probe on a busy machine takes longer). `r`: any
 * Result of the Compare.
 */
export const asideMs = (r) => (r?.measurement?.setAside ?? []).reduce((ms, a) => ms + Object.values(a.wallMs).reduce((x, y) => x + y, 0) + 500 * (a.probes?.length ?? 2), 0);

/** Stops every generator still running when this process exits (a failed test must not leave a core held). */
const running = new Set();
process.on('exit', () => {
  for (const stop of running) stop();
});

/**
 * Starts `python3 -c code args...` in a process group of its own, outside this test's process tree (a shell
 * starts it in the background and exits, so its CPU is never reaped into ours); returns `{ stop() }`,
 * which kills the group: it and every job it started. It ends by itself if this process goes away.
 */
function generator(code, args = []) {
  const shell = spawn('sh', ['-c', 'python3 -c "$0" "$@" </dev/null >/dev/null 2>&1 &', code, String(process.pid), ...args.map(String)], { stdio: 'ignore', detached: true });
  const group = shell.pid;
  const stop = () => {
    running.delete(stop);
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  running.add(stop);
  return { stop };
}

// A busy loop that ends once the test process (argv[1]) has gone, in case it was killed without its `finally`.
const SPIN = `import os, sys
owner = int(sys.argv[1])
i = 0
while True:
    i += 1
    if i % 2000000 == 0:
        try:
            os.kill(owner, 0)
        except OSError:
            break
`;

/** Another program holding one core, like `python3 -c "while True: pass"`, until `stop()`. */
export function holdCore() {
  return generator(SPIN);
}

/**
 * A build's pattern: `jobs` busy processes for `onMs`, then none for `offMs`, over and over, until
 * `stop()`. The first burst starts at once.
 */
export function burstyLoad({ jobs = 2, onMs = 3000, offMs = 3000 } = {}) {
  return generator(
    `import os, subprocess, sys, time
owner, jobs, on, off, spin = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000, float(sys.argv[4]) / 1000, sys.argv[5]
def alive():
    try:
        os.kill(owner, 0)
        return True
    except OSError:
        return False
while alive():
    ps = [subprocess.Popen([sys.executable, '-c', spin, str(owner)]) for _ in range(jobs)]
    time.sleep(on)
    for p in ps:
        p.kill()
    for p in ps:
        p.wait()
    time.sleep(off)
`,
    [jobs, onMs, offMs, SPIN],
  );
}
