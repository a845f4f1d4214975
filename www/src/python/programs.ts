// The Python program that does what a lab run did, as the engine writes it (src/core/python: one
// generator, in the core, beside the rules it shows: which tasks fail, which workloads make requests,
// how each mode runs its tasks). The page asks for it through `lab.python.program` (the engine's worker
// answers) and keeps each answer per spec and options, so a view that redraws does not ask again.
// tests/python/programs.test.mjs runs the programs in CPython against the lab's server and checks that
// each prints the value the lab computes for the same spec. The lesson's own snippets are the lesson's
// text, not a run's: ../lesson/snippets.ts.

import type { Spec } from '../engine/protocol';

export { lessonSnippets } from '../lesson/snippets';

/** A spec as the engine returns it from `validate` (API.md "The spec"). */
export interface ProgramSpec extends Spec {
  workload: string;
  mode: string;
  tasks: number;
}

export interface ProgramOptions {
  /** The lab's address: the program calls `<baseUrl>api/delay?ms=M&tag=ID` (the engine's default: `http://127.0.0.1:8080/`). */
  baseUrl?: string;
}

/** Who writes programs: `lab.python.program` (the page's own lab) unless a caller gives its own. */
export type ProgramWriter = (spec: Spec, options: ProgramOptions) => Promise<string>;

const pageLab: ProgramWriter = (spec, options) => {
  const lab = (globalThis as { lab?: { python: { program: ProgramWriter } } }).lab;
  return lab ? lab.python.program(spec, options) : Promise.reject(new Error('no lab on this page to write the program'));
};

/** What came of asking: the program, or why there is none. */
export type Written = { text: string } | { error: Error };

/** The programs asked for, per spec and options (the most recent few hundred), with what came of each. */
const kept = new Map<string, { program: Promise<string>; written?: Written }>();
const KEEP = 256;
const keyOf = (spec: ProgramSpec, options: ProgramOptions) => JSON.stringify([spec, options]);

/** The whole Python program for `spec`: the same tasks, run the way the spec's mode runs them. */
export function pythonProgram(spec: ProgramSpec, options: ProgramOptions = {}, write: ProgramWriter = pageLab): Promise<string> {
  const key = keyOf(spec, options);
  let entry = kept.get(key);
  if (!entry) {
    const program = write(spec, options);
    const made: { program: Promise<string>; written?: Written } = { program };
    entry = made;
    kept.set(key, made);
    program.then(
      (text) => (made.written = { text }),
      (error: Error) => {
        // A spec with no program has none next time either; any other refusal (the engine restarting,
        // say) is asked again.
        if (error?.name === 'SpecError') made.written = { error };
        else kept.delete(key);
      },
    );
    if (kept.size > KEEP) kept.delete(kept.keys().next().value as string);
  }
  return entry.program;
}

/** What came of asking for the program already (a view that redraws shows it at once), else undefined. */
export function writtenProgram(spec: ProgramSpec, options: ProgramOptions = {}): Written | undefined {
  return kept.get(keyOf(spec, options))?.written;
}
