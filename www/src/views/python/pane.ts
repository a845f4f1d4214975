// "Run it in real Python": a pane that runs the program the page shows in CPython 3.14 in the page
// (Pyodide in a Worker of its own, through `window.lab.python.run`, a job of the lab's queue) and shows
// what it printed with the times, its error with the traceback, the timeline of its coroutines as the lab's
// tracer recorded them, and its wall time beside the model's for the same experiment. The learner may edit
// the program and run the edit; Reset restores the generated text. It renders only: every run goes through
// `window.lab`.

import type { Spec } from '../../engine/protocol';
import type { Lab, Recorded } from '../../lab/lab-api';
import type { Chapter } from '../../lesson/chapters';
import { resolveSpec } from '../../lesson/run';
import { adaptForBrowser, cannotRun, usesRequests, whyTheyDiffer, WHY_DISTINCT_URLS, type Change } from '../../python/real/adapt';
import { apiCallsProgram, fetchDataProgram, recordFactor, specProgram, type PythonProgram } from '../../python/real/choices';
import type { LoadCost, PrintedLine, PythonResult, TracedTask } from '../../python/real/protocol';
import { fmtMs } from '../work';

import { MAX_LINK_PY_CHARS } from './link';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {}, ...children: (Node | string)[]) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** Whether this browser has WebAssembly stack switching (JSPI), which Pyodide's asyncio.run needs. */
const hasJspi = () => typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === 'function';

/** The pane most recently edited (the share link carries its program). */
let lastEdited: PythonPane | undefined;

export class PythonPane {
  readonly element: HTMLElement;
  private programs: PythonProgram[] = [];
  private current?: PythonProgram;
  /** The learner's text per program, where it differs from the generated one. */
  private readonly edits = new Map<string, string>();
  private fromLink = false;
  private running?: AbortController;
  private readonly chooser: HTMLSelectElement;
  private readonly source: HTMLTextAreaElement;
  private readonly editedNote: HTMLElement;
  private readonly note: HTMLElement;
  private readonly changes: HTMLElement;
  private readonly runButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly output: HTMLElement;

  constructor(private readonly lab: Lab, id: string, heading = 'Run it in real Python') {
    this.chooser = document.createElement('select');
    Object.assign(this.chooser, { id: `${id}-program`, className: 'py-program' });
    this.chooser.addEventListener('change', () => this.select(this.chooser.value));
    this.source = document.createElement('textarea');
    Object.assign(this.source, { id: `${id}-source`, className: 'python py-source', spellcheck: false, rows: 14 });
    this.source.setAttribute('aria-label', 'The Python program (you may edit it)');
    this.source.setAttribute('autocapitalize', 'off');
    this.source.addEventListener('input', () => this.edited());
    this.editedNote = el('p', { className: 'py-edited', hidden: true });
    this.note = el('p', { className: 'py-note', hidden: true });
    this.changes = el('div', { className: 'py-changes' });
    this.runButton = el('button', { type: 'button', className: 'py-run', textContent: 'Run it in real Python' });
    this.runButton.addEventListener('click', () => void this.run());
    this.stopButton = el('button', { type: 'button', className: 'py-stop', textContent: 'Stop', disabled: true });
    this.stopButton.addEventListener('click', () => this.running?.abort());
    this.resetButton = el('button', { type: 'button', className: 'py-reset', textContent: 'Reset', disabled: true });
    this.resetButton.title = 'Restore the generated program';
    this.resetButton.addEventListener('click', () => this.reset());
    this.status = el('p', { className: 'py-status' });
    this.status.setAttribute('role', 'status');
    this.output = el('div', { className: 'py-output', hidden: true });
    const intro = el(
      'p',
      { className: 'py-intro' },
      'CPython 3.14 itself, compiled to WebAssembly (Pyodide), in a Worker of its own in this page: loaded from the lab\'s own files the first time you ask (about 13 MB, a few seconds), never before. Its runs wait their turn in the lab\'s queue, so they never overlap a measured run.',
    );
    const chooserLabel = el('label', { htmlFor: this.chooser.id, textContent: 'Program: ' });
    this.element = el(
      'section',
      { className: 'python-real', id },
      el('h3', { textContent: heading }),
      intro,
      el('div', { className: 'py-choose' }, chooserLabel, this.chooser),
      this.note,
      this.source,
      this.editedNote,
      this.changes,
      el('div', { className: 'buttons' }, this.runButton, this.stopButton, this.resetButton),
      this.status,
      this.output,
    );
    this.element.setAttribute('aria-label', heading);
    // Hidden until its programs are made (a chapter's are made asynchronously): no Run over an empty program.
    this.element.hidden = true;
  }

