// The embed view (embed.html): one experiment, configured entirely by the URL (the full lab's parameters,
// `mode=compare` for every mode), compact enough for a course page's iframe. A host page may command it
// by postMessage (./host-messages.ts). Like the full lab, it runs nothing itself: every run goes
// through `window.lab`, with the Run / Compare / busy / Stop handling of the full page (../session.ts).

import { bootInfo } from '../boot-info';
import { EngineClient } from '../engine/client';
import type { Catalogue, PlainError, Result, Spec } from '../engine/protocol';
import { HostChannel, parseParentOrigins, reportHeight } from './host-messages';
import { Lab, toError, type Recorded } from '../lab/lab-api';
import { detectNetwork } from '../network';
import { PageSession } from '../session';
import { CompareView, type CompareOutcome } from '../views/compare/compare';
import { ImageView } from '../views/run/image-view';
import { framed, fullLabUrl, ownTabLink } from '../views/page/own-tab';
import { renderStatus } from '../views/page/status-bar';
import { renderTimeline } from '../views/timeline/timeline';
import { fmtMs, setNetwork } from '../views/work';
import { chapterById, unknownChapter } from '../lesson/chapters';
import { chapterProgram, lessonSnippet } from '../lesson/snippets';
import { CLAIM_MODE, CLAIM_TEXT, claimsToTest } from '../measure/verdicts';
import { parseLink } from '../url-state';
import { LessonView } from '../views/lesson/lesson-view';
import { activityParamProblem, setUpActivity } from '../activity/activity';
import { defaultEnv, reportFrameSize } from '../activity/splice';
import { embedChapterHooks, toAllowedHosts } from '../activity/frame-reports';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

$('#boot-message').hidden = true;
const lab = new Lab(new EngineClient(), { isolationReason: bootInfo().reason, network: detectNetwork(document.baseURI) });
(window as unknown as { lab: Lab }).lab = lab;

// --- The experiment, from the URL. Values stay strings: the engine validates them and names a bad one.
// Page parameters (parentOrigin, chapter, autorun, ...) never reach spec validation.
const params = new URLSearchParams(location.search);

/** The fields' and workloads' names in the learner's words, once the engine's catalogue is there. */
const labels = new Map<string, string>();
function learnLabels(cat: Catalogue): void {
  for (const w of cat.workloads) {
    labels.set(`workload:${w.name}`, w.title);
    for (const f of w.fields) labels.set(f.name, f.label);
  }
  for (const f of cat.fields) labels.set(f.name, f.label);
  for (const m of cat.modes) for (const f of m.fields ?? []) labels.set(f.name, f.label);
}

const link = parseLink(location.search);
const { origins, bad: badOrigins } = parseParentOrigins(link.page.parentOrigin ?? null);
const compare = link.compare;
const spec: Spec = { ...link.spec };
const chapterId = link.chapter;

const runButton = $<HTMLButtonElement>('#run');
const stopButton = $<HTMLButtonElement>('#stop');
const problems = $('#spec-error');
const announce = $('#announce');
const say = (text: string) => (announce.textContent = text);
// A course activity (`chapter=ID&activity=predict`): asks the course (SPLICE) for its saved state at once.
const activity = setUpActivity(lab, link, { origins, announce: say });
const summary = $('#result-summary');
const timeline = $('#timeline');
const compareView = new CompareView($('#compare-view'), {
  showTimeline(r) {
    showRun(r);
    timeline.scrollIntoView({ block: 'nearest' });
  },
  moreRounds: () => void runCompare(spec, { budgetMs: 60_000, minRounds: 6 }).catch(() => {}),
});

$<HTMLAnchorElement>('#open-full').href = fullLabUrl(params);
describeExperiment();
renderStatus($('#status'), lab.status());
lab.onStatus((s) => {
  renderStatus($('#status'), s);
  document.body.dataset.engine = s.state;
});

/** Names what is wrong with the URL (or a message) without dropping the rest. */
function showProblems(list: string[]): void {
  problems.replaceChildren(...list.map((t) => Object.assign(document.createElement('span'), { textContent: t, className: 'problem' })));
  problems.hidden = list.length === 0;
}
const urlProblems = badOrigins.map(
  (o) => `parentOrigin: ${JSON.stringify(o)} is not a full origin such as https://course.example.org (scheme, host and port; no wildcard, no path), so it is ignored.`,
);
const activityProblem = activityParamProblem(link);
if (activityProblem) urlProblems.push(activityProblem);
showProblems(urlProblems);

