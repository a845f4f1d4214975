// The capability check's worker (./detect.ts): told the lab's own shared memory, it checks from inside a
// Worker what the threads build needs there: that the memory arrived shared (a value it stores is seen by
// the page), that `Atomics.wait` may block in a worker, that a worker can start a worker of its own, and
// that WebAssembly stack switching (JSPI) works.
// Each answer is what happened when it tried, never the presence of a global.

import { MARK, MARK_INDEX, type Check, type WorkerAnswer, type WorkerMore } from './protocol';

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

const describe = (e: unknown) => `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;

/** JSPI, tried: an import that suspends on a promise, called through `WebAssembly.promising`. */
async function jspi(): Promise<true | string> {
  const W = WebAssembly as unknown as { Suspending?: new (f: () => Promise<number>) => unknown; promising?: (f: unknown) => () => Promise<number> };
  if (typeof W.Suspending !== 'function' || typeof W.promising !== 'function') return 'this browser has no WebAssembly stack switching (JSPI: no WebAssembly.Suspending)';
  try {
    // (module (import "m" "f" (func (result i32))) (func (export "g") (result i32) call 0))
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00,
      0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x67, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,
    ]);
    const f = new W.Suspending(() => new Promise<number>((r) => setTimeout(() => r(42), 0)));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { f } } as unknown as WebAssembly.Imports);
    const got = await W.promising(instance.exports.g)();
    return got === 42 ? true : `WebAssembly stack switching (JSPI) gave ${got} where it should have given 42`;
  } catch (e) {
    return `WebAssembly stack switching (JSPI) failed: ${describe(e)}`;
  }
}

scope.onmessage = async ({ data }: MessageEvent<Check>) => {
  if (data?.type !== 'check') return;
  // What the build needs first, at once (the page starts the engine on it); then what it reports besides.
  const answer: WorkerAnswer = { type: 'answer', atomicsWait: atomicsWait(data.memory) };
  scope.postMessage(answer);
  // Both at once: JSPI's answer (which `python.run` needs) never waits for a slow nested worker's start.
  const [nested, stackSwitching] = await Promise.all([nestedWorkers(data.nestedMs), jspi()]);
  const more: WorkerMore = { type: 'more', nestedWorkers: nested, jspi: stackSwitching };
  scope.postMessage(more);
};
