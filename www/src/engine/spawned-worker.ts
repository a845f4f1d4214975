// The first script of every Worker the engine starts (rayon pool threads, Python threads, processes, the
// parallelism probe's workers). The page creates these Workers, not the engine worker (see `EngineWorker`
// in engine-worker.ts for why: Firefox can deadlock a worker that constructs a Worker), and hands each one
// a MessagePort to the engine worker with the URL of the script it is to run. This script makes that
// port look like the worker's own parent, then imports the script: the script's `postMessage(...)` goes
// to the engine worker through the port, and what the engine worker posts arrives as `message` events on
// `self`, so pool-thread.ts, threads.js, process-worker.ts and probe-worker.ts run unchanged.

interface Adopt {
  type: 'lab:adopt';
  url: string;
  port: MessagePort;
}

self.addEventListener('message', async function adopt(e: MessageEvent<Adopt>) {
  if (e.data?.type !== 'lab:adopt') return;
  self.removeEventListener('message', adopt);
  e.stopImmediatePropagation();
  const { url, port } = e.data;
  // Everything the script posts goes to the engine worker. (Both call forms: a transfer list, or options.)
  (self as unknown as { postMessage: (message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) => void }).postMessage = (message, transfer) =>
    port.postMessage(message, transfer as Transferable[]);
  try {
    await import(/* @vite-ignore */ url);
  } catch (err) {
    // An uncaught error reaches the page's Worker object, which reports it to the engine as this worker's death.
    setTimeout(() => {
      throw err;
    });
    return;
  }
  // The messages the engine posted meanwhile waited in the port; they arrive now, once the script listens.
  port.onmessage = ({ data }) => self.dispatchEvent(new MessageEvent('message', { data }));
});