  /** The programs to offer; keeps the learner's edits and the choice when it is still offered. */
  setPrograms(programs: PythonProgram[], select?: string): void {
    this.programs = programs;
    // Work no program is written for (a workload the generator does not know) has no pane.
    this.element.hidden = programs.length === 0;
    this.chooser.replaceChildren(...programs.map((p) => new Option(p.label, p.key)));
    this.chooser.disabled = programs.length < 2;
    const key = select && programs.some((p) => p.key === select) ? select : this.current && programs.some((p) => p.key === this.current!.key) ? this.current.key : programs[0]?.key;
    if (key !== undefined) this.select(key);
  }

  /** Shows program `key` (with the learner's edit of it, if any). */
  select(key: string): void {
    const p = this.programs.find((x) => x.key === key);
    if (!p) return;
    this.current = p;
    this.chooser.value = key;
    this.source.value = this.edits.get(key) ?? p.text;
    this.source.rows = Math.min(30, Math.max(8, this.source.value.split('\n').length + 1));
    this.note.textContent = p.note ?? '';
    this.note.hidden = !p.note;
    this.showEdited();
    this.showChanges();
  }

  /** An edited program from a link: shown in place of the current program's text, said to be edited. */
  loadEdited(text: string): void {
    if (!this.current) return;
    this.fromLink = true;
    this.source.value = text;
    this.edited();
  }

  /** The program shown, when the learner edited it. */
  editedText(): string | undefined {
    return this.current && this.source.value !== this.current.text ? this.source.value : undefined;
  }

  /** The pane last edited that still shows an edited program and is on screen. */
  static editedOnScreen(): PythonPane | undefined {
    const p = lastEdited;
    return p && p.element.isConnected && p.element.offsetParent !== null && p.editedText() !== undefined ? p : undefined;
  }

  private edited(): void {
    if (!this.current) return;
    if (this.source.value === this.current.text) this.edits.delete(this.current.key);
    else {
      this.edits.set(this.current.key, this.source.value);
      lastEdited = this;
    }
    this.showEdited();
    this.showChanges();
  }

  private reset(): void {
    if (!this.current) return;
    this.edits.delete(this.current.key);
    this.fromLink = false;
    this.source.value = this.current.text;
    this.showEdited();
    this.showChanges();
    this.source.focus();
  }

  private showEdited(): void {
    const text = this.editedText();
    this.resetButton.disabled = text === undefined;
    this.editedNote.hidden = text === undefined;
    if (text === undefined) return;
    const link = text.length <= MAX_LINK_PY_CHARS ? 'Share keeps it in the link.' : `It is too long for a share link (${text.length.toLocaleString('en')} characters; at most ${MAX_LINK_PY_CHARS.toLocaleString('en')}): copy it instead.`;
    this.editedNote.textContent = `Edited${this.fromLink ? ' (from the link)' : ''}: this is your program, not the lab's; the comparison with the model is only for the generated one. ${link} Reset restores the generated program.`;
  }

  /** What changes between the text shown and what runs in the browser, each with its reason. */
  private showChanges(): void {
    const { changes } = adaptForBrowser(this.source.value, { jspi: hasJspi() });
    const items: HTMLElement[] = changes.map((c: Change) =>
      el('li', {}, `Line ${c.line}: `, el('code', { textContent: c.before }), ' runs as ', el('code', { textContent: c.after }), `. ${c.why}`),
    );
    if (usesRequests(this.source.value)) items.push(el('li', { textContent: WHY_DISTINCT_URLS }));
    this.changes.replaceChildren(...(items.length ? [el('p', { textContent: 'What changes to run it in the browser:' }), el('ul', {}, ...items)] : []));
  }

