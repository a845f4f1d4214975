// Reaching a task's bar: its numbers in words (the tooltip on hover and on focus, the aria-label a screen
// reader reads) and the arrow keys that move the keyboard focus from bar to bar, so a thousand tasks are
// one tab stop, not a thousand.

import type { Task } from '../../engine/protocol';
import type { Recorded } from '../../lab/lab-api';
import { spansOf } from './layout';
import type { Tooltip } from './tooltip';
import { fmtMs } from '../work';
import { kindLabel } from './legend';

/** The numbers of one task, as the tooltip and the aria-label give them. */
export function taskLines(t: Task): string[] {
  const sum = (kind: string) => spansOf(t).filter((s) => s.kind === kind).reduce((a, s) => a + s.endMs - s.startMs, 0);
  const lines = [`Task ${t.id} on ${t.lane}`, `${fmtMs(t.startMs)} – ${fmtMs(t.endMs)} (${fmtMs(t.endMs - t.startMs)})`];
  const ran = sum('run');
  if (ran > 0) lines.push(`running ${fmtMs(ran)}`);
  if (t.gilWaitMs !== undefined) lines.push(`waiting for the GIL ${fmtMs(t.gilWaitMs)}`);
  if (t.ioWaitMs !== undefined) lines.push(`waiting on I/O ${fmtMs(t.ioWaitMs)}`);
  const queued = sum('loop-wait');
  if (queued > 0) lines.push(`waiting for the event loop ${fmtMs(queued)}`);
  for (const kind of ['message', 'start']) {
    const ms = sum(kind);
    if (ms > 0) lines.push(`${kindLabel(kind)} ${fmtMs(ms)}`);
  }
  lines.push(`status: ${t.status}${t.error ? ` (${t.error})` : ''}`);
  return lines;
}

/** Arrow keys move the focus: left/right along a row (in time), up/down to the nearest task of the next row. */
export function wireKeys(plot: HTMLElement, rows: HTMLElement[][]): void {
  const where = new Map<HTMLElement, [number, number]>();
  rows.forEach((row, i) => row.forEach((bar, j) => where.set(bar, [i, j])));
  plot.addEventListener('keydown', (e) => {
    const from = e.target as HTMLElement;
    const at = where.get(from);
    // Shift with an arrow pans the window (the timeline's own keys), it does not move the focus.
    if (!at || e.shiftKey) return;
    const [i, j] = at;
    let to: HTMLElement | undefined;
    const nearest = (row: HTMLElement[] | undefined) => {
      if (!row?.length) return undefined;
      const x = from.offsetLeft;
      return row.reduce((best, b) => (Math.abs(b.offsetLeft - x) < Math.abs(best.offsetLeft - x) ? b : best));
    };
    if (e.key === 'ArrowRight') to = rows[i][j + 1];
    else if (e.key === 'ArrowLeft') to = rows[i][j - 1];
    else if (e.key === 'ArrowDown') to = nearest(rows[i + 1]);
    else if (e.key === 'ArrowUp') to = nearest(rows[i - 1]);
    else if (e.key === 'Home') to = rows[0][0];
    else if (e.key === 'End') to = rows.at(-1)?.at(-1);
    else return;
    e.preventDefault();
    if (!to) return;
    from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  });
}

export function wireTooltip(plot: HTMLElement, tooltip: Tooltip, r: Recorded): void {
  const byId = new Map(r.tasks.map((t) => [String(t.id), t]));
  const show = (e: Event) => {
    const bar = (e.target as HTMLElement).closest<HTMLElement>('.tl-task');
    const t = bar && byId.get(bar.dataset.task ?? '');
    if (bar && t) tooltip.show(bar, taskLines(t));
  };
  const hide = (e: Event) => {
    const bar = (e.target as HTMLElement).closest<HTMLElement>('.tl-task');
    if (bar && bar !== document.activeElement) tooltip.hide(bar);
  };
  plot.addEventListener('mouseover', show);
  plot.addEventListener('focusin', show);
  plot.addEventListener('mouseout', hide);
  plot.addEventListener('focusout', (e) => {
    const bar = (e.target as HTMLElement).closest<HTMLElement>('.tl-task');
    if (bar) tooltip.hide(bar);
  });
}
