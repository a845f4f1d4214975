// Bundles the page and the engine worker with esbuild and lays out the site in dist/:
//   dist/index.html, embed.html, style.css, boot.js, main.js, embed.js, sw.js, engine-worker.js, pkg/{threads,single}/...,
//   python-worker.js and pyodide/ (real CPython, fetched only when a learner first asks for it)
// The wasm-bindgen output is copied, not bundled: wasm-bindgen-rayon's pool threads re-import the
// engine module by its own URL.
//
// dist/ is a self-contained static site: every URL in it is relative, so it works from any host and
// any sub-path. For hosts that send no headers, each page carries the server's Content-Security-Policy
// in a <meta> (imported from server/app.mjs, not copied), and sw.js adds the isolation headers.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync, existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CSP } from '../server/app.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const www = join(root, 'www');

if (!existsSync(join(www, 'pkg', 'threads')) || !existsSync(join(www, 'pkg', 'single'))) {
  console.error('www/pkg is missing: run scripts/build-wasm.sh first (npm run build does both)');
  process.exit(1);
}
const pyodideDir = join(root, 'node_modules', 'pyodide');
/** Real CPython's files go under a folder named for their version: they never change there, so the
 *  server lets browsers keep them for a year without asking again (server/app.mjs `IMMUTABLE`). */
const pyodideVersion = JSON.parse(readFileSync(join(pyodideDir, 'package.json'), 'utf8')).version;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The pages' scripts, split (esbuild code splitting): what only some screens need (the replay view, the
// sweep, a course activity) is a chunk of its own, fetched by a dynamic import() when first
// opened; code the pages share is one chunk too. The Workers below are built whole, one file each.
/** What every module build below shares: one bundle per entry, as modern ES, minified with source maps. */
const esm = {
  outdir: out,
  bundle: true,
  define: { PYODIDE_DIR: JSON.stringify(`pyodide/${pyodideVersion}/`) },
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
};
const pages = await build({
  ...esm,
  entryPoints: {
    main: join(www, 'src/main.ts'),
    embed: join(www, 'src/embed/embed.ts'),
    // author.html: a course author's page (pick, preview, copy, watch the SPLICE messages).
    author: join(www, 'src/author.ts'),
  },
  splitting: true,
  // Beside the entries, not in a folder: `new URL('./engine-worker.js', import.meta.url)` in a chunk must
  // find the Workers' scripts where it finds them from main.js.
  chunkNames: '[name]-[hash]',
  metafile: true,
});
await build({
  ...esm,
  entryPoints: {
    'engine-worker': join(www, 'src/engine/engine-worker.ts'),
    'process-worker': join(www, 'src/engine/process-worker.ts'),
    'pool-thread': join(www, 'src/engine/pool-thread.ts'),
    'probe-worker': join(www, 'src/engine/probe-worker.ts'),
    // The capability check's worker (src/capabilities/detect.ts): what the browser can do, tried.
    'capabilities-worker': join(www, 'src/capabilities/worker.ts'),
    // The first script of every Worker the page makes for the engine (src/engine/engine-worker.ts, EngineWorker).
    'spawned-worker': join(www, 'src/engine/spawned-worker.ts'),
    'python-worker': join(www, 'src/python/real/worker.ts'),
    // The image workload's picture, drawn off the main thread (src/views/run/image-view.ts).
    'image-worker': join(www, 'src/views/run/image-worker.ts'),
    // "Run it in real Python" itself: fetched when a learner opens it (views/python/pane-loader.ts).
    'python-pane': join(www, 'src/views/python/pane.ts'),
  },
});
// Classic scripts: the boot check must parse in old browsers (ES5, so esbuild refuses newer syntax in
// it), and a classic service worker registers everywhere service workers exist.
await build({
  entryPoints: { boot: join(www, 'src/boot.ts') },
  outdir: out,
  bundle: true,
  format: 'iife',
  target: 'es5',
  minify: true,
  logLevel: 'warning',
});
await build({
  entryPoints: { sw: join(www, 'src/sw.ts') },
  outdir: out,
  bundle: true,
  format: 'iife',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});

// A <meta> policy cannot carry frame-ancestors, report-uri or sandbox (browsers ignore them there and
// say so in the console), so those are left out of it; the server's header keeps them.
const META_IGNORED = new Set(['frame-ancestors', 'report-uri', 'report-to', 'sandbox']);
const metaCsp = CSP.split(';')
  .map((d) => d.trim())
  .filter((d) => d && !META_IGNORED.has(d.split(/\s+/)[0]))
  .join('; ');
