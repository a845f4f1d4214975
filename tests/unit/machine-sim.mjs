// A machine of `cores` cores for the probe's tests (parallelism.test.mjs, procedure.test.mjs): workers
// that work `ms` in pieces of `pieceMs` of CPU each (engine/probe-worker.ts), and `others` programs that
// always want a core, scheduled by the operating system in slices. What each worker reports is what the
// real worker reports (measure/parallelism.ts `Worked`): when it began (its first moment on a core: a
// worker's message is handled only once it runs) and when each piece ended.
//
// Policies: `fair`, every `slice` ms the cores go to the next runnable in turn (the workers time-sliced);
// `fifo`, a worker on a core keeps it until it is done and the others wait (the extreme of a worker whose
// message waits for a core: two of four workers run, then the other two).

/**
 * `pieceMs` is a number, or a function of the CPU time the worker has had so far (`cpuBefore` plus this
 * run's): a worker whose compiler has not warmed up yet works slower.
 * @param {{ cores: number, workers: { startAt?: number, ms: number, pieceMs: number | ((cpu: number) => number), cpuBefore?: number }[],
 *   others?: number, policy?: 'fair' | 'fifo', slice?: number, dt?: number }} m
 * @returns {{ start: number, ends: number[], cpu: number }[]} each worker's report, in ms from the machine's start, and its CPU time in all
 */
export function simulate({ cores, workers, others = 0, policy = 'fair', slice = 4, dt = 0.01 }) {
  const ws = workers.map((w, i) => ({ ...w, id: i, startAt: w.startAt ?? 0, start: undefined, ends: [], cpu: 0, total: w.cpuBefore ?? 0, done: false }));
  const pieceOf = (w) => (typeof w.pieceMs === 'function' ? w.pieceMs(w.total) : w.pieceMs);
  // The run queue: workers (by id) and other programs ('o0', 'o1', ...), in the order they get a core.
  const queue = Array.from({ length: others }, (_, i) => `o${i}`);
  const queued = new Set();
  let running = [];
  const round = (x) => Math.round(x * 1e6) / 1e6;
  for (let step = 0; ; step++) {
    const t = round(step * dt);
    for (const w of ws) if (!w.done && !queued.has(w.id) && w.startAt <= t) (queue.push(w.id), queued.add(w.id));
    const live = (x) => typeof x === 'string' || !ws[x].done;
    if (ws.every((w) => w.done)) break;
    const boundary = Math.abs(t / slice - Math.round(t / slice)) < 1e-9;
    running = running.filter(live);
    if (policy === 'fair' && boundary) {
      // The ones that ran go to the back; the next ones in turn get the cores.
      const ran = running;
      const rest = queue.filter((x) => live(x) && !ran.includes(x));
      queue.length = 0;
      queue.push(...rest, ...ran.filter(live));
      running = queue.slice(0, cores);
    } else {
      for (const x of queue) if (running.length < cores && live(x) && !running.includes(x)) running.push(x);
    }
    for (const x of running) {
      if (typeof x === 'string') continue;
      const w = ws[x];
      w.start ??= t;
      w.cpu += dt;
      w.total += dt;
      if (w.cpu >= pieceOf(w) - 1e-9) {
        w.cpu = 0;
        const end = round(t + dt);
        w.ends.push(end);
        if (end - w.start >= w.ms - 1e-9) w.done = true;
      }
    }
    if (step > 1e7) throw new Error('the simulation did not end');
  }
  return ws.map((w) => ({ start: w.start, ends: w.ends, cpu: w.total }));
}
