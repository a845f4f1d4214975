// The timeline: one lane per thread, process or event loop; a bar per task, made of what the task spent
// its time on (running, waiting on I/O, ready but waiting for the event loop, waiting for the GIL,
// messages, start-up). Tasks that overlap in a lane (an event loop's coroutines) are stacked in sub-rows.
// Every bar is reachable by keyboard (one tab stop, arrow keys inside) and shows its numbers on hover and
// on focus.
//
// At any scale: the window of time shown zooms and pans (Ctrl + wheel or a pinch, Shift + wheel, a drag,
// the keys + - 0 and Shift + arrows, the buttons, a brush on the overview below the axis). What is drawn
// is bounded by the pixels on screen: spans narrower than a pixel are gathered into one-pixel cells
// (www/src/replay/window.ts) and painted on a canvas per row (./paint.ts), so a 10 s run with thousands of
// GIL hand-overs draws as fast zoomed in as out.
// A replay puts a time cursor on it (`setCursor`) and hears clicks on it as seeks (`onSeek`).
//
// This file puts a drawing together and holds its window; the parts, one idea each, are beside it:
// view.ts (what a drawing can be asked to do), layout.ts (pure geometry), tooltip.ts, lanes.ts (the lanes and bars, built once), draw.ts (a window of time drawn into them), paint.ts (the spans on a canvas), zoom.ts (zoom and
// pan), overview.ts (the overview and its brush), toolbar.ts, bar-access.ts (a bar's numbers, keyboard
// focus) and legend.ts (the kinds of span and their words).

import type { Recorded } from '../../lab/lab-api';
import { clampWindow, panWindow, zoomWindow, type TimeWindow } from '../../replay/window';
import { wireKeys, wireTooltip } from './bar-access';
import { drawLanes, placeCursor } from './draw';
import { buildLanes, trackWidth } from './lanes';
import { legend } from './legend';
import { buildOverview, showBrush, wireBrush, type Overview } from './overview';
import { buildToolbar, showWindow, type Toolbar } from './toolbar';
import { wireZoom } from './zoom';
import { extent, laneOrder } from './layout';
import { Tooltip } from './tooltip';
import type { TimelineOptions, TimelineView } from './view';
import { describeWork, fmtMs } from '../work';

export { SPAN_KINDS } from './legend';
export { taskLines } from './bar-access';
export type { TimelineOptions, TimelineView } from './view';

/** Listeners a drawing put on its container (which outlives it): dropped when the next drawing comes. */
const containerListeners = new WeakMap<HTMLElement, AbortController>();

let replayOpener: ((r: Recorded) => void) | undefined;
/** The page registers how to open the replay of a run: every finished run's timeline then offers it. */
export function setReplayOpener(open: ((r: Recorded) => void) | undefined): void {
  replayOpener = open;
}

/** Draws a run; `live` marks a run still going (its finished tasks so far, the time so far). */
/** Where the page cannot start threads that share memory, threads-gil's threads run on one: say so. */
function turnsNote(): HTMLElement {
  const note = document.createElement('p');
  note.className = 'timeline-note turns-note';
  note.textContent =
    'Here the threads take turns on one real thread: this page cannot run threads side by side. Under the GIL only one of them runs Python at a time anyway, so the turns you see follow the same rules.';
  return note;
}

/**
 * More threads (or processes) computing at once than the machine has cores: the chart draws each running
 * whenever it is not waiting, but the operating system shares the cores among them; say so above it.
 */
function coresNote(r: Recorded, lanes: string[]): HTMLElement | undefined {
  const mode = String(r.spec.mode);
  const parallel = ['free-threaded', 'interpreters', 'processes', 'rayon'].includes(mode) || (mode === 'threads-gil' && r.spec.releasesGil === true);
  const n = r.machine?.cores ?? 0;
  if (!parallel || !n || lanes.length <= n) return undefined;
  const note = document.createElement('p');
  note.className = 'timeline-note cores-note';
  note.textContent = `${lanes.length} ${mode === 'processes' ? 'processes' : 'threads'} on ${n} core${n === 1 ? '' : 's'}: the operating system shares the cores among them, so at most ${n} run at any instant; one drawn as running may be waiting for its turn on a core.`;
  return note;
}

