// A chapter as a course activity (`chapter=ID&activity=predict`, in embed.html and on the main page):
// predict, run, explain (issue 24; API.md "Course activities"). The lesson view renders the chapter; this
// adds to it, through the view's `activity` hooks: the chapter's prediction questions (one fieldset each,
// keyboard only) before its "Run the experiment" button, hides what would give the answers away until they
// lock at the first run, then shows each prediction beside what was measured here with a sentence on why,
// the explanation box and the score. The state goes to the course over SPLICE (./splice.ts) and comes back
// from it; `lab.activity()` returns it. Every text from outside is shown as text, never as HTML.

import type { Chapter } from '../lesson/chapters';
import { chapterById } from '../lesson/chapters';
import { ESTIMATE_STOPS, questionsOf, type Question } from './questions';
import {
  checkState,
  contentId,
  decided,
  emptyState,
  mergeVerdicts,
  MAX_EXPLANATION,
  MAX_RUN_IDS,
  MIN_EXPLANATION,
  SCORINGS,
  verdictsFromRun,
  withScore,
  answeredAsMeasured,
  type ActivityState,
  type KeptVerdict,
  type Scoring,
} from './state';
import { defaultEnv, messageId, SpliceClient, type SpliceEnv } from './splice';
import { CLAIM_MODE } from '../measure/claims-catalogue';

/** What `lab.workloads().modes` says of a mode, as far as the activity reads it. */
export interface ModeAvailability {
  name: string;
  unavailable: string | null;
  fields?: { name: string; unavailable?: string | null }[];
}

/**
 * The claims this browser cannot test, each with why: its mode is Unavailable here (`releases-gil-cpu`:
 * threads-gil's `releasesGil` field is). Their questions are not asked (issue 24, item 2).
 */
export function unavailableClaims(modes: readonly ModeAvailability[]): Map<string, string> {
  const out = new Map<string, string>();
  const byName = new Map(modes.map((m) => [m.name, m]));
  for (const [claim, mode] of Object.entries(CLAIM_MODE)) {
    const m = byName.get(mode);
    const why = claim === 'releases-gil-cpu' ? m?.fields?.find((f) => f.name === 'releasesGil')?.unavailable : m?.unavailable;
    if (why) out.set(claim, why);
  }
  return out;
}

/** The lesson view's hooks (views/lesson-view.ts `LessonHandlers.activity`). */
export interface ActivityHooks {
  /** Called after every render of a chapter, with its article. */
  rendered(article: HTMLElement, chapter: Chapter): void;
  started(chapter: Chapter): void;
  /** The run's result (its `claims` and `results`), or undefined when it was stopped or failed. */
  finished(chapter: Chapter, run: Parameters<typeof verdictsFromRun>[0] | undefined): void;
}

export interface ActivityPageParams {
  chapter?: string;
  page: Record<string, string>;
}

/** Waits this long for the course's saved state before saying it keeps nothing (the SPLICE reference waits 15 s). */
export const GET_STATE_WAIT_MS = 15_000;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

const fmtX = (x: number) => `${x < 1 ? x.toFixed(2) : x < 10 ? x.toFixed(x % 1 ? 2 : 0).replace(/\.?0+$/, '') : Math.round(x)}×`;

/** The page's problems with the activity parameters (named on the page), or undefined when fine. */
export function activityParamProblem(link: ActivityPageParams): string | undefined {
  const a = link.page.activity;
  if (a === undefined) return undefined;
  if (a !== 'predict') return `activity must be predict (got ${JSON.stringify(a)}), so the chapter is shown without an activity.`;
  if (link.chapter === undefined) return 'activity=predict needs chapter=ID beside it, so it is ignored.';
  const s = link.page.scoring;
  if (s !== undefined && !(SCORINGS as readonly string[]).includes(s)) return `scoring must be completion or correct (got ${JSON.stringify(s)}); completion is used.`;
  return undefined;
}

export class Activity {
  private state: ActivityState;
  private learnerChanged = false;
  private running?: string;
  private article?: HTMLElement;
  private notices: string[] = [];
  private storageNote: string;
  /** The claims this browser cannot test, with why (known once the engine is ready; `unavailableHere`). */
  private untestable = new Map<string, string>();
  readonly splice: SpliceClient;

