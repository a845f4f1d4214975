// What a drawn timeline is asked and told (./timeline.ts draws it): the contract its parts (zoom.ts,
// overview.ts) and its users (the page, the replay view) share, in a file of its own so that the parts
// need not import the drawing that imports them.

import type { TimeWindow } from '../../replay/window';

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
