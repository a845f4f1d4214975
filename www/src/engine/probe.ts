// The parallelism probe: how many cores this machine has free right now. A Compare runs it before each
// run of its rounds and after each round (it is not a mode under test; ../measure/procedure.ts), so that
// a result is read against what the machine could give: with other programs keeping the cores busy, a
// missing speedup says nothing about the GIL, and the verdicts say so (../measure/verdicts.ts). The page
// also runs one before the engine starts, to count the cores a first visit counts on
// (../capabilities/cores.ts).
//
// Method (../measure/parallelism.ts): `k` workers work at once for a short window, each noting when every
// piece of its work ended; the pieces all of them did inside one common wall-clock window, over what one
// worker does alone in that time, are the cores' worth of work the machine gave. However the operating
// system slices the workers, a window holds no more than the machine's cores. The median of three such
// trials counts (of two, when both find every core free); the core count takes the best.
//
// It errs towards "busy", never towards "idle": a reading of busy only sets a round aside or leaves a
// claim open, while a reading of idle on a busy machine lets a slow round refute a claim
// (../measure/claims-rounds.ts). So the time alone is the fastest any worker has done alone so far (one
// measured while another program shared the core would make every worker look freer than it is; one
// worker's code can also be slower than another's), and the trials' median, not their best, counts: a
// program that comes and goes in bursts shows in most trials, as one that holds a core shows in all of
// them, while a moment's hiccup shows in one only.

import { msPerPiece, parallelismOf, type Worked } from '../measure/parallelism';

/** Quiet time before a probe, ms. */
const SETTLE_MS = 60;
/** Time between the trials of one probe, ms: a moment's hiccup of another program should not span them all
 * (a burst of a second or more spans them whatever the gap, and reads busy, as it should). */
const GAP_MS = 20;
/** How long the workers work in a trial, and one alone, ms: long enough to span several scheduler slices. */
const WINDOW_MS = 30;
/** The first probe's warm-up, every worker at once, not counted: runs of WARM_MS, WARM_GAP_MS apart, at most WARM_RUNS. */
const WARM_MS = 40;
const WARM_GAP_MS = 20;
const WARM_RUNS = 10;
/** A piece of work takes at least this long alone, ms (so a piece's end is timed well even on a coarse clock). */
const PIECE_MS = 0.25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The fastest ms per piece any probe worker of this page has done alone, by piece size: a probe reads
 * against it, not only against its own workers' times alone. A time alone measured while another program
 * took the core makes every trial read more cores than the machine has (WebKitGTK's first-visit probe read
 * 2.83 of 2 cores while another browser ran beside it); the page's fastest is the least disturbed.
 */
const fastestAlone = new Map<number, number>();

export class ParallelismProbe {
  private workers: Worker[] = [];
  /** The size of a piece of work (primes below `n`), grown until a piece takes PIECE_MS alone. */
  private n = 20_000;
  private warmed = false;
  /** The worker that works alone next (one per probe after the first, in turn). */
  private turn = 0;

  /** `k` workers of `script` (the probe's worker, ./probe-worker.ts). */
  constructor(
    private readonly k: number,
    private readonly script: URL = new URL('./probe-worker.js', import.meta.url),
    private readonly label = 'probe',
  ) {}

  /** Workers alive now (they are counted in `lab.status().workers`). */
  count(): number {
    return this.workers.length;
  }

  private ensure(): Worker[] {
    while (this.workers.length < this.k) {
      this.workers.push(new Worker(this.script, { type: 'module', name: `${this.label}-${this.workers.length + 1}` }));
    }
    return this.workers;
  }

  /** `w` works `ms` in pieces of `n`; what it did, when. */
  private work(w: Worker, ms: number): Promise<Worked> {
    const n = this.n;
    return new Promise((resolve, reject) => {
      const done = ({ data }: MessageEvent<Worked>) => {
        w.removeEventListener('message', done);
        w.removeEventListener('error', failed);
        resolve(data);
      };
      const failed = (e: ErrorEvent) => {
        e.preventDefault();
        w.removeEventListener('message', done);
        w.removeEventListener('error', failed);
        reject(new Error(`the probe worker failed: ${e.message}`));
      };
      w.addEventListener('message', done);
      w.addEventListener('error', failed);
      w.postMessage({ ms, n });
    });
  }

  private together(ms: number): Promise<Worked[]> {
    return Promise.all(this.workers.map((w) => this.work(w, ms)));
  }

  /** The fastest ms per piece any probe worker of this page has done alone at this probe's piece size. */
  private get solo(): number {
    return fastestAlone.get(this.n) ?? Infinity;
  }