  constructor(
    readonly chapter: Chapter,
    readonly scoring: Scoring,
    env: SpliceEnv,
    private readonly announce: (text: string) => void = () => {},
  ) {
    this.state = emptyState(chapter.id, scoring);
    this.splice = new SpliceClient(env, contentId(chapter.id), {
      restore: (raw) => this.restore(raw),
      answered: () => {
        // Too late to restore (the learner had begun), but the course keeps what is reported from now on.
        this.storageNote = 'Your course page keeps your answers (SPLICE). It sent saved work after you had begun, so that was not restored.';
        this.redraw();
      },
      changed: () => this.learnerChanged,
      report: () => ({ score: this.state.score, state: this.snapshot() }),
    });
    this.storageNote = this.splice.framed
      ? 'Asking the course page for your saved answers…'
      : 'Your answers are kept only for this visit: this page does not store them (a course that embeds the activity keeps them).';
    if (this.splice.framed) {
      setTimeout(() => {
        if (this.splice.hostAnswered) return;
        this.storageNote = 'The course page did not answer the request for saved work, so your answers are kept only for this visit.';
        this.redraw();
      }, GET_STATE_WAIT_MS);
    }
    this.splice.start();
  }

  /**
   * The modes this browser runs, from `lab.workloads()` once the engine is ready: questions whose claim's
   * mode is Unavailable here are listed in the state as untestable and not asked.
   */
  unavailableHere(modes: readonly ModeAvailability[]): void {
    this.untestable = unavailableClaims(modes);
    this.state = withScore(this.state, new Set(this.untestable.keys()));
    this.redraw();
  }

  /** `lab.activity()`: the state, a copy. */
  snapshot(): ActivityState {
    return JSON.parse(JSON.stringify(this.state)) as ActivityState;
  }

  private get locked(): boolean {
    return this.state.runIds.length > 0;
  }

  private restore(raw: unknown): void {
    this.storageNote = 'Your course page keeps your answers: it answered the lab\'s request for saved work (SPLICE).';
    if (raw === null || raw === undefined) {
      this.redraw();
      return;
    }
    const checked = checkState(raw, this.chapter.id, this.scoring);
    if (!checked.ok) {
      this.notices = [`Your course's saved work could not be used (${checked.reason}), so the activity starts afresh.`];
    } else {
      this.state = withScore(checked.state, new Set(this.untestable.keys()));
      this.notices = ['Restored your answers from your course.', ...checked.notes];
    }
    this.redraw();
    this.announce(this.notices.join(' '));
  }

  private change(mutate: (s: ActivityState) => void, flush = false): void {
    mutate(this.state);
    this.state = withScore(this.state, new Set(this.untestable.keys()));
    this.learnerChanged = true;
    if (flush) this.splice.flush();
    else this.splice.changed();
  }

  // --- The lesson view's hooks.
  readonly hooks: ActivityHooks = {
    rendered: (article, chapter) => {
      if (chapter.id !== this.chapter.id) return;
      this.article = article;
      this.decorate(article);
    },
    started: (chapter) => {
      if (chapter.id !== this.chapter.id) return;
      const runId = messageId();
      this.running = runId;
      this.change((s) => {
        s.runIds = [...s.runIds, runId].slice(-MAX_RUN_IDS);
      });
      this.splice.event('run-started', { chapter: this.chapter.id, runId, verdicts: {} });
      // The answers are locked: the questions show so, and what they hid may show as the run goes.
      if (this.article) this.decorate(this.article);
    },
    finished: (chapter, run) => {
      if (chapter.id !== this.chapter.id) return;
      const runId = this.running ?? this.state.runIds.at(-1) ?? messageId();
      this.running = undefined;
      const fresh = run ? verdictsFromRun(run) : {};
      this.change((s) => {
        s.verdicts = mergeVerdicts(s.verdicts, fresh);
      });
      this.splice.event('run-finished', { chapter: this.chapter.id, runId, verdicts: fresh });
      this.splice.flush();
      this.redraw();
    },
  };

  private redraw(): void {
    if (this.article?.isConnected) this.decorate(this.article);
  }

