// The lesson view: the lesson's chapters as a path (../../lesson/chapters.ts). Each chapter shows the claim
// in the lesson's words, one button that runs the experiments that test it (through `lab.lesson.run`,
// measured fairly), each experiment's modes side by side, the verdicts, what CPython shows for the same
// experiment, and the timeline that shows why, with a sentence saying what to look at. It renders only;
// every run goes through `window.lab`.

import type { Catalogue, Spec } from '../../engine/protocol';
import type { CompareOutcome, Lab, Recorded } from '../../lab/lab-api';
import { CHAPTERS, chapterById, knobAccepts, type Chapter, type ChapterExperiment } from '../../lesson/chapters';
import { lastChapterRun, resolveSpec, type ChapterRun } from '../../lesson/run';
import type { CompareStart } from '../../measure/procedure';
import { renderVerdicts } from '../compare/claims-view';
import { CompareView } from '../compare/compare';
import { readingNote } from '../compare/reading';
import { ChapterProgress, experimentPlans } from './chapter-progress';
import { convoyTable } from './convoy-view';
import { renderTimeline } from '../timeline/timeline';
import { fmtMs } from '../work';
import type { ActivityHooks } from '../../activity/activity';

export interface LessonHandlers {
  /** The chapter shown changed (the page keeps it in the URL): `step` when the learner moved to it (Next,
   *  Previous, the chapter list), which the page makes a browser history entry. */
  shown(id: string, step?: boolean): void;
  announce(text: string): void;
  busy(on: boolean): void;
  /** The lesson's own Python for a chapter that has some (with the knob's value, if it has one). */
  snippet(chapter: Chapter, value?: number): string | undefined;
  /** The program the chapter runs where it is more than the lesson's code (../../lesson/snippets.ts). */
  program?(chapter: Chapter, value?: number): { title: string; text: string } | undefined;
  /** The chapter's "Run it in real Python" pane (its programs for the knob's value), and a compare row's
   *  button that shows one experiment's mode in it (../python/pane.ts). */
  python?: { pane(chapter: Chapter, value?: number): HTMLElement; select(chapter: Chapter, experiment: string, mode: string): void };
  /** A course activity on a chapter (../activity/activity.ts): told of every render and of each run. */
  activity?: ActivityHooks;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {}, ...children: (Node | string)[]) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

export class LessonView {
  private current: Chapter = CHAPTERS[0];
  /** The last run of each chapter on this page (kept when the learner moves on and comes back). */
  private readonly runs = new Map<string, ChapterRun>();
  private running = false;
  /** The knob's value per chapter, as the learner set it. */
  private readonly knob = new Map<string, number>();
  /** The engine's catalogue: the chapter is shown before the engine has started, its run waits for it. */
  private catalogue?: Catalogue;
  private readonly started: Promise<Catalogue>;
  private start!: (c: Catalogue) => void;

  constructor(
    private readonly root: HTMLElement,
    private readonly lab: Lab,
    catalogue: Catalogue | undefined,
    private readonly handlers: LessonHandlers,
    /** One chapter alone (an embed): no path beside it, no steps to the others. */
    private readonly single = false,
  ) {
    this.started = new Promise((resolve) => (this.start = resolve));
    if (catalogue) this.ready(catalogue);
  }

  /** The engine has started: a Run pressed meanwhile goes ahead; `python` adds the real-Python pane. */
  ready(catalogue: Catalogue, python?: LessonHandlers['python']): void {
    this.catalogue = catalogue;
    this.start(catalogue);
    if (python && !this.handlers.python) {
      this.handlers.python = python;
      const chapter = this.current;
      const at = this.root.querySelector('.chapter .cpython');
      if (at) at.after(python.pane(chapter, this.knobOf(chapter)));
    }
    this.root.querySelector('#chapter-run-note')?.remove();
    this.root.querySelector('#chapter-run')?.removeAttribute('aria-describedby');
    // A chapter whose last run came back from the history before the engine: its tables and verdicts now.
    if (this.runs.has(this.current.id)) this.redraw();
  }

  /** Draws the chapter shown again (not while it runs: its live tables stay), the focus kept where it was. */
  private redraw(): void {
    if (this.running || !this.root.querySelector('.chapter')) return;
    const focused = this.root.contains(document.activeElement) ? document.activeElement?.id : undefined;
    this.render();
    if (focused) this.root.querySelector<HTMLElement>(`#${CSS.escape(focused)}`)?.focus({ preventScroll: true });
  }

  /** Chapters' last runs kept in the history (a reload): their verdicts and the list's badges come back. */
  restore(history: readonly Recorded[]): void {
    // The verdicts are decided again from the rows, by the engine's rules: once the engine has started.
    void this.started.then(() => this.restoreNow(history));
  }

