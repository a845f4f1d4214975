// A course activity's state (API.md "Course activities"): what `lab.activity()` returns and what goes to
// the course platform in `SPLICE.reportScoreAndState`, and back in `SPLICE.getState.response`. Pure: no
// DOM, no clock. Everything a host sends back is untrusted: `checkState` keeps only what the catalogue
// knows, within its limits, and recomputes the score (a stored score is never believed).
//
// The score (`scoreOf`): `completion` (the default) is a third each for answers locked by a run (the
// learner predicted before it), a run that decided the chapter's claims (any verdict: a busy machine never
// lowers a score), and an explanation written. `correct` is the share of the questions answered as
// measured here among those scored: a question is scored once a run has decided its claim (`borne-out` or
// `not-borne-out`); an inconclusive claim leaves it unscored (the page asks for another run); a claim whose
// mode is Unavailable here lists it as `untestable`. Correctness (`correct`: the ids answered as measured)
// is kept either way.

import { chapterById } from '../lesson/chapters';
import type { Verdict } from '../measure/claims-rounds';
import { ESTIMATE_FACTOR, ESTIMATE_MAX, ESTIMATE_MIN, questionsOf, type Question } from './questions';

export const STATE_VERSION = 1;
/** A state (as JSON, UTF-8) is at most this many bytes: a larger one is refused, and ours never grows past it. */
export const MAX_STATE_BYTES = 16 * 1024;
/** The explanation's length limit, in characters ("one or two sentences"). */
export const MAX_EXPLANATION = 600;
/** An explanation of at least this many characters (trimmed) counts as written. */
export const MIN_EXPLANATION = 10;
/** The last few chapter runs' ids are kept, no more. */
export const MAX_RUN_IDS = 5;
/** A measured text kept with a verdict (the lab's are under 100 characters). */
const MAX_TEXT = 200;

export type Scoring = 'completion' | 'correct';
export const SCORINGS: readonly Scoring[] = ['completion', 'correct'];

/** One claim's verdict as the activity keeps it (the last decided one; see `mergeVerdicts`). */
export interface KeptVerdict {
  verdict: Verdict;
  /** The claim's mode against sequential (`measured.speedup`), or null when not measured. */
  speedup: number | null;
  /** What was measured, in words (`measured.text`), shown as text. */
  text: string;
  /** The claim's mode cannot run in this browser (Unavailable): its questions are untestable. */
  unavailable?: boolean;
}

export interface ActivityState {
  v: number;
  chapter: string;
  scoring: Scoring;
  /** Question id -> a choice's option value or an estimate (a speedup). */
  answers: Record<string, string | number>;
  explanation: string;
  /** Claim id -> its verdict here. */
  verdicts: Record<string, KeptVerdict>;
  score: number;
  /** Questions whose claim a run has decided (the `correct` scoring's denominator). */
  scored: string[];
  /** Questions among `scored` answered as measured here. */
  correct: string[];
  /** Questions whose claim this browser cannot test (its mode is Unavailable). */
  untestable: string[];
  /** The last few chapter runs (the first one locked the answers). */
  runIds: string[];
}

export const contentId = (chapter: string) => `chapter/${chapter}/predict`;

export function emptyState(chapter: string, scoring: Scoring): ActivityState {
  return withScore({ v: STATE_VERSION, chapter, scoring, answers: {}, explanation: '', verdicts: {}, score: 0, scored: [], correct: [], untestable: [], runIds: [] });
}

/** Whether the answer `a` to `q` is as measured, given its claim's verdict `kept` (decided). */
export function answeredAsMeasured(q: Question, a: string | number | undefined, kept: KeptVerdict): boolean {
  if (a === undefined) return false;
  if (q.kind === 'choice') return q.options?.find((o) => o.value === a)?.if === kept.verdict;
  if (typeof a !== 'number' || kept.speedup === null || !(kept.speedup > 0)) return false;
  const ratio = a / kept.speedup;
  return ratio <= ESTIMATE_FACTOR && ratio >= 1 / ESTIMATE_FACTOR;
}

