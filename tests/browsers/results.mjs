// The cross-browser suite's last results, per engine, for the README's browser table (issue 22, item 7):
// each test adds what it found to its engine's file, tests/out/browsers/ENGINE.json (each fact replaced as a
// test finds it again, across the suite's files, which run in processes of their own), and
// scripts/browser-table.mjs renders them all. A file per engine, so two engines' runs at once (`npm test`
// runs the rest of the suite two engines at a time) never write the same file; one engine's files run one
// after another.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'browsers');

const read = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Every engine's last results, by engine (empty where no run has written any). */
export function readResults(dir = RESULTS) {
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    // No run yet.
  }
  return Object.fromEntries(files.map((f) => [f.slice(0, -'.json'.length), read(join(dir, f))]).filter(([, r]) => r));
}

/** Adds `facts` to `engine`'s entry, replacing those of the same names, and dates it. */
export function noteEngine(engine, facts) {
  const file = join(RESULTS, `${engine}.json`);
  const entry = { ...(read(file) ?? {}), ...facts, at: new Date().toISOString() };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(file, `${JSON.stringify(entry, null, 2)}\n`);
}