for (const f of ['index.html', 'embed.html', 'author.html']) {
  const html = readFileSync(join(www, f), 'utf8');
  const marker = '<!-- csp -->';
  if (!html.includes(marker)) throw new Error(`${f} lacks the ${marker} marker where the CSP <meta> goes`);
  const meta = `<meta http-equiv="Content-Security-Policy" content="${metaCsp.replaceAll('"', '&quot;')}">`;
  writeFileSync(join(out, f), html.replace(marker, meta));
}
cpSync(join(www, 'style.css'), join(out, 'style.css'));
cpSync(join(www, 'pkg'), join(out, 'pkg'), { recursive: true });
// Real CPython (Pyodide), copied as it is, like pkg/: pyodide.mjs imports node: modules, so esbuild cannot
// bundle it; python-worker.js imports it by URL. Only the runtime's files (no wheels: the lab never loads
// packages, which would come from a CDN). Fetched only when a learner first asks for real Python.
const PYODIDE_FILES = ['pyodide.mjs', 'pyodide.mjs.map', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json', 'package.json'];
mkdirSync(join(out, 'pyodide', pyodideVersion), { recursive: true });
let pyodideBytes = 0;
for (const f of PYODIDE_FILES) {
  cpSync(join(pyodideDir, f), join(out, 'pyodide', pyodideVersion, f));
  if (!f.endsWith('.map')) pyodideBytes += statSync(join(pyodideDir, f)).size;
}
// The source that runs each mode, served as plain text so the compare view can link "the Rust that ran
// it" (the core, and the browser glue that starts threads and processes) to the very code shipped. Test
// code (the `tests/` folders, `tests.rs`) is left out.
for (const dir of ['src/core', 'src/web', 'www/src/engine']) {
  cpSync(join(root, dir), join(out, 'source', dir), {
    recursive: true,
    filter: (src) => !/[\\/]tests([\\/]|$)/.test(src.slice(root.length)) && !src.endsWith('tests.rs'),
  });
}
for (const f of readdirSync(join(out, 'source'), { recursive: true })) {
  const path = join(out, 'source', String(f));
  if (/\.(rs|ts)$/.test(path)) renameSync(path, `${path}.txt`);
}
// What a page fetches before it can start: its entry and the chunks it imports statically (not the
// dynamic ones), gzipped: the figure the bench reports as the page's own script (bench/run.mjs).
const firstLoad = {};
for (const [file, o] of Object.entries(pages.metafile.outputs)) {
  if (!/^www\/src\/(main|embed\/embed|author)\.ts$/.test(o.entryPoint ?? '')) continue;
  const seen = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of pages.metafile.outputs[f]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(file);
  const lazy = new Set();
  for (const f of seen) for (const i of pages.metafile.outputs[f].imports) if (i.kind === 'dynamic-import' && !seen.has(i.path)) lazy.add(i.path);
  const gz = (fs) => [...fs].reduce((a, f) => a + gzipSync(readFileSync(join(root, f)), { level: 9 }).length, 0);
  firstLoad[file.split('/').pop()] = { files: [...seen].map((f) => f.slice(f.indexOf('dist/') + 5)), gzip: gz(seen), lazyGzip: gz(lazy) };
}
writeFileSync(join(out, 'first-load.json'), JSON.stringify(firstLoad, null, 1));
// Each page names the chunks its entry imports (modulepreload), so the browser fetches them beside the
// entry instead of after parsing it: one round trip less before the lab starts (each is revalidated on a
// returning visit, or not at all where the server keeps hashed names immutable: server/app.mjs).
for (const [html, entry] of [['index.html', 'main.js'], ['embed.html', 'embed.js'], ['author.html', 'author.js']]) {
  const chunks = firstLoad[entry]?.files.filter((f) => f !== entry) ?? [];
  const path = join(out, html);
  const text = readFileSync(path, 'utf8');
  if (!text.includes('</head>')) throw new Error(`${html} has no </head> for its modulepreload links`);
  writeFileSync(path, text.replace('</head>', `${chunks.map((f) => `  <link rel="modulepreload" href="${f}">\n`).join('')}</head>`));
}
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
console.log(`first load (gzip): ${Object.entries(firstLoad).map(([f, x]) => `${f} ${kb(x.gzip)} (+ ${kb(x.lazyGzip)} when opened)`).join(', ')}`);
const mib = (n) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
console.log(`site built in ${out}; real Python (dist/pyodide/${pyodideVersion}/): ${mib(pyodideBytes)}, fetched only on first use`);
