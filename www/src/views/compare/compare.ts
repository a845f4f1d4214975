// The compare view: the same work in every mode, measured fairly (a warm-up round, then rounds in changing
// orders; ../../measure/procedure.ts): each mode's median wall time with its spread, its speedup over
// sequential beside what the lesson predicts (and the hardware's ideal, labelled as such), the Python it
// stands for, and the lesson's claims. Rows fill in as rounds go; a Stop keeps what is done. How to read
// the table is said once per page (`readingNote`, ./reading.ts, linked from each table); the Rust that runs
// each mode is for developers, in the Playground's details only (`developer`).

import type { Catalogue, ModeInfo, PlainError, Spec, WorkloadInfo } from '../../engine/protocol';
import { COMPARE_BUDGET_MS, type CompareOutcome, type Recorded } from '../../lab/lab-api';
import type { CompareProgress } from '../../measure/procedure';
import { writtenProgram, type ProgramSpec } from '../../python/programs';
import { programFor, programOptions, programText } from './programs';
import { median as medianOf, roundSpeedups } from '../../measure/verdicts';
import { renderClaims } from './claims-view';
import { readingNote } from './reading';
import { framed, ownTabLink } from '../page/own-tab';
import {
  connectionsPerHost, complete, cores, describeWork, fmtMs, fmtTimes, idealSpeedup, isHttp, lessonPrediction, workersOf, workKey,
} from '../work';

export type { CompareOutcome };
type Entry = Recorded | { error: PlainError };
type RowState = 'waiting' | 'running' | 'done' | 'stopped';

const isError = (e: Entry | undefined): e is { error: PlainError } => !!e && !('wallMs' in e);

export interface CompareHandlers {
  /** Draws a mode's run on the timeline. */
  showTimeline(r: Recorded): void;
  /** Runs the same Compare again with more rounds. */
  moreRounds(): void;
  /** Opens a mode's program in the page's real-Python pane (where the page has one). */
  runInPython?(spec: Spec, mode: string): void;
}

export class CompareView {
  private catalogue?: Catalogue;
  private spec: Spec = {};
  private entries = new Map<string, Entry>();
  private states = new Map<string, RowState>();
  private stopped = false;
  private phase = '';
  private progress?: CompareProgress<Recorded>;
  /** Modes whose program is open (kept across redraws). */
  private readonly openCode = new Set<string>();
  private readonly uid = Math.random().toString(36).slice(2, 8);
  private readonly main: HTMLElement;
  private readonly claimsEl: HTMLElement;

  /**
   * `options.modes` limits the rows to a chapter's modes; `options.claims: false` leaves the claims to the
   * caller (a chapter shows its own); `readingId` and `developer`: see their fields.
   */
  constructor(
    private readonly section: HTMLElement,
    private readonly handlers: CompareHandlers,
    private readonly options: {
      modes?: string[];
      claims?: boolean;
      /** The id of the page's one note on how to read the table (`readingNote`): the table links to it.
       *  Without one, the table's notes say it themselves (a page with one table). */
      readingId?: string;
      /** The Playground's: a "for developers" disclosure with the Rust source of each mode. */
      developer?: boolean;
    } = {},
  ) {
    this.main = section.querySelector('.compare-main')!;
    this.claimsEl = section.querySelector('.compare-claims')!;
  }

  /** A compare of `spec` (without mode) begins: every mode waits. */
  start(catalogue: Catalogue, spec: Spec): void {
    this.catalogue = catalogue;
    this.spec = spec;
    this.entries.clear();
    this.progress = undefined;
    this.states = new Map(this.modes(catalogue).map((m) => [m.name, 'waiting']));
    this.stopped = false;
    this.phase = 'Warming up: every mode runs once on a quarter of the work, not counted…';
    this.section.hidden = false;
    this.section.dataset.state = 'running';
    this.render();
  }

  running(mode: string): void {
    if (!this.states.has(mode)) return;
    for (const [m, s] of this.states) if (s === 'running') this.states.set(m, this.entries.has(m) ? 'done' : 'waiting');
    this.states.set(mode, 'running');
    this.render();
  }

