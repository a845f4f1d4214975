// Draws image workloads (cpu-mandelbrot) as their tasks finish: each task's band of rows appears when
// it arrives, so a learner sees bands come one at a time (sequential, threads under the GIL) or several
// at once (processes, rayon). The bands arrive by message; nothing is computed here.

import type { Spec, TaskOutput } from '../../engine/protocol';

/** The most main-thread time one task of drawing may take before it lets the page's other work run. */
const SLICE_MS = 3;

export class ImageView {
  private ctx?: CanvasRenderingContext2D;
  /** Bands (or their remaining rows) waiting to be drawn, oldest first; drawn a slice at a time. */
  private pending: { taskId: number; lane: string; out: TaskOutput; row: number }[] = [];
  private scheduled = false;
  private width = 0;
  /** The mode of the run being drawn: after a Compare the picture is its last run's, not the timeline's. */
  private mode = '';

  constructor(private readonly canvas: HTMLCanvasElement, private readonly caption: HTMLElement) {}

  /** As a watcher of the run in progress (../../session.ts): cleared as it starts, then a band per task. */
  start(spec: Spec): void {
    this.reset(String(spec.mode ?? ''));
  }

  task(record: { id: number; lane: string }, output?: TaskOutput): void {
    if (output) this.draw(record.id, record.lane, output);
  }

  end(): void {}

  /** A run began: clear the picture (the first band tells its size). */
  reset(mode = ''): void {
    this.width = 0;
    this.pending = [];
    this.mode = mode;
    this.canvas.hidden = true;
    this.caption.textContent = '';
  }

  /**
   * Queues a band and draws what it can now. A band is drawn a few rows at a time, at most SLICE_MS of
   * main-thread time per task, the rest in the next tasks: a 600 x 75 band, drawn before the browser has
   * compiled this loop, took 12-18 ms in one go (a Chromium trace of the bench's cpu-mandelbrot rows).
   */
  draw(taskId: number, lane: string, out: TaskOutput): void {
    if (out.kind !== 'image-rows' || out.data.length < out.width) return;
    this.pending.push({ taskId, lane, out, row: 0 });
    if (!this.scheduled) this.pump();
  }

  private pump(): void {
    this.scheduled = false;
    const t0 = performance.now();
    while (this.pending.length && performance.now() - t0 < SLICE_MS) {
      const band = this.pending[0];
      const { out } = band;
      if (this.width !== out.width) {
        this.width = this.canvas.width = this.canvas.height = out.width;
        this.canvas.hidden = false;
        // A new size clears the canvas (no clearRect, which cost 3-5 ms more).
        this.ctx = this.canvas.getContext('2d') ?? undefined;
      }
      if (!this.ctx) return void (this.pending = []);
      const rows = out.data.length / out.width;
      // Under a millisecond's worth of pixels at a time, even while this loop is still interpreted.
      const n = Math.min(rows - band.row, Math.max(1, Math.floor(4096 / out.width)));
      const img = this.ctx.createImageData(out.width, n);
      // One palette lookup per pixel, written as a whole RGBA word.
      const palette = paletteFor(out.max);
      const pixels = new Uint32Array(img.data.buffer);
      const from = band.row * out.width;
      const data = out.data;
      const max = out.max;
      for (let i = 0; i < pixels.length; i++) {
        const v = data[from + i];
        pixels[i] = palette[v < max ? v : max];
      }
      const first = Math.floor(out.offset / out.width);
      this.ctx.putImageData(img, 0, first + band.row);
      band.row += n;
      if (band.row >= rows) {
        this.pending.shift();
        this.caption.textContent = `${this.mode ? `Drawn by the last run (${this.mode}): t` : 'T'}ask ${band.taskId} drew rows ${first}–${first + rows - 1} on ${band.lane}`;
      }
    }
    if (this.pending.length && !this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.pump(), 0);
    }
  }
}

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
