// The capability check's worker (./detect.ts): told the lab's own shared memory, it checks from inside a
// Worker what the threads build needs there: that the memory arrived shared (a value it stores is seen by
// the page), that `Atomics.wait` may block in a worker, that a worker can start a worker of its own, and
// that WebAssembly stack switching (JSPI) works.
// Each answer is what happened when it tried, never the presence of a global.

import { MARK, MARK_INDEX, type Check, type WorkerAnswer, type WorkerJspi, type WorkerMore } from './protocol';
import { tryJspi } from './jspi';

const scope = self as unknown as { onmessage: ((e: MessageEvent<Check>) => void) | null; postMessage(m: unknown): void };

function atomicsWait(memory?: WebAssembly.Memory): true | string {
  if (!memory) return 'no shared memory reached the worker';
  try {
    const view = new Int32Array(memory.buffer);
    const outcome = Atomics.wait(view, 0, 0, 1);
    if (outcome !== 'timed-out') return `Atomics.wait answered "${outcome}" where it should have waited 1 ms`;
    Atomics.store(view, MARK_INDEX, MARK);
    return true;
  } catch (e) {
    return `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
  }
}

function nestedWorkers(ms: number): Promise<true | string> {
  return new Promise((resolve) => {
    let url = '';
    let child: Worker | undefined;
    const done = (answer: true | string) => {
      clearTimeout(timer);
      child?.terminate();
      if (url) URL.revokeObjectURL(url);
      resolve(answer);
    };
    const timer = setTimeout(() => done(`a worker started from a worker did not answer within ${ms} ms`), ms);
    try {
      if (typeof Worker !== 'function') return done('a worker has no Worker constructor here');
      url = URL.createObjectURL(new Blob(['postMessage("up")'], { type: 'text/javascript' }));
      child = new Worker(url);
      child.onmessage = () => done(true);
      child.onerror = (e) => {
        e.preventDefault();
        done(`a worker started from a worker failed: ${e.message || 'error'}`);
      };
    } catch (e) {
      done(`${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`);
    }
  });
}

scope.onmessage = async ({ data }: MessageEvent<Check>) => {
  if (data?.type !== 'check') return;
  // What the build needs first, at once (the page starts the engine on it); then what it reports besides.
  const answer: WorkerAnswer = { type: 'answer', atomicsWait: atomicsWait(data.memory) };
  scope.postMessage(answer);
  // JSPI's answer as soon as it is known (a few ms), then the nested worker's: a worker slow to start
  // (Firefox under load) never holds up what `python.run` and the status need from JSPI.
  const jspi: WorkerJspi = { type: 'jspi', jspi: await tryJspi() };
  scope.postMessage(jspi);
  const more: WorkerMore = { type: 'more', nestedWorkers: await nestedWorkers(data.nestedMs) };
  scope.postMessage(more);
};