  /** A run of the Compare finished: the outcome so far (each mode's median round so far). */
  update(p: CompareProgress<Recorded>): void {
    this.progress = p;
    const aside = p.setAside?.at(-1);
    this.phase =
      p.phase === 'warm-up'
        ? 'Warming up: every mode runs once on a quarter of the work, not counted…'
        : p.phase === 'set-aside' && aside
          ? `Round ${p.round} set aside: a probe around it found ${aside.probe.toFixed(1)} of ${aside.cores} cores free (something else was using the machine), so it does not count and runs again…`
          : `Round ${p.round}: every mode once, in the order ${p.orders.at(-1)?.join(', ')}…`;
    for (const [mode, entry] of Object.entries(p.outcome)) this.entries.set(mode, entry as Entry);
    if (this.states.get(p.mode) === 'running') this.states.set(p.mode, this.entries.has(p.mode) ? 'done' : 'waiting');
    this.render();
  }

  /** The compare ended: `out` is authoritative for the modes it holds; with `stopped`, the rest never ran. */
  finish(out: CompareOutcome, stopped: boolean): void {
    for (const [mode, entry] of Object.entries(out)) {
      this.entries.set(mode, entry);
      this.states.set(mode, 'done');
    }
    this.stopped = stopped;
    this.phase = '';
    for (const [mode, state] of this.states) if (state !== 'done') this.states.set(mode, 'stopped');
    this.section.dataset.state = stopped ? 'stopped' : 'done';
    this.render();
  }

  /** Whether this compare holds a run of the same work as `r` (its claims are shown here already). */
  covers(r: Recorded): boolean {
    return !this.section.hidden && [...this.entries.values()].some((e) => !isError(e) && workKey(e.spec) === workKey(r.spec));
  }

  /** The run whose timeline tells this work's lesson: the GIL for CPU work, the event loop for I/O. */
  lessonRun(): Recorded | undefined {
    const workload = this.catalogue?.workloads.find((w) => w.name === this.spec.workload);
    // Mixed work that runs on threads only (the convoy) falls back to threads-gil.
    const order = workload?.class === 'cpu' ? ['threads-gil', 'asyncio', 'processes'] : workload?.class === 'io' ? ['asyncio', 'threads-gil'] : ['asyncio', 'processes', 'threads-gil'];
    for (const mode of order) {
      const e = this.entries.get(mode);
      if (e && !isError(e)) return e;
    }
    return undefined;
  }

  /** One sentence for the live region. */
  summary(): string {
    const done = [...this.entries].filter(([, e]) => !isError(e) && complete(e)) as [string, Recorded][];
    if (!done.length) return this.stopped ? 'Compare stopped before any mode finished.' : 'Compare finished with no results.';
    const [fastest, r] = done.sort((a, b) => a[1].wallMs - b[1].wallMs)[0];
    const rounds = r.rounds?.length ?? 1;
    return `Compare ${this.stopped ? 'stopped' : 'finished'} after ${rounds} round${rounds === 1 ? '' : 's'}: ${done.length} modes ran; fastest ${fastest}, ${fmtMs(r.wallMs)}.`;
  }

  /** Redraws the table, keeping which row's button had the focus and which snippets were open. */
  private render(): void {
    const active = document.activeElement instanceof HTMLElement && this.section.contains(document.activeElement) ? document.activeElement : undefined;
    const focused = active?.closest<HTMLElement>('tr[data-mode]')?.dataset.mode;
    const focusedSummary = active?.classList.contains('code-toggle');
    const focusedMore = active?.classList.contains('more-rounds');
    this.draw();
    for (const tr of this.main.querySelectorAll<HTMLElement>('tr[data-mode]')) {
      if (tr.dataset.mode === focused) tr.querySelector<HTMLElement>(focusedSummary ? '.code-toggle' : '.show-timeline')?.focus();
    }
    if (focusedMore) this.section.querySelector<HTMLElement>('.more-rounds')?.focus();
  }

