// The compare view: the same work in every mode the catalogue lists, side by side: wall time, speedup
// over sequential against the ideal speedup, the Python each mode stands for and the Rust that ran it,
// and the lesson's claims beside it. Rows fill in as modes finish; a Stop keeps what is done.

import type { Catalogue, ModeInfo, PlainError, Result, Spec, WorkloadInfo } from '../engine/protocol';
import type { Recorded } from '../lab-api';
import { claimInput, renderClaims } from './claims-view';
import { framed, ownTabLink } from './own-tab';
import {
  BROWSER_CONNECTIONS_PER_HOST, complete, cores, describeWork, fmtMs, fmtTimes, idealSpeedup, isHttp, workersOf, workKey,
} from './work';

export type CompareOutcome = Record<string, Result | { error: PlainError }>;
type Entry = Recorded | { error: PlainError };
type RowState = 'waiting' | 'running' | 'done' | 'stopped';

const isError = (e: Entry | undefined): e is { error: PlainError } => !!e && !('wallMs' in e);

export class CompareView {
  private catalogue?: Catalogue;
  private spec: Spec = {};
  private entries = new Map<string, Entry>();
  private states = new Map<string, RowState>();
  private stopped = false;
  private readonly main: HTMLElement;
  private readonly claimsEl: HTMLElement;

  constructor(private readonly section: HTMLElement, private readonly showTimeline: (r: Recorded) => void) {
    this.main = section.querySelector('.compare-main')!;
    this.claimsEl = section.querySelector('.compare-claims')!;
  }

  /** A compare of `spec` (without mode) begins: every mode waits. */
  start(catalogue: Catalogue, spec: Spec): void {
    this.catalogue = catalogue;
    this.spec = spec;
    this.entries.clear();
    this.states = new Map(catalogue.modes.map((m) => [m.name, 'waiting']));
    this.stopped = false;
    this.section.hidden = false;
    this.section.dataset.state = 'running';
    this.render();
  }

  running(mode: string): void {
    if (this.states.has(mode)) this.states.set(mode, 'running');
    this.render();
  }

  /** One mode finished (or was refused). */
  fill(mode: string, entry: Entry): void {
    this.entries.set(mode, entry);
    this.states.set(mode, 'done');
    this.render();
  }

  /** The compare ended: `out` is authoritative for the modes it holds; with `stopped`, the rest never ran. */
  finish(out: CompareOutcome, stopped: boolean): void {
    for (const [mode, entry] of Object.entries(out)) this.fill(mode, entry);
    this.stopped = stopped;
    for (const [mode, state] of this.states) if (state !== 'done') this.states.set(mode, 'stopped');
    this.section.dataset.state = stopped ? 'stopped' : 'done';
    this.render();
  }

  /** Whether this compare holds a run of the same work as `r` (its claims are shown here already). */
  covers(r: Recorded): boolean {
    return !this.section.hidden && [...this.entries.values()].some((e) => !isError(e) && workKey(e.spec) === workKey(r.spec));
  }

  /** One sentence for the live region. */
  summary(): string {
    const done = [...this.entries].filter(([, e]) => !isError(e) && complete(e)) as [string, Recorded][];
    if (!done.length) return this.stopped ? 'Compare stopped before any mode finished.' : 'Compare finished with no results.';
    const [fastest, r] = done.sort((a, b) => a[1].wallMs - b[1].wallMs)[0];
    return `Compare ${this.stopped ? 'stopped' : 'finished'}: ${done.length} modes ran; fastest ${fastest}, ${fmtMs(r.wallMs)}.`;
  }

  /** Redraws the table, keeping which row's button had the focus and which snippets were open. */
  private render(): void {
    const active = document.activeElement instanceof HTMLElement && this.section.contains(document.activeElement) ? document.activeElement : undefined;
    const focused = active?.closest<HTMLElement>('tr[data-mode]')?.dataset.mode;
    const focusedSummary = active?.tagName === 'SUMMARY';
    const open = new Set([...this.main.querySelectorAll<HTMLElement>('tr[data-mode]')].filter((tr) => tr.querySelector('details')?.open).map((tr) => tr.dataset.mode));
    this.draw();
    for (const tr of this.main.querySelectorAll<HTMLElement>('tr[data-mode]')) {
      if (open.has(tr.dataset.mode)) tr.querySelector('details')!.open = true;
      if (tr.dataset.mode === focused) tr.querySelector<HTMLElement>(focusedSummary ? 'summary' : 'button')?.focus();
    }
  }

  private draw(): void {
    const catalogue = this.catalogue!;
    const workload = catalogue.workloads.find((w) => w.name === this.spec.workload);
    const sequential = this.entries.get('sequential');
    const base = sequential && !isError(sequential) && complete(sequential) ? sequential : undefined;
    const ncores = cores();
    const rows = catalogue.modes.map((mode) => {
      const entry = this.entries.get(mode.name);
      const r = entry && !isError(entry) ? entry : undefined;
      const speedup = base && r && complete(r) ? base.wallMs / r.wallMs : undefined;
      const ideal = workload && r ? idealSpeedup(workload, mode, r.spec, ncores) : workload ? idealSpeedup(workload, mode, this.spec, ncores) : undefined;
      return { mode, entry, r, speedup, ideal };
    });
    const scale = Math.max(1, ...rows.flatMap((x) => [x.speedup ?? 0, x.ideal ?? 0]));

    const caption = document.createElement('caption');
    caption.textContent = `${describeWork(this.spec)}: every mode, on ${ncores} core${ncores === 1 ? '' : 's'} (${catalogue.build} build)`;
    const head = document.createElement('thead');
    head.innerHTML = '<tr><th scope="col">Mode</th><th scope="col">Wall time</th><th scope="col">Speedup vs sequential <span class="ideal-key">(│ ideal)</span></th><th scope="col">Ideal</th><th scope="col"><span class="visually-hidden">Timeline</span></th></tr>';
    const body = document.createElement('tbody');
    for (const x of rows) body.append(this.row(x.mode, x.entry, x.r, x.speedup, x.ideal, scale));
    const table = document.createElement('table');
    table.className = 'compare-table';
    table.append(caption, head, body);
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    wrap.append(table);
    this.main.replaceChildren(wrap, ...this.notes(workload));

    const done = [...this.entries.values()].filter((e): e is Recorded => !isError(e));
    renderClaims(this.claimsEl, claimInput(catalogue, done, ncores));
  }

