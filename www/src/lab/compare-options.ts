// A Compare's options as `lab.compare(spec, options)` receives them: every bad one is refused before
// anything runs, as a SpecError naming the option and its range (docs/API.md, "Compare options"), so
// a typo or a wrong type never silently becomes a default.

import type { PlainError } from '../engine/protocol';

/** `budgetMs`: the whole Compare's time, warm-up included. */
export const BUDGET_MS = { min: 0, max: 600_000 } as const;
/** `minRounds`: counted rounds at least, while the budget allows. */
export const MIN_ROUNDS = { min: 1, max: 20 } as const;
const KNOWN = ['signal', 'budgetMs', 'minRounds', 'onProgress', 'modes'];

type Bad = { field: string; label: string; allowed: string; message: string };

/**
 * Every bad option of a Compare, or `undefined` when they are all good. `modeNames` are the modes this
 * lab knows (an unavailable one is still a mode: it is answered with its reason, not refused here);
 * before the engine has told them, `modes` is checked for its shape only.
 */
export function compareOptionsError(options: unknown, modeNames?: readonly string[]): PlainError | undefined {
  if (options === undefined || options === null) return undefined;
  const bad: Bad[] = [];
  const add = (field: string, allowed: string, got: unknown) =>
    bad.push({ field, label: field, allowed, message: `${field} must be ${allowed} (got ${show(got)})` });
  if (typeof options !== 'object' || Array.isArray(options)) {
    add('options', `an object with ${KNOWN.join(', ')}`, options);
  } else {
    const o = options as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!KNOWN.includes(key)) add(key, `not an option of compare: the options are ${KNOWN.join(', ')}`, o[key]);
    }
    const { budgetMs, minRounds, modes, signal, onProgress } = o;
    if (budgetMs !== undefined && !(typeof budgetMs === 'number' && Number.isFinite(budgetMs) && budgetMs >= BUDGET_MS.min && budgetMs <= BUDGET_MS.max)) {
      add('budgetMs', `a number of milliseconds in ${BUDGET_MS.min}..${BUDGET_MS.max}`, budgetMs);
    }
    if (minRounds !== undefined && !(Number.isInteger(minRounds) && (minRounds as number) >= MIN_ROUNDS.min && (minRounds as number) <= MIN_ROUNDS.max)) {
      add('minRounds', `a whole number in ${MIN_ROUNDS.min}..${MIN_ROUNDS.max}`, minRounds);
    }
    if (modes !== undefined) {
      const names = `a non-empty list of distinct modes${modeNames ? ` from ${modeNames.join(', ')}` : ''}`;
      if (!Array.isArray(modes) || modes.length === 0 || new Set(modes).size !== modes.length || !modes.every((m) => typeof m === 'string' && (!modeNames || modeNames.includes(m)))) {
        add('modes', names, modes);
      }
    }
    if (signal !== undefined && !(typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal)) add('signal', 'an AbortSignal', signal);
    if (onProgress !== undefined && typeof onProgress !== 'function') add('onProgress', 'a function', onProgress);
  }
  if (bad.length === 0) return undefined;
  const first = bad[0];
  return { name: 'SpecError', message: bad.map((b) => b.message).join('; '), field: first.field, allowed: first.allowed, errors: bad };
}

function show(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}
