// Shows the lesson's claims (./claims.ts) for a set of runs of the same work: a compare, or the runs
// a learner made one by one. The verdict is a word and a symbol, not a colour alone.

import type { Catalogue } from '../engine/protocol';
import type { Recorded } from '../lab-api';
import { claims, type Claim, type ClaimInput, type ModeMeasure, type Verdict } from './claims';
import { complete, idealSpeedup, isHttp, workKey, workersOf } from './work';

const VERDICTS: Record<Verdict, [string, string]> = {
  confirmed: ['✔', 'Borne out here'],
  'not-borne-out': ['✘', 'Not borne out here'],
  'not-measured': ['○', 'Not measured yet'],
};

/** The claims' input from runs of one work (any order, one per mode; needs a complete sequential run). */
export function claimInput(catalogue: Catalogue, runs: readonly Recorded[], ncores: number): ClaimInput | undefined {
  const seq = runs.find((r) => r.spec.mode === 'sequential' && complete(r));
  const workload = seq && catalogue.workloads.find((w) => w.name === seq.spec.workload);
  if (!seq || !workload) return undefined;
  const modes: Record<string, ModeMeasure> = {};
  for (const r of runs) {
    const mode = catalogue.modes.find((m) => m.name === r.spec.mode);
    if (!mode || mode.name === 'sequential' || !complete(r) || !(r.wallMs > 0)) continue;
    modes[mode.name] = {
      speedup: seq.wallMs / r.wallMs,
      workers: workersOf(mode, r.spec),
      ideal: idealSpeedup(workload, mode, r.spec, ncores),
      wallMs: r.wallMs,
      startupMs: startup(r),
    };
  }
  const latency = Number(seq.spec.latencyMs);
  return {
    workloadClass: workload.class,
    cores: ncores,
    tasks: Number(seq.spec.tasks),
    baselineMs: seq.wallMs,
    http: isHttp(workload.name),
    latencyMs: Number.isFinite(latency) ? latency : undefined,
    modes,
  };
}

/** The longest worker start-up on a run's timeline (`start` spans: a process loading its interpreter). */
function startup(r: Recorded): number | undefined {
  const starts = r.tasks.flatMap((t) => (t.spans ?? []).filter((s) => s.kind === 'start').map((s) => s.endMs - s.startMs));
  return starts.length ? Math.max(...starts) : undefined;
}

/** The latest complete run of each mode that did the same work as `latest`. */
export function sameWorkRuns(records: readonly Recorded[], latest: Recorded): Recorded[] {
  const key = workKey(latest.spec);
  const byMode = new Map<string, Recorded>();
  for (const r of records) if (complete(r) && workKey(r.spec) === key) byMode.set(String(r.spec.mode), r);
  return [...byMode.values()];
}

/**
 * Renders the claims into `el`; returns how many were measured. With `measuredOnly`, claims no run
 * tested yet are left out (beside a single run they would be most of the list).
 */
export function renderClaims(el: HTMLElement, input: ClaimInput | undefined, options: { measuredOnly?: boolean } = {}): number {
  const all = input ? claims(input) : [];
  const shown = options.measuredOnly ? all.filter((c) => c.verdict !== 'not-measured') : all;
  el.hidden = shown.length === 0;
  const heading = document.createElement('h3');
  heading.textContent = "The lesson's claims, on this machine";
  const list = document.createElement('ul');
  list.className = 'claims';
  list.append(...shown.map(claimItem));
  el.replaceChildren(heading, list);
  if (options.measuredOnly && shown.length < all.length) {
    const more = document.createElement('p');
    more.className = 'note';
    more.textContent = 'Compare all modes to test the other claims.';
    el.append(more);
  }
  return shown.length;
}

function claimItem(c: Claim): HTMLElement {
  const li = document.createElement('li');
  li.className = 'claim';
  li.dataset.claim = c.id;
  li.dataset.verdict = c.verdict;
  const [symbol, word] = VERDICTS[c.verdict];
  const verdict = document.createElement('span');
  verdict.className = 'verdict';
  const icon = document.createElement('span');
  icon.setAttribute('aria-hidden', 'true');
  icon.textContent = symbol;
  verdict.append(icon, ` ${word}`);
  const text = document.createElement('p');
  text.className = 'claim-text';
  text.textContent = c.text;
  const evidence = document.createElement('p');
  evidence.className = 'evidence';
  evidence.textContent = c.evidence;
  li.append(verdict, text, evidence);
  if (c.why) {
    const why = document.createElement('p');
    why.className = 'why';
    why.textContent = c.verdict === 'confirmed' ? `But: ${c.why}` : `Why it may not be: ${c.why}`;
    li.append(why);
  }
  return li;
}
