// The image's own worker: draws the bands of an image workload (cpu-mandelbrot) on the page's canvas,
// handed over as an OffscreenCanvas (./image-view.ts), so none of the drawing (the palette, the pixels,
// the canvas's upload) takes the page's main thread while the lab's threads keep the cores busy. Each
// message is a band to draw or a new picture; each band drawn is told back, for the caption.

import type { TaskOutput } from '../../engine/protocol';
import { firstRow, isBand, paintRows, rowsOf } from './image-paint';

/** What the page sends. */
export type ImageMessage =
  | { canvas: OffscreenCanvas }
  | { reset: number }
  | { band: { taskId: number; lane: string; out: TaskOutput }; picture: number };

/** What this worker tells the page: a band is on the canvas. */
export interface BandDrawn {
  picture: number;
  taskId: number;
  lane: string;
  first: number;
  rows: number;
}

let canvas: OffscreenCanvas | undefined;
let ctx: OffscreenCanvasRenderingContext2D | null = null;
let width = 0;

self.onmessage = ({ data }: MessageEvent<ImageMessage>) => {
  if ('canvas' in data) {
    canvas = data.canvas;
    // Once: Firefox refuses a second getContext on a canvas handed to a worker ("Cannot update created
    // context to different thread"), and a context outlives its canvas's resizing anyway.
    ctx = canvas.getContext('2d');
    return;
  }
  if ('reset' in data) return void (width = 0);
  const { band, picture } = data;
  const { out } = band;
  if (!canvas || !isBand(out)) return;
  if (width !== out.width) {
    // A new size clears the canvas.
    width = canvas.width = canvas.height = out.width;
  }
  if (!ctx) return;
  paintRows(ctx, out, 0, rowsOf(out));
  const drawn: BandDrawn = { picture, taskId: band.taskId, lane: band.lane, first: firstRow(out), rows: rowsOf(out) };
  self.postMessage(drawn);
};
