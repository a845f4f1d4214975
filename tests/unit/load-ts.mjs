// Loads a TypeScript module of the front end in node: bundled on the fly with esbuild into a temporary
// ES module, then imported. Only for pure modules (no DOM, no wasm).
//
// The page's modules read the rules of the model from the engine's catalogue (www/src/rules.ts), which
// the page gets when the engine starts. In node there is no engine: the engine's catalogue as it wrote
// it (tests/unit/fixtures/catalogue.json, which `cargo test` checks is the engine's own, and which holds
// a workload the page has never heard of, `test-nap`) is installed before any module is loaded.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The engine's catalogue (threads build, 2 cores, uncalibrated defaults, with `test-nap`). */
export const CATALOGUE = JSON.parse(readFileSync(path.join(root, 'tests/unit/fixtures/catalogue.json'), 'utf8'));
// As www/src/rules.ts `useCatalogue` keeps it (one key on the global object, read by every bundle).
globalThis[Symbol.for('concurrency-lab.catalogue')] ??= CATALOGUE;

/** `relPath` is relative to the repository's root, e.g. `www/src/measure/verdicts.ts`. */
export async function loadTs(relPath) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lab-unit-'));
  const outfile = path.join(dir, `${path.basename(relPath, '.ts')}-${process.pid}-${Date.now()}.mjs`);
  try {
    await build({
      entryPoints: [path.join(root, relPath)],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      write: true,
      outfile,
      logLevel: 'silent',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
