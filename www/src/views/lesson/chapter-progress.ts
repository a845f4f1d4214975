// A chapter's run as a learner follows it (./lesson-view.ts gives it the chapter's status line): which experiment
// runs now, which round, and about how long is left: first from `lab.estimate`, then from the rounds as
// they finish. Renders only.

import type { Catalogue } from '../../engine/protocol';
import type { Lab } from '../../lab/lab-api';
import { compareBudgetMs } from '../../lab/contract';
import type { Chapter } from '../../lesson/chapters';
import { chapterSpecs } from '../../lesson/run';
import { WARM_UP_SHARE, type CompareStart } from '../../measure/procedure';

/** What one experiment of a chapter should take: a round (every mode once, `lab.estimate`'s sum) and its budget. */
export interface ExperimentPlan {
  name: string;
  title: string;
  roundMs: number;
  budgetMs: number;
}

/** How long each experiment's runs should take here, mode by mode (`lab.estimate`), for the progress; `knob` the chapter's knob's value. */
export function experimentPlans(lab: Lab, catalogue: Catalogue, chapter: Chapter, knob?: number): Promise<ExperimentPlan[]> {
  const specs = chapterSpecs(catalogue, chapter, knob);
  return Promise.all(
    chapter.experiments.map(async (x, i) => {
      const perMode = await Promise.all(x.modes.map((mode) => lab.estimate({ ...specs[i], mode }).catch(() => 0)));
      return { name: x.name, title: x.title, roundMs: perMode.reduce((a, b) => a + b, 0), budgetMs: x.budgetMs ?? compareBudgetMs(x.modes.length) };
    }),
  );
}

/**
 * A chapter's run as a learner follows it: which experiment runs now (and which round), and about how long
 * is left, from the lab's estimates at first, then from the rounds as they finish. A Compare runs a warm-up
 * round (on a quarter of the work) and at least three counted rounds while its budget allows (../../measure/procedure.ts).
 */
export class ChapterProgress {
  private plans: ExperimentPlan[] = [];
  private active = -1;
  private round = -1;
  private what = 'a warm-up round first (not counted), then rounds in changing orders';
  private experimentStart = performance.now();
  private roundStart = performance.now();
  /** The last round's measured length, per experiment (replaces the estimate once known). */
  private readonly measured = new Map<string, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private over = false;

  constructor(
    private readonly el: HTMLElement,
    private readonly chapter: Chapter,
    plans: Promise<ExperimentPlan[]>,
  ) {
    void plans.then((p) => {
      this.plans = p;
      this.tell();
    });
    this.timer = setInterval(() => this.tell(), 1000);
  }

  /** A run of an experiment starts: a new experiment, or a new round of it, is a step of the progress. */
  started(name: string, s: CompareStart): void {
    const i = this.chapter.experiments.findIndex((x) => x.name === name);
    const now = performance.now();
    if (i !== this.active) {
      this.active = i;
      this.experimentStart = this.roundStart = now;
      this.round = s.round;
    } else if (s.round !== this.round) {
      // A counted round's length (the warm-up's is a quarter of one).
      if (this.round > 0) this.measured.set(name, now - this.roundStart);
      this.roundStart = now;
      this.round = s.round;
    }
    const x = this.chapter.experiments[i];
    const n = this.chapter.experiments.length;
    const phase = s.phase === 'warm-up' ? 'the warm-up round (not counted)' : s.phase === 'set-aside' ? `round ${s.round} (the machine was busy: run again, not counted)` : `round ${s.round}`;
    this.what = `${n > 1 ? `Experiment ${i + 1} of ${n}` : 'The experiment'} (${x.title}): ${phase}, ${s.mode} running`;
    this.tell();
  }

  /** A run finished: the time left is told again. */
  finished(): void {
    this.tell();
  }

  /** Time left, in ms, or undefined before the estimates are in. */
  private left(): number | undefined {
    if (!this.plans.length) return undefined;
    const now = performance.now();
    let left = 0;
    for (const [i, p] of this.plans.entries()) {
      if (i < this.active) continue;
      // The warm-up (a quarter of the work) and three counted rounds, within the budget (at least one counted round).
      const round = this.measured.get(p.name) ?? p.roundMs;
      const whole = Math.max((1 + WARM_UP_SHARE) * round, Math.min((3 + WARM_UP_SHARE) * round, p.budgetMs));
      if (i === this.active) left += Math.max(whole - (now - this.experimentStart), round - (now - this.roundStart), 0);
      else left += whole;
    }
    return left;
  }

  tell(): void {
    if (this.over) return;
    const ms = this.left();
    const about = ms === undefined ? '' : ms < 1500 ? ' Almost done.' : ` About ${aboutTime(ms)} left.`;
    this.el.textContent = `Running: ${this.what}.${about}`;
    this.el.dataset.leftMs = ms === undefined ? '' : String(Math.round(ms));
  }

  end(): void {
    this.over = true;
    clearInterval(this.timer);
  }
}

function aboutTime(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  return `${Math.round(s / 60)} min`;
}