  private draw(): void {
    const catalogue = this.catalogue!;
    const workload = catalogue.workloads.find((w) => w.name === this.spec.workload);
    const sequential = this.entries.get('sequential');
    const base = sequential && !isError(sequential) && complete(sequential) ? sequential : undefined;
    const ncores = cores();
    const rows = this.modes(catalogue).map((mode) => {
      const entry = this.entries.get(mode.name);
      const r = entry && !isError(entry) ? entry : undefined;
      const spec = r?.spec ?? this.spec;
      const speedups = base && r && complete(r) ? roundSpeedups(base, r) : undefined;
      const ideal = workload ? idealSpeedup(workload, mode, spec, ncores) : undefined;
      const predicted = workload ? lessonPrediction(workload, mode, spec, ncores) : undefined;
      return { mode, entry, r, speedups, ideal, predicted };
    });
    const scale = Math.max(1, ...rows.flatMap((x) => [...(x.speedups ?? []), x.ideal ?? 0, x.predicted?.x ?? 0]));

    const caption = document.createElement('caption');
    caption.textContent = `${describeWork(this.spec)}: ${this.options.modes ? this.options.modes.join(', ') : 'every mode'}, on ${ncores} core${ncores === 1 ? '' : 's'}`;
    const head = document.createElement('thead');
    head.innerHTML =
      '<tr><th scope="col">Mode</th><th scope="col">Wall time</th><th scope="col">Speedup</th>' +
      '<th scope="col">The lesson predicts</th><th scope="col"><span class="visually-hidden">Timeline</span></th></tr>';
    const body = document.createElement('tbody');
    for (const x of rows) {
      body.append(this.row(x.mode, x.entry, x.r, x.speedups, x.ideal, x.predicted, scale));
      if (!isError(x.entry)) body.append(this.codeRow(x.mode, x.r));
    }
    const table = document.createElement('table');
    table.className = 'compare-table';
    table.append(caption, head, body);
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    wrap.append(table);
    const phase = Object.assign(document.createElement('p'), { className: 'compare-phase', textContent: this.phase });
    phase.setAttribute('role', 'status');
    phase.hidden = !this.phase;
    this.main.replaceChildren(phase, wrap, ...this.notes(workload), ...(this.options.developer ? [this.sources(catalogue)] : []));

    const done: Record<string, Entry> = Object.fromEntries(this.entries);
    if (this.options.claims === false) return;
    renderClaims(this.claimsEl, done as never, { how: this.howMeasured() });
    const running = this.section.dataset.state === 'running';
    if (!running && Object.values(done).some((e) => !isError(e))) {
      const more = document.createElement('button');
      more.type = 'button';
      more.className = 'more-rounds';
      more.textContent = 'Run more rounds';
      more.title = 'The same Compare again with a larger budget (about a minute): more rounds narrow the spread and settle inconclusive claims.';
      more.addEventListener('click', () => this.handlers.moreRounds());
      this.claimsEl.append(more);
    }
  }

  private workload(): WorkloadInfo | undefined {
    return this.catalogue?.workloads.find((w) => w.name === this.spec.workload);
  }

  private modes(catalogue: Catalogue): ModeInfo[] {
    return this.options.modes ? catalogue.modes.filter((m) => this.options.modes!.includes(m.name)) : catalogue.modes;
  }

  /** How the verdicts were reached: rounds, orders, warm-up, the cores the probe found free. */
  howMeasured(): string | undefined {
    const any = [...this.entries.values()].find((e): e is Recorded => !isError(e));
    if (!any) return undefined;
    const m = any.measurement;
    const orders = m?.orders ?? this.progress?.orders ?? [];
    const rounds = any.rounds?.length ?? 1;
    const parts = [`Each figure is the median of ${rounds} counted round${rounds === 1 ? '' : 's'}, after a warm-up round that was not counted.`];
    if (orders.length) parts.push(`Every round ran each mode once, in a new order (round 1: ${orders[0].join(', ')}), so no mode always ran first or last.`);
    const p = any.machine?.parallelism;
    if (p !== undefined) parts.push(`Probes before every run and after the last of each round found ${p.toFixed(1)} of ${any.machine.cores} cores free (the median).`);
    else if (m && !m.probes?.length && !m.setAside?.length) parts.push('The machine was not probed: waits on I/O overlap however busy its cores are, so no claim here needs them idle.');
    parts.push('A claim is borne out when every round lies on its side of the threshold, not borne out when every round lies on the other side, and inconclusive otherwise.');
    if (m?.budgetMs) parts.push(`The time budget was ${Math.round(m.budgetMs / 1000)} s for ${this.entries.size} rows (${COMPARE_BUDGET_MS / 5000} s a row, at least ${COMPARE_BUDGET_MS / 1000} s).`);
    if (m?.ended === 'budget') parts.push('Rounds stopped at the time budget.');
    const aside = m?.setAside ?? [];
    if (aside.length === 1) parts.push(`Round ${aside[0].round} was set aside and run again: a probe before or after it found ${aside[0].probe.toFixed(1)} of ${aside[0].cores} cores free (something else was using the machine); its times are in the exported record, not in the figures.`);
    else if (aside.length > 1) parts.push(`${aside.length} rounds were set aside and run again: probes around them found ${aside.map((a) => a.probe.toFixed(1)).join(' and ')} of ${aside[0].cores} cores free (something else was using the machine); their times are in the exported record, not in the figures.`);
    return parts.join(' ');
  }

