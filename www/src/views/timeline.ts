// The timeline: one lane per thread, process or event loop; a bar per task, made of what the task spent
// its time on (running, waiting on I/O, ready but waiting for the event loop, waiting for the GIL,
// messages, start-up). Tasks that overlap in a lane (an event loop's coroutines) are stacked in sub-rows.
// Every bar is reachable by keyboard (one tab stop, arrow keys inside) and shows its numbers on hover and
// on focus.
//
// At any scale: the window of time shown zooms and pans (Ctrl + wheel or a pinch, Shift + wheel, a drag,
// the keys + - 0 and Shift + arrows, the buttons, a brush on the overview below the axis). What is drawn
// is bounded by the pixels on screen: spans narrower than a pixel are gathered into one-pixel cells
// (www/src/replay/window.ts), so a 10 s run with thousands of GIL hand-overs draws as fast zoomed in as out.
// A replay puts a time cursor on it (`setCursor`) and hears clicks on it as seeks (`onSeek`).

import type { Task } from '../engine/protocol';
import type { Recorded } from '../lab-api';
import { clampWindow, drawSegments, indexSpans, laneCoverage, panWindow, tickLabel, windowTicks, zoomWindow, type SpanIndex, type TimeWindow } from '../replay/window';
import { extent, laneOrder, packRows, spansOf } from './timeline-layout';
import { Tooltip } from './tooltip';
import { describeWork, fmtMs } from './work';

/** Sub-rows drawn per lane at most: past that the picture says nothing more, only "+N more". */
const MAX_ROWS = 16;
/** Lanes with more sub-rows than this are drawn in thin rows, so a 16-row event loop stays compact. */
const COMPACT_AFTER = 3;
/** Lanes drawn in the overview at most (it is a map for the brush, not a second timeline). */
const OVERVIEW_LANES = 12;

export const SPAN_KINDS: { kind: string; label: string }[] = [
  { kind: 'run', label: 'running Python' },
  { kind: 'run-nogil', label: 'running C code that released the GIL' },
  { kind: 'io-wait', label: 'waiting on I/O' },
  { kind: 'loop-wait', label: 'ready, waiting for the event loop' },
  { kind: 'gil-wait', label: 'waiting for the GIL' },
  { kind: 'message', label: 'message (pickled task or result)' },
  { kind: 'start', label: 'start-up (a process or an interpreter)' },
];
const KNOWN_KINDS = new Set(SPAN_KINDS.map((k) => k.kind));
const STATUSES: { status: Task['status']; label: string }[] = [
  { status: 'error', label: 'raised (solid outline)' },
  { status: 'timeout', label: 'timed out (dashed outline)' },
  { status: 'cancelled', label: 'cancelled (dotted, faded)' },
];
const kindLabel = (kind: string) => SPAN_KINDS.find((k) => k.kind === kind)?.label ?? kind;

const pct = (x: number, total: number) => `${(100 * x) / total}%`;
const div = (cls: string, text?: string) => Object.assign(document.createElement('div'), { className: cls, textContent: text ?? '' });

/** What a drawn timeline can be asked to do (a replay moves its cursor; tests and keys zoom it). */
export interface TimelineView {
  /** The run's length on the timeline (ms). */
  readonly total: number;
  window(): TimeWindow;
  setWindow(w: TimeWindow): void;
  /** Zooms by `factor` (2: twice as close) around `aroundMs` (default: the window's middle). */
  zoom(factor: number, aroundMs?: number): void;
  pan(deltaMs: number): void;
  reset(): void;
  /** Draws the time cursor at `tMs` (null: none); `follow` turns the window's page to keep it in view. */
  setCursor(tMs: number | null, follow?: boolean): void;
  /** How long the last drawing took (ms, script only). */
  lastDrawMs(): number;
}

export interface TimelineOptions {
  /** A run still going: its finished tasks so far, the time so far (no zoom: it is redrawn as it grows). */
  live?: boolean;
  /** Called with the instant under a click (or tap) on the plot: a replay seeks there. */
  onSeek?(tMs: number): void;
  /** Called after every change of the window. */
  onWindow?(w: TimeWindow): void;
  /** No "Replay" button (the replay view's own timeline). */
  noReplayButton?: boolean;
}