  private row(mode: ModeInfo, entry: Entry | undefined, r: Recorded | undefined, speedup: number | undefined, ideal: number | undefined, scale: number): HTMLElement {
    const tr = document.createElement('tr');
    const state = this.states.get(mode.name) ?? 'waiting';
    tr.dataset.mode = mode.name;
    tr.dataset.state = state;
    const th = document.createElement('th');
    th.scope = 'row';
    const name = document.createElement('span');
    name.className = 'mode-name';
    name.textContent = mode.name;
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'Python, Rust';
    const python = document.createElement('pre');
    python.className = 'python';
    python.textContent = mode.python;
    const rust = document.createElement('p');
    rust.className = 'rust';
    rust.append('Ran by ', Object.assign(document.createElement('code'), { textContent: mode.source }));
    details.append(summary, python, rust);
    th.append(name, details);
    tr.append(th);

    const cell = (text: string, cls?: string) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
      return td;
    };
    if (isError(entry)) {
      const td = cell(`${entry.error.name}: ${entry.error.reason ?? entry.error.message}`, 'mode-error');
      td.colSpan = 4;
      // In a frame that cannot be isolated, a tab of its own can: it runs this mode there.
      if (entry.error.name === 'Unavailable' && framed()) td.append(' ', ownTabLink());
      tr.dataset.state = 'error';
      return tr;
    }
    const wall = !r ? { waiting: 'waiting', running: 'running…', stopped: 'not run (stopped)', done: '—' }[state] : `${fmtMs(r.wallMs)}${r.cancelled ? ' (stopped)' : r.error ? ` (raised ${r.error.name})` : ''}`;
    cell(wall, 'wall');
    if (r) tr.dataset.wallMs = String(r.wallMs);
    if (speedup !== undefined) tr.dataset.speedup = String(speedup);

    const bar = cell('', 'speedup');
    const text = document.createElement('span');
    text.className = 'speedup-text';
    text.textContent = speedup !== undefined ? fmtTimes(speedup) : '—';
    const track = document.createElement('span');
    track.className = 'bar-track';
    track.setAttribute('aria-hidden', 'true');
    if (speedup !== undefined) {
      const fill = document.createElement('span');
      fill.className = 'bar';
      fill.style.width = `${(100 * speedup) / scale}%`;
      track.append(fill);
    }
    if (ideal !== undefined) {
      const mark = document.createElement('span');
      mark.className = 'ideal-mark';
      mark.style.left = `${(100 * ideal) / scale}%`;
      track.append(mark);
    }
    bar.append(text, track);

    const workers = r ? workersOf(mode, r.spec) : undefined;
    cell(ideal === undefined ? 'depends' : `${fmtTimes(ideal)}${workers !== undefined ? ` (${workers} workers)` : ''}`, 'ideal');

    const td = cell('');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'show-timeline';
    button.textContent = 'Timeline';
    button.setAttribute('aria-label', `Show the ${mode.name} run on the timeline`);
    button.disabled = !r;
    if (r) button.addEventListener('click', () => this.showTimeline(r));
    td.append(button);
    return tr;
  }

  private notes(workload: WorkloadInfo | undefined): HTMLElement[] {
    const notes: string[] = [];
    const tasks = Number(this.entries.get('sequential') && !isError(this.entries.get('sequential')) ? (this.entries.get('sequential') as Recorded).spec.tasks : this.spec.tasks);
    const n = BROWSER_CONNECTIONS_PER_HOST;
    if (workload?.class === 'cpu') {
      notes.push(`Ideal: as many tasks at once as there are workers and cores (${cores()}), and no GIL; modes without workers run on one thread (1×).`);
    } else if (workload?.class === 'io') {
      notes.push('Ideal: every wait overlaps, so all tasks take as long as one; a pool with fewer workers than tasks waits in rounds.');
      const simulated = [...this.entries.values()].some((e) => !isError(e) && e.network === 'simulated');
      if (simulated) {
        notes.push(`Simulated network: there is no latency server on this host, so the lab's service worker answers the requests inside the browser. No connection is opened, so the browser's limit of ${n} connections per host does not apply here; with a real server, more than ${n} requests go in waves.`);
      } else if (workload && isHttp(workload.name) && tasks > n) {
        notes.push(`Waves of ${n}: a browser opens at most ${n} connections to one host (HTTP/1.1), so ${tasks} requests go in ${Math.ceil(tasks / n)} waves whatever the mode. Python's aiohttp would send them all at once (up to 100). This is the browser, not the lab.`);
      }
    } else if (workload?.class === 'mixed') {
      notes.push('Ideal: it depends. The waiting overlaps in any concurrent mode (like I/O work); the computing only shares out across processes or threads without a GIL (like CPU work).');
    }
    if (this.stopped) notes.push('Stopped: the modes that finished are shown; the others did not run.');
    return notes.map((t) => Object.assign(document.createElement('p'), { className: 'note', textContent: t }));
  }
}