function describeExperiment(s: Spec = spec, every = compare): void {
  if (chapterId !== undefined) return;
  const workload = s.workload === undefined ? 'no workload given' : labels.get(`workload:${String(s.workload)}`) ?? String(s.workload);
  $('#experiment-title').textContent = `${workload} · ${every ? 'every mode, compared' : s.mode ?? 'no mode given'}`;
  const dl = $('#params');
  dl.replaceChildren();
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'workload' || k === 'mode' || k === 'v') continue;
    const item = document.createElement('div');
    item.append(Object.assign(document.createElement('dt'), { textContent: labels.get(k) ?? k }), Object.assign(document.createElement('dd'), { textContent: String(v) }));
    dl.append(item);
  }
  dl.hidden = dl.childElementCount === 0;
}

// --- Runs: from the Run button or from the host page; either way the view shows them.
const session = new PageSession(lab, {
  compare: compareView,
  busy: (on) => (stopButton.disabled = !on),
  recorded(r, inCompare) {
    // In a compare, the table shows each mode (filled in as rounds go); its Timeline buttons draw a run.
    // A chapter draws its own.
    if (inCompare || lessonView) return;
    showRun(r);
    say(`${r.spec.mode} ${r.cancelled ? 'cancelled after' : 'took'} ${fmtMs(r.wallMs)}${r.network === 'simulated' ? ' (simulated network)' : ''}.`);
  },
  lessonRun: showRun,
  say,
  watchers: [new ImageView($<HTMLCanvasElement>('#image'), $('#image-caption'))],
});

function showRun(r: Recorded): void {
  // In learner words: where the threads ran (the build, in the Details of the status).
  const parts = [`${r.spec.mode}: ${fmtMs(r.wallMs)} wall time`, `value ${r.value.toLocaleString('en')}`, r.build === 'threads' ? 'threads side by side' : 'threads taking turns on one'];
  if (r.network === 'simulated') parts.push('simulated network');
  if (r.cancelled) parts.push('stopped');
  else if (r.error) parts.push(`raised ${r.error.name}`);
  summary.textContent = parts.join(' · ');
  timeline.hidden = false;
  renderTimeline(timeline, r);
}

/** One run; `fromHost`: asked by the host page, whose own errors go back to it, not on the learner's screen. */
async function runOne(s: Spec, fromHost = false): Promise<Result> {
  if (fromHost) describeExperiment(s, false);
  try {
    return await session.run(s);
  } catch (e) {
    const err = toError(e);
    if (err.name !== 'AbortError' && !fromHost) showProblems([...urlProblems, err.message]);
    throw err;
  }
}

async function runCompare(s: Spec, options: { budgetMs?: number; minRounds?: number } = {}, fromHost = false): Promise<CompareOutcome> {
  if (!catalogue) await lab.ready;
  const { mode: _ignored, ...work } = s;
  if (fromHost) describeExperiment(work, true);
  // The view's caption says what runs, defaults filled in (a link may leave tasks out).
  const filled = await lab.validate({ ...work, mode: 'sequential' }).then(({ mode: _m, ...rest }) => rest, () => work);
  return session.compare(catalogue!, work, filled, options);
}

runButton.addEventListener('click', () => {
  if (lessonView) return void lessonView.run();
  // The learner's own run is told to the allowed hosts too (id null: no command of theirs caused it).
  void (compare ? runCompare(spec) : runOne(spec)).then(
    (result) => toAllowedHosts(origins, { type: 'lab:result', id: null, result, ...(compare ? { claims: lab.claims(result as CompareOutcome) } : {}) }),
    () => {},
  );
});
stopButton.addEventListener('click', () => session.stop());
session.stopOnEscape();

// --- The host page: commands from the allowed origins; results back to them; the height to anyone.
const host = new HostChannel(origins, { run: (s) => runOne(s, true), compare: (s) => runCompare(s, {}, true), cancel: () => lab.cancel() });
reportHeight();
reportFrameSize(defaultEnv(origins));

