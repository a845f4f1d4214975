// The embed view (embed.html): one experiment, configured entirely by the URL (the full lab's parameters,
// `mode=compare` for every mode), compact enough for a course page's iframe. A host page may command it
// by postMessage (embed/host-messages.ts). Like the full lab, it runs nothing itself: every run goes
// through `window.lab`.

import { bootInfo } from './boot-info';
import { EngineClient } from './engine/client';
import type { Catalogue, PlainError, Result, Spec } from './engine/protocol';
import { HostChannel, parseParentOrigins, reportHeight } from './embed/host-messages';
import { Lab, toError, type Recorded } from './lab-api';
import { detectNetwork } from './network';
import { CompareView, type CompareOutcome } from './views/compare';
import { ImageView } from './views/image-view';
import { framed, fullLabUrl, ownTabLink } from './views/own-tab';
import { renderStatus } from './views/status-bar';
import { renderTimeline } from './views/timeline';
import { fmtMs, setNetwork } from './views/work';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

$('#boot-message').hidden = true;
const lab = new Lab(new EngineClient(), { isolationReason: bootInfo().reason, network: detectNetwork(document.baseURI) });
(window as unknown as { lab: Lab }).lab = lab;

// --- The experiment, from the URL. Values stay strings: the engine validates them and names a bad one.
const params = new URLSearchParams(location.search);
const { origins, bad: badOrigins } = parseParentOrigins(params.get('parentOrigin'));
const compare = params.get('mode') === 'compare';
const spec: Spec = {};
for (const [k, v] of params) if (k !== 'parentOrigin' && !(compare && k === 'mode')) spec[k] = v;

const runButton = $<HTMLButtonElement>('#run');
const stopButton = $<HTMLButtonElement>('#stop');
const problems = $('#spec-error');
const announce = $('#announce');
const say = (text: string) => (announce.textContent = text);
const summary = $('#result-summary');
const timeline = $('#timeline');
const image = new ImageView($<HTMLCanvasElement>('#image'), $('#image-caption'));
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
showProblems(urlProblems);

function describeExperiment(): void {
  $('#experiment-title').textContent = `${spec.workload ?? 'no workload given'} · ${compare ? 'every mode, compared' : spec.mode ?? 'no mode given'}`;
  const dl = $('#params');
  dl.replaceChildren();
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'workload' || k === 'mode' || k === 'v') continue;
    const item = document.createElement('div');
    item.append(Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: String(v) }));
    dl.append(item);
  }
  dl.hidden = dl.childElementCount === 0;
}

// --- Runs: from the Run button or from the host page; either way the view shows them.
let active = 0;
const busy = (on: boolean) => {
  active = Math.max(0, active + (on ? 1 : -1));
  stopButton.disabled = active === 0;
};
lab.onRunStart(() => image.reset());
lab.onTask((record, output) => {
  if (output) image.draw(record.id, record.lane, output);
});

let comparing: string | undefined;
lab.onRunStart((s) => {
  if (comparing !== undefined) compareView.running(String(s.mode));
});
lab.onRecord((r) => {
  // In a compare, the table shows each mode (filled in as rounds go); its Timeline buttons draw a run.
  if (comparing !== undefined) return;
  showRun(r);
  say(`${r.spec.mode} ${r.cancelled ? 'cancelled after' : 'took'} ${fmtMs(r.wallMs)}${r.network === 'simulated' ? ' (simulated network)' : ''}.`);
});

function showRun(r: Recorded): void {
  const parts = [`${r.spec.mode}: ${fmtMs(r.wallMs)} wall time`, `value ${r.value.toLocaleString('en')}`, `${r.build} build`];
  if (r.network === 'simulated') parts.push('simulated network');
  if (r.cancelled) parts.push('stopped');
  else if (r.error) parts.push(`raised ${r.error.name}`);
  summary.textContent = parts.join(' · ');
  timeline.hidden = false;
  renderTimeline(timeline, r);
}

async function runOne(s: Spec): Promise<Result> {
  busy(true);
  try {
    return await lab.run(s);
  } catch (e) {
    const err = toError(e);
    if (err.name !== 'AbortError') showProblems([...urlProblems, err.message]);
    throw err;
  } finally {
    busy(false);
  }
}

async function runCompare(s: Spec, options: { budgetMs?: number; minRounds?: number } = {}): Promise<CompareOutcome> {
  if (!catalogue) await lab.ready;
  const { mode: _ignored, ...work } = s;
  comparing = JSON.stringify(work);
  compareView.start(catalogue!, work);
  busy(true);
  try {
    const out = await lab.compare(work, { ...options, onProgress: (p) => compareView.update(p) });
    compareView.finish(out, false);
    const lesson = compareView.lessonRun();
    if (lesson) showRun(lesson);
    return out;
  } catch (e) {
    const err = e as Error & { partial?: CompareOutcome };
    compareView.finish(err.partial ?? {}, true);
    throw err;
  } finally {
    comparing = undefined;
    busy(false);
    say(compareView.summary());
  }
}

runButton.addEventListener('click', () => void (compare ? runCompare(spec) : runOne(spec)).catch(() => {}));
stopButton.addEventListener('click', () => lab.cancel());
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') lab.cancel();
});

// --- The host page: commands from the allowed origins; results back to them; the height to anyone.
const host = new HostChannel(origins, { run: runOne, compare: runCompare, cancel: () => lab.cancel() });
reportHeight();

// --- Once the engine is up: check the URL's experiment, say what this frame cannot run, and why.
let catalogue: Catalogue | undefined;
lab.ready.then(
  async (status) => {
    setNetwork(status.network);
    catalogue = lab.workloads();
    const found = await check(catalogue);
    showProblems([...urlProblems, ...found.problems]);
    if (found.unavailable) {
      const note = $('#isolation-note');
      note.replaceChildren(`${found.unavailable} `);
      if (framed()) note.append(ownTabLink());
      note.hidden = false;
    }
    // A compare still runs the modes this build has; a single mode it cannot run blocks Run.
    runButton.disabled = found.problems.length > 0 || (!compare && !!found.unavailable);
    host.ready(status);
  },
  (e) => {
    const fatal = $('#fatal');
    fatal.hidden = false;
    fatal.textContent = `The lab engine could not start: ${toError(e).message} `;
    if (framed()) fatal.append(ownTabLink());
    host.failed(e);
  },
);

/** The URL's experiment as the engine sees it: bad parameters named; modes this build cannot run, and why. */
async function check(cat: Catalogue): Promise<{ problems: string[]; unavailable?: string }> {
  const off = cat.modes.filter((m) => m.unavailable);
  const wanted = cat.modes.find((m) => m.name === spec.mode);
  if (!compare && wanted?.unavailable) return { problems: [], unavailable: `${wanted.name} is unavailable here: ${wanted.unavailable}.` };
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
  const unavailable = compare && off.length ? `${off.map((m) => m.name).join(' and ')} cannot run here: ${off[0].unavailable}.` : undefined;
  return { problems: [...problems.values()], unavailable };
}
