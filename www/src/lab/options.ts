// The options of `window.lab`'s calls (`run`, `compare`, `lesson.run`, `python.run`) as a caller passes
// them: every bad one is refused before anything is queued, as one SpecError naming each option and its
// range (docs/API.md), so a typo or a wrong type never silently becomes a default or a crash later.

import type { PlainError } from '../engine/protocol';

/** `budgetMs`: the whole Compare's time, warm-up included. */
export const BUDGET_MS = { min: 0, max: 600_000 } as const;
/** `minRounds`: counted rounds at least, while the budget allows. */
export const MIN_ROUNDS = { min: 1, max: 20 } as const;

/** One option: what it must be, in words, and the test. */
type Rule = { allowed: string; ok: (v: unknown) => boolean };

const signal: Rule = { allowed: 'an AbortSignal', ok: (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal };
const fn: Rule = { allowed: 'a function', ok: (v) => typeof v === 'function' };
const inRange = (r: { min: number; max: number }, whole: boolean, unit: string): Rule => ({
  allowed: `${whole ? 'a whole number' : `a number of ${unit}`} in ${r.min}..${r.max}`,
  ok: (v) => typeof v === 'number' && Number.isFinite(v) && (!whole || Number.isInteger(v)) && v >= r.min && v <= r.max,
});

/** The options of `lab.run` (and of `lab.lesson.run` and `lab.python.run`, with their own added). */
export const RUN_OPTIONS: Record<string, Rule> = { signal };

/** `modeNames` are the modes this lab knows; before the engine has named them, `modes` is checked for its shape only. */
export function compareRules(modeNames?: readonly string[]): Record<string, Rule> {
  return {
    signal,
    budgetMs: inRange(BUDGET_MS, false, 'milliseconds'),
    minRounds: inRange(MIN_ROUNDS, true, ''),
    onProgress: fn,
    onStart: fn,
    modes: {
      allowed: `a non-empty list of distinct modes${modeNames ? ` from ${modeNames.join(', ')}` : ''}`,
      ok: (v) => Array.isArray(v) && v.length > 0 && new Set(v).size === v.length && v.every((m) => typeof m === 'string' && (!modeNames || modeNames.includes(m))),
    },
  };
}

/** `lab.lesson.run`'s options (its `value` is checked against the chapter's own knob by the caller). */
export const CHAPTER_OPTIONS: Record<string, Rule> = { signal, onProgress: fn, onStart: fn, value: { allowed: "within the chapter's range", ok: () => true } };
/** `lab.python.run`'s options. */
export const PYTHON_OPTIONS: Record<string, Rule> = { signal, onLine: fn, onLoading: fn };

/** Every bad option of a call to `call`, or `undefined` when they are all good (or there are none). */
export function optionsError(call: string, options: unknown, rules: Record<string, Rule>): PlainError | undefined {
  if (options === undefined || options === null) return undefined;
  const known = Object.keys(rules);
  const bad: { field: string; label: string; allowed: string; message: string }[] = [];
  const add = (field: string, allowed: string, got: unknown, message = `${field} must be ${allowed} (got ${show(got)})`) =>
    bad.push({ field, label: field, allowed, message });
  const proto = typeof options === 'object' ? Object.getPrototypeOf(options) : undefined;
  if (typeof options !== 'object' || (proto !== Object.prototype && proto !== null)) {
    // Not a plain object: a signal passed in its place, say, would otherwise be read as no options.
    add('options', `a plain object with ${known.join(', ')}`, options, `the options of ${call} must be a plain object with ${known.join(', ')} (got ${show(options)})`);
  } else {
    const o = options as Record<string, unknown>;
    for (const [key, v] of Object.entries(o)) {
      const rule = rules[key];
      if (!rule) add(key, `one of ${known.join(', ')}`, v, `${key} is not an option of ${call}; the options are ${known.join(', ')}`);
      else if (v !== undefined && !rule.ok(v)) add(key, rule.allowed, v);
    }
  }
  if (bad.length === 0) return undefined;
  return { name: 'SpecError', message: bad.map((b) => b.message).join('; '), field: bad[0].field, allowed: bad[0].allowed, errors: bad };
}

/** `lab.compare`'s options: see `compareRules`. */
export const compareOptionsError = (options: unknown, modeNames?: readonly string[]) => optionsError('compare', options, compareRules(modeNames));

function show(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof AbortSignal !== 'undefined' && v instanceof AbortSignal) return 'an AbortSignal';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}
