// Rules read from a run's record, for the end-to-end tests: what ran at once and what did not. They hold
// on a busy machine as on a quiet one (another program can stretch a span, not make two spans overlap or
// stop overlapping), so the tests assert them where they used to compare wall times; how much faster or
// slower a mode is on this machine is a figure, measured by the bench (bench/experiments/figures.mjs).

/** Whether every task's first I/O wait overlaps one instant: all were waiting at once. */
export function allWaitingAtOnce(tasks) {
  const waits = tasks.map((t) => t.spans.find((s) => s.kind === 'io-wait'));
  return waits.length > 0 && waits.every(Boolean) && Math.max(...waits.map((w) => w.startMs)) < Math.min(...waits.map((w) => w.endMs));
}

/**
 * The share of the time from the first task's start to the last task's end during which two or more tasks
 * were running at once (0: one after another; near 1: always at least two at once).
 */
export function parallelShare(tasks) {
  const edges = tasks.flatMap((t) => [[t.startMs, 1], [t.endMs, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (edges.length === 0) return 0;
  let running = 0;
  let atOnce = 0;
  let last = edges[0][0];
  for (const [at, d] of edges) {
    if (running >= 2) atOnce += at - last;
    running += d;
    last = at;
  }
  const span = edges.at(-1)[0] - edges[0][0];
  return span > 0 ? atOnce / span : 0;
}

/**
 * The pairs of `kind` spans (default `run`: a task's Python running, holding its GIL) of different tasks
 * that overlap in time: under one GIL, or on one event loop, there are none.
 */
/** Two threads' stamps closer than this are not told apart (the engine's clock alignment's slack, 0.04 ms). */
export const OVERLAP_SLACK_MS = 0.05;

export function overlappingSpans(tasks, kind = 'run') {
  const spans = tasks
    .flatMap((t, task) => t.spans.filter((s) => s.kind === kind && s.endMs > s.startMs).map((s) => ({ task, lane: t.lane, ...s })))
    .sort((a, b) => a.startMs - b.startMs);
  const bad = [];
  let latest; // the span seen so far that ends last
  for (const s of spans) {
    // Spans are stamped where they happen, each on its own thread's clock, which the engine keeps on one
    // timeline to within 0.04 ms (src/core/platform/aligned.rs: SLACK_MS, the clamp of now() and then some).
    if (latest && latest.task !== s.task && s.startMs < latest.endMs - OVERLAP_SLACK_MS) bad.push([latest, s]);
    if (!latest || s.endMs > latest.endMs) latest = s;
  }
  return bad;
}

/**
 * The GIL's contested turns of a threads-gil run: for each `run` span (the GIL held) during which another
 * thread waited for it, the time from the later of the span's start and that wait's start to the span's
 * end. CPython's rule bounds it by one switch interval plus the time to the holder's next check.
 */
export function contestedTurns(result) {
  const lanes = new Map();
  for (const t of result.tasks) for (const s of t.spans) {
    if (!lanes.has(t.lane)) lanes.set(t.lane, []);
    lanes.get(t.lane).push(s);
  }
  const turns = [];
  for (const [lane, spans] of lanes) {
    for (const run of spans.filter((s) => s.kind === 'run')) {
      let from = Infinity;
      for (const [other, theirs] of lanes) {
        if (other === lane) continue;
        for (const w of theirs) {
          if (w.kind === 'gil-wait' && w.startMs < run.endMs - 0.01 && w.endMs > run.startMs) from = Math.min(from, Math.max(run.startMs, w.startMs));
        }
      }
      if (from < Infinity) turns.push(run.endMs - from);
    }
  }
  return turns.sort((a, b) => a - b);
}
