// The machine's load beside a figure: the 1-minute load average when a row starts, and the CPU time that
// processes outside the bench used while the row ran, in cores, from /proc. "Outside the bench" = every
// process that is not this node process or one of its descendants (Chromium and its helpers, the lab's
// server, the native binary, CPython), so a figure taken while another program held a core says so.
// Elsewhere than Linux the /proc figure is absent (NaN) and only the load average is given.
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

const TICKS_PER_S = 100; // USER_HZ: the unit of /proc's CPU times on Linux

/** Busy CPU time of the whole machine, in ticks (every CPU's user, nice, system, irq, softirq, steal). */
function machineBusy() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal = 0] = cpu;
  return user + nice + system + irq + softirq + steal;
}

/** Every process's parent and CPU time (its own, and that of its children it has reaped), in ticks. */
function processes() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and brackets: the fields after it start after the last ')'.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // f[0] = state (field 3), f[1] = ppid, f[11..14] = utime, stime, cutime, cstime (fields 14..17).
      out.set(Number(name), { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // The process ended while the list was read.
    }
  }
  return out;
}

/** CPU ticks of `root` and all its descendants. A child that ended and was reaped meanwhile is counted in
 *  its parent's cutime/cstime, so the difference of two readings is the tree's CPU time in between. */
function treeTicks(root = process.pid) {
  const procs = processes();
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  let ticks = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop();
    ticks += procs.get(pid)?.cpu ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

function reading() {
  try {
    return { at: performance.now(), busy: machineBusy(), ours: treeTicks() };
  } catch {
    return { at: performance.now(), busy: NaN, ours: NaN };
  }
}

/**
 * Starts watching the machine for one row. `stop()` returns { loadAvg1m, othersCores, cores }: the load
 * average as the row started, and the cores' worth of CPU that processes outside the bench used during
 * the row (0 = nothing else ran; 1 = another program held a whole core).
 */
export function watchLoad() {
  const loadAvg1m = loadavg()[0];
  const start = reading();
  return {
    stop() {
      const end = reading();
      const seconds = (end.at - start.at) / 1000;
      const others = (end.busy - start.busy - (end.ours - start.ours)) / TICKS_PER_S / seconds;
      return { loadAvg1m: round(loadAvg1m), othersCores: round(Math.max(0, others)), cores: availableParallelism() };
    },
  };
}

/** Runs `fn` with the load watched; resolves to [its result, the load]. */
export async function withLoad(fn) {
  const w = watchLoad();
  const result = await fn();
  return [result, w.stop()];
}

const round = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : NaN);
