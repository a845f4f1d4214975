// Drawing the window of time shown into the lanes: each bar placed and cut to the window, its spans
// gathered into segments no narrower than a pixel (../../replay/window.ts) and painted on its track's
// canvas (./paint.ts), the raise's marks, the axis's ticks and the time cursor. What is drawn is bounded
// by the pixels on screen, not by the spans of the run.

import { drawSegments, tickLabel, windowTicks, type TimeWindow } from '../../replay/window';
import { div } from '../dom';
import { fmtMs } from '../work';
import type { Lanes } from './lanes';
import { coloursAt, paintTrack, type PaintBar } from './paint';

export const pct = (x: number, total: number) => `${(100 * x) / total}%`;

/**
 * Places the bars, their spans, the marks of a raise at `wallMs` and the axis for `win`, `px` pixels
 * wide; `fineTicks`: tick labels with as many decimals as a zoomed window needs. Returns the segments
 * painted.
 */
export function drawLanes(l: Lanes, win: TimeWindow, px: number, wallMs: number, fineTicks: boolean): number {
  const width = win.endMs - win.startMs;
  const pxPerMs = px / width;
  // What is read from the layout comes before anything is written (no layout forced in between): the
  // colours, and each track's height and its bars' (once per width drawn).
  const colours = coloursAt(l.plot);
  for (const t of l.tracks) {
    if (t.geometry?.px === px && t.geometry.height > 0) continue;
    const first = t.bars[0]?.bar;
    t.geometry = { px, height: t.el.clientHeight, top: first?.offsetTop ?? 0, barHeight: first?.offsetHeight ?? t.el.clientHeight };
  }
  // A bar is drawn from where the window starts to where it ends (a few pixels beyond, for its edges):
  // a 10 s bar zoomed to 50 µs must not become a billion pixels wide.
  const margin = 4 / pxPerMs;
  const msToPx = (ms: number) => (ms - win.startMs) * pxPerMs;
  let segments = 0;
  for (const t of l.tracks) {
    const painting: PaintBar[] = [];
    for (const b of t.bars) {
      const from = Math.max(b.startMs, win.startMs - margin);
      const to = Math.min(b.endMs, win.endMs + margin);
      const style = b.bar.style;
      b.bar.classList.toggle('cut-start', b.startMs < from);
      b.bar.classList.toggle('cut-end', b.endMs > to);
      if (to < from || (to === from && b.endMs > b.startMs)) {
        // Outside the window: kept (it stays reachable by keyboard), placed just off the plot.
        b.bar.classList.add('off');
        style.left = b.endMs < win.startMs ? '-20px' : 'calc(100% + 20px)';
        style.width = '2px';
        continue;
      }
      b.bar.classList.remove('off');
      style.left = pct(from - win.startMs, width);
      style.width = pct(Math.max(0, to - from), width);
      painting.push({ x0: msToPx(from), x1: msToPx(to), segments: drawSegments(b.index, { startMs: from, endMs: to }, pxPerMs), faded: b.task.status === 'cancelled' });
    }
    const g = t.geometry!;
    const painted = paintTrack(t.canvas, px, g.height, g.top, g.barHeight, painting, msToPx, colours);
    // What was painted, for a test or a tool to read (the picture itself is pixels).
    t.canvas.dataset.kinds = [...painted.count].map(([k, n]) => `${k}:${n}`).join(' ');
    t.canvas.dataset.narrowest = [...painted.narrowest].map(([k, w]) => `${k}:${w.toFixed(2)}`).join(' ');
    for (const n of painted.count.values()) segments += n;
  }
  const inWindow = (t: number) => t >= win.startMs && t <= win.endMs;
  for (const m of l.marks) {
    m.hidden = !inWindow(wallMs);
    m.style.left = pct(wallMs - win.startMs, width);
  }
  if (l.markLabel) {
    l.markLabel.hidden = !inWindow(wallMs);
    l.markLabel.style.left = pct(wallMs - win.startMs, width);
    const frac = (wallMs - win.startMs) / width;
    l.markLabel.classList.toggle('start', frac < 0.5);
    l.markLabel.classList.toggle('end', frac >= 0.5);
  }
  // About one tick per 90 px, so labels never collide on a phone.
  const { ticks, step } = windowTicks(win, Math.max(2, Math.min(8, Math.floor(px / 90))));
  // A label that would touch the one before it is left out: a label near an edge hangs to its inner side
  // (`place`), so the last one ("220 ms", hung left) could cover "200 ms" beside it.
  let lastRight = -Infinity;
  const shown: HTMLElement[] = [];
  for (const v of ticks) {
    const text = fineTicks ? tickLabel(v, step) : fmtMs(v);
    const frac = (v - win.startMs) / width;
    const [left, right] = labelExtent(frac, px, text.length * LABEL_CHAR_PX);
    if (left < lastRight + 6) continue;
    lastRight = right;
    const tick = div('tick', text);
    place(tick, frac, px);
    shown.push(tick);
  }
  l.axis.replaceChildren(...shown);
  return segments;
}

/** A tick label's width per character, a little over the axis font's (0.8em). */
const LABEL_CHAR_PX = 7.5;

/** The pixels a label `w` wide covers at `frac` of a `px`-wide axis, hung as `place` hangs it. */
function labelExtent(frac: number, px: number, w: number): [number, number] {
  const x = frac * px;
  const edge = Math.min(0.15, 32 / Math.max(px, 1));
  return frac > 1 - edge ? [x - w, x] : frac < edge ? [x, x + w] : [x - w / 2, x + w / 2];
}

/** Draws the time cursor at `cursor` in every lane (null: hides it); the cursors are made on first use. */
export function placeCursor(l: Lanes, cursor: number | null, win: TimeWindow): void {
  if (cursor === null) {
    for (const c of l.cursors) c.hidden = true;
    return;
  }
  if (l.cursors.length === 0) {
    for (const rowsEl of l.cursorTracks) {
      const c = div('tl-cursor');
      c.setAttribute('aria-hidden', 'true');
      rowsEl.append(c);
      l.cursors.push(c);
    }
  }
  const width = win.endMs - win.startMs;
  const visible = cursor >= win.startMs && cursor <= win.endMs;
  for (const c of l.cursors) {
    c.hidden = !visible;
    c.style.left = pct(cursor - win.startMs, width);
  }
}

function place(el: HTMLElement, frac: number, px: number): void {
  el.style.left = `${100 * frac}%`;
  // Labels near an edge hang to the inner side of their point, so they stay inside the chart; only
  // those that would leave it centred (half a "1,000 ms" is about 32 px), or one hung earlier would
  // cover its neighbour.
  const edge = Math.min(0.15, 32 / Math.max(px, 1));
  if (frac > 1 - edge) el.classList.add('end');
  else if (frac < edge) el.classList.add('start');
}
