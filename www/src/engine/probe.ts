// The parallelism probe: how many cores this machine has free right now. A Compare runs it before each
// run of its rounds and after each round (it is not a mode under test; ../measure/procedure.ts), so that
// a result is read against what the machine could give: with other programs keeping the cores busy, a
// missing speedup says nothing about the GIL, and the verdicts say so (../measure/verdicts.ts).
//
// Method: one worker times a fixed piece of work alone (t1: the fastest it has taken alone in this
// Compare); then `k` workers run the same piece at once and each times its own. A worker that had a whole
// core takes t1; one that shared it takes longer. The free parallelism is the sum over workers of
// t1 / t_i, at most `k`: the median of three such trials (of two, when both find every core free).
//
// It errs towards "busy", never towards "idle": a reading of busy only sets a round aside or leaves a
// claim open, while a reading of idle on a busy machine lets a slow round refute a claim
// (../measure/claims-rounds.ts). So t1 is the fastest time alone seen so far (one measured while another
// program shared the core would make every worker look freer than it is), and the trials' median, not
// their best, counts: a program that comes and goes in bursts shows in most trials, as one that holds a
// core shows in all of them, while a moment's hiccup shows in one only.

/** Quiet time before a probe, ms. */
const SETTLE_MS = 60;
/** Time between the trials of one probe, ms: a short burst of another program should not span them all. */
const GAP_MS = 40;

export class ParallelismProbe {
  private workers: Worker[] = [];
  /** Work per worker: grown until it takes at least 25 ms alone (long enough to span scheduler slices). */
  private n = 40_000;
  private warmed = false;
  /** The fastest the work of size `n` has taken alone since this probe started (it lives for one Compare). */
  private alone = Infinity;

  constructor(private readonly k: number) {}

  /** Workers alive now (they are counted in `lab.status().workers`). */
  count(): number {
    return this.workers.length;
  }

  private ensure(): Worker[] {
    while (this.workers.length < this.k) {
      this.workers.push(new Worker(new URL('./probe-worker.js', import.meta.url), { type: 'module', name: `probe-${this.workers.length + 1}` }));
    }
    return this.workers;
  }

  private static time(w: Worker, n: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const done = ({ data }: MessageEvent<{ ms: number }>) => {
        w.removeEventListener('message', done);
        w.removeEventListener('error', failed);
        resolve(data.ms);
      };
      const failed = (e: ErrorEvent) => {
        e.preventDefault();
        w.removeEventListener('message', done);
        w.removeEventListener('error', failed);
        reject(new Error(`the probe worker failed: ${e.message}`));
      };
      w.addEventListener('message', done);
      w.addEventListener('error', failed);
      w.postMessage({ n });
    });
  }

  /** Effective free cores now, in (0, k]. */
  async measure(): Promise<number> {
    const ws = this.ensure();
    if (ws.length < 2) return 1;
    // Let the lab's own threads settle first: rayon's workers spin a while before they sleep, and the
    // workers of a `processes` run that just ended are still being torn down; either would read as
    // another program holding a core.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    // Each worker's JIT warms up once, or a cold worker would look like a busy core.
    if (!this.warmed) {
      await Promise.all(ws.map((w) => ParallelismProbe.time(w, this.n)));
      this.warmed = true;
    }
    // Alone: grow the work until it is long enough to time (spanning several scheduler slices); the
    // fastest time alone so far counts.
    let alone = await ParallelismProbe.time(ws[0], this.n);
    while (alone < 25 && this.n < 5_000_000) {
      this.n *= 2;
      this.alone = Infinity;
      alone = await ParallelismProbe.time(ws[0], this.n);
    }
    // The first probe of a Compare times it twice (one time alone could have been shared); later ones once more.
    if (this.alone === Infinity) alone = Math.min(alone, await ParallelismProbe.time(ws[0], this.n));
    this.alone = Math.min(this.alone, alone);
    // Together, three times, 40 ms apart, and the median counts (two times when both find every core
    // free: the third could not lower the median below them). A program that holds a core holds it in every
    // trial; one in bursts of a fraction of a second or more shows in most; a moment's hiccup (a page
    // being torn down, a timer in another process) shows in one trial only, and must not read as busy.
    const trials: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i === 2 && trials.every((f) => f >= 0.9 * ws.length)) break;
      if (i > 0) await new Promise((r) => setTimeout(r, GAP_MS));
      const together = await Promise.all(ws.map((w) => ParallelismProbe.time(w, this.n)));
      trials.push(together.reduce((sum, t) => sum + Math.min(1, this.alone / Math.max(t, 1e-3)), 0));
    }
    trials.sort((a, b) => a - b);
    const free = trials.length === 3 ? trials[1] : trials[0];
    return Math.min(ws.length, free);
  }

  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.warmed = false;
    this.alone = Infinity;
  }
}
