// Progress of the run in progress: how many tasks have finished, and for how long it has run. Long runs
// are allowed (a learner may try N = 2,000,000,000); this says they are alive and how far along.

import type { Spec } from '../../engine/protocol';

export class RunProgress {
  private total = 0;
  private done = 0;
  private started = 0;
  private timer?: number;

  constructor(
    private readonly bar: HTMLProgressElement,
    private readonly text: HTMLElement,
  ) {}

  start(spec: Spec): void {
    this.total = Number(spec.tasks) || 0;
    this.done = 0;
    this.started = performance.now();
    this.bar.hidden = this.text.hidden = false;
    this.bar.removeAttribute('value'); // indeterminate until the first task ends
    this.show(String(spec.mode ?? ''));
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.show(String(spec.mode ?? '')), 250);
  }

  /** A task finished. */
  task(): void {
    this.done++;
  }

  end(): void {
    window.clearInterval(this.timer);
    this.bar.hidden = this.text.hidden = true;
  }

  private show(mode: string): void {
    const secs = ((performance.now() - this.started) / 1000).toFixed(1);
    if (this.total > 0 && this.done > 0) {
      this.bar.max = this.total;
      this.bar.value = this.done;
    }
    this.text.textContent = `Running ${mode}: ${this.done}${this.total ? ` of ${this.total}` : ''} tasks finished, ${secs} s`;
  }
}
