// The image workload's pixels: escape times through a palette into RGBA words, put on a 2D context.
// Shared by the image's own worker (./image-worker.ts) and the page's fallback (./image-view.ts), so the
// picture is the same wherever it is drawn.

import type { TaskOutput } from '../../engine/protocol';

/** Any 2D context that takes pixels: a canvas's on the page, an OffscreenCanvas's in a worker. */
export type PixelContext = Pick<CanvasRenderingContext2D, 'createImageData' | 'putImageData'>;

/** Rows `from`..`from + n` of a band, drawn where the band sits in the picture. */
export function paintRows(ctx: PixelContext, out: TaskOutput, from: number, n: number): void {
  const img = ctx.createImageData(out.width, n);
  // One palette lookup per pixel, written as a whole RGBA word.
  const palette = paletteFor(out.max);
  const pixels = new Uint32Array(img.data.buffer);
  const start = from * out.width;
  const data = out.data;
  const max = out.max;
  for (let i = 0; i < pixels.length; i++) {
    const v = data[start + i];
    pixels[i] = palette[v < max ? v : max];
  }
  ctx.putImageData(img, 0, firstRow(out) + from);
}

/** The band's first row in the picture. */
export const firstRow = (out: TaskOutput): number => Math.floor(out.offset / out.width);

/** How many rows the band has. */
export const rowsOf = (out: TaskOutput): number => out.data.length / out.width;

/** Whether `out` is a band this view can draw. */
export const isBand = (out: TaskOutput): boolean => out.kind === 'image-rows' && out.data.length >= out.width;

let cached: { max: number; palette: Uint32Array } | undefined;

/** RGBA words (little-endian, as ImageData's bytes read) for every escape time 0..max. */
function paletteFor(max: number): Uint32Array {
  if (cached?.max === max) return cached.palette;
  const palette = new Uint32Array(max + 1);
  for (let n = 0; n <= max; n++) {
    const [r, g, b] = colour(n, max);
    palette[n] = (255 << 24) | (b << 16) | (g << 8) | r;
  }
  cached = { max, palette };
  return palette;
}

/** Inside the set: dark; outside: a ramp by escape time (blue to orange: readable for colour-blind eyes). */
function colour(n: number, max: number): [number, number, number] {
  if (n >= max) return [12, 12, 20];
  const t = Math.sqrt(n / max);
  return [Math.round(230 * t + 10), Math.round(120 * t + 40 * (1 - t)), Math.round(178 * (1 - t) + 20)];
}
