// The cross-browser suite's last results, per engine, for the README's browser table (issue 22, item 7):
// each test adds what it found to tests/out/browsers.json under its engine's name (each fact replaced as a
// test finds it again, across the suite's files, which run in processes of their own; the other engines'
// entries stay), and scripts/browser-table.mjs renders them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from '../e2e/helpers.mjs';

export const RESULTS = join(OUT, 'browsers.json');

export function readResults(file = RESULTS) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Adds `facts` to `engine`'s entry, replacing those of the same names, and dates it. */
export function noteEngine(engine, facts) {
  const all = readResults();
  all[engine] = { ...(all[engine] ?? {}), ...facts, at: new Date().toISOString() };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}