  /** Adds the activity to the chapter's article (again: what it added before is replaced). */
  private decorate(article: HTMLElement): void {
    article.querySelectorAll('.activity-part').forEach((n) => n.remove());
    const locked = this.locked;
    article.classList.add('has-activity');
    article.dataset.activity = locked ? 'locked' : 'open';
    // What would give the answers away stays hidden until they lock: CPython's figures, the notes on the
    // lesson, what to look at on the timeline, the program's printed lines.
    for (const sel of ['.cpython', '.lesson-note', '.look-at', '.output', '.chapter-picture']) {
      article.querySelectorAll<HTMLElement>(sel).forEach((n) => {
        if (!locked) {
          n.dataset.activityHidden = 'true';
          n.hidden = true;
        } else if (n.dataset.activityHidden) {
          delete n.dataset.activityHidden;
          n.hidden = sel === '.output' ? n.textContent === '' : false;
        }
      });
    }
    const run = article.querySelector<HTMLButtonElement>('#chapter-run');
    const buttons = run?.parentElement;
    const qs = questionsOf(this.chapter.id);

    const section = el('section', { className: 'activity activity-part' });
    section.setAttribute('aria-labelledby', 'activity-title');
    section.append(el('h3', { id: 'activity-title', textContent: locked ? 'Your predictions (locked at the first run)' : 'Predict, then run' }));
    section.append(
      el('p', {
        className: 'activity-intro',
        textContent: locked
          ? 'Your answers were locked when the experiment first ran. Below the run: each of them beside what this machine measured.'
          : `Before you run the experiment, predict what it will show on this machine. Your answers lock when it starts.`,
      }),
    );
    const notes = el('div', { className: 'activity-notices' });
    notes.setAttribute('role', 'status');
    for (const n of this.notices) notes.append(el('p', { className: 'activity-notice', textContent: n }));
    notes.append(el('p', { className: 'activity-storage', textContent: this.storageNote }));
    section.append(notes);
    // A question this browser cannot test is not asked: a line says which and why.
    const asked = qs.filter((q) => !this.state.untestable.includes(q.id));
    for (const q of qs) {
      if (asked.includes(q)) section.append(this.fieldset(q, locked));
      else {
        const why = this.untestable.get(q.claim);
        const p = el('p', { className: 'activity-untestable', textContent: `Not asked: "${q.prompt}" This browser cannot test it${why ? `: ${why.replace(/\.$/, '')}` : ''}.` });
        p.dataset.question = q.id;
        section.append(p);
      }
    }
    const hint = el('p', { className: 'activity-hint', id: 'activity-hint' });
    section.append(hint);
    if (buttons) buttons.before(section);
    else article.append(section);

    const updateRun = () => {
      const missing = asked.filter((q) => this.state.answers[q.id] === undefined).length;
      const blocked = !locked && missing > 0;
      if (run) {
        run.disabled = blocked;
        if (blocked) run.setAttribute('aria-describedby', 'activity-hint');
        else run.removeAttribute('aria-describedby');
      }
      hint.textContent = blocked ? `Answer ${missing === asked.length ? 'the questions' : `the ${missing} question${missing === 1 ? '' : 's'} left`} above to run the experiment.` : '';
      hint.hidden = !blocked;
    };
    updateRun();
    section.addEventListener('activity-answer', updateRun);

    if (Object.keys(this.state.verdicts).length) {
      const results = this.results(qs);
      const status = article.querySelector('.chapter-status');
      if (status) status.after(results);
      else section.after(results);
    }
  }

  private fieldset(q: Question, locked: boolean): HTMLFieldSetElement {
    const fs = el('fieldset', { className: `activity-question activity-${q.kind}` });
    fs.dataset.question = q.id;
    fs.disabled = locked;
    fs.append(el('legend', { textContent: q.prompt }));
    const answer = this.state.answers[q.id];
    const commit = (value: string | number) => {
      if (this.locked) return;
      this.change((s) => {
        s.answers = { ...s.answers, [q.id]: value };
      });
      fs.dispatchEvent(new Event('activity-answer', { bubbles: true }));
    };
    if (q.kind === 'choice') {
      for (const [i, o] of (q.options ?? []).entries()) {
        const id = `q-${q.id}-${i}`;
        const input = el('input', { type: 'radio', name: `q-${q.id}`, id, value: o.value, checked: answer === o.value });
        input.addEventListener('change', () => input.checked && commit(o.value));
        fs.append(el('div', { className: 'activity-option' }, input, el('label', { htmlFor: id, textContent: o.label })));
      }
    } else {
      const id = `q-${q.id}`;
      const stop = typeof answer === 'number' ? nearestStop(answer) : ESTIMATE_STOPS.indexOf(1);
      const input = el('input', { type: 'range', id, min: '0', max: String(ESTIMATE_STOPS.length - 1), step: '1', value: String(stop) });
      const out = el('output', { className: 'activity-estimate-value' });
      out.setAttribute('for', id);
      const shown = () => {
        const x = ESTIMATE_STOPS[Number(input.value)];
        const set = this.state.answers[q.id] !== undefined;
        input.setAttribute('aria-valuetext', `${fmtX(x)}${set ? '' : ' (not answered yet)'}`);
        out.textContent = set ? fmtX(x) : `${fmtX(x)}: not answered yet (move the slider, or press Enter to keep it)`;
      };
      const take = () => {
        commit(ESTIMATE_STOPS[Number(input.value)]);
        shown();
      };
      input.addEventListener('input', take);
      input.addEventListener('change', take);
      input.addEventListener('keydown', (e) => e.key === 'Enter' && take());
      input.addEventListener('pointerup', take);
      const scale = el('span', { className: 'activity-scale', textContent: `${fmtX(ESTIMATE_STOPS[0])} (slower) … 1× (the same) … ${fmtX(ESTIMATE_STOPS.at(-1)!)} (faster); a log scale` });
      scale.id = `${id}-scale`;
      input.setAttribute('aria-describedby', scale.id);
      fs.append(el('div', { className: 'activity-estimate' }, el('label', { htmlFor: id, textContent: 'Times faster than one after another: ' }), input, out), scale);
      shown();
    }
    return fs;
  }

