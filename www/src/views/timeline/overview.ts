// The overview under the axis: the whole run in miniature (a map for the brush, not a second timeline)
// and the brush, which shows the window of time drawn above. Drag the brush to pan, drag across the
// overview to zoom to that stretch; for the keyboard the brush is a slider (its keys are in ./zoom.ts).

import type { Recorded } from '../../lab/lab-api';
import { laneCoverage, panWindow, type TimeWindow } from '../../replay/window';
import { div } from '../dom';
import type { TimelineView } from './view';
import { spansOf } from './layout';
import { fmtMs } from '../work';
import { pct } from './draw';
import { coloursAt, paintTrack } from './paint';

/** Lanes drawn in the overview at most (it is a map for the brush, not a second timeline). */
const OVERVIEW_LANES = 12;

export interface Overview {
  el: HTMLElement;
  brush: HTMLElement;
}

/** The overview of `r` (its first lanes, each span gathered to the pixels of `host`'s width). */
export function buildOverview(host: HTMLElement, r: Recorded, lanes: string[], total: number): Overview {
  const box = div('tl-overview');
  const lanesEl = div('tl-ov-lanes');
  lanesEl.setAttribute('aria-hidden', 'true');
  // Its lanes are filled a task later: a finished run's drawing is the page's longest task, and the map
  // under the axis can follow the chart by a frame (traced on a fresh page, a 24-task run's drawing took
  // 20-28 ms with the overview, 7 ms of it the overview's).
  const rows = lanes.slice(0, OVERVIEW_LANES).map(() => document.createElement('canvas'));
  for (const row of rows) row.className = 'tl-ov-lane';
  lanesEl.append(...rows);
  setTimeout(() => {
    if (!box.isConnected) return;
    const px = Math.max(200, lanesEl.clientWidth || (host.clientWidth || 800) - 20);
    const height = rows[0]?.clientHeight || 4;
    const colours = coloursAt(box);
    const msToPx = (ms: number) => (ms * px) / total;
    rows.forEach((row, i) => {
      const spans = r.tasks.filter((t) => t.lane === lanes[i]).flatMap((t) => spansOf(t));
      const segments = laneCoverage(spans, { startMs: 0, endMs: total }, px);
      paintTrack(row, px, height, 0, height, [{ x0: 0, x1: px, segments, faded: false }], msToPx, colours, true);
    });
  });
  const brush = div('tl-brush');
  brush.tabIndex = 0;
  brush.setAttribute('role', 'slider');
  brush.setAttribute('aria-label', 'Window of time shown: arrow keys pan, + and − zoom, Home and End go to the start and the end; or drag');
  brush.setAttribute('aria-valuemin', '0');
  brush.setAttribute('aria-valuemax', String(Math.round(total)));
  box.append(lanesEl, brush);
  box.title = 'Overview of the whole run: drag across it to zoom to that stretch, drag the window to pan';
  return { el: box, brush };
}

/** Puts the brush over `win`. */
export function showBrush(o: Overview, win: TimeWindow, total: number): void {
  o.brush.style.left = pct(win.startMs, total);
  o.brush.style.width = pct(win.endMs - win.startMs, total);
  o.brush.setAttribute('aria-valuenow', String(Math.round(win.startMs)));
  o.brush.setAttribute('aria-valuetext', `showing ${fmtMs(win.startMs)} to ${fmtMs(win.endMs)} of ${fmtMs(total)}`);
}

/** The overview's pointers: drag the window to pan it, or drag across the overview to zoom to that stretch. */
export function wireBrush(o: Overview, view: Pick<TimelineView, 'total' | 'window' | 'setWindow'>): void {
  const ov = o.el;
  const total = view.total;
  const atOverview = (x: number) => {
    const rect = ov.getBoundingClientRect();
    return Math.max(0, Math.min(1, (x - rect.left) / Math.max(1, rect.width))) * total;
  };
  let brushing: { from: number; move: boolean; w: TimeWindow } | undefined;
  ov.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    ov.setPointerCapture(e.pointerId);
    const t = atOverview(e.clientX);
    const win = view.window();
    brushing = { from: t, move: t >= win.startMs && t <= win.endMs && win.endMs - win.startMs < total, w: win };
    e.preventDefault();
  });
  ov.addEventListener('pointermove', (e) => {
    if (!brushing) return;
    const t = atOverview(e.clientX);
    if (brushing.move) view.setWindow(panWindow(brushing.w, t - brushing.from, total));
    else if (Math.abs(t - brushing.from) > total / 400) view.setWindow({ startMs: Math.min(t, brushing.from), endMs: Math.max(t, brushing.from) });
  });
  const end = () => (brushing = undefined);
  ov.addEventListener('pointerup', end);
  ov.addEventListener('pointercancel', end);
}
