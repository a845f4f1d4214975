// The real-Python worker (built to dist/python-worker.js, a module Worker): CPython 3.14 compiled to
// WebAssembly (the npm package `pyodide`), loaded on the first run it is given. ./runner.ts starts it
// only when a learner or a script first asks for real Python, and ends it (terminate) on a Stop: an
// interrupt would stop CPU-bound Python but not a program awaiting a sleep or a fetch.
//
// Pyodide is not bundled: pyodide.mjs imports node: modules that esbuild cannot resolve for the browser,
// so the build copies the package's files as they are to dist/pyodide/ and this worker imports them by
// URL, with an explicit indexURL. loadPackage and loadPackagesFromImports are never called: they fetch
// wheels from a CDN, and the lab's programs need only the standard library, which the runtime carries.

import type { PyodideAPI } from 'pyodide';
import { LAB_MODULES, RUNNER } from './prelude';
import { forgetSnapshot, keepSnapshot, keptSnapshot, snapshotRefused } from './snapshot';
import type { LoadCost, PrintedLine, PythonResult, RunMessage, WorkerMessage } from './protocol';
import { apiChanges } from './adapt';
import { tryJspi } from '../../capabilities/jspi';

const post = (m: WorkerMessage) => (self as unknown as Worker).postMessage(m);

let runtime: Promise<{ pyodide: PyodideAPI; load: LoadCost }> | undefined;
/** The copy of a started CPython's memory made at this load, to be kept once the first run has ended. */
let toKeep: (() => Promise<boolean>) | undefined;
/** Where printed lines go during a run (set per run). */
let sink: ((stream: 'stdout' | 'stderr', text: string) => void) | undefined;

/** Loads CPython once per worker; `indexURL` is the copied package's directory. */
function load(indexURL: string): Promise<{ pyodide: PyodideAPI; load: LoadCost }> {
  runtime ??= (async () => {
    const t0 = performance.now();
    post({ type: 'loading' });
    // By URL, at run time: esbuild leaves an import of a variable alone.
    const url = `${indexURL}pyodide.mjs`;
    const { loadPyodide, version } = (await import(url)) as typeof import('pyodide');
    const options = { indexURL, stdout: (text: string) => sink?.('stdout', text), stderr: (text: string) => sink?.('stderr', text) };
    // From the copy of a started CPython's memory this browser kept at an earlier load, when there is one
    // (./snapshot.ts: about 0.2 s where starting CPython takes 2 s); else started from nothing, and its
    // memory kept for the next load, before any of the lab's code has run in it.
    let pyodide: PyodideAPI | undefined;
    let snapshot: LoadCost['snapshot'] = 'none';
    const kept = await keptSnapshot(version);
    if (kept) {
      try {
        pyodide = await loadPyodide({ ...options, _loadSnapshot: kept });
        snapshot = 'used';
      } catch {
        await forgetSnapshot(); // a copy that does not start is dropped; CPython starts from nothing below
      }
    }
    if (!pyodide && (await snapshotRefused(version))) pyodide = await loadPyodide(options);
    if (!pyodide) {
      // An interpreter started to be copied serves only for that (Pyodide's `js` module is a stand-in in
      // it: `from js import performance` raised "Illegal invocation"): the lab's runs go to one started
      // from the copy, as on the next load (0.2 s more, once).
      try {
        const made = (await loadPyodide({ ...options, _makeSnapshot: true })).makeMemorySnapshot();
        pyodide = await loadPyodide({ ...options, _loadSnapshot: made });
        // Written once the first program has ended (./snapshot.ts), not while it runs.
        toKeep = () => keepSnapshot(version, made);
        snapshot = 'made';
      } catch {
        pyodide = await loadPyodide(options);
      }
    }
    if (snapshot !== 'none') fromCopy(pyodide);
    pyodide.FS.mkdirTree('/lab');
    for (const [name, text] of Object.entries(LAB_MODULES)) pyodide.FS.writeFile(`/lab/${name}`, text);
    pyodide.runPython(RUNNER);
    const loadMs = performance.now() - t0;
    // What the runtime's files cost: this worker fetched them, so its resource timing has them (each file
    // once: a load that made the copy of CPython's memory fetched them for each interpreter it started).
    const byName = new Map<string, PerformanceResourceTiming>();
    for (const e of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) if (e.name.startsWith(indexURL) && !byName.has(e.name)) byName.set(e.name, e);
    const files = [...byName.values()];
    const sys = pyodide.runPython('import sys; sys.version.split()[0]') as string;
    // Tried here, where the program runs (../../capabilities/jspi.ts): what `run` changes follows from it.
    const jspi = (await tryJspi()) === true;
    const cost: LoadCost = {
      loadMs,
      transferredBytes: files.reduce((n, e) => n + (e.transferSize || 0), 0),
      bodyBytes: files.reduce((n, e) => n + (e.encodedBodySize || 0), 0),
      files: files.length,
      version: `CPython ${sys} (Pyodide ${version})`,
      jspi,
      snapshot,
    };
    post({ type: 'loaded', load: cost });
    return { pyodide, load: cost };
  })();
  return runtime;
}