// --- Once the engine is up: check the URL's experiment, say what this frame cannot run, and why.
let catalogue: Catalogue | undefined;
lab.ready.then(
  async (status) => {
    setNetwork(status.network);
    catalogue = lab.workloads();
    learnLabels(catalogue);
    describeExperiment();
    if (chapterId !== undefined) {
      setUpChapter(catalogue);
      runButton.disabled = false;
      host.ready(status);
      return;
    }
    showClaimsToTest(catalogue);
    const found = await check(catalogue);
    showProblems([...urlProblems, ...found.problems]);
    if (found.unavailable) {
      const note = $('#isolation-note');
      // In the learner's words; the lab's own reason behind Details.
      note.replaceChildren(`${found.unavailable.modes.join(' and ')} cannot run on this page: its threads cannot share memory here. `);
      if (framed()) note.append(ownTabLink(), ' ');
      const details = Object.assign(document.createElement('details'), { className: 'more-details' });
      details.append(Object.assign(document.createElement('summary'), { textContent: 'Details' }), found.unavailable.why);
      note.append(details);
      note.hidden = false;
    }
    // A compare still runs the modes this build has; a single mode it cannot run blocks Run.
    runButton.disabled = found.problems.length > 0 || (!compare && !!found.unavailable);
    host.ready(status);
  },
  (e) => {
    const fatal = $('#fatal');
    fatal.hidden = false;
    fatal.textContent = `The lab could not start: ${toError(e).message} `;
    if (framed()) fatal.append(ownTabLink());
    host.failed(e);
  },
);

/** `embed.html?chapter=ID`: one chapter of the lesson, alone. An unknown id is named, with the ids. */
let lessonView: LessonView | undefined;
function setUpChapter(cat: Catalogue): void {
  const known = chapterById(chapterId!);
  if (!known) {
    showProblems([...urlProblems, unknownChapter(chapterId).message]);
    return;
  }
  $('#experiment-title').textContent = known.title;
  if (Object.keys(spec).length) showProblems([...urlProblems, `The chapter's experiment is fixed: the link's other parameters (${Object.keys(spec).join(', ')}) are ignored.`]);
  $('#params').hidden = true;
  const box = $('#lesson');
  box.hidden = false;
  lessonView = new LessonView(box, lab, cat, { shown: () => {}, announce: say, busy: session.busy, snippet: lessonSnippet, program: chapterProgram, activity: embedChapterHooks(activity, origins) }, true);
  lessonView.show(known.id);
  // The chapter has its own Run button; the frame's would run the same.
  runButton.hidden = true;
}

/** Before anything runs: the claims this experiment tests, in the lesson's words. */
function showClaimsToTest(cat: Catalogue): void {
  const w = cat.workloads.find((x) => x.name === spec.workload);
  if (!w) return;
  const ids = claimsToTest(spec, w.class).filter((id) => compare || CLAIM_MODE[id] === spec.mode);
  const box = $('#embed-claims');
  if (!ids.length) return;
  const list = document.createElement('ul');
  list.append(...ids.map((id) => Object.assign(document.createElement('li'), { textContent: CLAIM_TEXT[id] })));
  box.replaceChildren(Object.assign(document.createElement('p'), { className: 'embed-claims-lead', textContent: compare ? 'Run every mode to test what the lesson claims:' : 'What the lesson claims:' }), list);
  box.hidden = false;
}

/** The URL's experiment as the engine sees it: bad parameters named; modes this build cannot run, and why. */
async function check(cat: Catalogue): Promise<{ problems: string[]; unavailable?: { modes: string[]; why: string } }> {
  const off = cat.modes.filter((m) => m.unavailable);
  const wanted = cat.modes.find((m) => m.name === spec.mode);
  if (!compare && wanted?.unavailable) return { problems: [], unavailable: { modes: [wanted.name], why: `${wanted.name} is unavailable here: ${wanted.unavailable}.` } };
  const modes = compare ? cat.modes.filter((m) => !m.unavailable).map((m) => m.name) : [String(spec.mode ?? '')];
  const problems = new Map<string, string>();
  for (const mode of modes) {
    try {
      await lab.validate({ ...spec, mode });
    } catch (e) {
      const err = e as PlainError;
      const key = err.field ?? err.message;
      if (!problems.has(key)) problems.set(key, compare ? `${err.message} (for ${mode})` : err.message);
    }
  }
  const unavailable = compare && off.length ? { modes: off.map((m) => m.name), why: `${off.map((m) => m.name).join(' and ')} cannot run here: ${off[0].unavailable}.` } : undefined;
  return { problems: [...problems.values()], unavailable };
}
