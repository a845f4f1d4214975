// The cross-browser suite's last results, per engine, for the README's browser table (issue 22, item 7):
// each test adds what it found to tests/out/browsers.json under its engine's name (each fact replaced as a
// test finds it again, across the suite's files, which run in processes of their own; the other engines'
// entries stay), and scripts/browser-table.mjs renders them. Two engines' runs may write at once (`npm test`
// runs the rest of the suite two engines at a time): each change is made under a lock file.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const LOCK = `${RESULTS}.lock`;
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `fn` holding the results' lock (a lock older than 10 s was left by a process that died: taken over). */
function locked(fn) {
  mkdirSync(OUT, { recursive: true });
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      break;
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 10_000) rmSync(LOCK, { force: true });
      } catch {
        // Released meanwhile.
      }
      pause(20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** Adds `facts` to `engine`'s entry, replacing those of the same names, and dates it. */
export function noteEngine(engine, facts) {
  locked(() => {
    const all = readResults();
    all[engine] = { ...(all[engine] ?? {}), ...facts, at: new Date().toISOString() };
    writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
  });
}
