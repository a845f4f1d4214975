// Starts wasm threads for the Python thread models: each is a module Worker that instantiates the
// engine's own module on the shared memory and runs a Rust loop that takes jobs from a channel.
// This file is both the spawner (imported by the engine module) and the thread's entry script
// (loaded by `new Worker`), like wasm-bindgen-rayon's helper; the message type tells them apart.

export function spawn_thread(module, memory, mainJs, receiver) {
  const worker = new Worker(new URL(import.meta.url), { type: 'module', name: 'lab-python-thread' });
  return new Promise((resolve, reject) => {
    worker.addEventListener('message', function ready({ data }) {
      if (data?.type !== 'lab_thread_ready') return;
      worker.removeEventListener('message', ready);
      resolve();
    });
    worker.addEventListener('error', (e) => reject(new Error(`a Python thread could not start: ${e.message}`)));
    worker.postMessage({ type: 'lab_thread_init', module, memory, mainJs, receiver });
  });
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.addEventListener('message', async function init({ data }) {
    if (data?.type !== 'lab_thread_init') return;
    self.removeEventListener('message', init);
    const engine = await import(data.mainJs);
    engine.initSync({ module: data.module, memory: data.memory });
    postMessage({ type: 'lab_thread_ready' });
    engine.lab_thread_main(data.receiver);
  });
}
