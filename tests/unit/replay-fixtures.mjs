// Runs built for the replay tests, shaped as the engine records them: times on a 5 µs grid, a thread
// that drops the GIL at the switch interval waits at once, the longest waiter takes it 10 to 30 µs later.

const grid = (ms) => Math.round(ms * 200) / 200;

/**
 * A CPU-bound `threads-gil` run of `threads` threads, one task each, for about `ms` in all: the GIL handed
 * round-robin every `switchMs`. `perLane` (mode `interpreters`): each thread has its own GIL and runs
 * throughout, with no waits.
 */
export function gilRun({ threads = 8, ms = 10_000, switchMs = 5, mode = 'threads-gil', perLane = false } = {}) {
  const lane = (i) => (perLane ? `Interpreter-${i + 1}` : `ThreadPool-${i}`);
  const tasks = Array.from({ length: threads }, (_, id) => ({ id, lane: lane(id), startMs: grid(0.05 * id), endMs: 0, status: 'ok', spans: [] }));
  if (perLane) {
    for (const t of tasks) {
      t.spans.push({ kind: 'run', startMs: t.startMs, endMs: grid(ms) });
      t.endMs = grid(ms + 0.01);
    }
  } else {
    const need = ms / threads;
    const ran = new Array(threads).fill(0);
    // Every thread asks for the GIL as it starts; thread 0 gets it.
    const waitingSince = tasks.map((t) => t.startMs);
    const queue = tasks.map((t) => t.id);
    let now = tasks.at(-1).startMs + 0.01;
    let jitter = 0;
    while (queue.length) {
      const id = queue.shift();
      const t = tasks[id];
      t.spans.push({ kind: 'gil-wait', startMs: waitingSince[id], endMs: grid(now) });
      const slice = Math.min(switchMs + 0.04, need - ran[id]);
      const start = grid(now + 0.005);
      const end = grid(start + slice);
      t.spans.push({ kind: 'run', startMs: start, endMs: end });
      ran[id] += end - start;
      jitter = (jitter + 7) % 5;
      now = end + 0.01 + 0.005 * jitter;
      if (ran[id] < need - 1e-9) {
        waitingSince[id] = end;
        queue.push(id);
      } else {
        t.endMs = grid(end + 0.005);
      }
    }
    for (const t of tasks) t.gilWaitMs = t.spans.filter((s) => s.kind === 'gil-wait').reduce((a, s) => a + s.endMs - s.startMs, 0);
  }
  const endMs = Math.max(...tasks.map((t) => t.endMs));
  return {
    v: 1,
    runId: `built-${mode}-${threads}-${ms}`,
    spec: { workload: 'cpu-primes', mode, tasks: threads, workers: threads, switchIntervalMs: switchMs, size: 1_000_000 },
    build: 'threads',
    class: 'cpu',
    wallMs: endMs,
    endMs,
    value: 0,
    tasks,
    machine: { cores: 2, build: 'threads', browser: 'built' },
    labVersion: 'test',
    modelVersion: 2,
  };
}