  private row(
    mode: ModeInfo,
    entry: Entry | undefined,
    r: Recorded | undefined,
    speedups: number[] | undefined,
    ideal: number | undefined,
    predicted: { x?: number; text: string } | undefined,
    scale: number,
  ): HTMLElement {
    const tr = document.createElement('tr');
    const state = this.states.get(mode.name) ?? 'waiting';
    tr.dataset.mode = mode.name;
    tr.dataset.state = state;
    const th = document.createElement('th');
    th.scope = 'row';
    const name = document.createElement('span');
    name.className = 'mode-name';
    name.textContent = mode.name;
    // The whole Python program opens in a row of its own below, so the table's columns stay where they are.
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'code-toggle';
    toggle.textContent = 'Python';
    toggle.setAttribute('aria-label', `The ${mode.name} run as a Python program`);
    toggle.setAttribute('aria-expanded', String(this.openCode.has(mode.name)));
    toggle.setAttribute('aria-controls', `code-${this.uid}-${mode.name}`);
    toggle.addEventListener('click', () => {
      if (this.openCode.has(mode.name)) this.openCode.delete(mode.name);
      else this.openCode.add(mode.name);
      this.render();
    });
    th.append(name, toggle);
    tr.append(th);
    const cell = (text: string, cls?: string) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
      return td;
    };
    if (isError(entry)) {
      // A mode the workload cannot run says so in a few words; the note under the table says why, once.
      const unsupported = entry.error.field === 'mode' && this.workload()?.modes.find((m) => m.mode === mode.name)?.unsupported;
      const unavailable = entry.error.name === 'Unavailable';
      const td = cell(
        unsupported
          ? `Not run: this work runs under ${entry.error.allowed} only (see below).`
          : unavailable
            ? 'Cannot run on this page: its threads need to share memory, which this page does not allow. '
            : entry.error.name === 'SpecError'
              ? `Not run: ${entry.error.message}. `
              : 'This run failed (Details says why). ',
        'mode-error',
      );
      if (unsupported) td.title = entry.error.message;
      // In a frame that cannot be isolated, a tab of its own can: it runs this mode there.
      if (unavailable && framed()) td.append(ownTabLink(), ' ');
      // The lab's own words for why (the build, isolation), for whoever wants them.
      if (!unsupported) td.append(disclosure('Details', `${entry.error.name}: ${entry.error.reason ?? entry.error.message}`));
      td.colSpan = 4;
      tr.dataset.state = 'error';
      return tr;
    }
    const rounds = r?.rounds ?? (r ? [r.wallMs] : []);
    const wall = !r
      ? { waiting: 'waiting', running: 'running…', stopped: 'not run (stopped)', done: '—' }[state]
      : `${fmtMs(r.wallMs)}${r.cancelled ? ' (stopped)' : r.error ? ` (raised ${r.error.name})` : ''}`;
    const wallTd = cell(wall, 'wall');
    if (r && rounds.length > 1) {
      wallTd.append(Object.assign(document.createElement('span'), { className: 'spread', textContent: `${fmtRange(Math.min(...rounds), Math.max(...rounds))} · ${rounds.length} rounds` }));
    }
    if (state === 'running' && r) wallTd.append(Object.assign(document.createElement('span'), { className: 'spread', textContent: ' (running again…)' }));
    if (r) tr.dataset.wallMs = String(r.wallMs);
    const median = speedups?.length ? medianOf(speedups) : undefined;
    if (median !== undefined) tr.dataset.speedup = String(median);

