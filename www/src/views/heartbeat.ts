// The main-thread heartbeat: how late each animation frame comes. It stays green while the engine
// works, because lab work never runs on this thread.

const FRAME_MS = 1000 / 60;

export interface FrameLag {
  /** Lag of the latest frame beyond one frame's time, in ms. */
  lastMs: number;
  /** The worst lag since the last reset. */
  maxMs: number;
}

export function startHeartbeat(el: HTMLElement): { lag(): FrameLag; reset(): void } {
  let last = performance.now();
  let lastMs = 0;
  let maxMs = 0;
  let shown = 0;
  const tick = (now: number) => {
    lastMs = Math.max(0, now - last - FRAME_MS);
    maxMs = Math.max(maxMs, lastMs);
    last = now;
    if (now - shown > 250) {
      shown = now;
      const level = lastMs < 50 ? 'ok' : lastMs < 200 ? 'slow' : 'frozen';
      el.dataset.level = level;
      el.textContent = `Main thread: ${level === 'ok' ? 'responsive' : level} (frame lag ${lastMs.toFixed(0)} ms, worst ${maxMs.toFixed(0)} ms)`;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return {
    lag: () => ({ lastMs, maxMs }),
    reset: () => {
      maxMs = 0;
    },
  };
}