  /** Each prediction beside what was measured here, the explanation box and the score. */
  private results(qs: Question[]): HTMLElement {
    const box = el('section', { className: 'activity-results activity-part' });
    box.setAttribute('aria-labelledby', 'activity-results-title');
    box.append(el('h3', { id: 'activity-results-title', textContent: 'Your predictions beside what was measured here' }));
    const list = el('ul', { className: 'activity-verdicts' });
    let pending = 0;
    for (const q of qs) {
      const k: KeptVerdict | undefined = this.state.verdicts[q.claim];
      const a = this.state.answers[q.id];
      const li = el('li', { className: 'activity-verdict' });
      li.dataset.question = q.id;
      const said = a === undefined ? 'no answer' : q.kind === 'choice' ? q.options?.find((o) => o.value === a)?.label ?? String(a) : fmtX(Number(a));
      let mark: string;
      let outcome: string;
      if (!k && this.state.untestable.includes(q.id)) {
        mark = '–';
        outcome = 'cannot be tested in this browser (the mode it needs is unavailable here); it is not asked for again';
        li.dataset.outcome = 'untestable';
      } else if (!k) {
        mark = '?';
        outcome = 'not measured yet';
        li.dataset.outcome = 'unscored';
      } else if (k.unavailable || this.state.untestable.includes(q.id)) {
        mark = '–';
        outcome = 'cannot be tested in this browser (the mode it needs is unavailable here); it is not asked for again';
        li.dataset.outcome = 'untestable';
      } else if (!decided(k)) {
        mark = '?';
        outcome = 'not decided on this run (the machine could not settle it): not scored yet; run the experiment again to score it';
        li.dataset.outcome = 'unscored';
        pending++;
      } else if (answeredAsMeasured(q, a, k)) {
        mark = '✔';
        outcome = 'as measured here';
        li.dataset.outcome = 'right';
      } else {
        mark = '✘';
        outcome = 'not what this machine measured';
        li.dataset.outcome = 'wrong';
      }
      const measured = k ? (q.kind === 'estimate' && k.speedup !== null ? `${fmtX(k.speedup)} (${k.text})` : k.text) : '';
      const icon = el('span', { className: 'activity-mark', textContent: mark });
      icon.setAttribute('aria-hidden', 'true');
      li.append(
        el('p', { className: 'activity-q', textContent: q.prompt }),
        el('p', {}, icon, ` You predicted: ${said.replace(/\.$/, '')}. `, el('strong', { textContent: outcome.charAt(0).toUpperCase() + outcome.slice(1) + '.' })),
      );
      if (measured) li.append(el('p', { className: 'activity-measured', textContent: `Measured here: ${measured}` }));
      li.append(el('p', { className: 'activity-why', textContent: `Why: ${q.why}` }));
      list.append(li);
    }
    box.append(list);
    if (pending) box.append(el('p', { className: 'activity-again', textContent: `${pending} question${pending === 1 ? ' is' : 's are'} not scored yet: the run left ${pending === 1 ? 'its claim' : 'their claims'} inconclusive (other programs kept the machine busy, or the rounds disagreed). Run the experiment again to score ${pending === 1 ? 'it' : 'them'}; a busy machine never counts against you.` }));

    // The explanation: one or two sentences, within MAX_EXPLANATION characters.
    const area = el('textarea', { name: 'explanation', id: 'activity-explanation', maxLength: MAX_EXPLANATION, rows: 3, value: this.state.explanation });
    const count = el('small', { id: 'activity-explanation-count' });
    area.setAttribute('aria-describedby', 'activity-explanation-count');
    const counted = () => (count.textContent = `${area.value.length} of ${MAX_EXPLANATION} characters`);
    counted();
    area.addEventListener('input', () => {
      const text = area.value.slice(0, MAX_EXPLANATION);
      counted();
      this.change((s) => {
        s.explanation = text;
      });
      scoreLine.textContent = this.scoreText();
    });
    area.addEventListener('blur', () => {
      if (this.learnerChanged) this.splice.flush();
    });
    box.append(el('div', { className: 'field activity-explain' }, el('label', { htmlFor: 'activity-explanation', textContent: 'In one or two sentences of your own: why did it come out this way?' }), area, count));
    const scoreLine = el('p', { className: 'activity-score', textContent: this.scoreText() });
    scoreLine.setAttribute('aria-live', 'polite');
    box.append(scoreLine, el('p', { className: 'note', textContent: 'The score is computed in your browser: it is for practice (formative), not a grade anyone can rely on.' }));
    return box;
  }