    const bar = cell('', 'speedup');
    const text = document.createElement('span');
    text.className = 'speedup-text';
    text.textContent = median !== undefined ? fmtTimes(median) : '—';
    const track = document.createElement('span');
    track.className = 'bar-track';
    track.setAttribute('aria-hidden', 'true');
    if (median !== undefined) {
      const fill = document.createElement('span');
      fill.className = 'bar';
      fill.style.width = `${(100 * median) / scale}%`;
      track.append(fill);
      if (speedups!.length > 1) {
        const whisker = document.createElement('span');
        whisker.className = 'whisker';
        whisker.style.left = `${(100 * Math.min(...speedups!)) / scale}%`;
        whisker.style.width = `${(100 * (Math.max(...speedups!) - Math.min(...speedups!))) / scale}%`;
        track.append(whisker);
      }
    }
    if (ideal !== undefined) {
      const mark = document.createElement('span');
      mark.className = 'ideal-mark';
      mark.title = `hardware ideal: ${fmtTimes(ideal)}`;
      mark.style.left = `${(100 * ideal) / scale}%`;
      track.append(mark);
    }
    // A run with nothing to compare it with (no sequential run beside it) has no speedup: no empty bar either.
    bar.append(text, ...(median === undefined && r ? [] : [track]));
    if (median !== undefined && speedups!.length > 1) {
      bar.append(Object.assign(document.createElement('span'), { className: 'spread', textContent: `${Math.min(...speedups!).toFixed(2)}–${fmtTimes(Math.max(...speedups!))}` }));
    }
    if (r?.notes?.length) bar.append(Object.assign(document.createElement('p'), { className: 'row-note', textContent: r.notes.join(' ') }));

    const workers = r ? workersOf(mode, r.spec) : undefined;
    const predictedTd = cell(predicted ? `${predicted.x !== undefined ? `${fmtTimes(predicted.x)}: ` : ''}${predicted.text}` : '—', 'predicted');
    if (workers !== undefined) predictedTd.append(Object.assign(document.createElement('span'), { className: 'spread', textContent: `${workers} worker${workers === 1 ? '' : 's'}` }));

