// The timeline's lanes, built once per drawing: a row per thread, process or event loop, its tasks packed
// into sub-rows (an event loop's coroutines overlap), a bar per task, the line where `gather` or `map`
// raised when that was before the run's end, and the axis row. Where each thing goes in the window of time
// shown is ./draw.ts's work; the packing itself is ./layout.ts.

import type { Task } from '../../engine/protocol';
import type { Recorded } from '../../lab/lab-api';
import { indexSpans, type SpanIndex, type TimeWindow } from '../../replay/window';
import { div } from '../dom';
import { extent, packRows, spansOf } from './layout';
import { fmtMs } from '../work';
import { taskLines } from './bar-access';

/** Sub-rows drawn per lane at most: past that the picture says nothing more, only "+N more". */
const MAX_ROWS = 16;
/** Lanes with more sub-rows than this are drawn in thin rows, so a 16-row event loop stays compact. */
const COMPACT_AFTER = 3;

/** A task's bar with its task and its spans, indexed for drawing. */
export interface Bar {
  bar: HTMLElement;
  task: Task;
  startMs: number;
  endMs: number;
  index: SpanIndex;
}

/** A row of bars and the canvas its spans are painted on (./paint.ts), under the bars. */
export interface Track {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  bars: Bar[];
  /** The track's height and where its bars are in it (CSS px), read once per width drawn. */
  geometry?: { px: number; height: number; top: number; barHeight: number };
}

export interface Lanes {
  plot: HTMLElement;
  /** Every track of rows: the raise's marks row first (if any), then each lane's, the axis's last. */
  rowsEls: HTMLElement[];
  /** The bars, one array per drawn row (sub-rows included), in time order: what the arrow keys walk. */
  visualRows: HTMLElement[][];
  bars: Bar[];
  /** The rows of bars (sub-rows included), each with the canvas its spans are painted on. */
  tracks: Track[];
  /** The raise's line in each lane, and its label in the marks row (an early raise only). */
  marks: HTMLElement[];
  markLabel?: HTMLElement;
  axis: HTMLElement;
  /** The tracks that carry the time cursor (all but the marks row), and the cursors once placed. */
  cursorTracks: HTMLElement[];
  cursors: HTMLElement[];
}

/** Builds the plot of `r`'s `lanes`; `zoomable` adds the zoom keys to what a screen reader is told. */
export function buildLanes(r: Recorded, lanes: string[], zoomable: boolean): Lanes {
  const raisedEarly = r.endMs > r.wallMs + 0.5;
  const raisedLabel = r.spec.mode === 'asyncio' ? 'gather raised' : 'map raised';
  const plot = div('tl-plot');
  plot.setAttribute('role', 'group');
  plot.setAttribute('aria-label', `Tasks by lane. Tab to the first task, then arrow keys move between tasks and rows.${zoomable ? ' Plus and minus zoom, Shift with the arrow keys pans, 0 shows the whole run.' : ''}`);
  const visualRows: HTMLElement[][] = [];
  const bars: Bar[] = [];
  const tracks: Track[] = [];
  const marks: HTMLElement[] = [];
  const rowsEls: HTMLElement[] = [];

  // The lanes' names in full (a pool's thread names run to 27 characters): the column of names is as wide
  // as the longest, in the names' own monospace characters, within reason (style.css's width otherwise).
  const longest = Math.max(0, ...lanes.map((l) => (l === '' ? 'never started' : l).length));
  if (longest > 14) plot.style.setProperty('--lane-name-width', `${Math.min(longest + 1, 32)}ch`);

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
      const canvas = document.createElement('canvas');
      canvas.className = 'tl-canvas';
      canvas.setAttribute('aria-hidden', 'true');
      track.append(canvas);
      rowsEl.append(track);
      const t: Track = { el: track, canvas, bars: [] };
      tracks.push(t);
      visualRows.push(tasks.map((task) => taskBar(task, t)));
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
  return { plot, rowsEls, visualRows, bars, tracks, marks, markLabel, axis, cursorTracks: rowsEls.slice(raisedEarly ? 1 : 0), cursors: [] };

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

  function taskBar(t: Task, track: Track): HTMLElement {
    const { startMs, endMs } = extent(t);
    const bar = document.createElement('span');
    bar.className = `tl-task status-${t.status}`;
    bar.dataset.task = String(t.id);
    bar.tabIndex = -1;
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', taskLines(t).join('; '));
    track.el.append(bar);
    const b = { bar, task: t, startMs, endMs, index: indexSpans(spansOf(t)) };
    bars.push(b);
    track.bars.push(b);
    return bar;
  }
}

/** A lane's track width in pixels (before the first layout, a guess from the container's). */
export const trackWidth = (l: Lanes, host: HTMLElement): number => l.rowsEls[0]?.clientWidth || Math.max(200, (host.clientWidth || 700) - 160);

/** The instant under a pointer's x, in the plot's lanes. */
export function timeAt(l: Lanes, win: TimeWindow, clientX: number): number {
  const rect = (l.rowsEls[0] ?? l.plot).getBoundingClientRect();
  const frac = rect.width > 0 ? (clientX - rect.left) / rect.width : 0;
  return win.startMs + Math.max(0, Math.min(1, frac)) * (win.endMs - win.startMs);
}
