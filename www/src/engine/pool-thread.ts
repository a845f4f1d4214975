// A thread of the engine's rayon pool. wasm-bindgen-rayon's helper starts each pool thread from a copy of
// its own module, which runs rayon's worker loop and listens for nothing else: a trap there leaves an
// unhandled rejection nobody sees, and the run waits for ever on that thread's job. The engine worker
// starts this script in its place (see `EngineWorkers` in engine-worker.ts): it speaks the helper's
// init protocol (wasm-bindgen-rayon 1.3, src/workerHelpers.no-bundler.js) and reports the thread's death.
// The engine's id comes in the script's query (`?engine=ID`).

import { watchForDeath } from './crash-report';

interface RayonModule {
  default(init: { module_or_path: WebAssembly.Module; memory: WebAssembly.Memory }): Promise<unknown>;
  wbg_rayon_start_worker(receiver: number): void;
}

const engineId = Number(new URL(import.meta.url).searchParams.get('engine')) || 0;
const died = watchForDeath(() => engineId, () => self.name || 'a rayon pool thread');

self.addEventListener('message', async function init({ data }) {
  if (data?.type !== 'wasm_bindgen_worker_init') return;
  self.removeEventListener('message', init);
  const pkg = (await import(/* @vite-ignore */ data.mainJS)) as RayonModule;
  await pkg.default({ module_or_path: data.module, memory: data.memory });
  postMessage({ type: 'wasm_bindgen_worker_ready' });
  try {
    // Rayon's worker loop: returns only when the pool is torn down (never, in the lab).
    pkg.wbg_rayon_start_worker(data.receiver);
  } catch (e) {
    died(e);
  }
});