  /** Runs the program shown in real CPython, then (the generated program) the same experiment in the model. */
  async run(): Promise<PythonResult | undefined> {
    const program = this.current;
    if (!program || this.running) return undefined;
    const source = this.source.value;
    const edited = source !== program.text;
    const abort = (this.running = new AbortController());
    this.runButton.disabled = true;
    this.stopButton.disabled = false;
    this.element.dataset.state = 'running';
    const clicked = performance.now();
    this.status.textContent = 'Waiting for the lab\'s queue…';
    this.output.hidden = false;
    const prints = el('pre', { className: 'output py-prints', tabIndex: 0 });
    prints.setAttribute('aria-label', 'What the program printed, with the time of each line');
    this.output.replaceChildren(prints);
    const print = (line: PrintedLine, stream: 'stdout' | 'stderr') => {
      const row = el('span', { className: stream === 'stderr' ? 'py-stderr' : '', textContent: `${fmtMs(line.tMs).padStart(9)}  ${line.text}\n` });
      prints.append(row);
    };
    let result: PythonResult | undefined;
    try {
      // As shown: `python.run` makes the changes (in the real-Python worker, by what that worker can do).
      result = await this.lab.python.run(source, {
        signal: abort.signal,
        onLine: print,
        onLoading: () => (this.status.textContent = 'Loading CPython 3.14 (Pyodide) from the lab\'s files: about 13 MB, once; then the program runs…'),
      });
      if (!result.loadMs) this.status.textContent = 'Running…';
      this.showResult(program, result, edited, clicked);
      if (!edited && !result.error && (program.mode === 'asyncio' || program.mode === 'sequential')) await this.compareWithModel(program, result, abort.signal);
      else this.status.textContent = `Ran in ${fmtMs(result.wallMs)}.`;
    } catch (e) {
      const err = e as Error;
      if (err.name === 'AbortError') {
        this.status.textContent = 'Stopped: the Python Worker was ended (an await cannot be interrupted), so the next run loads CPython afresh.';
      } else {
        this.status.textContent = `Real Python could not run: ${err.message}`;
      }
    } finally {
      this.running = undefined;
      this.runButton.disabled = false;
      this.stopButton.disabled = true;
      this.element.dataset.state = 'done';
    }
    return result;
  }