/** Listeners a drawing put on its container (which outlives it): dropped when the next drawing comes. */
const containerListeners = new WeakMap<HTMLElement, AbortController>();

let replayOpener: ((r: Recorded) => void) | undefined;
/** The page registers how to open the replay of a run: every finished run's timeline then offers it. */
export function setReplayOpener(open: ((r: Recorded) => void) | undefined): void {
  replayOpener = open;
}

/** Draws a run; `live` marks a run still going (its finished tasks so far, the time so far). */
export function renderTimeline(el: HTMLElement, r: Recorded, options: TimelineOptions = {}): TimelineView {
  const lanes = laneOrder(r.tasks);
  const total = Math.max(r.endMs, r.wallMs, ...r.tasks.map((t) => extent(t).endMs), 0.001);
  const raisedEarly = r.endMs > r.wallMs + 0.5;
  const raisedLabel = r.spec.mode === 'asyncio' ? 'gather raised' : 'map raised';
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

  const plot = div('tl-plot');
  plot.setAttribute('role', 'group');
  plot.setAttribute('aria-label', `Tasks by lane. Tab to the first task, then arrow keys move between tasks and rows.${zoomable ? ' Plus and minus zoom, Shift with the arrow keys pans, 0 shows the whole run.' : ''}`);
  const tooltip = new Tooltip(el);
  const visualRows: HTMLElement[][] = [];
  /** Each bar with its task and its spans, indexed for drawing. */
  const bars: { bar: HTMLElement; task: Task; startMs: number; endMs: number; index: SpanIndex }[] = [];
  const marks: HTMLElement[] = [];
  const cursors: HTMLElement[] = [];
  const rowsEls: HTMLElement[] = [];

  let markLabel: HTMLElement | undefined;
  if (raisedEarly) {
    const row = laneRow('');
    row.row.classList.add('tl-marks');
    markLabel = div('tl-mark-label', `${raisedLabel} (${fmtMs(r.wallMs)})`);
    row.track.append(markLabel);
    plot.append(row.row);
  }

  for (const lane of lanes) {
    const packed = packRows(r.tasks.filter((t) => t.lane === lane));
    // Tasks that never started (map raised, Stop, a crash) ran on no thread or process: a row of their own.
    const { row, track: rowsEl } = laneRow(lane, lane === '' ? 'never started' : lane);
    rowsEl.classList.toggle('compact', packed.length > COMPACT_AFTER);
    for (const tasks of packed.slice(0, MAX_ROWS)) {
      const track = div('tl-track');
      rowsEl.append(track);
      visualRows.push(tasks.map((t) => taskBar(t, track)));
    }
    const hidden = packed.slice(MAX_ROWS).reduce((n, ts) => n + ts.length, 0);
    if (hidden) {
      rowsEl.append(div('tl-more', `+${hidden} more task${hidden === 1 ? '' : 's'} overlapping in this lane (not drawn; all are in the exported JSON)`));
    }
    if (raisedEarly) {
      const mark = div('tl-mark');
      rowsEl.append(mark);
      marks.push(mark);
    }
    plot.append(row);
  }

  const { row: axisRow, track: axis } = laneRow('');
  axisRow.classList.add('tl-axis-row');
  axis.classList.add('tl-axis');
  axis.setAttribute('aria-hidden', 'true');
  plot.append(axisRow);

  // One tab stop for the whole chart (a thousand tasks must not be a thousand Tab presses).
  const all = visualRows.flat();
  if (all[0]) all[0].tabIndex = 0;
  wireKeys(plot, visualRows);
  wireTooltip(plot, tooltip, r);

  const parts: HTMLElement[] = [caption];
  let tools: { status: HTMLElement; out: HTMLButtonElement; reset: HTMLButtonElement } | undefined;
  let overview: { el: HTMLElement; brush: HTMLElement } | undefined;
  if (zoomable) {
    const bar = div('tl-tools');
    const button = (text: string, label: string, act: () => void) => {
      const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text, title: label });
      b.setAttribute('aria-label', label);
      b.addEventListener('click', act);
      bar.append(b);
      return b;
    };
    button('+', 'Zoom in (key +)', () => view.zoom(2, cursorOrMiddle()));
    const out = button('−', 'Zoom out (key −)', () => view.zoom(0.5, cursorOrMiddle()));
    const reset = button('Whole run', 'Show the whole run (key 0)', () => view.reset());
    const status = div('tl-window');
    status.setAttribute('aria-live', 'polite');
    bar.append(status);
    if (replayOpener && !options.noReplayButton) {
      const open = replayOpener;
      const replay = Object.assign(document.createElement('button'), { type: 'button', className: 'tl-replay', textContent: 'Replay ▶' });
      replay.setAttribute('aria-label', 'Replay this run: step through it, forward and back');
      replay.addEventListener('click', () => open(r));
      bar.append(replay);
    }
    tools = { status, out, reset };
    parts.push(bar);
  }
  parts.push(plot);
  if (zoomable) {
    overview = buildOverview();
    parts.push(overview.el);
  }
  parts.push(legend(), tooltip.el);
  el.replaceChildren(...parts);
  el.dataset.mode = String(r.spec.mode);
  el.dataset.live = String(!!options.live);
  // The deepest lane's sub-rows drawn: for tests and for styling.
  el.dataset.subRows = String(Math.max(0, ...[...plot.querySelectorAll('.tl-rows')].map((x) => x.querySelectorAll('.tl-track').length)));

  const cursorOrMiddle = () => (cursor !== null && cursor >= win.startMs && cursor <= win.endMs ? cursor : (win.startMs + win.endMs) / 2);
  const trackWidth = () => rowsEls[0]?.clientWidth || Math.max(200, (el.clientWidth || 700) - 160);
  /** The instant under a pointer's x, in the plot's lanes. */
  const timeAt = (clientX: number): number => {
    const rect = (rowsEls[0] ?? plot).getBoundingClientRect();
    const frac = rect.width > 0 ? (clientX - rect.left) / rect.width : 0;
    return win.startMs + Math.max(0, Math.min(1, frac)) * (win.endMs - win.startMs);
  };

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
      else placeCursor();
    },
    lastDrawMs: () => drawMs,
  };

  draw();
  if (zoomable) wireZoom();
  return view;

  function laneRow(name: string, shown = name): { row: HTMLElement; track: HTMLElement } {
    const row = div('tl-lane');
    if (name) row.dataset.lane = name;
    const label = div('lane-name');
    label.title = shown;
    // A long pool thread's name keeps its number in sight when cut ("InterpreterPoo…-0_1"): the lanes
    // of one pool differ only there.
    const tail = /-[\w]{1,6}$/.exec(shown)?.[0];
    if (tail && shown.length > 14) label.append(div('lane-head', shown.slice(0, -tail.length)), div('lane-tail', tail));
    else label.textContent = shown;
    const track = div('tl-rows');
    rowsEls.push(track);
    row.append(label, track);
    return { row, track };
  }

  function taskBar(t: Task, track: HTMLElement): HTMLElement {
    const { startMs, endMs } = extent(t);
    const bar = document.createElement('span');
    bar.className = `tl-task status-${t.status}`;
    bar.dataset.task = String(t.id);
    bar.tabIndex = -1;
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', taskLines(t).join('; '));
    track.append(bar);
    bars.push({ bar, task: t, startMs, endMs, index: indexSpans(spansOf(t)) });
    return bar;
  }

  /** Places everything for the current window: bars, their spans (bounded by pixels), marks, axis, cursor. */
  function draw(): void {
    const t0 = performance.now();
    const width = win.endMs - win.startMs;
    const px = trackWidth();
    const pxPerMs = px / width;
    // A bar is drawn from where the window starts to where it ends (a few pixels beyond, for its edges):
    // a 10 s bar zoomed to 50 µs must not become a billion pixels wide.
    const margin = 4 / pxPerMs;
    for (const b of bars) {
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
        if (b.bar.firstChild) b.bar.replaceChildren();
        continue;
      }
      b.bar.classList.remove('off');
      style.left = pct(from - win.startMs, width);
      style.width = pct(Math.max(0, to - from), width);
      fillSpans(b.bar, drawSegments(b.index, { startMs: from, endMs: to }, pxPerMs), from, Math.max(to - from, 1e-9));
    }
    const inWindow = (t: number) => t >= win.startMs && t <= win.endMs;
    for (const m of marks) {
      m.hidden = !inWindow(r.wallMs);
      m.style.left = pct(r.wallMs - win.startMs, width);
    }
    if (markLabel) {
      markLabel.hidden = !inWindow(r.wallMs);
      markLabel.style.left = pct(r.wallMs - win.startMs, width);
      const frac = (r.wallMs - win.startMs) / width;
      markLabel.classList.toggle('start', frac < 0.5);
      markLabel.classList.toggle('end', frac >= 0.5);
    }
    // About one tick per 90 px, so labels never collide on a phone.
    const { ticks, step } = windowTicks(win, Math.max(2, Math.min(8, Math.floor(px / 90))));
    axis.replaceChildren(
      ...ticks.map((v) => {
        const tick = div('tick', zoomable && width < total ? tickLabel(v, step) : fmtMs(v));
        place(tick, (v - win.startMs) / width, px);
        return tick;
      }),
    );
    placeCursor();
    if (tools) {
      const whole = width >= total - 1e-9;
      el.classList.toggle('zoomed', !whole);
      tools.status.textContent = whole ? `Whole run, ${fmtMs(total)}` : `Showing ${tickLabel(win.startMs, width / 100)} to ${tickLabel(win.endMs, width / 100)} of ${fmtMs(total)} (${(total / width).toFixed(total / width < 10 ? 1 : 0)}× zoom)`;
      tools.out.disabled = whole;
      tools.reset.disabled = whole;
    }
    if (overview) {
      overview.brush.style.left = pct(win.startMs, total);
      overview.brush.style.width = pct(width, total);
      overview.brush.setAttribute('aria-valuenow', String(Math.round(win.startMs)));
      overview.brush.setAttribute('aria-valuetext', `showing ${fmtMs(win.startMs)} to ${fmtMs(win.endMs)} of ${fmtMs(total)}`);
    }
    drawMs = performance.now() - t0;
    el.dataset.drawMs = drawMs.toFixed(2);
    el.dataset.window = `${win.startMs},${win.endMs}`;
  }

  function placeCursor(): void {
    if (cursor === null) {
      for (const c of cursors) c.hidden = true;
      return;
    }
    if (cursors.length === 0) {
      for (const rowsEl of rowsEls.slice(raisedEarly ? 1 : 0)) {
        const c = div('tl-cursor');
        c.setAttribute('aria-hidden', 'true');
        rowsEl.append(c);
        cursors.push(c);
      }
    }
    const width = win.endMs - win.startMs;
    const visible = cursor >= win.startMs && cursor <= win.endMs;
    for (const c of cursors) {
      c.hidden = !visible;
      c.style.left = pct(cursor - win.startMs, width);
    }
  }

  function buildOverview(): { el: HTMLElement; brush: HTMLElement } {
    const box = div('tl-overview');
    const lanesEl = div('tl-ov-lanes');
    lanesEl.setAttribute('aria-hidden', 'true');
    const px = Math.max(200, (el.clientWidth || 800) - 20);
    for (const lane of lanes.slice(0, OVERVIEW_LANES)) {
      const row = div('tl-ov-lane');
      const spans = r.tasks.filter((t) => t.lane === lane).flatMap((t) => spansOf(t));
      fillSpans(row, laneCoverage(spans, { startMs: 0, endMs: total }, px), 0, total);
      lanesEl.append(row);
    }
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

  function wireZoom(): void {
    // Keys anywhere in the timeline (the plot's bars, the brush, the buttons).
    el.addEventListener('keydown', (e) => {
      const target = e.target as HTMLElement;
      const onBrush = target === overview?.brush;
      const width = win.endMs - win.startMs;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '+' || e.key === '=') view.zoom(2, cursorOrMiddle());
      else if (e.key === '-' || e.key === '_' || e.key === '−') view.zoom(0.5, cursorOrMiddle());
      else if (e.key === '0') view.reset();
      else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && (e.shiftKey || onBrush)) view.pan((e.key === 'ArrowLeft' ? -1 : 1) * width * (e.shiftKey && onBrush ? 0.5 : 0.1));
      else if (onBrush && (e.key === 'Home' || e.key === 'End')) view.pan(e.key === 'Home' ? -total : total);
      else if (onBrush && (e.key === 'PageUp' || e.key === 'PageDown')) view.pan((e.key === 'PageUp' ? -1 : 1) * width);
      else return;
      e.preventDefault();
    }, { signal: listening.signal });
    // Ctrl + wheel (and a touchpad's pinch, which the browser sends as one) zooms where the pointer is;
    // Shift + wheel, or a sideways swipe, pans. A plain wheel scrolls the page as ever.
    const wheel = (e: WheelEvent) => {
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault();
        view.zoom(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.002)), timeAt(e.clientX));
      } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        const d = e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX;
        view.pan((d * (e.deltaMode === 1 ? 20 : 1) * (win.endMs - win.startMs)) / Math.max(1, trackWidth()));
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
        pinch = { d: Math.max(1, Math.abs(a - b)), w: { ...win }, at: timeAt((a + b) / 2) };
        drag = undefined;
      } else {
        drag = { x: e.clientX, w: { ...win }, moved: false };
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
        if (drag.moved) view.setWindow(panWindow(drag.w, (-dx * (drag.w.endMs - drag.w.startMs)) / Math.max(1, trackWidth()), total));
      }
    });
    const up = (e: PointerEvent) => {
      if (!pointers.has(e.pointerId)) return;
      pointers.delete(e.pointerId);
      if (drag && !drag.moved && !pinch && e.type === 'pointerup') options.onSeek?.(timeAt(e.clientX));
      if (pointers.size === 0) {
        drag = undefined;
        pinch = undefined;
      }
    };
    plot.addEventListener('pointerup', up);
    plot.addEventListener('pointercancel', up);

    // The overview: drag the window to pan it, or drag across the overview to zoom to that stretch.
    if (!overview) return;
    const ov = overview.el;
    const atOverview = (x: number) => {
      const rect = ov.getBoundingClientRect();
      return Math.max(0, Math.min(1, (x - rect.left) / Math.max(1, rect.width))) * total;
    };
    let brushing: { from: number; move: boolean; w: TimeWindow } | undefined;
    ov.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      ov.setPointerCapture(e.pointerId);
      const t = atOverview(e.clientX);
      brushing = { from: t, move: t >= win.startMs && t <= win.endMs && win.endMs - win.startMs < total, w: { ...win } };
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

    // A bar reached by keyboard outside the window: the window comes to it.
    plot.addEventListener('focusin', (e) => {
      const bar = (e.target as HTMLElement).closest<HTMLElement>('.tl-task');
      const b = bar && bars.find((x) => x.bar === bar);
      if (!b || (b.endMs >= win.startMs && b.startMs <= win.endMs)) return;
      const width = win.endMs - win.startMs;
      view.setWindow({ startMs: b.startMs - width * 0.1, endMs: b.startMs + width * 0.9 });
    });
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

/**
 * Makes `parent`'s children the segments to draw, placed in percent of [fromMs, fromMs + widthMs]. The
 * span elements already there are reused (a redraw while zooming changes styles, it does not rebuild the
 * tree); styles go through the CSSOM, which the page's Content-Security-Policy allows.
 */
function fillSpans(parent: HTMLElement, segments: readonly { kind: string; startMs: number; endMs: number }[], fromMs: number, widthMs: number): void {
  const have = parent.children;
  let n = 0;
  for (const s of segments) {
    if (!KNOWN_KINDS.has(s.kind)) continue;
    let span = have[n] as HTMLElement | undefined;
    if (!span) {
      span = document.createElement('span');
      parent.append(span);
    }
    const cls = `span span-${s.kind}`;
    if (span.className !== cls) span.className = cls;
    span.style.left = `${(100 * (s.startMs - fromMs)) / widthMs}%`;
    span.style.width = `${(100 * (s.endMs - s.startMs)) / widthMs}%`;
    n++;
  }
  while (have.length > n) have[have.length - 1].remove();
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
