// The page's capabilities for this visit: tried once as the lab boots (./detect.ts), decided (./decide.ts),
// the core count measured or read (./cores.ts). `window.lab` reads them for `status().capabilities` and
// its build; the engine client for the cores and the words of its Unavailable reasons; the views for the
// cores their "ideal" column counts. The core count of a visit is fixed when it
// starts (so a Compare's defaults and ideal never move under it); probes during the visit raise the kept
// best reading (`noteProbe`), which the next visit counts on.

import { capabilitiesOf, chooseBuild, coresOf, type BuildChoice, type Capabilities } from './decide';
import { detectInTwo, type Detected } from './detect';
import { loadCores, noteReading, sessionCores } from './cores';

export type { Capabilities, BuildChoice } from './decide';
export { describeCores } from './decide';

const hc = () => Math.max(1, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1);

let current: { capabilities: Capabilities; choice: BuildChoice } | undefined;
/** The check as the lab boots: the build's part first (`complete` follows with every capability). */
export interface CapabilityCheck {
  capabilities: Capabilities;
  choice: BuildChoice;
  /** Every capability tried (a nested worker and JSPI too): `status().capabilities` once the lab is ready. */
  complete: Promise<Capabilities>;
}
let checking: Promise<CapabilityCheck> | undefined;

/** What is known before the checks have run (the status of a page still starting). */
export function preliminary(): Capabilities {
  const isolated = self.crossOriginIsolated === true;
  return {
    sharedMemory: isolated && typeof SharedArrayBuffer === 'function',
    atomicsWait: isolated && typeof Atomics === 'object',
    nestedWorkers: typeof Worker === 'function',
    jspi: typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === 'function',
    ...coresOf(hc(), loadCores()),
    hardwareConcurrency: hc(),
    why: {},
  };
}

/**
 * Tries every capability and decides the build (once per page; later calls get the same answer). Resolves
 * as soon as the build is decided (shared memory and `Atomics.wait` tried), so the engine starts while a
 * nested worker and JSPI are still being tried; `complete` has them all.
 */
export function checkCapabilities(bootReason?: string): Promise<CapabilityCheck> {
  checking ??= (async () => {
    const { build, all } = detectInTwo();
    const [detected, cores] = await Promise.all([build, sessionCores(hc())]);
    const now = decided(detected, cores, bootReason);
    current = now;
    // The build stays as chosen (it needs only what was tried first; threadsFailed may have changed it since).
    const complete = all.then((d) => (now.capabilities = capabilitiesOf(d, cores)));
    return { ...now, complete };
  })();
  return checking;
}

function decided(d: Detected, cores: ReturnType<typeof coresOf>, bootReason?: string) {
  return { capabilities: capabilitiesOf(d, cores), choice: chooseBuild(d, bootReason) };
}

/** The threads build could not start after all (it reserves its memory up front): the single build, and why. */
export function threadsFailed(why: string): BuildChoice {
  const choice: BuildChoice = { build: 'single', reason: `the threads build could not start (${why}); running the single build`, unavailableWhy: `here: the threads build could not start (${why})` };
  if (current) current.choice = choice;
  return choice;
}

/** The cores this visit counts on (the reported count until the check has run). */
export const labCores = (): number => current?.capabilities.cores ?? hc();

/** How the engine words its Unavailable reasons in the single build, if the check found why. */
export const unavailableWhy = (): string | undefined => current?.choice.unavailableWhy;

/** A probe's reading during a Compare: kept if it is the best in this profile (for the next visit). */
export function noteProbe(reading: number | null | undefined): void {
  const record = noteReading(reading, hc());
  if (!current || !record) return;
  const c = current.capabilities;
  c.coresMeasured = record.best;
  // The count in use, now backed by a measurement (with 1 or 2 reported, the probe confirms it).
  if (c.coresSource === 'hardwareConcurrency' && coresOf(hc(), record).cores === c.cores) c.coresSource = 'probe';
}
