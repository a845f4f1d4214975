// The main-thread heartbeat: how late the page's own work runs. It stays green while the engine works,
// because lab work never runs on this thread. Two measures:
// - event-loop lag: every ~5 ms a timer falls due, then a message is posted to this thread (a
//   MessageChannel, which no timer clamp delays); a sample is how late the message ran after the timer
//   was due, so a task that holds the thread when the timer falls due counts as well as one that holds it
//   while the message waits (timing the message alone missed any task that began during the 5 ms wait:
//   an 18 ms task read as 0.2 ms). Samples are kept (the last 4,000) for percentiles, not rounded to
//   whole frames.
// - long tasks: the browser's own record of main-thread tasks over 50 ms (PerformanceObserver `longtask`),
//   where the browser has it.

export interface FrameLag {
  /** The latest sample, in ms. */
  lastMs: number;
  /** The worst sample since the last reset. */
  maxMs: number;
  /** The 99th percentile of the samples since the last reset, and how many there are. */
  p99Ms: number;
  samples: number;
  /** Main-thread tasks longer than 50 ms since the last reset (durations in ms). */
  longTasksMs: number[];
  /** Every sample since the last reset (the last 4,000), for a benchmark's own percentiles. */
  samplesMs: number[];
}

const KEEP = 4000;
/** The time between samples. */
const INTERVAL_MS = 5;

export function startHeartbeat(el: HTMLElement): { lag(): FrameLag; reset(): void } {
  const samples: number[] = [];
  let lastMs = 0;
  let maxMs = 0;
  let shown = 0;
  let longTasks: number[] = [];
  const channel = new MessageChannel();
  /** When the current sample's timer fell due (the first sample has no timer: when its message left). */
  let dueAt = 0;
  channel.port1.onmessage = () => {
    const now = performance.now();
    // A hidden page's timers are held back by the browser (to a second): that is not the page's lag.
    if (document.visibilityState !== 'hidden') {
      lastMs = Math.max(0, now - dueAt);
      maxMs = Math.max(maxMs, lastMs);
      samples.push(lastMs);
      if (samples.length > KEEP) samples.splice(0, samples.length - KEEP);
    }
    if (now - shown > 250) {
      shown = now;
      const level = lastMs < 50 ? 'ok' : lastMs < 200 ? 'slow' : 'frozen';
      el.dataset.level = level;
      el.textContent = `Main thread: ${level === 'ok' ? 'responsive' : level} (event-loop lag ${lastMs.toFixed(0)} ms, worst ${maxMs.toFixed(0)} ms)`;
    }
    dueAt = now + INTERVAL_MS;
    setTimeout(ping, INTERVAL_MS);
  };
  const ping = () => channel.port2.postMessage(0);
  dueAt = performance.now();
  ping();
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  } catch {
    // No long-task timing in this browser: the lag samples still tell.
  }
  return {
    lag: () => {
      const sorted = [...samples].sort((a, b) => a - b);
      const p99Ms = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] : 0;
      return { lastMs, maxMs, p99Ms, samples: samples.length, longTasksMs: [...longTasks], samplesMs: [...samples] };
    },
    reset: () => {
      maxMs = 0;
      samples.length = 0;
      longTasks = [];
    },
  };
}
