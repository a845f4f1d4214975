// How a worker of the engine says it is dying. A wasm trap (an allocation failure aborts with
// `unreachable`; so does a panic, after its hook) runs no Rust code on the way out: it surfaces in the
// worker as an uncaught error or an unhandled rejection, and whatever waited on that thread (a join, the
// GIL, a process's result) would wait for ever. So each worker's bootstrap listens for both and reports
// on the channel the panic hook uses (src/web/glue.js), tagged with its engine's id; the page's
// EngineClient rejects the run with an EngineError naming the worker and restarts the engine.

/** The BroadcastChannel every worker of every engine of this origin reports on. */
export const CRASH_CHANNEL = 'concurrency-lab:panic';

let channel: BroadcastChannel | undefined;

/** Posts `message` for the page of engine `engineId` (and to this worker's creator, which forwards it). */
export function reportCrash(engineId: number, message: string): void {
  console.error(message);
  try {
    (channel ??= new BroadcastChannel(CRASH_CHANNEL)).postMessage({ engineId, message });
  } catch {
    // No BroadcastChannel: the message to the creator below still goes.
  }
  try {
    self.postMessage({ type: 'engine:panic', engineId, message });
  } catch {
    // A worker whose creator is gone: nobody is left to tell.
  }
}

/** "RuntimeError: unreachable", from whatever was thrown. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

/**
 * Reports this worker's death once, as `<who> died: <error>`, when an error escapes it or a promise
 * rejects unhandled (`fatal` chooses which of them mean death; every one by default). Returns the
 * report function, for a bootstrap that catches the error itself.
 */
export function watchForDeath(engineId: () => number, who: () => string, fatal: (e: unknown) => boolean = () => true): (e: unknown) => void {
  let reported = false;
  const died = (e: unknown) => {
    if (reported || !fatal(e)) return;
    reported = true;
    reportCrash(engineId(), `${who()} died: ${describeError(e)}`);
  };
  self.addEventListener('error', (e) => died(e.error ?? e.message));
  self.addEventListener('unhandledrejection', (e) => died(e.reason));
  return died;
}
