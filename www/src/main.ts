// The page: starts the engine, installs `window.lab`, and wires the views to it. No lab work runs here:
// every run, compare and sweep goes through `window.lab`, as a host page's script would.

import { bootInfo } from './boot-info';
import { EngineClient } from './engine/client';
import type { Catalogue, PlainError, Spec } from './engine/protocol';
import { HISTORY_BYTES_CAP, HISTORY_CAP, RESULT_BUDGET_BYTES, type HistoryState } from './history-store';
import { Lab, LONG_RUN_MS, toError, type Recorded } from './lab-api';
import { detectNetwork } from './network';
import { chapterById, unknownChapter } from './lesson/chapters';
import { lessonSnippet } from './lesson/snippets';
import { linkFor, parseLink } from './url-state';
import { renderClaims, sameWorkOutcome } from './views/claims-view';
import { LessonView } from './views/lesson-view';
import { CompareView, type CompareOutcome } from './views/compare';
import { download, exportName, toCsv, toJson } from './views/export';
import { ExperimentForm, type FormState } from './views/form';
import { startHeartbeat, type FrameLag } from './views/heartbeat';
import { ImageView } from './views/image-view';
import { framed, ownTabLink } from './views/own-tab';
import { ResultsTable } from './views/results-table';
import { RunProgress } from './views/run-progress';
import { ShareDialog } from './views/share';
import { renderStatus } from './views/status-bar';
import { SweepView } from './views/sweep';
import { renderTimeline } from './views/timeline';
import { setUpReplay } from './views/replay-view';
import { LazyPythonPanes, MAX_LINK_PY_CHARS } from './views/python-pane-loader';
import { setNetwork } from './views/work';
import { activityParamProblem, activityQuery, setUpActivity } from './activity/activity';

