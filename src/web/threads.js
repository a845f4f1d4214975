// Starts wasm threads for the Python thread models: each is a module Worker that instantiates the
// engine's own module on the shared memory and runs a Rust loop that takes jobs from a channel.
// This file is both the spawner (imported by the engine module) and the thread's entry script
// (loaded by `new Worker`), like wasm-bindgen-rayon's helper; the message type tells them apart.

import { report_crash } from './glue.js';

// `index` is the thread's place in the pool (its lane is `ThreadPool-<index>`); `engineId` tags its
// crash report.
export function spawn_thread(module, memory, mainJs, receiver, index, engineId) {
  const worker = new Worker(new URL(import.meta.url), { type: 'module', name: `Python thread ThreadPool-${index}` });
  return new Promise((resolve, reject) => {
    worker.addEventListener('message', function ready({ data }) {
      if (data?.type !== 'lab_thread_ready') return;
      worker.removeEventListener('message', ready);
      resolve();
    });
    worker.addEventListener('error', (e) => reject(new Error(`a Python thread could not start: ${e.message}`)));
    worker.postMessage({ type: 'lab_thread_init', module, memory, mainJs, receiver, engineId });
  });
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  // A thread that dies (a trap: an allocation failure, say, runs no panic hook) would leave its GIL and
  // the run's join waiting for ever: it says so first, so the page rejects the run and restarts the engine.
  let engineId = 0;
  let dead = false;
  const died = (what) => {
    if (dead) return;
    dead = true;
    report_crash(engineId, `${self.name} died: ${what instanceof Error ? `${what.name}: ${what.message}` : String(what)}`);
  };
  self.addEventListener('error', (e) => died(e.error ?? e.message));
  self.addEventListener('unhandledrejection', (e) => died(e.reason));
  self.addEventListener('message', async function init({ data }) {
    if (data?.type !== 'lab_thread_init') return;
    self.removeEventListener('message', init);
    engineId = data.engineId;
    const engine = await import(data.mainJs);
    engine.initSync({ module: data.module, memory: data.memory });
    postMessage({ type: 'lab_thread_ready' });
    try {
      engine.lab_thread_main(data.receiver);
    } catch (e) {
      died(e);
    }
  });
}
