// The page: starts the engine, installs `window.lab`, and wires the views to it. No lab work runs here:
// every run, Compare and sweep goes through `window.lab` (the Run / Compare / busy / Stop handling in
// ./session.ts, shared with the embed), as a host page's script would.

import { bootInfo, pageDrawn } from './boot-info';
import { EngineClient } from './engine/client';
import type { Catalogue, PlainError, Spec } from './engine/protocol';
import { Lab, LONG_RUN_MS, toError, type Recorded } from './lab/lab-api';
import { chapterProgram, lessonSnippet } from './lesson/snippets';
import { detectNetwork } from './network';
import { PageSession } from './session';
import { parseLink } from './url-state';
import { renderClaims, sameWorkOutcome } from './views/compare/claims-view';
import { CompareView } from './views/compare/compare';
import { setUpHistoryPanel } from './views/history/history-panel';
import { ResultsTable } from './views/history/results-table';
import { LessonView } from './views/lesson/lesson-view';
import { startHeartbeat, type FrameLag } from './views/page/heartbeat';
import { openLink } from './views/page/open-link';
import { framed, ownTabLink, showIsolationNote } from './views/page/own-tab';
import { ShareDialog, shownState } from './views/page/share';
import { renderStatus } from './views/page/status-bar';
import { LazyPythonPanes } from './views/python/pane-loader';
import { setUpReplayOnDemand } from './views/replay/replay-loader';
import { ExperimentForm, type FormHandlers } from './views/run/form';
import { ImageView } from './views/run/image-view';
import { setUpQuickBar } from './views/run/quick-bar';
import { askBeforeLong, FormEstimate } from './views/run/run-estimate';
import { RunProgress } from './views/run/run-progress';
import { LiveTimeline } from './views/timeline/live';
import { renderTimeline } from './views/timeline/timeline';
import { setNetwork } from './views/work';
import { activityParamProblem, activityQuery, setUpActivity } from './activity/activity';