  private scoreText(): string {
    const s = this.state;
    if (this.scoring === 'correct') {
      const untestable = s.untestable.length ? ` ${s.untestable.length} cannot be tested in this browser.` : '';
      return s.scored.length
        ? `Score: ${s.correct.length} of ${s.scored.length} prediction${s.scored.length === 1 ? '' : 's'} as measured here.${untestable}`
        : `Score: nothing scored yet.${untestable}`;
    }
    const parts = [
      ['predicted before the run', s.runIds.length > 0 && questionsOf(s.chapter).every((q) => s.untestable.includes(q.id) || s.answers[q.id] !== undefined)],
      ['ran the experiment', Object.keys(s.verdicts).length > 0],
      [`explained (at least ${MIN_EXPLANATION} characters)`, s.explanation.trim().length >= MIN_EXPLANATION],
    ] as const;
    return `Score: ${parts.filter(([, ok]) => ok).length} of 3 (${parts.map(([t, ok]) => `${t}: ${ok ? 'yes' : 'not yet'}`).join('; ')}).`;
  }
}

function nearestStop(x: number): number {
  let best = 0;
  for (const [i, s] of ESTIMATE_STOPS.entries()) if (Math.abs(Math.log(s / x)) < Math.abs(Math.log(ESTIMATE_STOPS[best] / x))) best = i;
  return best;
}

/**
 * The page's activity, if its URL asks for one (`activity=predict` beside a known `chapter`); installs
 * `lab.activity()` either way (null without one). Call it on load: it asks the course for its saved state
 * at once.
 */
export function setUpActivity(
  lab: object,
  link: ActivityPageParams,
  options: { origins?: readonly string[]; announce?: (text: string) => void; env?: SpliceEnv } = {},
): Activity | undefined {
  const chapter = link.chapter !== undefined ? chapterById(link.chapter) : undefined;
  const wanted = link.page.activity === 'predict' && chapter !== undefined;
  const scoring: Scoring = link.page.scoring === 'correct' ? 'correct' : 'completion';
  const activity = wanted ? new Activity(chapter!, scoring, options.env ?? defaultEnv(options.origins ?? []), options.announce) : undefined;
  (lab as { activity?: () => ActivityState | null }).activity = () => activity?.snapshot() ?? null;
  // Once the engine is ready, what this browser cannot run: those questions are not asked.
  const l = lab as { ready?: Promise<unknown>; workloads?: () => { modes: ModeAvailability[] } };
  if (activity && l.ready && l.workloads) void l.ready.then(() => activity.unavailableHere(l.workloads!().modes), () => {});
  return activity;
}

/** The query a page keeps in its URL for the activity on chapter `id` (so a reload keeps it), or ''. */
export function activityQuery(activity: Activity | undefined, id: string): string {
  if (!activity || activity.chapter.id !== id) return '';
  return `&activity=predict${activity.scoring === 'correct' ? '&scoring=correct' : ''}`;
}
