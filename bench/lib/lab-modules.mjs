// The lab's own TypeScript modules, loaded into node: bundled on the fly with esbuild (a devDependency)
// into a temporary .mjs and imported from there, so the bench (and its tests) use the very code the page
// runs, never a copy of its thresholds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './paths.mjs';

const loaded = new Map();

/** Bundles `entry` (a path under the repository) to ESM and imports it; once per process. */
export function loadLabModule(entry) {
  if (!loaded.has(entry)) {
    loaded.set(entry, (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lab-module-'));
      const outfile = join(dir, 'module.mjs');
      try {
        await build({ entryPoints: [join(ROOT, entry)], bundle: true, format: 'esm', platform: 'neutral', outfile, write: true, logLevel: 'silent' });
        return await import(pathToFileURL(outfile).href);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })());
  }
  return loaded.get(entry);
}

/** www/src/measure/verdicts.ts: `claims`, `roundSpeedups`, `ioIdeal`, the thresholds. */
export function loadVerdicts() {
  return loadLabModule('www/src/measure/verdicts.ts');
}