export function renderTimeline(el: HTMLElement, r: Recorded, options: TimelineOptions = {}): TimelineView {
  const lanes = laneOrder(r.tasks);
  const total = Math.max(r.endMs, r.wallMs, ...r.tasks.map((t) => extent(t).endMs), 0.001);
  const zoomable = !options.live;
  containerListeners.get(el)?.abort();
  const listening = new AbortController();
  containerListeners.set(el, listening);
  let win: TimeWindow = { startMs: 0, endMs: total };
  let cursor: number | null = null;
  let drawMs = 0;

  const caption = document.createElement('p');
  caption.className = 'timeline-caption';
  const outcome = r.cancelled ? ' (stopped)' : r.error ? `; raised ${r.error.name}${r.error.atMs !== undefined ? ` at ${fmtMs(r.error.atMs)}` : ''}` : '';
  caption.textContent = options.live
    ? `${r.spec.workload}, ${r.spec.mode}: running… ${r.tasks.length} task${r.tasks.length === 1 ? '' : 's'} finished in ${fmtMs(r.wallMs)} so far`
    : `${describeWork(r.spec)}, ${r.spec.mode}${r.spec.workers !== undefined ? ` (${r.spec.workers} workers)` : ''}: ${fmtMs(r.wallMs)} on ${lanes.length} lane${lanes.length === 1 ? '' : 's'}${outcome}`;

  const tooltip = new Tooltip(el);
  const drawn = buildLanes(r, lanes, zoomable);
  const { plot, visualRows } = drawn;

  // One tab stop for the whole chart (a thousand tasks must not be a thousand Tab presses).
  const all = visualRows.flat();
  if (all[0]) all[0].tabIndex = 0;
  wireKeys(plot, visualRows);
  wireTooltip(plot, tooltip, r);

  const parts: HTMLElement[] = [caption];
  if (r.build === 'single' && r.spec.mode === 'threads-gil') parts.push(turnsNote());
  const shared = options.live ? undefined : coresNote(r, lanes);
  if (shared) parts.push(shared);
  let tools: Toolbar | undefined;
  let overview: Overview | undefined;
  if (zoomable) {
    const open = options.noReplayButton ? undefined : replayOpener;
    tools = buildToolbar((factor) => view.zoom(factor, cursorOrMiddle()), () => view.reset(), open && (() => open(r)));
    parts.push(tools.el);
  }
  parts.push(plot);
  if (zoomable) {
    overview = buildOverview(el, r, lanes, total);
    parts.push(overview.el);
  }
  parts.push(legend(r.tasks), tooltip.el);
  el.replaceChildren(...parts);
  el.dataset.mode = String(r.spec.mode);
  el.dataset.live = String(!!options.live);
  // The deepest lane's sub-rows drawn: for tests and for styling.
  el.dataset.subRows = String(Math.max(0, ...[...plot.querySelectorAll('.tl-rows')].map((x) => x.querySelectorAll('.tl-track').length)));

  const cursorOrMiddle = () => (cursor !== null && cursor >= win.startMs && cursor <= win.endMs ? cursor : (win.startMs + win.endMs) / 2);

  const view: TimelineView = {
    total,
    window: () => ({ ...win }),
    setWindow(w) {
      win = clampWindow(w, total);
      draw();
      options.onWindow?.({ ...win });
    },
    zoom(factor, aroundMs = (win.startMs + win.endMs) / 2) {
      view.setWindow(zoomWindow(win, factor, aroundMs, total));
    },
    pan(deltaMs) {
      view.setWindow(panWindow(win, deltaMs, total));
    },
    reset() {
      view.setWindow({ startMs: 0, endMs: total });
    },
    setCursor(tMs, follow = false) {
      cursor = tMs;
      const width = win.endMs - win.startMs;
      // A page turn, not a scroll: the cursor leaves the window, the next page shows it near its left.
      if (follow && tMs !== null && width < total && (tMs < win.startMs || tMs > win.endMs)) view.setWindow({ startMs: tMs - width * 0.1, endMs: tMs + width * 0.9 });
      else placeCursor(drawn, cursor, win);
    },
    lastDrawMs: () => drawMs,
  };

  draw();
  // A narrower or wider chart (a phone turned, a window resized) is drawn again: the axis's labels are
  // chosen for the width, so that they never cover each other.
  if (typeof ResizeObserver !== 'undefined') {
    let lastWidth = el.clientWidth;
    const resized = new ResizeObserver(() => {
      if (!el.isConnected || el.clientWidth === lastWidth) return;
      lastWidth = el.clientWidth;
      draw();
    });
    resized.observe(el);
    listening.signal.addEventListener('abort', () => resized.disconnect());
  }
  // The spans are painted in the theme's colours: a switch of light and dark paints them again.
  if (typeof matchMedia !== 'undefined') matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => el.isConnected && draw(), { signal: listening.signal });
  if (zoomable) {
    wireZoom({ host: el, signal: listening.signal, lanes: drawn, overview, view, aroundMs: cursorOrMiddle, onSeek: (t) => options.onSeek?.(t) });
    if (overview) wireBrush(overview, view);
  }
  return view;

  /** Places everything for the current window: bars, their spans (bounded by pixels), marks, axis, cursor. */
  function draw(): void {
    const t0 = performance.now();
    const segments = drawLanes(drawn, win, trackWidth(drawn, el), r.wallMs, zoomable && win.endMs - win.startMs < total);
    placeCursor(drawn, cursor, win);
    if (tools) showWindow(tools, el, win, total);
    if (overview) showBrush(overview, win, total);
    drawMs = performance.now() - t0;
    el.dataset.drawMs = drawMs.toFixed(2);
    el.dataset.window = `${win.startMs},${win.endMs}`;
    // The segments painted in all its rows (each row's canvas says which: ./draw.ts).
    el.dataset.segments = String(segments);
  }
}