declare global {
  interface Window {
    lab: Lab & { frameLag(): FrameLag; resetFrameLag(): void };
  }
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

$('#boot-message').hidden = true;
// The boot script says why the page is not isolated (if it is not); the probe says who answers api/delay.
const lab = new Lab(new EngineClient(), { isolationReason: bootInfo().reason, network: detectNetwork(document.baseURI) });
const heartbeat = startHeartbeat($('#heartbeat'));
window.lab = Object.assign(lab, { frameLag: heartbeat.lag, resetFrameLag: heartbeat.reset });

renderStatus($('#status'), lab.status());
lab.onStatus((s) => {
  renderStatus($('#status'), s);
  document.body.dataset.engine = s.state;
});

const announce = $('#announce');
const say = (text: string) => {
  announce.textContent = text;
};
const timeline = $('#timeline');
let catalogue: Catalogue | undefined;
let form: ExperimentForm | undefined;

let shown: Recorded | undefined;
/**
 * Draws a run on the timeline, with the claims its work's runs so far can test beside it (unless the
 * compare view above shows that work's claims already).
 */
function show(r: Recorded): void {
  shown = r;
  renderTimeline(timeline, r);
  if (!catalogue) return; // drawn again, with its claims, once the catalogue is here
  const outcome = compareView.covers(r) ? undefined : sameWorkOutcome(table.runs(), r);
  const measured = renderClaims($('#run-claims'), outcome, { measuredOnly: true });
  $('#timeline-wrap').classList.toggle('has-claims', measured > 0);
}

const table = new ResultsTable($<HTMLTableSectionElement>('#results tbody'), show);

// Results kept from earlier visits come first; the latest is drawn if nothing was run yet.
void lab.history().then((stored) => {
  const fresh = table.runs().length === 0;
  table.restore(stored);
  const last = table.runs().at(-1);
  if (fresh && last) show(last);
});

// The timeline is drawn while a run goes: each task as it finishes (at most a few times a second).
let live: { spec: Spec; t0: number; tasks: Recorded['tasks']; drawn: number } | undefined;
lab.onRunStart((spec) => {
  live = { spec, t0: performance.now(), tasks: [], drawn: 0 };
});
lab.onTask((record) => {
  if (!live) return;
  live.tasks.push(record);
  const now = performance.now();
  if (now - live.drawn < 200) return;
  live.drawn = now;
  const elapsed = now - live.t0;
  const spec = { tasks: 0, ...live.spec } as Recorded['spec'];
  renderTimeline(timeline, { spec, wallMs: elapsed, endMs: elapsed, tasks: [...live.tasks], value: 0 } as unknown as Recorded, { live: true });
});
lab.onRunEnd(() => (live = undefined));

// Long runs say how far along they are.
const progress = new RunProgress($<HTMLProgressElement>('#run-progress'), $('#run-progress-text'));
lab.onRunStart((spec) => progress.start(spec));
lab.onTask(() => progress.taskDone());
lab.onRunEnd(() => progress.stop());

// Image workloads draw their picture band by band as tasks finish (the bands come from the engine).
const image = new ImageView($<HTMLCanvasElement>('#image'), $('#image-caption'));
lab.onRunStart((spec) => image.reset(String(spec.mode ?? '')));
lab.onTask((record, output) => {
  if (output) image.draw(record.id, record.lane, output);
});

// Stop stays enabled while anything the page started (a run, a compare, a sweep) is still going.
let active = 0;
function busy(on: boolean): void {
  active = Math.max(0, active + (on ? 1 : -1));
  form?.setBusy(active > 0);
}

// --- Compare: every mode on the form's work. Rows fill in as each mode's run is recorded.
const compareButton = $<HTMLButtonElement>('#compare');
const compareView = new CompareView($('#compare-view'), {
  showTimeline(r) {
    show(r);
    timeline.scrollIntoView({ block: 'nearest' });
    say(`Showing the ${r.spec.mode} run on the timeline.`);
  },
  moreRounds: () => void compareAll({ budgetMs: 60_000, minRounds: 6 }),
  runInPython: (spec, mode) => {
    if (!pythonPanes) return;
    void pythonPanes.showInPlayground(spec, mode);
  },
});
/** "Run it in real Python": a pane per chapter and one in the playground (created once the engine is ready). */
let pythonPanes: LazyPythonPanes | undefined;
let comparing: { json: string } | undefined;
const withoutMode = (spec: Spec) => {
  const { mode: _mode, ...rest } = spec;
  return rest;
};

lab.onRunStart((spec) => {
  if (comparing && JSON.stringify(withoutMode(spec)) === comparing.json) compareView.running(String(spec.mode));
});

lab.onRecord((r) => {
  table.add(r);
  // A Compare records its rows at its end; its view shows them, and the timeline the run that tells
  // the lesson (drawn once the Compare is done).
  if (comparing) return;
  show(r);
  const speedup = table.speedup(r);
  say(`${r.spec.mode} ${r.cancelled ? 'cancelled after' : 'took'} ${r.wallMs.toFixed(0)} ms${speedup ? `, ${speedup.toFixed(2)} times sequential` : ''}.`);
});

async function compareAll(options: { budgetMs?: number; minRounds?: number } = {}): Promise<void> {
  if (!form || !catalogue || comparing) return;
  // The form's spec minus its mode; workers only if the learner set them (the form leaves them out otherwise).
  saveSettings(form.spec());
  const spec = withoutMode(form.spec());
  form.showError(null);
  history.replaceState(null, '', `?${new URLSearchParams({ mode: 'compare', ...(spec as Record<string, string>) })}`);
  comparing = { json: JSON.stringify(spec) };
  compareView.start(catalogue, spec);
  compareButton.disabled = true;
  busy(true);
  try {
    const out = await lab.compare(spec, { ...options, onProgress: (p) => compareView.update(p) });
    compareView.finish(out, false);
    const lesson = compareView.lessonRun();
    if (lesson) show(lesson);
    // A spec every mode refuses (a bad field) is the form's error too.
    const errors = Object.values(out).map((x) => ('error' in x && !('wallMs' in x) ? x.error : undefined));
    const first = errors.find((e) => e?.name === 'SpecError');
    if (first && errors.every((e) => e)) form.showError(first as PlainError & { message: string });
  } catch (e) {
    const err = e as Error & { partial?: CompareOutcome };
    compareView.finish(err.partial ?? {}, true);
    if (err.name !== 'AbortError') form.showError(toError(err));
  } finally {
    comparing = undefined;
    compareButton.disabled = false;
    busy(false);
    say(compareView.summary());
  }
}
compareButton.addEventListener('click', () => void compareAll());

// --- The history: every tab's runs, kept in this browser. The table follows it (a run or a Clear in
// another tab shows here too); what the learner should know about it is said above the table.
const historyNotice = Object.assign(document.createElement('div'), { id: 'history-notice', className: 'history-notice' });
historyNotice.setAttribute('role', 'status');
$('#h-results').parentElement!.querySelector('.buttons.export')!.after(historyNotice);
let refreshQueued = false;
let refreshed: Promise<void> = Promise.resolve();
function refreshHistory(): Promise<void> {
  if (refreshQueued) return refreshed;
  refreshQueued = true;
  refreshed = refreshed.then(() => {
    refreshQueued = false;
    table.clear();
    table.restore(lab.historyView());
    renderHistoryNotice(lab.historyState());
  });
  return refreshed;
}
lab.onHistory(() => void refreshHistory());

const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;
function renderHistoryNotice(s: HistoryState): void {
  const parts: [string, ...(string | Node)[]][] = [];
  const clear = $<HTMLButtonElement>('#clear-results');
  clear.disabled = s.readOnly;
  clear.title = s.readOnly ? 'The saved results belong to a newer version of the lab: this page does not change them.' : '';
  if (s.readOnly && s.reason) parts.push(['warn', `${s.reason[0].toUpperCase()}${s.reason.slice(1)}.`]);
  if (s.full) {
    const exportButton = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Export JSON' });
    exportButton.addEventListener('click', () => $('#export-json').click());
    const room = Object.assign(document.createElement('button'), { type: 'button', id: 'make-room', textContent: s.roomFor === 1 ? 'Drop the oldest saved run' : `Drop the oldest ${s.roomFor} saved runs` });
    room.disabled = s.roomFor === 0;
    room.addEventListener('click', async () => {
      room.disabled = true;
      const dropped = await lab.makeRoomInHistory().catch(() => 0);
      say(`${dropped} oldest runs dropped${lab.historyState().full ? '; the storage is still full' : '; every run is saved'}.`);
    });
    parts.push([
      'warn',
      `The browser's storage for this site is full: ${s.unsaved === 1 ? 'the last run is' : `the last ${s.unsaved} runs are`} not saved and will be lost when the page is closed. Nothing was deleted. To keep ${s.unsaved === 1 ? 'it' : 'them'}, export the results, then make room by dropping the oldest saved runs. `,
      exportButton, ' ', room,
    ]);
  }
  const dropped = s.capDropped + s.roomDropped;
  if (dropped) {
    const why = [s.capDropped ? `${s.capDropped} by the history's limit (the newest ${HISTORY_CAP.toLocaleString('en')} runs, ${mb(HISTORY_BYTES_CAP)} at most)` : '', s.roomDropped ? `${s.roomDropped} to make room, as you chose` : ''].filter(Boolean).join(' and ');
    parts.push(['warn', `${dropped} older ${dropped === 1 ? 'run was' : 'runs were'} dropped from the saved history during this visit: ${why}.`]);
  }
  if (s.coalesced) {
    parts.push(['info', `${s.coalesced} saved ${s.coalesced === 1 ? 'run is' : 'runs are'} marked "coarser timeline": to keep each saved run under ${Math.round(RESULT_BUDGET_BYTES / 1024)} KB, its timeline spans shorter than a pixel were merged (each kind apart; the numbers are exact). Runs made in this visit keep every span until the page is closed; Export JSON keeps them whole.`]);
  }
  historyNotice.replaceChildren(
    ...parts.map(([level, ...content]) => {
      const el = document.createElement('p');
      el.className = level === 'warn' ? 'build-reason' : 'history-info';
      el.append(...content);
      return el;
    }),
  );
}

// --- Export: the lab's whole history, as recorded. Clear empties it (in every tab), and can be undone.
let cleared: Recorded[] | undefined;
$('#clear-results').addEventListener('click', async () => {
  cleared = await lab.clearHistory();
  await refreshHistory();
  const undo = Object.assign(document.createElement('button'), { type: 'button', id: 'undo-clear', textContent: 'Undo' });
  undo.addEventListener('click', async () => {
    if (!cleared) return;
    await lab.restoreHistory(cleared);
    await refreshHistory();
    cleared = undefined;
    $('#clear-status').replaceChildren(`Results restored.`);
    say('Results restored.');
  });
  $('#clear-status').replaceChildren(`${cleared.length} results cleared, in every tab of the lab. `, undo);
  say(`${cleared.length} results cleared; Undo brings them back.`);
});
$('#export-json').addEventListener('click', async () => {
  const results = await lab.history();
  download(exportName('json'), toJson(results[0]?.v ?? catalogue?.v ?? 1, results), 'application/json');
  say(`Exported ${results.length} runs as JSON.`);
});
$('#export-csv').addEventListener('click', async () => {
  const results = await lab.history();
  download(exportName('csv'), toCsv(results), 'text/csv');
  say(`Exported ${results.length} runs as CSV.`);
});

// The URL's query holds what is on screen, so a link reproduces it: `chapter=ID` opens a chapter of the
// lesson; spec parameters (and no chapter) open the playground with its form, `mode=compare` its compare
// view. Page parameters never reach spec validation. Nothing runs by itself unless the link says
// `autorun=1`. Values stay strings: the engine validates them and names a bad one. With no query, the
// learner's last settings come back; the URL wins over them.
const link = parseLink(location.search);
const query: FormState = link.spec;
const openCompare = link.compare;
const hasSpec = Object.keys(query).length > 0 || openCompare;
const saveSettings = (spec: Spec) => void lab.saveSettings(spec as Record<string, string>).catch(() => {});

// --- A course activity (`chapter=ID&activity=predict`): asks the course for its saved state at once.
const activity = setUpActivity(lab, link, { announce: say });
const activityProblem = activityParamProblem(link);
if (activityProblem) showLinkError(activityProblem);

// --- Replay: any finished run (a timeline's Replay button, an imported file, a link's `run` and `t`).
setUpReplay(lab, link, showLinkError);

// --- The two views: the lesson (chapters) and the playground (the form, compare, sweep, results).
let lessonView: LessonView | undefined;
function showView(view: 'lesson' | 'playground', chapter?: string): void {
  $('#lesson').hidden = view !== 'lesson';
  $('#playground').hidden = view !== 'playground';
  $('#tab-lesson').toggleAttribute('aria-current', view === 'lesson');
  $('#tab-playground').toggleAttribute('aria-current', view === 'playground');
  if (view === 'lesson' && lessonView) lessonView.show(chapter ?? lessonView.chapter.id);
  if (view === 'playground' && form) history.replaceState(null, '', `?${new URLSearchParams(form.spec() as Record<string, string>)}#playground`);
}
$('#tab-lesson').addEventListener('click', (e) => {
  e.preventDefault();
  showView('lesson');
});
// At once on the click (the hash follows), and on a hash typed or linked.
$('#tab-playground').addEventListener('click', (e) => {
  e.preventDefault();
  showView('playground');
});
window.addEventListener('hashchange', () => {
  if (location.hash === '#playground') showView('playground');
});

Promise.all([lab.ready, hasSpec ? query : lab.settings().catch(() => undefined)]).then(
  ([status, stored]) => {
    const state: FormState = { ...(stored ?? {}) };
    setNetwork(status.network);
    catalogue = lab.workloads();
    table.setModelVersion(catalogue.modelVersion);
    if (shown) show(shown);
    const f = new ExperimentForm($<HTMLFormElement>('#experiment'), catalogue, state, {
      run(spec) {
        f.showError(null);
        history.replaceState(null, '', `?${new URLSearchParams(spec as Record<string, string>)}`);
        saveSettings(spec);
        busy(true);
        // A run this machine should take more than a minute over is announced as it starts; it stays
        // stoppable like any other (the estimate comes from the calibration, src/core/estimate.rs).
        const estimate = $('#run-estimate');
        estimate.hidden = true;
        lab
          .estimate(spec)
          .then((ms) => {
            if (ms <= LONG_RUN_MS) return;
            const about = ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3_600_000)} h`;
            estimate.textContent = `This run should take about ${about} on this machine (estimated from its calibration). Stop (Esc) ends it at any time; smaller sizes or fewer tasks take less.`;
            estimate.hidden = false;
          })
          .catch(() => {});
        lab
          .run(spec)
          .catch((e) => {
            if (e.name !== 'AbortError') f.showError(e);
          })
          .finally(() => {
            busy(false);
            estimate.hidden = true;
          });
      },
      stop: () => lab.cancel(),
    });
    form = f;
    const sweep = new SweepView($('#sweep-view'), catalogue, {
      spec: () => f.spec(),
      run: (spec) => lab.run(spec),
      busy,
      announce: say,
    });
    $('#experiment').addEventListener('change', () => {
      sweep.refresh();
      // The URL follows the form, so a link (or Share) always reproduces what is on screen.
      history.replaceState(null, '', `?${new URLSearchParams(f.spec() as Record<string, string>)}`);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !share.isOpen) lab.cancel();
    });
    showIsolationNote();

    const panes = (pythonPanes = new LazyPythonPanes(lab));
    $('#compare-view').after(panes.playground);
    void panes.follow(f.spec());
    $('#experiment').addEventListener('change', () => void panes.follow(f.spec()));
    lessonView = new LessonView($('#lesson'), lab, catalogue, {
      shown: (id) => {
        if (!$('#lesson').hidden) history.replaceState(null, '', `?chapter=${encodeURIComponent(id)}${activityQuery(activity, id)}`);
      },
      announce: say,
      busy,
      snippet: lessonSnippet,
      python: { pane: (c, v) => panes.chapter(c, v), select: (c, x, m) => void panes.selectInChapter(c, x, m) },
      activity: activity?.hooks,
    });
    setUpQuickBar(catalogue, f);
    const chapterId = link.chapter;
    const known = chapterId !== undefined && chapterById(chapterId) !== undefined;
    if (chapterId !== undefined && !known) {
      showLinkError(`${unknownChapter(chapterId).message}; here is the first chapter.`);
    } else if (chapterId !== undefined && Object.keys(query).length) {
      showLinkError(`The link opens a chapter, whose experiment is fixed: its other parameters (${Object.keys(query).join(', ')}) are ignored.`);
    }
    // `py`: a learner's edited program, shown in the real-Python pane of the view the link opens.
    const py = link.page.py;
    if (py !== undefined) {
      const chapter = known ? chapterById(chapterId!) : undefined;
      const target = chapter ? panes.openChapter(chapter) : panes.showInPlayground(f.spec(), f.spec().mode as string | undefined);
      void target.then((pane) => pane?.loadEdited(py));
    }
    if (chapterId !== undefined || !hasSpec) {
      showView(location.hash === '#playground' && chapterId === undefined ? 'playground' : 'lesson', known ? chapterId : undefined);
      if (known && link.autorun && !activity) void lessonView.run();
    } else {
      showView('playground');
      // A link's values are checked at once, as the link gives them over the form's (an unknown mode or
      // workload is named, not replaced): every bad one is named before anything runs, the rest kept.
      // `data-link` says when the check is done (tests wait for it, not for a timer).
      const linkSpec = { ...f.spec(), ...query, ...(openCompare ? { mode: 'sequential' } : {}) };
      document.body.dataset.linkSpec = JSON.stringify(linkSpec);
      lab.validate(linkSpec).then(
        () => (document.body.dataset.link = 'ok'),
        (e) => {
          f.showError(e);
          document.body.dataset.link = 'error';
        },
      );
      // A link never starts a run by itself unless it asks to (`autorun=1`), a Compare included.
      if (link.autorun) {
        if (openCompare) void compareAll();
        else $<HTMLFormElement>('#experiment').requestSubmit();
      } else if (openCompare) {
        say('The link opens a Compare of every mode: press "Compare all modes" to run it.');
        $('#compare').classList.add('suggested');
      }
    }
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

/** The bar above the chapters: the workload selector and "Compare all modes", on every view. */
function setUpQuickBar(cat: Catalogue, f: ExperimentForm): void {
  const select = $<HTMLSelectElement>('#quick-workload');
  select.replaceChildren(...cat.workloads.map((w) => new Option(w.title, w.name)));
  const formWorkload = () => $<HTMLSelectElement>('#f-workload').value;
  select.value = formWorkload();
  select.disabled = false;
  $<HTMLButtonElement>('#quick-compare').disabled = false;
  $('#experiment').addEventListener('change', () => (select.value = formWorkload()));
  $('#quick-compare').addEventListener('click', () => {
    if (select.value !== formWorkload()) {
      const w = $<HTMLSelectElement>('#f-workload');
      w.value = select.value;
      w.dispatchEvent(new Event('change', { bubbles: true }));
    }
    showView('playground');
    void compareAll();
    $('#compare-view').scrollIntoView({ block: 'start' });
  });
  void f;
}

// --- Share: the link to what is on screen, and the iframe snippet for a course page.
const share = new ShareDialog($<HTMLDialogElement>('#share-dialog'), $<HTMLButtonElement>('#share'), () => {
  // What is on screen: a chapter of the lesson, or the playground's form (a Compare, if one is shown).
  if (!$('#lesson').hidden && lessonView) {
    const chapter = lessonView.chapter;
    return withPython({ params: new URLSearchParams(linkFor({ spec: {}, chapter: chapter.id })), title: `the lesson, ${chapter.title}` });
  }
  const compare = !$('#compare-view').hidden || parseLink(location.search).compare;
  const spec = { ...(form?.spec() ?? parseLink(location.search).spec) };
  if (compare) delete spec.mode;
  const params = new URLSearchParams(linkFor({ spec, compare }));
  return withPython({ params, title: `${spec.workload ?? 'an experiment'}${compare ? ', every mode' : spec.mode ? `, ${spec.mode}` : ''}` });
});

/** A program the learner edited in a real-Python pane on screen goes into the link (`py`) when it is short. */
function withPython(state: { params: URLSearchParams; title: string }): { params: URLSearchParams; title: string } {
  const text = pythonPanes?.editedOnScreen()?.editedText();
  if (text === undefined || text.length > MAX_LINK_PY_CHARS) return state;
  state.params.set('py', text);
  return { params: state.params, title: `${state.title}, with an edited Python program` };
}

// The same dialog from the bar above the chapters (the lesson view has no form).
$('#quick-share').addEventListener('click', () => share.open());

/**
 * In a frame that cannot be isolated the single build runs: say so where the status is, with a way to a
 * tab of its own (which can be isolated, and so run rayon and threads-gil).
 */
function showIsolationNote(): void {
  const s = lab.status();
  const note = $('#isolation-note');
  if (s.build !== 'single' || !framed()) return;
  const modes = (catalogue?.modes ?? []).filter((m) => m.unavailable).map((m) => m.name);
  note.replaceChildren(`${modes.join(' and ') || 'Some modes'} cannot run in this frame (see above why); they run in a tab of its own. `, ownTabLink());
  note.hidden = false;
}
