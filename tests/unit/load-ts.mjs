// Loads a TypeScript module of the front end in node: bundled on the fly with esbuild into a temporary
// ES module, then imported. Only for pure modules (no DOM, no wasm).
import { build } from 'esbuild';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
