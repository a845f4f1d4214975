// The results table: every run, side by side, with its speedup over the sequential run of the same
// work. It only renders what the lab records.

import { CRASHED_TITLE, outcomeText, rowMarkers } from '../../history/markers';
import type { Recorded } from '../../lab/lab-api';
import { fmtMs as ms, speedupOf } from '../work';

export class ResultsTable {
  private readonly rows: Recorded[] = [];
  /** The engine's model of Python: rows of an older one are marked. */
  private modelVersion?: number;

  constructor(private readonly body: HTMLTableSectionElement, private readonly onSelect: (r: Recorded) => void) {}

  /**
   * One row more, appended: a row never changes once drawn (a speedup is over the baseline it had then),
   * so the rows before it are not built again. Rebuilding the whole table (each row's speedup a scan of
   * the rows before it) took the page's main thread 10-20 ms per run once a few hundred were shown.
   */
  add(r: Recorded): void {
    this.rows.push(r);
    this.body.append(this.row(r, this.rows.length - 1));
  }

  /**
   * Puts stored runs (from before a reload) ahead of the rows shown; a run already shown (recorded while
   * the store was loading) is not shown twice.
   */
  restore(stored: readonly Recorded[]): void {
    const key = (r: Recorded) => JSON.stringify([r.spec, r.wallMs, r.endMs, r.value, r.cancelled]);
    const seen = new Set(stored.map(key));
    this.rows.splice(0, this.rows.length, ...stored, ...this.rows.filter((r) => !seen.has(key(r))));
    this.render();
  }

  /**
   * Shows exactly `view` (the history as it is now). When the rows shown are its first rows, as after a
   * run here or in another tab, only the new ones are appended; anything else (a Clear, runs dropped, a
   * stored copy replacing a run) draws the table again. Drawing it whole after every run was the page's
   * longest task during a job once a few hundred runs were shown (20-50 ms at 300 rows).
   */
  follow(view: readonly Recorded[]): void {
    const n = this.rows.length;
    // The same run: the store keeps its own copy of a run this tab recorded, with the run's id.
    const same = (a: Recorded, b: Recorded) => a === b || (a.runId !== undefined && a.runId === b.runId);
    if (view.length < n || this.rows.some((r, i) => !same(r, view[i]))) {
      this.rows.splice(0, n, ...view);
      this.render();
      return;
    }
    // A run shown from another copy (this tab's, or before a coarser stored copy replaced it): its row again.
    for (let i = 0; i < n; i++) {
      if (this.rows[i] === view[i]) continue;
      this.rows[i] = view[i];
      this.body.children[i]?.replaceWith(this.row(view[i], i));
    }
    for (let i = n; i < view.length; i++) {
      this.rows.push(view[i]);
      this.body.append(this.row(view[i], i));
    }
  }

  setModelVersion(v: number): void {
    this.modelVersion = v;
    this.render();
  }

  clear(): void {
    this.rows.length = 0;
    this.render();
  }

  /** Speedup over the latest complete sequential run of the same work, if there is one. */
  speedup(r: Recorded): number | undefined {
    return speedupOf(this.rows, r);
  }

  /** The runs shown, oldest first. */
  runs(): readonly Recorded[] {
    return this.rows;
  }

  private render(): void {
    this.body.replaceChildren(...this.rows.map((r, i) => this.row(r, i)));
  }

  private row(r: Recorded, i: number): HTMLTableRowElement {
    const tr = document.createElement('tr');
    const s = r.spec as Record<string, unknown>;
    const sizeOrLatency =
      s.size !== undefined
        ? `N = ${Number(s.size).toLocaleString('en')}`
        : s.latencyMs !== undefined
          ? `${s.latencyMs} ms`
          : s.calls !== undefined
            ? `${Number(s.calls).toLocaleString('en')} calls of ${s.blockingUs} µs`
            : '—';
    const speedup = this.speedup(r);
    const outcome = outcomeText(r);
    const cells = [
      String(i + 1),
      String(s.workload),
      sizeOrLatency,
      String(s.tasks),
      String(s.mode),
      s.workers === undefined ? '—' : String(s.workers),
      typeof r.wallMs === 'number' ? ms(r.wallMs) : '—',
      speedup === undefined ? '—' : `${speedup.toFixed(2)}×`,
      typeof r.value === 'number' ? r.value.toLocaleString('en') : '—',
      // Where the threads ran, in the learner's words (the build is in the export and the status's Details).
      `${r.build === 'single' ? 'taking turns on one' : r.build === 'threads' ? 'side by side' : '—'}${r.network === 'simulated' ? ', simulated network' : ''}`,
      outcome,
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    if (outcome === 'crashed') tr.lastElementChild!.setAttribute('title', CRASHED_TITLE);
    // An older model of Python, a coarser stored timeline: a small marker, its tooltip in plain words.
    for (const m of rowMarkers(r, this.modelVersion)) {
      const mark = Object.assign(document.createElement('span'), { className: `row-marker marker-${m.kind}`, textContent: m.text, title: m.title });
      tr.lastElementChild!.append(' ', mark);
    }
    tr.dataset.outcome = outcome;
    tr.dataset.mode = String(s.mode);
    if (r.network) tr.dataset.network = r.network;
    tr.dataset.wallMs = String(r.wallMs);
    tr.tabIndex = 0;
    tr.title = 'Show this run on the timeline';
    tr.addEventListener('click', () => this.onSelect(r));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') this.onSelect(r);
    });
    return tr;
  }
}
