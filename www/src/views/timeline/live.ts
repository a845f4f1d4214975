// The timeline of the run in progress: each task drawn as it finishes, at most a few times a second, on
// the time so far (no zoom: it is redrawn as it grows). The finished run's own drawing replaces it.

import type { Spec, Task } from '../../engine/protocol';
import type { Recorded } from '../../lab/contract';
import { renderTimeline } from './timeline';

export class LiveTimeline {
  private live?: { spec: Spec; t0: number; tasks: Task[]; drawn: number };

  constructor(private readonly el: HTMLElement) {}

  start(spec: Spec): void {
    this.live = { spec, t0: performance.now(), tasks: [], drawn: 0 };
  }

  task(record: Task): void {
    const live = this.live;
    if (!live) return;
    live.tasks.push(record);
    const now = performance.now();
    if (now - live.drawn < 200) return;
    live.drawn = now;
    const elapsed = now - live.t0;
    const spec = { tasks: 0, ...live.spec } as Recorded['spec'];
    const sofar = { spec, wallMs: elapsed, endMs: elapsed, tasks: [...live.tasks], value: 0 } as unknown as Recorded;
    renderTimeline(this.el, sofar, { live: true });
  }

  end(): void {
    this.live = undefined;
  }
}