  private showResult(program: PythonProgram, r: PythonResult, edited: boolean, clicked: number): void {
    const parts: HTMLElement[] = [];
    if (r.error) {
      const pre = el('pre', { className: 'output py-error', textContent: r.error.message, tabIndex: 0 });
      pre.setAttribute('aria-label', `The program raised ${r.error.name}`);
      parts.push(pre);
      const why = cannotRun(edited ? undefined : program.mode) ?? (/can't start new thread|_multiprocessing/.test(r.error.message) ? cannotRun('threads-gil') : undefined);
      if (why) parts.push(el('p', { className: 'py-explain' }, el('strong', { textContent: 'Why real Python stops here: ' }), why));
    }
    if (r.trace?.length) parts.push(traceView(r.trace, r.wallMs));
    parts.push(el('p', { className: 'py-wall' }, el('strong', { textContent: 'Real CPython: ' }), `${fmtMs(r.wallMs)} from the program's start to its end${r.error ? ` (it raised ${r.error.name})` : ''}.`));
    if (r.load) parts.push(loadView(r.load, performance.now() - clicked));
    this.output.append(...parts);
  }

  private async compareWithModel(program: PythonProgram, real: PythonResult, signal: AbortSignal): Promise<void> {
    this.status.textContent = 'Running the same experiment in the lab\'s model…';
    let model: Recorded;
    try {
      model = (await this.lab.run(program.model, { signal })) as Recorded;
    } catch (e) {
      this.status.textContent = `The model's run did not finish: ${(e as Error).message}`;
      return;
    }
    const ratio = real.wallMs / model.wallMs;
    if (program.workload.startsWith('cpu-')) recordFactor(program.workload, ratio);
    const spec = program.model;
    const what = `${spec.workload}, ${spec.mode}, ${spec.tasks} task${spec.tasks === 1 ? '' : 's'}${spec.latencyMs !== undefined && !String(spec.workload).startsWith('cpu-') ? ` of ${spec.latencyMs} ms` : ''}`;
    const line = el(
      'p',
      { className: 'py-compare' },
      el('strong', { textContent: 'Beside the model: ' }),
      `real CPython ${fmtMs(real.wallMs)}; the lab's model of the same experiment (${what}) ${fmtMs(model.wallMs)}; real / model = ${ratio.toFixed(ratio >= 10 ? 0 : 2)}×.`,
    );
    line.dataset.ratio = String(ratio);
    const why = whyTheyDiffer(String(spec.workload), String(spec.mode), ratio, real.wallMs, model.wallMs);
    this.output.append(line, ...(why ? [el('p', { className: 'py-why', textContent: why })] : []));
    this.status.textContent = `Ran in ${fmtMs(real.wallMs)}; the model took ${fmtMs(model.wallMs)}.`;
  }
}

/** How CPython started: from the copy of its memory this browser kept, or from nothing. */
const snapshotWords: Record<NonNullable<LoadCost['snapshot']>, string> = {
  used: ' It started from the copy of a started CPython this browser kept at an earlier load (about 31 MB, in its site storage), which skips most of its start-up.',
  made: ' A copy of the started CPython is being kept in this browser (about 31 MB, in its site storage, if it allows), so that the next load can skip most of its start-up.',
  none: '',
};

/** The loading cost, on the run that loaded CPython. */
function loadView(load: LoadCost, sinceClick: number): HTMLElement {
  const bytes = load.transferredBytes > 0 ? `${mb(load.transferredBytes)} transferred from the lab (${load.files} files)` : `${mb(load.bodyBytes)} (${load.files} files) that the browser's cache or the lab's service worker answered, so no transfer was counted`;
  return el(
    'p',
    { className: 'py-load' },
    el('strong', { textContent: 'Loading cost: ' }),
    `${load.version} loaded in ${seconds(load.loadMs)}, ${bytes}; the first result came ${seconds(sinceClick)} after the click.${snapshotWords[load.snapshot ?? 'none']} The lab's own page does not load it until asked, and keeps it loaded until a Stop.${load.jspi ? '' : ' This browser has no WebAssembly stack switching: asyncio.run(...) at the end of a program runs as a top-level await.'}`,
  );
}

/** The program's coroutines on one time axis: running (solid) and awaiting (light), as the tracer saw them. */
function traceView(tasks: TracedTask[], wallMs: number): HTMLElement {
  const end = Math.max(wallMs, ...tasks.map((t) => t.endMs), 1);
  const shown = tasks.slice(0, 40);
  const rows = shown.map((t) => {
    const track = el('div', { className: 'py-track' });
    for (const s of t.spans) {
      const span = el('div', { className: `py-span py-span-${s.kind}` });
      span.style.left = `${(100 * s.startMs) / end}%`;
      span.style.width = `${Math.max(0.3, (100 * (s.endMs - s.startMs)) / end)}%`;
      span.title = `${s.kind === 'run' ? 'running Python' : 'awaiting'}: ${fmtMs(s.startMs)} to ${fmtMs(s.endMs)}`;
      track.append(span);
    }
    const label = el('span', { className: 'py-label', textContent: t.label, title: `${t.label}: started at ${fmtMs(t.startMs)}, ended at ${fmtMs(t.endMs)}${t.error ? ` by ${t.error}` : ''}` });
    return el('div', { className: `py-row${t.error ? ' py-failed' : ''}` }, label, track);
  });
  const more = tasks.length > shown.length ? [el('p', { className: 'hint', textContent: `…and ${tasks.length - shown.length} more.` })] : [];
  const figure = el(
    'figure',
    { className: 'py-trace' },
    ...rows,
    ...more,
    el('figcaption', { textContent: `The program's coroutines (and work calls) as the lab's tracer recorded them from Python (sys.monitoring): solid while running Python, light while suspended at an await; 0 to ${fmtMs(end)}. One thread: never two solid at once.` }),
  );
  return figure;
}


/**
 * The page's real-Python panes: one per chapter of the lesson (its snippet and its experiments' programs)
 * and one in the playground (the form's work in every mode). Kept across redraws, with their edits.
 */
export class PythonPanes {
  private readonly chapters = new Map<string, { pane: PythonPane; value?: number; built?: Promise<void> }>();
  readonly playground: PythonPane;
  private playgroundSpec = '';