declare global {
  interface Window {
    lab: Lab & { frameLag(): FrameLag; resetFrameLag(): void };
  }
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const query = (spec: Spec) => `?${new URLSearchParams(spec as Record<string, string>)}`;

$('#boot-message').hidden = true;
// The boot script says why the page is not isolated (if it is not); the probe says who answers api/delay.
const network = detectNetwork(document.baseURI);
const lab = new Lab(new EngineClient(), { isolationReason: bootInfo().reason, network });
const heartbeat = startHeartbeat($('#heartbeat'));
window.lab = Object.assign(lab, { frameLag: heartbeat.lag, resetFrameLag: heartbeat.reset });

renderStatus($('#status'), lab.status());
lab.onStatus((s) => {
  renderStatus($('#status'), s);
  document.body.dataset.engine = s.state;
});

const say = (text: string) => void ($('#announce').textContent = text);
const timeline = $('#timeline');
let catalogue: Catalogue | undefined;
let form: ExperimentForm | undefined;

let shown: Recorded | undefined;
/** Draws a run on the timeline, with the claims its work's runs so far test (unless the compare view shows them). */
function show(r: Recorded): void {
  shown = r;
  renderTimeline(timeline, r);
  if (!catalogue) return; // drawn again, with its claims, once the catalogue is here
  const outcome = compareView.covers(r) ? undefined : sameWorkOutcome(table.runs(), r);
  const measured = renderClaims($('#run-claims'), outcome, { measuredOnly: true });
  $('#timeline-wrap').classList.toggle('has-claims', measured > 0);
}

const table = new ResultsTable($<HTMLTableSectionElement>('#results tbody'), show);
// Results kept from earlier visits come first; the latest is drawn if nothing was run yet; the chapters'
// last verdicts (and the chapter list's badges) come back from their rows.
void lab.history().then((stored) => {
  const fresh = table.runs().length === 0;
  table.restore(stored);
  const last = table.runs().at(-1);
  if (fresh && last) show(last);
  lessonView.restore(stored);
});

// --- Compare: every mode on the form's work. Rows fill in as each mode's run is recorded.
const compareButton = $<HTMLButtonElement>('#compare');
const compareView = new CompareView($('#compare-view'), {
  showTimeline(r) {
    show(r);
    // Brought into view, with the focus on its heading.
    $('#h-timeline').focus({ preventScroll: true });
    $('#h-timeline').scrollIntoView({ block: 'start' });
    say(`Showing the ${r.spec.mode} run on the timeline.`);
  },
  moreRounds: () => void compareAll({ budgetMs: 60_000, minRounds: 6 }),
  runInPython: (spec, mode) => void pythonPanes?.showInPlayground(spec, mode),
}, { developer: true });
/** "Run it in real Python": a pane per chapter and one in the playground (created once the engine is ready). */
let pythonPanes: LazyPythonPanes | undefined;

// A run is drawn while it goes (the timeline, the progress of long runs, an image band by band), and
// once recorded; a Compare's rows show in its view, and the timeline the run that tells its lesson.
const session = new PageSession(lab, {
  compare: compareView,
  busy: (on) => form?.setBusy(on),
  recorded(r, inCompare) {
    table.add(r);
    if (inCompare) return;
    show(r);
    const speedup = table.speedup(r);
    const times = speedup ? `, ${speedup.toFixed(2)} times sequential` : '';
    say(`${r.spec.mode} ${r.cancelled ? 'cancelled after' : 'took'} ${r.wallMs.toFixed(0)} ms${times}.`);
  },
  lessonRun: show,
  say,
  watchers: [
    new LiveTimeline(timeline),
    new RunProgress($<HTMLProgressElement>('#run-progress'), $('#run-progress-text')),
    new ImageView($<HTMLCanvasElement>('#image'), $('#image-caption')),
  ],
});

async function compareAll(options: { budgetMs?: number; minRounds?: number } = {}): Promise<void> {
  if (!form || !catalogue || session.inCompare) return;
  // The form's spec minus its mode; workers only if the learner set them (the form leaves them out otherwise).
  saveSettings(form.spec());
  const { mode: _mode, ...spec } = form.spec();
  form.showError(null);
  replaceEntry(query({ mode: 'compare', ...spec }));
  compareButton.disabled = true;
  try {
    const out = await session.compare(catalogue, spec, spec, options);
    // A spec every mode refuses (a bad field) is the form's error too.
    const errors = Object.values(out).map((x) => ('error' in x && !('wallMs' in x) ? x.error : undefined));
    const first = errors.find((e) => e?.name === 'SpecError');
    if (first && errors.every((e) => e)) form.showError(first as PlainError & { message: string });
  } catch (e) {
    if ((e as Error).name !== 'AbortError') form.showError(toError(e));
  } finally {
    compareButton.disabled = false;
  }
}
compareButton.addEventListener('click', () => void compareAll());

setUpHistoryPanel(lab, table, say, () => catalogue?.v);

// The URL's query holds what is on screen, so a link reproduces it: `chapter=ID` opens a chapter of the
// lesson; spec parameters (and no chapter) open the playground with its form, `mode=compare` its compare
// view. Page parameters never reach spec validation. Nothing runs by itself unless the link says
// `autorun=1`. Values stay strings: the engine validates them and names a bad one. With no query, the
// learner's last settings come back; the URL wins over them.
const link = parseLink(location.search);
const hasSpec = Object.keys(link.spec).length > 0 || link.compare;
const saveSettings = (spec: Spec) => void lab.saveSettings(spec as Record<string, string>).catch(() => {});

// --- A course activity (`chapter=ID&activity=predict`): asks the course for its saved state at once.
const activity = setUpActivity(lab, link, { announce: say });
const activityProblem = activityParamProblem(link);
if (activityProblem) showLinkError(activityProblem);

// --- Replay: any finished run (a timeline's Replay button, an imported file, a link's `run` and `t`).
setUpReplayOnDemand(lab, link, showLinkError);

// --- The two views: the lesson (chapters) and the playground (the form, compare, sweep, results). The
// lesson is drawn at once, before the engine has started: the first thing on screen is the chapter the
// URL names (or chapter 1), with its claim and its Run button (a press waits for the engine).
const startsInLesson = link.chapter !== undefined || (!hasSpec && location.hash !== '#playground');
const chapterShown = (id: string, step?: boolean) => {
  if ($('#lesson').hidden) return;
  const url = `?chapter=${encodeURIComponent(id)}${activityQuery(activity, id)}`;
  if (step) stepTo(url);
  else replaceEntry(url);
};
const lessonView = new LessonView($('#lesson'), lab, undefined, { shown: chapterShown, announce: say, busy: session.busy, snippet: lessonSnippet, program: chapterProgram, activity: activity?.hooks });
/** Loads the sweep (once the engine is ready), the first time the playground shows. */
let openSweep: (() => void) | undefined;

// Where the learner is: each chapter (and the playground) is a browser history entry; Back and Forward
// move between them, and each entry's scroll position comes back with it.
history.scrollRestoration = 'manual';
const newKey = () => Math.random().toString(36).slice(2);
let entryKey: string = history.state?.key ?? newKey();
const scrolls = new Map<string, number>();
addEventListener('scroll', () => scrolls.set(entryKey, scrollY), { passive: true });
/** The URL follows what is on screen, in the same history entry. */
function replaceEntry(url: string): void {
  history.replaceState({ ...history.state, key: entryKey }, '', url);
}
/** A step the learner took (another chapter, the other view): a new history entry. */
function stepTo(url: string): void {
  history.replaceState({ ...history.state, key: entryKey, scroll: scrollY }, '', location.href);
  entryKey = newKey();
  history.pushState({ key: entryKey }, '', url);
}
addEventListener('popstate', (e) => {
  entryKey = e.state?.key ?? newKey();
  const l = parseLink(location.search);
  const toLesson = location.hash !== '#playground' && (l.chapter !== undefined || (Object.keys(l.spec).length === 0 && !l.compare));
  // `#playground` added to a chapter's URL (the last chapter's "On to the playground"): the URL then follows the form.
  showView(toLesson ? 'lesson' : 'playground', l.chapter, !toLesson && l.chapter !== undefined ? 'replace' : 'back');
  scrollTo(0, scrolls.get(entryKey) ?? e.state?.scroll ?? 0);
});

/** Shows a view: `step` when the learner moved there (a history entry), `back` when the browser went there. */
function showView(view: 'lesson' | 'playground', chapter?: string, how: 'step' | 'replace' | 'back' = 'replace'): void {
  const wasLesson = !$('#lesson').hidden;
  $('#lesson').hidden = view !== 'lesson';
  $('#playground').hidden = view !== 'playground';
  $('#tab-lesson').toggleAttribute('aria-current', view === 'lesson');
  $('#tab-playground').toggleAttribute('aria-current', view === 'playground');
  // From a chapter, the bar's Compare opens the playground: the button says so.
  $('#quick-compare').textContent = view === 'lesson' ? 'Compare all modes in the Playground' : 'Compare all modes';
  if (view === 'lesson') {
    const id = chapter ?? lessonView.chapter.id;
    // The chapter already on screen is not drawn again (a press of its Run button may be waiting).
    const drawn = $('#lesson').querySelector<HTMLElement>('.chapter')?.dataset.chapter;
    if (drawn !== lessonView.chapter.id || lessonView.chapter.id !== id) lessonView.show(id, false, how === 'step');
    else if (how === 'step' || !wasLesson) chapterShown(lessonView.chapter.id, how === 'step');
  }
  if (view === 'playground') openSweep?.();
  // Before the form exists (the engine starting) the URL stays as the link gave it, unless the learner steps.
  if (view === 'playground' && how !== 'back' && (form || how === 'step')) {
    const url = `${form ? query(form.spec()) : location.pathname}#playground`;
    if (how === 'step' && wasLesson) stepTo(url);
    else replaceEntry(url);
  }
}
showView(startsInLesson ? 'lesson' : 'playground', link.chapter);
// Drawn: the first frame with content is this (the boot script hid the page until now).
pageDrawn();
// At once on the click (the hash follows), and on a hash typed or linked.
const tab = (view: 'lesson' | 'playground') => (e: Event) => (e.preventDefault(), showView(view, undefined, 'step'));
for (const view of ['lesson', 'playground'] as const) $(`#tab-${view}`).addEventListener('click', tab(view));
window.addEventListener('hashchange', () => location.hash === '#playground' && $('#playground').hidden && showView('playground'));

Promise.all([lab.ready, hasSpec ? link.spec : lab.settings().catch(() => undefined)]).then(
  ([status, stored]) => {
    setNetwork(status.network);
    catalogue = lab.workloads();
    table.setModelVersion(catalogue.modelVersion);
    if (shown) show(shown);
    const handlers: FormHandlers = {
      async run(spec) {
        f.showError(null);
        replaceEntry(query(spec));
        saveSettings(spec);
        // A run over a minute asks first (the page's question: `lab.run` from a script is never held).
        const ms = await estimate.ms(spec);
        if (ms > LONG_RUN_MS && !(await askBeforeLong(ms, $<HTMLFormElement>('#experiment')))) return;
        session.run(spec).catch((e) => e.name !== 'AbortError' && f.showError(e));
      },
      stop: () => session.stop(),
    };
    const f = new ExperimentForm($<HTMLFormElement>('#experiment'), catalogue, { ...stored }, handlers);
    form = f;
    // The sweep is a chunk of its own, fetched when the playground is first shown (showView).
    // How long the form's run should take here, beside it, as its values change.
    const estimate = new FormEstimate(lab, $('#run-estimate'), () => f.spec());
    estimate.refresh(0);
    for (const type of ['change', 'input']) $('#experiment').addEventListener(type, () => estimate.refresh());
    const sweepHandlers = { spec: () => f.spec(), run: lab.run.bind(lab), busy: session.busy, announce: say };
    let sweep: { refresh(): void } | undefined;
    const cat = catalogue;
    openSweep = () => {
      openSweep = undefined;
      void import('./views/sweep/sweep').then(({ SweepView }) => (sweep = new SweepView($('#sweep-view'), cat, sweepHandlers)));
    };
    if (!$('#playground').hidden) openSweep();
    // The URL follows the form, so a link (or Share) always reproduces what is on screen.
    $('#experiment').addEventListener('change', () => {
      sweep?.refresh();
      replaceEntry(query(f.spec()));
    });
    session.stopOnEscape(() => share.isOpen);
    const off = catalogue.modes.filter((m) => m.unavailable).map((m) => m.name);
    if (lab.status().build === 'single' && framed()) showIsolationNote($('#isolation-note'), off);

    const panes = (pythonPanes = new LazyPythonPanes(lab));
    $('#compare-view').after(panes.playground);
    void panes.follow(f.spec());
    $('#experiment').addEventListener('change', () => void panes.follow(f.spec()));
    const python = { pane: panes.chapter.bind(panes), select: panes.selectInChapter.bind(panes) };
    lessonView.ready(catalogue, python);
    setUpQuickBar(catalogue, () => {
      // From a chapter: the playground is a step (Back returns to the chapter), and the learner is told.
      const from = $('#lesson').hidden ? undefined : lessonView.chapter.title;
      showView('playground', undefined, 'step');
      void compareAll();
      $('#compare-view').scrollIntoView({ block: 'start' });
      if (from) say(`Opened the Playground to compare every mode on this workload; Back returns to ${from}.`);
    });
    const compare = () => void compareAll();
    openLink(lab, link, { form: f, panes, lesson: lessonView, showView, compare, say, showLinkError, activity: activity !== undefined });
  },
  (e) => {
    $('#fatal').hidden = false;
    $('#fatal').textContent = `The lab engine could not start: ${toError(e).message} `;
    if (framed()) $('#fatal').append(ownTabLink());
  },
);

/** A problem with the link itself (an unknown chapter), named at the top of the page (with a way out, if any). */
function showLinkError(text: string, action?: HTMLElement): void {
  $('#link-error').replaceChildren(text, ...(action ? [action] : []));
  $('#link-error').hidden = false;
}

// --- Share: the link to what is on screen, and the iframe snippet for a course page (also from the bar
// above the chapters).
const share = new ShareDialog($<HTMLDialogElement>('#share-dialog'), $<HTMLButtonElement>('#share'), () =>
  shownState({
    chapter: $('#lesson').hidden ? undefined : lessonView?.chapter,
    compare: !$('#compare-view').hidden || parseLink(location.search).compare,
    spec: form?.spec() ?? parseLink(location.search).spec,
    edited: pythonPanes?.editedOnScreen()?.editedText(),
  }),
);
$('#quick-share').addEventListener('click', () => share.open());