    const td = cell('');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'show-timeline';
    button.textContent = 'Timeline';
    button.setAttribute('aria-label', `Show the ${mode.name} run on the timeline`);
    button.disabled = !r;
    if (r) button.addEventListener('click', () => this.handlers.showTimeline(r));
    td.append(button);
    return tr;
  }

  /** The row under a mode with its whole Python program (as the run's spec would be written) and source. */
  private codeRow(mode: ModeInfo, r: Recorded | undefined): HTMLElement {
    const tr = document.createElement('tr');
    tr.className = 'code-row';
    tr.id = `code-${this.uid}-${mode.name}`;
    tr.hidden = !this.openCode.has(mode.name);
    const td = document.createElement('td');
    td.colSpan = 5;
    const spec = (r?.spec ?? { ...this.spec, mode: mode.name, tasks: Number(this.spec.tasks) || 8 }) as ProgramSpec;
    // The engine writes the program (asked once per spec, then kept): the row fills in when it answers.
    const written = writtenProgram(spec, programOptions());
    let text = written ? programText(written) : '';
    const pre = document.createElement('pre');
    pre.className = 'python';
    pre.textContent = text;
    if (!written) void programFor(spec).then((t) => (pre.textContent = text = t));
    pre.setAttribute('aria-label', `The ${mode.name} run as a Python program`);
    // It scrolls when long: reachable by keyboard.
    pre.tabIndex = 0;
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.textContent = 'Copy the Python';
    copy.addEventListener('click', () => void navigator.clipboard?.writeText(text).then(() => (copy.textContent = 'Copied')).catch(() => {}));
    const real: HTMLElement[] = [];
    if (this.handlers.runInPython) {
      const button = Object.assign(document.createElement('button'), { type: 'button', className: 'run-real-python', textContent: 'Run it in real Python' });
      button.addEventListener('click', () => this.handlers.runInPython!(spec as Spec, mode.name));
      real.push(button);
    }
    td.append(pre, copy, ...real);
    tr.append(td);
    return tr;
  }

  private notes(workload: WorkloadInfo | undefined): HTMLElement[] {
    const notes: string[] = [];
    const seq = this.entries.get('sequential');
    const tasks = Number(seq && !isError(seq) ? seq.spec.tasks : this.spec.tasks);
    const n = connectionsPerHost();
    const reading = this.options.readingId;
    if (workload?.class === 'io') {
      const simulated = [...this.entries.values()].some((e) => !isError(e) && e.network === 'simulated');
      if (simulated) {
        notes.push(`Simulated network: there is no latency server on this host, so the lab's service worker answers the requests inside the browser. No connection is opened, so the browser's limit of ${n} connections per host does not apply here; with a real server, more than ${n} requests go in waves.`);
      } else if (workload && isHttp(workload.name) && tasks > n) {
        notes.push(`Waves of ${n}: a browser opens at most ${n} connections to one host (HTTP/1.1), so ${tasks} requests go in ${Math.ceil(tasks / n)} waves whatever the mode. Python's aiohttp would send them all at once (up to 100). This is the browser, not the lab.`);
      }
    } else if (workload?.name === 'convoy') {
      notes.push(
        "The convoy: each row's wall time is the I/O thread's (the CPU-bound threads stop when it is done), and sequential is that thread alone, so a speedup below 1× says how much the CPU-bound threads held it up: 0.10× is 10× slower. The lesson predicts it from the switch interval; the claims decide it.",
      );
    } else if (workload?.class === 'mixed') {
      notes.push('Mixed work: the waiting overlaps in any concurrent mode (like I/O work); the computing only shares out across processes or threads without a GIL (like CPU work). Which wins depends on the mix of waiting and computing.');
    }
    // Modes that cannot run this workload, with the catalogue's reason (once, not in every row).
    const notFor = (workload?.modes ?? []).filter((m) => m.unsupported && this.states.has(m.mode));
    for (const why of new Set(notFor.map((m) => m.unsupported!))) {
      const modes = notFor.filter((m) => m.unsupported === why).map((m) => m.mode);
      notes.push(`Not run: ${modes.join(', ')} cannot run this work: ${why}.`);
    }
    if (this.stopped) notes.push('Stopped: the rounds that finished are shown; the others did not run.');
    const ps: HTMLElement[] = notes.map((t) => Object.assign(document.createElement('p'), { className: 'note', textContent: t }));
    // How to read the table: once on the page, linked from here; or here, on a page with one table.
    if (reading) {
      const link = Object.assign(document.createElement('a'), { href: `#${reading}`, textContent: 'How to read this table' });
      // Brought into view and focused without touching the URL (the page routes by it).
      link.addEventListener('click', (e) => {
        const target = document.getElementById(reading);
        if (!target) return;
        e.preventDefault();
        target.scrollIntoView({ block: 'center' });
        target.focus({ preventScroll: true });
      });
      ps.unshift(Object.assign(document.createElement('p'), { className: 'note reading-link' }));
      ps[0].append(link, ': wall time, speedup, the hardware ideal.');
    } else ps.unshift(readingNote());
    return ps;
  }

  /** For developers (the Playground): where the code that runs each mode lives, the lab's Rust. */
  private sources(catalogue: Catalogue): HTMLElement {
    const list = document.createElement('ul');
    for (const mode of this.modes(catalogue)) {
      const li = document.createElement('li');
      li.append(`${mode.name}: `);
      for (const [i, path] of mode.source.split(' + ').entries()) {
        if (i) li.append(' and ');
        const a = Object.assign(document.createElement('a'), { href: `source/${path}.txt`, target: '_blank', rel: 'noopener' });
        a.append(Object.assign(document.createElement('code'), { textContent: path }));
        li.append(a);
      }
      list.append(li);
    }
    const details = disclosure("For developers: the lab's code that runs each mode", list);
    details.classList.add('developer-details', 'rust');
    return details;
  }
}

/** A closed <details> with `summary` and its content. */
function disclosure(summary: string, content: Node | string): HTMLDetailsElement {
  const d = document.createElement('details');
  d.className = 'more-details';
  d.append(Object.assign(document.createElement('summary'), { textContent: summary }), content);
  return d;
}

/** "596–600 ms" (one unit for both ends). */
function fmtRange(lo: number, hi: number): string {
  const a = fmtMs(lo);
  const b = fmtMs(hi);
  const unit = b.replace(/^[\d.,]+\s*/, '');
  return a.endsWith(unit) ? `${a.slice(0, -unit.length).trim()}–${b}` : `${a}–${b}`;
}
