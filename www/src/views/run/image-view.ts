// Draws image workloads (cpu-mandelbrot) as their tasks finish: each task's band of rows appears when
// it arrives, so a learner sees bands come one at a time (sequential, threads under the GIL) or several
// at once (processes, rayon). The bands arrive by message; nothing is computed here.

import type { Spec, TaskOutput } from '../../engine/protocol';

export class ImageView {
  private ctx?: CanvasRenderingContext2D;
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
    this.mode = mode;
    this.canvas.hidden = true;
    this.caption.textContent = '';
  }

  draw(taskId: number, lane: string, out: TaskOutput): void {
    if (out.kind !== 'image-rows') return;
    if (this.width !== out.width) {
      this.width = this.canvas.width = this.canvas.height = out.width;
      this.canvas.hidden = false;
      this.ctx = this.canvas.getContext('2d') ?? undefined;
      this.ctx?.clearRect(0, 0, out.width, out.width);
    }
    const rows = out.data.length / out.width;
    if (!this.ctx || rows < 1) return;
    const img = this.ctx.createImageData(out.width, rows);
    // One palette lookup per pixel, written as a whole RGBA word: drawing a big band takes about a
    // millisecond instead of fifteen, so the page's frames stay on time while the engine works.
    const palette = paletteFor(out.max);
    const pixels = new Uint32Array(img.data.buffer);
    for (let i = 0; i < out.data.length; i++) pixels[i] = palette[Math.min(out.data[i], out.max)];
    this.ctx.putImageData(img, 0, Math.floor(out.offset / out.width));
    this.caption.textContent = `${this.mode ? `Drawn by the last run (${this.mode}): t` : 'T'}ask ${taskId} drew rows ${Math.floor(out.offset / out.width)}–${Math.floor(out.offset / out.width) + rows - 1} on ${lane}`;
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