  private restoreNow(history: readonly Recorded[]): void {
    let any = false;
    for (const c of CHAPTERS) {
      if (this.runs.has(c.id)) continue;
      const last = lastChapterRun(c, history);
      if (!last) continue;
      any = true;
      this.runs.set(c.id, last);
      if (last.value !== undefined && !this.knob.has(c.id)) this.knob.set(c.id, last.value);
    }
    if (any) this.redraw();
  }

  /** Shows chapter `id` (the first one when unknown: the caller reports a bad id); `step`: the learner moved there. */
  show(id: string, focus = false, step = false): void {
    this.current = chapterById(id) ?? CHAPTERS[0];
    this.render();
    this.handlers.shown(this.current.id, step);
    if (focus) this.root.querySelector<HTMLElement>('#chapter-title')?.focus();
  }

  private knobOf(chapter: Chapter): number | undefined {
    return chapter.knob ? this.knob.get(chapter.id) ?? chapter.knob.default : undefined;
  }

  get chapter(): Chapter {
    return this.current;
  }

  /** Runs the chapter shown; resolves when its experiments are done (or stopped). */
  async run(): Promise<ChapterRun | undefined> {
    if (this.running) return undefined;
    const chapter = this.current;
    this.running = true;
    this.handlers.busy(true);
    const status = this.root.querySelector<HTMLElement>('.chapter-status')!;
    if (!this.catalogue) {
      // Pressed while the engine starts: the run waits for it, and says so.
      status.textContent = 'Waiting for the lab to start: the experiment begins as soon as it is ready…';
      this.root.querySelector('#chapter-run')?.setAttribute('aria-disabled', 'true');
    }
    const catalogue = await this.started;
    this.root.querySelector('#chapter-run')?.removeAttribute('aria-disabled');
    if (chapter !== this.current) {
      // The learner moved on while the engine started: the press was for the chapter no longer shown.
      this.running = false;
      this.handlers.busy(false);
      return undefined;
    }
    this.handlers.activity?.started(chapter);
    const views = new Map<string, CompareView>();
    for (const x of chapter.experiments) views.set(x.name, this.experimentView(chapter, x, this.workOf(x.spec)));
    const progress = new ChapterProgress(status, chapter, experimentPlans(this.lab, catalogue, chapter, this.knob.get(chapter.id)));
    progress.tell();
    this.handlers.announce(`Running the experiments of ${chapter.title}.`);
    // While the chapter runs: the experiment whose rounds are going now, and each one's outcome so far.
    const live = { active: chapter.experiments[0].name, last: new Map<string, CompareOutcome>() };
    // Experiments run one after another: the first news of the next one ends the one before.
    const reached = (name: string) => {
      if (name !== live.active) views.get(live.active)?.finish(live.last.get(live.active) ?? {}, false);
      live.active = name;
    };
    const onStart = (name: string, s: CompareStart) => {
      reached(name);
      views.get(name)?.running(s.mode);
      progress.started(name, s);
    };
    const onProgress = (name: string, p: Parameters<CompareView['update']>[0]) => {
      reached(name);
      live.last.set(name, p.outcome as CompareOutcome);
      views.get(name)?.update(p);
      progress.finished();
    };
    try {
      const result = await this.lab.lesson.run(chapter.id, { onProgress, onStart, value: this.knob.get(chapter.id) });
      progress.end();
      this.runs.set(chapter.id, result);
      this.handlers.activity?.finished(chapter, result);
      for (const [name, outcome] of Object.entries(result.outcomes)) views.get(name)?.finish(outcome, false);
      if (chapter === this.current) this.render();
      const borne = result.claims.filter((c) => c.verdict === 'borne-out').length;
      this.handlers.announce(`${chapter.title}: ${borne} of ${result.claims.length} claims borne out.`);
      return result;
    } catch (e) {
      const err = e as Error & { partial?: CompareOutcome };
      status.textContent = err.name === 'AbortError' ? 'Stopped. Run it again to see the verdicts.' : `The experiment failed: ${err.message}`;
      for (const v of views.values()) v.finish({}, true);
      this.handlers.activity?.finished(chapter, undefined);
      return undefined;
    } finally {
      progress.end();
      this.running = false;
      this.handlers.busy(false);
    }
  }

