// Small browser helpers the Rust side imports. Each exists because doing it through web-sys would take
// more code for the same thing, or could not be done there at all.

// One clock for every worker of a run: each worker's performance.now() counts from its own timeOrigin,
// so only the sum puts lanes of different workers on one timeline.
export function epoch_now() {
  return performance.timeOrigin + performance.now();
}

// A turn of the event loop without setTimeout: Chromium clamps nested zero-delay timers to >= 4 ms,
// which would make every await of a CPU-bound coroutine cost 4 ms. A MessageChannel post does not.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()();
export function yield_now() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

// A turn of the engine's loop between two chunks of the single build's `threads-gil` holder, as cheap as
// each engine makes one (measured in a dedicated worker, after 0.5 ms of work; the figures are in
// docs/DESIGN.md, at the single build's threads-gil). A MessageChannel round trip costs WebKitGTK 0.25-0.3 ms (Chromium 0.02, Firefox 0.005),
// a BroadcastChannel's 0.08-0.1 (Chromium and Firefox 0.2); setTimeout(0) costs next to nothing in all
// three, but nested more than five deep it is clamped to 4 ms. So four timers in a row, then a post on both
// channels, the first back ending the turn (and ending the timers' nesting): 0.025 ms a turn on average in
// WebKitGTK, 0.02 in Chromium, 0.008 in Firefox. Any of them lets the page's messages in (a Stop, a ping).
const TIMERS_IN_A_ROW = 4;
let timers = 0;
let turnPost; // made on first use (a turn by post: the single build's threads-gil, and sequential's and asyncio's CPU work)
// The turns waiting for their post to come back, by number. Several may wait at once: two Python threads'
// futures can each be in a turn (one after its task, the holder between chunks); each gets its own answer.
const turnsWaiting = new Map();
let turnSeq = 0;
function makeTurnPost() {
  const back = ({ data }) => {
    const resolve = turnsWaiting.get(data);
    if (!resolve) return; // the slower channel's answer to a turn already over
    turnsWaiting.delete(data);
    resolve();
  };
  const port = new MessageChannel();
  port.port1.onmessage = back;
  let out;
  let inbox; // kept: the channel that hears the posts
  try {
    const name = `concurrency-lab:turn:${performance.timeOrigin}:${Math.random()}`;
    out = new BroadcastChannel(name);
    inbox = new BroadcastChannel(name);
    inbox.onmessage = back;
  } catch {
    // No BroadcastChannel here: the MessageChannel alone.
  }
  return (seq) => {
    port.port2.postMessage(seq);
    if (inbox) out.postMessage(seq);
  };
}
export function engine_turn() {
  if (timers < TIMERS_IN_A_ROW) {
    timers++;
    const at = performance.now();
    return new Promise((resolve) =>
      setTimeout(() => {
        // Clamped after all (the work resumed from a timer nested deeper than counted): a post next.
        if (performance.now() - at >= 2) timers = TIMERS_IN_A_ROW;
        resolve();
      }, 0),
    );
  }
  timers = 0;
  turnPost ??= makeTurnPost();
  const seq = ++turnSeq;
  return new Promise((resolve) => {
    turnsWaiting.set(seq, resolve);
    turnPost(seq);
  });
}

// Resolves when the run's AbortSignal fires, so a sleep can be dropped at once.
export function when_aborted(signal) {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

// A request's own signal: aborted by the run's Stop, or by its timeout (asyncio.wait_for).
export function request_signal(run, timeoutMs) {
  return timeoutMs > 0 ? AbortSignal.any([run, AbortSignal.timeout(timeoutMs)]) : run;
}

// A panic aborts the thread right after this returns, so its text must leave now, from whichever
// thread panicked: the page hears the engine's own thread by message, and every thread (pool threads
// included, whose Workers the page cannot see) on a BroadcastChannel, tagged with the engine's id.
// Each of the engine's Workers is named for what it is ("rayon pool thread 2", "process Process-1"), so
// the message says which one panicked.
export function report_panic(engineId, text) {
  const where = typeof WorkerGlobalScope !== 'undefined' && self.name ? self.name : 'the engine';
  report_crash(engineId, `the lab engine panicked in ${where}: ${text}`);
}

// Reports that this worker dies (a panic, a trap, an error in its start-up): the page rejects the run
// with an EngineError carrying `message` and restarts the engine.
let panics;
export function report_crash(engineId, message) {
  console.error(message);
  try {
    (panics ??= new BroadcastChannel('concurrency-lab:panic')).postMessage({ engineId, message });
  } catch {}
  try {
    self.postMessage({ type: 'engine:panic', engineId, message });
  } catch {}
}