export const decided = (k: KeptVerdict | undefined): k is KeptVerdict => !!k && !k.unavailable && (k.verdict === 'borne-out' || k.verdict === 'not-borne-out');

/**
 * The score and its lists, computed from the answers, the verdicts, the explanation and the runs. A question
 * is untestable when its claim's mode was Unavailable in a run, or is in `untestableClaims` (the claims whose
 * mode this browser cannot run, known before any run: such a question is not asked).
 */
export function withScore(s: ActivityState, untestableClaims: ReadonlySet<string> = new Set()): ActivityState {
  const qs = questionsOf(s.chapter);
  const scored: string[] = [];
  const correct: string[] = [];
  const untestable: string[] = [];
  for (const q of qs) {
    const k = s.verdicts[q.claim];
    if (k?.unavailable || untestableClaims.has(q.claim)) untestable.push(q.id);
    else if (decided(k)) {
      scored.push(q.id);
      if (answeredAsMeasured(q, s.answers[q.id], k)) correct.push(q.id);
    }
  }
  let score: number;
  if (s.scoring === 'correct') score = scored.length ? correct.length / scored.length : 0;
  else {
    // Predicted: every question asked (not the untestable ones) answered before the run.
    const predicted = s.runIds.length > 0 && qs.every((q) => untestable.includes(q.id) || s.answers[q.id] !== undefined);
    const ran = Object.keys(s.verdicts).length > 0;
    const explained = s.explanation.trim().length >= MIN_EXPLANATION;
    score = [predicted, ran, explained].filter(Boolean).length / 3;
  }
  return { ...s, score, scored, correct, untestable };
}

/**
 * A new run's verdicts folded into those kept: a decided (or Unavailable) verdict replaces the one kept;
 * an inconclusive one replaces only another inconclusive one, so a busy machine never undoes a verdict.
 */
export function mergeVerdicts(kept: Record<string, KeptVerdict>, fresh: Record<string, KeptVerdict>): Record<string, KeptVerdict> {
  const out = { ...kept };
  for (const [id, v] of Object.entries(fresh)) {
    if (v.unavailable || decided(v) || !decided(out[id])) out[id] = v;
  }
  return out;
}

/** What a chapter run gives the activity: each claim's verdict, Unavailable modes marked. */
export function verdictsFromRun(run: {
  claims: { id: string; verdict: Verdict; measured: { mode: string; speedup: number; rounds: number; text: string } }[];
  results: { name: string; result: unknown }[];
}): Record<string, KeptVerdict> {
  const unavailableModes = new Set<string>();
  for (const { name, result } of run.results) {
    const err = (result as { error?: { name?: string } } | null)?.error;
    if (err?.name === 'Unavailable' && !(result as { wallMs?: unknown }).wallMs) unavailableModes.add(name.split('/').pop()!);
  }
  const out: Record<string, KeptVerdict> = {};
  for (const c of run.claims) {
    const speedup = c.measured.rounds > 0 && Number.isFinite(c.measured.speedup) ? Math.round(c.measured.speedup * 1000) / 1000 : null;
    const kept: KeptVerdict = { verdict: c.verdict, speedup, text: String(c.measured.text ?? '').slice(0, MAX_TEXT) };
    if (c.verdict === 'inconclusive' && c.measured.rounds === 0 && unavailableModes.has(c.measured.mode)) kept.unavailable = true;
    out[c.id] = kept;
  }
  return out;
}

/** The state's size as sent: UTF-8 bytes of its JSON. */
export const stateBytes = (json: string) => new TextEncoder().encode(json).length;

