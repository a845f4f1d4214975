// The scaling sweep: the form's work run once sequentially, then in one mode with 1, 2, ... k workers,
// drawn as speedup against workers beside the ideal. Every run goes through the lab like any other
// (so each lands in the results table too); a Stop ends the sweep and keeps the points already drawn.

import type { Catalogue, ModeInfo, Result, Spec } from '../../engine/protocol';
import { renderSweepChart, type SweepPoint } from './chart';
import { connectionsPerHost, complete, cores, describeWork, idealSpeedup, isHttp } from '../work';

export interface SweepHandlers {
  /** The form's spec (its mode and workers are replaced). */
  spec(): Spec;
  run(spec: Spec): Promise<Result>;
  busy(on: boolean): void;
  announce(text: string): void;
}

/** Worker counts a sweep tries: up to the mode's maximum, twice the cores (to show the plateau), and 8. */
export const sweepMax = (mode: ModeInfo, ncores: number) => Math.max(1, Math.min(mode.workers?.max ?? 1, 2 * ncores, 8));

export class SweepView {
  private readonly select: HTMLSelectElement;
  private readonly button: HTMLButtonElement;
  private readonly hint: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly chart: HTMLElement;
  private running = false;
  /** How the form's workload sets its own workers, if it does. */
  private ownTasks?: string;

  constructor(section: HTMLElement, private readonly catalogue: Catalogue, private readonly handlers: SweepHandlers) {
    this.select = section.querySelector('#sweep-mode')!;
    this.button = section.querySelector('#sweep')!;
    this.hint = section.querySelector('#sweep-hint')!;
    this.statusEl = section.querySelector('#sweep-status')!;
    this.chart = section.querySelector('#sweep-chart')!;
    this.select.addEventListener('change', () => this.updateHint());
    this.button.addEventListener('click', () => void this.sweep());
    this.refresh();
  }

  /** The form changed: offer the modes with workers that can run its workload; follow its mode if it has workers. */
  refresh(): void {
    const spec = this.handlers.spec();
    const workload = this.catalogue.workloads.find((w) => w.name === spec.workload);
    // A workload that sets its own workers (one thread per task) leaves nothing to sweep.
    this.ownTasks = workload?.ownTasks ?? undefined;
    const usable = this.ownTasks ? [] : this.catalogue.modes.filter((m) => m.workers && !m.unavailable && !workload?.modes.find((x) => x.mode === m.name)?.unsupported);
    const keep = usable.some((m) => m.name === spec.mode) ? String(spec.mode) : this.select.value;
    this.select.replaceChildren(...usable.map((m) => new Option(m.title, m.name, false, m.name === keep)));
    if (!usable.some((m) => m.name === this.select.value) && usable[0]) this.select.value = usable[0].name;
    this.updateHint();
  }

  private mode(): ModeInfo | undefined {
    return this.catalogue.modes.find((m) => m.name === this.select.value);
  }

  private updateHint(): void {
    const mode = this.mode();
    this.button.disabled = this.running || !mode;
    this.hint.textContent = mode
      ? `Runs sequential once, then ${mode.name} with 1 to ${sweepMax(mode, cores())} workers.`
      : this.ownTasks
        ? `Nothing to sweep: tasks and workers are ${this.ownTasks}`
        : 'No mode with workers can run this workload here.';
  }

  private async sweep(): Promise<void> {
    const mode = this.mode();
    const { mode: _m, workers: _w, ...work } = this.handlers.spec();
    const workload = this.catalogue.workloads.find((w) => w.name === work.workload);
    if (!mode || !workload) return;
    const ncores = cores();
    const k = sweepMax(mode, ncores);
    const points: SweepPoint[] = [];
    // Until the baseline says how many tasks the engine ran, the catalogue's default stands in.
    let tasks = Number(work.tasks) || Number(this.catalogue.fields.find((f) => f.name === 'tasks')?.default) || 1;
    const draw = () =>
      renderSweepChart(this.chart, {
        mode: mode.name,
        k,
        points,
        ideal: (w) => idealSpeedup(workload, mode, { ...work, tasks, workers: w }, ncores),
        idealNote: {
          cpu: `Ideal: min(workers, ${ncores} cores, ${tasks} tasks): no GIL, no overhead.`,
          io: `Ideal: one task per worker waits at once, up to all ${tasks} tasks${isHttp(workload.name) ? `; a browser sends at most ${connectionsPerHost()} requests to one host at once` : ''}.`,
          mixed: 'Ideal: it depends: the waiting overlaps like I/O work, the computing only scales across cores.',
        }[workload.class],
      });
    this.setRunning(true);
    this.chart.hidden = false;
    this.chart.dataset.k = String(k);
    this.chart.dataset.mode = mode.name;
    this.chart.dataset.state = 'running';
    draw();
    this.status(`Running ${describeWork({ ...work, tasks })} sequentially first…`);
    let done = 0;
    try {
      const base = await this.handlers.run({ ...work, mode: 'sequential' });
      if (!complete(base)) throw Object.assign(new Error(`the sequential run raised ${base.error?.name}; a sweep needs a clean baseline`), { name: 'SweepError' });
      tasks = Number(base.spec.tasks);
      for (let w = 1; w <= k; w++) {
        this.status(`Running ${mode.name} with ${w} worker${w === 1 ? '' : 's'} (${w} of ${k})…`);
        const r = await this.handlers.run({ ...work, mode: mode.name, workers: w });
        done = w;
        if (complete(r)) points.push({ workers: w, wallMs: r.wallMs, speedup: base.wallMs / r.wallMs });
        draw();
      }
      this.chart.dataset.state = 'done';
      const best = points.reduce<SweepPoint | undefined>((b, p) => (!b || p.speedup > b.speedup ? p : b), undefined);
      const text = `Sweep finished: ${mode.name} with 1 to ${k} workers${best ? `; best ${best.speedup.toFixed(2)}× with ${best.workers}` : ''}.`;
      this.status(text);
      this.handlers.announce(text);
    } catch (e) {
      const err = e as Error;
      this.chart.dataset.state = err.name === 'AbortError' ? 'stopped' : 'error';
      const text = err.name === 'AbortError' ? `Sweep stopped after ${done} of ${k} worker counts; the points shown are kept.` : `Sweep failed: ${err.message}`;
      this.status(text);
      this.handlers.announce(text);
    } finally {
      this.setRunning(false);
    }
  }

  private setRunning(on: boolean): void {
    this.running = on;
    this.handlers.busy(on);
    this.updateHint();
  }

  private status(text: string): void {
    this.statusEl.textContent = text;
  }
}