  /** `w` alone: the page's fastest time alone for this piece size is kept. */
  private async alone(w: Worker): Promise<number> {
    const t = msPerPiece(await this.work(w, WINDOW_MS));
    fastestAlone.set(this.n, Math.min(this.solo, t));
    return t;
  }

  /**
   * Effective free cores now, in (0, k]: the median of the trials (a Compare's probe), or their best
   * (`best`: the core count, a floor under the truth, which a trial another program disturbed should not lower).
   */
  async measure(pick: 'median' | 'best' = 'median'): Promise<number> {
    const ws = this.ensure();
    if (ws.length < 2) return 1;
    // Let the lab's own threads settle first: rayon's workers spin a while before they sleep, and the
    // workers of a `processes` run that just ended are still being torn down; either would read as
    // another program holding a core.
    await sleep(SETTLE_MS);
    if (!this.warmed) {
      // Every worker's compiler warms up first, all at once, not counted, until the work stops getting
      // faster (two runs in a row no faster than the fastest so far), with a pause between runs: each worker
      // compiles its own code, and a worker still running cold code reads as a core another program holds.
      // V8 and SpiderMonkey are warm after one run; JavaScriptCore compiles its optimised code on threads
      // of its own, which wait for a core while the workers hold both (WebKitGTK's first probe of a Compare
      // read 1.2 of 2 idle cores; on a busy machine its first piece of work took 68 ms where a warm one
      // takes 0.3, and it was 0.8-1.1 ms 60 ms later). Pieces are made long enough to time.
      let fastest = Infinity;
      for (let i = 0, still = 0; i < WARM_RUNS && still < 2; i++) {
        if (i > 0) await sleep(WARM_GAP_MS);
        const now = Math.min(...(await this.together(WARM_MS)).map(msPerPiece));
        if (now < PIECE_MS && this.n < 5_000_000) {
          this.n *= 2;
          fastest = Infinity;
          still = 0;
          continue;
        }
        still = now < 0.95 * fastest ? 0 : still + 1;
        fastest = Math.min(fastest, now);
      }
      this.warmed = true;
    }
    const first = this.turn === 0;
    let free = await this.trials(pick);
    // A first probe that reads busy is taken once more, its workers warm by then: the warm-up cannot tell
    // a plateau of a compiler's tiers from warm code (JavaScriptCore's optimising compiles wait for a core
    // the workers hold; WebKitGTK's first probe in a course page's frame read 1.09 of 2 quiet cores, the
    // next 1.95). A machine that is busy reads busy again.
    if (first && free < 0.9 * ws.length) {
      await sleep(GAP_MS);
      free = await this.trials(pick);
    }
    return free;
  }

  /** The trials of one probe, then its time alone: the reading. */
  private async trials(pick: 'median' | 'best'): Promise<number> {
    const ws = this.workers;
    // Together, up to three times, GAP_MS apart. A program that holds a core holds it in every trial; one
    // in bursts of a fraction of a second or more shows in most; a moment's hiccup (a page being torn
    // down, a timer in another process) shows in one trial only, and must not read as busy.
    const runs: Worked[][] = [];
    // A probe's first reading, and a core count (`best`), are timed alone before the trials as well as after
    // them: a burst of another program over one time alone then does not count (the faster is kept).
    if (this.turn === 0 || pick === 'best') await this.alone(ws[this.turn % ws.length]);
    for (let i = 0; i < 3; i++) {
      if (i === 2 && runs.every((r) => parallelismOf(r, this.solo) >= 0.9 * ws.length)) break;
      if (i > 0) await sleep(GAP_MS);
      runs.push(await this.together(WINDOW_MS));
    }
    // Then alone, after the trials, so the time alone counted is at least as warm as theirs: the first
    // probe every worker (one worker's code can be slower than another's), each later one a worker in turn.
    // Read against the fastest time alone so far. A later probe whose trials all read every core free,
    // and no more, skips its time alone: a faster time alone could only raise readings already idle. A
    // trial reading more than every core says the time alone is too slow (disturbed), and is timed again.
    // (A Compare's probes are quicker on a quiet machine.)
    const idle = runs.every((r) => {
      const p = parallelismOf(r, this.solo);
      return p >= 0.9 * ws.length && p <= ws.length;
    });
    if (this.turn === 0 || pick === 'best' || !idle) for (const w of this.turn === 0 ? ws : [ws[this.turn % ws.length]]) await this.alone(w);
    this.turn++;
    const trials = runs.map((r) => parallelismOf(r, this.solo)).sort((a, b) => a - b);
    const free = pick === 'best' ? trials[trials.length - 1] : trials.length === 3 ? trials[1] : trials[0];
    return Math.min(ws.length, free);
  }

  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.warmed = false;
    this.turn = 0;
  }
}
