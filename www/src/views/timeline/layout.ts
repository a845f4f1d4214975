// Where the timeline puts things: pure geometry, no DOM.

import type { Span, Task } from '../../engine/protocol';

/** A task's extent on the timeline: its own start and end, widened to any span outside them
 * (a process's start-up may come before the task is handed over). */
export function extent(t: Task): { startMs: number; endMs: number } {
  let startMs = t.startMs;
  let endMs = t.endMs;
  for (const s of t.spans ?? []) {
    startMs = Math.min(startMs, s.startMs);
    endMs = Math.max(endMs, s.endMs);
  }
  return { startMs, endMs };
}

/** What to draw inside a task's bar: its spans, or one `run` span when the engine recorded none. */
export const spansOf = (t: Task): Span[] => (t.spans?.length ? t.spans : [{ kind: 'run', startMs: t.startMs, endMs: t.endMs }]);

/**
 * Packs one lane's tasks into sub-rows so that no two tasks in a row overlap in time (greedy interval
 * packing: by start time, each task goes into the first row that is free by then). A thread's tasks
 * follow one another and fit in one row; an event loop's overlapping coroutines need one row each.
 */
export function packRows(tasks: readonly Task[]): Task[][] {
  const rows: Task[][] = [];
  const freeAt: number[] = [];
  const sorted = [...tasks].sort((a, b) => extent(a).startMs - extent(b).startMs || a.id - b.id);
  for (const t of sorted) {
    const { startMs, endMs } = extent(t);
    // A hair of tolerance: a task that starts the instant the previous one ended shares its row.
    let i = freeAt.findIndex((end) => end <= startMs + 1e-6);
    if (i < 0) {
      i = rows.length;
      rows.push([]);
      freeAt.push(0);
    }
    rows[i].push(t);
    freeAt[i] = endMs;
  }
  return rows;
}

/** Lanes in a stable, human order: by name with numbers compared as numbers (ThreadPool-2 before -10). */
export function laneOrder(tasks: readonly Task[]): string[] {
  return [...new Set(tasks.map((t) => t.lane))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** About `count` round tick values (1, 2 or 5 times a power of ten) from 0 up to `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  // The round step nearest the raw one (in ratio), so the count stays close to what was asked.
  const step = [1, 2, 5, 10].map((m) => m * pow).reduce((best, s) => (Math.abs(Math.log(s / raw)) < Math.abs(Math.log(best / raw)) ? s : best));
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}