/**
 * An interpreter started from the copy of another's memory is that one as it was (./snapshot.ts): its
 * `random` module seeded at that start, so every load would draw the same numbers (an asyncio program's
 * "random" latencies alike on every visit), seeded afresh here; `sys.path` as Pyodide's last start step
 * left it, which a start from a copy repeats ('' twice), kept once. (Its string hashes' secret is the
 * copy's too, and cannot change after a start: set and dict orders of strings repeat between loads.) The
 * copy's bytes, which Pyodide keeps in its options, are let go: they are in the interpreter's memory now.
 */
function fromCopy(pyodide: PyodideAPI): void {
  pyodide.runPython('import random as _r, sys as _s\n_r.seed()\n_s.path[:] = list(dict.fromkeys(_s.path))\ndel _r, _s');
  const config = (pyodide as unknown as { _api?: { config?: { _loadSnapshot?: unknown } } })._api?.config;
  if (config) delete config._loadSnapshot;
}

async function run(msg: RunMessage): Promise<PythonResult> {
  const first = !runtime;
  const { pyodide, load: cost } = await load(msg.indexURL);
  const stdout: PrintedLine[] = [];
  const stderr: PrintedLine[] = [];
  const t0 = performance.now();
  sink = (stream, text) => {
    const line = { tMs: performance.now() - t0, text };
    (stream === 'stdout' ? stdout : stderr).push(line);
    post({ type: 'line', stream, line });
  };
  // The program as this browser's CPython runs it (./adapt.ts), decided here by JSPI as tried in this
  // worker: a capability check slow to answer on a busy page never changes what runs.
  const { code, changes } = apiChanges(msg.source, cost.jspi);
  const runner = pyodide.globals.get('_lab_run');
  let answer: string;
  try {
    answer = await runner(code, msg.baseUrl, t0);
  } finally {
    runner.destroy();
  }
  const wallMs = performance.now() - t0;
  sink = undefined;
  const { error, trace } = JSON.parse(answer) as Pick<PythonResult, 'error' | 'trace'> & { error: PythonResult['error'] | null };
  const result: PythonResult = { wallMs, stdout, trace, changes };
  if (first) Object.assign(result, { loadMs: cost.loadMs, load: cost });
  if (error) result.error = error;
  if (stderr.length) result.stderr = stderr;
  return result;
}

// One run at a time: the page's queue sends the next only after this one's answer.
self.addEventListener('message', (e: MessageEvent<RunMessage>) => {
  if (e.data?.type !== 'run') return;
  run(e.data)
    .then(
      (result) => post({ type: 'done', result }),
      (err) => post({ type: 'failed', error: { name: err?.type ?? err?.name ?? 'Error', message: String(err?.message ?? err) } }),
    )
    .then(() => {
      const keep = toKeep;
      toKeep = undefined;
      return keep?.();
    });
});
