// Shows the lesson's claims for a set of runs of the same work: a Compare, or the runs a learner made one
// by one. Every verdict comes from the one verdict module (../../measure/verdicts.ts); this file only
// renders. The verdict is a word and a symbol, not a colour alone.

import type { Recorded } from '../../lab/lab-api';
import { claims, type ClaimVerdict, type Outcome, type Verdict } from '../../measure/verdicts';
import { complete, workKey } from '../work';

const VERDICTS: Record<Verdict, [string, string]> = {
  'borne-out': ['✔', 'Borne out'],
  'not-borne-out': ['✘', 'Not borne out'],
  inconclusive: ['?', 'Inconclusive'],
};

/** The latest complete run of each mode that did the same work as `latest`, as an outcome by mode. */
export function sameWorkOutcome(records: readonly Recorded[], latest: Recorded): Outcome {
  const key = workKey(latest.spec);
  const out: Outcome = {};
  for (const r of records) {
    // Runs of another model of Python are not mixed with this one's.
    if (complete(r) && workKey(r.spec) === key && (r.modelVersion ?? 1) === (latest.modelVersion ?? 1)) out[String(r.spec.mode)] = r;
  }
  return out;
}

export interface ClaimsRenderOptions {
  /** Leave out claims no run tested yet (beside a single run they would be most of the list). */
  measuredOnly?: boolean;
  /** How the measurement was made (a Compare's rounds), shown under the list. */
  how?: string;
}

/** Renders the claims of `outcome` into `el`; returns how many were shown. */
export function renderClaims(el: HTMLElement, outcome: Outcome | undefined, options: ClaimsRenderOptions = {}): number {
  return renderVerdicts(el, outcome ? claims(outcome) : [], options);
}

/** Renders verdicts already decided (a chapter's) into `el`; returns how many were shown. */
export function renderVerdicts(el: HTMLElement, all: ClaimVerdict[], options: ClaimsRenderOptions = {}): number {
  const shown = options.measuredOnly ? all.filter((c) => c.measured.rounds > 0) : all;
  el.hidden = shown.length === 0;
  const heading = document.createElement('h3');
  heading.textContent = "The lesson's claims, on this machine";
  const list = document.createElement('ul');
  list.className = 'claims';
  list.append(...shown.map(claimItem));
  el.replaceChildren(heading, list);
  if (options.how) el.append(Object.assign(document.createElement('p'), { className: 'note how', textContent: options.how }));
  if (options.measuredOnly && shown.length) {
    const one = shown.every((c) => c.measured.rounds <= 1);
    const text = `${one ? 'Each mode ran once here, one after another, so these verdicts rest on one sample each. ' : ''}${shown.length < all.length ? 'Compare all modes to test the other claims' : 'Compare all modes for a fair measurement'} (a warm-up round, then several rounds in changing orders).`;
    el.append(Object.assign(document.createElement('p'), { className: 'note', textContent: text }));
  }
  return shown.length;
}

function claimItem(c: ClaimVerdict): HTMLElement {
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
  text.textContent = c.claim;
  const evidence = document.createElement('p');
  evidence.className = 'evidence';
  evidence.textContent = c.measured.text;
  li.append(verdict, text, evidence);
  if (c.why) {
    const why = document.createElement('p');
    why.className = 'why';
    // A mode this page cannot run: said in the learner's words, the lab's own reason (the build, isolation)
    // behind Details.
    const unavailable = /^(\S+) cannot run here: /.exec(c.why);
    if (unavailable) {
      why.textContent = `Why it is not decided: ${unavailable[1]} cannot run on this page, so this claim is not tested here. `;
      const details = Object.assign(document.createElement('details'), { className: 'more-details' });
      details.append(Object.assign(document.createElement('summary'), { textContent: 'Details' }), c.why);
      why.append(details);
    } else why.textContent = c.verdict === 'borne-out' ? `Note: ${c.why}` : c.verdict === 'inconclusive' ? `Why it is not decided: ${c.why}` : `Why: ${c.why}`;
    li.append(why);
  }
  return li;
}
