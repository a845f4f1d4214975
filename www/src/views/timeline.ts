// The timeline: one lane per thread, process or event loop; a bar per task, made of what the task spent
// its time on (running, waiting on I/O, ready but waiting for the event loop, waiting for the GIL,
// messages, start-up). Tasks that overlap in a lane (an event loop's coroutines) are stacked in sub-rows.
// Every bar is reachable by keyboard (one tab stop, arrow keys inside) and shows its numbers on hover and
// on focus.

import type { Task } from '../engine/protocol';
import type { Recorded } from '../lab-api';
import { extent, laneOrder, niceTicks, packRows, spansOf } from './timeline-layout';
import { Tooltip } from './tooltip';
import { describeWork, fmtMs } from './work';

/** Sub-rows drawn per lane at most: past that the picture says nothing more, only "+N more". */
const MAX_ROWS = 16;
/** Lanes with more sub-rows than this are drawn in thin rows, so a 16-row event loop stays compact. */
const COMPACT_AFTER = 3;

export const SPAN_KINDS: { kind: string; label: string }[] = [
  { kind: 'run', label: 'running Python' },
  { kind: 'io-wait', label: 'waiting on I/O' },
  { kind: 'loop-wait', label: 'ready, waiting for the event loop' },
  { kind: 'gil-wait', label: 'waiting for the GIL' },
  { kind: 'message', label: 'message (pickled task or result)' },
  { kind: 'start', label: 'process start-up' },
];
const STATUSES: { status: Task['status']; label: string }[] = [
  { status: 'error', label: 'raised (solid outline)' },
  { status: 'timeout', label: 'timed out (dashed outline)' },
  { status: 'cancelled', label: 'cancelled (dotted, faded)' },
];
const kindLabel = (kind: string) => SPAN_KINDS.find((k) => k.kind === kind)?.label ?? kind;

const pct = (x: number, total: number) => `${(100 * x) / total}%`;
const div = (cls: string, text?: string) => Object.assign(document.createElement('div'), { className: cls, textContent: text ?? '' });