export type Checked = { ok: true; state: ActivityState; notes: string[] } | { ok: false; reason: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const VERDICTS: readonly string[] = ['borne-out', 'not-borne-out', 'inconclusive'];
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A state from the host (an object, or a JSON string of one), checked against the catalogue and the size
 * cap. Answers to questions that no longer exist (or values no longer offered) are dropped, with a note;
 * anything else unknown is left out silently; the score is recomputed with the page's `scoring`.
 */
export function checkState(raw: unknown, chapter: string, scoring: Scoring): Checked {
  if (raw === null || raw === undefined) return { ok: false, reason: 'no saved state' };
  let json: string;
  let data: unknown;
  if (typeof raw === 'string') {
    json = raw;
    if (stateBytes(json) > MAX_STATE_BYTES) return { ok: false, reason: `the saved state is larger than ${MAX_STATE_BYTES} bytes` };
    try {
      data = JSON.parse(raw);
    } catch {
      return { ok: false, reason: 'the saved state is not JSON' };
    }
  } else {
    try {
      json = JSON.stringify(raw) ?? '';
    } catch {
      return { ok: false, reason: 'the saved state cannot be read' };
    }
    if (stateBytes(json) > MAX_STATE_BYTES) return { ok: false, reason: `the saved state is larger than ${MAX_STATE_BYTES} bytes` };
    data = raw;
  }
  if (!isObject(data)) return { ok: false, reason: 'the saved state is not an object' };
  if (typeof data.v !== 'number' || !Number.isInteger(data.v) || data.v < 1) return { ok: false, reason: 'the saved state has no version' };
  if (data.v > STATE_VERSION) return { ok: false, reason: `the saved state is of a newer version (${data.v}) of the lab` };
  if (data.chapter !== chapter) return { ok: false, reason: 'the saved state is for another chapter' };
  const known = chapterById(chapter);
  if (!known) return { ok: false, reason: 'unknown chapter' };
  const qs = questionsOf(chapter);
  const notes: string[] = [];

  const answers: Record<string, string | number> = {};
  let dropped = 0;
  if (isObject(data.answers)) {
    for (const [id, a] of Object.entries(data.answers)) {
      const q = qs.find((x) => x.id === id);
      const fits = q && (q.kind === 'choice' ? typeof a === 'string' && q.options!.some((o) => o.value === a) : typeof a === 'number' && Number.isFinite(a) && a >= ESTIMATE_MIN && a <= ESTIMATE_MAX);
      if (q && fits) answers[id] = a as string | number;
      else dropped++;
    }
  }
  if (dropped) notes.push(`${dropped} saved answer${dropped === 1 ? '' : 's'} to question${dropped === 1 ? '' : 's'} this activity no longer asks (or with a value it no longer offers) ${dropped === 1 ? 'was' : 'were'} dropped.`);

  const explanation = typeof data.explanation === 'string' ? data.explanation.slice(0, MAX_EXPLANATION) : '';

  const verdicts: Record<string, KeptVerdict> = {};
  if (isObject(data.verdicts)) {
    for (const [id, v] of Object.entries(data.verdicts)) {
      if (!known.claims.includes(id) || !isObject(v) || typeof v.verdict !== 'string' || !VERDICTS.includes(v.verdict)) continue;
      const speedup = typeof v.speedup === 'number' && Number.isFinite(v.speedup) && v.speedup >= 0 ? v.speedup : null;
      const kept: KeptVerdict = { verdict: v.verdict as Verdict, speedup, text: typeof v.text === 'string' ? v.text.slice(0, MAX_TEXT) : '' };
      if (v.unavailable === true) kept.unavailable = true;
      verdicts[id] = kept;
    }
  }
  const runIds = Array.isArray(data.runIds) ? data.runIds.filter((r): r is string => typeof r === 'string' && RUN_ID.test(r)).slice(-MAX_RUN_IDS) : [];
  // Verdicts come from a run: without one, none are believed.
  const state = withScore({ v: STATE_VERSION, chapter, scoring, answers, explanation, verdicts: runIds.length ? verdicts : {}, score: 0, scored: [], correct: [], untestable: [], runIds });
  return { ok: true, state, notes };
}
