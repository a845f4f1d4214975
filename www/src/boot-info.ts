// What the boot script (boot.ts, a classic script that runs first) found out, for the page's modules.

export interface LabBootInfo {
  /** How the page is cross-origin isolated: by the host's headers, by the lab's service worker, or not. */
  isolation: 'headers' | 'service-worker' | 'none';
  /** Why the page is not isolated, in words for the learner. */
  reason?: string;
  /** Whether the lab runs in a frame of another page. */
  framed: boolean;
}

declare global {
  interface Window {
    labBoot?: LabBootInfo;
  }
}

/** The boot script's findings (defaults if it did not run, as when a test loads a module directly). */
export function bootInfo(): LabBootInfo {
  return window.labBoot ?? { isolation: self.crossOriginIsolated ? 'headers' : 'none', framed: window.self !== window.top };
}

/** The page has drawn what its URL names: the body the boot script hid for the first frame shows (boot.ts). */
export function pageDrawn(): void {
  document.documentElement.classList.remove('lab-drawing');
}
