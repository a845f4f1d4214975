// Draws image workloads (cpu-mandelbrot) as their tasks finish: each task's band of rows appears when
// it arrives, so a learner sees bands come one at a time (sequential, threads under the GIL) or several
// at once (processes, rayon). The bands arrive by message; nothing is computed here.
//
// Where the browser can hand a canvas to a worker (OffscreenCanvas with a 2D context: Chromium, Firefox,
// Safari 17), the canvas is handed to the image's own worker (./image-worker.ts) at the first band and
// every band is drawn there: on a 2-core machine with six of the lab's threads busy, a few ms of drawing
// on the main thread were stretched to 10-25 ms by the threads sharing its core (the bench's
// cpu-mandelbrot interpreters and free-threaded rows: issue 25's lag). Elsewhere it is drawn here, a few
// rows at a time.

import type { Spec, TaskOutput } from '../../engine/protocol';
import { firstRow, isBand, paintRows, rowsOf } from './image-paint';
import type { BandDrawn, ImageMessage } from './image-worker';

/** The most main-thread time one task of drawing may take before it lets the page's other work run. */
const SLICE_MS = 3;

/** Whether a canvas can be drawn by a worker here (tried, not read from the presence of a name). */
function canDrawOffThread(): boolean {
  try {
    return typeof OffscreenCanvas === 'function' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype && !!new OffscreenCanvas(1, 1).getContext('2d');
  } catch {
    return false;
  }
}

export class ImageView {
  private ctx?: CanvasRenderingContext2D;
  /** Bands (or their remaining rows) waiting to be drawn here, oldest first; drawn a slice at a time. */
  private pending: { taskId: number; lane: string; out: TaskOutput; row: number }[] = [];
  private scheduled = false;
  private width = 0;
  /** The mode of the run being drawn: after a Compare the picture is its last run's, not the timeline's. */
  private mode = '';
  /** Whether bands go to the image's worker (tried at the first band, not at the page's start); the
   *  worker, once the canvas is its. */
  private offThread?: boolean;
  private worker?: Worker;
  /** Counts the pictures (a run each): a band the worker drew for an earlier one changes nothing shown. */
  private picture = 0;

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
    this.picture++;
    this.canvas.hidden = true;
    this.caption.textContent = '';
    this.post({ reset: this.picture });
  }

  /**
   * Queues a band: to the image's worker, or here, drawn a few rows at a time, at most SLICE_MS of
   * main-thread time per task, the rest in the next tasks (a 600 x 75 band, drawn before the browser has
   * compiled this loop, took 12-18 ms in one go: a Chromium trace of the bench's cpu-mandelbrot rows).
   */
  draw(taskId: number, lane: string, out: TaskOutput): void {
    if (!isBand(out)) return;
    if ((this.offThread ??= canDrawOffThread())) {
      // A copy: the band is the run's (other listeners of `lab.onTask` see it too).
      this.worker ??= this.startWorker();
      this.post({ band: { taskId, lane, out }, picture: this.picture });
      return;
    }
    this.pending.push({ taskId, lane, out, row: 0 });
    if (!this.scheduled) this.pump();
  }

  private startWorker(): Worker {
    const worker = new Worker(new URL('./image-worker.js', import.meta.url), { type: 'module', name: 'the image' });
    const offscreen = this.canvas.transferControlToOffscreen();
    worker.postMessage({ canvas: offscreen } satisfies ImageMessage, [offscreen]);
    worker.onmessage = ({ data }: MessageEvent<BandDrawn>) => {
      if (data.picture !== this.picture) return;
      this.canvas.hidden = false;
      this.told(data.taskId, data.lane, data.first, data.rows);
    };
    return worker;
  }

  private post(message: ImageMessage): void {
    this.worker?.postMessage(message);
  }

  private told(taskId: number, lane: string, first: number, rows: number): void {
    this.caption.textContent = `${this.mode ? `Drawn by the last run (${this.mode}): t` : 'T'}ask ${taskId} drew rows ${first}–${first + rows - 1} on ${lane}`;
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
      const rows = rowsOf(out);
      // Under a millisecond's worth of pixels at a time, even while this loop is still interpreted.
      const n = Math.min(rows - band.row, Math.max(1, Math.floor(4096 / out.width)));
      paintRows(this.ctx, out, band.row, n);
      band.row += n;
      if (band.row >= rows) {
        this.pending.shift();
        this.told(band.taskId, band.lane, firstRow(out), rows);
      }
    }
    if (this.pending.length && !this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.pump(), 0);
    }
  }
}
