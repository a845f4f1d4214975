// The Python programs the engine writes (src/core/python), for node's tests of the page, which run no
// engine: as recorded in tests/fixtures/programs.json, which `cargo test` checks the engine writes byte
// for byte (src/core/python/tests.rs).
import { readFileSync } from 'node:fs';

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/programs.json', import.meta.url), 'utf8'));
const byKey = new Map(FIXTURE.cases.map((c) => [JSON.stringify([c.spec, c.options]), c]));

/** The program of `spec` (its keys in the order given) with `options`; throws what the engine refuses with. */
export function recordedProgram(spec, options = {}) {
  const c = byKey.get(JSON.stringify([spec, options]));
  if (!c) throw new Error(`no program recorded for ${JSON.stringify(spec)} (tests/fixtures/record-before.mjs)`);
  if (c.error) throw new Error(c.error);
  return c.program;
}

/** The program, or '' where there is none (as the replay panel draws frames without a place). */
export const programOrNone = (spec) => {
  try {
    return recordedProgram(spec);
  } catch {
    return '';
  }
};
