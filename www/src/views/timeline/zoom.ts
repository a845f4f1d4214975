// Zoom and pan of a finished run's timeline: the keys (+ − 0 and Shift + arrows anywhere in it; the
// brush's own arrows, Home, End, Page Up and Down), Ctrl + wheel or a pinch to zoom where the pointer is,
// Shift + wheel or a sideways swipe to pan, a drag on the plot to pan, a click (no drag) to seek a replay
// there, and a bar reached by keyboard outside the window brings the window to it.

import { panWindow, zoomWindow, type TimeWindow } from '../../replay/window';
import type { TimelineView } from './view';
import { timeAt, trackWidth, type Lanes } from './lanes';
import type { Overview } from './overview';

export interface ZoomWiring {
  /** The timeline's container: it outlives a drawing, so its listener goes with `signal`. */
  host: HTMLElement;
  signal: AbortSignal;
  lanes: Lanes;
  overview?: Overview;
  view: TimelineView;
  /** Where the keys zoom around: the cursor when it is in the window, else the window's middle. */
  aroundMs(): number;
  onSeek?(tMs: number): void;
}

export function wireZoom({ host, signal, lanes, overview, view, aroundMs, onSeek }: ZoomWiring): void {
  const { plot } = lanes;
  const total = view.total;
  const win = () => view.window();
  const at = (clientX: number) => timeAt(lanes, win(), clientX);
  // Keys anywhere in the timeline (the plot's bars, the brush, the buttons).
  host.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    const onBrush = target === overview?.brush;
    const { startMs, endMs } = win();
    const width = endMs - startMs;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '+' || e.key === '=') view.zoom(2, aroundMs());
    else if (e.key === '-' || e.key === '_' || e.key === '−') view.zoom(0.5, aroundMs());
    else if (e.key === '0') view.reset();
    else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && (e.shiftKey || onBrush)) view.pan((e.key === 'ArrowLeft' ? -1 : 1) * width * (e.shiftKey && onBrush ? 0.5 : 0.1));
    else if (onBrush && (e.key === 'Home' || e.key === 'End')) view.pan(e.key === 'Home' ? -total : total);
    else if (onBrush && (e.key === 'PageUp' || e.key === 'PageDown')) view.pan((e.key === 'PageUp' ? -1 : 1) * width);
    else return;
    e.preventDefault();
  }, { signal });
  // Ctrl + wheel (and a touchpad's pinch, which the browser sends as one) zooms where the pointer is;
  // Shift + wheel, or a sideways swipe, pans. A plain wheel scrolls the page as ever.
  const wheel = (e: WheelEvent) => {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      view.zoom(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.002)), at(e.clientX));
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault();
      const d = e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX;
      const { startMs, endMs } = win();
      view.pan((d * (e.deltaMode === 1 ? 20 : 1) * (endMs - startMs)) / Math.max(1, trackWidth(lanes, host)));
    }
  };
  plot.addEventListener('wheel', wheel, { passive: false });
  overview?.el.addEventListener('wheel', wheel, { passive: false });

  // Pointers on the plot: a drag pans, two fingers pinch, a click (no drag) seeks a replay there.
  const pointers = new Map<number, number>();
  let drag: { x: number; w: TimeWindow; moved: boolean } | undefined;
  let pinch: { d: number; w: TimeWindow; at: number } | undefined;
  plot.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    pointers.set(e.pointerId, e.clientX);
    plot.setPointerCapture(e.pointerId);
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { d: Math.max(1, Math.abs(a - b)), w: win(), at: at((a + b) / 2) };
      drag = undefined;
    } else {
      drag = { x: e.clientX, w: win(), moved: false };
    }
  });
  plot.addEventListener('pointermove', (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.set(e.pointerId, e.clientX);
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      view.setWindow(zoomWindow(pinch.w, Math.max(1, Math.abs(a - b)) / pinch.d, pinch.at, total));
    } else if (drag) {
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 4) drag.moved = true;
      if (drag.moved) view.setWindow(panWindow(drag.w, (-dx * (drag.w.endMs - drag.w.startMs)) / Math.max(1, trackWidth(lanes, host)), total));
    }
  });
  const up = (e: PointerEvent) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.delete(e.pointerId);
    if (drag && !drag.moved && !pinch && e.type === 'pointerup') onSeek?.(at(e.clientX));
    if (pointers.size === 0) {
      drag = undefined;
      pinch = undefined;
    }
  };
  plot.addEventListener('pointerup', up);
  plot.addEventListener('pointercancel', up);

  // A bar reached by keyboard outside the window: the window comes to it.
  plot.addEventListener('focusin', (e) => {
    const bar = (e.target as HTMLElement).closest<HTMLElement>('.tl-task');
    const b = bar && lanes.bars.find((x) => x.bar === bar);
    const { startMs, endMs } = win();
    if (!b || (b.endMs >= startMs && b.startMs <= endMs)) return;
    const width = endMs - startMs;
    view.setWindow({ startMs: b.startMs - width * 0.1, endMs: b.startMs + width * 0.9 });
  });
}