  private render(): void {
    const chapter = this.current;
    const index = CHAPTERS.indexOf(chapter);
    // A run's tables need the engine's catalogue: one kept from an earlier visit is drawn once it is here.
    const done = this.catalogue ? this.runs.get(chapter.id) : undefined;

    const nav = el('ol', { className: 'chapter-list' });
    for (const [i, c] of CHAPTERS.entries()) {
      const a = el('a', { href: `?chapter=${c.id}`, textContent: c.title });
      if (c === chapter) a.setAttribute('aria-current', 'step');
      const verdicts = this.runs.get(c.id)?.claims;
      if (verdicts) a.append(el('span', { className: 'chapter-done', textContent: ` ${verdicts.filter((v) => v.verdict === 'borne-out').length}/${verdicts.length} borne out` }));
      a.addEventListener('click', (e) => {
        e.preventDefault();
        this.show(c.id, true, true);
      });
      nav.append(el('li', { className: i === index ? 'current' : '' }, a));
    }
    // On a small screen the list is a menu (closed: a button that opens it); on a wide one it stays open.
    const wide = typeof matchMedia === 'function' && matchMedia('(min-width: 62rem)').matches;
    const summary = el('summary', { className: 'chapter-menu' }, 'Chapters ', el('span', { className: 'chapter-menu-where', textContent: `(this is ${index + 1} of ${CHAPTERS.length})` }));
    const menu = el('details', { className: 'chapter-menu-box', open: wide }, summary, nav);
    const navWrap = el('nav', { className: 'chapter-nav' }, menu);
    navWrap.setAttribute('aria-label', 'Chapters of the lesson');

    const title = el('h2', { id: 'chapter-title', textContent: chapter.title, tabIndex: -1 });
    const where = el('p', { className: 'chapter-where', textContent: `Chapter ${index + 1} of ${CHAPTERS.length}` });
    // The lesson's code is shown as code, line by line; its prose as prose.
    const quote = chapter.quoteIsCode
      ? el('blockquote', { className: 'lesson-quote lesson-quote-code' }, codeBlock(chapter.quote, "The lesson's code, as it quotes it"))
      : el('blockquote', { className: 'lesson-quote' }, el('p', { textContent: chapter.quote }));
    const claim = el('p', { className: 'chapter-claim' }, el('strong', { textContent: 'The claim: ' }), chapter.claim);
    // The claim and its Run button first (the first screen of a phone), then the lesson's words and code.
    const parts: HTMLElement[] = [where, title, claim];

    const knob = chapter.knob;
    let knobInput: HTMLInputElement | undefined;
    if (knob) {
      knobInput = document.createElement('input');
      Object.assign(knobInput, { type: 'number', id: 'chapter-knob', min: String(knob.min), max: String(knob.max), step: String(knob.step), value: String(this.knob.get(chapter.id) ?? knob.default) });
      knobInput.addEventListener('change', () => {
        const v = Number(knobInput!.value);
        const ok = knobAccepts(knob, v);
        knobInput!.setAttribute('aria-invalid', String(!ok));
        hint.textContent = ok ? `${knob.min}..${knob.max}` : `${knob.label}: a number in ${knob.min}..${knob.max} (got ${knobInput!.value || 'nothing'}); the run keeps ${this.knob.get(chapter.id) ?? knob.default}.`;
        if (ok) this.knob.set(chapter.id, v);
        const code = this.root.querySelector<HTMLElement>('.lesson-code pre');
        if (ok && code) code.textContent = this.handlers.snippet(chapter, v) ?? '';
        const ran = this.root.querySelector<HTMLElement>('.lesson-program pre');
        if (ok && ran) ran.textContent = this.handlers.program?.(chapter, v)?.text ?? '';
        if (ok) this.handlers.python?.pane(chapter, v);
      });
      const hint = el('small', { id: 'chapter-knob-hint', textContent: `${knob.min}..${knob.max}` });
      knobInput.setAttribute('aria-describedby', 'chapter-knob-hint');
      parts.push(el('div', { className: 'field chapter-knob' }, el('label', { htmlFor: 'chapter-knob', textContent: knob.label }), knobInput, hint));
    }

    const run = el('button', { type: 'button', className: 'chapter-run', id: 'chapter-run', textContent: done ? 'Run it again' : 'Run the experiment' });
    run.addEventListener('click', () => void this.run());
    const plan = chapter.experiments.map((x) => x.title).join('. ');
    const runRow = el('div', { className: 'buttons' }, run, el('span', { className: 'chapter-plan', textContent: ` ${plan}.` }));
    parts.push(runRow);
    if (!this.catalogue) {
      // The engine is still starting: the button works now (the run waits for it), and says so.
      runRow.append(el('p', { id: 'chapter-run-note', className: 'hint', textContent: 'The lab is still starting (a second or two): press now and the experiment begins as soon as it is ready.' }));
      run.setAttribute('aria-describedby', 'chapter-run-note');
    }
    const status = el('p', { className: 'chapter-status' });
    status.setAttribute('role', 'status');
    parts.push(status, quote);
    const snippet = this.handlers.snippet(chapter, knob ? this.knob.get(chapter.id) ?? knob.default : undefined);
    if (snippet) {
      const pre = el('pre', { className: 'python', textContent: snippet, tabIndex: 0 });
      pre.setAttribute('aria-label', "The lesson's Python");
      parts.push(el('details', { className: 'lesson-code', open: true }, el('summary', { textContent: "The lesson's code" }), pre));
    }
    // Where the chapter runs more than the lesson's code (eight coroutines, not one), that program too.
    const program = this.handlers.program?.(chapter, knob ? this.knob.get(chapter.id) ?? knob.default : undefined);
    if (program) {
      const pre = el('pre', { className: 'python', textContent: program.text, tabIndex: 0 });
      pre.setAttribute('aria-label', program.title);
      parts.push(el('details', { className: 'lesson-code lesson-program', open: true }, el('summary', { textContent: program.title }), pre));
    }

    for (const x of chapter.experiments) {
      const main = el('div', { className: 'compare-main' });
      const section = el('section', { className: 'compare chapter-experiment' }, el('h3', { textContent: x.title }), main, el('div', { className: 'compare-claims', hidden: true }));
      section.dataset.experiment = x.name;
      section.hidden = !done;
      parts.push(section);
    }
    // How to read the tables: once in the chapter, each table links here.
    const reading = readingNote(READING_ID);
    reading.hidden = !done;
    parts.push(reading);

    const verdicts = el('div', { className: 'claims-box chapter-claims' });
    verdicts.setAttribute('aria-label', "The chapter's claims");
    parts.push(verdicts);
    const cpython = el(
      'p',
      { className: 'cpython' },
      el('strong', { textContent: 'What CPython shows: ' }),
      chapter.cpython.text,
      el('span', { className: 'source', textContent: ` (${chapter.cpython.source})` }),
    );
    parts.push(cpython);
    if (this.handlers.python) parts.push(this.handlers.python.pane(chapter, knob ? this.knob.get(chapter.id) ?? knob.default : undefined));
    for (const n of chapter.notes) parts.push(el('aside', { className: 'lesson-note' }, el('strong', { textContent: 'A note on the lesson: ' }), n));

    const look = el('p', { className: 'look-at' }, el('strong', { textContent: 'What to look at: ' }), chapter.lookAt);
    const timeline = el('div', { className: 'timeline chapter-timeline' }, el('p', { textContent: 'Run the experiment to see what every thread did.' }));
    const prints = el('pre', { className: 'output', hidden: true, tabIndex: 0 });
    prints.setAttribute('aria-label', 'What the program printed, with the time of each line');
    parts.push(el('section', { className: 'chapter-picture' }, el('h3', { textContent: 'The timeline', tabIndex: -1, id: 'chapter-timeline-title' }), look, timeline, prints));

    const prev = el('button', { type: 'button', className: 'chapter-prev', textContent: '← Previous chapter', disabled: index === 0 });
    prev.addEventListener('click', () => this.show(CHAPTERS[index - 1].id, true, true));
    const next = el('button', { type: 'button', className: 'chapter-next', textContent: index === CHAPTERS.length - 1 ? 'On to the playground →' : 'Next chapter →' });
    next.addEventListener('click', () => (index === CHAPTERS.length - 1 ? (location.hash = 'playground') : this.show(CHAPTERS[index + 1].id, true, true)));
    parts.push(el('div', { className: 'buttons chapter-steps' }, prev, next));

    if (this.single) parts.pop();
    const article = el('article', { className: 'chapter' }, ...parts);
    article.dataset.chapter = chapter.id;
    article.dataset.state = done ? 'done' : 'ready';
    if (this.single) this.root.replaceChildren(article);
    else this.root.replaceChildren(navWrap, article);

    if (done) {
      status.textContent = `Measured: each experiment after a warm-up round, in ${roundsOf(done)} rounds in changing orders; each figure is the median round.`;
      for (const x of chapter.experiments) {
        // The work as it ran (defaults and presets filled in), from any of its Results.
        const ran = Object.values(done.outcomes[x.name] ?? {}).find((e): e is Recorded => 'wallMs' in e);
        const { mode: _mode, ...work } = ran?.spec ?? this.workOf(x.spec);
        this.experimentView(chapter, x, work).finish(done.outcomes[x.name], false);
      }
      renderVerdicts(verdicts, done.claims);
      const calls = convoyTable(chapter, done);
      if (calls) verdicts.before(calls);
      const outcome = done.outcomes[chapter.timeline.experiment] ?? {};
      const r = outcome[chapter.timeline.mode];
      if (r && 'wallMs' in r) this.timeline(chapter, r as Recorded);
      else {
        // The run that tells the story could not run here (a frame without threads): show what did run.
        const other = Object.entries(outcome).find(([m, x]) => m !== 'sequential' && 'wallMs' in x) ?? Object.entries(outcome).find(([, x]) => 'wallMs' in x);
        if (other) {
          this.timeline(chapter, other[1] as Recorded);
          look.append(` (${chapter.timeline.mode} could not run here, so the timeline shows ${other[0]}.)`);
        }
      }
    } else {
      verdicts.hidden = true;
    }
    this.handlers.activity?.rendered(article, chapter);
  }

