// The results table: every run, side by side, with its speedup over the sequential run of the same
// work. It only renders what the lab records.

import type { Recorded } from '../lab-api';

/** The spec without what a mode changes: runs with the same key did the same work. */
function workKey(r: Recorded): string {
  const { mode: _mode, workers: _workers, ...work } = r.spec as Record<string, unknown>;
  return JSON.stringify(Object.entries(work).sort(([a], [b]) => a.localeCompare(b)));
}

const ms = (x: number) => `${x.toLocaleString('en', { maximumFractionDigits: x < 100 ? 1 : 0 })} ms`;

export class ResultsTable {
  private readonly rows: Recorded[] = [];

  constructor(private readonly body: HTMLTableSectionElement, private readonly onSelect: (r: Recorded) => void) {}

  add(r: Recorded): void {
    this.rows.push(r);
    this.render();
  }

  clear(): void {
    this.rows.length = 0;
    this.render();
  }

  /** Speedup over the latest complete sequential run of the same work, if there is one. */
  speedup(r: Recorded): number | undefined {
    const key = workKey(r);
    const base = [...this.rows].reverse().find((x) => x.spec.mode === 'sequential' && !x.cancelled && !x.error && workKey(x) === key);
    return base && !r.cancelled ? base.wallMs / r.wallMs : undefined;
  }

  private render(): void {
    this.body.replaceChildren(
      ...this.rows.map((r, i) => {
        const tr = document.createElement('tr');
        const s = r.spec as Record<string, unknown>;
        const sizeOrLatency = s.size !== undefined ? `N = ${Number(s.size).toLocaleString('en')}` : `${s.latencyMs} ms`;
        const speedup = this.speedup(r);
        const outcome = r.cancelled ? 'cancelled' : r.error ? `raised ${r.error.name}` : 'ok';
        const cells = [
          String(i + 1),
          String(s.workload),
          sizeOrLatency,
          String(s.tasks),
          String(s.mode),
          s.workers === undefined ? '—' : String(s.workers),
          ms(r.wallMs),
          speedup === undefined ? '—' : `${speedup.toFixed(2)}×`,
          r.value.toLocaleString('en'),
          r.build,
          outcome,
        ];
        for (const text of cells) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        tr.dataset.outcome = outcome;
        tr.dataset.mode = String(s.mode);
        tr.dataset.wallMs = String(r.wallMs);
        tr.tabIndex = 0;
        tr.title = 'Show this run on the timeline';
        tr.addEventListener('click', () => this.onSelect(r));
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') this.onSelect(r);
        });
        return tr;
      }),
    );
  }
}