  constructor(private readonly lab: Lab) {
    this.playground = new PythonPane(lab, 'python-playground', 'Run it in real Python');
  }

  /** The pane of `chapter`, its programs made for the knob's `value` (the snippet follows the knob). */
  chapter(chapter: Chapter, value?: number): HTMLElement {
    let entry = this.chapters.get(chapter.id);
    if (!entry) {
      entry = { pane: new PythonPane(this.lab, `python-${chapter.id}`) };
      this.chapters.set(chapter.id, entry);
    }
    if (!entry.built || entry.value !== value) {
      entry.value = value;
      entry.built = this.buildChapter(chapter, entry.pane, value);
    }
    return entry.pane.element;
  }

  /** Shows a mode's program of one of the chapter's experiments (a compare row's button). */
  async selectInChapter(chapter: Chapter, experiment: string, mode: string): Promise<void> {
    const entry = this.chapters.get(chapter.id);
    if (!entry) return;
    await entry.built;
    entry.pane.select(`${experiment}/${mode}`);
    entry.pane.element.scrollIntoView({ block: 'nearest' });
  }

  /** The chapter pane shown for `chapter`, if built (a link's edited program goes there). */
  chapterPane(chapter: Chapter): PythonPane | undefined {
    return this.chapters.get(chapter.id)?.pane;
  }

  /** Resolves once the chapter's programs are there (made for the knob's default if not yet shown). */
  ready(chapter: Chapter): Promise<void> {
    if (!this.chapters.has(chapter.id)) this.chapter(chapter, chapter.knob?.default);
    return this.chapters.get(chapter.id)!.built!;
  }

  private async buildChapter(chapter: Chapter, pane: PythonPane, value?: number): Promise<void> {
    const programs: PythonProgram[] = [];
    if (chapter.snippet === 'fetch-data') programs.push(fetchDataProgram(value ?? chapter.knob?.default ?? 2));
    if (chapter.snippet === 'api-calls') programs.push(apiCallsProgram(Math.max(2, Math.round(value ?? chapter.knob?.default ?? 2))));
    const catalogue = this.lab.workloads();
    const tasks = catalogue.fields.find((f) => f.name === 'tasks')?.default ?? 8;
    const k = chapter.knob;
    for (const x of chapter.experiments) {
      const work = { tasks, ...resolveSpec(catalogue, x.spec), ...(k && value !== undefined && k.experiments.includes(x.name) ? { [k.field]: Math.round(value * k.scale) } : {}) };
      for (const mode of x.modes) {
        try {
          programs.push(await specProgram(this.lab, { ...work, mode }, { key: `${x.name}/${mode}`, label: `${x.title}: ${mode}` }));
        } catch {
          // A mode this engine refuses for the work has no program to run.
        }
      }
    }
    const tl = chapter.timeline;
    pane.setPrograms(programs, programs.some((p) => p.key === 'snippet') ? 'snippet' : `${tl.experiment}/${tl.mode}`);
  }

  /** The playground's pane follows the form's work: its program in every mode, the form's mode shown. */
  async follow(spec: Spec, select?: string): Promise<void> {
    const { mode, ...work } = spec;
    const json = JSON.stringify(work);
    if (json !== this.playgroundSpec) {
      this.playgroundSpec = json;
      const programs: PythonProgram[] = [];
      for (const m of this.lab.workloads().modes) {
        try {
          programs.push(await specProgram(this.lab, { ...work, mode: m.name }, { label: `${String(work.workload)}, ${m.name}` }));
        } catch {
          // A spec a mode refuses (a bad field) has no program.
        }
      }
      if (json !== this.playgroundSpec) return; // the form changed meanwhile
      this.playground.setPrograms(programs, `mode:${select ?? mode}`);
    } else if (select ?? mode) this.playground.select(`mode:${select ?? mode}`);
  }
}