  /** The compare table of one experiment of the chapter shown, started on `work` (its claims are the chapter's). */
  private experimentView(chapter: Chapter, x: ChapterExperiment, work: Spec): CompareView {
    const section = this.root.querySelector<HTMLElement>(`[data-experiment="${x.name}"]`)!;
    section.hidden = false;
    const reading = this.root.querySelector<HTMLElement>(`#${READING_ID}`);
    if (reading) reading.hidden = false;
    const python = this.handlers.python;
    const runInPython = python && ((_spec: Spec, mode: string) => python.select(chapter, x.name, mode));
    const showTimeline = (r: Recorded) => {
      this.timeline(chapter, r);
      // The timeline is further down: brought into view, with the focus on its heading.
      const heading = this.root.querySelector<HTMLElement>('.chapter-picture h3');
      heading?.focus({ preventScroll: true });
      heading?.scrollIntoView({ block: 'start' });
      this.handlers.announce(`Showing the ${r.spec.mode} run of ${x.title} on the timeline.`);
    };
    const view = new CompareView(section, { showTimeline, moreRounds: () => {}, runInPython }, { modes: x.modes, claims: false, readingId: READING_ID });
    view.start(this.catalogue!, work);
    return view;
  }

  /** An experiment's work as it will run: its preset resolved, the tasks' default filled in. */
  private workOf(spec: Spec): Spec {
    const tasks = this.catalogue?.fields.find((f) => f.name === 'tasks')?.default ?? 8;
    return { tasks, ...(this.catalogue ? resolveSpec(this.catalogue, spec) : spec) };
  }

