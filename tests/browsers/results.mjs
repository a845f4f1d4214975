// The cross-browser suite's last results, per engine, for the README's browser table (issue 22, item 7):
// each test adds what it found to tests/out/browsers.json under its engine's name (a run of one engine
// replaces that engine's entry as it goes; the others stay), and scripts/browser-table.mjs renders them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from '../e2e/helpers.mjs';

export const RESULTS = join(OUT, 'browsers.json');
const fresh = new Set();

export function readResults(file = RESULTS) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Adds `facts` to `engine`'s entry (the first call of a run starts the entry afresh). */
export function noteEngine(engine, facts) {
  const all = readResults();
  const entry = fresh.has(engine) ? all[engine] ?? {} : { at: new Date().toISOString() };
  fresh.add(engine);
  all[engine] = { ...entry, ...facts };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}
