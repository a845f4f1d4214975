// Bundles the page and the engine worker with esbuild and lays out the site in dist/:
//   dist/index.html, style.css, main.js, engine-worker.js, pkg/{threads,single}/...
// The wasm-bindgen output is copied, not bundled: wasm-bindgen-rayon's pool threads re-import the
// engine module by its own URL.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const www = join(root, 'www');

if (!existsSync(join(www, 'pkg', 'threads')) || !existsSync(join(www, 'pkg', 'single'))) {
  console.error('www/pkg is missing: run scripts/build-wasm.sh first (npm run build does both)');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    main: join(www, 'src/main.ts'),
    'engine-worker': join(www, 'src/engine/engine-worker.ts'),
    'process-worker': join(www, 'src/engine/process-worker.ts'),
  },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) cpSync(join(www, f), join(out, f));
cpSync(join(www, 'pkg'), join(out, 'pkg'), { recursive: true });
console.log(`site built in ${out}`);