/** Draws a run; `live` marks a run still going (its finished tasks so far, the time so far). */
export function renderTimeline(el: HTMLElement, r: Recorded, options: { live?: boolean } = {}): void {
  const lanes = laneOrder(r.tasks);
  const total = Math.max(r.endMs, r.wallMs, ...r.tasks.map((t) => extent(t).endMs), 0.001);
  const raisedEarly = r.endMs > r.wallMs + 0.5;
  const raisedLabel = r.spec.mode === 'asyncio' ? 'gather raised' : 'map raised';

  const caption = document.createElement('p');
  caption.className = 'timeline-caption';
  const outcome = r.cancelled ? ' (stopped)' : r.error ? `; raised ${r.error.name}${r.error.atMs !== undefined ? ` at ${fmtMs(r.error.atMs)}` : ''}` : '';
  caption.textContent = options.live
    ? `${r.spec.workload}, ${r.spec.mode}: running… ${r.tasks.length} task${r.tasks.length === 1 ? '' : 's'} finished in ${fmtMs(r.wallMs)} so far`
    : `${describeWork(r.spec)}, ${r.spec.mode}${r.spec.workers !== undefined ? ` (${r.spec.workers} workers)` : ''}: ${fmtMs(r.wallMs)} on ${lanes.length} lane${lanes.length === 1 ? '' : 's'}${outcome}`;

  const plot = div('tl-plot');
  plot.setAttribute('role', 'group');
  plot.setAttribute('aria-label', 'Tasks by lane. Tab to the first task, then arrow keys move between tasks and rows.');
  const tooltip = new Tooltip(el);
  const visualRows: HTMLElement[][] = [];

  if (raisedEarly) {
    const marks = laneRow('');
    marks.row.classList.add('tl-marks');
    const label = div('tl-mark-label', `${raisedLabel} (${fmtMs(r.wallMs)})`);
    label.style.left = pct(r.wallMs, total);
    // The label hangs off its line towards the wider side, so it is never cut at an edge.
    label.classList.add(r.wallMs / total < 0.5 ? 'start' : 'end');
    marks.track.append(label);
    plot.append(marks.row);
  }

  for (const lane of lanes) {
    const packed = packRows(r.tasks.filter((t) => t.lane === lane));
    const { row, track: rowsEl } = laneRow(lane);
    rowsEl.classList.toggle('compact', packed.length > COMPACT_AFTER);
    for (const tasks of packed.slice(0, MAX_ROWS)) {
      const track = div('tl-track');
      rowsEl.append(track);
      visualRows.push(tasks.map((t) => taskBar(t, total, track)));
    }
    const hidden = packed.slice(MAX_ROWS).reduce((n, ts) => n + ts.length, 0);
    if (hidden) {
      rowsEl.append(div('tl-more', `+${hidden} more task${hidden === 1 ? '' : 's'} overlapping in this lane (not drawn; all are in the exported JSON)`));
    }
    if (raisedEarly) {
      const mark = div('tl-mark');
      mark.style.left = pct(r.wallMs, total);
      rowsEl.append(mark);
    }
    plot.append(row);
  }

  const { row: axisRow, track: axis } = laneRow('');
  axisRow.classList.add('tl-axis-row');
  axis.classList.add('tl-axis');
  axis.setAttribute('aria-hidden', 'true');
  // About one tick per 90 px, so labels never collide on a phone.
  for (const v of niceTicks(total, Math.max(2, Math.min(6, Math.floor((el.clientWidth || 600) / 90))))) {
    const tick = div('tick', fmtMs(v));
    place(tick, v / total);
    axis.append(tick);
  }
  plot.append(axisRow);

  // One tab stop for the whole chart (a thousand tasks must not be a thousand Tab presses).
  const all = visualRows.flat();
  if (all[0]) all[0].tabIndex = 0;
  wireKeys(plot, visualRows);
  wireTooltip(plot, tooltip, r);

  el.replaceChildren(caption, plot, legend(), tooltip.el);
  el.dataset.mode = String(r.spec.mode);
  el.dataset.live = String(!!options.live);
  // The deepest lane's sub-rows drawn: for tests and for styling.
  el.dataset.subRows = String(Math.max(0, ...[...plot.querySelectorAll('.tl-rows')].map((x) => x.querySelectorAll('.tl-track').length)));

  function laneRow(name: string): { row: HTMLElement; track: HTMLElement } {
    const row = div('tl-lane');
    if (name) row.dataset.lane = name;
    const label = div('lane-name', name);
    label.title = name;
    const track = div('tl-rows');
    row.append(label, track);
    return { row, track };
  }

  function taskBar(t: Task, total: number, track: HTMLElement): HTMLElement {
    const { startMs, endMs } = extent(t);
    const bar = document.createElement('span');
    bar.className = `tl-task status-${t.status}`;
    bar.dataset.task = String(t.id);
    bar.tabIndex = -1;
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', taskLines(t).join('; '));
    bar.style.left = pct(startMs, total);
    bar.style.width = pct(Math.max(0, endMs - startMs), total);
    const width = Math.max(endMs - startMs, 1e-9);
    for (const s of spansOf(t)) {
      const span = document.createElement('span');
      span.className = `span span-${s.kind}`;
      span.style.left = pct(s.startMs - startMs, width);
      span.style.width = pct(Math.max(0, s.endMs - s.startMs), width);
      bar.append(span);
    }
    track.append(bar);
    return bar;
  }
}

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

function place(el: HTMLElement, frac: number): void {
  el.style.left = `${100 * frac}%`;
  // Labels near the right edge hang to the left of their point, so they stay inside the chart.
  if (frac > 0.85) el.classList.add('end');
  else if (frac < 0.05) el.classList.add('start');
}

function legend(): HTMLElement {
  const el = div('tl-legend');
  el.setAttribute('aria-label', 'Legend');
  for (const { kind, label } of SPAN_KINDS) {
    const item = div('legend-item');
    item.append(Object.assign(document.createElement('span'), { className: `swatch span-${kind}` }), label);
    el.append(item);
  }
  for (const { status, label } of STATUSES) {
    const item = div('legend-item');
    item.append(Object.assign(document.createElement('span'), { className: `swatch tl-task status-${status}` }), label);
    el.append(item);
  }
  return el;
}

/** Arrow keys move the focus: left/right along a row (in time), up/down to the nearest task of the next row. */
function wireKeys(plot: HTMLElement, rows: HTMLElement[][]): void {
  const where = new Map<HTMLElement, [number, number]>();
  rows.forEach((row, i) => row.forEach((bar, j) => where.set(bar, [i, j])));
  plot.addEventListener('keydown', (e) => {
    const from = e.target as HTMLElement;
    const at = where.get(from);
    if (!at) return;
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

function wireTooltip(plot: HTMLElement, tooltip: Tooltip, r: Recorded): void {
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