  /** Draws a run on the chapter's timeline, with the program's printed lines where the chapter has them. */
  private timeline(chapter: Chapter, r: Recorded): void {
    const box = this.root.querySelector<HTMLElement>('.chapter-timeline');
    if (!box) return;
    renderTimeline(box, r);
    const prints = this.root.querySelector<HTMLElement>('.output')!;
    if (chapter.prints === 'fetch-data') {
      // fetch_data prints when it starts and when its sleep is over: the model's task times are when.
      const lines = r.tasks.flatMap((t) => [
        { t: t.startMs, text: 'Start fetching...' },
        { t: t.endMs, text: 'Done!' },
      ]);
      lines.sort((a, b) => a.t - b.t);
      prints.textContent = lines.map((l) => `${fmtMs(l.t).padStart(9)}  ${l.text}`).join('\n');
      prints.hidden = false;
    } else if (chapter.prints === 'results') {
      // main() prints the list gather returned, once every call is done: at the run's wall time.
      const values = [...r.tasks].sort((a, b) => a.id - b.id).map((t) => (t.status === 'ok' ? `{'delayMs': ${(t as { value?: number }).value ?? '?'}}` : t.status));
      prints.textContent = `${fmtMs(r.wallMs).padStart(9)}  [${values.join(', ')}]`;
      prints.hidden = false;
    }
  }
}

/** Code shown as code, line by line: it scrolls sideways on a narrow screen, so it takes the focus. */
function codeBlock(text: string, label: string): HTMLElement {
  const pre = el('pre', { className: 'python', textContent: text, tabIndex: 0 });
  pre.setAttribute('aria-label', label);
  return pre;
}

/** The id of the chapter's one note on how to read its tables. */
const READING_ID = 'chapter-reading';

function roundsOf(run: ChapterRun): string {
  const counts = Object.values(run.outcomes).flatMap((o) => Object.values(o).map((e) => ('rounds' in e && e.rounds ? e.rounds.length : 0)));
  const lo = Math.min(...counts.filter((n) => n > 0));
  const hi = Math.max(...counts);
  return lo === hi ? String(hi) : `${lo} to ${hi}`;
}
